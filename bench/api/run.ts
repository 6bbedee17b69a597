/**
 * API benchmark for any Bare Metal API v1 endpoint (Ferrite or OpenStack Ironic, noauth).
 *
 *   node --import tsx bench/api/run.ts --url http://127.0.0.1:6400 [--nodes 10000] [--pid PID]
 *        [--baseline-url http://127.0.0.1:6385 --baseline-pid PID --baseline-nodes 1000 [--stop-baseline]]
 *
 * Measures: node creation rate with 8 concurrent clients, GET /v1/nodes and /v1/nodes/detail latency at 1,000
 * and at --nodes nodes, GET /v1/nodes/{id} requests/s and p99 with 8 connections (wrk), 100 fake nodes from
 * available to active, and the server's resident memory. With a baseline endpoint the same workload runs against
 * it in the same run and every figure is also printed as a ratio. Nodes it creates are named `bench-*` and
 * deleted at the end. Prints a final `RESULT {json}` line.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pool } from '../pool.js';

const run = promisify(execFile);

interface Target {
  url: string;
  pid?: number;
  nodes: number;
}

interface Figures {
  create_rate_per_s: number;
  list_ms_1000: number;
  detail_ms_1000: number;
  list_ms_all?: number;
  detail_ms_all?: number;
  show_rps: number;
  show_p99_ms: number;
  deploy_100_s: number;
  rss_mib_1000?: number;
  rss_mib_all?: number;
  nodes: number;
}

const HEADERS = { 'X-OpenStack-Ironic-API-Version': '1.82', 'Content-Type': 'application/json', Accept: 'application/json' };

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url + path, { method, headers: HEADERS, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    // Both services answer 409 while a node is busy; clients are expected to retry.
    if (res.status === 409 && attempt < 50) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function createNodes(t: Target, from: number, to: number, uuids: string[]): Promise<number> {
  const indexes = Array.from({ length: to - from }, (_, i) => from + i);
  const start = performance.now();
  await pool(indexes, 8, async (i) => {
    const r = await call(t.url, 'POST', '/v1/nodes', {
      driver: 'fake-hardware', name: `bench-${i}`, resource_class: 'bench',
      properties: { cpus: 8, memory_mb: 16384, local_gb: 100, cpu_arch: 'x86_64' },
      driver_info: { fake_password: 'secret' },
    });
    if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.json)}`);
    uuids.push(r.json.uuid as string);
  });
  return (to - from) / ((performance.now() - start) / 1000);
}

/** Wall time of fetching a whole listing, following `next` links; median of 5. */
async function listLatency(t: Target, path: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    let next: string | undefined = path;
    while (next) {
      const r = await call(t.url, 'GET', next);
      next = r.json.next ? new URL(r.json.next as string).pathname + new URL(r.json.next as string).search : undefined;
    }
    times.push(performance.now() - start);
  }
  return median(times);
}

