import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import type { Conductor } from '../conductor/conductor-service.js';
import { errorBody, mapError } from './error-body.js';
import { negotiateVersion } from './versioning.js';
import { authHook } from './auth.js';
import { registerRoot } from './resources/root.js';
import { registerNodes } from './resources/nodes.js';
import { registerNodeStates } from './resources/node-states.js';
import { registerNodeExtras } from './resources/node-extras.js';
import { registerPorts } from './resources/ports.js';
import { registerPortgroups } from './resources/portgroups.js';
import { registerChassis } from './resources/chassis.js';
import { registerDrivers } from './resources/drivers.js';
import { registerConductors } from './resources/conductors.js';
import { registerAllocations } from './resources/allocations.js';
import { registerDeployTemplates } from './resources/deploy-templates.js';
import { registerVolume } from './resources/volume.js';
import { baseUrl } from './links.js';

/** What every resource module needs. */
export interface ApiDeps {
  store: Store;
  conductor: Conductor;
  config: Config;
  base(request: { headers: Record<string, unknown>; protocol: string; hostname: string }): string;
}

const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty but the Content-Type says JSON.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type: use application/json.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The Content-Length does not match the body.',
};

export async function buildApp(store: Store, conductor: Conductor, config: Config, logger: Logger): Promise<FastifyInstance> {
  // Typed as Fastify's logger so the app keeps Fastify's default instance type.
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: config.api.maxBodyBytes,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => `req-${randomUUID()}`,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    // Like Ironic, serve v1 resources also without the /v1 prefix (/nodes/detail is /v1/nodes/detail).
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      return url === '/' || url.startsWith('/?') || url.startsWith('/v1') ? url : `/v1${url}`;
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
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = new Error(FRAMEWORK_MESSAGES.FST_ERR_CTP_INVALID_JSON_BODY) as FastifyError;
      err.statusCode = 400;
      done(err, undefined);
    }
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
  app.addHook('onRequest', negotiateVersion);
  app.addHook('onRequest', authHook(config, logger));

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

  const deps: ApiDeps = { store, conductor, config, base: (req) => baseUrl(req as never, config.api.publicEndpoint) };
  registerRoot(app, deps);
  registerNodes(app, deps);
  registerNodeStates(app, deps);
  registerNodeExtras(app, deps);
  registerPorts(app, deps);
  registerPortgroups(app, deps);
  registerChassis(app, deps);
  registerDrivers(app, deps);
  registerConductors(app, deps);
  registerAllocations(app, deps);
  registerDeployTemplates(app, deps);
  registerVolume(app, deps);
  await app.ready();
  return app;
}
