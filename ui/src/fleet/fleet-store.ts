import { api, ApiError, errorText } from '../api/client.ts';
import { openEventStream, type StreamEvent } from '../api/event-stream.ts';
import { FLEET_FIELDS, type FleetNode } from './fleet-query.ts';

export type FleetStatus =
  | { kind: 'loading' }
  | { kind: 'live' }
  | { kind: 'reconnecting'; detail: string }
  | { kind: 'error'; detail: string };

interface NodePage {
  nodes: FleetNode[];
  next?: string;
}

const PAGE = 1000;
const LOAD_RETRY_MS = 3000;

/**
 * Every node's watched fields, kept current by the event stream. The list is loaded after the stream says it is
 * live, and the events that arrive meanwhile are applied after the load: the list and the stream meet without a gap.
 * Listeners are told at most once per animation frame, however many events a burst brings.
 */
export class FleetStore {
  readonly nodes = new Map<string, FleetNode>();
  status: FleetStatus = { kind: 'loading' };
  /** Bumped on every change: React's snapshot of the store. */
  version = 0;

  private readonly listeners = new Set<() => void>();
  private pending: StreamEvent[] | undefined;
  private scheduled = false;
  private stop: (() => void) | undefined;
  private loadGeneration = 0;
  /** The list was loaded on this stream: a reconnect that resumes needs no new load. */
  private loaded = false;
  private retry: ReturnType<typeof setTimeout> | undefined;

  start(): void {
    if (this.stop) return;
    this.stop = openEventStream('/ferrite/v1/events', {
      onEvent: (e) => this.onEvent(e),
      onState: (state, detail) => {
        if (state === 'retrying') this.setStatus({ kind: 'reconnecting', detail: detail ?? '' });
        if (state === 'stopped') this.setStatus({ kind: 'error', detail: detail ?? 'The event stream stopped.' });
      },
    });
  }

  close(): void {
    this.stop?.();
    this.stop = undefined;
    this.loaded = false;
    this.pending = undefined;
    this.loadGeneration++;
    clearTimeout(this.retry);
  }

  /** Restarts after a login: the stream had stopped on 401. */
  restart(): void {
    this.close();
    this.setStatus({ kind: 'loading' });
    this.start();
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getVersion = (): number => this.version;

  get(uuid: string): FleetNode | undefined {
    return this.nodes.get(uuid);
  }

  private onEvent(e: StreamEvent): void {
    if (e.event === 'reset') {
      // The resume point was pruned: what was missed is unknown, so the list is loaded again.
      void this.load();
      return;
    }
    if (e.event === 'ready') {
      // A load under way applies what arrives meanwhile; a first start loads; a resume just goes on.
      if (this.pending) return;
      if (!this.loaded) void this.load();
      else this.setStatus({ kind: 'live' });
      return;
    }
    if (this.pending) {
      this.pending.push(e);
      return;
    }
    this.apply(e);
    this.changed();
  }

  private apply(e: StreamEvent): void {
    let fields: FleetNode;
    try {
      fields = JSON.parse(e.data) as FleetNode;
    } catch {
      return;
    }
    if (e.event === 'node.deleted') this.nodes.delete(fields.uuid);
    else if (e.event === 'node.created' || e.event === 'node.updated') this.nodes.set(fields.uuid, fields);
  }

  private async load(): Promise<void> {
    const generation = ++this.loadGeneration;
    this.pending = [];
    this.setStatus({ kind: 'loading' });
    performance.mark('ferrite:fleet-load-start');
    try {
      const loaded = new Map<string, FleetNode>();
      let url: string | undefined = `/v1/nodes?limit=${PAGE}&fields=${FLEET_FIELDS.join(',')}`;
      while (url) {
        const page: NodePage = await api<NodePage>(url);
        if (generation !== this.loadGeneration) return;
        for (const n of page.nodes) loaded.set(n.uuid, n);
        // The next link is absolute, with the host the service believes it has: follow its path only.
        url = page.next ? pathOf(page.next) : undefined;
      }
      this.nodes.clear();
      for (const [k, v] of loaded) this.nodes.set(k, v);
      for (const e of this.pending ?? []) this.apply(e);
      this.pending = undefined;
      performance.mark('ferrite:fleet-load-end');
      this.loaded = true;
      this.setStatus({ kind: 'live' });
    } catch (e) {
      if (generation !== this.loadGeneration) return;
      this.pending = undefined;
      this.setStatus({ kind: 'error', detail: errorText(e) });
      // A refused login waits for the login form (which restarts the store); anything else is tried again.
      if (!(e instanceof ApiError && e.status === 401)) this.retry = setTimeout(() => void this.load(), LOAD_RETRY_MS);
    }
  }

  private setStatus(status: FleetStatus): void {
    this.status = status;
    this.changed();
  }

  private changed(): void {
    this.version++;
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      for (const fn of this.listeners) fn();
    };
    // A hidden tab gets no animation frames; it still keeps its list current.
    if (document.hidden) setTimeout(flush, 100);
    else requestAnimationFrame(flush);
  }
}

function pathOf(link: string): string {
  const u = new URL(link, location.href);
  return `${u.pathname}${u.search}`;
}

export const fleet = new FleetStore();
