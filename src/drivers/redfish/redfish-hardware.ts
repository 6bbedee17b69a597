import type { HardwareType } from '../interfaces.js';

/**
 * `redfish`: power, management and inspection through a DMTF Redfish BMC. Power and management are the BMC's own
 * (as in Ironic, no fake stands in for them); fake implementations may stand in for the other slots. Boot is network boot (iPXE first, Ironic's default) or virtual media; deploy is the
 * agent's (`direct`); inspection out of band (redfish) or in band through the agent.
 */
export const redfishHardwareType: HardwareType = {
  name: 'redfish',
  supported: {
    bios: ['redfish', 'no-bios', 'fake'],
    boot: ['ipxe', 'pxe', 'redfish-virtual-media', 'fake'],
    console: ['no-console', 'fake'],
    deploy: ['direct', 'fake'],
    firmware: ['no-firmware', 'fake'],
    inspect: ['redfish', 'agent', 'no-inspect', 'fake'],
    management: ['redfish'],
    network: ['noop'],
    power: ['redfish'],
    raid: ['no-raid', 'fake'],
    rescue: ['no-rescue', 'fake'],
    storage: ['noop', 'fake'],
    vendor: ['no-vendor', 'fake'],
  },
};
