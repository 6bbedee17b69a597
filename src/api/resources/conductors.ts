import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Conductor } from '../../domain/resources.js';
import { InvalidParameterValue, NotFound } from '../../domain/errors.js';
import type { ApiDeps } from '../app.js';
import { collection, parseFields, parseListQuery, type Query } from '../collection.js';
import {
  CONDUCTORS_MINOR, CONDUCTOR_DETAIL_FIELDS, CONDUCTOR_FIELD_SINCE, CONDUCTOR_LIST_FIELDS, CONDUCTOR_UNSORTABLE_FIELDS,
  conductorView, isConductorAlive,
} from '../views/conductor-view.js';

const LIST_PARAMS = new Set(['limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'detail']);

const conductorNotFound = (hostname: string) => new NotFound(`Conductor ${hostname} could not be found.`);

function requireConductors(request: FastifyRequest): void {
  // The endpoint does not exist before 1.49.
  if (request.minor < CONDUCTORS_MINOR) throw new NotFound('The resource could not be found.');
}

/** `/v1/conductors`: the registered conductors, named by hostname; pages are keyed by hostname too. */
export function registerConductors(app: FastifyInstance, deps: ApiDeps): void {
  const { store, config } = deps;
  const alive = (c: Conductor) => isConductorAlive(c, config.conductor.heartbeatTimeout);

  app.get('/v1/conductors', async (request) => {
    requireConductors(request);
    const q = request.query as Query;
    for (const key of Object.keys(q)) {
      if (!LIST_PARAMS.has(key)) throw new InvalidParameterValue(`Unknown argument: "${key}"`);
    }
    const lq = parseListQuery(q, {
      minor: request.minor, maxLimit: config.api.maxLimit, fieldSince: CONDUCTOR_FIELD_SINCE,
      unsortable: CONDUCTOR_UNSORTABLE_FIELDS, defaultSortKey: 'id',
    });
    const marker = lq.marker !== undefined ? await store.conductors.getByHostname(lq.marker) : undefined;
    if (lq.marker !== undefined && !marker) throw conductorNotFound(lq.marker);
    const rows = await store.conductors.list({ limit: lq.limit, marker, sortKey: lq.sortKey, sortDir: lq.sortDir });
    const base = deps.base(request);
    const fields = lq.fields ?? (lq.detail ? CONDUCTOR_DETAIL_FIELDS : CONDUCTOR_LIST_FIELDS);
    // The marker is the last row's hostname, whether or not the selected fields show it.
    const last = rows[rows.length - 1];
    return collection('conductors', rows.map((c) => conductorView(c, base, fields, alive(c))), lq.limit,
      `${base}/v1/conductors`, q, () => last.hostname);
  });

  app.get('/v1/conductors/:hostname', async (request) => {
    requireConductors(request);
    const { hostname } = request.params as { hostname: string };
    const fields = parseFields((request.query as Query).fields, request.minor, CONDUCTOR_FIELD_SINCE);
    const c = await store.conductors.getByHostname(hostname);
    if (!c) throw conductorNotFound(hostname);
    return conductorView(c, deps.base(request), fields ?? CONDUCTOR_DETAIL_FIELDS, alive(c));
  });
}
