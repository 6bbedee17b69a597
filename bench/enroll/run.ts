/**
 * Bulk enrollment benchmark: one instackenv file of N nodes (default 10,000) sent to POST /ferrite/v1/enroll of an
 * in-process Ferrite (API + conductor) over loopback HTTP.
 *
 *   node --import tsx bench/enroll/run.ts [--nodes 10000] [--baseline 500] [--connection postgresql://...]
 *
 * Nodes alternate ipmi (distinct BMC address and port), redfish (one BMC, distinct systems) and fake-hardware,
 * each with two MACs; nothing talks to a BMC (no manage/provide). Measured, wall time and nodes/s:
 * 1. dry run of the file against an empty database (read, checks, planning);
 * 2. the enrollment (nodes and ports created);
 * 3. the same file again (all unchanged: the idempotent re-run);
 * 4. baseline in the same process: --baseline nodes created the way a script would without the endpoint,
 *    POST /v1/nodes then POST /v1/ports per MAC, one request at a time; its rate is the ratio's denominator.
 * Prints a table and a final `RESULT {json}` line. SQLite in a temporary directory unless --connection is given.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger, startService } from '../../src/service.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const NODES = Number(arg('nodes', '10000'));
const BASELINE = Number(arg('baseline', '500'));
const CONNECTION = arg('connection', '');
if (!Number.isInteger(NODES) || NODES < 1 || !Number.isInteger(BASELINE) || BASELINE < 1) {
  process.stderr.write('usage: run.ts [--nodes 10000] [--baseline 500] [--connection URL]\n');
  process.exit(2);
}

const mac = (n: number) => `52:54:${[24, 16, 8, 0].map((s) => ((n >> s) & 0xff).toString(16).padStart(2, '0')).join(':')}`;

function instackenv(count: number, offset: number): { nodes: Record<string, any>[] } {
  return {
    nodes: Array.from({ length: count }, (_, k) => {
      const i = k + offset;
      const common = { name: `bench-${i}`, mac: [mac(2 * i), mac(2 * i + 1)], cpu: '8', memory: '16384', disk: '100', arch: 'x86_64' };
      switch (i % 3) {
        case 0: return { ...common, pm_type: 'ipmi', pm_addr: `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}`, pm_port: 623, pm_user: 'admin', pm_password: 'secret' };
        case 1: return { ...common, pm_type: 'redfish', pm_addr: 'https://bmc.bench.test', pm_system_id: `/redfish/v1/Systems/${i}`, pm_user: 'admin', pm_password: 'secret' };
        default: return { ...common, pm_type: 'fake-hardware' };
      }
    }),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'ferrite-bench-enroll-'));
const conf = join(dir, 'ferrite.conf');
writeFileSync(conf, [
  '[DEFAULT]', `state_path = ${dir}`, 'host = bench-conductor', 'log_level = warn',
  '[api]', 'host_ip = 127.0.0.1', 'port = 0',
  '[database]', `connection = ${CONNECTION || `sqlite:///${join(dir, 'ferrite.sqlite')}`}`,
  '[conductor]', 'sync_power_state_interval = 0', 'check_provision_state_interval = 0', '',
].join('\n'));
const config = loadConfig(conf, {});
const service = await startService(config, createLogger(config));

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function enroll(body: string, query = ''): Promise<{ summary: Record<string, number> }> {
  const res = await fetch(`${service.url}/ferrite/v1/enroll${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`enroll answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as { summary: Record<string, number> };
}

try {
  const file = JSON.stringify(instackenv(NODES, 0));
  const dry = await timed(() => enroll(file, '?dry_run=true'));
  const first = await timed(() => enroll(file));
  if (first.value.summary.created !== NODES) throw new Error(`expected ${NODES} created: ${JSON.stringify(first.value.summary)}`);
  const again = await timed(() => enroll(file));
  if (again.value.summary.unchanged !== NODES) throw new Error(`expected ${NODES} unchanged: ${JSON.stringify(again.value.summary)}`);

  // Baseline: the same kind of nodes, one API request at a time, as a loop over `baremetal node create` would do.
  const base = instackenv(BASELINE, NODES).nodes;
  const headers = { 'Content-Type': 'application/json', 'X-OpenStack-Ironic-API-Version': 'latest' };
  const baseline = await timed(async () => {
    for (const n of base) {
      const driver = n.pm_type;
      const driver_info = driver === 'ipmi' ? { ipmi_address: n.pm_addr, ipmi_port: n.pm_port, ipmi_username: n.pm_user, ipmi_password: n.pm_password }
        : driver === 'redfish' ? { redfish_address: n.pm_addr, redfish_system_id: n.pm_system_id, redfish_username: n.pm_user, redfish_password: n.pm_password } : {};
      const res = await fetch(`${service.url}/v1/nodes`, { method: 'POST', headers, body: JSON.stringify({
        name: n.name, driver, driver_info, resource_class: 'baremetal',
        properties: { cpus: 8, memory_mb: 16384, local_gb: 100, cpu_arch: 'x86_64' },
      }) });
      const node = (await res.json()) as { uuid: string };
      for (const address of n.mac) {
        const p = await fetch(`${service.url}/v1/ports`, { method: 'POST', headers, body: JSON.stringify({ address, node_uuid: node.uuid }) });
        if (p.status !== 201) throw new Error(`port create answered ${p.status}`);
      }
    }
  });

  const rate = (count: number, ms: number) => count / (ms / 1000);
  const rows: [string, number, number][] = [
    ['dry run (check + plan)', NODES, dry.ms], ['enroll (create)', NODES, first.ms], ['re-run (unchanged)', NODES, again.ms],
    ['baseline: POST /v1/nodes + /v1/ports', BASELINE, baseline.ms],
  ];
  process.stdout.write(`bulk enrollment, ${NODES} nodes (${2 * NODES} ports), ${CONNECTION ? 'PostgreSQL' : 'SQLite'}, file ${(file.length / 1024 / 1024).toFixed(1)} MiB\n`);
  for (const [what, count, ms] of rows) {
    process.stdout.write(`${what.padEnd(40)} ${String(count).padStart(6)} nodes  ${(ms / 1000).toFixed(2).padStart(8)} s  ${rate(count, ms).toFixed(0).padStart(7)} nodes/s\n`);
  }
  const ratio = rate(NODES, first.ms) / rate(BASELINE, baseline.ms);
  process.stdout.write(`enroll rate / baseline rate: ${ratio.toFixed(2)}\n`);
  process.stdout.write(`RESULT ${JSON.stringify({
    nodes: NODES, database: CONNECTION ? 'postgresql' : 'sqlite',
    dry_run_s: +(dry.ms / 1000).toFixed(3), enroll_s: +(first.ms / 1000).toFixed(3), rerun_s: +(again.ms / 1000).toFixed(3),
    enroll_nodes_per_s: +rate(NODES, first.ms).toFixed(1), rerun_nodes_per_s: +rate(NODES, again.ms).toFixed(1),
    baseline_nodes: BASELINE, baseline_nodes_per_s: +rate(BASELINE, baseline.ms).toFixed(1), ratio: +ratio.toFixed(2),
  })}\n`);
} finally {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
}
