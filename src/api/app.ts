import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyInstance, type FastifyError } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import type { Conductor } from '../conductor/conductor-service.js';
import { MAX_VERSION, MIN_VERSION } from '../domain/api-version.js';
import { nodeNotFound } from '../domain/errors.js';
import { isUuidLike } from '../domain/validation.js';
import { errorBody, httpErrorBody, mapError } from './error-body.js';
import { negotiateVersion } from './versioning.js';
import { authHook } from './auth.js';
import { registerRoot } from './resources/root.js';
import { registerNodes } from './resources/nodes.js';
import { registerNodeStates } from './resources/node-states.js';
import { registerNodeExtras } from './resources/node-extras.js';
import { registerNodeBios } from './resources/node-bios.js';
import { registerNodeInventory } from './resources/node-inventory.js';
import { registerRamdisk } from './resources/ramdisk.js';
import { registerPorts } from './resources/ports.js';
import { registerPortgroups } from './resources/portgroups.js';
import { registerChassis } from './resources/chassis.js';
import { registerDrivers } from './resources/drivers.js';
import { registerConductors } from './resources/conductors.js';
import { registerAllocations } from './resources/allocations.js';
import { registerDeployTemplates } from './resources/deploy-templates.js';
import { registerVolume } from './resources/volume.js';
import { BOOT_FILES_PREFIX, registerBootFiles } from './resources/boot-files.js';
import { registerEvents } from './resources/events.js';
import { registerEnroll } from './resources/enroll.js';
import { registerUi, UI_PREFIX } from './resources/ui.js';
import { FERRITE_PREFIX } from './ferrite-api.js';
import { baseUrl } from './links.js';

/** What every resource module needs. */
export interface ApiDeps {
  store: Store;
  conductor: Conductor;
  config: Config;
  base(request: { headers: Record<string, unknown>; protocol: string; hostname: string }): string;
}

/** Paths that are no Ironic resource: the boot files, Ferrite's own API, the browser UI. */
const NON_IRONIC_PREFIXES = [BOOT_FILES_PREFIX, FERRITE_PREFIX, UI_PREFIX];

/** Neither rewritten into /v1 nor subject to microversions. */
function outsideIronicApi(url: string): boolean {
  return NON_IRONIC_PREFIXES.some((prefix) => url.startsWith(prefix));
}

const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty but the Content-Type says JSON.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type: use application/json.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The Content-Length does not match the body.',
};

/** Ironic's JSON body limit on nesting; nothing in its API needs more, and deep documents are costly to store. */
const MAX_JSON_DEPTH = 25;

function nestedDeeperThan(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (levels === 0) return true;
  const children = Array.isArray(value) ? value as unknown[] : Object.values(value);
  return children.some((child) => nestedDeeperThan(child, levels - 1));
}

