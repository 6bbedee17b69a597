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

async function call(url: string, init: RequestInit & { timeoutMs: number }): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: { 'X-OpenStack-Ironic-API-Version': API_VERSION, 'Content-Type': 'application/json', ...init.headers },
    signal: AbortSignal.timeout(init.timeoutMs),
  });
}

/**
 * Looks the agent's node up by its MACs until the API finds it or `timeoutMs` passes: right after boot the node
 * may not wait for the agent yet (404), or be busy (409), or the API may be out of reach.
 */
export async function lookupNode(apiUrl: string, macs: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<LookupResult> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (let wait = 250; ; wait = Math.min(wait * 2, 5000)) {
    signal?.throwIfAborted();
    try {
      const res = await call(`${apiUrl}/v1/lookup?addresses=${encodeURIComponent(macs.join(','))}`, { method: 'GET', timeoutMs: 10_000 });
      if (res.ok) return (await res.json()) as LookupResult;
      last = `HTTP ${res.status}`;
      if (res.status === 400) throw new LookupError(`the API refused the lookup by ${macs.join(', ')}: ${await res.text()}`);
    } catch (e) {
      if (e instanceof LookupError) throw e;
      last = (e as Error).message;
    }
    if (Date.now() + wait > deadline) {
      throw new LookupError(`no node found for ${macs.join(', ')} at ${apiUrl} within ${Math.round(timeoutMs / 1000)} s (last: ${last})`);
    }
    await sleep(wait, undefined, { signal });
  }
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
