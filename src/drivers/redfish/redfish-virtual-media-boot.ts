import type { RedfishClient } from '../../clients/redfish/client.js';
import type { VirtualMedia } from '../../clients/redfish/wire-types.js';
import { DriverError, InvalidParameterValue } from '../../domain/errors.js';
import type { JsonObject } from '../../domain/node.js';
import type { BootInterface, TaskContext } from '../interfaces.js';
import type { BootSettings } from '../pxe/boot-settings.js';
import {
  RAMDISK_BOOT_PROPERTIES, forgetRamdiskBoot, ramdiskBoot, recordRamdiskBoot, validateRamdiskBoot,
} from '../pxe/ramdisk-boot.js';
import { REDFISH_PROPERTIES } from './driver-info.js';
import type { RedfishConnector } from './redfish-connection.js';

const CD_TYPES = ['CD', 'DVD'];

interface CdSlot {
  client: RedfishClient;
  path: string;
  media: VirtualMedia;
}

/**
 * Boots the ramdisk from a virtual CD the BMC downloads from Ferrite's boot file server (`vmedia/<uuid>.iso`,
 * rendered from the boot recorded on the node), so no DHCP or PXE is needed on the provisioning network.
 */
export function redfishVirtualMediaBoot(connector: RedfishConnector, settings: BootSettings): BootInterface {
  const findCd = async (task: TaskContext, action: string): Promise<CdSlot | null> => {
    const { client, system, info } = await connector.getSystem(task, action);
    const manager = system.Links?.ManagedBy?.[0]?.['@odata.id'];
    if (!manager) throw new DriverError(`Redfish ${action} failed for node ${task.node.uuid}: the system at ${info.address} names no Manager (Links/ManagedBy)`);
    const found = await connector.call(task, action, () => client.findVirtualMedia(manager, CD_TYPES));
    return found && { client, ...found };
  };
  const cd = async (task: TaskContext, action: string): Promise<CdSlot> => {
    const slot = await findCd(task, action);
    if (!slot) throw new DriverError(`Redfish ${action} failed for node ${task.node.uuid}: the BMC offers no virtual CD or DVD`);
    return slot;
  };
  const eject = async (task: TaskContext, slot: CdSlot, action: string) => {
    if (!slot.media.Inserted) return;
    await connector.call(task, action, () => slot.client.ejectMedia(slot.path, slot.media));
  };
  const cleanUpRamdisk = async (task: TaskContext) => {
    // Forgotten even when the BMC fails to eject: Ferrite then stops serving the CD's contents, so it boots nothing.
    try {
      await eject(task, await cd(task, 'eject virtual media'), 'eject virtual media');
    } finally {
      await forgetRamdiskBoot(task);
    }
  };

  return {
    name: 'redfish-virtual-media',
    properties: () => ({ ...REDFISH_PROPERTIES, ...RAMDISK_BOOT_PROPERTIES }),
    validate: async (task) => {
      connector.info(task);
      validateRamdiskBoot(task.node, settings);
    },
    checkReachable: async (task) => {
      if (!(await findCd(task, 'find virtual media'))) {
        throw new InvalidParameterValue(`The BMC of node ${task.node.uuid} offers no virtual CD or DVD for the redfish-virtual-media boot interface`);
      }
    },
    prepareRamdisk: async (task, extraParams: JsonObject) => {
      await recordRamdiskBoot(task, ramdiskBoot(task.node, settings, extraParams));
      const slot = await cd(task, 'insert virtual media');
      // An image left in the drive (an earlier boot, an operator) would be refused or, worse, booted.
      await eject(task, slot, 'eject virtual media');
      const image = `${settings.httpUrl}/vmedia/${task.node.uuid}.iso`;
      await connector.call(task, 'insert virtual media', () => slot.client.insertMedia(slot.path, slot.media, image));
      await task.interfaces.management.setBootDevice(task, 'cdrom', false);
    },
    cleanUpRamdisk,
    prepareInstance: async (task) => {
      await cleanUpRamdisk(task);
      await task.interfaces.management.setBootDevice(task, 'disk', true);
    },
    cleanUpInstance: async (task) => forgetRamdiskBoot(task),
  };
}
