import type { FastifyInstance } from 'fastify';
import { NotFound } from '../../domain/errors.js';
import type { ApiDeps } from '../app.js';

/** What in-band inspection last found on a node (Ironic 1.81): the agent's inventory and the rest of its report. */
export function registerNodeInventory(app: FastifyInstance, deps: ApiDeps): void {
  const { conductor, store } = deps;
  app.get('/v1/nodes/:node/inventory', async (request) => {
    // As in Ironic, the endpoint does not exist before 1.81.
    if (request.minor < 81) throw new NotFound('The resource could not be found.');
    const node = await conductor.core.getNode((request.params as { node: string }).node);
    const record = await store.nodeInventory.getForNode(node.uuid);
    if (!record) throw new NotFound(`Node inventory record for node ${node.uuid} could not be found.`);
    return { inventory: record.inventory_data, plugin_data: record.plugin_data };
  });
}
