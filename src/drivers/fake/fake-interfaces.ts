import type {
  BootDevice, BootInterface, DeployInterface, InspectInterface, ManagementInterface, NetworkInterface,
  PassiveInterface, PowerInterface, PowerState, RescueInterface, StepOutcome, TaskContext,
} from '../interfaces.js';
import { BOOT_DEVICES, PowerStates } from '../interfaces.js';
import { fakeDelay, type DelaySpec } from './fake-delay.js';
import { InvalidParameterValue } from '../../domain/errors.js';

/**
 * The fake-hardware interfaces: they do no I/O but behave like hardware (power state and boot device persist on
 * the node) and can take a configured time, so every path of the conductor can be exercised without a BMC.
 */

export interface FakeDelays {
  power: DelaySpec;
  management: DelaySpec;
  boot: DelaySpec;
  deploy: DelaySpec;
  inspect: DelaySpec;
  rescue: DelaySpec;
}

const noProperties = () => ({});
const valid = async () => {};

export function fakePower(delays: FakeDelays): PowerInterface {
  const set = async (task: TaskContext, state: PowerState) => {
    await fakeDelay(delays.power);
    await task.save({ power_state: state });
  };
  return {
    name: 'fake',
    properties: noProperties,
    validate: valid,
    // The fake BMC's truth is what the node last recorded; unknown stays unknown until a power action.
    getPowerState: async (task) => {
      await fakeDelay(delays.power);
      return task.node.power_state as PowerState | null;
    },
    setPowerState: set,
    reboot: (task) => set(task, PowerStates.on),
    supportedPowerStates: () => [
      PowerStates.on, PowerStates.off, PowerStates.rebooting, PowerStates.softOff, PowerStates.softRebooting,
    ],
    softPowerOff: (task) => set(task, PowerStates.off),
    softReboot: (task) => set(task, PowerStates.on),
  };
}

const FAKE_BOOT_DEVICES: BootDevice[] = ['pxe', 'disk', 'cdrom', 'bios', 'safe'];

export function fakeManagement(delays: FakeDelays): ManagementInterface {
  return {
    name: 'fake',
    properties: noProperties,
    validate: valid,
    supportedBootDevices: async () => [...FAKE_BOOT_DEVICES],
    setBootDevice: async (task, device, persistent) => {
      if (!FAKE_BOOT_DEVICES.includes(device)) {
        throw new InvalidParameterValue(`Invalid boot device ${device} specified.`);
      }
      await fakeDelay(delays.management);
      await task.save({
        driver_internal_info: { ...task.node.driver_internal_info, fake_boot_device: device, fake_boot_persistent: persistent },
      });
    },
    getBootDevice: async (task) => {
      await fakeDelay(delays.management);
      const device = task.node.driver_internal_info.fake_boot_device;
      const persistent = task.node.driver_internal_info.fake_boot_persistent;
      return {
        boot_device: typeof device === 'string' && (BOOT_DEVICES as readonly string[]).includes(device) ? (device as BootDevice) : 'pxe',
        persistent: typeof persistent === 'boolean' ? persistent : false,
      };
    },
    injectNmi: async () => fakeDelay(delays.management),
    getBootMode: async (task) => (task.node.boot_mode === 'bios' ? 'bios' : 'uefi'),
    setBootMode: async (task, mode) => task.save({ boot_mode: mode }),
  };
}

export function fakeBoot(delays: FakeDelays): BootInterface {
  const step = () => fakeDelay(delays.boot);
  return {
    name: 'fake', properties: noProperties, validate: valid,
    prepareRamdisk: step, cleanUpRamdisk: step, prepareInstance: step, cleanUpInstance: step,
  };
}

export function fakeDeploy(delays: FakeDelays): DeployInterface {
  const step = () => fakeDelay(delays.deploy);
  return {
    name: 'fake', properties: noProperties, validate: valid,
    prepare: async () => {},
    deploy: async (): Promise<StepOutcome> => {
      await step();
      return 'done';
    },
    tearDown: step,
    cleanUp: async () => {},
    clean: async (): Promise<StepOutcome> => {
      await step();
      return 'done';
    },
  };
}

export function fakeInspect(delays: FakeDelays): InspectInterface {
  return {
    name: 'fake', properties: noProperties, validate: valid,
    inspect: async (): Promise<StepOutcome> => {
      await fakeDelay(delays.inspect);
      return 'done';
    },
  };
}

export function fakeRescue(delays: FakeDelays): RescueInterface {
  return {
    name: 'fake', properties: noProperties, validate: valid,
    rescue: async (): Promise<StepOutcome> => {
      await fakeDelay(delays.rescue);
      return 'done';
    },
    unrescue: () => fakeDelay(delays.rescue),
  };
}

export function fakePassive(): PassiveInterface {
  return { name: 'fake', properties: noProperties, validate: valid };
}

export type { NetworkInterface };
