import { INTERFACE_SLOTS, type InterfaceSlot, type Node } from '../domain/node.js';
import { InvalidParameterValue, NoValidHost } from '../domain/errors.js';
import type { AnyInterface, HardwareType, NodeInterfaces } from './interfaces.js';
import { fakeHardwareType } from './fake/fake-hardware.js';
import {
  fakeBios, fakeBoot, fakeDeploy, fakeInspect, fakeManagement, fakePassive, fakePower, fakeRescue, type FakeDelays,
} from './fake/fake-interfaces.js';
import { noInspect, noManagement, noRescue, passive, unsupportedPassive } from './generic/no-op-interfaces.js';
import { noopNetwork } from './generic/noop-network.js';
import { redfishHardwareType } from './redfish/redfish-hardware.js';
import { RedfishConnector, type RedfishSettings } from './redfish/redfish-connection.js';
import { redfishPower } from './redfish/redfish-power.js';
import { redfishManagement } from './redfish/redfish-management.js';
import { redfishInspect } from './redfish/redfish-inspect.js';
import { redfishBios } from './redfish/redfish-bios.js';
import { ipmiHardwareType } from './ipmi/ipmi-hardware.js';
import { IpmiConnector, type IpmiSettings } from './ipmi/ipmi-connection.js';
import { ipmiPower } from './ipmi/ipmi-power.js';
import { ipmiManagement } from './ipmi/ipmi-management.js';
import { ipmiSocatConsole, type ConsoleSettings } from './ipmi/ipmi-console.js';
import { ConsoleProcesses } from './ipmi/console-processes.js';
import { AgentSteps, type AgentDriverSettings } from './agent/agent-steps.js';
import { directDeploy } from './agent/direct-deploy.js';
import { agentInspect } from './agent/agent-inspect.js';
import type { BootSettings } from './pxe/boot-settings.js';
import { ipxeBoot, pxeBoot } from './pxe/pxe-boot.js';
import { redfishVirtualMediaBoot } from './redfish/redfish-virtual-media-boot.js';

export interface DriverConfig {
  enabledHardwareTypes: readonly string[];
  /** `enabled_<slot>_interfaces`; an absent slot means every implementation Ferrite has. */
  enabledInterfaces: Partial<Record<InterfaceSlot, readonly string[]>>;
  /** `default_<slot>_interface` */
  defaultInterfaces: Partial<Record<InterfaceSlot, string>>;
  fakeDelays: FakeDelays;
  redfish: RedfishSettings;
  ipmi: IpmiSettings;
  console: ConsoleSettings;
  boot: BootSettings;
  agent: Omit<AgentDriverSettings, 'boot'>;
}

const HARDWARE_TYPES: readonly HardwareType[] = [fakeHardwareType, ipmiHardwareType, redfishHardwareType];

type Implementations = { [S in InterfaceSlot]: Record<string, NodeInterfaces[S]> };

function buildImplementations(
  delays: FakeDelays, redfish: RedfishConnector, ipmi: IpmiConnector, consoles: ConsoleProcesses, console: ConsoleSettings,
  boot: BootSettings, agentSettings: Omit<AgentDriverSettings, 'boot'>,
): Implementations {
  const redfishPowerImpl = redfishPower(redfish);
  const agent = new AgentSteps({ ...agentSettings, boot });
  return {
    power: { fake: fakePower(delays), redfish: redfishPowerImpl, ipmitool: ipmiPower(ipmi) },
    management: {
      fake: fakeManagement(delays), 'no-management': noManagement(), redfish: redfishManagement(redfish), ipmitool: ipmiManagement(ipmi),
    },
    boot: {
      fake: fakeBoot(delays), ipxe: ipxeBoot(boot), pxe: pxeBoot(boot), 'redfish-virtual-media': redfishVirtualMediaBoot(redfish, boot),
    },
    deploy: { fake: fakeDeploy(delays), direct: directDeploy(agent) },
    inspect: { fake: fakeInspect(delays), 'no-inspect': noInspect(), redfish: redfishInspect(redfish), agent: agentInspect(agent.settings) },
    rescue: { fake: fakeRescue(delays), 'no-rescue': noRescue() },
    network: { noop: noopNetwork() },
    console: { fake: fakePassive(), 'no-console': unsupportedPassive('console'), 'ipmitool-socat': ipmiSocatConsole(consoles, console) },
    storage: { fake: fakePassive(), noop: passive('noop') },
    raid: { fake: fakePassive(), 'no-raid': unsupportedPassive('raid') },
    bios: { fake: fakeBios(), 'no-bios': unsupportedPassive('bios'), redfish: redfishBios(redfish, redfishPowerImpl) },
    vendor: { fake: fakePassive(), 'no-vendor': unsupportedPassive('vendor') },
    firmware: { fake: fakePassive(), 'no-firmware': unsupportedPassive('firmware') },
  };
}

/**
 * Resolves hardware types and interface implementations by Ironic's rules: an implementation is usable for a
 * node when it is enabled in the configuration and supported by the node's hardware type; the default for a slot
 * is `default_<slot>_interface` when usable, else the first usable one in the hardware type's order of preference.
 */
