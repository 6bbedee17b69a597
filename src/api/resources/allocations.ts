import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonObject } from '../../domain/node.js';
import { InvalidParameterValue, MethodNotAllowed, NotAcceptable, NotFound } from '../../domain/errors.js';
import { isValidLogicalName, isValidTrait } from '../../domain/validation.js';
import type { AllocationRequest } from '../../conductor/allocations.js';
import type { ApiDeps } from '../app.js';
import { collection, parseFields, parseListQuery, type Query } from '../collection.js';
import { checkFields, type Spec } from '../field-checks.js';
import { applyResourcePatch } from '../json-patch.js';
import {
  ALLOCATIONS_MINOR, ALLOCATION_BACKFILL_MINOR, ALLOCATION_FIELD_SINCE, ALLOCATION_OWNER_MINOR,
  ALLOCATION_PATCH_MINOR, ALLOCATION_UNSORTABLE_FIELDS, allocationFields, allocationView,
} from '../views/allocation-view.js';

const PAGING = new Set(['limit', 'marker', 'sort_key', 'sort_dir', 'fields']);
const FILTER_SINCE: Record<string, number> = {
  node: ALLOCATIONS_MINOR, resource_class: ALLOCATIONS_MINOR, state: ALLOCATIONS_MINOR, owner: ALLOCATION_OWNER_MINOR,
};
const PATCHABLE = new Set(['name', 'extra']);

function checkName(verb: 'create' | 'update', value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || !isValidLogicalName(value)) {
    throw new InvalidParameterValue(`Cannot ${verb} allocation with invalid name '${typeof value === 'string' ? value : JSON.stringify(value)}'`);
  }
  return value;
}

function stringList(field: string, value: unknown, valid: (s: string) => boolean = () => true): string[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw new InvalidParameterValue(`Schema error for allocation: ${field}: ${JSON.stringify(value)} is not of type array`);
  for (const item of value) {
    if (typeof item !== 'string' || !valid(item)) {
      throw new InvalidParameterValue(`Schema error for allocation: ${field}: ${JSON.stringify(item)} is not valid`);
    }
  }
  return value as string[];
}

/** The create body (Ironic's ALLOCATION_SCHEMA): no other keys, owner since 1.60. */
const CREATE_SPEC: Spec = {
  uuid: { kind: { t: 'uuid', nullable: true } },
  name: { kind: { t: 'custom', check: (v) => checkName('create', v) } },
  resource_class: { kind: { t: 'string', nullable: true, max: 80 } },
  traits: { kind: { t: 'custom', check: (v, f) => stringList(f, v, isValidTrait) } },
  candidate_nodes: { kind: { t: 'custom', check: (v, f) => stringList(f, v) } },
  extra: { kind: { t: 'object', nullable: true } },
  owner: { kind: { t: 'string', nullable: true, max: 255 }, since: ALLOCATION_OWNER_MINOR },
  node: { kind: { t: 'string', nullable: true } },
};

function requireAllocations(request: FastifyRequest): void {
  // Before 1.52 the endpoints do not exist: Ironic answers GET with 404 and any other method with 405.
  if (request.minor >= ALLOCATIONS_MINOR) return;
  const message = 'The API version does not allow allocations';
  throw request.method === 'GET' ? new NotFound(message) : new MethodNotAllowed(message);
}

