import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { errorBody } from './error-body.js';

/**
 * Routes reachable without credentials: version discovery (and the UI's page, whose login form asks for them), the
 * agent's callbacks, boot files (firmware has no credentials).
 */
const PUBLIC = [/^\/$/, /^\/ui\//, /^\/v1\/?$/, /^\/v1\/lookup/, /^\/v1\/heartbeat\//, /^\/v1\/continue_inspection/, /^\/boot\//];

/** Reads an htpasswd file of bcrypt entries (`user:$2y$...`), the format Ironic's http_basic reads. */
export function loadHtpasswd(file: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const i = trimmed.indexOf(':');
    if (i <= 0) continue;
    const hash = trimmed.slice(i + 1);
    if (!/^\$2[aby]\$/.test(hash)) throw new Error(`htpasswd ${file}: entry for ${trimmed.slice(0, i)} is not a bcrypt hash`);
    users.set(trimmed.slice(0, i), hash);
  }
  return users;
}

/** `noauth` lets everything through; `http_basic` checks credentials against the htpasswd file. */
export function authHook(config: Config, log: Logger) {
  if (config.authStrategy === 'noauth') return async () => {};
  const users = loadHtpasswd(config.htpasswdFile);
  const verified = new Map<string, boolean>(); // bcrypt is slow by design; remember outcomes per header value
  const deny = (reply: FastifyReply) =>
    reply.code(401).header('WWW-Authenticate', 'Basic realm="Baremetal API"').type('application/json')
      .send(errorBody('Authentication required', 401));
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    if (PUBLIC.some((re) => re.test(path))) return;
    const header = request.headers.authorization;
    if (!header?.startsWith('Basic ')) return deny(reply);
    const cached = verified.get(header);
    if (cached === true) return;
    if (cached === false) return deny(reply);
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const user = i > 0 ? decoded.slice(0, i) : '';
    const hash = users.get(user);
    const ok = hash !== undefined && (await bcrypt.compare(decoded.slice(i + 1), hash.replace(/^\$2y\$/, '$2b$')));
    if (verified.size > 1000) verified.clear();
    verified.set(header, ok);
    if (!ok) {
      log.warn({ user }, 'authentication failed');
      return deny(reply);
    }
  };
}
