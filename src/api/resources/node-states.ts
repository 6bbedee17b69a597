import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidParameterValue, NotAcceptable, NotFound } from '../../domain/errors.js';
import { checkProvisionRequest } from '../../domain/provision-request.js';
import { parseBool } from '../../domain/validation.js';
import type { JsonObject } from '../../domain/node.js';
import { PowerStates, type PowerTarget } from '../../drivers/interfaces.js';
import type { ApiDeps } from '../app.js';
import { objectBody, onlyKeys } from '../body.js';
import { nodeStatesView } from '../views/node-view.js';
import { nodeViewContext } from './nodes.js';

const POWER_TARGETS: Record<string, number> = {
  [PowerStates.on]: 1, [PowerStates.off]: 1, [PowerStates.rebooting]: 1,
  [PowerStates.softOff]: 27, [PowerStates.softRebooting]: 27,
};

export function registerNodeStates(app: FastifyInstance, deps: ApiDeps): void {
  const { conductor } = deps;

  const accepted = (reply: import('fastify').FastifyReply, base: string, uuid: string) =>
    reply.code(202).header('Location', `${base}/v1/nodes/${uuid}/states`).send();

  app.get('/v1/nodes/:node/states', async (request) => {
    const node = await conductor.core.getNode((request.params as { node: string }).node);
    return nodeStatesView(node, nodeViewContext(deps, request));
  });

  app.put('/v1/nodes/:node/states/power', async (request, reply) => {
    const node = await conductor.core.getNode((request.params as { node: string }).node);
    const body = objectBody(request.body);
    onlyKeys(body, ['target', 'timeout']);
    const target = body.target;
    const since = typeof target === 'string' ? POWER_TARGETS[target] : undefined;
    if (since === undefined) {
      throw new InvalidParameterValue(`Invalid power state target ${JSON.stringify(target)}: use one of ${Object.keys(POWER_TARGETS).join(', ')}.`);
    }
    if (since > request.minor) throw new NotAcceptable(`The power target "${String(target)}" requires API version 1.${since} or later.`);
    let timeout: number | undefined;
    if (body.timeout !== undefined && body.timeout !== null) {
      if (request.minor < 27) throw new NotAcceptable('"timeout" requires API version 1.27 or later.');
      if (typeof body.timeout !== 'number' || !Number.isInteger(body.timeout) || body.timeout < 1) {
        throw new InvalidParameterValue(`Invalid timeout value ${JSON.stringify(body.timeout)}: it must be a positive integer.`);
      }
      timeout = body.timeout;
    }
    await conductor.power.changePowerState(node.uuid, target as PowerTarget, timeout);
    return accepted(reply, deps.base(request), node.uuid);
  });

  app.put('/v1/nodes/:node/states/provision', async (request, reply) => {
    const node = await conductor.core.getNode((request.params as { node: string }).node);
    const req = checkProvisionRequest(node, objectBody(request.body), request.minor);
    await conductor.provision(node.uuid, req);
    return accepted(reply, deps.base(request), node.uuid);
  });

  app.put('/v1/nodes/:node/states/raid', async (request, reply) => {
    if (request.minor < 12) throw new NotAcceptable('RAID configuration requires API version 1.12 or later.');
    const node = await conductor.core.getNode((request.params as { node: string }).node);
    const body = objectBody(request.body);
    onlyKeys(body, ['logical_disks']);
    if (!Array.isArray(body.logical_disks)) throw new InvalidParameterValue('"logical_disks" must be a list.');
    await conductor.nodes.setTargetRaidConfig(node.uuid, body as JsonObject);
    return reply.code(204).send();
  });

  const consoleState = (request: FastifyRequest) => conductor.power.getConsole((request.params as { node: string }).node);
  app.get('/v1/nodes/:node/states/console', consoleState);
  // Ironic's router also answers this inverted path, and ironic-tempest-plugin's client uses it.
  app.get('/v1/nodes/states/console/:node', consoleState);

  app.put('/v1/nodes/:node/states/console', async (request, reply) => {
    const node = await conductor.core.getNode((request.params as { node: string }).node);
    const body = objectBody(request.body);
    onlyKeys(body, ['enabled']);
    const enabled = parseBool(body.enabled);
    if (enabled === undefined) throw new InvalidParameterValue('"enabled" must be a boolean.');
    await conductor.power.setConsole(node.uuid, enabled);
    return accepted(reply, deps.base(request), node.uuid);
  });

  app.put('/v1/nodes/:node/states/boot_mode', async (request, reply) => {
    if (request.minor < 76) throw new NotFound('The resource could not be found.');
    const node = await conductor.core.getNode((request.params as { node: string }).node);
    const body = objectBody(request.body);
    onlyKeys(body, ['target']);
    if (body.target !== 'uefi' && body.target !== 'bios') throw new InvalidParameterValue('"target" must be "uefi" or "bios".');
    await conductor.power.setBootMode(node.uuid, body.target);
    return accepted(reply, deps.base(request), node.uuid);
  });

  app.put('/v1/nodes/:node/states/secure_boot', async (request, reply) => {
    if (request.minor < 76) throw new NotFound('The resource could not be found.');
    const node = await conductor.core.getNode((request.params as { node: string }).node);
    const body = objectBody(request.body);
    onlyKeys(body, ['target']);
    if (typeof body.target !== 'boolean') throw new InvalidParameterValue('"target" must be a boolean.');
    await conductor.power.setSecureBoot(node.uuid, body.target);
    return accepted(reply, deps.base(request), node.uuid);
  });
}