export async function buildApp(store: Store, conductor: Conductor, config: Config, logger: Logger): Promise<FastifyInstance> {
  // Typed as Fastify's logger so the app keeps Fastify's default instance type.
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: config.api.maxBodyBytes,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => `req-${randomUUID()}`,
    // Long idents must reach the handlers, which answer them in Ironic's words (400), not the router (414).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 8192 },
    // A URL the router cannot decode (a bad %-escape) is still answered in Ironic's format, version headers included.
    frameworkErrors: (err, _request, anyReply) => {
      const reply = anyReply as FastifyReply;
      void reply.header('X-OpenStack-Ironic-API-Minimum-Version', MIN_VERSION);
      void reply.header('X-OpenStack-Ironic-API-Maximum-Version', MAX_VERSION);
      void reply.code(400).type('application/json').send(errorBody(`The request URL is malformed: ${err.message}`, 400));
    },
    // Like Ironic, serve v1 resources also without the /v1 prefix (/nodes/detail is /v1/nodes/detail); the boot
    // files are no API resource, and Ferrite's own API has its own prefix.
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      return url === '/' || url.startsWith('/?') || url.startsWith('/v1') || outsideIronicApi(url) ? url : `/v1${url}`;
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });

  // Ironic's clients send `Content-Type: application/json` on every request, bodiless DELETEs and PUTs included,
  // so an empty JSON body means "no body"; JSON-patch bodies are JSON too.
  app.removeContentTypeParser('application/json');
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(['application/json', 'application/json-patch+json'], { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      const err = new Error(FRAMEWORK_MESSAGES.FST_ERR_CTP_INVALID_JSON_BODY) as FastifyError;
      err.statusCode = 400;
      return done(err, undefined);
    }
    if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
      const err = new Error(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`) as FastifyError;
      err.statusCode = 400;
      return done(err, undefined);
    }
    done(null, value);
  });

  // Bodiless requests may carry any Content-Type (python-ironicclient sends application/octet-stream with its
  // DELETEs); only a body in a format we do not read is refused.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    if ((body as Buffer).length === 0) return done(null, undefined);
    const err = new Error(FRAMEWORK_MESSAGES.FST_ERR_CTP_INVALID_MEDIA_TYPE) as FastifyError;
    err.statusCode = 415;
    done(err, undefined);
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('Openstack-Request-Id', request.id);
  });
  // Firmware downloading boot files knows nothing of microversions, nor does Ferrite's own API have them.
  app.addHook('onRequest', async (request, reply) => {
    if (!outsideIronicApi(request.url)) return negotiateVersion(request, reply);
  });
  app.addHook('onRequest', authHook(config, logger));
  // Before 1.5 nodes have no names: an ident that is not a UUID names no node (404, as Ironic answers).
  app.addHook('preHandler', async (request) => {
    const ident = (request.params as { node?: unknown } | undefined)?.node;
    if (typeof ident === 'string' && request.minor < 5 && !isUuidLike(ident)) throw nodeNotFound(ident);
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const mapped = mapError(err);
    if (mapped) return reply.code(mapped.status).type('application/json').send(mapped.body);
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message = (err.code && FRAMEWORK_MESSAGES[err.code]) || err.message;
      return reply.code(status).type('application/json').send(errorBody(message, status));
    }
    request.log.error({ err }, 'request failed');
    return reply.code(500).type('application/json').send(errorBody('An internal error occurred; see the service log.', 500));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).type('application/json').send(errorBody('The resource could not be found.', 404));
  });

  // Collected so every resource answers the methods it lacks with 405 and an Allow header, as Ironic does.
  const methodsByUrl = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const known = methodsByUrl.get(route.url) ?? new Set<string>();
    for (const m of methods) known.add(m);
    methodsByUrl.set(route.url, known);
  });

  dropUnusedConnectionsOnClose(app);

  const deps: ApiDeps = { store, conductor, config, base: (req) => baseUrl(req as never, config.api.publicEndpoint) };
  registerRoot(app, deps, registerUi(app));
  registerNodes(app, deps);
  registerNodeStates(app, deps);
  registerNodeExtras(app, deps);
  registerNodeBios(app, deps);
  registerNodeInventory(app, deps);
  registerRamdisk(app, deps);
  registerPorts(app, deps);
  registerPortgroups(app, deps);
  registerChassis(app, deps);
  registerDrivers(app, deps);
  registerConductors(app, deps);
  registerAllocations(app, deps);
  registerDeployTemplates(app, deps);
  registerVolume(app, deps);
  registerBootFiles(app, deps);
  registerEvents(app, deps);
  registerEnroll(app, deps);
  // Routes of plugins (enrollment's own body parsers, the UI's assets) exist once the plugins have loaded.
  await app.after();
  registerMethodNotAllowed(app, methodsByUrl);
  await app.ready();
  return app;
}

/**
 * On close, connections that never carried a request (a client's spare or speculative connection) are dropped.
 * Node counts them as busy, so closing idle connections leaves them, and the server would wait for its headers
 * timeout (~70 s) before it could stop. Connections with a request in flight still finish it.
 */
function dropUnusedConnectionsOnClose(app: FastifyInstance): void {
  const unused = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  app.server.on('request', (request: IncomingMessage) => unused.delete(request.socket));
  app.addHook('preClose', async () => {
    for (const socket of unused) socket.destroy();
  });
}

const REST_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function registerMethodNotAllowed(app: FastifyInstance, methodsByUrl: Map<string, Set<string>>): void {
  // A copy: the routes added here pass through onRoute and grow the map.
  for (const [url, known] of [...methodsByUrl]) {
    const allow = REST_METHODS.filter((m) => known.has(m)).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
    const missing = REST_METHODS.filter((m) => !known.has(m));
    if (missing.length === 0) continue;
    app.route({
      method: missing, url,
      handler: (request, reply) => reply.code(405).header('Allow', allow.join(', ')).type('application/json')
        .send(httpErrorBody(405, 'Method Not Allowed', `The method ${request.method} is not allowed for this resource.`)),
    });
  }
}
