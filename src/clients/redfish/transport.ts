import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { RedfishConnectionError, RedfishTlsError } from './errors.js';

/**
 * The one way bytes reach a BMC. Retries, authentication and JSON live in wrappers and in the client, so this
 * layer only knows how to send one request with a deadline and how to name what went wrong.
 */
export interface TransportRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. `/redfish/v1/Systems/1`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface Transport {
  /** The service's origin, e.g. `https://10.0.0.5:443`, for messages. */
  readonly origin: string;
  send(request: TransportRequest): Promise<TransportResponse>;
}

export interface HttpTransportOptions {
  /** `https://host[:port]` or `http://host[:port]`. */
  origin: string;
  /** true: verify with the system's trust store; a path: verify with that CA bundle; false: do not verify. */
  verify: boolean | string;
  /** Deadline of a whole request, connection included. */
  timeoutMs: number;
}

// Node's own https module is used rather than fetch: each BMC needs its own CA bundle and verification choice,
// which global fetch cannot take without adding undici as a dependency. Agents are shared by everything that
// talks to the same service with the same trust, so a lab or a chassis manager fronting many systems reuses its
// keep-alive sockets.
const agents = new Map<string, http.Agent>();
const MAX_SOCKETS_PER_SERVICE = 32;

function agentFor(origin: URL, verify: boolean | string): http.Agent {
  const key = `${origin.origin} ${String(verify)}`;
  let agent = agents.get(key);
  if (agent) return agent;
  if (origin.protocol === 'http:') {
    agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_SERVICE });
  } else {
    let ca: string | undefined;
    if (typeof verify === 'string') {
      try {
        // A directory holds one certificate per file (as c_rehash leaves it); all of them are trusted.
        ca = statSync(verify).isDirectory()
          ? readdirSync(verify).filter((f) => /\.(pem|crt|cer)$/i.test(f)).map((f) => readFileSync(join(verify, f), 'utf8')).join('\n')
          : readFileSync(verify, 'utf8');
      } catch (e) {
        throw new RedfishTlsError(`cannot read the CA bundle ${verify}: ${(e as Error).message}`);
      }
    }
    agent = new https.Agent({
      keepAlive: true, maxSockets: MAX_SOCKETS_PER_SERVICE, ca, rejectUnauthorized: verify !== false,
    });
  }
  agents.set(key, agent);
  return agent;
}

/** Forgets the shared agents (their idle sockets close); for shutdown and for tests that restart a service. */
export function closeTransports(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED',
  'UNABLE_TO_GET_ISSUER_CERT', 'CERT_SIGNATURE_FAILURE', 'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER',
]);

export function httpTransport(options: HttpTransportOptions): Transport {
  const origin = new URL(options.origin);
  if (origin.protocol !== 'https:' && origin.protocol !== 'http:') {
    throw new RedfishConnectionError(`unsupported scheme in ${options.origin}: use https:// or http://`, 'EINVAL');
  }
  const lib = origin.protocol === 'https:' ? https : http;
  const where = origin.origin;
  return {
    origin: where,
    send(request) {
      const agent = agentFor(origin, options.verify);
      return new Promise<TransportResponse>((resolve, reject) => {
        let settled = false;
        const finish = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          fn();
        };
        const headers: Record<string, string> = { ...request.headers };
        if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body));
        const req = lib.request({
          protocol: origin.protocol, hostname: origin.hostname, port: origin.port || undefined,
          method: request.method, path: request.path, headers, agent,
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => finish(() => reject(connectionError(where, e))));
          res.on('end', () => finish(() => {
            const out: Record<string, string | undefined> = {};
            for (const [k, v] of Object.entries(res.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
          }));
        });
        const timer = setTimeout(() => {
          finish(() => reject(new RedfishConnectionError(
            `Redfish ${request.method} ${where}${request.path} timed out after ${options.timeoutMs / 1000} s`, 'ETIMEDOUT', true,
          )));
          req.destroy();
        }, options.timeoutMs);
        req.on('error', (e: NodeJS.ErrnoException) => finish(() => {
          reject(e.code && TLS_ERROR_CODES.has(e.code) ? tlsError(where, options.verify, e) : connectionError(where, e));
        }));
        if (request.body !== undefined) req.write(request.body);
        req.end();
      });
    },
  };
}

function connectionError(where: string, e: NodeJS.ErrnoException): RedfishConnectionError {
  const reason = e.code === 'ECONNREFUSED' ? 'connection refused'
    : e.code === 'ECONNRESET' ? 'connection reset by the BMC'
      : e.message;
  return new RedfishConnectionError(`cannot reach the Redfish service at ${where}: ${reason}`, e.code);
}

function tlsError(where: string, verify: boolean | string, e: NodeJS.ErrnoException): RedfishTlsError {
  const against = typeof verify === 'string' ? `the CA bundle ${verify}` : 'the system\'s trusted CAs';
  return new RedfishTlsError(
    `TLS certificate of the Redfish service at ${where} could not be verified against ${against} (${e.message}). ` +
    'Set driver_info redfish_verify_ca to the path of the CA that signed it, or to False to skip verification.',
  );
}
