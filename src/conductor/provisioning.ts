import { InvalidParameterValue, NodeProtected, invalidTransition } from '../domain/errors.js';
import { ProvisionState, canFire, type ProvisionState as State } from '../domain/provision-state-machine.js';
import type { ProvisionRequest } from '../domain/provision-request.js';
import type { ConductorCore, WorkerClaim } from './conductor.js';
import { describeError, type NodeTask } from './node-task.js';
import { verify } from './flows/verify.js';
import { clean } from './flows/cleaning.js';
import { deploy, undeploy } from './flows/deployment.js';
import { inspect } from './flows/inspection.js';
import { rescue, unrescue } from './flows/rescue.js';
import { adopt, service } from './flows/simple-flows.js';
import { tidyAfter, withoutAgent } from './flows/agent-flows.js';

/** What an abort in each wait state reports in last_error. */
const ABORTED: Partial<Record<State, string>> = {
  [ProvisionState.cleanWait]: 'Cleaning', [ProvisionState.cleanHold]: 'Cleaning',
  [ProvisionState.inspectWait]: 'Inspection', [ProvisionState.waitCallBack]: 'Deployment',
  [ProvisionState.deployHold]: 'Deployment', [ProvisionState.rescueWait]: 'Rescue',
  [ProvisionState.serviceWait]: 'Servicing', [ProvisionState.serviceHold]: 'Servicing',
};

/**
 * Starts a provision action: under the node's reservation the first transition happens before the caller gets
 * its answer (so the node shows the new state at once), and the rest of the flow runs in the background.
 */
export async function startProvisionAction(core: ConductorCore, ident: string, req: ProvisionRequest): Promise<void> {
  const task = await core.acquire(ident, `provision ${req.verb}`);
  let handedOver: Promise<void> | undefined;
  let claim: WorkerClaim | undefined;
  try {
    const node = task.node;
    // The API checked against a snapshot; the state may have moved before the reservation was taken.
    if (!canFire(node.provision_state, req.event)) throw invalidTransition(req.verb, node.uuid, node.provision_state);
    if (node.protected && (req.event === 'delete' || req.event === 'rebuild')) {
      throw new NodeProtected(`Node ${node.uuid} is protected and cannot be undeployed, rebuilt or deleted`);
    }
    // Every event but these starts a background flow: take its worker before the first transition.
    const inline = req.event === 'abort' || req.event === 'unhold' || (req.event === 'manage' && node.provision_state !== ProvisionState.enroll);
    if (!inline) claim = core.claimWorker();
    const run = (fn: (t: NodeTask) => Promise<void>) => {
      handedOver = core.spawn(task, fn, claim);
    };
    const flow = core.flow;
    switch (req.event) {
      case 'manage':
        if (node.provision_state === ProvisionState.enroll) {
          await task.fire('manage');
          run(verify);
        } else {
          await task.fire('manage');
        }
        return;
      case 'provide':
        await task.fire('provide');
        return run((t) => clean(t, flow, null));
      case 'clean':
        await task.fire('clean', {}, ProvisionState.manageable);
        return run((t) => clean(t, flow, req.clean_steps ?? []));
      case 'inspect':
        await task.fire('inspect');
        return run(inspect);
      case 'adopt':
        await task.fire('adopt');
        return run(adopt);
      case 'deploy':
      case 'rebuild':
        // What can be known now is refused now, before a rebuild touches a running instance.
        try {
          await task.interfaces.power.validate(task);
          await task.interfaces.deploy.validate(task);
        } catch (e) {
          throw new InvalidParameterValue(`Failed to validate deploy or power info for node ${node.uuid}. Error: ${describeError(e)}`);
        }
        await task.fire(req.event, { last_error: null });
        return run((t) => deploy(t, flow, req));
      case 'delete':
        await task.fire('delete', { last_error: null });
        return run((t) => undeploy(t, flow));
      case 'rescue':
        await task.fire('rescue');
        return run((t) => rescue(t, req));
      case 'unrescue':
        await task.fire('unrescue');
        return run(unrescue);
      case 'service':
        await task.fire('service');
        return run((t) => service(t, req.service_steps ?? []));
      case 'abort': {
        const what = ABORTED[node.provision_state] ?? 'The action';
        const lastError = node.provision_state === ProvisionState.serviceFailed ? node.last_error : `${what} was aborted by request.`;
        const from = node.provision_state;
        await task.fire('abort', {
          last_error: lastError, clean_step: {}, deploy_step: {}, service_step: {}, driver_internal_info: withoutAgent(node.driver_internal_info),
        }, task.keptTarget());
        if (lastError && from !== ProvisionState.serviceFailed) await task.recordHistory('abort', lastError, 'WARNING');
        // The agent that was awaited is no longer wanted: the node is powered off and its ramdisk boot undone, in
        // the background (BMC work does not hold up the answer), or here when no worker is free.
        try {
          claim = core.claimWorker();
        } catch {
          await tidyAfter(task, from);
          return;
        }
        return run((t) => tidyAfter(t, from));
      }
      case 'unhold':
        await task.fire('unhold');
        return;
      default:
        throw invalidTransition(req.verb, node.uuid, node.provision_state);
    }
  } finally {
    // Cases return from inside the try, so the wait for a quick background action happens here.
    if (handedOver) await handedOver;
    else {
      claim?.release();
      await task.release();
    }
  }
}
