import { PowerStates, type PowerInterface, type PowerState, type TaskContext } from '../interfaces.js';
import { waitForPowerState } from '../generic/power-wait.js';
import { IPMI_PROPERTIES } from './driver-info.js';
import type { IpmiConnector } from './ipmi-connection.js';
import { reapplyBootDevice } from './ipmi-management.js';

/**
 * Power through Chassis Control, confirmed by Chassis Status: every action waits until the BMC reports the state
 * asked for, up to the action's timeout. Ironic names this implementation `ipmitool`; Ferrite speaks RMCP+
 * itself but keeps the name, so node definitions carry over.
 */
export function ipmiPower(connector: IpmiConnector): PowerInterface {
  const settings = connector.settings;
  const current = (task: TaskContext): Promise<PowerState> => connector.call(task, 'get power state', async (info) =>
    ((await connector.client.getChassisStatus(info.target)).powerOn ? PowerStates.on : PowerStates.off));
  const waitFor = (task: TaskContext, wanted: PowerState, timeoutMs: number) =>
    waitForPowerState(() => current(task), wanted, timeoutMs, settings.powerPollIntervalMs, task.node.uuid);
  const timeoutOf = (seconds: number | undefined, fallbackMs: number) => (seconds === undefined ? fallbackMs : seconds * 1000);

  const set = async (task: TaskContext, state: PowerState, timeoutSeconds?: number) => {
    if ((await current(task)) !== state) {
      if (state === PowerStates.on) await reapplyBootDevice(connector, task);
      await connector.call(task, `power ${state === PowerStates.on ? 'on' : 'off'}`,
        (info) => connector.client.chassisControl(info.target, state === PowerStates.on ? 'power-up' : 'power-down'));
    }
    await waitFor(task, state, timeoutOf(timeoutSeconds, settings.powerStateChangeTimeoutMs));
  };

  return {
    name: 'ipmitool',
    properties: () => ({ ...IPMI_PROPERTIES }),
    validate: async (task) => {
      connector.info(task);
    },
    checkReachable: async (task) => {
      await connector.call(task, 'validation', (info) => connector.client.getChassisStatus(info.target));
    },
    getPowerState: current,
    setPowerState: set,
    // Off then on, as Ironic does, so a boot device set just before is used by the next boot.
    reboot: async (task, timeoutSeconds) => {
      if ((await current(task)) === PowerStates.on) await set(task, PowerStates.off, timeoutSeconds);
      await set(task, PowerStates.on, timeoutSeconds);
    },
    supportedPowerStates: () => [
      PowerStates.on, PowerStates.off, PowerStates.rebooting, PowerStates.softOff, PowerStates.softRebooting,
    ],
    softPowerOff: async (task, timeoutSeconds) => {
      if ((await current(task)) === PowerStates.off) return;
      await connector.call(task, 'soft power off', (info) => connector.client.chassisControl(info.target, 'soft-shutdown'));
      await waitFor(task, PowerStates.off, timeoutOf(timeoutSeconds, settings.softPowerOffTimeoutMs));
    },
    softReboot: async (task, timeoutSeconds) => {
      if ((await current(task)) === PowerStates.on) {
        await connector.call(task, 'soft reboot', (info) => connector.client.chassisControl(info.target, 'soft-shutdown'));
        await waitFor(task, PowerStates.off, timeoutOf(timeoutSeconds, settings.softPowerOffTimeoutMs));
      }
      await set(task, PowerStates.on, timeoutSeconds);
    },
  };
}
