/**
 * Power sync benchmark: one lab process with N emulated servers (Redfish, or IPMI through one ipmi_sim BMC per
 * server), one Ferrite process (API + conductor).
 *
 *   node --import tsx bench/power-sync/run.ts --servers 1000 --dir /tmp/x [--workers 8,32,64] [--port 6410]
 *        [--cycles 3] [--power-delay-ms 20] [--actions 50]
 *        [--protocol redfish|ipmi|both] [--ipmi-clients native,ipmitool] [--ipmi-base-port 0]
 *
 * For each protocol (redfish: today's benchmark, its output unchanged; ipmi; both: redfish first, as the baseline):
 * 1. Starts `ferrite lab` (with `--ipmi` for ipmi) and waits for its ready line; starts `ferrite serve` with the
 *    power sync off.
 * 2. Enrolls the N servers through the API (driver redfish, verified with the lab's CA; or driver ipmi with the
 *    BMC's UDP port and cipher suite 3) and moves them to manageable (timed separately).
 * 3. Idle baseline: repeated power actions on 4 nodes, each timed to the 202 and until the node shows the new
 *    power_state (and no target) in GET /v1/nodes/{id}.
 * 4. For each workers setting (and for ipmi, each `[ipmi] client`): restarts Ferrite on the same database with
 *    `sync_power_state_interval` 0.2 s, reads every cycle from the 'power sync cycle finished' log line ({checked,
 *    changed, failed, ms}), skips the first (cold: TLS handshakes, login, RMCP+ sessions) cycle, measures --cycles
 *    clean cycles (wall time from the log, CPU seconds from /proc/<pid>/stat between cycle ends: Ferrite's own,
 *    its reaped children's (ipmitool), the lab's with its ipmi_sim children), then --cycles more with the same power
 *    actions running; only actions that started while a cycle ran count as "during sync".
 * Prints a table per protocol and a final `RESULT {json}` line. Child PIDs are written to DIR/pids (and the lab's
 * ipmi_sim PIDs to DIR/ipmi-pids) for run.sh's cleanup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { childPids, cpuTimes, statFields, statusMiB } from '../proc-stats.js';
import { pool } from '../pool.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

type Protocol = 'redfish' | 'ipmi';
type IpmiClientKind = 'native' | 'ipmitool';

const SERVERS = Number(arg('servers', '1000'));
const DIR = arg('dir', '');
const PORT = Number(arg('port', '6410'));
const WORKERS = arg('workers', '8,32,64').split(',').map(Number);
const CYCLES = Number(arg('cycles', '3'));
const POWER_DELAY_MS = Number(arg('power-delay-ms', '20'));
const ACTIONS_PER_NODE = Number(arg('actions', '50'));
const PROTOCOL_ARG = arg('protocol', 'redfish');
const IPMI_CLIENTS = arg('ipmi-clients', 'native,ipmitool').split(',').filter(Boolean) as IpmiClientKind[];
const IPMI_BASE_PORT = Number(arg('ipmi-base-port', '0'));
const ACTION_NODES = 4;
const SYNC_INTERVAL_S = 0.2;
const PROTOCOLS: Protocol[] = PROTOCOL_ARG === 'both' ? ['redfish', 'ipmi'] : [PROTOCOL_ARG as Protocol];
if (!DIR || !Number.isInteger(SERVERS) || SERVERS < ACTION_NODES || !['redfish', 'ipmi', 'both'].includes(PROTOCOL_ARG)
  || IPMI_CLIENTS.some((c) => c !== 'native' && c !== 'ipmitool') || !Number.isInteger(IPMI_BASE_PORT)) {
  process.stderr.write('usage: run.ts --servers N --dir DIR [--workers 8,32,64] [--port 6410] [--cycles 3] ' +
    '[--protocol redfish|ipmi|both] [--ipmi-clients native,ipmitool] [--ipmi-base-port 0]\n');
  process.exit(2);
}
/** Today's output (one redfish table, RESULT with the redfish figures at the top level) unless ipmi is asked for. */
const REDFISH_ONLY = PROTOCOL_ARG === 'redfish';
const API = `http://127.0.0.1:${PORT}`;
// taskset: Ferrite gets core 0 to itself (in production the BMCs are other machines); lab and driver share core 1.
// Children inherit the pinning: the lab's ipmi_sim on core 1, Ferrite's ipmitool children on core 0.
const PIN = process.env.POWER_SYNC_PIN !== '0';
const NODE_FLAGS = (process.env.FERRITE_NODE_FLAGS ?? '--max-semi-space-size=2').split(' ').filter(Boolean);
const LAB_NODE_FLAGS = (process.env.LAB_NODE_FLAGS ?? '').split(' ').filter(Boolean);

