// The lab's ipmi_sim processes, one per server: started together, restarted when one dies (ipmi_sim can crash: it
// segfaults on some requests), and stopped by close() -- only the processes this lab started, by PID.
//
// No orphans: each ipmi_sim runs in its own process group (a terminal's Ctrl-C reaches the lab alone, which then stops
// them in order), and one small bash watchdog per lab holds the list of live PIDs on its stdin pipe. When the lab's
// process ends without close() (a crash, SIGKILL), the pipe closes and the watchdog kills whatever is still listed.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IpmiFiles } from './ipmi-config.js';
import type { IpmiBmcStatus } from './virtual-server.js';

const IPMI_SIM = '/usr/bin/ipmi_sim';
const STOP_GRACE_MS = 1000;
const BIND_TIMEOUT_MS = 10_000;
const RESTART_MIN_MS = 100;
const RESTART_MAX_MS = 10_000;
/** A BMC that ran this long before dying is restarted at once again; quicker deaths back off (doubling). */
const STABLE_MS = 5_000;

const WATCHDOG = `trap '' INT HUP
declare -A live
while read -r op pid; do
  case $op in add) live[$pid]=1 ;; del) unset "live[$pid]" ;; esac
done
for pid in "\${!live[@]}"; do kill -KILL "$pid" 2>/dev/null; done
`;

export class IpmiBmc implements IpmiBmcStatus {
  restarts = 0;
  private child: ChildProcess | undefined;
  private startedAt = 0;
  private backoffMs = RESTART_MIN_MS;
  private restartTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly files: IpmiFiles,
    private readonly owner: IpmiBmcs,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const child = spawn(IPMI_SIM, ['-c', this.files.lanConf, '-f', this.files.emu, '-s', this.files.stateDir, '-n'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    this.child = child;
    this.startedAt = Date.now();
    this.output = '';
    child.stderr?.on('data', (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-2000);
    });
    if (child.pid !== undefined) this.owner.watch('add', child.pid);
    this.exited = new Promise<void>((done) => {
      child.once('error', (e) => {
        this.output += e.message;
      });
      child.once('close', (code, signal) => {
        if (child.pid !== undefined) this.owner.watch('del', child.pid);
        if (this.child === child) this.child = undefined;
        done();
        if (!this.owner.closing) this.died(child.pid, signal ?? `exit code ${code ?? '?'}`);
      });
    });
  }

  private died(pid: number | undefined, how: string): void {
    const ranMs = Date.now() - this.startedAt;
    this.backoffMs = ranMs >= STABLE_MS ? RESTART_MIN_MS : Math.min(this.backoffMs * 2, RESTART_MAX_MS);
    const said = this.output.trim().split('\n').slice(-2).join(' | ');
    this.owner.log(`${this.name}: ipmi_sim (pid ${pid ?? '?'}, port ${this.port}) died (${how})${said ? `: ${said}` : ''}; ` +
      `restarting in ${this.backoffMs} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.owner.closing) return;
      this.restarts++;
      this.start();
      this.owner.log(`${this.name}: ipmi_sim restarted (pid ${this.pid ?? '?'}, port ${this.port})`);
    }, this.backoffMs);
  }

  /** Why it is not running, for start-up errors. */
  failure(): string | undefined {
    return this.child === undefined ? this.output.trim() || 'exited' : undefined;
  }

  async stop(): Promise<void> {
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(killer);
    }
  }
}

export class IpmiBmcs {
  closing = false;
  readonly bmcs: IpmiBmc[] = [];
  private readonly watchdog: ChildProcess;

  constructor(readonly log: (msg: string) => void) {
    this.watchdog = spawn('/bin/bash', ['-c', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    // If the watchdog itself is gone, writes fail: the lab still works, only the crash safety net is missing.
    this.watchdog.stdin?.on('error', () => {});
    this.watchdog.on('error', (e) => log(`IPMI watchdog: ${e.message}`));
    this.watchdog.unref();
  }

  watch(op: 'add' | 'del', pid: number): void {
    if (this.watchdog.stdin?.writable) this.watchdog.stdin.write(`${op} ${pid}\n`);
  }

  add(name: string, port: number, files: IpmiFiles): IpmiBmc {
    const bmc = new IpmiBmc(name, port, files, this);
    this.bmcs.push(bmc);
    return bmc;
  }

  /** Starts every BMC and waits until each has bound its UDP port (or one failed). */
  async start(): Promise<void> {
    for (const b of this.bmcs) b.start();
    const deadline = Date.now() + BIND_TIMEOUT_MS;
    for (;;) {
      const bound = boundUdpPorts();
      const waiting = this.bmcs.filter((b) => !bound.has(b.port));
      if (waiting.length === 0) return;
      const failed = waiting.find((b) => b.failure() !== undefined);
      if (failed) {
        const why = failed.failure() ?? '';
        const hint = why.includes('ENOENT') ? ` (${IPMI_SIM} comes with Debian's openipmi package)` : '';
        throw new Error(`IPMI: ipmi_sim for ${failed.name} (port ${failed.port}) did not start: ${why}${hint}`);
      }
      if (Date.now() > deadline) throw new Error(`IPMI: ${waiting.length} ipmi_sim(s) did not bind their ports in time`);
      await sleep(20);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.bmcs.map((b) => b.stop()));
    this.watchdog.stdin?.end();
  }
}

/** UDP ports bound on 127.0.0.1, from the kernel's table (one read for all BMCs instead of one probe each). */
function boundUdpPorts(): Set<number> {
  const ports = new Set<number>();
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const local = line.trim().split(/\s+/)[1];
    if (local?.startsWith('0100007F:')) ports.add(parseInt(local.slice(9), 16));
  }
  return ports;
}
