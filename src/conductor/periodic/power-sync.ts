import { ProvisionState } from '../../domain/provision-state-machine.js';
import type { Node } from '../../domain/node.js';
import type { ConductorCore } from '../conductor.js';
import { NodeTask, describeError } from '../node-task.js';

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
/**
 * Nodes waiting for their agent are left alone, as Ironic leaves them: their power changes as the action goes (the
 * agent may power the server off itself), and a sync holding their reservation would turn the agent's heartbeat away.
 */
const SYNC_EXCLUDED_STATES: ReadonlySet<string> = new Set([
  ProvisionState.waitCallBack, ProvisionState.cleanWait, ProvisionState.inspectWait, ProvisionState.rescueWait, ProvisionState.serviceWait,
]);

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
    const nodes = page.filter((n) => (!n.maintenance || n.fault === 'power failure') && !SYNC_EXCLUDED_STATES.has(n.provision_state));
    let next = 0;
    const worker = async () => {
      while (next < nodes.length) await syncOne(core, nodes[next++], result);
    };
    await Promise.all(Array.from({ length: Math.min(workers, nodes.length) }, worker));
  }
  core.log.info({ ...result, ms: Math.round(performance.now() - started) }, 'power sync cycle finished');
  return result;
}

type Observation = { ok: true; state: 'power on' | 'power off' | null } | { ok: false; error: unknown };

/**
 * Reads the hardware without reserving the node, as Ironic does, and reserves it only when something must be
 * written: a changed power state, a failure to count, or a recovery. An unchanged node costs no database write.
 */
async function syncOne(core: ConductorCore, node: Node, result: PowerSyncResult): Promise<void> {
  let observed: Observation;
  try {
    const reader = await NodeTask.shared(core.store, core.registry, core.hostname, node, 'power state sync', core.log, false);
    observed = { ok: true, state: await reader.interfaces.power.getPowerState(reader) };
  } catch (e) {
    observed = { ok: false, error: e };
  }
  result.checked += 1;
  if (!observed.ok) result.failed += 1;
  const info = node.driver_internal_info;
  const needsWrite = !observed.ok || 'power_sync_failures' in info || node.fault === 'power failure' ||
    (observed.state !== null && observed.state !== node.power_state);
  if (!needsWrite) return;
  try {
    await core.withTask(node, 'power state sync', async (task) => {
      // The node changed since it was read (a power action ended in between): what was observed may be stale.
      if (task.node.updated_at !== node.updated_at || task.node.power_state !== node.power_state) return;
      if (await record(core, task, observed)) result.changed += 1;
    });
  } catch (e) {
    core.log.debug({ node: node.uuid, err: e }, 'power sync skipped node');
  }
}

/** Writes what the sync observed; true when the power state was corrected in either direction. */
async function record(core: ConductorCore, task: NodeTask, observed: Observation): Promise<boolean> {
  const maxRetries = core.config.conductor.powerStateSyncMaxRetries;
  const recorded = task.node.power_state;
  const info = task.node.driver_internal_info;
  if (!observed.ok) {
    const failures = (typeof info.power_sync_failures === 'number' ? info.power_sync_failures : 0) + 1;
    const changes: Partial<Node> = { driver_internal_info: { ...info, power_sync_failures: failures } };
    if (failures > maxRetries && !task.node.maintenance) {
      const message = `During sync_power_state, max retries exceeded for node ${task.node.uuid}, node state ${String(recorded)} does not match expected state 'None'. Updating DB state to 'None' Switching node to maintenance mode. Error: ${describeError(observed.error)}`;
      Object.assign(changes, { power_state: null, maintenance: true, fault: 'power failure', maintenance_reason: message, last_error: message });
      await task.recordHistory('power', message, 'ERROR');
    }
    await task.save(changes);
    return false;
  }
  const actual = observed.state;
  const changes: Partial<Node> = {};
  let changed = false;
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
    changed = true;
  }
  if (Object.keys(changes).length > 0) await task.save(changes);
  return changed;
}
