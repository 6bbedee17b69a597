import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { agentBundlePath } from '../../conductor/boot-files.js';

/** The UI's assets (content-hashed names, so cached for good); its page is served at `/` and `/ui/`. */
export const UI_PREFIX = '/ui/';

/** The built UI sits next to the service's bundle: <repo>/dist/ui (built by scripts/build-ui.mjs). */
export function uiDirectory(): string {
  return join(dirname(agentBundlePath()), 'ui');
}

/**
 * A browser asks for HTML; Ironic's clients ask for JSON (or anything): only a request that names text/html gets
 * the page, so `GET /` stays the version document for every API client.
 */
export function wantsPage(request: FastifyRequest): boolean {
  return /\btext\/html\b/.test(String(request.headers.accept ?? ''));
}

export interface UiPage {
  /** Sends the UI's page, or returns false when the UI is not built. */
  send(reply: FastifyReply): boolean;
}

/**
 * Serves the browser UI built in `dir`. The page needs no credentials (the login form is part of it); everything
 * it shows comes from the API, which does.
 */
export function registerUi(app: FastifyInstance, dir: string = uiDirectory()): UiPage {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) {
    app.log.warn({ dir }, 'the browser UI is not built (node scripts/build-ui.mjs); / serves the API version document only');
    app.get(`${UI_PREFIX}*`, async (_request, reply) => reply.code(404).type('text/plain').send('The browser UI is not built.'));
    return { send: () => false };
  }
  // Read at each request (it is a few hundred bytes): a rebuild under a running service swaps the whole
  // directory, and a page read once would name assets that are gone.
  const sendPage = (reply: FastifyReply) => {
    let page: Buffer;
    try {
      page = readFileSync(indexFile);
    } catch {
      return false;
    }
    void reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache')
      .header('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'")
      .header('X-Content-Type-Options', 'nosniff').send(page);
    return true;
  };
  void app.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: `${UI_PREFIX}assets/`,
    immutable: true,
    maxAge: '365d',
    index: false,
    wildcard: true,
  });
  app.get(UI_PREFIX, async (_request, reply) => (sendPage(reply) ? reply : reply.code(404).type('text/plain').send('The browser UI is not built.')));
  return { send: sendPage };
}
