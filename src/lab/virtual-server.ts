// One emulated server: its power and boot behaviour, firmware settings, virtual media and serial console.
// Timers exist only while a power transition or a boot is under way, so an idle lab of 10,000 servers holds none.
// Network and virtual media boots fetch over HTTP (boot-firmware.ts) and end in a real agent process
// (agent-processes.ts); every boot carries a generation, so one that power-off or reset overtook changes nothing.
import { appendFileSync, closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { AgentProcess, writePowerHook } from './agent-processes.js';
import { biosDefaults } from './bios-attributes.js';
import { mediaBoot, netboot, type FirmwareEnv, type LoadedRamdisk } from './boot-firmware.js';
import { diskBootHash, diskLooksBootable } from './disk-image.js';
import type { BatchedWriter, Persistable } from './state-files.js';
import type {
  BootMode, BootRecordEntry, BootResult, BootTarget, LabFaults, LabServerInfo, LabServerState, MediaSlot, OsState, PowerState,
  ServerCoreState,
} from './lab-types.js';

/** What a server knows of its IPMI BMC process (kept by the lab's ipmi_sim supervisor). */
export interface IpmiBmcStatus {
  readonly port: number;
  readonly pid: number | undefined;
  readonly restarts: number;
}

export const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'PowerCycle', 'Nmi'] as const;
export type ResetType = (typeof RESET_TYPES)[number];
export type MediaSlotName = 'Cd' | 'Floppy';

const HISTORY_LIMIT = 50;
const CONSOLE_TAIL_LINES = 200;
const CONSOLE_TAIL_BYTES = 64 * 1024;

/** What state.json holds; everything else about a server is derived from its index and the lab's options. */
export interface ServerRecord extends ServerCoreState {
  index: number;
}

export interface LabSettings {
  powerDelayMs: number;
  bootDelayMs: number;
}

/** What the servers' firmware reaches: the DHCP bootfile, and the lab hook their agents' power command calls. */
export interface BootEnvironment {
  bootUrl?: string;
  hook?: { port: number; token: string };
}

export interface ServerContext {
  settings: LabSettings;
  writer: BatchedWriter;
  boot: BootEnvironment;
}

type Step = 'on' | 'off' | 'reboot';

interface BootChoice {
  target: BootTarget;
  result: BootResult;
  media?: string;
  diskSha256?: string;
  ramdisk?: LoadedRamdisk;
}

export function newServerRecord(index: number, uuid: string): ServerRecord {
  const emptySlot = (): MediaSlot => ({ image: '', inserted: false, writeProtected: true });
  return {
    index,
    uuid,
    name: `lab-${index}`,
    power: 'off',
    os: 'off',
    boot: { target: 'None', enabled: 'Disabled', mode: 'UEFI' },
    virtualMedia: { Cd: emptySlot(), Floppy: emptySlot() },
    bios: { current: biosDefaults(), pending: {} },
    indicatorLed: 'Off',
    assetTag: '',
    bootRecord: [],
    nmiCount: 0,
    resets: [],
  };
}

/** Two NICs per server, numbered from the index so MACs are stable and unique across up to 8 million servers. */
export function macsFor(index: number): string[] {
  return [0, 1].map((nic) => {
    const v = index * 2 + nic;
    const bytes = [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff].map((b) => b.toString(16).padStart(2, '0'));
    return `52:54:00:${bytes.join(':')}`;
  });
}

export class VirtualServer implements Persistable {
  readonly statePath: string;
  readonly diskPath: string;
  private readonly consolePath: string;
  faults: LabFaults = {};
  /** Until then, the BMC is "rebooting": its requests are refused. */
  rebootUntil = 0;
  /** Sessions created before this instant are not honoured by this BMC (they died with its reboot). */
  tokensValidAfter = 0;
  /** The server's IPMI BMC (an ipmi_sim process) when the lab runs with IPMI. */
  ipmi: IpmiBmcStatus | undefined;
  private pending: { steps: Step[]; at: number } | undefined;
  private powerTimer: NodeJS.Timeout | undefined;
  private bootTimer: NodeJS.Timeout | undefined;
  /** Bumped by every boot and every power loss: a boot still fetching when it changes is dropped. */
  private bootGeneration = 0;
  private bootAbort: AbortController | undefined;
  private agent: AgentProcess | undefined;

