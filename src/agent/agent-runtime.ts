import { Agent, type AgentConfig } from './command-api.js';
import { inspect } from './inspection.js';
import { heartbeat, lookupNode } from './ironic-client.js';

export interface AgentRuntimeOptions extends AgentConfig {
  /** The Bare Metal API, e.g. `http://192.0.2.1:6385`. */
  apiUrl: string;
  /** The address the conductor reaches this agent at (the host of `callback_url`); default: the listen host. */
  advertiseHost?: string;
  /** How long to keep looking the node up after start (and, first, to keep sending inspection data). */
  lookupTimeoutMs?: number;
  /** From `ipa-inspection-callback-url`: where to send the hardware inventory before the lookup. */
  inspectionCallbackUrl?: string;
  /** From BOOTIF (`01-aa-bb-..`): the NIC the server network-booted from. */
  bootInterface?: string;
}

export interface RunningAgent {
  agent: Agent;
  nodeUuid: string;
  callbackUrl: string;
  stop(): Promise<void>;
}

/**
 * The agent's life on a server: serve the command API, send the hardware inventory when the command line asks for
 * inspection, look the node up by the server's MACs (which also hands out the agent token), then heartbeat so the
 * conductor knows where to reach it — every 30–60 % of the heartbeat timeout the API asked for, jittered as IPA
 * does so that a rack of agents does not beat in step.
 */
export async function runAgent(opts: AgentRuntimeOptions): Promise<RunningAgent> {
  const agent = new Agent(opts);
  const listening = await agent.start();
  const abort = new AbortController();
  const timeoutMs = opts.lookupTimeoutMs ?? 600_000;
  try {
    if (opts.inspectionCallbackUrl) {
      await inspect(opts.inspectionCallbackUrl, { disk: opts.disk, macs: opts.macs, bootInterface: opts.bootInterface },
        { log: agent.log, timeoutMs, signal: abort.signal });
    }
    const found = await lookupNode(opts.apiUrl, opts.macs, timeoutMs, abort.signal);
    if (found.config.agent_token === '******') {
      throw new Error(`node ${found.node.uuid} handed its agent token to an earlier lookup; reboot the node to get a new one`);
    }
    agent.token = found.config.agent_token;
    const port = new URL(listening).port;
    const callbackUrl = `http://${opts.advertiseHost ?? opts.listen.host}:${port}`;
    const nodeUuid = found.node.uuid;
    agent.log.info({ node: nodeUuid, callback_url: callbackUrl }, 'node found');

    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const beat = async () => {
      let taken = false;
      try {
        const status = await heartbeat(opts.apiUrl, nodeUuid, callbackUrl, found.config.agent_token);
        taken = status === 202;
        if (!taken) agent.log.warn({ status }, 'heartbeat refused');
      } catch (e) {
        agent.log.warn({ error: (e as Error).message }, 'heartbeat failed');
      }
      if (!stopped) {
        const period = found.config.heartbeat_timeout * 1000 * (0.3 + Math.random() * 0.3);
        // A heartbeat that did not get through is tried again soon (as IPA backs off briefly), not a period later.
        timer = setTimeout(() => void beat(), taken ? period : Math.min(period, 2000 + Math.random() * 3000));
      }
    };
    await beat();
    return {
      agent, nodeUuid, callbackUrl,
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await agent.stop();
      },
    };
  } catch (e) {
    abort.abort();
    await agent.stop();
    throw e;
  }
}
