import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Chassis } from '../../domain/resources.js';
import { ChassisNotEmpty, Conflict, InvalidParameterValue, NotFound } from '../../domain/errors.js';
import { isUuidLike } from '../../domain/validation.js';
import { now } from '../../store/store.js';
import type { ApiDeps } from '../app.js';
import { collection, parseFields, parseListQuery, type Query } from '../collection.js';
import { checkFields, type Spec } from '../field-checks.js';
import { applyResourcePatch } from '../json-patch.js';
import {
  CHASSIS_DETAIL_FIELDS, CHASSIS_FIELD_SINCE, CHASSIS_LIST_FIELDS, CHASSIS_UNSORTABLE_FIELDS, chassisView,
} from '../views/chassis-view.js';

const SPEC: Spec = {
  uuid: { kind: { t: 'uuid' } },
  description: { kind: { t: 'string', nullable: true, max: 255 } },
  extra: { kind: { t: 'object' } },
};
const PATCHABLE = new Set(['description', 'extra']);

/** `/v1/chassis`: groups of nodes; a chassis holding nodes cannot be deleted. */
export function registerChassis(app: FastifyInstance, deps: ApiDeps): void {
  const { store, config } = deps;

  async function find(ident: string): Promise<Chassis> {
    if (!isUuidLike(ident)) throw new InvalidParameterValue(`Expected a UUID but received ${ident}.`);
    const c = await store.chassis.getByUuid(ident.toLowerCase());
    if (!c) throw new NotFound(`Chassis ${ident} could not be found.`);
    return c;
  }

  async function list(request: FastifyRequest, detailPath: boolean) {
    const q = request.query as Query;
    const unknown = Object.keys(q).filter((k) => !['limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'detail'].includes(k));
    if (unknown.length > 0) throw new InvalidParameterValue(`Unknown argument: "${unknown[0]}"`);
    const lq = parseListQuery(q, { minor: request.minor, maxLimit: config.api.maxLimit, fieldSince: CHASSIS_FIELD_SINCE, unsortable: CHASSIS_UNSORTABLE_FIELDS, detailPath });
    const marker = lq.marker ? await store.chassis.getByUuid(lq.marker.toLowerCase()) : undefined;
    if (lq.marker && !marker) throw new NotFound(`Chassis ${lq.marker} could not be found.`);
    const rows = await store.chassis.list({ limit: lq.limit, marker, sortKey: lq.sortKey, sortDir: lq.sortDir });
    const base = deps.base(request);
    const fields = lq.fields ?? (lq.detail ? CHASSIS_DETAIL_FIELDS : CHASSIS_LIST_FIELDS);
    return collection('chassis', rows.map((c) => chassisView(c, base, fields)), lq.limit,
      `${base}/v1/chassis${detailPath ? '/detail' : ''}`, q, (c) => c.uuid as string);
  }

  app.get('/v1/chassis', (request) => list(request, false));
  app.get('/v1/chassis/detail', (request) => list(request, true));

  app.get('/v1/chassis/:chassis', async (request) => {
    const fields = parseFields((request.query as Query).fields, request.minor, CHASSIS_FIELD_SINCE);
    const c = await find((request.params as { chassis: string }).chassis);
    return chassisView(c, deps.base(request), fields ?? CHASSIS_DETAIL_FIELDS);
  });

  app.post('/v1/chassis', async (request, reply) => {
    const body = checkFields('chassis', request.body, SPEC, request.minor) as Partial<Chassis>;
    const uuid = body.uuid ?? randomUUID();
    if (await store.chassis.getByUuid(uuid)) throw new Conflict(`A chassis with UUID ${uuid} already exists.`);
    const c = await store.chassis.insert({
      uuid, description: body.description ?? null, extra: body.extra ?? {}, created_at: now(), updated_at: null,
    });
    const base = deps.base(request);
    void reply.code(201).header('Location', `${base}/v1/chassis/${c.uuid}`);
    return chassisView(c, base, CHASSIS_DETAIL_FIELDS);
  });

  app.patch('/v1/chassis/:chassis', async (request) => {
    const c = await find((request.params as { chassis: string }).chassis);
    const { doc, changed } = applyResourcePatch(
      { uuid: c.uuid, description: c.description, extra: c.extra }, request.body,
      { patchable: PATCHABLE, minor: request.minor },
    );
    const changes: Partial<Chassis> = {};
    for (const field of changed) {
      const value = doc[field];
      if (value === undefined) (changes as Record<string, unknown>)[field] = field === 'extra' ? {} : null;
      else (changes as Record<string, unknown>)[field] = checkFields('chassis', { [field]: value }, SPEC, request.minor)[field];
    }
    const updated = changed.length > 0 ? await store.chassis.update(c.id, { ...changes, updated_at: now() }) : c;
    if (!updated) throw new NotFound(`Chassis ${c.uuid} could not be found.`);
    return chassisView(updated, deps.base(request), CHASSIS_DETAIL_FIELDS);
  });

  app.delete('/v1/chassis/:chassis', async (request, reply) => {
    const c = await find((request.params as { chassis: string }).chassis);
    if ((await store.nodes.count({ chassis_uuid: c.uuid })) > 0) {
      throw new ChassisNotEmpty(`Cannot complete the requested action because chassis ${c.uuid} contains nodes.`);
    }
    await store.chassis.delete(c.id);
    return reply.code(204).send();
  });
}