  constructor(
    readonly rec: ServerRecord,
    readonly dir: string,
    readonly diskBytes: number,
    private readonly ctx: ServerContext,
  ) {
    this.statePath = join(dir, 'state.json');
    this.diskPath = join(dir, 'disk.img');
    this.consolePath = join(dir, 'console.log');
    // A lab stopped mid-boot comes back with the boot finished: nothing would ever complete it otherwise.
    if (rec.os === 'booting') rec.os = rec.power === 'on' ? osAfterBoot(rec.bootRecord.at(-1)?.result) : 'off';
  }

  get id(): string {
    return this.rec.uuid;
  }

  get systemPath(): string {
    return `/redfish/v1/Systems/${this.rec.uuid}`;
  }

  info(): LabServerInfo {
    const info: LabServerInfo = { id: this.id, uuid: this.rec.uuid, name: this.rec.name, systemPath: this.systemPath, macs: macsFor(this.rec.index) };
    if (this.ipmi) info.ipmiPort = this.ipmi.port;
    return info;
  }

  persistedState(): ServerRecord {
    return this.rec;
  }

  /** Records a change: state is written soon, in a batch. */
  touch(): void {
    this.ctx.writer.mark(this);
  }

  console(line: string): void {
    appendFileSync(this.consolePath, `${new Date().toISOString()} ${line}\n`);
  }

  /**
   * `via: 'ipmi'` when the request came from the server's IPMI BMC (ipmi_sim), which maps its commands onto these;
   * `via: 'agent'` when the agent's power command asked (what the kernel's poweroff/reboot do on real hardware).
   */
  reset(type: ResetType, via: 'redfish' | 'ipmi' | 'agent' = 'redfish'): void {
    pushCapped(this.rec.resets, via === 'redfish' ? { at: new Date().toISOString(), type } : { at: new Date().toISOString(), type, via });
    this.console(via === 'ipmi' ? `BMC: IPMI chassis control (${type})` : via === 'agent' ? `HOST: agent power command (${type})` : `BMC: ComputerSystem.Reset ${type}`);
    const on = this.rec.power === 'on';
    const osRunning = this.rec.os === 'running';
    switch (type) {
      case 'On':
        this.cancelPending();
        if (!on) this.schedule(['on']);
        break;
      case 'ForceOff':
        this.cancelPending();
        if (on) this.schedule(['off']);
        break;
      case 'GracefulShutdown':
        // Without an OS nothing listens to the ACPI power button: the request is accepted and has no effect.
        if (on && osRunning) {
          this.cancelPending();
          this.schedule(['off']);
        } else this.console('ACPI: power button event ignored (no operating system running)');
        break;
      case 'GracefulRestart':
        if (on && osRunning) {
          this.cancelPending();
          this.schedule(['off', 'on']);
        } else this.console('ACPI: restart request ignored (no operating system running)');
        break;
      case 'ForceRestart':
        // A powered-off server stays off: a warm reset has nothing to reset.
        if (on) {
          this.cancelPending();
          this.schedule(['reboot']);
        }
        break;
      case 'PowerCycle':
        this.cancelPending();
        this.schedule(on ? ['off', 'on'] : ['on']);
        break;
      case 'Nmi':
        this.nmi();
        break;
    }
    this.touch();
  }

  private nmi(): void {
    this.rec.nmiCount++;
    this.console('NMI: non-maskable interrupt received');
    if (this.rec.os === 'running') {
      this.rec.os = 'crashed';
      this.console('OS: kernel panic - not syncing: NMI received; system halted');
    }
  }

