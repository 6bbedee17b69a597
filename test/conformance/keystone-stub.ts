import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The part of Keystone v3 that tempest needs before it talks to the service under test: version discovery
 * (`GET /v3`) and token issue (`POST /v3/auth/tokens`), project-scoped or system-scoped as asked. Every password
 * is accepted; every token carries a catalog whose `baremetal` entry is the endpoint under test, which runs with
 * noauth and ignores the token. It listens on a free loopback port only.
 */
export interface KeystoneStub {
  /** The identity endpoint for tempest's `[identity] uri_v3`, e.g. `http://127.0.0.1:40123/v3`. */
  url: string;
  /** Tokens issued so far, by scope: a run that authenticated both kinds of credentials has both above zero. */
  issued: { project: number; system: number };
  close(): Promise<void>;
}

interface TokenRequest {
  auth?: {
    identity?: { methods?: string[]; password?: { user?: { id?: string; name?: string } } };
    scope?: { system?: unknown; project?: { id?: string; name?: string } };
  };
}

const DOMAIN = { id: 'default', name: 'Default' };
const REGION = 'RegionOne';
const SUBJECT_TOKEN = 'ferrite-conformance-token';

function endpoint(serviceName: string, url: string) {
  return ['public', 'internal', 'admin'].map((iface) => ({
    id: `${serviceName}-${iface}`, interface: iface, region: REGION, region_id: REGION, url,
  }));
}

function versionDocument(identityUrl: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${identityUrl}/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

function issueToken(request: TokenRequest, identityUrl: string, baremetalUrl: string) {
  const now = Date.now();
  const user = request.auth?.identity?.password?.user;
  const userName = user?.name ?? user?.id ?? 'admin';
  const scope = request.auth?.scope;
  const token: Record<string, unknown> = {
    methods: request.auth?.identity?.methods ?? ['password'],
    audit_ids: [`audit-${now.toString(36)}`],
    issued_at: new Date(now).toISOString(),
    expires_at: new Date(now + 24 * 3600_000).toISOString(),
    user: { id: userName, name: userName, domain: DOMAIN, password_expires_at: null },
    roles: ['admin', 'member', 'reader'].map((name) => ({ id: name, name })),
    catalog: [
      { id: 'keystone', name: 'keystone', type: 'identity', endpoints: endpoint('keystone', identityUrl) },
      { id: 'ironic', name: 'ironic', type: 'baremetal', endpoints: endpoint('ironic', baremetalUrl) },
    ],
  };
  const system = scope?.system !== undefined;
  if (system) {
    token.system = { all: true };
  } else {
    const project = scope?.project?.name ?? scope?.project?.id ?? 'admin';
    token.project = { id: project, name: project, domain: DOMAIN };
    token.is_domain = false;
  }
  return { scope: system ? ('system' as const) : ('project' as const), body: { token } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Starts the stub; `baremetalUrl` is what the catalog names as the Bare Metal endpoint. */
export async function startKeystoneStub(baremetalUrl: string): Promise<KeystoneStub> {
  const issued = { project: 0, system: 0 };
  let identityUrl = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://stub').pathname.replace(/\/+$/, '');
    const body = await readBody(req);
    if (req.method === 'GET' && path === '') {
      return reply(res, 300, { versions: { values: [versionDocument(identityUrl)] } });
    }
    if (req.method === 'GET' && path === '/v3') return reply(res, 200, { version: versionDocument(identityUrl) });
    if (path === '/v3/auth/tokens') {
      if (req.method === 'POST') {
        let request: TokenRequest;
        try {
          request = (body.trim() === '' ? {} : JSON.parse(body)) as TokenRequest;
        } catch {
          return reply(res, 400, { error: { code: 400, title: 'Bad Request', message: 'The request body is not JSON.' } });
        }
        const token = issueToken(request, identityUrl, baremetalUrl);
        issued[token.scope] += 1;
        return reply(res, 201, token.body, { 'X-Subject-Token': SUBJECT_TOKEN });
      }
      // Token validation and revocation: every token is good until the stub stops.
      if (req.method === 'GET' || req.method === 'HEAD') {
        return reply(res, 200, issueToken({}, identityUrl, baremetalUrl).body, { 'X-Subject-Token': SUBJECT_TOKEN });
      }
      if (req.method === 'DELETE') {
        res.writeHead(204);
        return void res.end();
      }
    }
    reply(res, 404, { error: { code: 404, title: 'Not Found', message: `${req.method} ${path} is not part of the stub` } });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) reply(res, 500, { error: { code: 500, title: 'Internal Server Error', message: String(err) } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  identityUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
  return {
    url: identityUrl,
    issued,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
