/**
 * What in-band inspection learns from the agent's inventory (ironic-python-agent's shape): the node's scheduling
 * properties and its NICs. Pure. The root disk is the one the agent reports as such, else the smallest disk of at
 * least 4 GiB (IPA's choice of install device); local_gb leaves 1 GiB for partitioning, as Ironic's inspection does.
 */
import { InvalidParameterValue } from '../../domain/errors.js';
import type { JsonObject } from '../../domain/node.js';

const GIB = 1024 ** 3;
const MIN_ROOT_DISK = 4 * GIB;

export interface InspectedNic {
  mac: string;
  /** The NIC the server network-booted from. */
  pxe: boolean;
  hasAddress: boolean;
}

export interface InspectionFindings {
  properties: { cpus?: number; cpu_arch?: string; memory_mb?: number; local_gb?: number };
  nics: InspectedNic[];
}

const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const posInt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : undefined);
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

function bootMac(data: JsonObject, inventory: JsonObject): string | undefined {
  const fromBootif = typeof data.boot_interface === 'string' ? data.boot_interface : undefined;
  const boot = isObj(inventory.boot) ? inventory.boot : {};
  const raw = fromBootif ?? (typeof boot.pxe_interface === 'string' ? boot.pxe_interface : undefined);
  if (raw === undefined) return undefined;
  const mac = raw.toLowerCase().replace(/^01-/, '').replace(/-/g, ':');
  return MAC.test(mac) ? mac : undefined;
}

function rootDiskSize(data: JsonObject, disks: JsonObject[]): number | undefined {
  if (isObj(data.root_disk)) {
    const size = posInt(data.root_disk.size);
    if (size !== undefined) return size;
  }
  const sizes = disks.map((d) => posInt(d.size)).filter((s): s is number => s !== undefined && s >= MIN_ROOT_DISK);
  return sizes.length > 0 ? Math.min(...sizes) : undefined;
}

/** The MACs an inspection report names (to find its node). */
export function inventoryMacs(data: JsonObject): string[] {
  const inventory = isObj(data.inventory) ? data.inventory : {};
  const nics = Array.isArray(inventory.interfaces) ? inventory.interfaces.filter(isObj) : [];
  return nics.map((n) => (typeof n.mac_address === 'string' ? n.mac_address.toLowerCase() : '')).filter((m) => MAC.test(m));
}

export function findingsFromInventory(data: JsonObject): InspectionFindings {
  const inventory = data.inventory;
  if (!isObj(inventory)) throw new InvalidParameterValue('The inspection data has no "inventory" object');
  const cpu = isObj(inventory.cpu) ? inventory.cpu : {};
  const memory = isObj(inventory.memory) ? inventory.memory : {};
  const disks = Array.isArray(inventory.disks) ? inventory.disks.filter(isObj) : [];
  const properties: InspectionFindings['properties'] = {};
  const cpus = posInt(cpu.count);
  if (cpus !== undefined) properties.cpus = cpus;
  if (typeof cpu.architecture === 'string' && cpu.architecture !== '') properties.cpu_arch = cpu.architecture;
  const memoryMb = posInt(memory.physical_mb) ?? (posInt(memory.total) !== undefined ? Math.floor(posInt(memory.total)! / 1024 ** 2) : undefined);
  if (memoryMb !== undefined) properties.memory_mb = memoryMb;
  const root = rootDiskSize(data, disks);
  if (root !== undefined) properties.local_gb = Math.max(0, Math.floor(root / GIB) - 1);

  const pxeMac = bootMac(data, inventory);
  const seen = new Set<string>();
  const nics: InspectedNic[] = [];
  for (const n of Array.isArray(inventory.interfaces) ? inventory.interfaces.filter(isObj) : []) {
    const mac = typeof n.mac_address === 'string' ? n.mac_address.toLowerCase() : '';
    if (!MAC.test(mac) || seen.has(mac)) continue;
    seen.add(mac);
    nics.push({ mac, pxe: mac === pxeMac, hasAddress: Boolean(n.ipv4_address) || Boolean(n.ipv6_address) });
  }
  return { properties, nics };
}

/** Which NICs become ports under `[inspector] add_ports`; `pxe` without a known boot NIC falls back to `active`. */
export function nicsToEnroll(nics: readonly InspectedNic[], mode: 'all' | 'active' | 'pxe' | 'disabled'): InspectedNic[] {
  switch (mode) {
    case 'disabled':
      return [];
    case 'all':
      return [...nics];
    case 'active':
      return nics.filter((n) => n.hasAddress);
    case 'pxe':
      return nics.some((n) => n.pxe) ? nics.filter((n) => n.pxe) : nics.filter((n) => n.hasAddress);
  }
}
