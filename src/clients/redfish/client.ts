import { setTimeout as sleep } from 'node:timers/promises';
import {
  RedfishAuthError, RedfishError, RedfishHttpError, RedfishTaskError, type RedfishMessage,
} from './errors.js';
import { withRetries, type RetryPolicy } from './retrying.js';
import { httpTransport, type Transport, type TransportRequest, type TransportResponse } from './transport.js';
import type { Collection, Manager, ServiceRoot, Task, VirtualMedia } from './wire-types.js';

export type RedfishAuthType = 'basic' | 'session' | 'auto';

export interface RedfishClientOptions {
  /** `https://host[:port]`; a path after the origin is ignored (resources are addressed from `/redfish/v1`). */
  address: string;
  username?: string;
  password?: string;
  /** session: X-Auth-Token from SessionService; basic: credentials on each request; auto: session when offered. */
  authType: RedfishAuthType;
  verify: boolean | string;
  timeoutMs: number;
  retry: Omit<RetryPolicy, 'onRetry'>;
  log?: { debug(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** For tests: the transport under the retry and auth layers. */
  transport?: Transport;
}

export interface RedfishResponse<T> {
  status: number;
  body: T;
  etag: string | undefined;
  headers: Record<string, string | undefined>;
}

const TERMINAL_TASK_STATES = new Set(['Completed', 'Killed', 'Exception', 'Cancelled']);

/**
 * A client of one Redfish service. It knows nothing of nodes: it authenticates (renewing an expired session once
 * per request), sends JSON, turns error answers into typed errors with the BMC's own messages, and follows
 * asynchronous tasks. One instance is meant to be reused for every request to its service, so a session lives
 * as long as the BMC keeps it.
 */
export class RedfishClient {
  private readonly transport: Transport;
  private sessionToken: string | null = null;
  private sessionUri: string | null = null;
  private sessionPending: Promise<void> | null = null;
  private resolvedAuth: 'basic' | 'session' | null;

  constructor(private readonly options: RedfishClientOptions) {
    const url = new URL(options.address);
    const base = options.transport ?? httpTransport({ origin: url.origin, verify: options.verify, timeoutMs: options.timeoutMs });
    this.transport = withRetries(base, {
      ...options.retry,
      onRetry: ({ request, attempt, waitMs, reason }) => options.log?.debug(
        { bmc: base.origin, method: request.method, path: request.path, attempt, waitMs, reason }, 'retrying Redfish request',
      ),
    });
    this.resolvedAuth = options.authType === 'auto' ? null : options.authType;
  }

  get origin(): string {
    return this.transport.origin;
  }

  async get<T>(path: string): Promise<RedfishResponse<T>> {
    return this.call<T>('GET', path);
  }

  async post<T = unknown>(path: string, body: unknown): Promise<RedfishResponse<T>> {
    return this.call<T>('POST', path, body);
  }

  /** PATCH; with `ifMatch` the BMC refuses (412) when the resource changed since that ETag was read. */
  async patch<T = unknown>(path: string, body: unknown, ifMatch?: string): Promise<RedfishResponse<T>> {
    return this.call<T>('PATCH', path, body, ifMatch === undefined ? {} : { 'If-Match': ifMatch });
  }

  async delete(path: string): Promise<RedfishResponse<unknown>> {
    return this.call('DELETE', path);
  }

  async serviceRoot(): Promise<ServiceRoot> {
    return (await this.call<ServiceRoot>('GET', '/redfish/v1/', undefined, {}, false)).body;
  }

  /** The members of a collection, each fetched. */
  async members<T>(collectionPath: string): Promise<T[]> {
    const collection = (await this.get<Collection>(collectionPath)).body;
    return Promise.all((collection.Members ?? []).map(async (m) => (await this.get<T>(m['@odata.id'])).body));
  }

  /**
   * The Manager's virtual media device that takes one of `mediaTypes` (`CD`, `DVD`, ...), with its path; null
   * when the Manager has no virtual media or none of that type.
   */
  async findVirtualMedia(managerPath: string, mediaTypes: readonly string[]): Promise<{ path: string; media: VirtualMedia } | null> {
    const manager = (await this.get<Manager>(managerPath)).body;
    const collection = manager.VirtualMedia?.['@odata.id'];
    if (!collection) return null;
    const members = (await this.get<Collection>(collection)).body.Members ?? [];
    for (const member of members) {
      const media = (await this.get<VirtualMedia>(member['@odata.id'])).body;
      if ((media.MediaTypes ?? []).some((t) => mediaTypes.includes(t))) return { path: member['@odata.id'], media };
    }
    return null;
  }

  /** Inserts the image at `imageUrl` (which the BMC downloads itself) into the virtual media device at `path`. */
  async insertMedia(path: string, media: VirtualMedia, imageUrl: string, writeProtected = true): Promise<void> {
    const target = media.Actions?.['#VirtualMedia.InsertMedia']?.target ?? `${path}/Actions/VirtualMedia.InsertMedia`;
    await this.post(target, { Image: imageUrl, Inserted: true, WriteProtected: writeProtected });
  }

  async ejectMedia(path: string, media: VirtualMedia): Promise<void> {
    const target = media.Actions?.['#VirtualMedia.EjectMedia']?.target ?? `${path}/Actions/VirtualMedia.EjectMedia`;
    await this.post(target, {});
  }

  /**
   * Follows a Redfish task monitor (the Location of a 202) until its task ends. Resolves with the task when it
   * Completed; throws RedfishTaskError when it ended otherwise or did not end within `timeoutMs`.
   */
  async waitForTask(monitorUri: string, timeoutMs: number, pollMs = 1000): Promise<Task> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.get<Task>(monitorUri);
      const task = res.body;
      if (res.status !== 202 && (task.TaskState === undefined || TERMINAL_TASK_STATES.has(task.TaskState))) {
        if (task.TaskState === undefined || task.TaskState === 'Completed') return task;
        const detail = (task.Messages ?? []).map((m) => m.Message ?? m.MessageId).filter(Boolean).join('; ');
        throw new RedfishTaskError(`Redfish task ${monitorUri} ended ${task.TaskState}${detail ? `: ${detail}` : ''}`);
      }
      if (Date.now() + pollMs > deadline) {
        throw new RedfishTaskError(`Redfish task ${monitorUri} did not finish within ${timeoutMs / 1000} s`);
      }
      await sleep(pollMs);
    }
  }