export class DriverRegistry {
  private readonly impls: Implementations;
  private readonly types: Map<string, HardwareType>;
  private readonly ipmi: IpmiConnector;
  private readonly consoles = new ConsoleProcesses();

  constructor(private readonly config: DriverConfig) {
    this.ipmi = new IpmiConnector(config.ipmi);
    this.impls = buildImplementations(
      config.fakeDelays, new RedfishConnector(config.redfish), this.ipmi, this.consoles, config.console, config.boot, config.agent,
    );
    this.types = new Map();
    for (const name of config.enabledHardwareTypes) {
      const type = HARDWARE_TYPES.find((t) => t.name === name);
      if (!type) {
        throw new Error(
          `[DEFAULT] enabled_hardware_types: unknown hardware type "${name}" (available: ${HARDWARE_TYPES.map((t) => t.name).join(', ')})`,
        );
      }
      this.types.set(name, type);
    }
    for (const slot of INTERFACE_SLOTS) {
      for (const name of config.enabledInterfaces[slot] ?? []) {
        if (!(name in this.impls[slot])) {
          throw new Error(
            `[DEFAULT] enabled_${slot}_interfaces: unknown interface "${name}" (available: ${Object.keys(this.impls[slot]).join(', ')})`,
          );
        }
      }
    }
    for (const type of this.types.values()) {
      for (const slot of INTERFACE_SLOTS) this.defaultInterface(type.name, slot);
    }
  }

  /** Ends BMC sessions the drivers keep open. */
  async close(): Promise<void> {
    await this.consoles.stopAll();
    await this.ipmi.close();
  }

  /** Where nodes network-boot from: the boot file server renders what the boot interfaces recorded. */
  get bootSettings(): BootSettings {
    return this.config.boot;
  }

  hardwareTypeNames(): string[] {
    return [...this.types.keys()];
  }

  hasHardwareType(name: string): boolean {
    return this.types.has(name);
  }

  private type(name: string): HardwareType {
    const t = this.types.get(name);
    if (!t) {
      throw new NoValidHost(
        `No valid host was found. Reason: No conductor service registered which supports driver ${name} for conductor group "".`,
      );
    }
    return t;
  }

  /** Implementations enabled in the configuration for `slot`, across hardware types. */
  enabledInterfaces(slot: InterfaceSlot): string[] {
    return [...(this.config.enabledInterfaces[slot] ?? Object.keys(this.impls[slot]))];
  }

  /** Implementations of `slot` a node of hardware type `typeName` may use. */
  usableInterfaces(typeName: string, slot: InterfaceSlot): string[] {
    const enabled = new Set(this.enabledInterfaces(slot));
    return this.type(typeName).supported[slot].filter((n) => enabled.has(n));
  }

  defaultInterface(typeName: string, slot: InterfaceSlot): string {
    const usable = this.usableInterfaces(typeName, slot);
    const configured = this.config.defaultInterfaces[slot];
    if (configured !== undefined && usable.includes(configured)) return configured;
    const first = usable[0];
    if (first === undefined) {
      throw new Error(
        `No valid default ${slot} interface for hardware type ${typeName}: none of ${this.type(typeName).supported[slot].join(', ')} is enabled`,
      );
    }
    return first;
  }

  /** Throws the error Ironic gives when `name` cannot be the `slot` interface of a `typeName` node. */
  checkInterface(typeName: string, slot: InterfaceSlot, name: unknown): void {
    const type = this.type(typeName);
    if (typeof name !== 'string' || !this.enabledInterfaces(slot).includes(name)) {
      throw new InvalidParameterValue(
        `Could not find the following interface in the 'ironic.hardware.interfaces.${slot}' entrypoint: ${String(name)}. Valid interfaces are ${this.enabledInterfaces(slot).join(', ')}.`,
      );
    }
    if (!type.supported[slot].includes(name)) {
      throw new InvalidParameterValue(
        `${slot} interface implementation '${name}' is not supported by hardware type ${typeName}.`,
      );
    }
  }

  /** The driver_info keys the hardware type's default interfaces read, with descriptions. */
  properties(typeName: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const slot of INTERFACE_SLOTS) Object.assign(out, this.impl(slot, this.defaultInterface(typeName, slot)).properties());
    return out;
  }

  private impl<S extends InterfaceSlot>(slot: S, name: string): NodeInterfaces[S] {
    const impl = this.impls[slot][name];
    if (!impl) throw new InvalidParameterValue(`Interface ${name} is not available for ${slot}.`);
    return impl;
  }

  /** The node's interface implementations, by the names stored on it. */
  resolve(node: Node): NodeInterfaces {
    this.type(node.driver);
    const out: Partial<Record<InterfaceSlot, AnyInterface>> = {};
    for (const slot of INTERFACE_SLOTS) out[slot] = this.impl(slot, node[`${slot}_interface`]);
    return out as NodeInterfaces;
  }
}