/** `/v1/allocations` and `/v1/nodes/{node}/allocation`; the matching itself runs in the conductor. */
export function registerAllocations(app: FastifyInstance, deps: ApiDeps): void {
  const { store, conductor, config } = deps;
  const allocations = conductor.allocations;
  const identParam = (request: FastifyRequest) => (request.params as { allocation: string }).allocation;

  app.get('/v1/allocations', async (request) => {
    requireAllocations(request);
    const q = request.query as Query;
    const minor = request.minor;
    const filters: Record<string, string> = {};
    for (const [key, value] of Object.entries(q)) {
      if (value === undefined || PAGING.has(key)) continue;
      const since = FILTER_SINCE[key];
      if (since === undefined) throw new InvalidParameterValue(`Unknown argument: "${key}"`);
      if (since > minor) throw new NotAcceptable(`The "${key}" filter requires API version 1.${since} or later.`);
      if (key === 'node') {
        try {
          filters.node_uuid = (await conductor.core.getNode(value)).uuid;
        } catch (e) {
          if (e instanceof NotFound) throw new InvalidParameterValue(e.message);
          throw e;
        }
      } else {
        filters[key] = value;
      }
    }
    const lq = parseListQuery(q, {
      minor, maxLimit: config.api.maxLimit, fieldSince: ALLOCATION_FIELD_SINCE, unsortable: ALLOCATION_UNSORTABLE_FIELDS,
    });
    const marker = lq.marker !== undefined ? await store.allocations.getByUuid(lq.marker.toLowerCase()) : undefined;
    if (lq.marker !== undefined && !marker) throw new NotFound(`Allocation ${lq.marker} could not be found.`);
    const rows = await store.allocations.list({ filters, limit: lq.limit, marker, sortKey: lq.sortKey, sortDir: lq.sortDir });
    const base = deps.base(request);
    const fields = lq.fields ?? allocationFields(minor);
    // The marker is the last row's UUID, whether or not the selected fields show it.
    const last = rows[rows.length - 1];
    return collection('allocations', rows.map((a) => allocationView(a, base, fields)), lq.limit,
      `${base}/v1/allocations`, q, () => last.uuid);
  });

  app.get('/v1/allocations/:allocation', async (request) => {
    requireAllocations(request);
    const fields = parseFields((request.query as Query).fields, request.minor, ALLOCATION_FIELD_SINCE);
    const a = await allocations.get(identParam(request));
    return allocationView(a, deps.base(request), fields ?? allocationFields(request.minor));
  });

  app.post('/v1/allocations', async (request, reply) => {
    requireAllocations(request);
    const minor = request.minor;
    const body = checkFields('allocation', request.body, CREATE_SPEC, minor) as AllocationRequest;
    if (body.node !== undefined && body.node !== null && minor < ALLOCATION_BACKFILL_MINOR) {
      throw new InvalidParameterValue('Cannot set node when creating an allocation in this API version');
    }
    const created = await allocations.create(body);
    const base = deps.base(request);
    void reply.code(201).header('Location', `${base}/v1/allocations/${created.uuid}`);
    return allocationView(created, base, allocationFields(minor));
  });

  app.patch('/v1/allocations/:allocation', async (request) => {
    requireAllocations(request);
    const minor = request.minor;
    if (minor < ALLOCATION_PATCH_MINOR) throw new MethodNotAllowed('The API version does not allow updating allocations');
    const a = await allocations.get(identParam(request));
    const { doc, changed } = applyResourcePatch({ uuid: a.uuid, name: a.name, extra: a.extra }, request.body, {
      patchable: PATCHABLE, minor,
    });
    const changes: { name?: string | null; extra?: JsonObject } = {};
    if (changed.includes('name')) changes.name = checkName('update', doc.name ?? null);
    if (changed.includes('extra')) {
      const extra = doc.extra ?? null;
      if (extra !== null && (typeof extra !== 'object' || Array.isArray(extra))) {
        throw new InvalidParameterValue(`Schema error for allocation: extra: ${JSON.stringify(extra)} is not of type object`);
      }
      changes.extra = (extra ?? {}) as JsonObject;
    }
    const updated = Object.keys(changes).length > 0 ? await allocations.update(a, changes) : a;
    return allocationView(updated, deps.base(request), allocationFields(minor));
  });

  app.delete('/v1/allocations/:allocation', async (request, reply) => {
    requireAllocations(request);
    await allocations.destroy(await allocations.get(identParam(request)));
    return reply.code(204).send();
  });

  const nodeRequire = (request: FastifyRequest) => {
    if (request.minor < ALLOCATIONS_MINOR) throw new NotFound('The API version does not allow allocations');
  };
  const nodeParam = (request: FastifyRequest) => (request.params as { node: string }).node;

  app.get('/v1/nodes/:node/allocation', async (request) => {
    nodeRequire(request);
    const fields = parseFields((request.query as Query).fields, request.minor, ALLOCATION_FIELD_SINCE);
    const a = await allocations.getForNode(nodeParam(request));
    return allocationView(a, deps.base(request), fields ?? allocationFields(request.minor));
  });

  app.delete('/v1/nodes/:node/allocation', async (request, reply) => {
    nodeRequire(request);
    await allocations.destroyForNode(nodeParam(request));
    return reply.code(204).send();
  });
}
