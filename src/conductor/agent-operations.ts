import { randomBytes } from 'node:crypto';
import { AGENT_TOKEN_KEY, LOOKUP_ALLOWED_STATES, isAgentTokenValid, type Heartbeat } from '../domain/agent.js';
import { InvalidParameterValue, NodeLocked, NotFound } from '../domain/errors.js';
import type { JsonObject, Node } from '../domain/node.js';
import type { ConductorCore } from './conductor.js';
import type { NodeTask } from './node-task.js';
import { ProvisionState } from '../domain/provision-state-machine.js';
import { inventoryMacs } from '../drivers/agent/inventory-rules.js';
import { resumeClean, resumeDeploy, resumeInspection } from './flows/agent-flows.js';

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
      // The node may have moved on since it was found: a token is only handed out while an agent is awaited.
      if (restrict && !LOOKUP_ALLOWED_STATES.has(task.node.provision_state)) throw new NotFound('Resource could not be found.');
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
    // The token is checked before anything is reserved: a wrong one is refused whoever holds the node.
    if (!isAgentTokenValid(await this.core.getNode(ident), hb.agentToken)) throw new InvalidParameterValue('Invalid or missing agent token received.');
    let task: NodeTask;
    try {
      task = await this.core.acquire(ident, 'heartbeat');
    } catch (e) {
      // Busy (a step running, an operator's action): this heartbeat is skipped, the next one is taken, as in Ironic.
      if (e instanceof NodeLocked) return;
      throw e;
    }
    let handedOver = false;
    try {
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

      // A node in maintenance only records heartbeats; one that waits for its agent goes on with its action.
      const next = node.maintenance || hb.callbackUrl === '' ? undefined : this.continuation(task);
      if (!next) return;
      let claim;
      try {
        claim = this.core.claimWorker();
      } catch (e) {
        // The agent heartbeats again soon; the action goes on then.
        task.log.warn({ err: (e as Error).message }, 'no free worker to continue after the heartbeat');
        return;
      }
      handedOver = true;
      void this.core.spawn(task, next, claim);
    } finally {
      if (!handedOver) await task.release();
    }
  }

  /** What a heartbeat sets going, by the state the node waits in; undefined when it only records the heartbeat. */
  private continuation(task: NodeTask): ((t: NodeTask) => Promise<void>) | undefined {
    const { deploy } = task.interfaces;
    switch (task.node.provision_state) {
      case ProvisionState.waitCallBack:
        return deploy.continueDeploy ? resumeDeploy : undefined;
      case ProvisionState.cleanWait:
        return deploy.continueClean ? resumeClean : undefined;
      default:
        return undefined;
    }
  }

  /**
   * In-band inspection data from an agent (`POST /v1/continue_inspection`): the node is found by the MACs of the
   * inventory and must wait in `inspect wait`; the data is then processed in the background. Returns the node.
   */
  async continueInspection(data: JsonObject): Promise<Node> {
    const macs = inventoryMacs(data);
    if (macs.length === 0) throw new InvalidParameterValue('No lookup information provided: the inspection data names no interface with a MAC address');
    const owners = new Set<string>();
    for (const mac of macs) {
      const port = await this.core.store.ports.getByAddress(mac);
      if (port) owners.add(port.node_uuid);
    }
    if (owners.size > 1) {
      throw new InvalidParameterValue(`The MAC addresses of the inspection data belong to more than one node (${[...owners].join(', ')}): refusing to guess`);
    }
    const found = owners.size === 1 ? await this.core.store.nodes.getByUuid([...owners][0]) : undefined;
    // Ironic answers any node that is not being inspected like an unknown one: inspection data is no way to probe.
    if (!found || found.provision_state !== ProvisionState.inspectWait) throw new NotFound('Resource could not be found.');
    const task = await this.core.acquire(found, 'inspection data');
    let handedOver = false;
    try {
      if (task.node.provision_state !== ProvisionState.inspectWait) throw new NotFound('Resource could not be found.');
      if (!task.interfaces.inspect.continueInspection) {
        throw new InvalidParameterValue(`Node ${task.node.uuid} is inspected by its ${task.interfaces.inspect.name} inspect interface, which takes no in-band data`);
      }
      const claim = this.core.claimWorker();
      // The answer shows the node processing the data (inspecting), as Ironic's does.
      await task.fire('resume');
      handedOver = true;
      void this.core.spawn(task, (t) => resumeInspection(t, data), claim);
      return task.node;
    } finally {
      if (!handedOver) await task.release();
    }
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
