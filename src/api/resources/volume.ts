import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { VolumeConnector, VolumeTarget } from '../../domain/resources.js';
import { InvalidParameterValue, NotFound } from '../../domain/errors.js';
import { isUuidLike } from '../../domain/validation.js';
import type { Filters } from '../../store/table-repository.js';
import type { ApiDeps } from '../app.js';
import { collection, parseBoolParam, parseFields, parseListQuery, type Query } from '../collection.js';
import { checkFields, type Spec } from '../field-checks.js';
import { checkQuery, patchChanges, requireVersion, type ResourceShape } from '../resource-kit.js';
import {
  CONNECTOR_SHAPE, TARGET_SHAPE, VOLUME_MINOR, VOLUME_UNSORTABLE_FIELDS, volumeFields, volumeLinksView, volumeRecordView,
} from '../views/volume-view.js';

const CONNECTOR_TYPES = ['iqn', 'ip', 'mac', 'wwnn', 'wwpn', 'port', 'portgroup'];

const CONNECTOR_SPEC: Spec = {
  uuid: { kind: { t: 'uuid' } },
  node_uuid: { kind: { t: 'uuid' } },
  type: {
    kind: {
      t: 'custom',
      check: (v) => {
        if (typeof v !== 'string' || !CONNECTOR_TYPES.includes(v)) {
          throw new InvalidParameterValue(`Invalid volume connector type ${JSON.stringify(v)}: use one of ${CONNECTOR_TYPES.join(', ')}.`);
        }
        return v;
      },
    },
  },
  connector_id: { kind: { t: 'string', min: 1, max: 255 } },
  extra: { kind: { t: 'object' } },
};
const TARGET_SPEC: Spec = {
  uuid: { kind: { t: 'uuid' } },
  node_uuid: { kind: { t: 'uuid' } },
  volume_type: { kind: { t: 'string', min: 1, max: 64 } },
  properties: { kind: { t: 'object' } },
  boot_index: { kind: { t: 'int', min: 0 } },
  volume_id: { kind: { t: 'string', min: 1, max: 36 } },
  extra: { kind: { t: 'object' } },
};

