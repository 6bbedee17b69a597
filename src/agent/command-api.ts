/**
 * The agent's HTTP API, the one Ironic's conductor talks to (ironic-python-agent's api/app.py): `GET /`,
 * `GET /v1/`, `GET /v1/status`, `POST /v1/commands/?wait=`, `GET /v1/commands/`, `GET /v1/commands/{id}?wait=`,
 * also without the `/v1` prefix as IPA serves them. Errors raised here answer IPA's WSME-like body
 * `{faultcode: "Client"|"Server", faultstring}`; a command's own failure is a 200 with command_error set.
 * Once the agent has its token (from the lookup), every commands request must carry it as `?agent_token=`, as
 * IPA requires; status and version documents stay open. Not yet: TLS.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import { VERSION } from '../version.js';
import { AgentLog } from './agent-log.js';
import { CommandRunner } from './command-runner.js';
import { RestError } from './commands/errors.js';
import { log } from './commands/log.js';
import { isRecord, type Extensions } from './commands/registry.js';
import { standby } from './commands/standby.js';
import { clean, deploy } from './commands/steps.js';

export interface AgentConfig {
  /** The target disk: a block device, or the server's disk file in the lab. */
  disk: string;
  /** The server's MAC addresses (for lookup, later). */
  macs: string[];
  /** IPA listens on 0.0.0.0:9999. */
  listen: { host: string; port: number };
  /**
   * An executable run as `<cmd> off` / `<cmd> reboot` by standby.power_off / standby.run_image (IPA runs the host's
   * poweroff/reboot; this agent never does). Without it those commands fail.
   */
  powerCommand?: string;
}

const MEDIA_TYPE = 'application/vnd.openstack.ironic-python-agent.v1+json';
const DOCS_URL = 'https://docs.openstack.org/ironic-python-agent';
// werkzeug's NotFound text, which IPA answers for unknown URLs.
const NOT_FOUND = '404 Not Found: The requested URL was not found on the server. If you entered the URL manually ' +
  'please check your spelling and try again.';

const fault = (code: number, faultstring: string) => ({ faultcode: code >= 500 ? 'Server' : 'Client', faultstring });

function rootUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? req.hostname}`;
}

function version(url: string) {
  return {
    id: 'v1',
    links: [{ href: `${url}/v1/`, rel: 'self' }, { href: `${DOCS_URL}/`, rel: 'describedby', type: 'text/html' }],
  };
}

const link = (url: string, resource: string) => [
  { href: `${url}/v1/${resource}`, rel: 'self' }, { href: `${url}/${resource}`, rel: 'bookmark' },
];

const waitRequested = (q: unknown) => isRecord(q) && typeof q.wait === 'string' && q.wait.toLowerCase() === 'true';

export class Agent {
  readonly log: AgentLog;
  readonly runner: CommandRunner;
  /** Epoch seconds, as IPA's `started_at`. */
  readonly startedAt = Date.now() / 1000;
  private app: FastifyInstance | undefined;
  /** The agent token from the lookup; null until then (commands are then open, as before a lookup in IPA). */
  token: string | null = null;

  constructor(readonly config: AgentConfig, opts: { log?: AgentLog; extensions?: Extensions } = {}) {
    this.log = opts.log ?? new AgentLog();
    this.runner = new CommandRunner(opts.extensions ?? { standby, clean, deploy, log }, config, this.log);
  }

  buildApp(): FastifyInstance {
    // Fastify's own logger stays off: request bodies carry image credentials and configdrives.
    const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });

    // IPA reads the body as JSON whatever its content type (werkzeug's get_json(force=True)).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (e) {
        done(Object.assign(e as Error, { statusCode: 400 }), undefined);
      }
    });
    app.setErrorHandler((err, _req, reply) => {
      if (err instanceof RestError) return reply.code(err.code).send(fault(err.code, err.message));
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      if (status >= 500) this.log.error({ error: (err as Error).message }, 'internal server error');
      return reply.code(status).send(fault(status, `${status} ${(err as Error).message}`));
    });
    app.setNotFoundHandler((_req, reply) => reply.code(404).send(fault(404, NOT_FOUND)));

    app.get('/', async (req) => {
      const url = rootUrl(req);
      return {
        name: 'OpenStack Ironic Python Agent API',
        description: 'Ironic Python Agent is a provisioning agent for OpenStack Ironic',
        versions: [version(url)],
        default_version: version(url),
      };
    });
    app.get('/v1', async (req) => {
      const url = rootUrl(req);
      return {
        commands: link(url, 'commands'), status: link(url, 'status'),
        media_types: [{ base: 'application/json', type: MEDIA_TYPE }],
        ...version(url),
      };
    });

    // IPA's answer to a commands request without the agent's token, once it has one.
    const checkToken = (req: FastifyRequest) => {
      if (this.token === null) return;
      const given = isRecord(req.query) ? req.query.agent_token : undefined;
      if (given !== this.token) throw new RestError('Unauthorized', 401, '401 Unauthorized', 'Token invalid.');
    };
    app.addHook('preHandler', async (req) => {
      if (/^(\/v1)?\/commands(\/|$|\?)/.test(req.url)) checkToken(req);
    });

    for (const prefix of ['/v1', '']) {
      app.get(`${prefix}/status`, async () => ({ started_at: this.startedAt, version: VERSION }));
      app.get(`${prefix}/commands`, async () => ({ commands: this.runner.list() }));
      app.get<{ Params: { id: string } }>(`${prefix}/commands/:id`, async (req) => {
        const r = this.runner.get(req.params.id);
        if (waitRequested(req.query)) await r.done;
        return r;
      });
      app.post(`${prefix}/commands`, async (req) => {
        const body = req.body;
        if (!isRecord(body) || typeof body.name !== 'string' || !isRecord(body.params)) {
          throw new RestError('BadRequest', 400, '400 Bad Request', 'Missing or invalid name or params');
        }
        const r = await this.runner.execute(body.name, body.params);
        if (waitRequested(req.query)) await r.done;
        return r;
      });
    }
    return app;
  }

  /** Starts listening; resolves to the base URL (`http://host:port`). */
  async start(): Promise<string> {
    this.app = this.buildApp();
    await this.app.listen({ host: this.config.listen.host, port: this.config.listen.port });
    const addr = this.app.server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.log.info({ host: addr.address, port: addr.port, disk: this.config.disk }, 'agent API listening');
    return `http://${host}:${addr.port}`;
  }

  /** Aborts a running command and closes the server. */
  async stop(): Promise<void> {
    this.runner.abortRunning();
    await this.app?.close();
    this.app = undefined;
  }
}
