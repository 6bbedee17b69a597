import { setTimeout as sleep } from 'node:timers/promises';
import { RedfishConnectionError } from './errors.js';
import type { Transport, TransportRequest, TransportResponse } from './transport.js';

export interface RetryPolicy {
  /** Total tries of one request, the first included (Ironic's `[redfish] connection_attempts`). */
  attempts: number;
  /** Wait before the second try; doubles with each further try (Ironic's `connection_retry_interval`). */
  intervalMs: number;
  /** Longest wait a BMC's Retry-After may impose; longer asks are cut to this. */
  maxRetryAfterMs: number;
  /** Called before each retry, for logging. */
  onRetry?: (info: { request: TransportRequest; attempt: number; waitMs: number; reason: string }) => void;
}

const IDEMPOTENT = new Set(['GET', 'PATCH', 'DELETE']);

/**
 * Whether another try is safe and useful. A refused connection or a 503 means the BMC did nothing, so any request
 * may be sent again. Other 5xx answers and resets may come after the BMC acted, so only requests that do the same
 * thing twice are repeated — a power action is never sent twice because of an ambiguous error. Timeouts are not
 * retried: a hung BMC must cost its node one timeout, not several.
 */
function retryReason(request: TransportRequest, outcome: unknown): string | null {
  if (outcome instanceof RedfishConnectionError) {
    if (outcome.timedOut) return null;
    if (outcome.code === 'ECONNREFUSED' || outcome.code === 'ENOTFOUND' || outcome.code === 'EAI_AGAIN') return outcome.message;
    return IDEMPOTENT.has(request.method) ? outcome.message : null;
  }
  if (outcome instanceof Error) return null;
  const status = (outcome as TransportResponse).status;
  if (status === 503) return 'HTTP 503';
  if (status === 500 || status === 502 || status === 504) return IDEMPOTENT.has(request.method) ? `HTTP ${status}` : null;
  return null;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | undefined, nowMs = Date.now()): number | null {
  if (value === undefined || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

export function withRetries(transport: Transport, policy: RetryPolicy): Transport {
  return {
    origin: transport.origin,
    async send(request) {
      for (let attempt = 1; ; attempt++) {
        let outcome: unknown;
        try {
          outcome = await transport.send(request);
        } catch (e) {
          outcome = e;
        }
        const reason = attempt < policy.attempts ? retryReason(request, outcome) : null;
        if (reason === null) {
          if (outcome instanceof Error) throw outcome;
          return outcome as TransportResponse;
        }
        const backoff = policy.intervalMs * 2 ** (attempt - 1);
        const asked = outcome instanceof Error ? null : retryAfterMs((outcome as TransportResponse).headers['retry-after']);
        const waitMs = asked === null ? backoff : Math.min(asked, policy.maxRetryAfterMs);
        policy.onRetry?.({ request, attempt, waitMs, reason });
        await sleep(waitMs);
      }
    },
  };
}