  private schedule(steps: Step[]): void {
    const delay = this.ctx.settings.powerDelayMs;
    this.pending = { steps, at: Date.now() + delay };
    this.powerTimer = setTimeout(() => {
      this.powerTimer = undefined;
      const [step, ...rest] = steps;
      this.pending = undefined;
      this.applyStep(step);
      if (rest.length > 0) this.schedule(rest);
      this.touch();
    }, delay);
  }

  /** Where a pending power transition goes next (a warm reset keeps the power on); undefined when none is pending. */
  get pendingPowerTarget(): PowerState | undefined {
    if (this.pending === undefined) return undefined;
    return this.pending.steps[0] === 'off' ? 'off' : 'on';
  }

  private cancelPending(): void {
    if (this.powerTimer !== undefined) clearTimeout(this.powerTimer);
    this.powerTimer = undefined;
    this.pending = undefined;
  }

  private applyStep(step: Step | undefined): void {
    if (step === 'off') {
      void this.cancelBoot();
      this.rec.power = 'off';
      this.rec.os = 'off';
      this.console('POWER: off');
    } else if (step === 'on') {
      this.rec.power = 'on';
      this.console('POWER: on');
      this.boot();
    } else if (step === 'reboot') {
      this.console('POWER: warm reset');
      this.boot();
    }
  }

  private boot(): void {
    void this.cancelBoot();
    const generation = this.bootGeneration;
    this.applyPendingBios();
    const boot = this.rec.boot;
    this.console(`POST: Ferrite Lab firmware, 2 processors, 8192 MiB memory, boot mode ${boot.mode}`);
    let order: BootTarget[];
    if (boot.enabled !== 'Disabled' && boot.target !== 'None') {
      // As real firmware does, a device that boots nothing hands over to the disk.
      order = boot.target === 'Hdd' || boot.target === 'BiosSetup' ? [boot.target] : [boot.target, 'Hdd'];
      this.console(`BOOT: override ${boot.target} (${boot.enabled})`);
      if (boot.enabled === 'Once') {
        boot.enabled = 'Disabled';
        boot.target = 'None';
      }
    } else order = ['Hdd', 'Pxe'];
    this.rec.os = 'booting';
    const abort = new AbortController();
    this.bootAbort = abort;
    this.runBoot(order, generation, abort.signal).catch((e: unknown) => {
      if (generation !== this.bootGeneration) return;
      this.console(`BOOT: firmware error: ${e instanceof Error ? e.message : String(e)}`);
      this.finishBoot({ target: order[0], result: 'no bootable device' }, generation);
    });
  }

  private async runBoot(order: BootTarget[], generation: number, signal: AbortSignal): Promise<void> {
    let choice: BootChoice | undefined;
    for (const target of order) {
      const c = await this.tryTarget(target, signal);
      if (generation !== this.bootGeneration) return;
      if (c.result !== 'no bootable device') {
        choice = c;
        break;
      }
      // The record names the device asked for (the override, or the network after the disk), not the disk fallback.
      choice ??= order.length === 1 || target !== 'Hdd' ? c : undefined;
    }
    choice ??= { target: order.at(-1) ?? 'Hdd', result: 'no bootable device' };
    if (choice.ramdisk !== undefined && !(await this.startAgent(choice.ramdisk, generation))) {
      if (generation !== this.bootGeneration) return;
      choice = { target: choice.target, result: 'no bootable device', media: choice.media };
    }
    this.finishBoot(choice, generation);
  }

  private finishBoot(choice: BootChoice, generation: number): void {
    if (generation !== this.bootGeneration) return;
    const { mode } = this.rec.boot;
    const entry: BootRecordEntry = { at: new Date().toISOString(), target: choice.target, mode, result: choice.result };
    if (choice.media !== undefined) entry.media = choice.media;
    if (choice.diskSha256 !== undefined) entry.diskSha256 = choice.diskSha256;
    pushCapped(this.rec.bootRecord, entry);
    this.console(`BOOT: ${choice.target} (${mode})${choice.media ? ` media ${choice.media}` : ''} -> ${choice.result}`);
    if (choice.diskSha256 !== undefined) this.console(`OS: booted from disk, first MiB sha256=${choice.diskSha256}`);
    this.touch();
    this.bootTimer = setTimeout(() => {
      this.bootTimer = undefined;
      this.rec.os = osAfterBoot(choice.result);
      this.console(`OS: ${this.rec.os}${choice.result === 'ramdisk' ? ' (ramdisk)' : ''}`);
      this.touch();
    }, this.ctx.settings.bootDelayMs);
  }

