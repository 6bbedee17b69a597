import { now } from '../../store/store.js';
import type { NodeTask } from '../node-task.js';
import { failAction, withoutAgent } from './agent-flows.js';

/** inspecting → manageable (or inspect wait while an in-band inspector reports back). */
export async function inspect(task: NodeTask): Promise<void> {
  try {
    await task.interfaces.inspect.validate(task);
    await task.save({ inspection_started_at: now(), inspection_finished_at: null, driver_internal_info: withoutAgent(task.node.driver_internal_info) });
    const outcome = await task.interfaces.inspect.inspect(task);
    if (outcome === 'wait') {
      await task.fire('wait');
      return;
    }
    await task.fire('done', { inspection_finished_at: now(), last_error: null });
  } catch (e) {
    await failAction(task, e, 'inspection', { inspection_finished_at: now() });
  }
}
