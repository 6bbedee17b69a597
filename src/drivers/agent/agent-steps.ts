/**
 * Running steps on a node's agent: where it is (the callback_url of its heartbeats), the token it took at lookup,
 * and one step run to its end. Ironic follows a running step across heartbeats; here the task that continues the
 * node polls the agent until the step ends, holding the node's reservation, so nothing else can act on a node
 * whose disk is being written.
 */
import { AgentClient, AgentCommandError, type CommandResult } from '../../clients/agent/agent-client.js';
import { AGENT_TOKEN_KEY } from '../../domain/agent.js';
import type { JsonObject } from '../../domain/node.js';
import type { TaskContext } from '../interfaces.js';
import type { BootSettings } from '../pxe/boot-settings.js';
import { text } from './clean-plan.js';

export interface AgentDriverSettings {
  /** Where nodes boot from; its apiUrl is the API agents call back (read when used: it is final once the API listens). */
  boot: Pick<BootSettings, 'apiUrl'>;
  /** Bound of one HTTP exchange with the agent (`[agent] command_timeout`). */
  commandTimeoutMs: number;
  /** How often a running step is polled. */
  pollIntervalMs: number;
  /**
   * Bound of one long step (writing an image, erasing a disk): `[agent] step_timeout`; Infinity when unbounded
   * (an agent that answers its polls is alive, as Ironic judges it by its heartbeats).
   */
  stepTimeoutMs: number;
  /** `[deploy] erase_devices_priority` / `erase_devices_metadata_priority`; undefined keeps the agent's. */
  erasePriorities: { erase_devices?: number; erase_devices_metadata?: number };
  /** `[inspector] add_ports`: which inspected NICs become ports. */
  addPorts: 'all' | 'active' | 'pxe' | 'disabled';
}

export interface AgentStepOffer {
  steps: JsonObject[];
  managerVersions: JsonObject;
}

export class AgentSteps {
  readonly client: AgentClient;

  constructor(readonly settings: AgentDriverSettings) {
    this.client = new AgentClient({ requestTimeoutMs: settings.commandTimeoutMs, pollIntervalMs: settings.pollIntervalMs });
  }

  /** The agent's address and token, or an error saying the agent has not reported yet. */
  endpoint(task: TaskContext): { url: string; token: string } {
    const info = task.node.driver_internal_info;
    const url = info.agent_url;
    const token = info[AGENT_TOKEN_KEY];
    if (typeof url !== 'string' || url === '' || typeof token !== 'string' || token === '') {
      throw new AgentCommandError(`node ${task.node.uuid} has no agent to talk to: no heartbeat with a callback_url and token yet`);
    }
    return { url, token };
  }

  /**
   * The steps the agent offers for `kind`, flattened across its hardware managers, and the versions of those
   * managers, which every step run must quote back (IPA refuses a step planned against other managers).
   */
  async offered(task: TaskContext, kind: 'clean' | 'deploy'): Promise<AgentStepOffer> {
    const { url, token } = this.endpoint(task);
    const res = await this.client.runSync(url, token, `${kind}.get_${kind}_steps`, { node: nodeForAgent(task), ports: [] });
    const byManager = (res.command_result?.[`${kind}_steps`] ?? {}) as Record<string, JsonObject[]>;
    const versions = res.command_result?.hardware_manager_version;
    return {
      steps: Object.values(byManager).flat(),
      managerVersions: typeof versions === 'object' && versions !== null && !Array.isArray(versions) ? (versions as JsonObject) : {},
    };
  }

  /** Runs one step on the agent to its end; a failed step throws with the agent's words. */
  async run(task: TaskContext, kind: 'clean' | 'deploy', step: JsonObject, managerVersions: JsonObject): Promise<CommandResult> {
    const { url, token } = this.endpoint(task);
    const started = await this.client.start(url, token, `${kind}.execute_${kind}_step`, {
      step, node: nodeForAgent(task), ports: task.ports.map((p) => ({ address: p.address, uuid: p.uuid })),
      [`${kind}_version`]: managerVersions,
    });
    const done = started.command_status === 'RUNNING'
      ? await this.client.waitFor(url, token, started.id, this.settings.stepTimeoutMs)
      : started;
    if (done.command_status === 'FAILED') {
      const e = done.command_error;
      throw new AgentCommandError(`${kind} step ${text(step.step)} failed on the agent: ${[e?.message, e?.details].filter(Boolean).join(': ')}`);
    }
    return done;
  }
}

/** What the agent is told of its node: the fields IPA reads, no secrets (driver_info holds BMC credentials). */
function nodeForAgent(task: TaskContext): JsonObject {
  const n = task.node;
  return { uuid: n.uuid, properties: n.properties, instance_info: {}, driver_internal_info: {} };
}
