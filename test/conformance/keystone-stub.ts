import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Just enough of Keystone v3 for tempest to authenticate: version discovery and token issue. Every password is
 * accepted and the catalog points `baremetal` at the endpoint under test, which runs with noauth and ignores
 * the token. Loopback only.
 */
export interface KeystoneStub {
  url: string;
  close(): Promise<void>;
}

function catalog(identityUrl: string, baremetalUrl: string) {
  const service = (type: string, name: string, url: string) => ({
    id: name, type, name,
    endpoints: ['public', 'internal', 'admin'].map((iface) => ({
      id: `${name}-${iface}`, interface: iface, region: 'RegionOne', region_id: 'RegionOne', url,
    })),
  });
  return [service('identity', 'keystone', identityUrl), service('baremetal', 'ironic', baremetalUrl)];
}

interface AuthRequest {
  auth?: {
    identity?: { password?: { user?: { name?: string } } };
    scope?: { system?: unknown; project?: { name?: string } };
  };
}

function token(req: AuthRequest, identityUrl: string, baremetalUrl: string) {
  const issued = new Date();
  const expires = new Date(issued.getTime() + 12 * 3600_000);
  const user = req.auth?.identity?.password?.user?.name ?? 'admin';
  const scope = req.auth?.scope ?? {};
  const body: Record<string, unknown> = {
    methods: ['password'],
    issued_at: issued.toISOString(),
    expires_at: expires.toISOString(),
    user: { id: user, name: user, domain: { id: 'default', name: 'Default' } },
    roles: ['admin', 'member', 'reader'].map((r) => ({ id: r, name: r })),
    catalog: catalog(identityUrl, baremetalUrl),
  };
  if (scope.system !== undefined) body.system = { all: true };
  else {
    const project = scope.project?.name ?? 'admin';
    body.project = { id: project, name: project, domain: { id: 'default', name: 'Default' } };
  }
  return { token: body };
}

export async function startKeystoneStub(baremetalUrl: string): Promise<KeystoneStub> {
  let identityUrl = '';
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const raw = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(raw), ...headers });
    res.end(raw);
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
      const version = {
        id: 'v3.14', status: 'stable', updated: '2020-04-07T00:00:00Z',
        links: [{ rel: 'self', href: `${identityUrl}/` }],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
      };
      if (req.method === 'HEAD') return send(res, 200, {});
      if (req.method === 'GET' && path === '') return send(res, 200, { versions: { values: [version] } });
      if (req.method === 'GET' && path === '/v3') return send(res, 200, { version });
      if (path === '/v3/auth/tokens') {
        let parsed: AuthRequest = {};
        try {
          parsed = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as AuthRequest) : {};
        } catch {
          return send(res, 400, { error: { code: 400, message: 'malformed JSON' } });
        }
        const status = req.method === 'POST' ? 201 : 200;
        return send(res, status, token(parsed, identityUrl, baremetalUrl), { 'X-Subject-Token': 'stub-token' });
      }
      send(res, 404, { error: { code: 404, message: `${req.method} ${path} is not served by the stub` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  identityUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
  return {
    url: identityUrl,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
