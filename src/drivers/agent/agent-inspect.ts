/**
 * The `agent` inspect interface: in-band inspection. The node network-boots the agent with an inspection callback
 * on its kernel command line; the agent sends its inventory there (`POST /v1/continue_inspection`), and the
 * conductor records what it learned — properties and ports — then powers the node off.
 */
import type { JsonObject } from '../../domain/node.js';
import type { InspectInterface, StepOutcome } from '../interfaces.js';
import type { AgentDriverSettings } from './agent-steps.js';
import { powerOff, powerOn, tidyRamdiskBoot } from './node-power.js';
import { findingsFromInventory, nicsToEnroll } from './inventory-rules.js';

export function agentInspect(settings: AgentDriverSettings): InspectInterface {
  return {
    name: 'agent',
    properties: () => ({}),
    validate: (task) => task.interfaces.boot.validate(task),

    async inspect(task): Promise<StepOutcome> {
      const { boot } = task.interfaces;
      await powerOff(task);
      await boot.prepareRamdisk(task, { 'ipa-inspection-callback-url': `${settings.boot.apiUrl}/v1/continue_inspection` });
      await powerOn(task);
      return 'wait';
    },

    async continueInspection(task, data: JsonObject) {
      const { properties, nics } = findingsFromInventory(data);
      const { inventory, ...pluginData } = data;
      await task.saveInventory(inventory as JsonObject, pluginData);
      await task.save({ properties: { ...task.node.properties, ...properties } });
      const added: string[] = [];
      for (const nic of nicsToEnroll(nics, settings.addPorts)) {
        const port = await task.addPort(nic.mac, { pxe_enabled: nics.some((n) => n.pxe) ? nic.pxe : true });
        if (port) added.push(nic.mac);
      }
      task.log.info({ properties, ports_added: added }, 'in-band inspection recorded');
      const { boot } = task.interfaces;
      await boot.cleanUpRamdisk(task);
      await powerOff(task);
    },

    failed: tidyRamdiskBoot,
  };
}
