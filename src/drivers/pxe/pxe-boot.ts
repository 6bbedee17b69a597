import type { JsonObject } from '../../domain/node.js';
import type { BootInterface, TaskContext } from '../interfaces.js';
import type { BootSettings } from './boot-settings.js';
import {
  RAMDISK_BOOT_PROPERTIES, forgetRamdiskBoot, ramdiskBoot, recordRamdiskBoot, requireBootPort, validateRamdiskBoot,
} from './ramdisk-boot.js';

/**
 * Network boot through Ferrite's boot file server: preparing the ramdisk records the boot on the node (the server
 * renders the node's script from it) and makes the next boot a network boot. `ipxe` and `pxe` differ only in the
 * script's language, which the server picks by the node's boot_interface.
 */
function networkBoot(name: 'ipxe' | 'pxe', settings: BootSettings): BootInterface {
  const cleanUpRamdisk = async (task: TaskContext) => forgetRamdiskBoot(task);
  return {
    name,
    properties: () => ({ ...RAMDISK_BOOT_PROPERTIES }),
    validate: async (task) => validateRamdiskBoot(task.node, settings),
    prepareRamdisk: async (task, extraParams: JsonObject) => {
      requireBootPort(task);
      await recordRamdiskBoot(task, ramdiskBoot(task.node, settings, extraParams));
      await task.interfaces.management.setBootDevice(task, 'pxe', false);
    },
    cleanUpRamdisk,
    prepareInstance: async (task) => {
      await cleanUpRamdisk(task);
      await task.interfaces.management.setBootDevice(task, 'disk', true);
    },
    cleanUpInstance: async (task) => forgetRamdiskBoot(task),
  };
}

export const ipxeBoot = (settings: BootSettings): BootInterface => networkBoot('ipxe', settings);
export const pxeBoot = (settings: BootSettings): BootInterface => networkBoot('pxe', settings);
