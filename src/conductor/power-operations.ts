import { InvalidParameterValue, UnsupportedDriverExtension } from '../domain/errors.js';
import { PowerStates, type BootDevice, type PowerTarget } from '../drivers/interfaces.js';
import type { ConductorCore } from './conductor.js';
import type { NodeTask } from './node-task.js';

/** Power, boot device and other out-of-band management actions. */
export class PowerOperations {
  constructor(private readonly core: ConductorCore) {}

  /** Starts a power action; `target_power_state` shows it until the hardware reached the state. */
  async changePowerState(ident: string, target: PowerTarget, timeout: number | undefined): Promise<void> {
    const task = await this.core.acquire(ident, `power ${target}`);
    let handedOver: Promise<void> | undefined;
    let claim;
    try {
      const power = task.interfaces.power;
      if (!power.supportedPowerStates(task).includes(target)) {
        throw new InvalidParameterValue(`The requested action "${target}" is not supported by the power interface of node ${task.node.uuid}.`);
      }
      await power.validate(task);
      claim = this.core.claimWorker();
      const settled = target === PowerStates.off || target === PowerStates.softOff ? PowerStates.off : PowerStates.on;
      await task.save({ target_power_state: settled, last_error: null });
      handedOver = this.core.spawn(task, (t) => this.runPowerAction(t, target, timeout), claim);
    } finally {
      if (!handedOver) {
        claim?.release();
        await task.release();
      }
    }
    await handedOver;
  }

  private async runPowerAction(task: NodeTask, target: PowerTarget, timeout: number | undefined): Promise<void> {
    const power = task.interfaces.power;
    try {
      switch (target) {
        case PowerStates.on:
        case PowerStates.off:
          await power.setPowerState(task, target, timeout);
          break;
        case PowerStates.rebooting:
          await power.reboot(task, timeout);
          break;
        case PowerStates.softOff:
          await power.softPowerOff!(task, timeout);
          break;
        case PowerStates.softRebooting:
          await power.softReboot!(task, timeout);
          break;
      }
      const actual = await power.getPowerState(task);
      await task.save({ power_state: actual, target_power_state: null });
    } catch (e) {
      const message = `Failed to change power state to '${target}' for node ${task.node.uuid}: ${e instanceof Error ? e.message : String(e)}`;
      await task.save({ target_power_state: null, last_error: message });
      await task.recordHistory('power', message, 'ERROR');
    }
  }

  async setBootDevice(ident: string, device: BootDevice, persistent: boolean): Promise<void> {
    await this.core.withTask(ident, 'set boot device', async (task) => {
      await task.interfaces.management.validate(task);
      const supported = await task.interfaces.management.supportedBootDevices(task);
      if (!supported.includes(device)) {
        throw new InvalidParameterValue(`Invalid boot device ${device} specified. Supported: ${supported.join(', ')}`);
      }
      await task.interfaces.management.setBootDevice(task, device, persistent);
    });
  }

  getBootDevice(ident: string) {
    return this.core.withSharedTask(ident, 'get boot device', async (task) => {
      await task.interfaces.management.validate(task);
      return task.interfaces.management.getBootDevice(task);
    });
  }

  getSupportedBootDevices(ident: string) {
    return this.core.withSharedTask(ident, 'supported boot devices', (task) => task.interfaces.management.supportedBootDevices(task));
  }

  async injectNmi(ident: string): Promise<void> {
    await this.core.withTask(ident, 'inject nmi', async (task) => {
      const mgmt = task.interfaces.management;
      if (!mgmt.injectNmi) throw new UnsupportedDriverExtension(`Node ${task.node.uuid}'s management interface cannot inject NMI.`);
      await mgmt.validate(task);
      await mgmt.injectNmi(task);
    });
  }

  async setBootMode(ident: string, mode: 'uefi' | 'bios'): Promise<void> {
    await this.core.withTask(ident, 'set boot mode', async (task) => {
      const mgmt = task.interfaces.management;
      if (!mgmt.setBootMode) throw new UnsupportedDriverExtension(`Node ${task.node.uuid}'s management interface cannot set the boot mode.`);
      await mgmt.setBootMode(task, mode);
      await task.save({ boot_mode: mode });
    });
  }

  async setSecureBoot(ident: string, on: boolean): Promise<void> {
    await this.core.withTask(ident, 'set secure boot', (task) => task.save({ secure_boot: on }));
  }

  async setConsole(ident: string, enabled: boolean): Promise<void> {
    await this.core.withTask(ident, 'set console', async (task) => {
      const console = task.interfaces.console;
      await console.validate(task);
      try {
        if (enabled) await console.startConsole?.(task);
        else await console.stopConsole?.(task);
        await task.save({ console_enabled: enabled, last_error: null });
      } catch (e) {
        const message = `Failed to ${enabled ? 'start' : 'stop'} the console of node ${task.node.uuid}: ${e instanceof Error ? e.message : String(e)}`;
        await task.save({ last_error: message });
        await task.recordHistory('console', message, 'ERROR');
      }
    });
  }

  /** The console's address while it is enabled (`console_info`), null otherwise. */
  getConsole(ident: string) {
    return this.core.withSharedTask(ident, 'get console', async (task) => {
      const console = task.interfaces.console;
      return {
        console_enabled: task.node.console_enabled,
        console_info: task.node.console_enabled && console.getConsole ? console.getConsole(task) : null,
      };
    });
  }
}
