import type { HardwareType } from '../interfaces.js';

/** `fake-hardware`: every slot can be fake; the generic no-op implementations are supported too. */
export const fakeHardwareType: HardwareType = {
  name: 'fake-hardware',
  supported: {
    bios: ['fake', 'no-bios'],
    boot: ['fake', 'ipxe', 'pxe'],
    console: ['fake', 'no-console'],
    deploy: ['fake', 'direct'],
    firmware: ['fake', 'no-firmware'],
    inspect: ['fake', 'agent', 'no-inspect'],
    management: ['fake', 'no-management'],
    network: ['noop'],
    power: ['fake'],
    raid: ['fake', 'no-raid'],
    rescue: ['fake', 'no-rescue'],
    storage: ['noop', 'fake'],
    vendor: ['fake', 'no-vendor'],
  },
};
