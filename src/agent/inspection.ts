/**
 * In-band inspection as IPA's default collector does it (inspector.py: collect_default, call_inspector): the
 * inventory, the disk a deploy would use, the NIC the server booted from and what produced the data, posted to
 * `ipa-inspection-callback-url` before the lookup.
 */
import type { AgentLog } from './agent-log.js';
import { HARDWARE_MANAGER_VERSION } from './commands/registry.js';
import { collectInventory, type Inventory, type InventoryDisk, type InventorySource } from './inventory.js';
import { sendInspectionData } from './ironic-client.js';

export interface InspectionData {
  inventory: Inventory;
  /** BOOTIF as the kernel command line gave it (`01-aa-bb-..`), as IPA sends it. */
  boot_interface: string | null;
  /** The agent deploys onto the disk it was given, so that is the root disk inspection should report. */
  root_disk: InventoryDisk;
  configuration: { collectors: string[]; managers: Array<{ name: string; version: string }> };
  /** IPA's accumulated collector failures; the default collector is the only one here and it either works or throws. */
  error: null;
}

export function inspectionData(inventory: Inventory, bootInterface: string | undefined): InspectionData {
  return {
    inventory,
    boot_interface: bootInterface ?? null,
    root_disk: inventory.disks[0],
    configuration: {
      collectors: ['default'],
      managers: Object.entries(HARDWARE_MANAGER_VERSION).map(([name, version]) => ({ name, version })),
    },
    error: null,
  };
}

/** Collects the inventory and sends it; resolves to the callback's answer. */
export async function inspect(
  callbackUrl: string, src: InventorySource, opts: { log: AgentLog; timeoutMs: number; signal?: AbortSignal },
): Promise<unknown> {
  const data = inspectionData(await collectInventory(src), src.bootInterface);
  // Hardware facts only: nothing in the inventory is secret.
  opts.log.info({ url: callbackUrl, data }, 'sending inspection data');
  const answer = await sendInspectionData(callbackUrl, data, opts.timeoutMs, opts.signal);
  opts.log.info({ url: callbackUrl, answer }, 'inspection data taken');
  return answer;
}
