import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  NODE_FIELD_SINCE, NODE_PATCHABLE_FIELDS, NODE_UNSORTABLE_FIELDS, INTERFACE_SLOTS, type Node,
} from '../../domain/node.js';
import { InvalidParameterValue, NotAcceptable, nodeNotFound } from '../../domain/errors.js';
import { isProvisionState } from '../../domain/provision-state-machine.js';
import { isUuidLike } from '../../domain/validation.js';
import type { NodeFilters } from '../../store/repositories/node-repository.js';
import type { RowTable } from '../../store/database.js';
import type { ApiDeps } from '../app.js';
import { collectionHead, collectionJson, collectionTail, parseBoolParam, parseFields, parseListQuery, type Query } from '../collection.js';
import { checkFields } from '../field-checks.js';
import { applyResourcePatch } from '../json-patch.js';
import { nodeColumns, nodeDetailFields, nodeListFields, nodeTableJson, nodeView, type NodeViewContext } from '../views/node-view.js';
import { NODE_MANDATORY_FIELDS, nodeFieldSpec } from './node-spec.js';

/** Query filters of the node list and the minor version each appeared in. */
const FILTER_SINCE: Record<string, number> = {
  instance_uuid: 1, associated: 1, maintenance: 1, chassis_uuid: 1, provision_state: 9, driver: 16,
  resource_class: 21, fault: 42, conductor_group: 46, conductor: 49, owner: 50, description_contains: 51,
  retired: 61, lessee: 65, project: 65, shard: 82, sharded: 82,
  // Filters of later Ironic versions than ours: 406 (too new), not 400 (unknown).
  parent_node: 83, include_children: 83, instance_name: 104,
};
/** Faults a conductor records on a node (Ironic's faults module). */
const NODE_FAULTS = ['power failure', 'clean failure', 'rescue abort failure', 'service failure'];
const PAGING = new Set(['limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'detail']);

export function nodeViewContext(deps: ApiDeps, request: FastifyRequest): NodeViewContext {
  const host = deps.conductor.hostname;
  const types = new Set(deps.conductor.core.registry.hardwareTypeNames());
  const group = deps.config.conductorGroup;
  return {
    minor: request.minor,
    base: deps.base(request),
    conductorOf: (node: Node) => (types.has(node.driver) && node.conductor_group === group ? host : null),
  };
}

/** Parses the node list's filters; unknown parameters and filters newer than the version are refused. */
function nodeFilters(q: Query, minor: number): { filters: NodeFilters; conductor?: string } {
  const filters: NodeFilters = {};
  let conductor: string | undefined;
  for (const [key, value] of Object.entries(q)) {
    if (value === undefined || PAGING.has(key)) continue;
    const since = FILTER_SINCE[key];
    if (since === undefined) throw new InvalidParameterValue(`Unknown argument: "${key}"`);
    if (since > minor) throw new NotAcceptable(`The "${key}" filter requires API version 1.${since} or later.`);
    switch (key) {
      case 'associated': filters.associated = parseBoolParam(key, value); break;
      case 'maintenance': filters.maintenance = parseBoolParam(key, value); break;
      case 'retired': filters.retired = parseBoolParam(key, value); break;
      case 'sharded': filters.sharded = parseBoolParam(key, value); break;
      case 'fault':
        if (!NODE_FAULTS.includes(value)) {
          throw new InvalidParameterValue(`Unknown fault: ${value}. Valid faults are: ${NODE_FAULTS.join(', ')}`);
        }
        filters.fault = value;
        break;
      case 'conductor': conductor = value; break;
      case 'conductor_group': filters.conductor_group = value.toLowerCase(); break;
      case 'provision_state':
        if (!isProvisionState(value)) throw new InvalidParameterValue(`Invalid provision state: ${value}`);
        filters.provision_state = value;
        break;
      case 'instance_uuid':
      case 'chassis_uuid':
        if (!isUuidLike(value)) throw new InvalidParameterValue(`Expected a UUID for ${key} but received ${value}.`);
        filters[key] = value.toLowerCase();
        break;
      default: filters[key] = value;
    }
  }
  return { filters, conductor };
}

/**
 * Rows per database read when a node listing is written piece by piece. Large pages go out in chunks so that each
 * chunk's rows and text die young instead of a whole page's surviving into the old generation.
 */
const STREAM_CHUNK = 100;

function lastUuidOf(table: RowTable): string | undefined {
  return table.rows.length > 0 ? (table.rows[table.rows.length - 1][table.columns.indexOf('uuid')] as string) : undefined;
}

/** The paging marker just past a table's last row: its id and stored sort key value. */
function lastRowMarker(table: RowTable, sortKey: string): { id: number } {
  const last = table.rows[table.rows.length - 1];
  return { id: last[table.columns.indexOf('id')] as number, [sortKey]: last[table.columns.indexOf(sortKey)] };
}

/** A node collection document, chunk by chunk: `first` holds the first rows, `next` reads those after a table. */
async function* streamNodes(first: RowTable, page: {
  limit: number; url: string; query: Query; ctx: NodeViewContext; fields: readonly string[];
  next(after: RowTable, limit: number): Promise<RowTable>;
}): AsyncGenerator<string> {
  yield collectionHead('nodes');
  let table = first;
  let count = 0;
  let lastUuid: string | undefined;
  for (;;) {
    if (table.rows.length > 0) {
      yield (count > 0 ? ',' : '') + nodeTableJson(table, page.ctx, page.fields).join(',');
      count += table.rows.length;
      lastUuid = lastUuidOf(table);
    }
    const wanted = Math.min(STREAM_CHUNK, page.limit - count);
    if (lastUuid === undefined || table.rows.length < STREAM_CHUNK || wanted <= 0) break;
    table = await page.next(table, wanted);
  }
  yield collectionTail(count, page.limit, page.url, page.query, lastUuid);
}

export function registerNodes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, conductor, config } = deps;

  async function listNodes(request: FastifyRequest, reply: FastifyReply, detailPath: boolean, extraFilters: NodeFilters = {}, resourcePath = 'nodes') {
    const q = request.query as Query;
    const minor = request.minor;
    const lq = parseListQuery(q, {
      minor, maxLimit: config.api.maxLimit, fieldSince: NODE_FIELD_SINCE, unsortable: NODE_UNSORTABLE_FIELDS, detailPath,
    });
    const { filters, conductor: conductorFilter } = nodeFilters(q, minor);
    if (filters.associated !== undefined && filters.instance_uuid !== undefined) delete filters.associated;
    const marker = lq.marker ? await store.nodes.getByUuid(lq.marker.toLowerCase()) : undefined;
    if (lq.marker && !marker) throw nodeNotFound(lq.marker);
    const ctx = nodeViewContext(deps, request);
    const fields = lq.fields ?? (lq.detail ? nodeDetailFields(minor) : nodeListFields(minor));
    const url = `${ctx.base}/v1/${resourcePath}${detailPath ? '/detail' : ''}`;
    const sortKey = lq.sortKey ?? 'id';
    const pageOptions = {
      filters: { ...filters, ...extraFilters }, sortKey: lq.sortKey, sortDir: lq.sortDir,
      // the sort key too, so that each chunk's last row is the marker of the next
      columns: lq.detail ? undefined : [...new Set([...nodeColumns(fields), sortKey])],
    };
    if (conductorFilter === undefined && lq.limit > STREAM_CHUNK) {
      const first = await store.nodes.listTable({ ...pageOptions, limit: STREAM_CHUNK, marker });
      // Fastify adds the charset to text it sends, not to streams: say it, so both kinds of page look alike.
      return reply.type('application/json; charset=utf-8').send(Readable.from(streamNodes(first, {
        limit: lq.limit, url, query: q, ctx, fields,
        next: (after, limit) => store.nodes.listTable({ ...pageOptions, limit, marker: lastRowMarker(after, sortKey) }),
      })));
    }
    const table = await store.nodes.listTable({ ...pageOptions, limit: lq.limit, marker });
    if (conductorFilter !== undefined) {
      const d = table.columns.indexOf('driver');
      const g = table.columns.indexOf('conductor_group');
      table.rows = table.rows.filter((r) => ctx.conductorOf({ driver: r[d] as string, conductor_group: r[g] as string }) === conductorFilter);
    }
    const items = nodeTableJson(table, ctx, fields);
    const lastUuid = lastUuidOf(table);
    return reply.type('application/json').send(collectionJson('nodes', items, lq.limit, url, q, lastUuid));
  }

  app.get('/v1/nodes', (request, reply) => listNodes(request, reply, false));
  app.get('/v1/nodes/detail', (request, reply) => listNodes(request, reply, true));

  app.get('/v1/chassis/:chassis/nodes', async (request, reply) => {
    const { chassis } = request.params as { chassis: string };
    if (!isUuidLike(chassis)) throw new InvalidParameterValue(`Expected a UUID but received ${chassis}.`);
    if (!(await store.chassis.getByUuid(chassis.toLowerCase()))) throw new InvalidParameterValue(`Chassis ${chassis} could not be found.`);
    return listNodes(request, reply, false, { chassis_uuid: chassis.toLowerCase() }, `chassis/${chassis}/nodes`);
  });
  app.get('/v1/chassis/:chassis/nodes/detail', async (request, reply) => {
    const { chassis } = request.params as { chassis: string };
    if (!isUuidLike(chassis) || !(await store.chassis.getByUuid(chassis.toLowerCase()))) {
      throw new InvalidParameterValue(`Chassis ${chassis} could not be found.`);
    }
    return listNodes(request, reply, true, { chassis_uuid: chassis.toLowerCase() }, `chassis/${chassis}/nodes`);
  });

  app.get('/v1/nodes/:node', async (request) => {
    const { node: ident } = request.params as { node: string };
    const q = request.query as Query;
    const fields = parseFields(q.fields, request.minor, NODE_FIELD_SINCE);
    const node = await conductor.core.getNode(ident);
    const ctx = nodeViewContext(deps, request);
    return nodeView(node, ctx, fields ?? nodeDetailFields(request.minor));
  });

  app.post('/v1/nodes', async (request, reply) => {
    const minor = request.minor;
    // A node is protected once it runs an instance; Ironic's create schema has no protected fields.
    const { protected: _p, protected_reason: _r, ...createSpec } = nodeFieldSpec(minor);
    const body = checkFields('node', request.body, createSpec, minor, ['driver']);
    const node = await conductor.nodes.create(body, minor);
    const ctx = nodeViewContext(deps, request);
    void reply.code(201).header('Location', `${ctx.base}/v1/nodes/${node.uuid}`);
    return nodeView(node, ctx, nodeDetailFields(minor));
  });

  app.patch('/v1/nodes/:node', async (request) => {
    const { node: ident } = request.params as { node: string };
    const q = request.query as Query;
    const minor = request.minor;
    let resetInterfaces = false;
    if (q.reset_interfaces !== undefined) {
      if (minor < 45) throw new NotAcceptable('The "reset_interfaces" parameter requires API version 1.45 or later.');
      resetInterfaces = parseBoolParam('reset_interfaces', q.reset_interfaces);
    }
    const node = await conductor.core.getNode(ident);
    const spec = nodeFieldSpec(minor);
    const current: Record<string, unknown> = {};
    for (const field of NODE_PATCHABLE_FIELDS) current[field] = (node as unknown as Record<string, unknown>)[field] ?? null;
    current.uuid = node.uuid;
    const { doc, changed } = applyResourcePatch(current, request.body, {
      patchable: NODE_PATCHABLE_FIELDS, mandatory: NODE_MANDATORY_FIELDS, since: NODE_FIELD_SINCE, minor,
    });
    if (resetInterfaces && !changed.includes('driver')) {
      throw new InvalidParameterValue('The reset_interfaces parameter can be provided only when changing the node\'s driver.');
    }
    const changes: Record<string, unknown> = {};
    for (const field of changed) {
      const value = doc[field];
      if (value === undefined) {
        // removed: back to the field's empty value (interfaces fall back to the driver's default)
        const kind = spec[field]?.kind;
        changes[field] = kind?.t === 'object' || field === 'network_data' ? {} : kind?.t === 'bool' && field !== 'automated_clean' ? false : field === 'conductor_group' ? '' : null;
        continue;
      }
      changes[field] = spec[field] ? checkFields('node', { [field]: value }, spec, minor)[field] : value;
    }
    for (const slot of INTERFACE_SLOTS) {
      const f = `${slot}_interface`;
      if (f in changes && changes[f] === '') changes[f] = null;
    }
    const updated = Object.keys(changes).length > 0
      ? await conductor.nodes.update(node.uuid, changes, resetInterfaces)
      : node;
    return nodeView(updated, nodeViewContext(deps, request), nodeDetailFields(minor));
  });

  app.delete('/v1/nodes/:node', async (request, reply) => {
    const { node: ident } = request.params as { node: string };
    await conductor.nodes.destroy(ident);
    return reply.code(204).send();
  });
}
