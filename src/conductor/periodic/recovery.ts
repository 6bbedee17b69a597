import { STUCK_STATES_TREATED_AS_FAIL } from '../../domain/provision-state-machine.js';
import type { ConductorCore } from '../conductor.js';
import { failAction } from '../flows/agent-flows.js';

/**
 * Runs when a conductor starts and whenever it finds a dead peer: reservations of conductors that are not alive
 * are dropped, and nodes left in a working state with nobody working on them are failed, so nothing stays stuck
 * and no lock outlives its owner.
 */
export async function recoverOrphans(core: ConductorCore, deadHosts: readonly string[]): Promise<number> {
  const { store, log } = core;
  for (const host of deadHosts) {
    const cleared = await store.nodes.clearReservations(host);
    if (cleared > 0) log.warn({ host, nodes: cleared }, 'cleared reservations of a conductor that is gone');
  }
  let failed = 0;
  const stuck = await store.nodes.list({ provisionStates: [...STUCK_STATES_TREATED_AS_FAIL], filters: { reservation: null } });
  for (const node of stuck) {
    try {
      await core.withTask(node, 'takeover', async (task) => {
        if (!STUCK_STATES_TREATED_AS_FAIL.has(task.node.provision_state)) return;
        const state = task.node.provision_state;
        await failAction(
          task,
          new Error(`Conductor ${core.hostname} took over node ${task.node.uuid} found in state "${state}" with no conductor working on it; the action was interrupted.`),
          'takeover',
          { target_power_state: null },
        );
        failed += 1;
      });
    } catch (e) {
      log.debug({ node: node.uuid, err: e }, 'node not recovered now (locked or gone)');
    }
  }
  // A power action interrupted half-way leaves target_power_state behind.
  const pendingPower = await store.nodes.list({ filters: { reservation: null, target_power_state: 'power on' } });
  pendingPower.push(...(await store.nodes.list({ filters: { reservation: null, target_power_state: 'power off' } })));
  for (const node of pendingPower) {
    await core.withTask(node, 'takeover', (task) =>
      task.save({ target_power_state: null, last_error: 'The power action was interrupted by a conductor restart.' }),
    ).catch(() => undefined);
  }
  return failed;
}
