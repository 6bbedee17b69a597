import { RedfishHttpError } from '../../clients/redfish/errors.js';
import type { BootSourceTarget, ComputerSystem } from '../../clients/redfish/wire-types.js';
import { DriverError, InvalidParameterValue } from '../../domain/errors.js';
import type { BootDevice, ManagementInterface, TaskContext } from '../interfaces.js';
import { REDFISH_PROPERTIES } from './driver-info.js';
import type { RedfishConnector } from './redfish-connection.js';

const TO_REDFISH: Partial<Record<BootDevice, BootSourceTarget>> = {
  pxe: 'Pxe', disk: 'Hdd', cdrom: 'Cd', bios: 'BiosSetup', floppy: 'Floppy', uefihttp: 'UefiHttp',
};
const FROM_REDFISH = new Map<string, BootDevice>(Object.entries(TO_REDFISH).map(([k, v]) => [v, k as BootDevice]));

/** Boot devices, boot mode and NMI through the ComputerSystem's Boot object and Reset action. */
export function redfishManagement(connector: RedfishConnector): ManagementInterface {
  /**
   * PATCHes the system's Boot object guarded by the ETag just read, so a change made meanwhile by someone else is
   * not silently overwritten; on a 412 the system is read again and the change tried once more.
   */
  const patchBoot = async (task: TaskContext, action: string, boot: NonNullable<ComputerSystem['Boot']>) => {
    for (let attempt = 1; ; attempt++) {
      const { client, path, etag } = await connector.getSystem(task, action);
      try {
        await client.patch(path, { Boot: boot }, etag);
        return;
      } catch (e) {
        if (attempt < 2 && e instanceof RedfishHttpError && e.status === 412) continue;
        throw connector.wrap(task, action, e);
      }
    }
  };

  const supported = async (task: TaskContext): Promise<BootDevice[]> => {
    const { system } = await connector.getSystem(task, 'get supported boot devices');
    const allowed = system.Boot?.['BootSourceOverrideTarget@Redfish.AllowableValues'];
    const devices = allowed
      ? allowed.map((t) => FROM_REDFISH.get(t)).filter((d): d is BootDevice => d !== undefined)
      : (Object.keys(TO_REDFISH) as BootDevice[]);
    return [...new Set(devices)];
  };

  return {
    name: 'redfish',
    properties: () => ({ ...REDFISH_PROPERTIES }),
    validate: async (task) => {
      connector.info(task);
    },
    supportedBootDevices: supported,
    setBootDevice: async (task, device, persistent) => {
      const target = TO_REDFISH[device];
      if (!target) throw new InvalidParameterValue(`Invalid boot device ${device} specified. Redfish supports: ${Object.keys(TO_REDFISH).join(', ')}`);
      const boot: NonNullable<ComputerSystem['Boot']> = {
        BootSourceOverrideTarget: target, BootSourceOverrideEnabled: persistent ? 'Continuous' : 'Once',
      };
      // Keep the node's boot mode with the override: some BMCs reset the mode to their default otherwise.
      if (task.node.boot_mode === 'uefi' || task.node.boot_mode === 'bios') {
        boot.BootSourceOverrideMode = task.node.boot_mode === 'uefi' ? 'UEFI' : 'Legacy';
      }
      await patchBoot(task, 'set boot device', boot);
    },
    getBootDevice: async (task) => {
      const { system } = await connector.getSystem(task, 'get boot device');
      const enabled = system.Boot?.BootSourceOverrideEnabled;
      return {
        boot_device: FROM_REDFISH.get(system.Boot?.BootSourceOverrideTarget ?? 'None') ?? null,
        persistent: enabled === 'Continuous' ? true : enabled === 'Once' ? false : null,
      };
    },
    injectNmi: async (task) => {
      const { client, path, system } = await connector.getSystem(task, 'inject NMI');
      const target = system.Actions?.['#ComputerSystem.Reset']?.target ?? `${path}/Actions/ComputerSystem.Reset`;
      await connector.call(task, 'inject NMI', () => client.post(target, { ResetType: 'Nmi' }));
    },
    getBootMode: async (task) => {
      const { system } = await connector.getSystem(task, 'get boot mode');
      const mode = system.Boot?.BootSourceOverrideMode;
      return mode === 'UEFI' ? 'uefi' : mode === 'Legacy' ? 'bios' : null;
    },
    setBootMode: async (task, mode) => {
      await patchBoot(task, 'set boot mode', { BootSourceOverrideMode: mode === 'uefi' ? 'UEFI' : 'Legacy' });
      const { system } = await connector.getSystem(task, 'set boot mode');
      const now = system.Boot?.BootSourceOverrideMode;
      if (now !== (mode === 'uefi' ? 'UEFI' : 'Legacy')) {
        throw new DriverError(`The BMC of node ${task.node.uuid} accepted boot mode ${mode} but reports ${now ?? 'none'}`);
      }
    },
  };
}
