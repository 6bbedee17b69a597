import { randomBytes } from 'node:crypto';
import { AGENT_TOKEN_KEY, LOOKUP_ALLOWED_STATES, isAgentTokenValid, type Heartbeat } from '../domain/agent.js';
import { InvalidParameterValue, NotFound } from '../domain/errors.js';
import type { JsonObject, Node } from '../domain/node.js';
import type { ConductorCore } from './conductor.js';

/** The conductor's side of the agent protocol: lookup (with the one-time token) and heartbeats. */
export class AgentOperations {
  constructor(private readonly core: ConductorCore) {}

  /**
   * Finds the node an agent runs on, by node UUID or by its MACs, and hands out the node's agent token the first
   * time (later lookups get the mask: only the agent that asked first can heartbeat). With `restrict`, only
   * nodes that wait for an agent are found; the answer for others is the same 404 as for unknown ones.
   */
  async lookup(addresses: readonly string[], nodeUuid: string | undefined, restrict: boolean): Promise<{ node: Node; token: string }> {
    const node = await this.find(addresses, nodeUuid);
    if (!node || (restrict && !LOOKUP_ALLOWED_STATES.has(node.provision_state))) throw new NotFound('Resource could not be found.');
    return this.core.withTask(node, 'agent lookup', async (task) => {
      if (typeof task.node.driver_internal_info[AGENT_TOKEN_KEY] === 'string') return { node: task.node, token: '******' };
      const token = randomBytes(32).toString('base64url');
      await task.save({ driver_internal_info: { ...task.node.driver_internal_info, [AGENT_TOKEN_KEY]: token } });
      return { node: task.node, token };
    });
  }

  /**
   * Records a heartbeat: where the agent listens, its version, when it was last heard. A heartbeat with a wrong or
   * missing token, or from a node that waits for no agent, changes nothing.
   */
  async heartbeat(ident: string, hb: Heartbeat): Promise<void> {
    await this.core.withTask(ident, 'heartbeat', async (task) => {
      const node = task.node;
      if (!isAgentTokenValid(node, hb.agentToken)) throw new InvalidParameterValue('Invalid or missing agent token received.');
      const info = node.driver_internal_info;
      if (typeof info.agent_url === 'string' && hb.callbackUrl !== '' && info.agent_url !== hb.callbackUrl) {
        throw new InvalidParameterValue('Detected change in ramdisk provided "callback_url"');
      }
      if (!node.maintenance && !LOOKUP_ALLOWED_STATES.has(node.provision_state)) {
        task.log.warn({ state: node.provision_state }, 'heartbeat from a node that waits for no agent; nothing to do');
        return;
      }
      const recorded: JsonObject = { ...info, agent_last_heartbeat: this.core.now() };
      if (hb.callbackUrl !== '') recorded.agent_url = hb.callbackUrl;
      if (hb.agentVersion !== undefined) recorded.agent_version = hb.agentVersion;
      if (hb.agentVerifyCa !== undefined) recorded.agent_verify_ca = hb.agentVerifyCa;
      await task.save({ driver_internal_info: recorded });
    });
  }

  private async find(addresses: readonly string[], nodeUuid: string | undefined): Promise<Node | undefined> {
    if (nodeUuid) return this.core.store.nodes.getByUuid(nodeUuid.toLowerCase());
    for (const mac of addresses) {
      const port = await this.core.store.ports.getByAddress(mac.toLowerCase());
      if (port) return this.core.store.nodes.getByUuid(port.node_uuid);
    }
    return undefined;
  }
}
