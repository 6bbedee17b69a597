import type { RedfishPowerState, ResetType } from '../../clients/redfish/wire-types.js';
import { DriverError } from '../../domain/errors.js';
import { PowerStates, type PowerInterface, type PowerState, type TaskContext } from '../interfaces.js';
import { bmcPower, type PowerCommand } from '../generic/bmc-power.js';
import { REDFISH_PROPERTIES } from './driver-info.js';
import type { RedfishConnector } from './redfish-connection.js';

/** A BMC that is getting somewhere already counts as there, as Ironic reads it. */
export function powerStateOf(state: RedfishPowerState | null | undefined): PowerState | null {
  if (state === 'On' || state === 'PoweringOn') return PowerStates.on;
  if (state === 'Off' || state === 'PoweringOff') return PowerStates.off;
  return null;
}

const RESET: Record<PowerCommand, ResetType> = {
  on: 'On', off: 'ForceOff', 'soft off': 'GracefulShutdown', 'soft reboot': 'GracefulRestart',
};

/** Power through `#ComputerSystem.Reset`, limited to the ResetTypes the BMC says it accepts. */
export function redfishPower(connector: RedfishConnector): PowerInterface {
  const reset = async (task: TaskContext, type: ResetType) => {
    const { client, path, system } = await connector.getSystem(task, `power action ${type}`);
    const target = system.Actions?.['#ComputerSystem.Reset']?.target ?? `${path}/Actions/ComputerSystem.Reset`;
    const allowed = system.Actions?.['#ComputerSystem.Reset']?.['ResetType@Redfish.AllowableValues'];
    if (allowed && !allowed.includes(type)) {
      throw new DriverError(`Redfish power action ${type} is not supported by the BMC of node ${task.node.uuid} (it offers ${allowed.join(', ')})`);
    }
    await connector.call(task, `power action ${type}`, () => client.post(target, { ResetType: type }));
  };

  return bmcPower({
    name: 'redfish',
    properties: () => ({ ...REDFISH_PROPERTIES }),
    validate: async (task) => {
      connector.info(task);
    },
    checkReachable: async (task) => {
      await connector.getSystem(task, 'validation');
    },
    read: async (task) => powerStateOf((await connector.getSystem(task, 'get power state')).system.PowerState),
    send: (task, command) => reset(task, RESET[command]),
    softRebootInOneCommand: true,
  }, connector.settings);
}
