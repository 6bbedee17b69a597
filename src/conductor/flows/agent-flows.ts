/**
 * The parts of deploy, cleaning and inspection that run when the node's agent reports back: a heartbeat while the
 * node waits in `wait call-back` or `clean wait`, or inspection data while it waits in `inspect wait`. Each runs in
 * a background task holding the node's reservation, from the wait state through the working state to the end.
 */
import type { JsonObject, Node } from '../../domain/node.js';
import { ProvisionState } from '../../domain/provision-state-machine.js';
import { now } from '../../store/store.js';
import { ReservationLost, type NodeTask } from '../node-task.js';
import { withoutKeys } from './cleaning.js';
import { cacheBiosSettings } from './bios-steps.js';

/** What a node keeps about its agent; none of it outlives the action the agent came for. */
export const AGENT_KEYS = ['agent_url', 'agent_secret_token', 'agent_last_heartbeat', 'agent_version', 'agent_verify_ca'] as const;

export function withoutAgent(info: JsonObject, more: readonly string[] = []): JsonObject {
  return withoutKeys(info, [...AGENT_KEYS, ...more]);
}

const DEPLOY_STATES: readonly string[] = [ProvisionState.deploying, ProvisionState.waitCallBack, ProvisionState.deployHold];
const CLEAN_STATES: readonly string[] = [ProvisionState.cleaning, ProvisionState.cleanWait, ProvisionState.cleanHold];
const INSPECT_STATES: readonly string[] = [ProvisionState.inspecting, ProvisionState.inspectWait];

/**
 * Fails the node's current action: first the interface's best-effort tidying (power off, undo the ramdisk boot),
 * then the failure state with the agent forgotten (its token can never be used again).
 */
export async function failAction(task: NodeTask, error: unknown, eventType: string, changes: Partial<Node> = {}): Promise<void> {
  // A node taken over by another conductor is that conductor's now: nothing here may touch its hardware.
  if (error instanceof ReservationLost) throw error;
  await tidyAfter(task, task.node.provision_state);
  await task.fail(error, eventType, { ...changes, driver_internal_info: withoutAgent(task.node.driver_internal_info, ACTION_KEYS) });
}

/** What an action keeps on the node while it runs, besides the agent's keys. */
const ACTION_KEYS = ['ferrite_clean_request', 'clean_steps', 'deploy_steps'];

/**
 * The interface's best-effort tidying for an action that ended badly in `state` (failed, timed out, aborted) —
 * only once the action touched the hardware (a ramdisk boot prepared, a step begun): a deploy refused before
 * that leaves a running node alone.
 */
export async function tidyAfter(task: NodeTask, state: string): Promise<void> {
  const node = task.node;
  const started = 'ferrite_boot' in node.driver_internal_info || Object.keys(node.deploy_step).length > 0 || Object.keys(node.clean_step).length > 0;
  if (!started) return;
  const { deploy, inspect } = task.interfaces;
  try {
    if (DEPLOY_STATES.includes(state) || CLEAN_STATES.includes(state)) await deploy.failed?.(task);
    else if (INSPECT_STATES.includes(state)) await inspect.failed?.(task);
  } catch (e) {
    task.log.warn({ err: (e as Error).message }, 'tidying after a failure failed');
  }
}

/** wait call-back → deploying → active. */
export async function resumeDeploy(task: NodeTask): Promise<void> {
  try {
    const deploy = task.interfaces.deploy;
    if (!deploy.continueDeploy) throw new Error(`deploy interface ${deploy.name} does not continue deploys on heartbeats`);
    await task.fire('resume');
    const outcome = await deploy.continueDeploy(task);
    if (outcome === 'wait') {
      await task.fire('wait');
      return;
    }
    await task.fire('done', {
      deploy_step: {}, last_error: null, driver_internal_info: withoutAgent(task.node.driver_internal_info, ['deploy_steps']),
    });
    await task.recordHistory('deploy', `Node ${task.node.uuid} deployed with image ${imageName(task.node.instance_info.image_source)}`, 'INFO');
  } catch (e) {
    await failAction(task, e, 'deploy', { deploy_step: {} });
  }
}

/** clean wait → cleaning → available (automated) or manageable (manual). */
export async function resumeClean(task: NodeTask): Promise<void> {
  try {
    const deploy = task.interfaces.deploy;
    if (!deploy.continueClean) throw new Error(`deploy interface ${deploy.name} does not continue cleaning on heartbeats`);
    const manual = task.node.target_provision_state === ProvisionState.manageable;
    await task.fire('resume', {}, manual ? ProvisionState.manageable : undefined);
    const outcome = await deploy.continueClean(task);
    if (outcome === 'wait') {
      await task.fire('wait', {}, manual ? ProvisionState.manageable : undefined);
      return;
    }
    await cacheBiosSettings(task);
    await task.fire(manual || task.node.retired ? 'manage' : 'done', {
      clean_step: {}, last_error: null, driver_internal_info: withoutAgent(task.node.driver_internal_info, ['clean_steps']),
    });
  } catch (e) {
    await failAction(task, e, 'cleaning', { clean_step: {} });
  }
}

/** inspecting (resumed from inspect wait when the data came) → manageable, with what the agent found. */
export async function resumeInspection(task: NodeTask, data: JsonObject): Promise<void> {
  try {
    const inspect = task.interfaces.inspect;
    if (!inspect.continueInspection) throw new Error(`inspect interface ${inspect.name} takes no in-band inspection data`);
    await inspect.continueInspection(task, data);
    await task.fire('done', {
      inspection_finished_at: now(), last_error: null, driver_internal_info: withoutAgent(task.node.driver_internal_info),
    });
  } catch (e) {
    await failAction(task, e, 'inspection', { inspection_finished_at: now() });
  }
}

/** The image's URL without what may be secret in it (credentials, a signed query), for the node's history. */
function imageName(source: unknown): string {
  if (typeof source !== 'string') return 'unknown';
  try {
    const u = new URL(source);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'unknown';
  }
}
