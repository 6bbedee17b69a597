import type { RedfishPowerState, ResetType } from '../../clients/redfish/wire-types.js';
import { DriverError } from '../../domain/errors.js';
import { PowerStates, type PowerInterface, type PowerState, type TaskContext } from '../interfaces.js';
import { waitForPowerState } from '../generic/power-wait.js';
import { REDFISH_PROPERTIES } from './driver-info.js';
import type { RedfishConnector } from './redfish-connection.js';

/** A BMC that is getting somewhere already counts as there, as Ironic reads it. */
export function powerStateOf(state: RedfishPowerState | null | undefined): PowerState | null {
  if (state === 'On' || state === 'PoweringOn') return PowerStates.on;
  if (state === 'Off' || state === 'PoweringOff') return PowerStates.off;
  return null;
}

/**
 * Power through `#ComputerSystem.Reset`. BMCs accept a reset at once and change state later, so every action
 * waits until the BMC reports the state asked for, up to the action's timeout.
 */
export function redfishPower(connector: RedfishConnector): PowerInterface {
  const settings = connector.settings;

  const reset = async (task: TaskContext, type: ResetType) => {
    const { client, path, system } = await connector.getSystem(task, `power action ${type}`);
    const target = system.Actions?.['#ComputerSystem.Reset']?.target ?? `${path}/Actions/ComputerSystem.Reset`;
    const allowed = system.Actions?.['#ComputerSystem.Reset']?.['ResetType@Redfish.AllowableValues'];
    if (allowed && !allowed.includes(type)) {
      throw new DriverError(`Redfish power action ${type} is not supported by the BMC of node ${task.node.uuid} (it offers ${allowed.join(', ')})`);
    }
    await connector.call(task, `power action ${type}`, () => client.post(target, { ResetType: type }));
  };

  const current = async (task: TaskContext): Promise<PowerState | null> => {
    const { system } = await connector.getSystem(task, 'get power state');
    return powerStateOf(system.PowerState);
  };

  const waitFor = (task: TaskContext, wanted: PowerState, timeoutMs: number) =>
    waitForPowerState(() => current(task), wanted, timeoutMs, settings.powerPollIntervalMs, task.node.uuid);

  const timeoutOf = (seconds: number | undefined, fallbackMs: number) => (seconds === undefined ? fallbackMs : seconds * 1000);

  const set = async (task: TaskContext, state: PowerState, timeoutSeconds?: number) => {
    if ((await current(task)) !== state) {
      await reset(task, state === PowerStates.on ? 'On' : 'ForceOff');
    }
    await waitFor(task, state, timeoutOf(timeoutSeconds, settings.powerStateChangeTimeoutMs));
  };

  return {
    name: 'redfish',
    properties: () => ({ ...REDFISH_PROPERTIES }),
    validate: async (task) => {
      connector.info(task);
    },
    checkReachable: async (task) => {
      await connector.getSystem(task, 'validation');
    },
    getPowerState: current,
    setPowerState: set,
    // Off then on rather than ForceRestart: a boot device set just before takes effect on every BMC this way.
    reboot: async (task, timeoutSeconds) => {
      if ((await current(task)) === PowerStates.on) await set(task, PowerStates.off, timeoutSeconds);
      await set(task, PowerStates.on, timeoutSeconds);
    },
    supportedPowerStates: () => [
      PowerStates.on, PowerStates.off, PowerStates.rebooting, PowerStates.softOff, PowerStates.softRebooting,
    ],
    softPowerOff: async (task, timeoutSeconds) => {
      if ((await current(task)) === PowerStates.off) return;
      await reset(task, 'GracefulShutdown');
      await waitFor(task, PowerStates.off, timeoutOf(timeoutSeconds, settings.softPowerOffTimeoutMs));
    },
    softReboot: async (task, timeoutSeconds) => {
      if ((await current(task)) === PowerStates.off) {
        await set(task, PowerStates.on, timeoutSeconds);
        return;
      }
      await reset(task, 'GracefulRestart');
      await waitFor(task, PowerStates.on, timeoutOf(timeoutSeconds, settings.softPowerOffTimeoutMs));
    },
  };
}
