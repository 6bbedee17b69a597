/**
 * GETs an image (or its checksum file) over HTTP(S) with node:http: redirects followed, Ironic's `proxies` /
 * `no_proxy` honoured (plain proxying for http, CONNECT tunnels for https), credentials in a URL sent as Basic auth
 * and never repeated in a message. node:http rather than global fetch: Node 20's fetch cannot use a proxy without
 * the undici package, and an IncomingMessage stops reading the socket while the disk is busy, which is the
 * backpressure the writer relies on.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Socket } from 'node:net';
import { ImageDownloadError } from './errors.js';

/** Ironic's image_info `proxies` ({http, https}) and `no_proxy` (comma-separated hosts or domain suffixes, or *). */
export interface Proxies {
  http?: string;
  https?: string;
  no_proxy?: string;
}

export interface ImageLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface HttpOptions {
  /** Limit for connecting and for the response headers to arrive (a stalled body is the writer's business). */
  timeoutMs: number;
  proxies?: Proxies;
  signal?: AbortSignal;
  log?: ImageLog;
  /** CA bundle (PEM) for https image servers (IPA's `cafile`); the system's CAs otherwise. */
  ca?: string | Buffer;
  /** Skip certificate verification (IPA's `insecure`), for labs only. */
  insecure?: boolean;
}

export interface ImageResponse {
  /** The URL as given (before redirects), for messages: pass it through redactUrl. */
  url: string;
  body: IncomingMessage;
  contentLength?: number;
}

const MAX_REDIRECTS = 10;

/** A URL fit for logs and last_error: no user or password, query values (signatures, tokens) masked. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    for (const key of [...new Set(u.searchParams.keys())]) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return '<unparseable URL>';
  }
}

function proxyFor(url: URL, proxies?: Proxies): URL | undefined {
  const proxy = url.protocol === 'https:' ? proxies?.https : proxies?.http;
  if (!proxy) return undefined;
  const host = url.hostname.toLowerCase();
  for (const entry of (proxies?.no_proxy ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (entry === '*') return undefined;
    const domain = entry.replace(/^\*?\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return undefined;
  }
  return new URL(proxy);
}

function basicAuth(u: URL): string | undefined {
  if (!u.username && !u.password) return undefined;
  const creds = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  return `Basic ${Buffer.from(creds).toString('base64')}`;
}

function proxyAuthHeaders(proxy: URL): Record<string, string> {
  const auth = basicAuth(proxy);
  return auth ? { 'proxy-authorization': auth } : {};
}

function tlsOptions(opts: HttpOptions): tls.ConnectionOptions {
  return { ca: opts.ca, rejectUnauthorized: !opts.insecure };
}

/** Opens a CONNECT tunnel through `proxy` to `target` and starts TLS in it. */
function tunnel(proxy: URL, target: URL, opts: HttpOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const port = target.port || '443';
    const req = http.request({
      host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT', path: `${target.hostname}:${port}`,
      headers: { host: `${target.hostname}:${port}`, ...proxyAuthHeaders(proxy) }, signal: opts.signal,
      timeout: opts.timeoutMs,
    });
    req.on('timeout', () => req.destroy(new Error(`proxy CONNECT timed out after ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.on('connect', (res: IncomingMessage, socket: Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`proxy refused CONNECT with HTTP ${res.statusCode}`));
        return;
      }
      resolve(tls.connect({ socket, servername: target.hostname, ...tlsOptions(opts) }));
    });
    req.end();
  });
}

/** One GET, no redirect handling: resolves with the response (any status) once its headers have arrived. */
async function get(url: URL, opts: HttpOptions, authorization?: string): Promise<IncomingMessage> {
  const proxy = proxyFor(url, opts.proxies);
  const headers: Record<string, string> = { 'user-agent': 'ferrite-agent', accept: '*/*' };
  if (authorization) headers.authorization = authorization;
  let req: http.ClientRequest;
  if (proxy && url.protocol === 'http:') {
    // Plain HTTP through a proxy: the absolute URL as the request target (RFC 9112 §3.2.2).
    const target = new URL(url.href);
    target.username = '';
    target.password = '';
    req = http.request({
      host: proxy.hostname, port: proxy.port || 80, path: target.href, signal: opts.signal,
      headers: { ...headers, host: url.host, ...proxyAuthHeaders(proxy) },
    });
  } else {
    const socket = proxy ? await tunnel(proxy, url, opts) : undefined;
    const mod = url.protocol === 'https:' ? https : http;
    req = mod.request({
      host: url.hostname, port: url.port || undefined, path: `${url.pathname}${url.search}`, headers,
      signal: opts.signal, ...(url.protocol === 'https:' ? tlsOptions(opts) : {}),
      ...(socket ? { createConnection: () => socket } : {}),
    });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => req.destroy(new Error(`no response within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('response', (res) => { clearTimeout(timer); resolve(res); });
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.end();
  });
}

function errorText(e: unknown): string {
  const err = e as Error & { code?: string };
  return err.message || err.code || String(e);
}

/** GET with redirects; a non-2xx answer is an ImageDownloadError naming the (redacted) URL and the status. */
export async function openUrl(url: string, opts: HttpOptions): Promise<ImageResponse> {
  const shown = redactUrl(url);
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new ImageDownloadError(`Invalid image URL ${shown}`, shown);
  }
  const origin = current.origin;
  const authorization = basicAuth(current);
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new ImageDownloadError(`Unsupported URL scheme ${current.protocol} for image ${shown}`, shown);
    }
    let res: IncomingMessage;
    try {
      // Credentials go only to the origin they were given for, as fetch does on a cross-origin redirect.
      res = await get(current, opts, current.origin === origin ? authorization : undefined);
    } catch (e) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      throw new ImageDownloadError(`Cannot download image from ${shown}: ${errorText(e)}`, shown, undefined, { cause: e });
    }
    const status = res.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new ImageDownloadError(`Too many redirects downloading image from ${shown}`, shown);
      current = new URL(res.headers.location, current);
      opts.log?.info({ url: shown, to: redactUrl(current.href), status }, 'image download redirected');
      continue;
    }
    if (status < 200 || status > 299) {
      res.destroy();
      throw new ImageDownloadError(
        `Image download from ${shown} failed: HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`,
        shown, status);
    }
    const length = res.headers['content-length'];
    return { url, body: res, contentLength: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined };
  }
}

