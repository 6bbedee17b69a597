import type { ChassisControlAction } from '../../clients/ipmi/commands.js';
import { PowerStates, type PowerInterface } from '../interfaces.js';
import { bmcPower, type PowerCommand } from '../generic/bmc-power.js';
import { IPMI_PROPERTIES } from './driver-info.js';
import type { IpmiConnector } from './ipmi-connection.js';
import { reapplyBootDevice } from './ipmi-management.js';

const CONTROL: Record<PowerCommand, ChassisControlAction> = {
  on: 'power-up', off: 'power-down', 'soft off': 'soft-shutdown', 'soft reboot': 'soft-shutdown',
};

/**
 * Power through Chassis Control, confirmed by Chassis Status. Ironic names this implementation `ipmitool`;
 * Ferrite speaks RMCP+ itself but keeps the name, so node definitions carry over.
 */
export function ipmiPower(connector: IpmiConnector): PowerInterface {
  return bmcPower({
    name: 'ipmitool',
    properties: () => ({ ...IPMI_PROPERTIES }),
    validate: async (task) => {
      connector.info(task);
    },
    checkReachable: async (task) => {
      await connector.call(task, 'validation', (info) => connector.client.getChassisStatus(info.target));
    },
    read: (task) => connector.call(task, 'get power state', async (info) =>
      ((await connector.client.getChassisStatus(info.target)).powerOn ? PowerStates.on : PowerStates.off)),
    send: (task, command) => connector.call(task, `power ${command}`, (info) => connector.client.chassisControl(info.target, CONTROL[command])),
    softRebootInOneCommand: false,
    beforePowerOn: (task) => reapplyBootDevice(connector, task),
  }, connector.settings);
}
