/**
 * The contracts of hardware interfaces. A node's driver is a hardware type plus one implementation per slot; the
 * conductor only ever talks to a node's hardware through these. Every method receives the task context of the
 * conductor task that holds the node's reservation.
 */
import type { Logger } from 'pino';
import type { InterfaceSlot, JsonObject, Node } from '../domain/node.js';
import type { Port, Portgroup } from '../domain/resources.js';

export const PowerStates = {
  on: 'power on',
  off: 'power off',
  rebooting: 'rebooting',
  softOff: 'soft power off',
  softRebooting: 'soft rebooting',
} as const;
export type PowerState = 'power on' | 'power off';
export type PowerTarget = (typeof PowerStates)[keyof typeof PowerStates];

export const BOOT_DEVICES = [
  'pxe', 'disk', 'cdrom', 'bios', 'safe', 'wanboot', 'iscsiboot', 'floppy', 'uefihttp',
] as const;
export type BootDevice = (typeof BOOT_DEVICES)[number];

/** What an interface sees of the task: the reserved node, its ports, and a way to record progress. */
export interface TaskContext {
  readonly node: Node;
  readonly ports: readonly Port[];
  readonly portgroups: readonly Portgroup[];
  readonly log: Logger;
  /** The node's other interfaces: a boot interface sets the boot device through management, a deploy interface powers through power. */
  readonly interfaces: NodeInterfaces;
  /** Persists changes to the reserved node (driver_internal_info, power_state, ...). */
  save(changes: Partial<Node>): Promise<void>;
  savePort(port: Port, changes: Partial<Port>): Promise<void>;
  savePortgroup(portgroup: Portgroup, changes: Partial<Portgroup>): Promise<void>;
  /**
   * Enrolls a port discovered on the node (by inspection). Returns null, changing nothing, when a port with that
   * hardware address already exists on any node.
   */
  /** Replaces the node's cached BIOS settings with what the hardware reported. */
  saveBiosSettings(settings: readonly { name: string; value: string | null }[]): Promise<void>;
  /** Records what in-band inspection found (GET /v1/nodes/{node}/inventory), replacing an earlier record. */
  saveInventory(inventory: JsonObject, pluginData: JsonObject): Promise<void>;
  addPort(address: string, fields?: Partial<Pick<Port, 'pxe_enabled' | 'extra' | 'local_link_connection'>>): Promise<Port | null>;
}

/** How a long action ended: finished now, or waiting for a callback (an agent heartbeat, an async BMC job). */
export type StepOutcome = 'done' | 'wait';

export interface HardwareInterface {
  /** Implementation name as configured (`fake`, `redfish`, `no-console`, ...). */
  readonly name: string;
  /** driver_info keys this interface reads, with a description (shown by `GET /v1/drivers/{name}/properties`). */
  properties(): Record<string, string>;
  /** Throws InvalidParameterValue/MissingParameterValue when the node's settings cannot work. */
  validate(task: TaskContext): Promise<void>;
  /**
   * Contacts the hardware to show the settings really work (address, credentials, certificate). Only the node
   * validation endpoint calls it: actions find out by doing.
   */
  checkReachable?(task: TaskContext): Promise<void>;
}

export interface PowerInterface extends HardwareInterface {
  /** null when the hardware cannot tell (a fake node never powered). */
  getPowerState(task: TaskContext): Promise<PowerState | null>;
  setPowerState(task: TaskContext, state: PowerState, timeoutSeconds?: number): Promise<void>;
  reboot(task: TaskContext, timeoutSeconds?: number): Promise<void>;
  /** Soft power off / soft reboot where the hardware offers them. */
  supportedPowerStates(task: TaskContext): PowerTarget[];
  softPowerOff?(task: TaskContext, timeoutSeconds?: number): Promise<void>;
  softReboot?(task: TaskContext, timeoutSeconds?: number): Promise<void>;
}

export interface ManagementInterface extends HardwareInterface {
  supportedBootDevices(task: TaskContext): Promise<BootDevice[]>;
  setBootDevice(task: TaskContext, device: BootDevice, persistent: boolean): Promise<void>;
  getBootDevice(task: TaskContext): Promise<{ boot_device: BootDevice | null; persistent: boolean | null }>;
  injectNmi?(task: TaskContext): Promise<void>;
  getBootMode?(task: TaskContext): Promise<'uefi' | 'bios' | null>;
  setBootMode?(task: TaskContext, mode: 'uefi' | 'bios'): Promise<void>;
}

