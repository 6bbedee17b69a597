import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidParameterValue, NotAcceptable, NotFound } from '../../domain/errors.js';
import type { BiosSetting } from '../../domain/resources.js';
import type { ApiDeps } from '../app.js';
import { parseBoolParam, parseFields, type Query } from '../collection.js';
import { resourceLinks } from '../links.js';

const REGISTRY_FIELDS = [
  'attribute_type', 'allowable_values', 'lower_bound', 'max_length', 'min_length', 'read_only', 'reset_required',
  'unique', 'upper_bound',
] as const;
const FIELD_SINCE: Record<string, number> = {
  name: 40, value: 40, links: 40, created_at: 40, updated_at: 40,
  ...Object.fromEntries(REGISTRY_FIELDS.map((f) => [f, 74])),
};

function settingView(s: BiosSetting, base: string, withRegistry: boolean, fields?: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    created_at: s.created_at, updated_at: s.updated_at, name: s.name, value: s.value,
    links: resourceLinks(base, `nodes/${s.node_uuid}/bios`, s.name),
  };
  if (withRegistry) for (const f of REGISTRY_FIELDS) out[f] = s[f];
  if (!fields) return out;
  return Object.fromEntries(fields.map((f) => [f, f in out ? out[f] : s[f as keyof BiosSetting]]));
}

/** The node's BIOS settings as its bios interface last cached them (read-only: changes go through clean steps). */
export function registerNodeBios(app: FastifyInstance, deps: ApiDeps): void {
  const { conductor, store } = deps;
  const requireBios = (request: FastifyRequest) => {
    // As in Ironic, the endpoint does not exist before 1.40.
    if (request.minor < 40) throw new NotFound('BIOS settings require API version 1.40 or later.');
  };

  app.get('/v1/nodes/:node/bios', async (request) => {
    requireBios(request);
    const node = await conductor.core.getNode((request.params as { node: string }).node);
    const q = request.query as Query;
    if (q.detail !== undefined && request.minor < 74) throw new NotAcceptable('The "detail" parameter of BIOS settings requires API version 1.74 or later.');
    const detail = q.detail !== undefined && parseBoolParam('detail', q.detail);
    const fields = q.fields === undefined ? undefined : request.minor < 74
      ? (() => { throw new NotAcceptable('The "fields" parameter of BIOS settings requires API version 1.74 or later.'); })()
      : parseFields(q.fields, request.minor, FIELD_SINCE);
    if (detail && fields) throw new InvalidParameterValue('Can not specify ?detail=True and fields in the same request.');
    const settings = await store.biosSettings.listForNode(node.uuid);
    const base = deps.base(request);
    return { bios: settings.map((s) => settingView(s, base, detail, fields)) };
  });

  app.get('/v1/nodes/:node/bios/:setting', async (request) => {
    requireBios(request);
    const node = await conductor.core.getNode((request.params as { node: string }).node);
    const name = (request.params as { setting: string }).setting;
    const setting = (await store.biosSettings.listForNode(node.uuid)).find((s) => s.name === name);
    if (!setting) throw new NotFound(`Node ${node.uuid} doesn't have a BIOS setting '${name}'`);
    return { [name]: settingView(setting, deps.base(request), request.minor >= 74) };
  });
}
