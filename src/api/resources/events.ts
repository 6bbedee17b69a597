import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { NodeEvent } from '../../domain/node-event.js';
import { InvalidParameterValue } from '../../domain/errors.js';
import { isUuidLike } from '../../domain/validation.js';
import { NodeEventHub, type EventSubscriber, type HubTiming } from '../node-event-hub.js';
import type { ApiDeps } from '../app.js';
import { FERRITE_PREFIX } from '../ferrite-api.js';

/** Unsent bytes a live client may hold before it is dropped; it can resume with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Live events held for a client while it still reads its backlog. */
const MAX_QUEUED_EVENTS = 20_000;
const BACKLOG_PAGE = 500;

export const DEFAULT_TIMING: HubTiming = { pollMs: 250, heartbeatMs: 15_000 };

function format(e: NodeEvent): string {
  return `id: ${e.id}\nevent: node.${e.kind}\ndata: ${e.fields}\n\n`;
}

function parseSince(request: FastifyRequest): number | undefined {
  const header = request.headers['last-event-id'];
  const raw = (typeof header === 'string' && header !== '' ? header : undefined) ?? (request.query as { since?: string }).since;
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new InvalidParameterValue(`Invalid event id "${raw}": expected a non-negative integer.`);
  return Number(raw);
}

/** `?node=` by UUID matches the node's events; by name, the events of whichever node has that name at the time. */
function nodeFilter(request: FastifyRequest): ((e: NodeEvent) => boolean) | undefined {
  const node = (request.query as { node?: string }).node;
  if (node === undefined || node === '') return undefined;
  if (isUuidLike(node)) {
    const uuid = node.toLowerCase();
    return (e) => e.node_uuid === uuid;
  }
  return (e) => (JSON.parse(e.fields) as { name: string | null }).name === node;
}

/**
 * One client's stream. Until its backlog is written (a resume), live events wait in a bounded queue; afterwards
 * they are written as they come, and a client that does not read them fast enough is disconnected.
 */
class Stream implements EventSubscriber {
  private last = 0;
  private queue: NodeEvent[] | undefined = [];
  private ended = false;

  constructor(private readonly res: ServerResponse, private readonly matches: ((e: NodeEvent) => boolean) | undefined) {}

  deliver(events: readonly NodeEvent[]): void {
    if (this.ended) return;
    if (this.queue) {
      this.queue.push(...events);
      if (this.queue.length > MAX_QUEUED_EVENTS) this.drop();
      return;
    }
    this.write(events);
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.drop();
  }

  heartbeat(): void {
    if (!this.ended) this.res.write(': keepalive\n\n');
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.res.end();
  }

  /** The live feed's start: the client has seen everything up to `id`. */
  startAt(id: number): void {
    this.last = id;
  }

  reset(id: number): void {
    this.last = id;
    // The id makes a reconnecting EventSource resume from here, after the reload the reset asks for.
    this.res.write(`id: ${id}\nevent: reset\ndata: {}\n\n`);
  }

  /** Writes a page of backlog, waiting while the socket is full: the backlog is paced by the client. */
  async writeBacklog(events: readonly NodeEvent[]): Promise<void> {
    this.write(events);
    if (this.res.writableLength > 64 * 1024 && !this.ended) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.on('drain', done).on('close', done);
      });
    }
  }

  /**
   * Tells the client it is live as of event `id`: everything committed up to it was sent (or predates its start).
   * A client loading a list starts the load after this event, so no change falls between its list and its stream.
   */
  goLive(id: number): void {
    this.last = Math.max(this.last, id);
    if (!this.ended) this.res.write(`id: ${this.last}\nevent: ready\ndata: {}\n\n`);
    const queued = this.queue ?? [];
    this.queue = undefined;
    if (!this.ended) this.deliver(queued);
  }

  get open(): boolean {
    return !this.ended;
  }

  private write(events: readonly NodeEvent[]): void {
    let chunk = '';
    for (const e of events) {
      if (e.id <= this.last) continue;
      this.last = e.id;
      if (!this.matches || this.matches(e)) chunk += format(e);
    }
    if (chunk) this.res.write(chunk);
  }

  private drop(): void {
    this.ended = true;
    this.res.destroy();
  }
}

/**
 * `GET /ferrite/v1/events`: node changes as server-sent events, from now or, with `Last-Event-ID` (or `?since=`),
 * from after that id. A resume older than the kept window gets `event: reset` first: the client reloads its list.
 */
export function registerEvents(app: FastifyInstance, deps: ApiDeps, timing: HubTiming = DEFAULT_TIMING): NodeEventHub {
  const hub = new NodeEventHub(deps.store, app.log as never, timing);
  // Before the server closes: open streams would otherwise keep it waiting for ever.
  app.addHook('preClose', async () => hub.close());

  app.get(`${FERRITE_PREFIX}v1/events`, async (request: FastifyRequest, reply: FastifyReply) => {
    const since = parseSince(request);
    const matches = nodeFilter(request);
    const res = reply.raw;
    const stream = new Stream(res, matches);
    const live = await hub.join(stream);
    res.on('close', () => {
      stream.close();
      hub.leave(stream);
    });
    void reply.hijack();
    res.writeHead(200, {
      ...reply.getHeaders(),
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      // Proxies that buffer (nginx) would hold events back.
      'X-Accel-Buffering': 'no',
      // A stream's connection is not reused: when the stream ends the socket goes too, and a shutting-down server
      // does not wait out a keep-alive timeout for it.
      Connection: 'close',
    } as never);
    res.flushHeaders();
    try {
      // The live feed may lag the database by a poll; "now" is what is committed now.
      const { oldest, newest } = await deps.store.nodeEvents.bounds();
      const now = Math.max(live, newest);
      if (since === undefined) {
        stream.startAt(now);
      } else if (since > now || oldest > since + 1) {
        // Gone: the event after `since` was pruned, or `since` is from another database's history.
        stream.reset(now);
      } else {
        stream.startAt(since);
        for (let at = since; stream.open && at < now;) {
          const page = await deps.store.nodeEvents.after(at, BACKLOG_PAGE, now);
          if (page.length === 0) break;
          await stream.writeBacklog(page);
          at = page[page.length - 1].id;
        }
      }
      stream.goLive(now);
    } catch (e) {
      request.log.error({ err: e }, 'event stream failed');
      res.destroy();
    }
  });
  return hub;
}
