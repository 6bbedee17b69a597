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

/**
 * Best-effort tidying after an action that booted the node's ramdisk ended badly: the ramdisk boot undone and the
 * node powered off. Never throws: it runs on the way to a failure state, which must be reached whatever happens here.
 */
export async function tidyRamdiskBoot(task: TaskContext): Promise<void> {
  try {
    await task.interfaces.boot.cleanUpRamdisk(task);
  } catch (e) {
    task.log.warn({ err: (e as Error).message }, 'could not undo the ramdisk boot');
  }
  try {
    await powerOff(task);
  } catch (e) {
    task.log.warn({ err: (e as Error).message }, 'could not power the node off');
  }
}
