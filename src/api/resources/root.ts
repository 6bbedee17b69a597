import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_VERSION, MIN_VERSION } from '../../domain/api-version.js';
import type { ApiDeps } from '../app.js';
import { wantsPage, type UiPage } from './ui.js';

/** Top-level collections and the microversion that introduced each, as listed by `GET /v1`. */
const V1_RESOURCES: [string, number][] = [
  ['chassis', 1], ['nodes', 1], ['ports', 1], ['drivers', 1], ['portgroups', 23], ['volume', 32],
  ['lookup', 22], ['heartbeat', 22], ['conductors', 49], ['allocations', 52], ['deploy_templates', 55],
];

function versionDoc(base: string) {
  return {
    id: 'v1',
    links: [{ href: `${base}/v1/`, rel: 'self' }],
    status: 'CURRENT',
    min_version: MIN_VERSION,
    version: MAX_VERSION,
  };
}

export function registerRoot(app: FastifyInstance, deps: ApiDeps, ui: UiPage): void {
  // A browser gets the UI; API clients (which do not ask for HTML) get Ironic's version document.
  app.get('/', async (request, reply) => {
    if (wantsPage(request) && ui.send(reply)) return reply;
    const v = versionDoc(deps.base(request));
    return {
      name: 'OpenStack Ironic API',
      description: 'Ironic is an OpenStack project which enables the provision and management of baremetal machines. This endpoint is served by Ferrite.',
      default_version: v,
      versions: [v],
    };
  });

  const v1 = async (request: FastifyRequest) => {
    const base = deps.base(request);
    const doc: Record<string, unknown> = {
      id: 'v1',
      links: [
        { href: `${base}/v1/`, rel: 'self' },
        { href: 'https://docs.openstack.org/ironic/latest/contributor/webapi.html', rel: 'describedby', type: 'text/html' },
      ],
      media_types: { base: 'application/json', type: 'application/vnd.openstack.ironic.v1+json' },
    };
    for (const [name, since] of V1_RESOURCES) {
      if (since > request.minor) continue;
      doc[name] = [
        { href: `${base}/v1/${name}/`, rel: 'self' },
        { href: `${base}/${name}/`, rel: 'bookmark' },
      ];
    }
    doc.version = versionDoc(base);
    return doc;
  };
  app.get('/v1', v1);
}
