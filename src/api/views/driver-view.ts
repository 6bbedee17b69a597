import { INTERFACE_SLOTS, type InterfaceSlot } from '../../domain/node.js';
import { InvalidParameterValue } from '../../domain/errors.js';
import type { DriverRegistry } from '../../drivers/registry.js';
import { resourceLinks } from '../links.js';

/** Drivers are hardware types ("dynamic drivers") from this version on; `type`, `?type=` and `?detail=` appear. */
export const DYNAMIC_DRIVERS_MINOR = 30;
/** `?fields=` on the driver endpoints. */
export const DRIVER_FIELDS_MINOR = 77;

/**
 * Ironic shows every interface slot in a detailed driver from 1.30 on, except the slots that came later; those
 * appear with the version that introduced them.
 */
const SLOT_SINCE: Partial<Record<InterfaceSlot, number>> = { storage: 33, rescue: 38, bios: 40, firmware: 86 };

export interface DriverViewContext {
  minor: number;
  base: string;
  registry: DriverRegistry;
}

function slotInterfaces(registry: DriverRegistry, name: string, slot: InterfaceSlot): { def: string | null; enabled: string[] } {
  // A hardware type served only by other conductors (configured differently) is not known here.
  if (!registry.hasHardwareType(name)) return { def: null, enabled: [] };
  const enabled = registry.usableInterfaces(name, slot);
  let def: string | null = null;
  try {
    def = registry.defaultInterface(name, slot);
  } catch {
    def = null;
  }
  return { def, enabled };
}

/**
 * A driver (hardware type) document: name, the conductors serving it and links; from 1.14 links to its properties,
 * from 1.30 its type, and with `detail` the default and enabled implementation of each interface slot.
 */
export function driverView(name: string, hosts: readonly string[], ctx: DriverViewContext, detail: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name,
    hosts: [...hosts],
    links: resourceLinks(ctx.base, 'drivers', name),
  };
  if (ctx.minor >= 14) out.properties = resourceLinks(ctx.base, 'drivers', `${name}/properties`);
  if (ctx.minor >= DYNAMIC_DRIVERS_MINOR) {
    out.type = 'dynamic';
    if (detail) {
      for (const slot of INTERFACE_SLOTS) {
        if ((SLOT_SINCE[slot] ?? DYNAMIC_DRIVERS_MINOR) > ctx.minor) continue;
        const { def, enabled } = slotInterfaces(ctx.registry, name, slot);
        out[`default_${slot}_interface`] = def;
        out[`enabled_${slot}_interfaces`] = enabled;
      }
    }
  }
  return out;
}

/** `?fields=` on a driver: only the named keys (and `links`); naming a key the document lacks is a 400. */
export function selectDriverFields(doc: Record<string, unknown>, fields: readonly string[] | undefined): Record<string, unknown> {
  if (fields === undefined) return doc;
  const invalid = fields.filter((f) => !(f in doc));
  if (invalid.length > 0) throw new InvalidParameterValue(`Field(s) "${invalid.join(', ')}" are not valid`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) if (key === 'links' || fields.includes(key)) out[key] = value;
  return out;
}

/**
 * What a RAID configuration may say about each logical disk (`GET /v1/drivers/{name}/raid/logical_disk_properties`);
 * the keys are those of Ironic's target_raid_config schema.
 */
export const RAID_LOGICAL_DISK_PROPERTIES: Readonly<Record<string, string>> = {
  raid_level: "RAID level of the logical disk: one of 'JBOD', '0', '1', '2', '5', '6', '1+0', '5+0', '6+0'. Required.",
  size_gb: "Size of the logical disk in GiB (an integer), or 'MAX' to take the space that is left. Required.",
  volume_name: 'Name given to the volume; one is generated when it is not set. Optional.',
  is_root_volume: 'Whether the node boots from this logical disk (false unless set). Optional.',
  share_physical_disks: 'Whether other logical disks may use the same physical disks (false unless set). Optional.',
  disk_type: "Kind of physical disk to build on: 'hdd' or 'ssd'; any kind when not set. Optional.",
  interface_type: "Physical disk interface to build on: 'sata', 'scsi' or 'sas'; any interface when not set. Optional.",
  number_of_physical_disks: 'How many physical disks to use; the minimum the RAID level needs when not set. Optional.',
  controller: 'The RAID controller to use; the driver picks one when not set. Optional.',
  physical_disks: 'The physical disks to use; the driver picks them when not set. Optional.',
};
