import { api, errorText } from '../api/client.ts';
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
  /** Performance marks of the first complete load (the benchmark reads them). */
  loadedAt: number | undefined;

  private readonly listeners = new Set<() => void>();
  private pending: StreamEvent[] | undefined;
  private scheduled = false;
  private stop: (() => void) | undefined;
  private loadGeneration = 0;

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
    if (e.event === 'ready' || e.event === 'reset') {
      // (Re)connected: a fresh start or a resume the server could not serve reloads; a resume goes on.
      if (e.event === 'reset' || this.status.kind === 'loading' || this.status.kind === 'error') void this.load();
      else if (this.status.kind === 'reconnecting' && e.event === 'ready') this.setStatus({ kind: 'live' });
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
      this.loadedAt ??= performance.now();
      this.setStatus({ kind: 'live' });
    } catch (e) {
      if (generation !== this.loadGeneration) return;
      this.pending = undefined;
      this.setStatus({ kind: 'error', detail: errorText(e) });
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
