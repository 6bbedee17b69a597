import type {
  BiosInterface, BootDevice, BootInterface, DeployInterface, InspectInterface, ManagementInterface, PassiveInterface,
  PowerInterface, PowerState, RescueInterface, StepOutcome, TaskContext,
} from '../interfaces.js';
import { BOOT_DEVICES, PowerStates } from '../interfaces.js';
import { fakeDelay, parseDelay, type DelaySpec } from './fake-delay.js';
import { InvalidParameterValue } from '../../domain/errors.js';

/**
 * The fake-hardware interfaces: they do no I/O but behave like hardware (power state and boot device persist on
 * the node) and can take time — `[fake] <kind>_delay` for every node, `driver_info.fake_<kind>_delay` for one —
 * so every path of the conductor can be exercised, and caught mid-flight, without a BMC.
 */

export interface FakeDelays {
  power: DelaySpec;
  management: DelaySpec;
  boot: DelaySpec;
  deploy: DelaySpec;
  inspect: DelaySpec;
  rescue: DelaySpec;
}

type DelayKind = keyof FakeDelays;

/** The delay of one kind of fake action: the node's own setting, else the configured one. */
function delay(delays: FakeDelays, kind: DelayKind) {
  const key = `fake_${kind}_delay`;
  const spec = (task: TaskContext): DelaySpec => {
    const own = task.node.driver_info[key];
    if (own === undefined || own === null) return delays[kind];
    try {
      if (typeof own !== 'number' && typeof own !== 'string') throw new Error(`expected seconds, got ${JSON.stringify(own)}`);
      return parseDelay(own);
    } catch (e) {
      throw new InvalidParameterValue(`driver_info.${key}: ${(e as Error).message}`);
    }
  };
  return {
    wait: (task: TaskContext) => fakeDelay(spec(task)),
    validate: async (task: TaskContext) => void spec(task),
    properties: () => ({
      [key]: `Seconds, or a min:max range, that each fake ${kind} action of this node takes; overrides [fake] ${kind}_delay. Optional.`,
    }),
  };
}

export function fakePower(delays: FakeDelays): PowerInterface {
  const d = delay(delays, 'power');
  const set = async (task: TaskContext, state: PowerState) => {
    await d.wait(task);
    await task.save({ power_state: state });
  };
  return {
    name: 'fake',
    properties: d.properties,
    validate: d.validate,
    // The fake BMC's truth is what the node last recorded; unknown stays unknown until a power action.
    getPowerState: async (task) => {
      await d.wait(task);
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
  const d = delay(delays, 'management');
  return {
    name: 'fake',
    properties: d.properties,
    validate: d.validate,
    supportedBootDevices: async () => [...FAKE_BOOT_DEVICES],
    setBootDevice: async (task, device, persistent) => {
      if (!FAKE_BOOT_DEVICES.includes(device)) {
        throw new InvalidParameterValue(`Invalid boot device ${device} specified.`);
      }
      await d.wait(task);
      await task.save({
        driver_internal_info: { ...task.node.driver_internal_info, fake_boot_device: device, fake_boot_persistent: persistent },
      });
    },
    getBootDevice: async (task) => {
      await d.wait(task);
      const device = task.node.driver_internal_info.fake_boot_device;
      const persistent = task.node.driver_internal_info.fake_boot_persistent;
      return {
        boot_device: typeof device === 'string' && (BOOT_DEVICES as readonly string[]).includes(device) ? (device as BootDevice) : 'pxe',
        persistent: typeof persistent === 'boolean' ? persistent : false,
      };
    },
    injectNmi: (task) => d.wait(task),
    getBootMode: async (task) => (task.node.boot_mode === 'bios' ? 'bios' : 'uefi'),
    setBootMode: async (task, mode) => task.save({ boot_mode: mode }),
  };
}

export function fakeBoot(delays: FakeDelays): BootInterface {
  const d = delay(delays, 'boot');
  return {
    name: 'fake', properties: d.properties, validate: d.validate,
    prepareRamdisk: d.wait, cleanUpRamdisk: d.wait, prepareInstance: d.wait, cleanUpInstance: d.wait,
  };
}

export function fakeDeploy(delays: FakeDelays): DeployInterface {
  const d = delay(delays, 'deploy');
  return {
    name: 'fake', properties: d.properties, validate: d.validate,
    prepare: async () => {},
    deploy: async (task): Promise<StepOutcome> => {
      await d.wait(task);
      return 'done';
    },
    tearDown: d.wait,
    cleanUp: async () => {},
    clean: async (task): Promise<StepOutcome> => {
      await d.wait(task);
      return 'done';
    },
  };
}

export function fakeInspect(delays: FakeDelays): InspectInterface {
  const d = delay(delays, 'inspect');
  return {
    name: 'fake', properties: d.properties, validate: d.validate,
    inspect: async (task): Promise<StepOutcome> => {
      await d.wait(task);
      return 'done';
    },
  };
}

export function fakeRescue(delays: FakeDelays): RescueInterface {
  const d = delay(delays, 'rescue');
  return {
    name: 'fake', properties: d.properties, validate: d.validate,
    rescue: async (task): Promise<StepOutcome> => {
      await d.wait(task);
      return 'done';
    },
    unrescue: d.wait,
  };
}

export function fakePassive(): PassiveInterface {
  return { name: 'fake', properties: () => ({}), validate: async () => {} };
}

/** Like Ironic's fake BIOS: its steps run and change nothing, and it has no settings to cache. */
export function fakeBios(): BiosInterface {
  return {
    name: 'fake', properties: () => ({}), validate: async () => {},
    applyConfiguration: async () => {},
    factoryReset: async () => {},
    cacheSettings: async () => {},
  };
}
