import { authorization } from './credentials.ts';

/** Every request asks for the newest microversion: the UI shows every field the service has. */
const VERSION_HEADER = { 'X-OpenStack-Ironic-API-Version': 'latest' };

/** An error as the API gave it: its status and the faultstring of Ironic's error body. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly body: unknown) {
    super(message);
  }
}

const authListeners = new Set<() => void>();
/** Called when the API answers 401: the app shows the login form. */
export function onAuthRequired(fn: () => void): () => void {
  authListeners.add(fn);
  return () => authListeners.delete(fn);
}

export function authRequired(): void {
  for (const fn of authListeners) fn();
}

/**
 * Every request of the page is sent without the browser's own credentials: a 401 with `WWW-Authenticate: Basic`
 * would otherwise make the browser show its own login prompt (and a headless one wait for ever) instead of
 * handing the 401 to the page, which asks with its form and sends the Authorization header itself.
 */
export const FETCH_CREDENTIALS: RequestCredentials = 'omit';

/** Ironic's error body nests its fault as JSON text in `error_message`; framework errors carry a description. */
export function faultOf(body: unknown, fallback: string): string {
  if (body && typeof body === 'object' && 'error_message' in body) {
    const inner = body.error_message;
    if (typeof inner === 'string') {
      try {
        const fault = JSON.parse(inner) as { faultstring?: string; description?: string; title?: string };
        return fault.faultstring ?? fault.description ?? fault.title ?? inner;
      } catch {
        return inner;
      }
    }
  }
  return fallback;
}

export function requestHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const auth = authorization();
  return { ...VERSION_HEADER, ...(auth ? { Authorization: auth } : {}), ...extra };
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** A body sent as it is (a file), with this Content-Type. */
  raw?: { text: string; type: string };
  signal?: AbortSignal;
}

/** Calls the API on this origin; throws ApiError with the API's own message on any non-2xx answer. */
export async function api<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers = requestHeaders(opts.raw ? { 'Content-Type': opts.raw.type } : opts.body !== undefined ? { 'Content-Type': 'application/json' } : {});
  const res = await fetch(path, {
    method: opts.method ?? 'GET',
    headers,
    body: opts.raw ? opts.raw.text : opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    signal: opts.signal,
    credentials: FETCH_CREDENTIALS,
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!res.ok) {
    if (res.status === 401) authRequired();
    throw new ApiError(res.status, faultOf(body, `${res.status} ${res.statusText}`), body);
  }
  return body as T;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (HTTP ${e.status})`;
  return e instanceof Error ? e.message : String(e);
}