  /** Ends the session, if one is open; the client can still be used (a new session is made when needed). */
  async close(): Promise<void> {
    const uri = this.sessionUri;
    this.sessionToken = null;
    this.sessionUri = null;
    if (uri) {
      try {
        await this.transport.send({ method: 'DELETE', path: uri, headers: this.basicHeaders() });
      } catch {
        // The session expires on its own; nothing else depends on this.
      }
    }
  }

  private async call<T>(
    method: TransportRequest['method'], path: string, body?: unknown, extra: Record<string, string> = {}, auth = true,
  ): Promise<RedfishResponse<T>> {
    const request: TransportRequest = {
      method, path: pathOf(path),
      headers: { Accept: 'application/json', 'OData-Version': '4.0', ...extra },
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    if (body !== undefined) request.headers['Content-Type'] = 'application/json';
    let res = await this.send(request, auth);
    if (res.status === 401 && auth && this.resolvedAuth === 'session') {
      // Sessions expire or vanish when a BMC reboots: make a new one once, then give up.
      this.sessionToken = null;
      res = await this.send(request, auth);
    }
    if (res.status >= 400) throw this.httpError(method, path, res);
    return { status: res.status, body: parseJson<T>(res.body), etag: res.headers.etag, headers: res.headers };
  }

  private async send(request: TransportRequest, auth: boolean): Promise<TransportResponse> {
    if (!auth) return this.transport.send(request);
    const mode = await this.authMode();
    const headers = mode === 'session' ? { 'X-Auth-Token': await this.token() } : this.basicHeaders();
    return this.transport.send({ ...request, headers: { ...request.headers, ...headers } });
  }

  private async authMode(): Promise<'basic' | 'session'> {
    if (this.resolvedAuth) return this.resolvedAuth;
    const root = await this.serviceRoot();
    this.resolvedAuth = root.Links?.Sessions || root.SessionService ? 'session' : 'basic';
    return this.resolvedAuth;
  }

  private basicHeaders(): Record<string, string> {
    if (this.options.username === undefined) return {};
    const raw = `${this.options.username}:${this.options.password ?? ''}`;
    return { Authorization: `Basic ${Buffer.from(raw, 'utf8').toString('base64')}` };
  }

  private async token(): Promise<string> {
    while (this.sessionToken === null) {
      // Concurrent requests share one login instead of each opening a session.
      this.sessionPending ??= this.login().finally(() => {
        this.sessionPending = null;
      });
      await this.sessionPending;
    }
    return this.sessionToken;
  }

  private async login(): Promise<void> {
    const root = await this.serviceRoot();
    const path = root.Links?.Sessions?.['@odata.id'] ?? '/redfish/v1/SessionService/Sessions';
    const res = await this.transport.send({
      method: 'POST', path: pathOf(path),
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'OData-Version': '4.0' },
      body: JSON.stringify({ UserName: this.options.username ?? '', Password: this.options.password ?? '' }),
    });
    if (res.status >= 400) throw this.httpError('POST', path, res);
    const token = res.headers['x-auth-token'];
    if (!token) throw new RedfishError(`Redfish service at ${this.origin} created a session without an X-Auth-Token`);
    this.sessionToken = token;
    const location = res.headers.location;
    this.sessionUri = location ? pathOf(location) : (parseJson<{ '@odata.id'?: string }>(res.body)['@odata.id'] ?? null);
  }

  private httpError(method: string, path: string, res: TransportResponse): RedfishHttpError {
    const url = `${this.origin}${pathOf(path)}`;
    let messages: RedfishMessage[] = [];
    let code: string | undefined;
    try {
      const err = (JSON.parse(res.body) as { error?: { code?: string; message?: string; '@Message.ExtendedInfo'?: RedfishMessage[] } }).error;
      code = err?.code;
      messages = err?.['@Message.ExtendedInfo'] ?? (err?.message ? [{ Message: err.message }] : []);
    } catch {
      // Not every BMC answers errors in JSON; the status says enough then.
    }
    if (res.status === 401 || res.status === 403) {
      const who = this.options.username === undefined ? 'without credentials' : `as user ${this.options.username}`;
      const err = new RedfishAuthError(method, url, res.status, messages, code);
      err.message = `Redfish service at ${this.origin} refused access ${who} (HTTP ${res.status}); check redfish_username and redfish_password`;
      return err;
    }
    return new RedfishHttpError(method, url, res.status, messages, code);
  }
}

/** Accepts an absolute URI (some BMCs give full URLs in Location) or a path, and returns the path. */
function pathOf(uri: string): string {
  if (uri.startsWith('/')) return uri;
  const u = new URL(uri);
  return `${u.pathname}${u.search}`;
}

function parseJson<T>(text: string): T {
  if (text === '') return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return {} as T;
  }
}
