import type { NodeTask } from '../node-task.js';
import type { ProvisionArgs } from './flow-context.js';

/** rescuing → rescue: the rescue ramdisk is up and accepts the given password. */
export async function rescue(task: NodeTask, args: ProvisionArgs): Promise<void> {
  try {
    await task.interfaces.rescue.validate(task);
    await task.save({ instance_info: { ...task.node.instance_info, rescue_password: args.rescue_password ?? '' } });
    const outcome = await task.interfaces.rescue.rescue(task);
    if (outcome === 'wait') {
      await task.fire('wait');
      return;
    }
    await task.fire('done', { last_error: null });
  } catch (e) {
    await task.fail(e, 'rescue');
  }
}

/** unrescuing → active. */
export async function unrescue(task: NodeTask): Promise<void> {
  try {
    await task.interfaces.rescue.unrescue(task);
    const { rescue_password: _, ...instanceInfo } = task.node.instance_info;
    await task.fire('done', { instance_info: instanceInfo, last_error: null });
  } catch (e) {
    await task.fail(e, 'unrescue');
  }
}
