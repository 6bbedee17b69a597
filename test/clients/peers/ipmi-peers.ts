import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IpmiTarget } from '../../../src/clients/ipmi/client.js';

/*
 * Real IPMI BMCs for tests, both Debian packages driven by files we write: OpenIPMI's ipmi_sim (power through a
 * chassis_control script) and a pyghmi BMC (peers/pyghmi-bmc.py). Each listens on a free UDP port of 127.0.0.1.
 * The harness keeps the PID of what it started, notices when a peer dies (ipmi_sim segfaults on some requests),
 * and stops only its own process.
 */

export interface IpmiPeer {
  port: number;
  pid: number;
  /** Exit code or signal when the peer died; null while it runs. */
  exited: () => string | null;
  /** Everything the peer printed, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
}

/** A UDP port nothing listens on right now (bind to 0, read, release). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Whether something holds 127.0.0.1:port (our probe cannot bind it). */
async function portTaken(port: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, '127.0.0.1', resolve);
    });
    return false;
  } catch {
    return true;
  } finally {
    try {
      s.close();
    } catch { /* never bound */ }
  }
}

function watch(child: ChildProcess, port: number): IpmiPeer {
  let exit: string | null = null;
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const gone = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exit = signal ?? String(code);
    resolve();
  }));
  return {
    port,
    pid: child.pid!,
    exited: () => exit,
    output: () => out,
    async stop() {
      if (exit === null) {
        child.kill('SIGCONT'); // a test may have stopped it
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await gone;
        clearTimeout(killer);
      }
    },
  };
}

async function waitBound(peer: IpmiPeer, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (peer.exited() !== null) throw new Error(`${what} exited (${peer.exited()}): ${peer.output()}`);
    if (await portTaken(peer.port)) return;
    await sleep(50);
  }
  await peer.stop();
  throw new Error(`${what} did not bind UDP port ${peer.port}: ${peer.output()}`);
}

// ipmi_sim's chassis_control program: `$0 STATEDIR get|set PARAM [VALUE]...` (bmc_chassis.c). Power and boot
// device live in files, every call is logged, reset/shutdown/NMI are counted.
const CHASSIS_SCRIPT = `#!/bin/sh
d=$1; op=$2; shift 2
echo "$op $*" >> "$d/calls.log"
case $op in
  get)
    for p in "$@"; do
      case $p in
        power) echo "power:$(cat "$d/power" 2>/dev/null || echo 0)";;
        boot)  echo "boot:$(cat "$d/boot" 2>/dev/null || echo default)";;
        *) echo "Invalid parameter: $p"; exit 1;;
      esac
    done;;
  set)
    while [ $# -gt 0 ]; do
      p=$1; v=$2; shift 2
      case $p in
        power) echo "$v" > "$d/power";;
        reset) echo x >> "$d/resets";;
        boot)  echo "$v" > "$d/boot";;
        shutdown) echo x >> "$d/shutdowns"; echo 0 > "$d/power";;
        identify) shift 1 2>/dev/null;;
        *) echo "Invalid parameter: $p"; exit 1;;
      esac
    done;;
  *) exit 1;;
esac
exit 0
`;

export interface IpmiSimPeer extends IpmiPeer {
  stateDir: string;
  /** Lines the chassis_control script logged (e.g. "set power 1"). */
  calls: () => string[];
  power: () => string;
  counter: (name: 'resets' | 'shutdowns') => number;
}

/** `solPort`: ipmi_sim connects out to this TCP port on 127.0.0.1 as the server's serial port (SOL). */
export async function startIpmiSim(dir: string, username: string, password: string, solPort?: number): Promise<IpmiSimPeer> {
  // A port found free can be taken by a test running alongside before ipmi_sim binds it: try another then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startIpmiSimOnce(dir, username, password, solPort);
    } catch (e) {
      if (attempt >= 3 || !/Address already in use/.test((e as Error).message)) throw e;
    }
  }
}

async function startIpmiSimOnce(dir: string, username: string, password: string, solPort?: number): Promise<IpmiSimPeer> {
  const port = await freeUdpPort();
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir, { recursive: true });
  const script = join(dir, 'chassis.sh');
  writeFileSync(script, CHASSIS_SCRIPT);
  chmodSync(script, 0o755);
  // ipmi_sim execs the chassis_control line, so its paths must be absolute; the password lives only in this file.
  writeFileSync(join(dir, 'lan.conf'), `name "ferrite-test"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 ${port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "${script} ${stateDir}"
${solPort === undefined ? '' : `  sol "tcp:127.0.0.1:${solPort}" 115200\n`}  user 2 true "${username}" "${password}" admin 10 none md2 md5 straight
`, { mode: 0o600 });
  writeFileSync(join(dir, 'sim.emu'), 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n' +
    'sel_enable 0x20 1000 0x0a\nmc_enable 0x20\n');
  const simState = join(dir, 'sim-state');
  mkdirSync(simState, { recursive: true });
  const child = spawn('/usr/bin/ipmi_sim', ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'sim.emu'), '-s', simState, '-n'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const peer = watch(child, port);
  await waitBound(peer, 'ipmi_sim');
  const read = (f: string) => (existsSync(join(stateDir, f)) ? readFileSync(join(stateDir, f), 'utf8') : '');
  return {
    ...peer,
    stateDir,
    calls: () => read('calls.log').split('\n').filter(Boolean),
    power: () => read('power').trim() || '0',
    counter: (name) => read(name).split('\n').filter(Boolean).length,
  };
}

export interface PyghmiState {
  power: 'on' | 'off';
  bootflags: number[];
  resets: number;
  nmis: number;
  shutdowns: number;
  cycles: number;
  sessions: number;
}

export interface PyghmiPeer extends IpmiPeer {
  state: () => PyghmiState;
}

/** `port`: reuse a port (to restart a BMC in place); a free one by default. */
export async function startPyghmiBmc(dir: string, username: string, password: string, port?: number): Promise<PyghmiPeer> {
  port ??= await freeUdpPort();
  const stateFile = join(dir, 'pyghmi-state.json');
  const script = new URL('./pyghmi-bmc.py', import.meta.url).pathname;
  // Debian's python: the python3 on PATH may be another one without python3-pyghmi.
  const child = spawn('/usr/bin/python3', [script, String(port), username, stateFile], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin?.end(`${password}\n`);
  const peer = watch(child, port);
  for (let i = 0; i < 200 && !peer.output().includes('ready'); i++) {
    if (peer.exited() !== null) throw new Error(`pyghmi BMC exited (${peer.exited()}): ${peer.output()}`);
    await sleep(25);
  }
  await waitBound(peer, 'pyghmi BMC');
  return { ...peer, state: () => JSON.parse(readFileSync(stateFile, 'utf8')) as PyghmiState };
}

/** The target of a test BMC on 127.0.0.1 as user admin. */
export function bmcTarget(peer: { port: number }, password: string, extra: Partial<IpmiTarget> = {}): IpmiTarget {
  return { host: '127.0.0.1', port: peer.port, username: 'admin', password, ...extra };
}

/**
 * `fails(p, Type)` expects `p` to fail with an error of `Type` and keeps it in `errors`, so a suite can check at its
 * end that no error message ever carried a password.
 */
export function failureRecorder() {
  const errors: Error[] = [];
  const fails = async <E extends Error>(p: Promise<unknown>, type: new (...a: any[]) => E): Promise<E> => {
    const e = await p.then(() => assert.fail('expected a failure'), (x: unknown) => x);
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    errors.push(e);
    return e;
  };
  return { errors, fails };
}
