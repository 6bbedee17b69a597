import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidParameterValue, MethodNotAllowed, NotAcceptable, NotFound, invalidUuidOrName } from '../../domain/errors.js';
import type { HistoryEvent } from '../../domain/resources.js';
import { isUuidLike, isValidLogicalName, parseBool } from '../../domain/validation.js';
import { BOOT_DEVICES, type BootDevice } from '../../drivers/interfaces.js';
import type { ApiDeps } from '../app.js';
import { objectBody, onlyKeys } from '../body.js';
import { collection, parseBoolParam, parseLimit, type Query } from '../collection.js';
import { resourceLinks } from '../links.js';

function requireMinor(request: FastifyRequest, since: number, what: string): void {
  // Endpoints that do not exist yet at the requested version are 404, as in Ironic.
  if (request.minor < since) throw new NotFound(`${what} requires API version 1.${since} or later.`);
}

function historyView(e: HistoryEvent, base: string, detail: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    uuid: e.uuid, created_at: e.created_at, severity: e.severity, event: e.event,
    links: resourceLinks(base, `nodes/${e.node_uuid}/history`, e.uuid),
  };
  if (detail) Object.assign(out, { event_type: e.event_type, conductor: e.conductor, user: e.user });
  return out;
}

/** Node sub-resources besides states: maintenance, management, traits, VIFs, validation, history. */
export function registerNodeExtras(app: FastifyInstance, deps: ApiDeps): void {
  const { conductor, store } = deps;
  const nodeParam = (request: FastifyRequest) => (request.params as { node: string }).node;

  app.put('/v1/nodes/:node/maintenance', async (request, reply) => {
    const body = request.body === undefined || request.body === null ? {} : objectBody(request.body);
    onlyKeys(body, ['reason']);
    if (body.reason !== undefined && body.reason !== null && typeof body.reason !== 'string') {
      throw new InvalidParameterValue('"reason" must be a string.');
    }
    await conductor.nodes.setMaintenance(nodeParam(request), true, (body.reason as string | undefined) ?? null);
    return reply.code(202).send();
  });
  app.delete('/v1/nodes/:node/maintenance', async (request, reply) => {
    await conductor.nodes.setMaintenance(nodeParam(request), false, null);
    return reply.code(202).send();
  });

  app.get('/v1/nodes/:node/management/boot_device', (request) => conductor.power.getBootDevice(nodeParam(request)));
  app.get('/v1/nodes/:node/management/boot_device/supported', async (request) => ({
    supported_boot_devices: await conductor.power.getSupportedBootDevices(nodeParam(request)),
  }));
  app.put('/v1/nodes/:node/management/boot_device', async (request, reply) => {
    const body = objectBody(request.body);
    onlyKeys(body, ['boot_device', 'persistent']);
    const device = body.boot_device;
    if (typeof device !== 'string' || !(BOOT_DEVICES as readonly string[]).includes(device)) {
      throw new InvalidParameterValue(`Invalid boot device ${JSON.stringify(device)} specified.`);
    }
    const persistent = body.persistent === undefined ? false : parseBool(body.persistent);
    if (persistent === undefined) throw new InvalidParameterValue('"persistent" must be a boolean.');
    await conductor.power.setBootDevice(nodeParam(request), device as BootDevice, persistent);
    return reply.code(204).send();
  });
  app.put('/v1/nodes/:node/management/inject_nmi', async (request, reply) => {
    requireMinor(request, 29, 'Injecting NMI');
    noBody(request);
    await conductor.power.injectNmi(nodeParam(request));
    return reply.code(204).send();
  });

  // Below 1.37 Ironic answers traits calls with 406 (read), 405 (write) and 404 (delete); clients test for it.
  const traitsAllowed = (request: FastifyRequest, status: 404 | 405 | 406) => {
    if (request.minor >= 37) return;
    if (status === 406) throw new NotAcceptable('Node traits require API version 1.37 or later.');
    if (status === 405) throw new MethodNotAllowed('Node traits require API version 1.37 or later.');
    throw new NotFound('Node traits require API version 1.37 or later.');
  };
  const noBody = (request: FastifyRequest) => {
    if (request.body === undefined || request.body === null) return;
    if (Object.keys(objectBody(request.body)).length > 0) throw new InvalidParameterValue('This request takes no body.');
  };

  app.get('/v1/nodes/:node/traits', async (request) => {
    traitsAllowed(request, 406);
    const node = await conductor.core.getNode(nodeParam(request));
    return { traits: [...node.traits].sort() };
  });
  app.put('/v1/nodes/:node/traits', async (request, reply) => {
    traitsAllowed(request, 405);
    const body = objectBody(request.body);
    onlyKeys(body, ['traits']);
    if (!Array.isArray(body.traits)) throw new InvalidParameterValue('"traits" must be a list of strings.');
    await conductor.nodes.setTraits(nodeParam(request), body.traits as string[]);
    return reply.code(204).send();
  });
  app.put('/v1/nodes/:node/traits/:trait', async (request, reply) => {
    traitsAllowed(request, 405);
    noBody(request);
    await conductor.nodes.addTrait(nodeParam(request), (request.params as { trait: string }).trait);
    return reply.code(204).send();
  });
  app.delete('/v1/nodes/:node/traits', async (request, reply) => {
    traitsAllowed(request, 404);
    await conductor.nodes.removeTrait(nodeParam(request), null);
    return reply.code(204).send();
  });
  app.delete('/v1/nodes/:node/traits/:trait', async (request, reply) => {
    traitsAllowed(request, 404);
    await conductor.nodes.removeTrait(nodeParam(request), (request.params as { trait: string }).trait);
    return reply.code(204).send();
  });

  app.get('/v1/nodes/:node/vifs', async (request) => {
    requireMinor(request, 28, 'VIFs');
    return { vifs: await conductor.ports.vifList(nodeParam(request)) };
  });
  app.post('/v1/nodes/:node/vifs', async (request, reply) => {
    requireMinor(request, 28, 'VIFs');
    const body = objectBody(request.body);
    const allowed = request.minor >= 67 ? ['id', 'port_uuid', 'portgroup_uuid'] : ['id'];
    onlyKeys(body, allowed);
    if (typeof body.id !== 'string' || body.id === '') throw new InvalidParameterValue('"id" of the VIF is required.');
    if (!isUuidLike(body.id) && !isValidLogicalName(body.id)) throw invalidUuidOrName(body.id);
    for (const k of ['port_uuid', 'portgroup_uuid']) {
      if (body[k] !== undefined && !isUuidLike(body[k])) throw new InvalidParameterValue(`Expected a UUID for ${k}.`);
    }
    await conductor.ports.vifAttach(nodeParam(request), body as { id: string });
    return reply.code(204).send();
  });
  app.delete('/v1/nodes/:node/vifs/:vif', async (request, reply) => {
    requireMinor(request, 28, 'VIFs');
    await conductor.ports.vifDetach(nodeParam(request), (request.params as { vif: string }).vif);
    return reply.code(204).send();
  });

  // The firmware interface exists from 1.86 on.
  const validation = async (request: FastifyRequest, ident: string) => {
    const result = await conductor.nodes.validate(ident);
    if (request.minor < 86) delete result.firmware;
    return result;
  };
  app.get('/v1/nodes/:node/validate', (request) => validation(request, nodeParam(request)));
  app.get('/v1/nodes/validate', async (request) => {
    const { node } = request.query as Query;
    if (!node) throw new InvalidParameterValue('The "node" query parameter is required.');
    return validation(request, node);
  });

  app.get('/v1/nodes/:node/history', async (request) => {
    requireMinor(request, 78, 'Node history');
    const node = await conductor.core.getNode(nodeParam(request));
    const q = request.query as Query;
    const detail = q.detail !== undefined && parseBoolParam('detail', q.detail);
    const limit = parseLimit(q.limit, deps.config.api.maxLimit);
    const marker = q.marker ? await store.history.getByUuid(q.marker) : undefined;
    if (q.marker && !marker) throw new InvalidParameterValue(`History event ${q.marker} could not be found (marker).`);
    const events = await store.history.list({ filters: { node_uuid: node.uuid }, limit, marker });
    const base = deps.base(request);
    return collection('history', events.map((e) => historyView(e, base, detail)), limit,
      `${base}/v1/nodes/${node.uuid}/history`, q, (e) => e.uuid as string);
  });
  app.get('/v1/nodes/:node/history/:event', async (request) => {
    requireMinor(request, 78, 'Node history');
    const node = await conductor.core.getNode(nodeParam(request));
    const event = await store.history.getByUuid((request.params as { event: string }).event);
    if (!event || event.node_uuid !== node.uuid) throw new NotFound(`Node history record ${(request.params as { event: string }).event} could not be found.`);
    return historyView(event, deps.base(request), true);
  });
}
