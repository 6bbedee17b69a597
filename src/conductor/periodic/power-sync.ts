import type { Node } from '../../domain/node.js';
import type { ConductorCore } from '../conductor.js';
import { describeError } from '../node-task.js';

export interface PowerSyncResult {
  checked: number;
  changed: number;
  failed: number;
}

/**
 * Compares each node's recorded power state with its hardware, a bounded number of nodes at a time so that a slow
 * BMC delays only itself. A node whose BMC keeps failing goes into maintenance with fault "power failure"; when
 * its BMC answers again the fault and maintenance are lifted by the same loop.
 */
export async function syncPowerStates(core: ConductorCore): Promise<PowerSyncResult> {
  const result: PowerSyncResult = { checked: 0, changed: 0, failed: 0 };
  const started = performance.now();
  const workers = core.config.conductor.syncPowerStateWorkers;
  // Pages keep memory flat however many nodes there are; a page is worked by a bounded pool of workers.
  let marker: Node | undefined;
  for (;;) {
    const page = await core.store.nodes.list({ filters: { reservation: null }, limit: 250, marker });
    if (page.length === 0) break;
    marker = page[page.length - 1];
    const nodes = page.filter((n) => !n.maintenance || n.fault === 'power failure');
    let next = 0;
    const worker = async () => {
      while (next < nodes.length) await syncOne(core, nodes[next++], result);
    };
    await Promise.all(Array.from({ length: Math.min(workers, nodes.length) }, worker));
  }
  core.log.info({ ...result, ms: Math.round(performance.now() - started) }, 'power sync cycle finished');
  return result;
}

async function syncOne(core: ConductorCore, node: Node, result: PowerSyncResult): Promise<void> {
  const maxRetries = core.config.conductor.powerStateSyncMaxRetries;
  try {
    await core.withTask(node, 'power state sync', async (task) => {
      result.checked += 1;
      const recorded = task.node.power_state;
      const info = task.node.driver_internal_info;
      let actual;
      try {
        actual = await task.interfaces.power.getPowerState(task);
      } catch (e) {
        result.failed += 1;
        const failures = (typeof info.power_sync_failures === 'number' ? info.power_sync_failures : 0) + 1;
        const changes: Partial<Node> = { driver_internal_info: { ...info, power_sync_failures: failures } };
        if (failures > maxRetries && !task.node.maintenance) {
          const message = `During sync_power_state, max retries exceeded for node ${task.node.uuid}, node state ${String(recorded)} does not match expected state 'None'. Updating DB state to 'None' Switching node to maintenance mode. Error: ${describeError(e)}`;
          Object.assign(changes, { power_state: null, maintenance: true, fault: 'power failure', maintenance_reason: message, last_error: message });
          await task.recordHistory('power', message, 'ERROR');
        }
        await task.save(changes);
        return;
      }
      const changes: Partial<Node> = {};
      if ('power_sync_failures' in info) {
        const { power_sync_failures: _, ...rest } = info;
        changes.driver_internal_info = rest;
      }
      if (task.node.fault === 'power failure') {
        Object.assign(changes, { maintenance: false, fault: null, maintenance_reason: null });
        await task.recordHistory('power', `Power failure of node ${task.node.uuid} recovered; maintenance mode lifted.`, 'INFO');
      }
      if (actual !== null && recorded !== actual) {
        if (recorded === null || !core.config.conductor.forcePowerStateDuringSync || task.node.fault === 'power failure') {
          changes.power_state = actual;
        } else {
          // The database is the source of truth: put the hardware back where it was asked to be.
          await task.interfaces.power.setPowerState(task, recorded as 'power on' | 'power off');
        }
        result.changed += 1;
      }
      if (Object.keys(changes).length > 0) await task.save(changes);
    });
  } catch (e) {
    core.log.debug({ node: node.uuid, err: e }, 'power sync skipped node');
  }
}
