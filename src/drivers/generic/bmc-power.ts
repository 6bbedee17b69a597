import { PowerStates, type PowerInterface, type PowerState, type TaskContext } from '../interfaces.js';
import { waitForPowerState } from './power-wait.js';

export type PowerCommand = 'on' | 'off' | 'soft off' | 'soft reboot';

/** What a BMC protocol brings to a power interface; the sequencing and waiting are the same for all of them. */
export interface BmcPowerProtocol {
  name: string;
  properties(): Record<string, string>;
  validate(task: TaskContext): Promise<void>;
  checkReachable(task: TaskContext): Promise<void>;
  read(task: TaskContext): Promise<PowerState | null>;
  /** Sends one power command; the BMC gets there later. */
  send(task: TaskContext, command: PowerCommand): Promise<void>;
  /**
   * Whether the BMC restarts gracefully in one command (Redfish's GracefulRestart). Without it a soft reboot is a
   * soft power off followed by a power on (IPMI).
   */
  softRebootInOneCommand: boolean;
  /** Runs before a power on (IPMI writes a forced boot device again). */
  beforePowerOn?(task: TaskContext): Promise<void>;
}

/** How long power actions may take (`[conductor]`), the same for every BMC protocol. */
export interface PowerTimeouts {
  powerStateChangeTimeoutMs: number;
  softPowerOffTimeoutMs: number;
  /** How often a waiting power action asks the BMC whether it got there, at most. */
  powerPollIntervalMs: number;
}

/**
 * A power interface over a BMC protocol. BMCs accept a command at once and change state later, so every action
 * waits until the BMC reports the state asked for, up to the action's timeout (the API's `timeout`, else the
 * configured one). A reboot is off then on, as Ironic does, so a boot device set just before is used.
 */
export function bmcPower(protocol: BmcPowerProtocol, timeouts: PowerTimeouts): PowerInterface {
  const waitFor = (task: TaskContext, wanted: PowerState, timeoutMs: number) =>
    waitForPowerState(() => protocol.read(task), wanted, timeoutMs, timeouts.powerPollIntervalMs, task.node.uuid);
  const timeoutOf = (seconds: number | undefined, fallbackMs: number) => (seconds === undefined ? fallbackMs : seconds * 1000);

  const set = async (task: TaskContext, state: PowerState, timeoutSeconds?: number) => {
    if ((await protocol.read(task)) !== state) {
      if (state === PowerStates.on) await protocol.beforePowerOn?.(task);
      await protocol.send(task, state === PowerStates.on ? 'on' : 'off');
    }
    await waitFor(task, state, timeoutOf(timeoutSeconds, timeouts.powerStateChangeTimeoutMs));
  };

  return {
    name: protocol.name,
    properties: () => protocol.properties(),
    validate: (task) => protocol.validate(task),
    checkReachable: (task) => protocol.checkReachable(task),
    getPowerState: (task) => protocol.read(task),
    setPowerState: set,
    reboot: async (task, timeoutSeconds) => {
      if ((await protocol.read(task)) === PowerStates.on) await set(task, PowerStates.off, timeoutSeconds);
      await set(task, PowerStates.on, timeoutSeconds);
    },
    supportedPowerStates: () => [
      PowerStates.on, PowerStates.off, PowerStates.rebooting, PowerStates.softOff, PowerStates.softRebooting,
    ],
    softPowerOff: async (task, timeoutSeconds) => {
      if ((await protocol.read(task)) === PowerStates.off) return;
      await protocol.send(task, 'soft off');
      await waitFor(task, PowerStates.off, timeoutOf(timeoutSeconds, timeouts.softPowerOffTimeoutMs));
    },
    softReboot: async (task, timeoutSeconds) => {
      if ((await protocol.read(task)) === PowerStates.on) {
        if (protocol.softRebootInOneCommand) {
          await protocol.send(task, 'soft reboot');
          await waitFor(task, PowerStates.on, timeoutOf(timeoutSeconds, timeouts.softPowerOffTimeoutMs));
          return;
        }
        await protocol.send(task, 'soft off');
        await waitFor(task, PowerStates.off, timeoutOf(timeoutSeconds, timeouts.softPowerOffTimeoutMs));
      }
      await set(task, PowerStates.on, timeoutSeconds);
    },
  };
}