export interface BootInterface extends HardwareInterface {
  prepareRamdisk(task: TaskContext, ramdiskParams: JsonObject): Promise<void>;
  cleanUpRamdisk(task: TaskContext): Promise<void>;
  prepareInstance(task: TaskContext): Promise<void>;
  cleanUpInstance(task: TaskContext): Promise<void>;
}

export interface DeployInterface extends HardwareInterface {
  prepare(task: TaskContext): Promise<void>;
  deploy(task: TaskContext): Promise<StepOutcome>;
  tearDown(task: TaskContext): Promise<void>;
  cleanUp(task: TaskContext): Promise<void>;
  /** Automated cleaning: runs the interface's clean steps. */
  clean(task: TaskContext, steps: readonly JsonObject[] | null): Promise<StepOutcome>;
  /**
   * Agent-driven deploys: called when the node's agent heartbeats while the node waits in `wait call-back` (the
   * node is then `deploying`). 'done' means the instance is deployed and booting.
   */
  continueDeploy?(task: TaskContext): Promise<StepOutcome>;
  /** The same for cleaning: the agent heartbeats while the node waits in `clean wait`. */
  continueClean?(task: TaskContext): Promise<StepOutcome>;
  /**
   * Best-effort tidying after a deploy or cleaning failed, timed out or was aborted: leaves the node powered off
   * and its ramdisk boot undone. Must not throw.
   */
  failed?(task: TaskContext): Promise<void>;
}

export interface InspectInterface extends HardwareInterface {
  inspect(task: TaskContext): Promise<StepOutcome>;
  /** In-band inspection: the agent sent its inventory while the node waits in `inspect wait`. */
  continueInspection?(task: TaskContext, data: JsonObject): Promise<void>;
  /** Best-effort tidying after an inspection failed, timed out or was aborted. Must not throw. */
  failed?(task: TaskContext): Promise<void>;
}

export interface RescueInterface extends HardwareInterface {
  rescue(task: TaskContext): Promise<StepOutcome>;
  unrescue(task: TaskContext): Promise<void>;
}

export interface NetworkInterface extends HardwareInterface {
  vifList(task: TaskContext): Promise<{ id: string }[]>;
  vifAttach(task: TaskContext, vif: { id: string; port_uuid?: string; portgroup_uuid?: string }): Promise<void>;
  vifDetach(task: TaskContext, vifId: string): Promise<void>;
}

/** A BIOS setting to apply, as clean steps give it: Ironic passes values through as the operator wrote them. */
export interface BiosSettingChange {
  name: string;
  value: unknown;
}

/**
 * BIOS management. Implementations that cannot read or change the BIOS (no-bios, fake) leave the methods out;
 * cleaning refuses BIOS steps on them with a clear message.
 */
export interface BiosInterface extends HardwareInterface {
  /** Reads the settings from the hardware into the node's cache (GET /v1/nodes/{node}/bios). */
  cacheSettings?(task: TaskContext): Promise<void>;
  /** Clean step `bios.apply_configuration`: the settings are in effect, and cached, when it returns. */
  applyConfiguration?(task: TaskContext, settings: readonly BiosSettingChange[]): Promise<void>;
  /** Clean step `bios.factory_reset`. */
  factoryReset?(task: TaskContext): Promise<void>;
}

/** Where a node's serial console can be reached, as Ironic shows it in `console_info`. */
export interface ConsoleInfo {
  type: string;
  url: string;
}

/**
 * The node's serial console. Implementations without a real console (fake, no-console) leave the methods out:
 * enabling then only records the wish, as Ironic's fake console does.
 */
export interface ConsoleInterface extends HardwareInterface {
  startConsole?(task: TaskContext): Promise<void>;
  stopConsole?(task: TaskContext): Promise<void>;
  getConsole?(task: TaskContext): ConsoleInfo;
}

/** Slots without behaviour of their own in this release: validated and reported, nothing more. */
export type PassiveInterface = HardwareInterface;

export interface NodeInterfaces {
  power: PowerInterface;
  management: ManagementInterface;
  boot: BootInterface;
  deploy: DeployInterface;
  inspect: InspectInterface;
  rescue: RescueInterface;
  network: NetworkInterface;
  console: ConsoleInterface;
  storage: PassiveInterface;
  raid: PassiveInterface;
  bios: BiosInterface;
  vendor: PassiveInterface;
  firmware: PassiveInterface;
}

export type AnyInterface = NodeInterfaces[InterfaceSlot];

/** A hardware type: which implementations it supports per slot, in order of preference. */
export interface HardwareType {
  readonly name: string;
  readonly supported: Readonly<Record<InterfaceSlot, readonly string[]>>;
}