async function showThroughput(t: Target, uuids: string[]): Promise<{ rps: number; p99: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-bench-'));
  const script = join(dir, 'show.lua');
  writeFileSync(script, `
local ids = {${uuids.slice(0, 1000).map((u) => `"${u}"`).join(',')}}
wrk.headers["X-OpenStack-Ironic-API-Version"] = "1.82"
request = function()
  return wrk.format("GET", "/v1/nodes/" .. ids[math.random(#ids)])
end
`);
  const { stdout } = await run('wrk', ['-t1', '-c8', '-d10s', '--latency', '-s', script, t.url], { maxBuffer: 1 << 20 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const p99raw = /\s99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const p99 = p99raw ? Number(p99raw[1]) * (p99raw[2] === 'us' ? 0.001 : p99raw[2] === 's' ? 1000 : 1) : NaN;
  if (/Non-2xx/.test(stdout)) throw new Error(`wrk saw errors:\n${stdout}`);
  return { rps, p99 };
}

async function waitForStates(t: Target, uuids: string[], state: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const wanted = new Set(uuids);
  while (Date.now() < deadline) {
    const r = await call(t.url, 'GET', '/v1/nodes?resource_class=bench&fields=uuid,provision_state&limit=1000');
    const done = (r.json.nodes as { uuid: string; provision_state: string }[]).filter((n) => wanted.has(n.uuid) && n.provision_state === state);
    if (done.length === wanted.size) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`nodes did not reach ${state} in time`);
}

async function deploy100(t: Target, uuids: string[]): Promise<number> {
  const batch = uuids.slice(0, 100);
  for (const verb of ['manage', 'provide']) {
    await pool(batch, 16, async (u) => {
      const r = await call(t.url, 'PUT', `/v1/nodes/${u}/states/provision`, { target: verb });
      if (r.status !== 202) throw new Error(`${verb} failed: ${r.status} ${JSON.stringify(r.json)}`);
    });
    await waitForStates(t, batch, verb === 'manage' ? 'manageable' : 'available', 120_000);
  }
  const start = performance.now();
  await pool(batch, 16, async (u) => {
    const r = await call(t.url, 'PUT', `/v1/nodes/${u}/states/provision`, { target: 'active' });
    if (r.status !== 202) throw new Error(`deploy failed: ${r.status} ${JSON.stringify(r.json)}`);
  });
  await waitForStates(t, batch, 'active', 300_000);
  const seconds = (performance.now() - start) / 1000;
  await pool(batch, 16, async (u) => void (await call(t.url, 'PUT', `/v1/nodes/${u}/states/provision`, { target: 'deleted' })));
  await waitForStates(t, batch, 'available', 300_000);
  return seconds;
}

function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

async function cleanup(t: Target, uuids: string[]): Promise<void> {
  await pool(uuids, 8, async (u) => void (await call(t.url, 'DELETE', `/v1/nodes/${u}`)));
}

async function measure(t: Target, label: string): Promise<Figures> {
  const log = (msg: string) => process.stdout.write(`[${label}] ${msg}\n`);
  const uuids: string[] = [];
  try {
    const first = Math.min(1000, t.nodes);
    const rate1 = await createNodes(t, 0, first, uuids);
    log(`created ${first} nodes: ${rate1.toFixed(0)}/s`);
    const figures: Partial<Figures> = { nodes: t.nodes };
    figures.list_ms_1000 = await listLatency(t, '/v1/nodes');
    figures.detail_ms_1000 = await listLatency(t, '/v1/nodes/detail');
    figures.rss_mib_1000 = rssMiB(t.pid);
    log(`at 1000 nodes: list ${figures.list_ms_1000.toFixed(1)} ms, detail ${figures.detail_ms_1000.toFixed(1)} ms, rss ${figures.rss_mib_1000 ?? '?'} MiB`);
    const show = await showThroughput(t, uuids);
    figures.show_rps = show.rps;
    figures.show_p99_ms = show.p99;
    log(`GET /v1/nodes/{id}: ${show.rps.toFixed(0)} req/s, p99 ${show.p99.toFixed(1)} ms`);
    figures.deploy_100_s = await deploy100(t, uuids);
    log(`100 nodes available -> active: ${figures.deploy_100_s.toFixed(2)} s`);
    let rate = rate1;
    if (t.nodes > first) {
      const rest = await createNodes(t, first, t.nodes, uuids);
      rate = t.nodes / (first / rate1 + (t.nodes - first) / rest);
      figures.list_ms_all = await listLatency(t, '/v1/nodes');
      figures.detail_ms_all = await listLatency(t, '/v1/nodes/detail');
      figures.rss_mib_all = rssMiB(t.pid);
      log(`at ${t.nodes} nodes: list ${figures.list_ms_all.toFixed(1)} ms, detail ${figures.detail_ms_all.toFixed(1)} ms, rss ${figures.rss_mib_all ?? '?'} MiB`);
    }
    figures.create_rate_per_s = rate;
    log(`create rate over ${t.nodes} nodes: ${rate.toFixed(0)}/s`);
    return figures as Figures;
  } finally {
    await cleanup(t, uuids);
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const target: Target = { url: arg('url') ?? 'http://127.0.0.1:6385', pid: arg('pid') ? Number(arg('pid')) : undefined, nodes: Number(arg('nodes') ?? 10000) };
const baselineUrl = arg('baseline-url');
const result: Record<string, unknown> = {};
if (baselineUrl) {
  const baseline: Target = { url: baselineUrl, pid: arg('baseline-pid') ? Number(arg('baseline-pid')) : undefined, nodes: Number(arg('baseline-nodes') ?? 1000) };
  result.baseline = await measure(baseline, 'baseline');
  // The baseline must not compete for the CPU while the target is measured.
  if (process.argv.includes('--stop-baseline') && baseline.pid !== undefined) {
    process.kill(baseline.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 3000));
  }
}
result.target = await measure(target, 'target');
if (result.baseline) {
  const b = result.baseline as Figures;
  const t = result.target as Figures;
  // Ratios > 1 mean the target is better.
  const ratios: Record<string, number> = {
    create_rate: t.create_rate_per_s / b.create_rate_per_s,
    list_1000: b.list_ms_1000 / t.list_ms_1000,
    detail_1000: b.detail_ms_1000 / t.detail_ms_1000,
    show_rps: t.show_rps / b.show_rps,
    show_p99: b.show_p99_ms / t.show_p99_ms,
    deploy_100: b.deploy_100_s / t.deploy_100_s,
  };
  if (b.rss_mib_1000 && t.rss_mib_1000) ratios.rss_1000 = b.rss_mib_1000 / t.rss_mib_1000;
  result.ratios = ratios;
  for (const [k, v] of Object.entries(ratios)) process.stdout.write(`ratio ${k}: ${v.toFixed(1)}x\n`);
}
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
