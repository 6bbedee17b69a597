// ipmi_sim's chassis_control requests, applied to a lab server: the IPMI side of the same server the Redfish side shows.
// ipmi_sim (OpenIPMI lanserv, bmc_chassis.c + extcmd.c) runs `PROG get power|boot` and expects `power:0|1` / `boot:<name>`
// lines; it runs `PROG set power 0|1 | reset 1 | boot <name> | shutdown 1 | identify <secs> <force>` and only checks the
// exit status. Choices made here (docs/lab.md, "IPMI"):
// - power reads report the TARGET of a pending transition: ipmi_sim answers `power on` before the lab's power delay has
//   passed, and a client that reads back right away (Ironic does) must see the state it asked for.
// - `set power 1` while a power-off is still pending completes an off-then-on (a PowerCycle): that is how ipmi_sim does
//   `chassis power cycle` (power 0, then power 1 after its own 1 s timer) and how Ironic reboots (off, then on).
// - boot devices are one-time overrides (ipmi_sim drops the persistent and EFI bits of the boot flags): pxe -> Pxe,
//   cdrom -> Cd, bios -> BiosSetup, default ("force boot from default hard drive", ipmitool's `bootdev disk`) -> Hdd,
//   none -> no override. The override keeps the server's boot mode.
import type { BootTarget } from './lab-types.js';
import type { VirtualServer } from './virtual-server.js';

export interface ChassisAnswer {
  ok: boolean;
  /** Lines ipmi_sim reads (`name:value`), or a message it logs on failure. */
  lines: string[];
}

const TO_LAB: Record<string, BootTarget | 'None'> = { none: 'None', pxe: 'Pxe', default: 'Hdd', cdrom: 'Cd', bios: 'BiosSetup' };
// ipmi_sim knows only the five names above; a Redfish-only target shows as the nearest one it has.
const TO_IPMI: Record<BootTarget, string> = { Pxe: 'pxe', UefiHttp: 'pxe', Hdd: 'default', Cd: 'cdrom', BiosSetup: 'bios', Usb: 'none' };

const fail = (msg: string): ChassisAnswer => ({ ok: false, lines: [msg] });

/** Identify ("chassis identify N") lights the LED for N seconds; these timers turn it off again. */
export class IdentifyTimers {
  private readonly timers = new Map<VirtualServer, NodeJS.Timeout>();

  set(s: VirtualServer, seconds: number | undefined): void {
    const old = this.timers.get(s);
    if (old !== undefined) clearTimeout(old);
    this.timers.delete(s);
    s.rec.indicatorLed = seconds === 0 ? 'Off' : 'Blinking';
    s.touch();
    if (seconds === undefined || seconds === 0) return;
    const t = setTimeout(() => {
      this.timers.delete(s);
      if (s.rec.indicatorLed === 'Blinking') s.rec.indicatorLed = 'Off';
      s.touch();
    }, seconds * 1000);
    t.unref();
    this.timers.set(s, t);
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/** `args` as ipmi_sim passed them, split on whitespace: ['get', 'power'], ['set', 'identify', '15', '0'], ... */
export function chassisControl(s: VirtualServer, args: string[], identify: IdentifyTimers): ChassisAnswer {
  const [op, ...rest] = args;
  if (op === 'get') {
    const lines: string[] = [];
    for (const name of rest) {
      if (name === 'power') lines.push(`power:${(s.pendingPowerTarget ?? s.rec.power) === 'on' ? 1 : 0}`);
      else if (name === 'boot') {
        const { target, enabled } = s.rec.boot;
        lines.push(`boot:${enabled === 'Disabled' || target === 'None' ? 'none' : TO_IPMI[target]}`);
      } else return fail(`Invalid parameter: ${name}`);
    }
    return { ok: true, lines };
  }
  if (op !== 'set') return fail(`Unknown operation: ${op ?? ''}`);
  const [name, value, force] = rest;
  switch (name) {
    case 'power':
      if (value === '0') s.reset('ForceOff', 'ipmi');
      else if (value === '1') s.reset(s.rec.power === 'on' && s.pendingPowerTarget === 'off' ? 'PowerCycle' : 'On', 'ipmi');
      else return fail(`Invalid power value: ${value ?? ''}`);
      return { ok: true, lines: [] };
    case 'reset':
      s.reset('ForceRestart', 'ipmi');
      return { ok: true, lines: [] };
    case 'shutdown':
      // As on the Redfish side: without a running OS nothing answers the ACPI request, so it is accepted and ignored.
      s.reset('GracefulShutdown', 'ipmi');
      return { ok: true, lines: [] };
    case 'boot': {
      const target = value === undefined ? undefined : TO_LAB[value];
      if (target === undefined) return fail(`Invalid boot device: ${value ?? ''}`);
      s.rec.boot.target = target;
      s.rec.boot.enabled = target === 'None' ? 'Disabled' : 'Once';
      s.console(`BMC: IPMI boot device ${value} -> override ${target}${target === 'None' ? '' : ' (Once)'}`);
      s.touch();
      return { ok: true, lines: [] };
    }
    case 'identify': {
      const seconds = Number(value);
      if (!Number.isInteger(seconds) || seconds < 0) return fail(`Invalid identify interval: ${value ?? ''}`);
      identify.set(s, force === '1' ? undefined : seconds);
      return { ok: true, lines: [] };
    }
    default:
      return fail(`Invalid parameter: ${name ?? ''}`);
  }
}
