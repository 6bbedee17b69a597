// Response and request helpers shared by the Redfish routes and the admin API. Bodies are small JSON documents, so
// they are serialised once and sent with an exact Content-Length (no chunking, keep-alive friendly).
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { simpleError, type RedfishErrorBody } from './redfish-errors.js';

const MAX_BODY_BYTES = 1 << 20;

export type Headers = Record<string, string | number>;

function baseHeaders(res: ServerResponse, extra: Headers | undefined): void {
  res.setHeader('OData-Version', '4.0');
  res.setHeader('Cache-Control', 'no-cache');
  if (extra) for (const k in extra) res.setHeader(k, extra[k]);
}

export function sendRaw(res: ServerResponse, status: number, json: string, headers?: Headers, contentType = 'application/json; charset=utf-8'): void {
  if (res.destroyed || res.headersSent) return;
  baseHeaders(res, headers);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.writeHead(status);
  res.end(json);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Headers): void {
  sendRaw(res, status, JSON.stringify(body), headers);
}

export function sendEmpty(res: ServerResponse, status: number, headers?: Headers): void {
  if (res.destroyed || res.headersSent) return;
  baseHeaders(res, headers);
  res.writeHead(status);
  res.end();
}

export function sendError(res: ServerResponse, status: number, body: RedfishErrorBody, headers?: Headers): void {
  sendJson(res, status, body, headers);
}

/** A thrown HttpError short-cuts a handler into an error response; anything else is a 500. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: RedfishErrorBody,
    readonly headers?: Headers,
  ) {
    super(body.error.message);
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, simpleError('GeneralError', ['The request body is too large.'])));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** An empty body counts as {} because clients send bodiless POSTs for parameterless actions. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, simpleError('MalformedJSON'));
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, simpleError('MalformedJSON'));
  }
  return parsed as Record<string, unknown>;
}

/** Serialises a resource with a weak ETag derived from its content, placed both in the body and in the header. */
export function withEtag(resource: object): { json: string; etag: string } {
  const plain = JSON.stringify(resource);
  const etag = `W/"${createHash('sha1').update(plain).digest('hex').slice(0, 16)}"`;
  const json = `{"@odata.etag":${JSON.stringify(etag)},${plain.slice(1)}`;
  return { json, etag };
}

/** If-Match per RFC 9110 but lenient on weakness: W/"x" and "x" name the same tag, as sushy retries both forms. */
export function ifMatchSatisfied(header: string | undefined, current: string): boolean {
  if (header === undefined) return true;
  const opaque = (t: string) => t.trim().replace(/^W\//, '');
  const want = opaque(current);
  return header.split(',').some((t) => t.trim() === '*' || opaque(t) === want);
}
