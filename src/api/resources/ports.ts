import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Port } from '../../domain/resources.js';
import { InvalidParameterValue, NotFound } from '../../domain/errors.js';
import { isUuidLike, normalizeMac } from '../../domain/validation.js';
import type { Filters } from '../../store/table-repository.js';
import type { ApiDeps } from '../app.js';
import { collection, parseFields, parseListQuery, type Query } from '../collection.js';
import { checkFields, type Spec } from '../field-checks.js';
import {
  checkQuery, fieldsAt, listFieldsAt, patchChanges, requireVersion, resourceView, type ResourceShape,
} from '../resource-kit.js';

const SHAPE: ResourceShape = {
  collection: 'ports',
  fieldSince: {
    uuid: 1, address: 1, node_uuid: 1, extra: 1, created_at: 1, updated_at: 1, links: 1, internal_info: 18,
    local_link_connection: 19, pxe_enabled: 19, portgroup_uuid: 24, physical_network: 34, is_smartnic: 53,
  },
  listFields: ['uuid', 'address', 'links'],
};

const LLC_KEYS = ['switch_id', 'port_id', 'switch_info', 'hostname', 'network_type'];
const DATAPATH_ID = /^(0x)?[0-9a-fA-F]{16}$/;

/** local_link_connection as Ironic checks it: known keys, a MAC or OpenFlow datapath switch_id, complete sets. */
function checkLocalLinkConnection(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidParameterValue('local_link_connection must be a dictionary.');
  }
  const llc = value as Record<string, unknown>;
  const unknown = Object.keys(llc).filter((k) => !LLC_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new InvalidParameterValue(`Invalid local_link_connection key(s) ${unknown.join(', ')}; valid keys are ${LLC_KEYS.join(', ')}.`);
  }
  if (Object.keys(llc).length === 0) return llc;
  for (const [k, v] of Object.entries(llc)) {
    if (typeof v !== 'string') throw new InvalidParameterValue(`local_link_connection.${k} must be a string.`);
  }
  if (llc.network_type !== undefined && llc.network_type !== 'managed' && llc.network_type !== 'unmanaged') {
    throw new InvalidParameterValue(`Invalid network_type ${JSON.stringify(llc.network_type)}: use managed or unmanaged.`);
  }
  if (llc.network_type === 'unmanaged') return llc;
  if (llc.switch_id !== undefined) {
    const mac = normalizeMac(llc.switch_id);
    if (!mac && !DATAPATH_ID.test(llc.switch_id as string)) {
      throw new InvalidParameterValue(`Expected a MAC address or OpenFlow datapath ID but received ${JSON.stringify(llc.switch_id)}.`);
    }
  }
  const complete = (llc.switch_id !== undefined && llc.port_id !== undefined) || (llc.hostname !== undefined && llc.port_id !== undefined);
  if (!complete) {
    throw new InvalidParameterValue('local_link_connection needs switch_id and port_id (or hostname and port_id for a smart NIC).');
  }
  return llc;
}

const SPEC: Spec = {
  uuid: { kind: { t: 'uuid' } },
  address: { kind: { t: 'mac' } },
  node_uuid: { kind: { t: 'uuid' } },
  extra: { kind: { t: 'object' } },
  local_link_connection: { kind: { t: 'custom', check: checkLocalLinkConnection }, since: 19 },
  pxe_enabled: { kind: { t: 'bool' }, since: 19 },
  portgroup_uuid: { kind: { t: 'uuid', nullable: true }, since: 24 },
  physical_network: { kind: { t: 'string', nullable: true, max: 64 }, since: 34 },
  is_smartnic: { kind: { t: 'bool' }, since: 53 },
};
const PATCHABLE = new Set(['address', 'extra', 'local_link_connection', 'node_uuid', 'physical_network', 'portgroup_uuid', 'pxe_enabled', 'is_smartnic']);
const MANDATORY = new Set(['address', 'node_uuid']);
const FILTERS = { node: 1, node_uuid: 1, address: 1, portgroup: 24 };

