import { PowerStates, type PowerState, type TaskContext } from '../interfaces.js';

/**
 * Powers the node on or off through its power interface and records the outcome on the node, as a power action
 * through the API would: an action's power changes must show in `power_state` at once, not at the next power sync.
 */
export async function setNodePower(task: TaskContext, state: PowerState): Promise<void> {
  await task.interfaces.power.setPowerState(task, state);
  if (task.node.power_state !== state) await task.save({ power_state: state });
}

export const powerOff = (task: TaskContext) => setNodePower(task, PowerStates.off);
export const powerOn = (task: TaskContext) => setNodePower(task, PowerStates.on);
