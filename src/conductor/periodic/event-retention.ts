import type { ConductorCore } from '../conductor.js';

/** The event stream's window: the newest events by count, and every event of the last hour however many. */
export const NODE_EVENTS_KEPT = 10_000;
export const NODE_EVENTS_MAX_AGE_MS = 60 * 60 * 1000;
/** Often enough that a busy fleet's log stays near its window, rarely enough to cost nothing. */
export const NODE_EVENTS_PRUNE_INTERVAL_S = 60;

/**
 * Drops node events beyond the window. Every conductor runs it; the deletes are idempotent, so several at once only
 * repeat each other's work. A stream resuming from a pruned id is told to reload (see the events API).
 */
export async function pruneNodeEvents(core: ConductorCore, nowMs = Date.now()): Promise<number> {
  const before = new Date(nowMs - NODE_EVENTS_MAX_AGE_MS).toISOString().replace('Z', '+00:00');
  const pruned = await core.store.nodeEvents.prune(NODE_EVENTS_KEPT, before);
  if (pruned > 0) core.log.debug({ pruned }, 'node events pruned');
  return pruned;
}
