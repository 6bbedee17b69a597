/**
 * Deploy benchmark, part (b): N lab servers deployed at once through the agent, against one deployed alone first.
 *
 *   node --import tsx bench/deploy/fleet.ts [--servers 100] [--image-mib 64] [--workers 200] [--dir DIR] [--keep]
 *        [--poll-ms 250] [--timeout-s 900] [--check-disks 5] [--warmup 1]
 *        [--agent-nice 19]
 *
 * 1. Writes a raw image (random bytes, an MBR signature at 510/511) and serves it with serve-file.py (Python,
 *    sendfile(2), a thread per connection, its accept backlog raised to 256: 100 agents connect within seconds);
 *    starts `ferrite serve` (SQLite, cleaning and power sync off) as a child process, and the lab
 *    (startLab, N + 1 servers, Redfish over HTTP) in this process. A server that network-boots runs a real
 *    `ferrite agent` process, a child of this process (so its CPU is never counted as Ferrite's). Every thread of
 *    every agent is reniced to 19 as soon as it shows up (--agent-nice): on hardware each agent has its server's
 *    CPUs; here 100 of them share the machine's with Ferrite and the lab, and at equal priority they starve the
 *    lab's emulated BMCs into 30 s Redfish timeouts (CFS weight: 100 agents at nice 19 ≈ 1.5 processes at nice 0).
 * 2. Enrolls the N + 1 servers (driver redfish, one port each), manage → provide → available, sets instance_info.
 * 3. Warm-up (--warmup K, default 1): deploys K extra servers one after the other, each alone, printed but not the
 *    baseline: Ferrite's first deploy also pays for lazy module loads and a cold JIT (~3× the CPU of the next).
 *    Baseline: deploys one server alone, from PUT target=active until GET /v1/nodes shows it active.
 * 4. Fleet: PUTs target=active on the other N at once; wall time from the first PUT until every node is active,
 *    polling GET /v1/nodes?fields=uuid,provision_state every --poll-ms.
 *    Ferrite's CPU: utime+stime from /proc/<pid>/stat before the first PUT and after the last node went active.
 *    The agents' CPU: this process's cutime+cstime (reaped children), once every agent has exited.
 * 5. Checks that every node is active with no last_error, that every server booted from its disk, and that
 *    --check-disks disk files hold the image byte for byte.
 * Prints a table and a final `RESULT {json}` line. Ferrite and the image server are stopped by PID and the lab closed (it kills its agents)
 * in every case; the directory is removed unless --keep. Exit code 1 when a deploy failed.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { once } from 'node:events';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startLab, type Lab } from '../../src/lab/index.js';
import { childPids, cpuTimes, statusMiB } from '../proc-stats.js';
import { pool } from '../pool.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const SERVERS = Number(arg('servers', '100'));
const IMAGE_MIB = Number(arg('image-mib', '64'));
const WORKERS = Number(arg('workers', '200'));
const POLL_MS = Number(arg('poll-ms', '250'));
const TIMEOUT_S = Number(arg('timeout-s', '900'));
// Ferrite's (and Ironic's) default: on 2 shared cores, 100 agents starting at once need minutes to call back.
const CALLBACK_TIMEOUT_S = Number(arg('callback-timeout-s', '1800'));
const CHECK_DISKS = Number(arg('check-disks', '5'));
const KEEP = process.argv.includes('--keep');
const WARMUP = Number(arg('warmup', '1'));
const AGENT_NICE = Number(arg('agent-nice', '19'));
if (![SERVERS, IMAGE_MIB, WORKERS, POLL_MS, TIMEOUT_S, CHECK_DISKS, WARMUP, AGENT_NICE].every((n) => Number.isFinite(n) && n >= 0) || SERVERS < 1 || IMAGE_MIB < 1) {
  process.stderr.write('usage: fleet.ts [--servers 100] [--image-mib 64] [--workers 200] [--dir DIR] [--keep] [--poll-ms 250] [--timeout-s 900] [--check-disks 5] [--warmup 1] [--agent-nice 19]\n');
  process.exit(2);
}
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = arg('dir', '') || mkdtempSync(join(tmpdir(), 'ferrite-deploy-fleet-'));
mkdirSync(DIR, { recursive: true });
const MIB = 1024 * 1024;
const HEADERS = { 'X-OpenStack-Ironic-API-Version': '1.82', 'Content-Type': 'application/json', Accept: 'application/json' };

const out = (line: string) => process.stdout.write(`[fleet ${SERVERS}] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now() / 1000;

// ---------------------------------------------------------------- /proc

const reniced = new Set<number>();
/** Renices every thread of every agent (our children other than Ferrite and the image server) not yet done. */
function reniceAgents(): void {
  for (const pid of childPids(process.pid)) {
    if (pid === ferrite?.pid || pid === images?.pid) continue;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids.map(Number)) {
      if (reniced.has(tid)) continue;
      try {
        setPriority(tid, AGENT_NICE);
        reniced.add(tid);
      } catch {
        // gone already
      }
    }
  }
}

