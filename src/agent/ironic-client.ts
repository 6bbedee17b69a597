import { setTimeout as sleep } from 'node:timers/promises';
import { VERSION } from '../version.js';

/** The part of Ironic's (or Ferrite's) API an agent uses, with the version IPA asks for (it knows up to 1.68). */
const API_VERSION = '1.68';

export interface LookupResult {
  node: { uuid: string; properties: Record<string, unknown>; instance_info: Record<string, unknown>; driver_internal_info: Record<string, unknown> };
  config: { agent_token: string; heartbeat_timeout: number; agent_token_required?: boolean } & Record<string, unknown>;
}

export class LookupError extends Error {
  override name = 'LookupError';
}

export class InspectionError extends Error {
  override name = 'InspectionError';
}

async function call(url: string, init: RequestInit & { timeoutMs: number; apiVersion?: string | null }): Promise<Response> {
  const version = init.apiVersion === undefined ? API_VERSION : init.apiVersion;
  return fetch(url, {
    ...init,
    headers: {
      ...(version === null ? {} : { 'X-OpenStack-Ironic-API-Version': version }),
      'Content-Type': 'application/json', ...init.headers,
    },
    signal: AbortSignal.timeout(init.timeoutMs),
  });
}

/**
 * Calls `attempt` until it answers or `timeoutMs` passes, waiting 0.25 s, 0.5 s, ... up to 5 s between tries:
 * right after boot the API may not expect this agent yet (404), be busy (409, 5xx) or be out of reach. `attempt`
 * returns the value, or the reason to try again; it throws to give up at once.
 */
async function retrying<T>(
  attempt: () => Promise<{ value: T } | { retry: string }>, timeoutMs: number, failure: (last: string) => Error,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (let wait = 250; ; wait = Math.min(wait * 2, 5000)) {
    signal?.throwIfAborted();
    try {
      const r = await attempt();
      if ('value' in r) return r.value;
      last = r.retry;
    } catch (e) {
      if (e instanceof LookupError || e instanceof InspectionError) throw e;
      last = (e as Error).message;
    }
    if (Date.now() + wait > deadline) throw failure(last);
    await sleep(wait, undefined, { signal });
  }
}

/** Looks the agent's node up by its MACs until the API finds it or `timeoutMs` passes. */
export async function lookupNode(apiUrl: string, macs: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<LookupResult> {
  return retrying<LookupResult>(async () => {
    const res = await call(`${apiUrl}/v1/lookup?addresses=${encodeURIComponent(macs.join(','))}`, { method: 'GET', timeoutMs: 10_000 });
    if (res.ok) return { value: (await res.json()) as LookupResult };
    if (res.status === 400) throw new LookupError(`the API refused the lookup by ${macs.join(', ')}: ${await res.text()}`);
    await res.arrayBuffer();
    return { retry: `HTTP ${res.status}` };
  }, timeoutMs, (last) =>
    new LookupError(`no node found for ${macs.join(', ')} at ${apiUrl} within ${Math.round(timeoutMs / 1000)} s (last: ${last})`), signal);
}

/**
 * Posts inspection data to `ipa-inspection-callback-url` until it is taken or `timeoutMs` passes. Not found (the
 * node is not waiting for inspection yet), conflict and server errors are retried; any other refusal is final.
 * Sent without a version header, as IPA does, so Ironic answers `{uuid}` and the agent token stays for the
 * lookup that follows. Resolves to the answer's body (`{uuid}` from Ironic).
 */
export async function sendInspectionData(url: string, data: unknown, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
  const body = JSON.stringify(data);
  return retrying<unknown>(async () => {
    const res = await call(url, { method: 'POST', body, timeoutMs: 30_000, apiVersion: null, headers: { Accept: 'application/json' } });
    const text = await res.text();
    if (res.ok) return { value: text ? (JSON.parse(text) as unknown) : null };
    if (res.status === 404 || res.status === 409 || res.status >= 500) return { retry: `HTTP ${res.status}` };
    throw new InspectionError(`${url} refused the inspection data: HTTP ${res.status}: ${text}`);
  }, timeoutMs, (last) =>
    new InspectionError(`${url} did not take the inspection data within ${Math.round(timeoutMs / 1000)} s (last: ${last})`), signal);
}

/** One heartbeat; resolves to the HTTP status (202 when the API took it). */
export async function heartbeat(apiUrl: string, nodeUuid: string, callbackUrl: string, token: string): Promise<number> {
  const res = await call(`${apiUrl}/v1/heartbeat/${nodeUuid}`, {
    method: 'POST', timeoutMs: 10_000,
    body: JSON.stringify({ callback_url: callbackUrl, agent_token: token, agent_version: VERSION }),
  });
  await res.arrayBuffer();
  return res.status;
}
