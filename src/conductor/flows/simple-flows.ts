import type { JsonObject } from '../../domain/node.js';
import type { NodeTask } from '../node-task.js';

/** adopting → active: take over a node that already runs its instance; nothing is written to it. */
export async function adopt(task: NodeTask): Promise<void> {
  try {
    await task.interfaces.power.validate(task);
    await task.interfaces.deploy.validate(task);
    await task.interfaces.boot.validate(task);
    await task.fire('done', { last_error: null });
  } catch (e) {
    await task.fail(e, 'adopt');
  }
}

/** servicing → active: run service steps on a deployed node. */
export async function service(task: NodeTask, steps: JsonObject[]): Promise<void> {
  try {
    await task.interfaces.deploy.validate(task);
    await task.save({ service_step: {} });
    for (const step of steps) {
      await task.save({ service_step: step });
    }
    await task.fire('done', { service_step: {}, last_error: null });
  } catch (e) {
    await task.fail(e, 'service', { service_step: {} });
  }
}
