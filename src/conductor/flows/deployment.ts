import type { NodeTask } from '../node-task.js';
import type { FlowContext, ProvisionArgs } from './flow-context.js';
import { clean } from './cleaning.js';
import { removeNodeAllocation } from '../allocations.js';
import { failAction, withoutAgent } from './agent-flows.js';

/** deploying → active (or wait call-back while an agent writes the image). */
export async function deploy(task: NodeTask, _ctx: FlowContext, args: ProvisionArgs): Promise<void> {
  try {
    const { deploy, boot, power } = task.interfaces;
    await power.validate(task);
    await deploy.validate(task);
    if (args.configdrive !== undefined) {
      await task.save({ instance_info: { ...task.node.instance_info, configdrive: args.configdrive } });
    }
    // Every deploy gets its own agent token: an earlier agent's (a failed deploy's) is gone before the node boots.
    await task.save({ deploy_step: {}, driver_internal_info: withoutAgent(task.node.driver_internal_info) });
    await deploy.prepare(task);
    const outcome = await deploy.deploy(task);
    if (outcome === 'wait') {
      await task.fire('wait');
      return;
    }
    await boot.prepareInstance(task);
    await task.fire('done', {
      deploy_step: {}, last_error: null,
      driver_internal_info: withoutAgent(task.node.driver_internal_info, ['deploy_steps']),
    });
  } catch (e) {
    await failAction(task, e, 'deploy', { deploy_step: {} });
  }
}

/** deleting → cleaning → available: tear the instance down, forget it, and clean the node. */
export async function undeploy(task: NodeTask, ctx: FlowContext): Promise<void> {
  try {
    await task.interfaces.deploy.tearDown(task);
    await task.interfaces.boot.cleanUpInstance(task);
    await task.interfaces.deploy.cleanUp(task);
    // The instance is gone, and with it the allocation that placed it.
    await removeNodeAllocation(ctx.store, task);
    await task.fire('clean', {
      instance_info: {}, instance_uuid: null, last_error: null,
      driver_internal_info: withoutAgent(task.node.driver_internal_info, ['deploy_steps', 'is_whole_disk_image']),
    });
  } catch (e) {
    await task.fail(e, 'undeploy');
    return;
  }
  await clean(task, ctx, null);
}
