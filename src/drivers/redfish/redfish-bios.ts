import { setTimeout as sleep } from 'node:timers/promises';
import type { Bios } from '../../clients/redfish/wire-types.js';
import { DriverError, InvalidParameterValue } from '../../domain/errors.js';
import { PowerStates, type BiosInterface, type BiosSettingChange, type PowerInterface, type TaskContext } from '../interfaces.js';
import { REDFISH_PROPERTIES } from './driver-info.js';
import type { RedfishConnector } from './redfish-connection.js';

/** Ironic keeps BIOS values as text: numbers and booleans as Python would print them. */
function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function sameValue(actual: unknown, wanted: unknown): boolean {
  return actual === wanted || asText(actual) === asText(wanted);
}

/**
 * BIOS settings through the system's Bios resource and its `@Redfish.Settings` object. BMCs apply BIOS changes
 * only while the server restarts, so applying and resetting end with a power cycle (the node is left in the power
 * state it was found in) and return once the BMC reports the new values.
 */
export function redfishBios(connector: RedfishConnector, power: PowerInterface): BiosInterface {
  const biosOf = async (task: TaskContext, action: string) => {
    const { client, system, path } = await connector.getSystem(task, action);
    const link = system.Bios?.['@odata.id'];
    if (!link) throw new DriverError(`The BMC of node ${task.node.uuid} offers no BIOS resource for system ${path}`);
    const res = await connector.call(task, action, () => client.get<Bios>(link));
    return { client, link, bios: res.body };
  };

  const cache = async (task: TaskContext) => {
    const { bios } = await biosOf(task, 'read BIOS settings');
    const settings = Object.entries(bios.Attributes ?? {}).map(([name, value]) => ({ name, value: asText(value) }));
    await task.saveBiosSettings(settings);
  };

  /** Restarts the server so pending settings take effect, leaving it powered as it was found. */
  const restart = async (task: TaskContext) => {
    const was = await power.getPowerState(task);
    if (was === PowerStates.on) await power.setPowerState(task, PowerStates.off);
    await power.setPowerState(task, PowerStates.on);
    return was;
  };

  const waitApplied = async (task: TaskContext, wanted: readonly BiosSettingChange[] | null, defaults?: Record<string, unknown>) => {
    const deadline = Date.now() + connector.settings.powerStateChangeTimeoutMs;
    for (;;) {
      const { bios } = await biosOf(task, 'read BIOS settings');
      const attrs = bios.Attributes ?? {};
      const pending = wanted
        ? wanted.filter((w) => !sameValue(attrs[w.name], w.value))
        : Object.entries(defaults ?? {}).filter(([k, v]) => !sameValue(attrs[k], v)).map(([name, value]) => ({ name, value }));
      if (pending.length === 0) return;
      if (Date.now() > deadline) {
        const detail = pending.map((p) => `${p.name}=${asText(p.value)} (BMC reports ${asText(attrs[p.name])})`).join(', ');
        throw new DriverError(`BIOS settings of node ${task.node.uuid} were not applied after a restart: ${detail}`);
      }
      await sleep(Math.min(500, connector.settings.powerPollIntervalMs));
    }
  };

  return {
    name: 'redfish',
    properties: () => ({ ...REDFISH_PROPERTIES }),
    validate: async (task) => {
      connector.info(task);
    },
    cacheSettings: cache,
    applyConfiguration: async (task, settings) => {
      if (settings.length === 0) throw new InvalidParameterValue('The "settings" argument of bios.apply_configuration names no setting.');
      const { client, link, bios } = await biosOf(task, 'apply BIOS settings');
      const known = bios.Attributes ?? {};
      const unknown = settings.filter((s) => !(s.name in known)).map((s) => s.name);
      if (unknown.length > 0) {
        throw new InvalidParameterValue(`The BIOS of node ${task.node.uuid} has no setting named ${unknown.join(', ')}.`);
      }
      const target = bios['@Redfish.Settings']?.SettingsObject?.['@odata.id'] ?? link;
      const attributes = Object.fromEntries(settings.map((s) => [s.name, s.value]));
      await connector.call(task, 'apply BIOS settings', () => client.patch(target, { Attributes: attributes }));
      const was = await restart(task);
      await waitApplied(task, settings);
      if (was === PowerStates.off) await power.setPowerState(task, PowerStates.off);
      await cache(task);
    },
    factoryReset: async (task) => {
      const { client, link, bios } = await biosOf(task, 'reset BIOS settings');
      const action = (bios as { Actions?: Record<string, { target?: string }> }).Actions?.['#Bios.ResetBios']?.target
        ?? `${link}/Actions/Bios.ResetBios`;
      const res = await connector.call(task, 'reset BIOS settings', () => client.post(action, {}));
      const monitor = res.headers.location;
      if (res.status === 202 && monitor) {
        await connector.call(task, 'reset BIOS settings', () => client.waitForTask(monitor, connector.settings.taskTimeoutMs, 250));
      }
      const was = await restart(task);
      if (was === PowerStates.off) await power.setPowerState(task, PowerStates.off);
      await cache(task);
    },
  };
}
