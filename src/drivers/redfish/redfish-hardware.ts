import type { HardwareType } from '../interfaces.js';

/**
 * `redfish`: power, management and inspection through a DMTF Redfish BMC. Fake implementations may stand in for
 * any slot, as in Ironic; boot and deploy are fake until the virtual-media boot and the agent deploy exist.
 */
export const redfishHardwareType: HardwareType = {
  name: 'redfish',
  supported: {
    bios: ['redfish', 'no-bios', 'fake'],
    boot: ['fake'],
    console: ['no-console', 'fake'],
    deploy: ['fake'],
    firmware: ['no-firmware', 'fake'],
    inspect: ['redfish', 'no-inspect', 'fake'],
    management: ['redfish', 'fake'],
    network: ['noop'],
    power: ['redfish', 'fake'],
    raid: ['no-raid', 'fake'],
    rescue: ['no-rescue', 'fake'],
    storage: ['noop', 'fake'],
    vendor: ['no-vendor', 'fake'],
  },
};
