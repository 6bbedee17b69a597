/**
 * Power sync benchmark: one lab process with N emulated Redfish servers, one Ferrite process (API + conductor).
 *
 *   node --import tsx bench/power-sync/run.ts --servers 1000 --dir /tmp/x [--workers 8,32,64] [--port 6410]
 *        [--cycles 3] [--power-delay-ms 100] [--actions 50]
 *
 * 1. Starts `ferrite lab` and waits for its ready line; starts `ferrite serve` with the power sync off.
 * 2. Enrolls the N servers through the API (driver redfish, verified with the lab's CA) and moves them to
 *    manageable (timed separately).
 * 3. Idle baseline: repeated power actions on 4 nodes, each timed to the 202 and until the node shows the new
 *    power_state (and no target) in GET /v1/nodes/{id}.
 * 4. For each workers setting: restarts Ferrite on the same database with `sync_power_state_interval` 0.2 s, reads
 *    every cycle from the 'power sync cycle finished' log line ({checked, changed, failed, ms}), skips the first
 *    (cold: TLS handshakes, login) cycle, measures --cycles clean cycles (wall time from the log, CPU seconds of
 *    both processes from /proc/<pid>/stat between cycle ends), then --cycles more with the same power actions
 *    running; only actions that started while a cycle ran count as "during sync".
 * Prints a table and a final `RESULT {json}` line. Child PIDs are written to DIR/pids for run.sh's cleanup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const SERVERS = Number(arg('servers', '1000'));
const DIR = arg('dir', '');
const PORT = Number(arg('port', '6410'));
const WORKERS = arg('workers', '8,32,64').split(',').map(Number);
const CYCLES = Number(arg('cycles', '3'));
const POWER_DELAY_MS = Number(arg('power-delay-ms', '20'));
const ACTIONS_PER_NODE = Number(arg('actions', '50'));
const ACTION_NODES = 4;
const SYNC_INTERVAL_S = 0.2;
if (!DIR || !Number.isInteger(SERVERS) || SERVERS < ACTION_NODES) {
  process.stderr.write('usage: run.ts --servers N --dir DIR [--workers 8,32,64] [--port 6410] [--cycles 3]\n');
  process.exit(2);
}
const API = `http://127.0.0.1:${PORT}`;
// taskset: Ferrite gets core 0 to itself (in production the BMCs are other machines); lab and driver share core 1.
const PIN = process.env.POWER_SYNC_PIN !== '0';
const NODE_FLAGS = (process.env.FERRITE_NODE_FLAGS ?? '--max-semi-space-size=2').split(' ').filter(Boolean);
const LAB_NODE_FLAGS = (process.env.LAB_NODE_FLAGS ?? '').split(' ').filter(Boolean);

const out = (line: string) => process.stdout.write(`[${SERVERS}] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- processes

interface Proc {
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
}

const children = new Set<Proc>();

function start(name: string, cpu: string, nodeFlags: string[], args: string[], onLine?: (line: string) => void): Proc {
  const cmd = PIN ? 'taskset' : process.execPath;
  const argv = [...(PIN ? ['-c', cpu, process.execPath] : []), ...nodeFlags, 'bin/ferrite.js', ...args];
  const child = spawn(cmd, argv, { env: { ...process.env, MALLOC_ARENA_MAX: '2' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(DIR, `${name}.log`), { flags: 'a' });
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
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5); the slice starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

// ---------------------------------------------------------------- the lab

interface LabReady {
  url: string;
  ca: string;
  nodes: string;
}

async function startLabProcess(): Promise<{ proc: Proc; ready: LabReady; seconds: number }> {
  const t0 = performance.now();
  let resolveReady!: (r: LabReady) => void;
  const readyP = new Promise<LabReady>((r) => (resolveReady = r));
  const proc = start('lab', '1', LAB_NODE_FLAGS, [
    'lab', '--servers', String(SERVERS), '--dir', join(DIR, 'lab'), '--port', '0',
    '--power-delay-ms', String(POWER_DELAY_MS), '--boot-delay-ms', String(POWER_DELAY_MS), '--disk-size', '0.001',
  ], (line) => {
    if (line.startsWith('{') && line.includes('"ready"')) resolveReady(JSON.parse(line) as LabReady);
  });
  const ready = await Promise.race([readyP, proc.exited.then(() => { throw new Error('lab exited before it was ready; see lab.log'); })]);
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
  labCpu: number;
  ferriteRss: number;
  labRss: number;
}

class Ferrite {
  proc!: Proc;
  cycles: Cycle[] = [];
  private waiters: (() => void)[] = [];

  constructor(private readonly labPid: number) {}

  async start(tag: string, syncIntervalS: number, workers: number): Promise<void> {
    const conf = join(DIR, `ferrite-${tag}.conf`);
    writeFileSync(conf, [
      '[DEFAULT]', `state_path = ${DIR}`, 'log_level = info',
      '[api]', `port = ${PORT}`,
      '[database]', 'connection = sqlite:///bench.db',
      '[conductor]', `sync_power_state_interval = ${syncIntervalS}`, `sync_power_state_workers = ${workers}`,
      '',
    ].join('\n'));
    this.cycles = [];
    this.proc = start(`ferrite-${tag}`, '0', NODE_FLAGS, ['serve', '-c', conf], (line) => this.onLine(line));
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(API + '/')).ok) return;
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
    this.cycles.push({
      checked: rec.checked, changed: rec.changed, failed: rec.failed, ms: rec.ms, at,
      ferriteCpu: cpuSeconds(this.proc.pid), labCpu: cpuSeconds(this.labPid),
      ferriteRss: rssMiB(this.proc.pid), labRss: rssMiB(this.labPid),
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

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

interface LabNode {
  name: string;
  pm_addr: string;
  pm_user: string;
  pm_password: string;
  pm_system_id: string;
}

async function enroll(lab: LabReady): Promise<string[]> {
  const nodes = (JSON.parse(readFileSync(lab.nodes, 'utf8')) as { nodes: LabNode[] }).nodes;
  const uuids: string[] = [];
  await pool(nodes, 8, async (n) => {
    const r = await call('POST', '/v1/nodes', {
      driver: 'redfish', name: n.name,
      driver_info: {
        redfish_address: n.pm_addr, redfish_system_id: n.pm_system_id, redfish_username: n.pm_user,
        redfish_password: n.pm_password, redfish_verify_ca: lab.ca,
      },
    });
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

interface WorkersFigures {
  workers: number;
  cold_cycle_s: number;
  cycle_s_median: number;
  cycle_s_max: number;
  checked: number;
  failed: number;
  ferrite_cpu_s_per_cycle: number;
  lab_cpu_s_per_cycle: number;
  ferrite_rss_mib_max: number;
  lab_rss_mib_max: number;
  cycle_s_median_with_actions: number;
  during_sync: Latency;
  ratio_accept_p99: number;
  ratio_done_p99: number;
  meets_target: boolean;
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => pct(xs, 50);

const targetS = SERVERS <= 1000 ? 5 : 30 * (SERVERS / 10_000);
const lab = await startLabProcess();
out(`lab: ${SERVERS} servers ready in ${lab.seconds.toFixed(1)} s at ${lab.ready.url} (pid ${lab.proc.pid})`);
const ferrite = new Ferrite(lab.proc.pid);
await ferrite.start('enroll', 0, 8);
let t = performance.now();
const uuids = await enroll(lab.ready);
const enrollS = (performance.now() - t) / 1000;
out(`enrolled ${uuids.length} nodes in ${enrollS.toFixed(1)} s (${(uuids.length / enrollS).toFixed(0)}/s)`);
t = performance.now();
await manageAll(uuids);
const manageS = (performance.now() - t) / 1000;
out(`all manageable in ${manageS.toFixed(1)} s (${(uuids.length / manageS).toFixed(0)}/s)`);
const actionNodes = Array.from({ length: ACTION_NODES }, (_, i) => uuids[Math.floor(((i + 0.5) * uuids.length) / ACTION_NODES)]);
const idleRun = await powerActions(actionNodes, ACTIONS_PER_NODE, () => false);
const idle = latency(idleRun.samples, idleRun);
const idleRss = { ferrite: rssMiB(ferrite.proc.pid), lab: rssMiB(lab.proc.pid) };
out(`idle power actions: ${JSON.stringify(idle)}; rss ferrite ${idleRss.ferrite.toFixed(0)} MiB, lab ${idleRss.lab.toFixed(0)} MiB`);
if (idleRun.errors.length) out(`idle errors: ${idleRun.errors.slice(0, 3).join(' | ')}`);
await ferrite.stop();

const perWorkers: WorkersFigures[] = [];
for (const workers of WORKERS) {
  await ferrite.start(`w${workers}`, SYNC_INTERVAL_S, workers);
  await ferrite.waitCycles(1 + CYCLES);
  const c = ferrite.cycles;
  const clean = c.slice(1, 1 + CYCLES);
  const first = c[0];
  const last = c[CYCLES];
  const fig: Partial<WorkersFigures> = {
    workers,
    cold_cycle_s: first.ms / 1000,
    cycle_s_median: median(clean.map((x) => x.ms)) / 1000,
    cycle_s_max: Math.max(...clean.map((x) => x.ms)) / 1000,
    checked: median(clean.map((x) => x.checked)),
    failed: Math.max(...clean.map((x) => x.failed)),
    ferrite_cpu_s_per_cycle: (last.ferriteCpu - first.ferriteCpu) / CYCLES,
    lab_cpu_s_per_cycle: (last.labCpu - first.labCpu) / CYCLES,
  };
  out(`workers ${workers}: cold ${fig.cold_cycle_s!.toFixed(2)} s, cycles ${clean.map((x) => (x.ms / 1000).toFixed(2)).join(' ')} s, ` +
    `checked ${fig.checked}, failed ${fig.failed}, cpu/cycle ferrite ${fig.ferrite_cpu_s_per_cycle!.toFixed(2)} s lab ${fig.lab_cpu_s_per_cycle!.toFixed(2)} s`);
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
  fig.meets_target = fig.cycle_s_median! < targetS && fig.failed === 0 && fig.checked === SERVERS;
  out(`workers ${workers} with actions: cycles ${loadedCycles.map((x) => (x.ms / 1000).toFixed(2)).join(' ')} s; ` +
    `during sync ${JSON.stringify(fig.during_sync)}; rss ferrite ${fig.ferrite_rss_mib_max.toFixed(0)} lab ${fig.lab_rss_mib_max.toFixed(0)} MiB`);
  if (during.errors.length) out(`errors: ${during.errors.slice(0, 3).join(' | ')}`);
  perWorkers.push(fig as WorkersFigures);
  await ferrite.stop();
}
await stop(lab.proc);

out('');
out(`N=${SERVERS}: enroll ${enrollS.toFixed(1)} s, manage ${manageS.toFixed(1)} s; idle power action p50/p99: ` +
  `202 ${idle.accept_p50_ms.toFixed(0)}/${idle.accept_p99_ms.toFixed(0)} ms, done ${idle.done_p50_ms.toFixed(0)}/${idle.done_p99_ms.toFixed(0)} ms; target ${targetS} s`);
out('| workers | cycle (median) | cold cycle | with actions | CPU/cycle Ferrite | CPU/cycle lab | RSS Ferrite | RSS lab | 202 p99 sync (×idle) | done p99 sync (×idle) | 409/503 retries | target |');
out('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const f of perWorkers) {
  out(`| ${f.workers} | ${f.cycle_s_median.toFixed(2)} s | ${f.cold_cycle_s.toFixed(2)} s | ${f.cycle_s_median_with_actions.toFixed(2)} s | ` +
    `${f.ferrite_cpu_s_per_cycle.toFixed(2)} s | ${f.lab_cpu_s_per_cycle.toFixed(2)} s | ${f.ferrite_rss_mib_max.toFixed(0)} MiB | ${f.lab_rss_mib_max.toFixed(0)} MiB | ` +
    `${f.during_sync.accept_p99_ms.toFixed(0)} ms (${f.ratio_accept_p99.toFixed(1)}×) | ${f.during_sync.done_p99_ms.toFixed(0)} ms (${f.ratio_done_p99.toFixed(1)}×) | ` +
    `${f.during_sync.retries_409_503} | ${f.meets_target ? 'met' : 'missed'} |`);
}
const result = {
  servers: SERVERS, target_s: targetS, lab_start_s: r1(lab.seconds), enroll_s: r1(enrollS), manage_s: r1(manageS),
  idle, idle_rss_mib: { ferrite: r1(idleRss.ferrite), lab: r1(idleRss.lab) },
  workers: perWorkers.map((f) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, typeof v === 'number' ? r2(v) : v]))),
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
