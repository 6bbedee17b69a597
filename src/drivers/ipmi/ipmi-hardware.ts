import type { HardwareType } from '../interfaces.js';

/**
 * `ipmi`: power and management through the BMC's IPMI 2.0 (RMCP+) interface. The implementations keep Ironic's
 * name `ipmitool` so node definitions carry over, though Ferrite speaks the protocol itself. Power and management
 * are the BMC's own (as in Ironic, no fake stands in for them); fake implementations may stand in for the others.
 * Boot is network boot (iPXE first, Ironic's default); deploy is the agent's (`direct`), inspection in band.
 */
export const ipmiHardwareType: HardwareType = {
  name: 'ipmi',
  supported: {
    bios: ['no-bios', 'fake'],
    boot: ['ipxe', 'pxe', 'fake'],
    console: ['no-console', 'ipmitool-socat', 'fake'],
    deploy: ['direct', 'fake'],
    firmware: ['no-firmware', 'fake'],
    inspect: ['agent', 'no-inspect', 'fake'],
    management: ['ipmitool'],
    network: ['noop'],
    power: ['ipmitool'],
    raid: ['no-raid', 'fake'],
    rescue: ['no-rescue', 'fake'],
    storage: ['noop', 'fake'],
    vendor: ['no-vendor', 'fake'],
  },
};
