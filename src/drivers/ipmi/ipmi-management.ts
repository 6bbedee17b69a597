import type { BootDevice as IpmiBootDevice } from '../../clients/ipmi/commands.js';
import { InvalidParameterValue } from '../../domain/errors.js';
import type { BootDevice, ManagementInterface, TaskContext } from '../interfaces.js';
import { IPMI_PROPERTIES } from './driver-info.js';
import type { IpmiConnector } from './ipmi-connection.js';

const TO_IPMI: Partial<Record<BootDevice, IpmiBootDevice>> = { pxe: 'pxe', disk: 'disk', cdrom: 'cdrom', bios: 'bios', safe: 'safe' };
const FROM_IPMI = new Map<string, BootDevice>(Object.entries(TO_IPMI).map(([k, v]) => [v, k as BootDevice]));

/** Where a forced boot device is remembered between power actions (Ironic keeps it in the same place). */
const FORCED = 'persistent_boot_device';
const FORCED_PERSISTENT = 'is_next_boot_persistent';

/** UEFI unless the node says BIOS: Ironic's default boot mode. */
const efiFor = (task: TaskContext) => task.node.boot_mode !== 'bios';

async function writeBootFlags(connector: IpmiConnector, task: TaskContext, device: BootDevice, persistent: boolean, efi: boolean) {
  const ipmiDevice = TO_IPMI[device];
  if (!ipmiDevice) throw new InvalidParameterValue(`Invalid boot device ${device} specified. IPMI supports: ${Object.keys(TO_IPMI).join(', ')}`);
  await connector.call(task, 'set boot device', async (info) => {
    if (info.disableBootTimeout) {
      // Parameter 3 (boot flag valid bit clearing), bit 3: the BMC must not drop the flags after 60 s. Not every
      // BMC has the parameter; its answer does not matter, as with Ironic's same raw command.
      await connector.client.raw(info.target, 0x00, 0x08, Buffer.from([0x03, 0x08]));
    }
    await connector.client.setBootFlags(info.target, { device: ipmiDevice, persistent, efi });
  });
}

/**
 * With `ipmi_force_boot_device`, the boot device is written again before each power on, for BMCs that lose it;
 * a one-time device is forgotten once used.
 */
export async function reapplyBootDevice(connector: IpmiConnector, task: TaskContext): Promise<void> {
  const info = connector.info(task);
  const device = task.node.driver_internal_info[FORCED];
  if (!info.forceBootDevice || typeof device !== 'string') return;
  const persistent = task.node.driver_internal_info[FORCED_PERSISTENT] === true;
  await writeBootFlags(connector, task, device as BootDevice, persistent, efiFor(task));
  if (!persistent) {
    const { [FORCED]: _d, [FORCED_PERSISTENT]: _p, ...rest } = task.node.driver_internal_info;
    await task.save({ driver_internal_info: rest });
  }
}

/** Boot device, persistence and boot mode through the System Boot Options, NMI through Chassis Control. */
export function ipmiManagement(connector: IpmiConnector): ManagementInterface {
  return {
    name: 'ipmitool',
    properties: () => ({ ...IPMI_PROPERTIES }),
    validate: async (task) => {
      connector.info(task);
    },
    supportedBootDevices: async () => Object.keys(TO_IPMI) as BootDevice[],
    setBootDevice: async (task, device, persistent) => {
      await writeBootFlags(connector, task, device, persistent, efiFor(task));
      if (connector.info(task).forceBootDevice) {
        await task.save({ driver_internal_info: { ...task.node.driver_internal_info, [FORCED]: device, [FORCED_PERSISTENT]: persistent } });
      }
    },
    getBootDevice: async (task) => {
      const info = connector.info(task);
      const forced = task.node.driver_internal_info[FORCED];
      if (info.forceBootDevice && typeof forced === 'string') {
        return { boot_device: forced as BootDevice, persistent: task.node.driver_internal_info[FORCED_PERSISTENT] === true };
      }
      const flags = await connector.call(task, 'get boot device', (i) => connector.client.getBootFlags(i.target));
      return {
        boot_device: flags.device ? FROM_IPMI.get(flags.device) ?? null : null,
        persistent: flags.persistent,
      };
    },
    injectNmi: async (task) => {
      await connector.call(task, 'inject NMI', (info) => connector.client.chassisControl(info.target, 'diagnostic-interrupt'));
    },
    getBootMode: async (task) => {
      const flags = await connector.call(task, 'get boot mode', (i) => connector.client.getBootFlags(i.target));
      // Flags the BIOS already consumed say nothing about the next boot; the node's own setting stands then.
      if (!flags.valid) return task.node.boot_mode === 'bios' ? 'bios' : task.node.boot_mode === 'uefi' ? 'uefi' : null;
      return flags.efi ? 'uefi' : 'bios';
    },
    setBootMode: async (task, mode) => {
      // IPMI carries the mode with the boot device: write the current device again with the new mode.
      const flags = await connector.call(task, 'set boot mode', (i) => connector.client.getBootFlags(i.target));
      const device = (flags.device && FROM_IPMI.get(flags.device)) ?? 'disk';
      await writeBootFlags(connector, task, device, flags.persistent, mode === 'uefi');
    },
  };
}