  private async tryTarget(target: BootTarget, signal: AbortSignal): Promise<BootChoice> {
    const vm = this.rec.virtualMedia;
    const macs = macsFor(this.rec.index);
    switch (target) {
      case 'Hdd':
        return diskLooksBootable(this.diskPath)
          ? { target, result: 'os', diskSha256: diskBootHash(this.diskPath) }
          : { target, result: 'no bootable device' };
      case 'Cd':
      case 'Usb': {
        const slot = target === 'Cd' ? vm.Cd : vm.Floppy;
        if (!slot.inserted) return { target, result: 'no bootable device' };
        const media = slot.image;
        const r = await mediaBoot(this.firmwareEnv(signal), media, macs, `VMEDIA: ${target === 'Cd' ? 'Cd' : 'Floppy'}`);
        return r.kind === 'ramdisk' ? { target, result: 'ramdisk', media, ramdisk: r.ramdisk } : { target, result: 'no bootable device', media };
      }
      case 'Pxe':
      case 'UefiHttp': {
        const r = await netboot(this.firmwareEnv(signal), this.ctx.boot.bootUrl, macs, target === 'Pxe' ? 'PXE' : 'HTTPBOOT');
        return r.kind === 'ramdisk' ? { target, result: 'ramdisk', ramdisk: r.ramdisk } : { target, result: 'no bootable device' };
      }
      case 'BiosSetup':
        return { target, result: 'setup' };
    }
  }

  private firmwareEnv(signal: AbortSignal): FirmwareEnv {
    return {
      serverDir: this.dir, uuid: this.rec.uuid, platform: this.rec.boot.mode === 'UEFI' ? 'efi' : 'pcbios', signal,
      console: (line) => this.console(line),
    };
  }

