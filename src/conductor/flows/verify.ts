import type { NodeTask } from '../node-task.js';
import { cacheBiosSettings } from './bios-steps.js';

/** enroll → verifying → manageable: the node's power and management settings must work. */
export async function verify(task: NodeTask): Promise<void> {
  try {
    await task.interfaces.power.validate(task);
    await task.interfaces.management.validate(task);
    // As Ironic does: a verified node starts with the power state its BMC just reported.
    const powerState = await task.interfaces.power.getPowerState(task);
    await cacheBiosSettings(task);
    await task.fire('done', { last_error: null, power_state: powerState });
  } catch (e) {
    await task.fail(e, 'verify');
  }
}
