import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Port } from '../../domain/resources.js';
import { InvalidParameterValue, NotAcceptable, NotFound } from '../../domain/errors.js';
import { isUuidLike, normalizeMac } from '../../domain/validation.js';
import type { Filters } from '../../store/table-repository.js';
import type { ApiDeps } from '../app.js';
import { collection, parseFields, parseListQuery, type Query } from '../collection.js';
import { findPortgroup } from '../lookups.js';
import { checkFields, type Spec } from '../field-checks.js';
import { checkQuery, patchChanges, requireVersion } from '../resource-kit.js';
import { PORT_SHAPE, PORT_UNSORTABLE_FIELDS, portFields, portView } from '../views/port-view.js';

const LLC_KEYS = ['switch_id', 'port_id', 'switch_info', 'hostname', 'network_type'];
const DATAPATH_ID = /^(0x)?[0-9a-fA-F]{16}$/;

/**
 * local_link_connection as Ironic checks it: known string keys; empty, or switch_id + port_id, or hostname + port_id
 * (a smart NIC), or network_type `unmanaged`. A switch_id is a MAC or an OpenFlow datapath ID, kept lower case.
 */
function checkLocalLinkConnection(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidParameterValue('local_link_connection must be a dictionary.');
  }
  const llc = { ...(value as Record<string, unknown>) };
  const unknown = Object.keys(llc).filter((k) => !LLC_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new InvalidParameterValue(`Invalid local_link_connection key(s) ${unknown.join(', ')}; valid keys are ${LLC_KEYS.join(', ')}.`);
  }
  for (const [k, v] of Object.entries(llc)) {
    if (typeof v !== 'string') throw new InvalidParameterValue(`local_link_connection.${k} must be a string.`);
  }
  if (llc.network_type !== undefined && llc.network_type !== 'managed' && llc.network_type !== 'unmanaged') {
    throw new InvalidParameterValue(`Invalid network_type ${llc.network_type as string}: use managed or unmanaged.`);
  }
  if (llc.switch_id !== undefined) {
    const id = llc.switch_id as string;
    const normalized = normalizeMac(id) ?? (DATAPATH_ID.test(id) ? id.toLowerCase() : null);
    if (normalized === null) throw new InvalidParameterValue(`Expected a MAC address or OpenFlow datapath ID but received ${id}.`);
    llc.switch_id = normalized;
  }
  const complete = Object.keys(llc).length === 0 || llc.network_type === 'unmanaged'
    || (llc.port_id !== undefined && (llc.switch_id !== undefined || llc.hostname !== undefined));
  if (!complete) {
    throw new InvalidParameterValue('local_link_connection needs switch_id and port_id (or hostname and port_id for a smart NIC).');
  }
  return llc;
}

/** `physical_network` may be null but not empty. */
function checkPhysicalNetwork(value: unknown): unknown {
  if (value === null) return null;
  if (typeof value !== 'string') throw new InvalidParameterValue(`Schema error for port: physical_network: ${JSON.stringify(value)} is not of type string`);
  if (value.length > 64) throw new InvalidParameterValue(`Schema error for port: physical_network: ${JSON.stringify(value)} is too long (at most 64 characters)`);
  if (value === '') throw new InvalidParameterValue('A non-empty value is required when setting physical_network');
  return value;
}

/** local_link_connection.network_type came with 1.64. */
const NETWORK_TYPE_MINOR = 64;
const networkTypeTooNew = () => new NotAcceptable('local_link_connection.network_type requires API version 1.64 or later.');
const hasNetworkType = (llc: unknown) => llc !== null && typeof llc === 'object' && 'network_type' in llc;

/** Refuses a patch that sets local_link_connection.network_type (or a whole connection with one) before 1.64. */
function refuseNetworkTypePatch(patch: unknown, minor: number): void {
  if (minor >= NETWORK_TYPE_MINOR || !Array.isArray(patch)) return;
  for (const op of patch as { path?: unknown; value?: unknown }[]) {
    if (typeof op?.path !== 'string') continue;
    if (op.path.startsWith('/local_link_connection/network_type')) throw networkTypeTooNew();
    if (op.path === '/local_link_connection' && hasNetworkType(op.value)) throw networkTypeTooNew();
  }
}

export const SPEC: Spec = {
  uuid: { kind: { t: 'uuid' } },
  address: { kind: { t: 'mac' } },
  node_uuid: { kind: { t: 'uuid' } },
  extra: { kind: { t: 'object' } },
  local_link_connection: { kind: { t: 'custom', check: checkLocalLinkConnection }, since: 19 },
  pxe_enabled: { kind: { t: 'bool' }, since: 19 },
  portgroup_uuid: { kind: { t: 'uuid', nullable: true }, since: 24 },
  physical_network: { kind: { t: 'custom', check: checkPhysicalNetwork }, since: 34 },
  is_smartnic: { kind: { t: 'bool' }, since: 53 },
  // Fields of later Ironic versions than ours: a client sending them gets 406 (too new), not 400 (unknown).
  name: { kind: { t: 'any' }, since: 88 },
  node_ident: { kind: { t: 'any' }, since: 94 },
  description: { kind: { t: 'any' }, since: 97 },
};
const PATCHABLE = new Set(['address', 'extra', 'local_link_connection', 'node_uuid', 'physical_network', 'portgroup_uuid', 'pxe_enabled', 'is_smartnic']);
const MANDATORY = new Set(['address', 'node_uuid']);
const FILTERS = { node: 1, node_uuid: 1, address: 1, portgroup: 24 };