  /** The ramdisk's "kernel" runs the agent; false when it could not start (said on the console). */
  private async startAgent(ramdisk: LoadedRamdisk, generation: number): Promise<boolean> {
    const hook = this.ctx.boot.hook;
    if (hook === undefined) {
      this.console('AGENT: the lab hook is not running: no power command to give the agent');
      return false;
    }
    let proc: AgentProcess;
    try {
      proc = await AgentProcess.start({
        program: ramdisk.initrdPath,
        cmdline: ramdisk.images.cmdline,
        macs: macsFor(this.rec.index),
        disk: this.diskPath,
        powerCommand: writePowerHook(this.dir, this.rec.uuid, this.rec.name, hook),
        output: (line) => this.console(`AGENT: ${line}`),
        exited: (how) => {
          this.console(`AGENT: process ${how}`);
          if (this.agent === proc) {
            this.agent = undefined;
            this.touch();
          }
        },
      });
    } catch (e) {
      this.console(`AGENT: could not start ${ramdisk.initrdPath}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
    if (generation !== this.bootGeneration) {
      void proc.kill();
      return false;
    }
    this.agent = proc;
    this.console(`AGENT: started pid ${proc.pid}: ${ramdisk.images.kernel.url} ${ramdisk.images.cmdline}`);
    return true;
  }

  /** Power is gone (or about to be reset): the boot under way is dropped and the running agent killed. */
  private cancelBoot(): Promise<void> {
    this.bootGeneration++;
    this.bootAbort?.abort();
    this.bootAbort = undefined;
    this.clearBootTimer();
    const agent = this.agent;
    this.agent = undefined;
    return agent?.kill() ?? Promise.resolve();
  }

  private applyPendingBios(): void {
    const { bios } = this.rec;
    const names = Object.keys(bios.pending);
    if (names.length === 0) return;
    Object.assign(bios.current, bios.pending);
    bios.pending = {};
    if (names.includes('BootMode')) this.rec.boot.mode = bios.current.BootMode === 'Bios' ? 'Legacy' : 'UEFI';
    this.console(`BIOS: applied pending settings ${names.join(', ')}`);
  }

  private clearBootTimer(): void {
    if (this.bootTimer !== undefined) clearTimeout(this.bootTimer);
    this.bootTimer = undefined;
  }

  /** The override mode and the firmware's BootMode attribute are one setting seen from two places. */
  setBootMode(mode: BootMode): void {
    this.rec.boot.mode = mode;
    this.rec.bios.current.BootMode = mode === 'Legacy' ? 'Bios' : 'Uefi';
  }

  insertMedia(slot: MediaSlotName, image: string, writeProtected: boolean): void {
    this.rec.virtualMedia[slot] = { image, inserted: true, writeProtected };
    this.console(`VMEDIA: ${slot} inserted ${image}`);
    this.touch();
  }

  ejectMedia(slot: MediaSlotName): void {
    const had = this.rec.virtualMedia[slot].inserted;
    this.rec.virtualMedia[slot] = { image: '', inserted: false, writeProtected: true };
    if (had) this.console(`VMEDIA: ${slot} ejected`);
    this.touch();
  }

  /** Test hook: pretend the OS came up (or went away) without a boot. */
  setOs(state: 'running' | 'off'): void {
    void this.cancelBoot();
    this.rec.os = state;
    this.console(`LAB: OS state set to ${state}`);
    this.touch();
  }

  resetBiosToDefaults(): void {
    this.rec.bios.pending = biosDefaults();
    this.console('BIOS: reset to defaults requested (applies at next boot)');
    this.touch();
  }

  /** Stops timers and boots; resolves when the agent (if any) has exited. */
  stop(): Promise<void> {
    this.cancelPending();
    return this.cancelBoot();
  }

  consoleTail(): string {
    let fd: number;
    try {
      fd = openSync(this.consolePath, 'r');
    } catch {
      return '';
    }
    try {
      const size = fstatSync(fd).size;
      const len = Math.min(size, CONSOLE_TAIL_BYTES);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      const lines = buf.toString('utf8').split('\n');
      if (len < size) lines.shift(); // the first line is probably cut
      return lines.slice(-CONSOLE_TAIL_LINES - 1).join('\n');
    } finally {
      closeSync(fd);
    }
  }

  snapshot(): LabServerState {
    const r = this.rec;
    const state: LabServerState = {
      id: this.id,
      uuid: r.uuid,
      name: r.name,
      power: r.power,
      os: r.os,
      boot: { ...r.boot },
      virtualMedia: { Cd: { ...r.virtualMedia.Cd }, Floppy: { ...r.virtualMedia.Floppy } },
      bios: { current: { ...r.bios.current }, pending: { ...r.bios.pending } },
      indicatorLed: r.indicatorLed,
      assetTag: r.assetTag,
      bootRecord: r.bootRecord.map((e) => ({ ...e })),
      nmiCount: r.nmiCount,
      console: this.consoleTail(),
      faults: { ...this.faults },
      resets: r.resets.map((e) => ({ ...e })),
    };
    const target = this.pendingPowerTarget;
    if (this.pending && target) state.pendingPower = { target, at: new Date(this.pending.at).toISOString() };
    if (this.ipmi) state.ipmi = { port: this.ipmi.port, pid: this.ipmi.pid, restarts: this.ipmi.restarts };
    if (this.agent?.running) state.agent = { pid: this.agent.pid, cmdline: this.agent.cmdline, startedAt: this.agent.startedAt };
    return state;
  }
}

function osAfterBoot(result: BootResult | undefined): OsState {
  if (result === 'os' || result === 'ramdisk') return 'running';
  // Sitting in firmware setup runs no OS, and it is not a failed boot either.
  if (result === 'setup') return 'off';
  return 'no bootable device';
}

function pushCapped<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > HISTORY_LIMIT) list.splice(0, list.length - HISTORY_LIMIT);
}
