import type { Node } from './node.js';
import { ProvisionState } from './provision-state-machine.js';

/** States in which an agent may look its node up and heartbeat: the node is waiting for, or working with, it. */
export const LOOKUP_ALLOWED_STATES: ReadonlySet<string> = new Set([
  ProvisionState.deploying, ProvisionState.waitCallBack, ProvisionState.cleaning, ProvisionState.cleanWait,
  ProvisionState.inspecting, ProvisionState.inspectWait, ProvisionState.rescuing, ProvisionState.rescueWait,
  ProvisionState.serviceWait,
]);

/** Where the node keeps its agent's secret; the lookup hands it out once. */
export const AGENT_TOKEN_KEY = 'agent_secret_token';

/** A heartbeat's token is valid only when the node has one and it matches exactly; a missing token never is. */
export function isAgentTokenValid(node: Node, token: unknown): boolean {
  const stored = node.driver_internal_info[AGENT_TOKEN_KEY];
  return typeof stored === 'string' && stored !== '' && typeof token === 'string' && token === stored;
}

/** What the agent tells about itself in a heartbeat, after the API checked the request. */
export interface Heartbeat {
  callbackUrl: string;
  agentToken: string | undefined;
  agentVersion: string | undefined;
  agentVerifyCa: string | undefined;
  agentStatus: string | undefined;
  agentStatusMessage: string | undefined;
}