export function registerPorts(app: FastifyInstance, deps: ApiDeps): void {
  const { store, conductor, config } = deps;

  async function findPort(ident: string): Promise<Port> {
    if (!isUuidLike(ident)) throw new InvalidParameterValue(`Expected a UUID but received ${ident}.`);
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
      minor, maxLimit: config.api.maxLimit, fieldSince: PORT_SHAPE.fieldSince, detailPath, unsortable: PORT_UNSORTABLE_FIELDS,
    });
    const filters: Filters = { ...fixed };
    if (q.address !== undefined) {
      const mac = normalizeMac(q.address);
      if (!mac) throw new InvalidParameterValue(`Expected a MAC address but received ${q.address}.`);
      filters.address = mac;
    }
    if (q.node_uuid !== undefined && !isUuidLike(q.node_uuid)) throw new InvalidParameterValue(`Expected a UUID but received ${q.node_uuid}.`);
    const nodeIdent = q.node_uuid ?? q.node;
    if (nodeIdent !== undefined && fixed.node_uuid === undefined) {
      const node = await conductor.core.getNode(nodeIdent);
      filters.node_uuid = node.uuid;
    }
    if (q.portgroup !== undefined && fixed.portgroup_uuid === undefined) {
      const pg = await findPortgroup(store, q.portgroup);
      filters.portgroup_uuid = pg.uuid;
    }
    const marker = lq.marker ? await store.ports.getByUuid(lq.marker.toLowerCase()) : undefined;
    if (lq.marker && !marker) throw new NotFound(`Port ${lq.marker} could not be found.`);
    const ports = await store.ports.list({ filters, limit: lq.limit, marker, sortKey: lq.sortKey, sortDir: lq.sortDir });
    const base = deps.base(request);
    const fields = lq.fields ?? portFields(minor, lq.detail);
    return collection('ports', ports.map((p) => portView(p, base, fields)), lq.limit,
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
    const pg = await findPortgroup(store, ident);
    return list(request, detail, { portgroup_uuid: pg.uuid }, `portgroups/${pg.uuid}/ports`);
  };
  app.get('/v1/portgroups/:portgroup/ports', (request) => portgroupPorts(request, false));
  app.get('/v1/portgroups/:portgroup/ports/detail', (request) => portgroupPorts(request, true));

  app.get('/v1/ports/:port', async (request) => {
    const fields = parseFields((request.query as Query).fields, request.minor, PORT_SHAPE.fieldSince);
    const port = await findPort((request.params as { port: string }).port);
    return portView(port, deps.base(request), fields ?? portFields(request.minor, true));
  });

  app.post('/v1/ports', async (request, reply) => {
    const minor = request.minor;
    const body = checkFields('port', request.body, SPEC, minor, ['address', 'node_uuid']) as Partial<Port> & { address: string; node_uuid: string };
    if (minor < NETWORK_TYPE_MINOR && hasNetworkType(body.local_link_connection)) throw networkTypeTooNew();
    if (body.is_smartnic) {
      const llc = body.local_link_connection ?? {};
      if (typeof llc.port_id !== 'string' || typeof llc.hostname !== 'string') {
        throw new InvalidParameterValue('Smart NIC port must have port_id and hostname in local_link_connection');
      }
    }
    const port = await conductor.ports.createPort(body);
    const base = deps.base(request);
    void reply.code(201).header('Location', `${base}/v1/ports/${port.uuid}`);
    return portView(port, base, portFields(minor, true));
  });

  app.patch('/v1/ports/:port', async (request) => {
    const minor = request.minor;
    const port = await findPort((request.params as { port: string }).port);
    refuseNetworkTypePatch(request.body, minor);
    const changes = patchChanges(port, request.body, {
      resource: 'port', spec: SPEC, patchable: PATCHABLE, mandatory: MANDATORY, since: PORT_SHAPE.fieldSince,
      emptyValue: (f) => (f === 'extra' || f === 'local_link_connection' ? {} : f === 'pxe_enabled' ? true : f === 'is_smartnic' ? false : null),
    }, minor);
    const updated = Object.keys(changes).length > 0 ? await conductor.ports.updatePort(port, changes) : port;
    return portView(updated, deps.base(request), portFields(minor, true));
  });

  app.delete('/v1/ports/:port', async (request, reply) => {
    const port = await findPort((request.params as { port: string }).port);
    await conductor.ports.destroyPort(port);
    return reply.code(204).send();
  });

}