// ---------------------------------------------------------------- processes and servers

interface Proc { child: ChildProcess; pid: number; exited: Promise<void> }
let ferrite: Proc | undefined;
let images: Proc | undefined;
let lab: Lab | undefined;

function track(child: ChildProcess, name: string): Proc {
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  return { child, pid: child.pid, exited: new Promise<void>((r) => child.once('exit', () => r())) };
}

const running = (p: Proc | undefined): p is Proc => p !== undefined && p.child.exitCode === null && p.child.signalCode === null;

/** serve-file.py with a deeper accept queue (socketserver's default is 5), as a separate process. */
async function startImageServer(file: string): Promise<string> {
  const code = 'import runpy, sys, http.server\n' +
    'http.server.ThreadingHTTPServer.request_queue_size = 256\n' +
    `sys.argv = [sys.argv[1], sys.argv[2]]\nrunpy.run_path(sys.argv[0], run_name='__main__')\n`;
  const child = spawn('/usr/bin/python3', ['-c', code, join(ROOT, 'bench', 'deploy', 'serve-file.py'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  images = track(child, 'serve-file.py');
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', () => reject(new Error('serve-file.py exited')));
  });
  return `http://127.0.0.1:${port.trim()}/image.raw`;
}

async function freePort(): Promise<number> {
  const s = createNetServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as { port: number };
  s.close();
  await once(s, 'close');
  return port;
}

async function startFerrite(port: number): Promise<string> {
  const conf = join(DIR, 'ferrite.conf');
  writeFileSync(conf, [
    '[DEFAULT]', `state_path = ${DIR}`, 'host = bench-fleet', 'log_level = warn',
    '[api]', 'host_ip = 127.0.0.1', `port = ${port}`, 'ramdisk_heartbeat_timeout = 10',
    '[database]', `connection = sqlite:///${join(DIR, 'ferrite.db')}`,
    // A stuck agent fails its deploy after 5 minutes rather than Ironic's 30.
    '[conductor]', `deploy_callback_timeout = ${CALLBACK_TIMEOUT_S}`, 'automated_clean = false', 'sync_power_state_interval = 0', `workers_pool_size = ${WORKERS}`,
    '[agent]', 'command_poll_interval = 0.5',
    '',
  ].join('\n'));
  // As bin/ferrite.js's shebang runs it (fewer malloc arenas, a small young generation).
  const child = spawn(process.execPath, ['--max-semi-space-size=2', join(ROOT, 'bin', 'ferrite.js'), 'serve', '--config', conf], {
    env: { ...process.env, MALLOC_ARENA_MAX: '2' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  ferrite = track(child, 'ferrite');
  const log = createWriteStream(join(DIR, 'ferrite.log'));
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`ferrite exited; see ${join(DIR, 'ferrite.log')}`);
    try {
      if ((await fetch(url + '/')).ok) return url;
    } catch {
      // not listening yet
    }
    if (i > 600) throw new Error('ferrite did not answer within 120 s');
    await sleep(200);
  }
}

async function stop(p: Proc | undefined): Promise<void> {
  if (!running(p)) return;
  process.kill(p.pid, 'SIGTERM');
  if (!(await Promise.race([p.exited.then(() => true), sleep(15_000).then(() => false)]))) {
    process.kill(p.pid, 'SIGKILL');
    await p.exited;
  }
}

let cleaning: Promise<void> | undefined;
/** Stops what this run started, once; every caller waits for the same clean-up. */
function cleanup(): Promise<void> {
  cleaning ??= cleanupOnce();
  return cleaning;
}

async function cleanupOnce(): Promise<void> {
  await stop(ferrite).catch(() => undefined);
  await lab?.close().catch(() => undefined);
  await stop(images).catch(() => undefined);
  if (KEEP) out(`files kept in ${DIR}`);
  else rmSync(DIR, { recursive: true, force: true });
}
process.on('exit', () => {
  // Last resort (an uncaught error): our two servers by PID; the agents are our children and lose their pipes.
  for (const p of [ferrite, images]) if (running(p)) process.kill(p.pid, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void cleanup().finally(() => process.exit(130)));

// ---------------------------------------------------------------- API

let API = '';

/** One request; 409 (node locked) and 503 (no free worker) are retried as a client would. */
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(API + path, { method, headers: HEADERS, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if ((res.status === 409 || res.status === 503) && attempt < 400) {
      await sleep(Math.min(10 * 2 ** attempt, 200));
      continue;
    }
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }
}

async function expect(status: number, method: string, path: string, body?: unknown): Promise<any> {
  const res = await call(method, path, body);
  if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

async function waitState(uuid: string, target: string, resting: string): Promise<void> {
  await expect(202, 'PUT', `/v1/nodes/${uuid}/states/provision`, { target });
  for (let i = 0; i < 600; i++) {
    const n = await expect(200, 'GET', `/v1/nodes/${uuid}?fields=provision_state,last_error,reservation`);
    if (n.provision_state === resting && n.reservation === null) return;
    if (/failed/.test(n.provision_state)) throw new Error(`${uuid}: ${n.provision_state}: ${n.last_error}`);
    await sleep(100);
  }
  throw new Error(`${uuid} did not reach ${resting}`);
}

interface Watch {
  /** Seconds from the first PUT until each node was seen active. */
  activeAt: Map<string, number>;
  failed: Map<string, string>;
  wall: number;
}

/** Polls the node list until every node in `uuids` is active or deploy failed (or the timeout). */
async function watch(uuids: string[], t0: number): Promise<Watch> {
  const want = new Set(uuids);
  const activeAt = new Map<string, number>();
  const failed = new Map<string, string>();
  const deadline = t0 + TIMEOUT_S;
  for (;;) {
    const list = await expect(200, 'GET', '/v1/nodes?fields=uuid,provision_state&limit=1000');
    const t = now();
    for (const n of list.nodes as { uuid: string; provision_state: string }[]) {
      if (!want.has(n.uuid) || activeAt.has(n.uuid) || failed.has(n.uuid)) continue;
      if (n.provision_state === 'active') activeAt.set(n.uuid, t - t0);
      else if (n.provision_state === 'deploy failed') {
        const full = await expect(200, 'GET', `/v1/nodes/${n.uuid}?fields=last_error`);
        failed.set(n.uuid, String(full.last_error));
        out(`DEPLOY FAILED ${n.uuid}: ${String(full.last_error)}`);
      }
    }
    if (activeAt.size + failed.size === want.size) return { activeAt, failed, wall: Math.max(...activeAt.values(), 0) };
    if (t > deadline) {
      for (const u of want) if (!activeAt.has(u) && !failed.has(u)) failed.set(u, 'timed out');
      return { activeAt, failed, wall: t - t0 };
    }
    await sleep(POLL_MS);
  }
}

// ---------------------------------------------------------------- the run

function makeImage(): { raw: Buffer; sha: string } {
  const raw = randomBytes(IMAGE_MIB * MIB);
  raw[510] = 0x55;
  raw[511] = 0xaa;
  return { raw, sha: createHash('sha256').update(raw).digest('hex') };
}

function readDisk(path: string, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** Until no lab server has a running agent (a deployed server reboots into its disk; the lab kills the agent). */
async function agentsGone(l: Lab, timeoutMs = 60_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (l.servers.every((s) => l.server(s.id).agent === undefined)) return true;
    await sleep(250);
  }
  return false;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

interface Phase {
  deploys: number;
  wall_s: number;
  ferrite_cpu_s: number;
  ferrite_cpu_s_per_deploy: number;
  agents_cpu_s_per_deploy: number;
  bench_cpu_s_per_deploy: number;
  throughput_per_min: number;
  active_p50_s: number;
  active_p95_s: number;
  failed: number;
}

async function deployPhase(uuids: string[]): Promise<Phase> {
  const l = lab as Lab;
  const f0 = cpuTimes(ferrite!.pid).own;
  const b0 = cpuTimes(process.pid);
  const t0 = now();
  const puts = Promise.all(uuids.map((u) => expect(202, 'PUT', `/v1/nodes/${u}/states/provision`, { target: 'active' })));
  const [w] = await Promise.all([watch(uuids, t0), puts]);
  const f1 = cpuTimes(ferrite!.pid).own;
  if (!(await agentsGone(l))) out('warning: agents still running 60 s after the last deploy; their CPU is undercounted');
  const b1 = cpuTimes(process.pid);
  const n = uuids.length;
  const times = [...w.activeAt.values()];
  return {
    deploys: n, wall_s: w.wall, ferrite_cpu_s: f1 - f0, ferrite_cpu_s_per_deploy: (f1 - f0) / n,
    agents_cpu_s_per_deploy: (b1.children - b0.children) / n, bench_cpu_s_per_deploy: (b1.own - b0.own) / n,
    throughput_per_min: (n / w.wall) * 60, active_p50_s: pct(times, 50), active_p95_s: pct(times, 95),
    failed: w.failed.size,
  };
}

async function main(): Promise<number> {
  const tStart = now();
  const image = makeImage();
  writeFileSync(join(DIR, 'image.raw'), image.raw);
  const imageUrl = await startImageServer(join(DIR, 'image.raw'));
  if (!existsSync(join(ROOT, 'dist', 'ferrite.js'))) execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });

  API = await startFerrite(await freePort());
  lab = await startLab({
    dir: join(DIR, 'lab'), servers: SERVERS + 1 + WARMUP, http: true, port: 0, powerDelayMs: 50, bootDelayMs: 50,
    diskSizeBytes: 1024 ** 3, bootUrl: `${API}/boot/boot.ipxe`,
  });
  const l = lab;
  if (AGENT_NICE !== 0) setInterval(reniceAgents, 50).unref();
  out(`ferrite pid ${ferrite!.pid} at ${API}; lab ${l.url} with ${SERVERS + 1 + WARMUP} servers; image ${IMAGE_MIB} MiB; dir ${DIR}`);

  const tEnroll = now();
  const uuids: string[] = new Array<string>(l.servers.length);
  await pool(l.servers.map((s, i) => ({ s, i })), 8, async ({ s, i }) => {
    const node = await expect(201, 'POST', '/v1/nodes', {
      driver: 'redfish', name: `fleet-${i}`,
      driver_info: { redfish_address: l.url, redfish_system_id: s.systemPath, redfish_username: 'admin', redfish_password: 'password' },
    });
    await expect(201, 'POST', '/v1/ports', { node_uuid: node.uuid, address: s.macs[0] });
    uuids[i] = node.uuid as string;
  });
  await pool(uuids, 16, async (u) => {
    await waitState(u, 'manage', 'manageable');
    await waitState(u, 'provide', 'available');
    await expect(200, 'PATCH', `/v1/nodes/${u}`, Object.entries({ image_source: imageUrl, image_os_hash_algo: 'sha256', image_os_hash_value: image.sha })
      .map(([k, v]) => ({ op: 'add', path: `/instance_info/${k}`, value: v })));
  });
  out(`enrolled and available in ${(now() - tEnroll).toFixed(1)} s`);

  const warmups: Phase[] = [];
  for (let k = 0; k < WARMUP; k++) {
    const w = await deployPhase([uuids[SERVERS + 1 + k]]);
    warmups.push(w);
    out(`warm-up deploy ${k + 1}: ${w.wall_s.toFixed(2)} s, Ferrite ${w.ferrite_cpu_s.toFixed(2)} CPU s${w.failed ? ' FAILED' : ''}`);
  }
  const rssBefore = statusMiB(ferrite!.pid, 'VmRSS');
  const base = await deployPhase([uuids[0]]);
  out(`baseline: 1 deploy in ${base.wall_s.toFixed(2)} s, Ferrite ${base.ferrite_cpu_s.toFixed(2)} CPU s`);
  const hwmBase = statusMiB(ferrite!.pid, 'VmHWM');
  const fleet = await deployPhase(uuids.slice(1, SERVERS + 1));
  const hwmFleet = statusMiB(ferrite!.pid, 'VmHWM');
  const benchHwm = statusMiB(process.pid, 'VmHWM');

  // Every node active with no error, every server booted from its disk, some disks compared byte for byte.
  const nodes = (await expect(200, 'GET', '/v1/nodes?fields=uuid,provision_state,last_error&limit=1000')).nodes as
    { uuid: string; provision_state: string; last_error: string | null }[];
  const notActive = nodes.filter((n) => n.provision_state !== 'active' || n.last_error);
  for (const n of notActive) out(`not active: ${n.uuid} ${n.provision_state}: ${n.last_error}`);
  const bootedDisk = l.servers.filter((s) => {
    const last = l.server(s.id).bootRecord.at(-1);
    return last?.target === 'Hdd' && last.result === 'os';
  }).length;
  const check = [0, ...Array.from({ length: Math.max(0, CHECK_DISKS - 1) }, (_, k) => 1 + Math.floor(((k + 0.5) * SERVERS) / Math.max(1, CHECK_DISKS - 1)) % SERVERS)];
  const diskMismatch = [...new Set(check)].filter((i) => !readDisk(join(DIR, 'lab', l.servers[i].uuid, 'disk.img'), image.raw.length).equals(image.raw));
  for (const i of diskMismatch) out(`disk of server ${i} does not hold the image`);

  const rows: [string, Phase][] = [['1 alone (baseline)', base], [`${SERVERS} at once`, fleet]];
  out('');
  out('| deploys | wall s | deploys/min | active p50 / p95 s | Ferrite CPU s per deploy | agents CPU s per deploy | lab CPU s per deploy |');
  out('|---|---|---|---|---|---|---|');
  for (const [name, p] of rows) {
    out(`| ${name} | ${p.wall_s.toFixed(2)} | ${p.throughput_per_min.toFixed(1)} | ${p.active_p50_s.toFixed(2)} / ${p.active_p95_s.toFixed(2)} | ` +
      `${p.ferrite_cpu_s_per_deploy.toFixed(3)} | ${p.agents_cpu_s_per_deploy.toFixed(2)} | ${p.bench_cpu_s_per_deploy.toFixed(2)} |`);
  }
  const ratios = {
    wall: fleet.wall_s / base.wall_s,
    throughput: fleet.throughput_per_min / base.throughput_per_min,
    ferrite_cpu_per_deploy: fleet.ferrite_cpu_s_per_deploy / base.ferrite_cpu_s_per_deploy,
  };
  out(`ratios ${SERVERS} at once ÷ 1 alone: wall ${ratios.wall.toFixed(2)}×, throughput ${ratios.throughput.toFixed(1)}×, ` +
    `Ferrite CPU per deploy ${ratios.ferrite_cpu_per_deploy.toFixed(2)}×`);
  out(`Ferrite RSS before the baseline ${rssBefore.toFixed(0)} MiB, peak after it ${hwmBase.toFixed(0)} MiB, peak after the fleet ${hwmFleet.toFixed(0)} MiB; ` +
    `benchmark process (lab) peak ${benchHwm.toFixed(0)} MiB`);
  out(`checks: ${nodes.length - notActive.length}/${nodes.length} active without error, ${bootedDisk}/${l.servers.length} booted from disk, ` +
    `${[...new Set(check)].length - diskMismatch.length}/${[...new Set(check)].length} disks equal to the image; total run ${(now() - tStart).toFixed(0)} s`);

  const round = (p: Phase) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, k.includes('cpu') ? r3(v) : r2(v)]));
  const ok = fleet.failed === 0 && base.failed === 0 && warmups.every((w) => w.failed === 0) && notActive.length === 0 && diskMismatch.length === 0 && bootedDisk === l.servers.length;
  process.stdout.write(`RESULT ${JSON.stringify({
    servers: SERVERS, image_mib: IMAGE_MIB, warmup: WARMUP, agent_nice: AGENT_NICE, workers_pool_size: WORKERS, cores: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    ok, warmup_deploys: warmups.map(round), baseline: round(base), fleet: round(fleet),
    ratios: { wall: r2(ratios.wall), throughput: r2(ratios.throughput), ferrite_cpu_per_deploy: r2(ratios.ferrite_cpu_per_deploy) },
    ferrite_rss_mib: { before: Math.round(rssBefore), peak_after_baseline: Math.round(hwmBase), peak_after_fleet: Math.round(hwmFleet) },
    bench_peak_rss_mib: Math.round(benchHwm),
  })}\n`);
  return ok ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  process.stderr.write(`fleet benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
} finally {
  await cleanup();
}
process.exit(code);