/** `/v1/volume`: a node's storage attachments (connectors on the node, targets it boots from). */
export function registerVolume(app: FastifyInstance, deps: ApiDeps): void {
  const { store, conductor, config } = deps;

  app.get('/v1/volume', async (request) => {
    requireVersion(request, VOLUME_MINOR);
    return volumeLinksView(deps.base(request));
  });
  app.get('/v1/nodes/:node/volume', async (request) => {
    requireVersion(request, VOLUME_MINOR);
    const ident = (request.params as { node: string }).node;
    await conductor.core.getNode(ident);
    return volumeLinksView(deps.base(request), ident);
  });

  interface Kind<R extends VolumeConnector | VolumeTarget> {
    shape: ResourceShape;
    spec: Spec;
    plural: 'connectors' | 'targets';
    resource: string;
    required: string[];
    repo: { getByUuid(u: string): Promise<R | undefined>; list(o: object): Promise<R[]> };
    create(fields: Omit<R, 'id' | 'created_at' | 'updated_at'>): Promise<R>;
    update(r: R, changes: Partial<R>): Promise<R>;
    destroy(r: R): Promise<void>;
    emptyValue(f: string): unknown;
    defaults: Partial<R>;
  }

  function routes<R extends VolumeConnector | VolumeTarget>(k: Kind<R>) {
    const noun = k.resource;
    const Noun = noun[0].toUpperCase() + noun.slice(1);
    const find = async (ident: string) => {
      if (!isUuidLike(ident)) throw new InvalidParameterValue(`Expected a UUID but received ${ident}.`);
      const r = await k.repo.getByUuid(ident.toLowerCase());
      if (!r) throw new NotFound(`${Noun} ${ident} could not be found.`);
      return r;
    };
    const list = async (request: FastifyRequest, detailPath: boolean, fixed: Filters, path: string) => {
      requireVersion(request, VOLUME_MINOR);
      const q = request.query as Query;
      checkQuery(q, { node: VOLUME_MINOR }, request.minor);
      // Volume lists took ?detail= from the start (1.32), before other lists did (1.43).
      const { detail: detailParam, ...rest } = q;
      const detail = detailPath || (detailParam !== undefined && parseBoolParam('detail', detailParam));
      const lq = parseListQuery(rest, {
        minor: request.minor, maxLimit: config.api.maxLimit, fieldSince: k.shape.fieldSince, detailPath: detail,
        unsortable: VOLUME_UNSORTABLE_FIELDS,
      });
      const filters: Filters = { ...fixed };
      if (q.node !== undefined && fixed.node_uuid === undefined) filters.node_uuid = (await conductor.core.getNode(q.node)).uuid;
      const marker = lq.marker ? await k.repo.getByUuid(lq.marker.toLowerCase()) : undefined;
      if (lq.marker && !marker) throw new NotFound(`${Noun} ${lq.marker} could not be found.`);
      const rows = await k.repo.list({ filters, limit: lq.limit, marker, sortKey: lq.sortKey, sortDir: lq.sortDir });
      const base = deps.base(request);
      const fields = lq.fields ?? volumeFields(k.shape, request.minor, lq.detail);
      return collection(k.plural, rows.map((r) => volumeRecordView(k.shape, r, base, fields)), lq.limit,
        `${base}/v1/${path}${detailPath ? '/detail' : ''}`, q, (r) => r.uuid as string);
    };
    const col = `/v1/volume/${k.plural}`;
    app.get(col, (request) => list(request, false, {}, `volume/${k.plural}`));
    app.get(`${col}/detail`, (request) => list(request, true, {}, `volume/${k.plural}`));
    app.get(`/v1/nodes/:node/volume/${k.plural}`, async (request) => {
      requireVersion(request, VOLUME_MINOR);
      const node = await conductor.core.getNode((request.params as { node: string }).node);
      return list(request, false, { node_uuid: node.uuid }, `nodes/${node.uuid}/volume/${k.plural}`);
    });
    app.get(`${col}/:id`, async (request) => {
      requireVersion(request, VOLUME_MINOR);
      const fields = parseFields((request.query as Query).fields, request.minor, k.shape.fieldSince);
      const r = await find((request.params as { id: string }).id);
      return volumeRecordView(k.shape, r, deps.base(request), fields ?? volumeFields(k.shape, request.minor, true));
    });
    app.post(col, async (request, reply) => {
      requireVersion(request, VOLUME_MINOR);
      const body = checkFields(noun, request.body, k.spec, request.minor, k.required) as Partial<R>;
      const r = await k.create({ ...k.defaults, ...body, uuid: body.uuid ?? randomUUID() } as Omit<R, 'id' | 'created_at' | 'updated_at'>);
      const base = deps.base(request);
      void reply.code(201).header('Location', `${base}${col}/${r.uuid}`);
      return volumeRecordView(k.shape, r, base, volumeFields(k.shape, request.minor, true));
    });
    app.patch(`${col}/:id`, async (request) => {
      requireVersion(request, VOLUME_MINOR);
      const r = await find((request.params as { id: string }).id);
      const patchable = new Set(Object.keys(k.spec).filter((f) => f !== 'uuid'));
      const changes = patchChanges(r, request.body, {
        resource: noun, spec: k.spec, patchable, mandatory: new Set(k.required), since: k.shape.fieldSince,
        emptyValue: (f) => k.emptyValue(f),
      }, request.minor);
      const updated = Object.keys(changes).length > 0 ? await k.update(r, changes as Partial<R>) : r;
      return volumeRecordView(k.shape, updated, deps.base(request), volumeFields(k.shape, request.minor, true));
    });
    app.delete(`${col}/:id`, async (request, reply) => {
      requireVersion(request, VOLUME_MINOR);
      await k.destroy(await find((request.params as { id: string }).id));
      return reply.code(204).send();
    });
  }

  routes<VolumeConnector>({
    shape: CONNECTOR_SHAPE, spec: CONNECTOR_SPEC, plural: 'connectors', resource: 'volume connector',
    required: ['node_uuid', 'type', 'connector_id'], repo: store.volumeConnectors,
    create: (f) => conductor.ports.createVolumeConnector(f),
    update: (r, c) => conductor.ports.updateVolumeConnector(r, c),
    destroy: (r) => conductor.ports.destroyVolumeConnector(r),
    emptyValue: (f) => (f === 'extra' ? {} : null),
    defaults: { extra: {} },
  });
  routes<VolumeTarget>({
    shape: TARGET_SHAPE, spec: TARGET_SPEC, plural: 'targets', resource: 'volume target',
    required: ['node_uuid', 'volume_type', 'boot_index', 'volume_id'], repo: store.volumeTargets,
    create: (f) => conductor.ports.createVolumeTarget(f),
    update: (r, c) => conductor.ports.updateVolumeTarget(r, c),
    destroy: (r) => conductor.ports.destroyVolumeTarget(r),
    emptyValue: (f) => (f === 'extra' || f === 'properties' ? {} : null),
    defaults: { extra: {}, properties: {} },
  });
}