/**
 * Tries each URL in order, as IPA does, moving on after any failure before the body starts (refused, DNS, HTTP
 * error); once a body is flowing the writer owns it. All failing → one error listing each URL's reason.
 */
export async function openFirst(urls: readonly string[], opts: HttpOptions): Promise<ImageResponse> {
  const failures: ImageDownloadError[] = [];
  for (const url of urls) {
    try {
      return await openUrl(url, opts);
    } catch (e) {
      if (!(e instanceof ImageDownloadError)) throw e;
      failures.push(e);
      opts.log?.warn({ url: redactUrl(url), error: e.message }, 'image URL failed, trying the next one');
    }
  }
  if (failures.length === 1) throw failures[0];
  const last = failures[failures.length - 1];
  throw new ImageDownloadError(
    `All ${failures.length} image URLs failed: ${failures.map((f) => f.message).join('; ')}`, last?.url, last?.status);
}

/**
 * A small text document (a checksum file), refused past `maxBytes` so a wrong URL cannot fill memory; the whole
 * read must finish within timeoutMs (it is a few KiB).
 */
export async function fetchText(url: string, opts: HttpOptions, maxBytes = 4 * 1024 * 1024): Promise<string> {
  const { body } = await openUrl(url, opts);
  const parts: Buffer[] = [];
  let total = 0;
  const timer = setTimeout(() => body.destroy(new Error(`not read within ${opts.timeoutMs} ms`)), opts.timeoutMs);
  try {
    for await (const piece of body as AsyncIterable<Buffer>) {
      total += piece.length;
      if (total > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
      parts.push(piece);
    }
  } catch (e) {
    body.destroy();
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw new ImageDownloadError(`Cannot read checksum file ${redactUrl(url)}: ${errorText(e)}`, redactUrl(url));
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(parts).toString('utf8');
}
