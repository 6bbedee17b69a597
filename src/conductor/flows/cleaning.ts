import type { JsonObject } from '../../domain/node.js';
import { ProvisionState } from '../../domain/provision-state-machine.js';
import type { NodeTask } from '../node-task.js';
import type { FlowContext } from './flow-context.js';
import { cacheBiosSettings, isBiosStep, runBiosStep } from './bios-steps.js';
import { failAction, withoutAgent } from './agent-flows.js';

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
      // Cleaning needs no instance image: the deploy interface's own validation (which asks for one) is not run.
      await task.interfaces.power.validate(task);
      await task.interfaces.boot.validate(task);
      await task.save({ clean_step: {}, driver_internal_info: withoutAgent(task.node.driver_internal_info) });
      // Out-of-band steps (BIOS) run here, in order; runs of other steps go to the deploy interface together.
      const groups = manualSteps === null ? [null] : manualSteps.length === 0 ? [[]] : groupSteps(manualSteps);
      const agentDriven = task.interfaces.deploy.continueClean !== undefined;
      if (agentDriven && groups.some((g, i) => i < groups.length - 1 && !(g !== null && g.length === 1 && isBiosStep(g[0])))) {
        // Refused before anything boots: the agent's steps end the synchronous part of cleaning.
        throw new Error('BIOS steps after steps that the agent runs are not supported yet; run them as a separate manual cleaning');
      }
      for (const [i, group] of groups.entries()) {
        if (group !== null && group.length === 1 && isBiosStep(group[0])) {
          await runBiosStep(task, group[0]);
          continue;
        }
        const outcome = await task.interfaces.deploy.clean(task, group);
        if (outcome === 'wait') {
          if (i < groups.length - 1) {
            throw new Error('BIOS steps after steps that wait for a callback are not supported yet; run them as a separate manual cleaning');
          }
          await task.fire('wait', {}, manual ? ProvisionState.manageable : undefined);
          return;
        }
      }
      await cacheBiosSettings(task);
    }
    const retired = task.node.retired;
    await task.fire(manual || retired ? 'manage' : 'done', {
      clean_step: {}, last_error: null,
      driver_internal_info: withoutAgent(task.node.driver_internal_info, ['clean_steps']),
    });
  } catch (e) {
    await failAction(task, e, 'cleaning', { clean_step: {} });
  }
}

/** Each BIOS step alone, consecutive other steps together, in the order given. */
function groupSteps(steps: JsonObject[]): JsonObject[][] {
  const groups: JsonObject[][] = [];
  for (const step of steps) {
    const last = groups.at(-1);
    if (!isBiosStep(step) && last && !isBiosStep(last[0])) last.push(step);
    else groups.push([step]);
  }
  return groups;
}

export function withoutKeys(obj: JsonObject, keys: readonly string[]): JsonObject {
  if (!keys.some((k) => k in obj)) return obj;
  const out = { ...obj };
  for (const k of keys) delete out[k];
  return out;
}
