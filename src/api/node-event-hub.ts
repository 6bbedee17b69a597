import type { Logger } from 'pino';
import type { NodeEvent } from '../domain/node-event.js';
import type { Store } from '../store/store.js';

/** One connected stream, as the hub sees it. */
export interface EventSubscriber {
  /** New events in id order; called synchronously by the poller. */
  deliver(events: readonly NodeEvent[]): void;
  heartbeat(): void;
  /** The service is closing: end the stream. */
  close(): void;
}

export interface HubTiming {
  pollMs: number;
  heartbeatMs: number;
}

const PAGE = 1000;

/**
 * Tails the node change log for every stream of this process with one query per poll, whatever the number of
 * clients, and fans new events out to them. It reads only while someone listens. Other processes' writes reach it
 * through the shared database, so it needs no channel between API processes.
 */
export class NodeEventHub {
  private readonly subscribers = new Set<EventSubscriber>();
  /** The newest id the live feed has delivered (or started after). */
  private last = 0;
  private starting: Promise<void> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;
  /** Bumped by each stop, so a poll that was in flight when the hub stopped (and maybe restarted) goes quiet. */
  private generation = 0;

  constructor(private readonly store: Store, private readonly log: Logger, private readonly timing: HubTiming) {}

  /**
   * Adds a subscriber and returns the id after which the live feed will deliver to it: events up to that id are
   * the subscriber's own to read (a resume), later ones arrive through `deliver`.
   */
  async join(subscriber: EventSubscriber): Promise<number> {
    if (this.closed) throw new Error('event hub closed');
    this.starting ??= this.start();
    await this.starting;
    this.subscribers.add(subscriber);
    return this.last;
  }

  leave(subscriber: EventSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0 && this.starting) this.stop();
  }

  /** Ends every stream and stops polling; waits for a poll in flight so the store can close after it. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of [...this.subscribers]) s.close();
    this.subscribers.clear();
    this.stop();
    await this.polling;
  }

  private async start(): Promise<void> {
    // "Now" is the newest committed event; earlier ones are history a client asks for with an id.
    this.last = (await this.store.nodeEvents.bounds()).newest;
    this.schedule(this.timing.pollMs);
    this.heartbeatTimer = setInterval(() => {
      for (const s of this.subscribers) s.heartbeat();
    }, this.timing.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  private stop(): void {
    clearTimeout(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    this.pollTimer = undefined;
    this.heartbeatTimer = undefined;
    this.starting = undefined;
    this.generation += 1;
  }

  private schedule(ms: number): void {
    const generation = this.generation;
    this.pollTimer = setTimeout(() => {
      this.polling = this.poll(generation).finally(() => {
        this.polling = undefined;
      });
    }, ms);
    this.pollTimer.unref();
  }

  private async poll(generation: number): Promise<void> {
    let full = false;
    try {
      const events = await this.store.nodeEvents.after(this.last, PAGE);
      if (generation !== this.generation) return; // stopped while reading
      if (events.length > 0) {
        this.last = events[events.length - 1].id;
        for (const s of [...this.subscribers]) s.deliver(events);
      }
      full = events.length === PAGE;
    } catch (e) {
      this.log.warn({ err: e }, 'reading node events failed; retrying');
    }
    // A full page means more are waiting: read on at once rather than fall behind a burst.
    if (generation === this.generation) this.schedule(full ? 0 : this.timing.pollMs);
  }
}