let phaseTag = '';
const out = (line: string) => process.stdout.write(`[${SERVERS}${phaseTag}] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- processes

interface Proc {
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
}

const children = new Set<Proc>();

function start(
  logDir: string, name: string, cpu: string, nodeFlags: string[], args: string[], onLine?: (line: string) => void,
): Proc {
  const cmd = PIN ? 'taskset' : process.execPath;
  const argv = [...(PIN ? ['-c', cpu, process.execPath] : []), ...nodeFlags, 'bin/ferrite.js', ...args];
  const child = spawn(cmd, argv, { env: { ...process.env, MALLOC_ARENA_MAX: '2' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  child.stderr.pipe(log);
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    log.write(line + '\n');
    onLine?.(line);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  // taskset execs node, so the PID is node's own.
  const proc: Proc = { child, pid: child.pid, exited };
  children.add(proc);
  appendFileSync(join(DIR, 'pids'), `${child.pid}\n`);
  void exited.then(() => children.delete(proc));
  return proc;
}

async function stop(p: Proc): Promise<void> {
  p.child.kill('SIGTERM');
  const killed = await Promise.race([p.exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!killed) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

function stopAllNow(): void {
  for (const p of children) p.child.kill('SIGTERM');
}
process.on('exit', stopAllNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

/** utime + stime of a process, in seconds. */
const cpuSeconds = (pid: number) => cpuTimes(pid).own;
/** cutime + cstime: the CPU of the process's children it has waited for, in seconds. */
const childCpuSeconds = (pid: number) => cpuTimes(pid).children;
const rssMiB = (pid: number) => statusMiB(pid, 'VmRSS', 0);

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * CPU seconds of the lab with everything it runs: its own utime+stime, cutime+cstime (children that ended and were
 * reaped), and for each running child (ipmi_sim, the watchdog) utime+stime+cutime+cstime — an ipmi_sim reaps its
 * chassis_control scripts, so their CPU is in its cutime. ipmi_sim's own share is given apart.
 */
function labCpu(labPid: number): { total: number; ipmiSim: number; ipmiSimCount: number; ipmiSimRssMiB: number } {
  const own = statFields(labPid);
  let total = own ? (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) / 100 : NaN;
  let ipmiSim = 0;
  let ipmiSimCount = 0;
  let ipmiSimRssMiB = 0;
  for (const c of childPids(labPid)) {
    const f = statFields(c);
    if (!f) continue;
    const s = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
    total += s;
    if (comm(c) === 'ipmi_sim') {
      ipmiSim += s;
      ipmiSimCount += 1;
      ipmiSimRssMiB += rssMiB(c);
    }
  }
  return { total, ipmiSim, ipmiSimCount, ipmiSimRssMiB };
}

// ---------------------------------------------------------------- the lab

interface LabReady {
  url: string;
  ca: string;
  nodes: string;
  ipmi?: number[];
}

async function startLabProcess(dir: string, ipmi: boolean): Promise<{ proc: Proc; ready: LabReady; seconds: number }> {
  const t0 = performance.now();
  let resolveReady!: (r: LabReady) => void;
  const readyP = new Promise<LabReady>((r) => (resolveReady = r));
  const proc = start(dir, 'lab', '1', LAB_NODE_FLAGS, [
    'lab', '--servers', String(SERVERS), '--dir', join(dir, 'lab'), '--port', '0',
    '--power-delay-ms', String(POWER_DELAY_MS), '--boot-delay-ms', String(POWER_DELAY_MS), '--disk-size', '0.001',
    ...(ipmi ? ['--ipmi', '--ipmi-base-port', String(IPMI_BASE_PORT)] : []),
  ], (line) => {
    if (line.startsWith('{') && line.includes('"ready"')) resolveReady(JSON.parse(line) as LabReady);
  });
  const ready = await Promise.race([readyP, proc.exited.then(() => { throw new Error('lab exited before it was ready; see lab.log'); })]);
  if (ipmi) {
    // For run.sh's cleanup, should the lab not stop its BMCs itself (it does on SIGTERM, and a watchdog on SIGKILL).
    const sims = childPids(proc.pid).filter((c) => comm(c) === 'ipmi_sim');
    appendFileSync(join(DIR, 'ipmi-pids'), sims.map((c) => `${c}\n`).join(''));
  }
  return { proc, ready, seconds: (performance.now() - t0) / 1000 };
}

// ---------------------------------------------------------------- Ferrite

interface Cycle {
  checked: number;
  changed: number;
  failed: number;
  ms: number;
  /** Driver clock when the line arrived: the cycle's end. */
  at: number;
  ferriteCpu: number;
  /** Ferrite's reaped children (ipmitool). */
  ferriteChildCpu: number;
  labCpu: number;
  ipmiSimCpu: number;
  ferriteRss: number;
  labRss: number;
  ipmiSimRss: number;
  ipmiSims: number;
}

class Ferrite {
  proc!: Proc;
  cycles: Cycle[] = [];
  /** CPU seconds of Ferrite and of the lab when Ferrite answered, before its first (cold) cycle. */
  startCpu = { ferrite: 0, lab: 0 };
  private waiters: (() => void)[] = [];

  constructor(private readonly dir: string, private readonly labPid: number, private readonly ipmiLab: boolean) {}

  async start(tag: string, syncIntervalS: number, workers: number, ipmiClient?: IpmiClientKind): Promise<void> {
    const conf = join(this.dir, `ferrite-${tag}.conf`);
    writeFileSync(conf, [
      '[DEFAULT]', `state_path = ${this.dir}`, 'log_level = info',
      '[api]', `port = ${PORT}`,
      '[database]', 'connection = sqlite:///bench.db',
      '[conductor]', `sync_power_state_interval = ${syncIntervalS}`, `sync_power_state_workers = ${workers}`,
      ...(ipmiClient ? ['[ipmi]', `client = ${ipmiClient}`] : []),
      '',
    ].join('\n'));
    this.cycles = [];
    this.proc = start(this.dir, `ferrite-${tag}`, '0', NODE_FLAGS, ['serve', '-c', conf], (line) => this.onLine(line));
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(API + '/')).ok) {
          this.startCpu = {
            ferrite: cpuSeconds(this.proc.pid) + childCpuSeconds(this.proc.pid),
            lab: this.ipmiLab ? labCpu(this.labPid).total : cpuSeconds(this.labPid),
          };
          return;
        }
      } catch {
        // not listening yet
      }
      if (i > 300) throw new Error('Ferrite did not answer within 60 s; see its log');
      await sleep(200);
    }
  }

  private onLine(line: string): void {
    if (!line.includes('power sync cycle finished')) return;
    const at = performance.now();
    const rec = JSON.parse(line) as { checked: number; changed: number; failed: number; ms: number };
    const lab = this.ipmiLab ? labCpu(this.labPid) : { total: cpuSeconds(this.labPid), ipmiSim: 0, ipmiSimCount: 0, ipmiSimRssMiB: 0 };
    this.cycles.push({
      checked: rec.checked, changed: rec.changed, failed: rec.failed, ms: rec.ms, at,
      ferriteCpu: cpuSeconds(this.proc.pid), ferriteChildCpu: childCpuSeconds(this.proc.pid),
      labCpu: lab.total, ipmiSimCpu: lab.ipmiSim,
      ferriteRss: rssMiB(this.proc.pid), labRss: rssMiB(this.labPid), ipmiSimRss: lab.ipmiSimRssMiB, ipmiSims: lab.ipmiSimCount,
    });
    for (const w of this.waiters.splice(0)) w();
  }

  async waitCycles(count: number): Promise<void> {
    while (this.cycles.length < count) {
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), this.proc.exited.then(() => {
        throw new Error('Ferrite exited; see its log');
      })]);
    }
  }

  stop(): Promise<void> {
    return stop(this.proc);
  }
}

// ---------------------------------------------------------------- API calls

const HEADERS = { 'X-OpenStack-Ironic-API-Version': '1.82', 'Content-Type': 'application/json', Accept: 'application/json' };

/** One request; 409 (node locked) and 503 (no free worker) are retried as a client would; `retries` counts them. */
async function call(method: string, path: string, body?: unknown, counter?: { retries: number }): Promise<{ status: number; json: any }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(API + path, { method, headers: HEADERS, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if ((res.status === 409 || res.status === 503) && attempt < 400) {
      if (counter) counter.retries += 1;
      await sleep(Math.min(10 * 2 ** attempt, 200));
      continue;
    }
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }
}

interface LabNode {
  name: string;
  pm_type?: string;
  pm_addr: string;
  pm_port?: number;
  pm_user: string;
  pm_password: string;
  pm_system_id?: string;
}

async function enroll(lab: LabReady, protocol: Protocol): Promise<string[]> {
  const nodes = (JSON.parse(readFileSync(lab.nodes, 'utf8')) as { nodes: LabNode[] }).nodes;
  const uuids: string[] = [];
  await pool(nodes, 8, async (n) => {
    const body = protocol === 'ipmi'
      ? {
        driver: 'ipmi', name: n.name,
        driver_info: {
          ipmi_address: n.pm_addr, ipmi_port: n.pm_port, ipmi_username: n.pm_user, ipmi_password: n.pm_password,
          ipmi_cipher_suite: 3,
        },
      }
      : {
        driver: 'redfish', name: n.name,
        driver_info: {
          redfish_address: n.pm_addr, redfish_system_id: n.pm_system_id, redfish_username: n.pm_user,
          redfish_password: n.pm_password, redfish_verify_ca: lab.ca,
        },
      };
    if (protocol === 'ipmi' && n.pm_type !== 'ipmi') throw new Error(`${n.name}: nodes.json lists no IPMI BMC`);
    const r = await call('POST', '/v1/nodes', body);
    if (r.status !== 201) throw new Error(`enroll ${n.name}: ${r.status} ${JSON.stringify(r.json)}`);
    uuids.push(r.json.uuid as string);
  });
  return uuids;
}

async function countStates(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next: string | undefined = '/v1/nodes?fields=uuid,provision_state,maintenance&limit=1000';
  while (next) {
    const r = await call('GET', next);
    for (const n of r.json.nodes as { provision_state: string; maintenance: boolean }[]) {
      const key = n.maintenance ? `${n.provision_state}+maintenance` : n.provision_state;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    next = r.json.next ? new URL(r.json.next as string).pathname + new URL(r.json.next as string).search : undefined;
  }
  return counts;
}

async function manageAll(uuids: string[]): Promise<void> {
  await pool(uuids, 16, async (u) => {
    const r = await call('PUT', `/v1/nodes/${u}/states/provision`, { target: 'manage' });
    if (r.status !== 202) throw new Error(`manage ${u}: ${r.status} ${JSON.stringify(r.json)}`);
  });
  const deadline = Date.now() + 600_000;
  for (;;) {
    const counts = await countStates();
    if ((counts.get('manageable') ?? 0) === uuids.length) return;
    if ((counts.get('enroll') ?? 0) + (counts.get('verifying') ?? 0) === 0 || Date.now() > deadline) {
      throw new Error(`manage did not finish: ${JSON.stringify([...counts])}`);
    }
    await sleep(500);
  }
}

// ---------------------------------------------------------------- power actions

interface Sample {
  start: number;
  acceptMs: number;
  doneMs: number;
}

interface ActionRun {
  samples: Sample[];
  retries: number;
  errors: string[];
}

/** Power actions, alternately on and off, on each node in turn, until `until()` or `perNode` actions each. */
async function powerActions(
  uuids: string[], perNode: number, until: () => boolean, run: ActionRun = { samples: [], retries: 0, errors: [] },
): Promise<ActionRun> {
  await Promise.all(uuids.map(async (u) => {
    let power = (await call('GET', `/v1/nodes/${u}?fields=power_state`)).json.power_state as string | null;
    for (let i = 0; i < perNode && !until(); i++) {
      const target = power === 'power on' ? 'power off' : 'power on';
      const start = performance.now();
      const r = await call('PUT', `/v1/nodes/${u}/states/power`, { target }, run);
      const acceptMs = performance.now() - start;
      if (r.status !== 202) {
        run.errors.push(`${r.status} ${JSON.stringify(r.json)}`);
        await sleep(100);
        continue;
      }
      for (;;) {
        const n = (await call('GET', `/v1/nodes/${u}?fields=power_state,target_power_state,last_error`)).json;
        if (n.target_power_state === null && n.power_state === target) break;
        if (n.target_power_state === null && n.last_error) {
          run.errors.push(String(n.last_error));
          break;
        }
        if (performance.now() - start > 120_000) {
          run.errors.push(`${u}: no ${target} after 120 s`);
          break;
        }
        await sleep(5);
      }
      run.samples.push({ start, acceptMs, doneMs: performance.now() - start });
      power = target;
    }
  }));
  return run;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

interface Latency {
  n: number;
  accept_p50_ms: number;
  accept_p99_ms: number;
  done_p50_ms: number;
  done_p99_ms: number;
  retries_409_503: number;
  errors: number;
}

function latency(samples: Sample[], run: ActionRun): Latency {
  return {
    n: samples.length,
    accept_p50_ms: pct(samples.map((s) => s.acceptMs), 50),
    accept_p99_ms: pct(samples.map((s) => s.acceptMs), 99),
    done_p50_ms: pct(samples.map((s) => s.doneMs), 50),
    done_p99_ms: pct(samples.map((s) => s.doneMs), 99),
    retries_409_503: run.retries,
    errors: run.errors.length,
  };
}

// ---------------------------------------------------------------- the run

interface Setting {
  tag: string;
  workers: number;
  client?: IpmiClientKind;
}

interface Figures {
  workers: number;
  cold_cycle_s: number;
  cycle_s_median: number;
  cycle_s_max: number;
  checked: number;
  failed: number;
  ferrite_cpu_s_per_cycle: number;
  lab_cpu_s_per_cycle: number;
  cycle_s_median_with_actions: number;
  during_sync: Latency;
  ferrite_rss_mib_max: number;
  lab_rss_mib_max: number;
  ratio_accept_p99: number;
  ratio_done_p99: number;
  meets_target: boolean;
  // Not in the redfish-only RESULT (kept as it was):
  client?: IpmiClientKind;
  /** cutime+cstime of Ferrite per cycle: its ipmitool children. */
  ferrite_children_cpu_s_per_cycle: number;
  /** Ferrite's own CPU per cycle / nodes checked: one power-state query per node. */
  ferrite_cpu_ms_per_query: number;
  /** The same with its children (ipmitool). */
  ferrite_with_children_cpu_ms_per_query: number;
  /** The ipmi_sim processes' share of lab_cpu_s_per_cycle (their chassis_control scripts included). */
  ipmi_sim_cpu_s_per_cycle: number;
  ipmi_sim_rss_mib_max: number;
  ipmi_sims: number;
  /** CPU of the cold cycle (from Ferrite answering to the first cycle's end), Ferrite with children, and the lab. */
  cold_ferrite_cpu_s: number;
  cold_lab_cpu_s: number;
  idle: Latency;
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => pct(xs, 50);
const REDFISH_KEYS = [
  'workers', 'cold_cycle_s', 'cycle_s_median', 'cycle_s_max', 'checked', 'failed', 'ferrite_cpu_s_per_cycle',
  'lab_cpu_s_per_cycle', 'cycle_s_median_with_actions', 'during_sync', 'ferrite_rss_mib_max', 'lab_rss_mib_max',
  'ratio_accept_p99', 'ratio_done_p99', 'meets_target',
];
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const round = (o: object, r: (x: number) => number = r2) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? r(v) : v]));

/** Redfish: 1,000 nodes < 5 s, 10,000 < 30 s. IPMI: 1,000 BMCs ≤ 10 s (scaled to N), native ≤ 5 ms CPU per query. */
const redfishTargetS = SERVERS <= 1000 ? 5 : 30 * (SERVERS / 10_000);
const ipmiTargetS = 10 * (SERVERS / 1000);
const IPMI_CPU_TARGET_MS = 5;

async function idleActions(ferrite: Ferrite, actionNodes: string[], labPid: number) {
  const idleRun = await powerActions(actionNodes, ACTIONS_PER_NODE, () => false);
  const idle = latency(idleRun.samples, idleRun);
  const idleRss = { ferrite: rssMiB(ferrite.proc.pid), lab: rssMiB(labPid) };
  return { idle, idleRss, errors: idleRun.errors };
}

async function measure(ferrite: Ferrite, s: Setting, protocol: Protocol, actionNodes: string[], idle: Latency): Promise<Figures> {
  const label = s.client ? `${s.client} workers ${s.workers}` : `workers ${s.workers}`;
  await ferrite.start(s.tag, SYNC_INTERVAL_S, s.workers, s.client);
  await ferrite.waitCycles(1 + CYCLES);
  const c = ferrite.cycles;
  const clean = c.slice(1, 1 + CYCLES);
  const first = c[0];
  const last = c[CYCLES];
  const fig: Partial<Figures> = {
    workers: s.workers,
    cold_cycle_s: first.ms / 1000,
    cycle_s_median: median(clean.map((x) => x.ms)) / 1000,
    cycle_s_max: Math.max(...clean.map((x) => x.ms)) / 1000,
    checked: median(clean.map((x) => x.checked)),
    failed: Math.max(...clean.map((x) => x.failed)),
    ferrite_cpu_s_per_cycle: (last.ferriteCpu - first.ferriteCpu) / CYCLES,
    lab_cpu_s_per_cycle: (last.labCpu - first.labCpu) / CYCLES,
  };
  const extra = {
    cold_ferrite_cpu_s: first.ferriteCpu + first.ferriteChildCpu - ferrite.startCpu.ferrite,
    cold_lab_cpu_s: first.labCpu - ferrite.startCpu.lab,
    ferrite_children_cpu_s_per_cycle: (last.ferriteChildCpu - first.ferriteChildCpu) / CYCLES,
    ipmi_sim_cpu_s_per_cycle: (last.ipmiSimCpu - first.ipmiSimCpu) / CYCLES,
  };
  const perQuery = (fig.ferrite_cpu_s_per_cycle! * 1000) / fig.checked!;
  const perQueryAll = ((fig.ferrite_cpu_s_per_cycle! + extra.ferrite_children_cpu_s_per_cycle) * 1000) / fig.checked!;
  out(`${label}: cold ${fig.cold_cycle_s!.toFixed(2)} s` +
    (protocol === 'ipmi' ? ` (CPU ferrite ${extra.cold_ferrite_cpu_s.toFixed(2)} s, lab ${extra.cold_lab_cpu_s.toFixed(2)} s)` : '') + `, cycles ${clean.map((x) => (x.ms / 1000).toFixed(2)).join(' ')} s, ` +
    `checked ${fig.checked}, failed ${fig.failed}, cpu/cycle ferrite ${fig.ferrite_cpu_s_per_cycle!.toFixed(2)} s lab ${fig.lab_cpu_s_per_cycle!.toFixed(2)} s` +
    (protocol === 'ipmi'
      ? ` (ipmi_sim ${extra.ipmi_sim_cpu_s_per_cycle.toFixed(2)} s), ferrite children ${extra.ferrite_children_cpu_s_per_cycle.toFixed(2)} s; ` +
        `ms CPU per BMC query ${perQuery.toFixed(2)} (with children ${perQueryAll.toFixed(2)})`
      : ''));
  // Same cycles again, now with power actions running; stop when CYCLES more cycles have ended.
  // Short cycles (small N) are run until enough actions have started inside one, for at most 60 s more.
  const wanted = 1 + 2 * CYCLES;
  const enough = ACTIONS_PER_NODE * ACTION_NODES;
  const loadStart = performance.now();
  const inSyncOf = (samples: Sample[]) => {
    const windows = ferrite.cycles.slice(1 + CYCLES).map((x) => [x.at - x.ms, x.at]);
    return samples.filter((s) => windows.some(([a, b]) => s.start >= a && s.start <= b));
  };
  const loadedRun: ActionRun = { samples: [], retries: 0, errors: [] };
  const during = await powerActions(actionNodes, Number.MAX_SAFE_INTEGER, () => ferrite.cycles.length >= wanted
    && (inSyncOf(loadedRun.samples).length >= enough || performance.now() - loadStart > 60_000), loadedRun);
  const loadedCycles = ferrite.cycles.slice(1 + CYCLES);
  const inSync = inSyncOf(during.samples);
  const all = ferrite.cycles;
  fig.cycle_s_median_with_actions = median(loadedCycles.map((x) => x.ms)) / 1000;
  fig.during_sync = latency(inSync, during);
  fig.ferrite_rss_mib_max = Math.max(...all.map((x) => x.ferriteRss));
  fig.lab_rss_mib_max = Math.max(...all.map((x) => x.labRss));
  fig.ratio_accept_p99 = fig.during_sync.accept_p99_ms / idle.accept_p99_ms;
  fig.ratio_done_p99 = fig.during_sync.done_p99_ms / idle.done_p99_ms;
  fig.meets_target = protocol === 'ipmi'
    ? fig.cycle_s_median! <= ipmiTargetS && fig.failed === 0 && fig.checked === SERVERS && perQueryAll <= IPMI_CPU_TARGET_MS
    : fig.cycle_s_median! < redfishTargetS && fig.failed === 0 && fig.checked === SERVERS;
  Object.assign(fig, {
    ...(s.client ? { client: s.client } : {}),
    ...extra,
    ferrite_cpu_ms_per_query: perQuery,
    ferrite_with_children_cpu_ms_per_query: perQueryAll,
    ipmi_sim_rss_mib_max: Math.max(...all.map((x) => x.ipmiSimRss)),
    ipmi_sims: Math.min(...all.map((x) => x.ipmiSims)),
    idle,
  });
  out(`${label} with actions: cycles ${loadedCycles.map((x) => (x.ms / 1000).toFixed(2)).join(' ')} s; ` +
    `during sync ${JSON.stringify(fig.during_sync)}; rss ferrite ${fig.ferrite_rss_mib_max.toFixed(0)} lab ${fig.lab_rss_mib_max.toFixed(0)} MiB` +
    (protocol === 'ipmi' ? ` (+ ${fig.ipmi_sims} ipmi_sim ${fig.ipmi_sim_rss_mib_max!.toFixed(0)} MiB)` : ''));
  if (during.errors.length) out(`errors: ${during.errors.slice(0, 3).join(' | ')}`);
  await ferrite.stop();
  return fig as Figures;
}

interface Phase {
  protocol: Protocol;
  labS: number;
  enrollS: number;
  manageS: number;
  /** Idle power actions: one set for redfish; for ipmi one per client (each with its own Ferrite). */
  idle: Map<string, Latency>;
  idleRss: { ferrite: number; lab: number };
  rows: Figures[];
}

async function runPhase(protocol: Protocol): Promise<Phase> {
  const dir = REDFISH_ONLY ? DIR : join(DIR, protocol);
  mkdirSync(dir, { recursive: true });
  phaseTag = REDFISH_ONLY ? '' : ` ${protocol}`;
  const ipmi = protocol === 'ipmi';
  const lab = await startLabProcess(dir, ipmi);
  out(`lab: ${SERVERS} servers ready in ${lab.seconds.toFixed(1)} s at ${lab.ready.url} (pid ${lab.proc.pid})` +
    (ipmi ? `, ${childPids(lab.proc.pid).filter((c) => comm(c) === 'ipmi_sim').length} ipmi_sim BMCs` : ''));
  const ferrite = new Ferrite(dir, lab.proc.pid, ipmi);
  await ferrite.start('enroll', 0, 8);
  let t = performance.now();
  const uuids = await enroll(lab.ready, protocol);
  const enrollS = (performance.now() - t) / 1000;
  out(`enrolled ${uuids.length} nodes in ${enrollS.toFixed(1)} s (${(uuids.length / enrollS).toFixed(0)}/s)`);
  t = performance.now();
  await manageAll(uuids);
  const manageS = (performance.now() - t) / 1000;
  out(`all manageable in ${manageS.toFixed(1)} s (${(uuids.length / manageS).toFixed(0)}/s)`);
  const actionNodes = Array.from({ length: ACTION_NODES }, (_, i) => uuids[Math.floor(((i + 0.5) * uuids.length) / ACTION_NODES)]);
  const idle = new Map<string, Latency>();
  let idleRss = { ferrite: 0, lab: 0 };
  const clients: (IpmiClientKind | undefined)[] = ipmi ? IPMI_CLIENTS : [undefined];
  for (const client of clients) {
    if (client) {
      // Each client's own idle baseline, so "during sync / idle" compares the same client.
      await ferrite.stop();
      await ferrite.start(`${client}-idle`, 0, 8, client);
    }
    const r = await idleActions(ferrite, actionNodes, lab.proc.pid);
    idle.set(client ?? 'redfish', r.idle);
    if (!client || client === clients[0]) idleRss = r.idleRss;
    out(`idle power actions${client ? ` (${client})` : ''}: ${JSON.stringify(r.idle)}; ` +
      `rss ferrite ${r.idleRss.ferrite.toFixed(0)} MiB, lab ${r.idleRss.lab.toFixed(0)} MiB`);
    if (r.errors.length) out(`idle errors: ${r.errors.slice(0, 3).join(' | ')}`);
  }
  await ferrite.stop();

  const settings: Setting[] = ipmi
    ? IPMI_CLIENTS.flatMap((client) => WORKERS.map((workers) => ({ tag: `${client}-w${workers}`, workers, client })))
    : WORKERS.map((workers) => ({ tag: `w${workers}`, workers }));
  const rows: Figures[] = [];
  for (const s of settings) rows.push(await measure(ferrite, s, protocol, actionNodes, idle.get(s.client ?? 'redfish')!));
  await stop(lab.proc);
  return { protocol, labS: lab.seconds, enrollS, manageS, idle, idleRss, rows };
}

const phases: Phase[] = [];
for (const protocol of PROTOCOLS) phases.push(await runPhase(protocol));
phaseTag = '';

function printRedfish(p: Phase): void {
  const idle = p.idle.get('redfish')!;
  out(`N=${SERVERS}: enroll ${p.enrollS.toFixed(1)} s, manage ${p.manageS.toFixed(1)} s; idle power action p50/p99: ` +
    `202 ${idle.accept_p50_ms.toFixed(0)}/${idle.accept_p99_ms.toFixed(0)} ms, done ${idle.done_p50_ms.toFixed(0)}/${idle.done_p99_ms.toFixed(0)} ms; target ${redfishTargetS} s`);
  out('| workers | cycle (median) | cold cycle | with actions | CPU/cycle Ferrite | CPU/cycle lab | RSS Ferrite | RSS lab | 202 p99 sync (×idle) | done p99 sync (×idle) | 409/503 retries | target |');
  out('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const f of p.rows) {
    out(`| ${f.workers} | ${f.cycle_s_median.toFixed(2)} s | ${f.cold_cycle_s.toFixed(2)} s | ${f.cycle_s_median_with_actions.toFixed(2)} s | ` +
      `${f.ferrite_cpu_s_per_cycle.toFixed(2)} s | ${f.lab_cpu_s_per_cycle.toFixed(2)} s | ${f.ferrite_rss_mib_max.toFixed(0)} MiB | ${f.lab_rss_mib_max.toFixed(0)} MiB | ` +
      `${f.during_sync.accept_p99_ms.toFixed(0)} ms (${f.ratio_accept_p99.toFixed(1)}×) | ${f.during_sync.done_p99_ms.toFixed(0)} ms (${f.ratio_done_p99.toFixed(1)}×) | ` +
      `${f.during_sync.retries_409_503} | ${f.meets_target ? 'met' : 'missed'} |`);
  }
}

/** One table for both protocols: the redfish rows (baseline) and the ipmi rows per client. */
/** Seconds with three significant digits below 1 s (a 100-node redfish cycle takes ~0.04 s). */
const sec = (x: number) => (x < 1 ? x.toPrecision(2 + (x < 0.1 ? 0 : 1)) : x.toFixed(2));

function printAll(): void {
  out(`N=${SERVERS}, ${CYCLES} cycles each; targets: redfish < ${redfishTargetS} s; ipmi ≤ ${ipmiTargetS} s (10 s per 1,000 BMCs) ` +
    `and ≤ ${IPMI_CPU_TARGET_MS} ms Ferrite CPU per BMC query (children included)`);
  for (const p of phases) {
    const idles = [...p.idle].map(([k, v]) => `${k} 202 ${v.accept_p50_ms.toFixed(0)}/${v.accept_p99_ms.toFixed(0)} ms, done ${v.done_p50_ms.toFixed(0)}/${v.done_p99_ms.toFixed(0)} ms`);
    out(`${p.protocol}: lab ready in ${p.labS.toFixed(1)} s, enroll ${p.enrollS.toFixed(1)} s, manage ${p.manageS.toFixed(1)} s; idle power action p50/p99: ${idles.join('; ')}`);
  }
  out('| protocol (client) | workers | cycle (median) | cold cycle | with actions | CPU/cycle Ferrite | + its children | ms CPU/BMC query (with children) | CPU/cycle lab (ipmi_sim part) | RSS Ferrite | RSS lab (+ ipmi_sim) | 202 p99 sync (×idle) | done p99 sync (×idle) | 409/503 retries | target |');
  out('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const p of phases) {
    for (const f of p.rows) {
      const ipmi = p.protocol === 'ipmi';
      out(`| ${p.protocol}${f.client ? ` (${f.client})` : ''} | ${f.workers} | ${sec(f.cycle_s_median)} s | ${sec(f.cold_cycle_s)} s | ` +
        `${sec(f.cycle_s_median_with_actions)} s | ${sec(f.ferrite_cpu_s_per_cycle)} s | ${sec(f.ferrite_children_cpu_s_per_cycle)} s | ` +
        `${f.ferrite_cpu_ms_per_query.toFixed(2)} (${f.ferrite_with_children_cpu_ms_per_query.toFixed(2)}) | ` +
        `${sec(f.lab_cpu_s_per_cycle)} s${ipmi ? ` (${sec(f.ipmi_sim_cpu_s_per_cycle)} s)` : ''} | ${f.ferrite_rss_mib_max.toFixed(0)} MiB | ` +
        `${f.lab_rss_mib_max.toFixed(0)} MiB${ipmi ? ` (+ ${f.ipmi_sim_rss_mib_max.toFixed(0)} MiB)` : ''} | ` +
        `${f.during_sync.accept_p99_ms.toFixed(0)} ms (${f.ratio_accept_p99.toFixed(1)}×) | ${f.during_sync.done_p99_ms.toFixed(0)} ms (${f.ratio_done_p99.toFixed(1)}×) | ` +
        `${f.during_sync.retries_409_503} | ${f.meets_target ? 'met' : 'missed'} |`);
    }
  }
}

/** Same-run ratios per workers setting: ipmi native / redfish, ipmitool / native (wall time and CPU incl. children). */
function ratios(): Record<string, number | string>[] {
  const redfish = phases.find((p) => p.protocol === 'redfish')?.rows ?? [];
  const ipmiRows = phases.find((p) => p.protocol === 'ipmi')?.rows ?? [];
  const cpu = (f: Figures) => f.ferrite_cpu_s_per_cycle + f.ferrite_children_cpu_s_per_cycle;
  const list: Record<string, number | string>[] = [];
  for (const workers of WORKERS) {
    const rf = redfish.find((f) => f.workers === workers);
    const nat = ipmiRows.find((f) => f.workers === workers && f.client === 'native');
    const tool = ipmiRows.find((f) => f.workers === workers && f.client === 'ipmitool');
    if (rf && nat) list.push({ workers, what: 'ipmi native / redfish', cycle: nat.cycle_s_median / rf.cycle_s_median, ferrite_cpu: cpu(nat) / cpu(rf) });
    if (rf && tool) list.push({ workers, what: 'ipmi ipmitool / redfish', cycle: tool.cycle_s_median / rf.cycle_s_median, ferrite_cpu: cpu(tool) / cpu(rf) });
    if (nat && tool) list.push({ workers, what: 'ipmitool / native', cycle: tool.cycle_s_median / nat.cycle_s_median, ferrite_cpu: cpu(tool) / cpu(nat) });
  }
  return list;
}

out('');
if (REDFISH_ONLY) {
  const p = phases[0];
  printRedfish(p);
  const idle = p.idle.get('redfish')!;
  const result = {
    servers: SERVERS, target_s: redfishTargetS, lab_start_s: r1(p.labS), enroll_s: r1(p.enrollS), manage_s: r1(p.manageS),
    idle, idle_rss_mib: { ferrite: r1(p.idleRss.ferrite), lab: r1(p.idleRss.lab) },
    workers: p.rows.map((f) => round(Object.fromEntries(REDFISH_KEYS.map((k) => [k, f[k as keyof Figures]])))),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} else {
  printAll();
  const rs = ratios();
  if (rs.length) {
    out('same-run ratios (Ferrite CPU includes its children): ' +
      rs.map((r) => `${r.what} (workers ${r.workers}): cycle ${Number(r.cycle).toFixed(2)}×, CPU ${Number(r.ferrite_cpu).toFixed(2)}×`).join('; '));
  }
  const result = {
    servers: SERVERS, protocol: PROTOCOL_ARG,
    targets: { redfish_cycle_s: redfishTargetS, ipmi_cycle_s: ipmiTargetS, ipmi_cpu_ms_per_query: IPMI_CPU_TARGET_MS },
    ...Object.fromEntries(phases.map((p) => [p.protocol, {
      lab_start_s: r1(p.labS), enroll_s: r1(p.enrollS), manage_s: r1(p.manageS),
      idle: Object.fromEntries(p.idle), idle_rss_mib: { ferrite: r1(p.idleRss.ferrite), lab: r1(p.idleRss.lab) },
      rows: p.rows.map((f) => {
        const { idle: _idle, ...rest } = f;
        return round(rest, r3);
      }),
    }])),
    ratios: rs.map((r) => round(r, r3)),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}
