import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Portgroup } from '../../domain/resources.js';
import { InvalidParameterValue, NotFound } from '../../domain/errors.js';
import { isValidLogicalName, normalizeMac } from '../../domain/validation.js';
import type { Filters } from '../../store/table-repository.js';
import type { ApiDeps } from '../app.js';
import { collection, parseFields, parseListQuery, type Query } from '../collection.js';
import { findPortgroup } from '../lookups.js';
import { checkFields, type Spec } from '../field-checks.js';
import { checkQuery, patchChanges, requireVersion } from '../resource-kit.js';
import {
  PORTGROUPS_MINOR, PORTGROUP_QUERY_FIELD_SINCE, PORTGROUP_UNSORTABLE_FIELDS, portgroupFields, portgroupView,
} from '../views/portgroup-view.js';

function checkName(v: unknown): unknown {
  if (v === null) return null;
  if (typeof v !== 'string') throw new InvalidParameterValue(`Schema error for portgroup: name: ${JSON.stringify(v)} is not of type string`);
  if (!isValidLogicalName(v)) throw new InvalidParameterValue(`Cannot create portgroup with invalid name '${v}'`);
  return v;
}

export const SPEC: Spec = {
  uuid: { kind: { t: 'uuid' } },
  address: { kind: { t: 'mac', nullable: true } },
  name: { kind: { t: 'custom', check: checkName } },
  node_uuid: { kind: { t: 'uuid' } },
  standalone_ports_supported: { kind: { t: 'bool' } },
  extra: { kind: { t: 'object' } },
  mode: { kind: { t: 'string', nullable: true, max: 255 }, since: 26 },
  properties: { kind: { t: 'object' }, since: 26 },
};
const PATCHABLE = new Set(['address', 'name', 'node_uuid', 'standalone_ports_supported', 'extra', 'mode', 'properties']);
const MANDATORY = new Set(['node_uuid']);
const FILTERS = { node: 23, address: 23 };

export function registerPortgroups(app: FastifyInstance, deps: ApiDeps): void {
  const { store, conductor, config } = deps;

  const find = (ident: string): Promise<Portgroup> => findPortgroup(store, ident);

  async function list(request: FastifyRequest, detailPath: boolean, fixed: Filters, path: string) {
    requireVersion(request, PORTGROUPS_MINOR);
    const q = request.query as Query;
    const minor = request.minor;
    checkQuery(q, FILTERS, minor);
    const lq = parseListQuery(q, {
      minor, maxLimit: config.api.maxLimit, fieldSince: PORTGROUP_QUERY_FIELD_SINCE, detailPath,
      unsortable: PORTGROUP_UNSORTABLE_FIELDS,
    });
    const filters: Filters = { ...fixed };
    if (q.address !== undefined) {
      const mac = normalizeMac(q.address);
      if (!mac) throw new InvalidParameterValue(`Expected a MAC address but received ${q.address}.`);
      filters.address = mac;
    }
    if (q.node !== undefined && fixed.node_uuid === undefined) filters.node_uuid = (await conductor.core.getNode(q.node)).uuid;
    const marker = lq.marker ? await store.portgroups.getByUuid(lq.marker.toLowerCase()) : undefined;
    if (lq.marker && !marker) throw new NotFound(`Portgroup ${lq.marker} could not be found.`);
    const rows = await store.portgroups.list({ filters, limit: lq.limit, marker, sortKey: lq.sortKey, sortDir: lq.sortDir });
    const base = deps.base(request);
    const fields = lq.fields ?? portgroupFields(minor, lq.detail);
    return collection('portgroups', rows.map((p) => portgroupView(p, base, fields)), lq.limit,
      `${base}/v1/${path}${detailPath ? '/detail' : ''}`, q, (p) => p.uuid as string);
  }

  app.get('/v1/portgroups', (request) => list(request, false, {}, 'portgroups'));
  app.get('/v1/portgroups/detail', (request) => list(request, true, {}, 'portgroups'));
  const nodePortgroups = async (request: FastifyRequest, detail: boolean) => {
    requireVersion(request, 24);
    const node = await conductor.core.getNode((request.params as { node: string }).node);
    return list(request, detail, { node_uuid: node.uuid }, `nodes/${node.uuid}/portgroups`);
  };
  app.get('/v1/nodes/:node/portgroups', (request) => nodePortgroups(request, false));
  app.get('/v1/nodes/:node/portgroups/detail', (request) => nodePortgroups(request, true));

  app.get('/v1/portgroups/:portgroup', async (request) => {
    requireVersion(request, PORTGROUPS_MINOR);
    const fields = parseFields((request.query as Query).fields, request.minor, PORTGROUP_QUERY_FIELD_SINCE);
    const pg = await find((request.params as { portgroup: string }).portgroup);
    return portgroupView(pg, deps.base(request), fields ?? portgroupFields(request.minor, true));
  });

  app.post('/v1/portgroups', async (request, reply) => {
    requireVersion(request, PORTGROUPS_MINOR);
    const minor = request.minor;
    const body = checkFields('portgroup', request.body, SPEC, minor, ['node_uuid']) as Partial<Portgroup> & { node_uuid: string };
    const pg = await conductor.ports.createPortgroup(body);
    const base = deps.base(request);
    void reply.code(201).header('Location', `${base}/v1/portgroups/${pg.uuid}`);
    return portgroupView(pg, base, portgroupFields(minor, true));
  });

  app.patch('/v1/portgroups/:portgroup', async (request) => {
    requireVersion(request, PORTGROUPS_MINOR);
    const minor = request.minor;
    const ident = (request.params as { portgroup: string }).portgroup;
    const pg = await find(ident);
    if (Array.isArray(request.body)) {
      for (const op of request.body as { op?: unknown; path?: unknown; value?: unknown }[]) {
        if (op?.op === 'remove' && op.path === '/mode') throw new InvalidParameterValue("'mode' is a mandatory attribute and can not be removed");
        if (op?.path === '/name' && typeof op.value === 'string' && !isValidLogicalName(op.value)) {
          throw new InvalidParameterValue(`Portgroup ${ident}: Cannot change name to invalid name '${op.value}'`);
        }
      }
    }
    const changes = patchChanges(pg, request.body, {
      // Ironic lets mode and properties be patched at any version (only creating with them needs 1.26); tempest's
      // test_update_portgroup_add relies on it.
      resource: 'portgroup', spec: { ...SPEC, mode: { kind: SPEC.mode.kind }, properties: { kind: SPEC.properties.kind } },
      patchable: PATCHABLE, mandatory: MANDATORY, since: {},
      emptyValue: (f) => (f === 'extra' || f === 'properties' ? {} : f === 'standalone_ports_supported' ? true : null),
    }, minor);
    const updated = Object.keys(changes).length > 0 ? await conductor.ports.updatePortgroup(pg, changes) : pg;
    return portgroupView(updated, deps.base(request), portgroupFields(minor, true));
  });

  app.delete('/v1/portgroups/:portgroup', async (request, reply) => {
    requireVersion(request, PORTGROUPS_MINOR);
    const pg = await find((request.params as { portgroup: string }).portgroup);
    await conductor.ports.destroyPortgroup(pg);
    return reply.code(204).send();
  });
}
