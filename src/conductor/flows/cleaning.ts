import type { JsonObject } from '../../domain/node.js';
import { ProvisionState } from '../../domain/provision-state-machine.js';
import type { NodeTask } from '../node-task.js';
import type { FlowContext } from './flow-context.js';

function automatedCleanEnabled(task: NodeTask, ctx: FlowContext): boolean {
  return task.node.automated_clean ?? ctx.config.conductor.automatedClean;
}

/**
 * Runs cleaning from `cleaning`: automated (after provide or undeploy; ends in available) or manual (explicit
 * clean steps from manageable; ends in manageable). A step waiting on the hardware parks the node in clean wait.
 */
export async function clean(task: NodeTask, ctx: FlowContext, manualSteps: JsonObject[] | null): Promise<void> {
  const manual = manualSteps !== null;
  try {
    if (manual || automatedCleanEnabled(task, ctx)) {
      await task.interfaces.deploy.validate(task);
      await task.save({ clean_step: {} });
      const outcome = await task.interfaces.deploy.clean(task, manualSteps);
      if (outcome === 'wait') {
        await task.fire('wait', {}, manual ? ProvisionState.manageable : undefined);
        return;
      }
    }
    const retired = task.node.retired;
    await task.fire(manual || retired ? 'manage' : 'done', {
      clean_step: {}, last_error: null,
      driver_internal_info: withoutKeys(task.node.driver_internal_info, ['clean_steps', 'agent_url', 'agent_secret_token']),
    });
  } catch (e) {
    await task.fail(e, 'cleaning', { clean_step: {} });
  }
}

export function withoutKeys(obj: JsonObject, keys: readonly string[]): JsonObject {
  if (!keys.some((k) => k in obj)) return obj;
  const out = { ...obj };
  for (const k of keys) delete out[k];
  return out;
}