export function registerPorts(app: FastifyInstance, deps: ApiDeps): void {
  const { store, conductor, config } = deps;

  async function findPort(ident: string): Promise<Port> {
    if (!isUuidLike(ident)) throw new InvalidParameterValue(`Expected a UUID for port but received ${ident}.`);
    const port = await store.ports.getByUuid(ident.toLowerCase());
    if (!port) throw new NotFound(`Port ${ident} could not be found.`);
    return port;
  }

  /** Lists ports matching `fixed` (a node's or a portgroup's) and the request's filters. */
  async function list(request: FastifyRequest, detailPath: boolean, fixed: Filters, path: string) {
    const q = request.query as Query;
    const minor = request.minor;
    checkQuery(q, FILTERS, minor);
    const lq = parseListQuery(q, {
      minor, maxLimit: config.api.maxLimit, fieldSince: SHAPE.fieldSince, detailPath,
      unsortable: new Set(['extra', 'internal_info', 'local_link_connection']),
    });
    const filters: Filters = { ...fixed };
    if (q.address !== undefined) {
      const mac = normalizeMac(q.address);
      if (!mac) throw new InvalidParameterValue(`Expected a MAC address but received ${q.address}.`);
      filters.address = mac;
    }
    const nodeIdent = q.node ?? q.node_uuid;
    if (nodeIdent !== undefined && fixed.node_uuid === undefined) {
      const node = await conductor.core.getNode(nodeIdent);
      filters.node_uuid = node.uuid;
    }
    if (q.portgroup !== undefined && fixed.portgroup_uuid === undefined) {
      const pg = isUuidLike(q.portgroup) ? await store.portgroups.getByUuid(q.portgroup.toLowerCase()) : await store.portgroups.getByName(q.portgroup);
      if (!pg) throw new NotFound(`Portgroup ${q.portgroup} could not be found.`);
      filters.portgroup_uuid = pg.uuid;
    }
    const marker = lq.marker ? await store.ports.getByUuid(lq.marker.toLowerCase()) : undefined;
    if (lq.marker && !marker) throw new InvalidParameterValue(`Port ${lq.marker} could not be found (marker).`);
    const ports = await store.ports.list({ filters, limit: lq.limit, marker, sortKey: lq.sortKey, sortDir: lq.sortDir });
    const base = deps.base(request);
    const fields = lq.fields ?? (lq.detail ? fieldsAt(SHAPE, minor) : listFieldsAt(SHAPE, minor));
    return collection('ports', ports.map((p) => resourceView(SHAPE, p, base, fields)), lq.limit,
      `${base}/v1/${path}${detailPath ? '/detail' : ''}`, q, (p) => p.uuid as string);
  }

  app.get('/v1/ports', (request) => list(request, false, {}, 'ports'));
  app.get('/v1/ports/detail', (request) => list(request, true, {}, 'ports'));

  const nodePorts = async (request: FastifyRequest, detail: boolean) => {
    const node = await conductor.core.getNode((request.params as { node: string }).node);
    return list(request, detail, { node_uuid: node.uuid }, `nodes/${node.uuid}/ports`);
  };
  app.get('/v1/nodes/:node/ports', (request) => nodePorts(request, false));
  app.get('/v1/nodes/:node/ports/detail', (request) => nodePorts(request, true));

  const portgroupPorts = async (request: FastifyRequest, detail: boolean) => {
    requireVersion(request, 24);
    const ident = (request.params as { portgroup: string }).portgroup;
    const pg = isUuidLike(ident) ? await store.portgroups.getByUuid(ident.toLowerCase()) : await store.portgroups.getByName(ident);
    if (!pg) throw new NotFound(`Portgroup ${ident} could not be found.`);
    return list(request, detail, { portgroup_uuid: pg.uuid }, `portgroups/${pg.uuid}/ports`);
  };
  app.get('/v1/portgroups/:portgroup/ports', (request) => portgroupPorts(request, false));
  app.get('/v1/portgroups/:portgroup/ports/detail', (request) => portgroupPorts(request, true));

  app.get('/v1/ports/:port', async (request) => {
    const fields = parseFields((request.query as Query).fields, request.minor, SHAPE.fieldSince);
    const port = await findPort((request.params as { port: string }).port);
    return resourceView(SHAPE, port, deps.base(request), fields ?? fieldsAt(SHAPE, request.minor));
  });

  app.post('/v1/ports', async (request, reply) => {
    const minor = request.minor;
    const body = checkFields('port', request.body, SPEC, minor, ['address', 'node_uuid']) as Partial<Port> & { address: string; node_uuid: string };
    const port = await conductor.ports.createPort(body);
    const base = deps.base(request);
    void reply.code(201).header('Location', `${base}/v1/ports/${port.uuid}`);
    return resourceView(SHAPE, port, base, fieldsAt(SHAPE, minor));
  });

  app.patch('/v1/ports/:port', async (request) => {
    const minor = request.minor;
    const port = await findPort((request.params as { port: string }).port);
    const changes = patchChanges(port, request.body, {
      resource: 'port', spec: SPEC, patchable: PATCHABLE, mandatory: MANDATORY, since: SHAPE.fieldSince,
      emptyValue: (f) => (f === 'extra' || f === 'local_link_connection' ? {} : f === 'pxe_enabled' ? true : f === 'is_smartnic' ? false : null),
    }, minor);
    const updated = Object.keys(changes).length > 0 ? await conductor.ports.updatePort(port, changes) : port;
    return resourceView(SHAPE, updated, deps.base(request), fieldsAt(SHAPE, minor));
  });

  app.delete('/v1/ports/:port', async (request, reply) => {
    const port = await findPort((request.params as { port: string }).port);
    await conductor.ports.destroyPort(port);
    return reply.code(204).send();
  });

}
