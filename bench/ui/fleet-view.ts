/**
 * Fleet view benchmark: the browser UI's fleet list at 10,000 nodes in Chromium, against the same page at 1,000
 * nodes and against the raw list fetch, all in one run. Method and how to read the figures: bench/ui/README.md.
 *
 *   node --import tsx bench/ui/fleet-view.ts [--nodes 10000] [--baseline-nodes 1000] [--reps 7] [--port 6420]
 *        [--chromium /usr/bin/chromium] [--profile DIR] [--keep]
 *
 * Starts `ferrite serve` (SQLite in a fresh temporary directory, pinned to core 0) and drives Debian's Chromium
 * with playwright-core (this process and the browser pinned to core 1; FLEET_BENCH_PIN=0 runs unpinned). Nodes are
 * enrolled through POST /ferrite/v1/enroll (some managed, some provided, in a shuffled order) and a few put in
 * maintenance through the API. At the baseline count, then at the full count, it measures:
 *  1. first render: navigation start → the first `ferrite:fleet-rendered` mark with every node, split at the
 *     fleet store's marks (event stream ready = `ferrite:fleet-load-start`, list loaded = `ferrite:fleet-load-end`),
 *     a fresh browser context per repetition; the raw fetch of the same list pages (fetch + JSON.parse, no UI) in a
 *     page of the same origin, fresh and warm; and the same pages fetched by Node (the service's part);
 *  2. filter latency: keystroke (keydown), state-chip click or column-header click → the next
 *     `ferrite:fleet-rendered` mark, one input at a time; and typing bursts (100 ms between keys): each key's Event
 *     Timing duration (input → next paint);
 *  3. live update: PATCH of one visible node's owner → the event on a second stream the bench opens in the page →
 *     the row's owner cell showing the value, with the list sorted by name and by provision state;
 *  4. list rows in the DOM, DOM elements, the page's JS heap after a forced GC (CDP Performance.getMetrics).
 * Each phase waits for the machine to be idle and reports what other processes used meanwhile. Prints one line per
 * phase, a table of medians with the ratio full / baseline, and a final `RESULT {json}` line.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { childPids, cpuTimes } from '../proc-stats.ts';
// The fields the fleet store asks for: the baselines fetch exactly the UI's list.
import { FLEET_FIELDS } from '../../ui/src/fleet/fleet-query.ts';
import { pool } from '../pool.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const NODES = Number(arg('nodes', '10000'));
const BASELINE = Number(arg('baseline-nodes', '1000'));
const REPS = Number(arg('reps', '7'));
const PORT = Number(arg('port', '6420'));
const CHROMIUM = arg('chromium', '/usr/bin/chromium');
const PROFILE_DIR = arg('profile', '');
const KEEP = process.argv.includes('--keep');
if (![NODES, BASELINE, REPS, PORT].every((n) => Number.isInteger(n) && n > 0) || BASELINE >= NODES) {
  process.stderr.write('usage: fleet-view.ts [--nodes 10000] [--baseline-nodes 1000] [--reps 7] [--port 6420] [--chromium PATH] [--profile DIR] [--keep]\n');
  process.exit(2);
}
const API = `http://127.0.0.1:${PORT}`;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PIN = process.env.FLEET_BENCH_PIN !== '0' && cpus().length >= 2;
const VIEWPORT = { width: 1400, height: 900 };
const HEADERS = { 'X-OpenStack-Ironic-API-Version': 'latest', 'Content-Type': 'application/json', Accept: 'application/json' };

const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- statistics

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

interface Spread {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}
function spread(xs: number[]): Spread {
  return { n: xs.length, median: median(xs), p95: quantile(xs, 0.95), min: Math.min(...xs), max: Math.max(...xs) };
}
const r1 = (x: number) => Math.round(x * 10) / 10;
const fmt = (s: Spread) => `${r1(s.median)} ms (${r1(s.min)}–${r1(s.max)}, p95 ${r1(s.p95)}, n=${s.n})`;
const round = (s: Spread) => ({ n: s.n, median: r1(s.median), p95: r1(s.p95), min: r1(s.min), max: r1(s.max) });

// ---------------------------------------------------------------- the machine

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const CORES = cpus().length;

/** CPU seconds the whole machine spent busy (everything but idle and iowait), from /proc/stat. */
function machineBusy(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

/** CPU seconds of this process and everything it started (Ferrite, Chromium), ended children included. */
function ownTreeCpu(pid = process.pid): number {
  const t = cpuTimes(pid);
  let sum = (Number.isNaN(t.own) ? 0 : t.own) + (Number.isNaN(t.children) ? 0 : t.children);
  for (const child of childPids(pid)) sum += ownTreeCpu(child);
  return sum;
}

/**
 * What other processes on the machine used while a phase ran, as a share of all cores: the benchmark's figures
 * are only worth something on an otherwise idle machine, so every phase says how idle it was.
 */
function meter(): () => { seconds: number; othersShare: number } {
  const t0 = performance.now();
  const busy0 = machineBusy();
  const own0 = ownTreeCpu();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const others = Math.max(0, machineBusy() - busy0 - (ownTreeCpu() - own0));
    return { seconds, othersShare: others / (seconds * CORES) };
  };
}

const othersText = (m: { othersShare: number }) => `other processes ${(m.othersShare * 100).toFixed(0)} % of the machine`;

/** Waits (up to 15 minutes) until other processes leave the machine idle for 3 s: under 5 % of it. */
async function waitIdle(): Promise<void> {
  const deadline = Date.now() + 15 * 60_000;
  let said = false;
  for (;;) {
    const m = meter();
    await sleep(3000);
    const share = m().othersShare;
    if (share < 0.05) return;
    if (Date.now() > deadline) {
      out(`the machine is still busy (${othersText({ othersShare: share })}); measuring anyway`);
      return;
    }
    if (!said) out(`waiting for the machine to be idle (${othersText({ othersShare: share })})`);
    said = true;
  }
}

// ---------------------------------------------------------------- Ferrite

const dir = mkdtempSync(join(tmpdir(), 'ferrite-bench-ui-'));
let ferrite: ChildProcess | undefined;
let browser: Browser | undefined;

function pinSelf(): void {
  if (!PIN) return;
  // Every thread of this process; Chromium, started later, inherits it. Ferrite gets core 0 to itself.
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
}

async function startFerrite(): Promise<void> {
  const conf = join(dir, 'ferrite.conf');
  writeFileSync(conf, [
    '[DEFAULT]', `state_path = ${dir}`, 'log_level = warn',
    '[api]', `port = ${PORT}`,
    '[database]', 'connection = sqlite:///bench.db',
    // No periodic work: the figures are the UI's; stray events would re-render the list in the middle of a sample.
    '[conductor]', 'sync_power_state_interval = 0', 'check_provision_state_interval = 0', 'automated_clean = false', '',
  ].join('\n'));
  const nodeArgs = ['--max-semi-space-size=2', join(ROOT, 'bin', 'ferrite.js'), 'serve', '-c', conf];
  const [cmd, argv] = PIN ? ['taskset', ['-c', '0', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  ferrite = spawn(cmd, argv, { env: { ...process.env, MALLOC_ARENA_MAX: '2' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(dir, 'ferrite.log'));
  ferrite.stdout!.pipe(log);
  ferrite.stderr!.pipe(log);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${API}/`)).ok) return;
    } catch {
      // not listening yet
    }
    if (ferrite.exitCode !== null) throw new Error(`ferrite serve exited (${ferrite.exitCode}); see ${dir}/ferrite.log (--keep)`);
    if (i > 600) throw new Error('Ferrite did not answer within 120 s');
    await sleep(200);
  }
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(API + path, { method, headers: HEADERS, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if ((res.status === 409 || res.status === 503) && attempt < 100) {
      await sleep(50);
      continue;
    }
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }
}

/**
 * Nodes `from`..`to`-1, the same mix at every count: 80 % fake-hardware (three in ten left in enroll, three made
 * manageable, two available), 10 % ipmi and 10 % redfish (left in enroll: nothing answers at their BMCs); three in
 * four with one of 8 owners; one in twenty in maintenance. Names `node-00000`..: typing `node-0123` narrows
 * 10,000 nodes to 1,000, 100, 10, 1. Nodes are created in a shuffled order (the same in every run): the list
 * arrives in creation order, so sorting it by any column is a real sort, not a pass over a sorted array.
 */
async function populate(from: number, to: number): Promise<void> {
  const groups: Record<string, Record<string, unknown>[]> = { enroll: [], manage: [], provide: [] };
  for (const i of shuffled(from, to)) {
    const node: Record<string, unknown> = {
      name: `node-${String(i).padStart(5, '0')}`, resource_class: i % 2 ? 'baremetal' : 'gpu',
      properties: { cpus: 32, memory_mb: 262144, local_gb: 960, cpu_arch: 'x86_64' },
      ...(i % 4 === 0 ? {} : { owner: `project-${i % 8}` }),
    };
    const kind = i % 10;
    if (kind === 8) Object.assign(node, { driver: 'ipmi', driver_info: { ipmi_address: `10.1.${(i >> 8) & 0xff}.${i & 0xff}`, ipmi_username: 'admin', ipmi_password: 'secret' } });
    else if (kind === 9) Object.assign(node, { driver: 'redfish', driver_info: { redfish_address: 'https://bmc.bench.test', redfish_system_id: `/redfish/v1/Systems/${i}`, redfish_username: 'admin', redfish_password: 'secret' } });
    else node.driver = 'fake-hardware';
    (kind <= 2 || kind >= 8 ? groups.enroll : kind <= 5 ? groups.manage : groups.provide).push(node);
  }
  const t0 = performance.now();
  for (const [group, nodes] of Object.entries(groups)) {
    const query = group === 'manage' ? '?manage=true' : group === 'provide' ? '?manage=true&provide=true' : '';
    const res = await fetch(`${API}/ferrite/v1/enroll${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ nodes }) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`enroll answered ${res.status}: ${text.slice(0, 500)}`);
    const summary = (JSON.parse(text) as { summary: Record<string, number> }).summary;
    if ((summary.created ?? 0) !== nodes.length) throw new Error(`enroll (${group}): ${JSON.stringify(summary)}`);
  }
  const maintenance = Array.from({ length: to - from }, (_, k) => from + k).filter((i) => i % 20 === 7)
    .map((i) => `node-${String(i).padStart(5, '0')}`);
  await pool(maintenance, 8, async (name) => {
    const r = await call('PUT', `/v1/nodes/${name}/maintenance`, { reason: 'bench: disk replacement' });
    if (r.status !== 202) throw new Error(`maintenance ${name}: ${r.status} ${JSON.stringify(r.json)}`);
  });
  // Wait until nothing is moving (provide ends in available; nothing has a target state).
  for (;;) {
    const moving = await countMoving();
    if (moving === 0) break;
    await sleep(500);
  }
  const head = (await call('GET', '/v1/nodes?limit=4&fields=name')).json.nodes.map((n: { name: string }) => n.name).join(', ');
  out(`populated nodes ${from}..${to - 1} in ${((performance.now() - t0) / 1000).toFixed(1)} s; the list starts ${head}, …`);
}

/** from..to-1 in a pseudo-random order that depends on nothing but the bounds (Fisher–Yates, mulberry32). */
function shuffled(from: number, to: number): number[] {
  const xs = Array.from({ length: to - from }, (_, k) => from + k);
  let seed = 0x9e3779b9 ^ from ^ (to << 8);
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let k = xs.length - 1; k > 0; k--) {
    const j = Math.floor(random() * (k + 1));
    [xs[k], xs[j]] = [xs[j], xs[k]];
  }
  return xs;
}

async function countMoving(): Promise<number> {
  let moving = 0;
  let next: string | undefined = '/v1/nodes?limit=1000&fields=uuid,target_provision_state';
  while (next) {
    const r = await call('GET', next);
    moving += (r.json.nodes as { target_provision_state: string | null }[]).filter((n) => n.target_provision_state).length;
    next = r.json.next ? new URL(r.json.next as string).pathname + new URL(r.json.next as string).search : undefined;
  }
  return moving;
}

async function stateCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let next: string | undefined = '/v1/nodes?limit=1000&fields=uuid,provision_state';
  while (next) {
    const r = await call('GET', next);
    for (const n of r.json.nodes as { provision_state: string }[]) counts[n.provision_state] = (counts[n.provision_state] ?? 0) + 1;
    next = r.json.next ? new URL(r.json.next as string).pathname + new URL(r.json.next as string).search : undefined;
  }
  return counts;
}

// ---------------------------------------------------------------- in the page
// Page code is kept as text: functions handed to page.evaluate would be serialised after tsx's transform.

/** Installed before the UI's scripts: records the UI's render marks, input events and long tasks. */
const INIT_SCRIPT = `(() => {
  const b = window.__bench = { renders: [], events: [], longtasks: [], keys: [], clicks: [], raw: [], fetches: [] };
  // When the UI asks for the event stream and when its headers arrive (nothing else is touched).
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const rec = { url: typeof input === 'string' ? input : input.url, t: performance.now(), headers: NaN };
    b.fetches.push(rec);
    const p = fetch0.call(this, input, init);
    p.then(() => { rec.headers = performance.now(); }, () => {});
    return p;
  };
  const observe = (type, fn, extra) => {
    try { new PerformanceObserver((list) => list.getEntries().forEach(fn)).observe({ type, buffered: true, ...extra }); } catch {}
  };
  observe('mark', (e) => {
    if (e.name === 'ferrite:fleet-rendered') b.renders.push({ t: e.startTime, rows: e.detail && e.detail.rows, nodes: e.detail && e.detail.nodes });
  });
  observe('event', (e) => b.events.push({ name: e.name, t: e.startTime, d: e.duration }), { durationThreshold: 16 });
  observe('longtask', (e) => b.longtasks.push({ t: e.startTime, d: e.duration }));
  addEventListener('keydown', (e) => b.keys.push(e.timeStamp), true);
  addEventListener('click', (e) => b.clicks.push(e.timeStamp), true);
})();`;

/** The list pages exactly as the fleet store asks for them (same URL, headers, text + JSON.parse), nothing else. */
const RAW_FETCH = `(async () => {
  const fields = ${JSON.stringify(FLEET_FIELDS.join(','))};
  const t0 = performance.now();
  let url = '/v1/nodes?limit=1000&fields=' + fields;
  let count = 0, pages = 0, bytes = 0;
  while (url) {
    const res = await fetch(url, { headers: { 'X-OpenStack-Ironic-API-Version': 'latest' } });
    const text = await res.text();
    bytes += text.length;
    const page = JSON.parse(text);
    count += page.nodes.length;
    pages++;
    url = page.next ? (() => { const u = new URL(page.next, location.href); return u.pathname + u.search; })() : undefined;
  }
  return { ms: performance.now() - t0, count, pages, bytes };
})()`;

/**
 * A second event stream in the page, read by the bench: when an event reaches the page, whatever the UI does with
 * it. Opened before the UI's scripts run, so the service writes each event to it before the UI's stream.
 */
const RAW_STREAM_INIT = `(async () => {
  const b = window.__bench;
  const res = await fetch('/ferrite/v1/events', { headers: { Accept: 'text/event-stream' } });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const t = performance.now();
    buf += value;
    let i;
    while ((i = buf.indexOf('\\n\\n')) >= 0) {
      b.raw.push({ t, block: buf.slice(0, i) });
      buf = buf.slice(i + 2);
    }
  }
})();`;

/** PATCHes the owner of the visible row `index` and waits for the row to show it. */
const LIVE_UPDATE = (index: number, value: string) => `(async () => {
  const b = window.__bench;
  const row = document.querySelectorAll('[data-testid=fleet-rows] .row[data-uuid]')[${index}];
  const uuid = row.dataset.uuid;
  const cell = row.querySelector('.c-owner');
  let shown;
  const seen = new Promise((resolve) => {
    const mo = new MutationObserver(() => {
      if (cell.textContent === ${JSON.stringify(value)}) { shown = performance.now(); mo.disconnect(); resolve(); }
    });
    mo.observe(row, { subtree: true, childList: true, characterData: true });
  });
  const rawBefore = b.raw.length;
  const t0 = performance.now();
  const res = await fetch('/v1/nodes/' + uuid, {
    method: 'PATCH',
    headers: { 'X-OpenStack-Ironic-API-Version': 'latest', 'Content-Type': 'application/json' },
    body: JSON.stringify([{ op: 'replace', path: '/owner', value: ${JSON.stringify(value)} }]),
  });
  const t1 = performance.now();
  if (!res.ok) throw new Error('PATCH answered ' + res.status);
  await Promise.race([seen, new Promise((_, no) => setTimeout(() => no(new Error('row not updated in 10 s')), 10000))]);
  // Performance observers report a little later than the DOM changes.
  await new Promise((r) => setTimeout(r, 100));
  const ev = b.raw.slice(rawBefore).find((e) => e.block.includes(uuid) && e.block.includes(${JSON.stringify(value)}));
  const render = b.renders.find((r) => r.t >= t0);
  const longest = Math.max(0, ...b.longtasks.filter((l) => l.t >= t0 && l.t <= shown).map((l) => l.d));
  return { patch: t1 - t0, event: ev ? ev.t - t0 : NaN, shown: shown - t0, rendered: render ? render.t - t0 : NaN, longest };
})()`;

// ---------------------------------------------------------------- measurements

interface FirstRender {
  total: number;
  document: number;
  script: number;
  domContentLoaded: number;
  streamAsked: number;
  streamHeaders: number;
  streamReady: number;
  listLoad: number;
  listNetwork: number;
  render: number;
  longestTask: number;
}

/** Uncaught exceptions in any page: a run with any is not reported. */
const pageErrors: string[] = [];

async function newPage(...scripts: string[]): Promise<Page> {
  const context = await browser!.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  for (const script of [INIT_SCRIPT, ...scripts]) await page.addInitScript(script);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // A UI rebuilt under the running service (scripts/build-ui.mjs swaps dist/ui) leaves the page without its script.
  page.on('response', (r) => {
    if (r.status() >= 400 && r.url().includes('/ui/')) pageErrors.push(`${r.status()} for ${r.url()} (was the UI rebuilt during the run?)`);
  });
  return page;
}

/**
 * Waits in the page until `condition` (an expression) holds, checking every `everyMs`. (Not waitForFunction: the
 * page's Content-Security-Policy forbids the eval it relies on, and the benchmark does not bypass the page's CSP.)
 */
async function waitFor(page: Page, condition: string, everyMs: number, timeoutMs: number): Promise<void> {
  const ok = await page.evaluate(`new Promise((resolve) => {
    const deadline = performance.now() + ${timeoutMs};
    const check = () => {
      if (${condition}) resolve(true);
      else if (performance.now() > deadline) resolve(false);
      else setTimeout(check, ${everyMs});
    };
    check();
  })`);
  if (!ok) throw new Error(`timed out after ${timeoutMs} ms waiting for ${condition}${pageErrors.length ? `; the page: ${pageErrors.join('; ')}` : ''}`);
}

async function waitRendered(page: Page, nodes: number): Promise<void> {
  await waitFor(page, `window.__bench.renders.some((r) => r.nodes === ${nodes})`, 50, 120_000);
}

async function firstRender(nodes: number): Promise<FirstRender> {
  const page = await newPage();
  try {
    await page.goto(`${API}/`);
    await waitRendered(page, nodes);
    return await page.evaluate<FirstRender>(`(() => {
      const mark = (name) => performance.getEntriesByName(name)[0].startTime;
      const nav = performance.getEntriesByType('navigation')[0];
      const first = window.__bench.renders.find((r) => r.nodes === ${nodes});
      const start = mark('ferrite:fleet-load-start'), end = mark('ferrite:fleet-load-end');
      const pages = performance.getEntriesByType('resource').filter((e) => e.name.includes('/v1/nodes?'));
      const lastResponse = Math.max(...pages.map((e) => e.responseEnd));
      const script = performance.getEntriesByType('resource').find((e) => e.name.includes('/ui/assets/') && e.name.endsWith('.js'));
      const stream = window.__bench.fetches.find((f) => f.url.includes('/ferrite/v1/events'));
      return {
        total: first.t, document: nav.responseEnd, script: script ? script.responseEnd : NaN,
        domContentLoaded: nav.domContentLoadedEventEnd, streamAsked: stream ? stream.t : NaN, streamHeaders: stream ? stream.headers : NaN,
        streamReady: start, listLoad: end - start,
        listNetwork: lastResponse - start, render: first.t - end,
        longestTask: Math.max(0, ...window.__bench.longtasks.filter((l) => l.t <= first.t).map((l) => l.d)),
      };
    })()`);
  } finally {
    await page.context().close();
  }
}

interface Raw {
  /** Each in a fresh browser context and page, as the UI's first load: the ratio's denominator. */
  fresh: number[];
  /** Repeated in one page: what the same work costs once the page and its connection are warm. */
  warm: number[];
  /** By this process, without a browser. */
  server: number[];
  bytes: number;
}

/** The same pages fetched by this process (Node's fetch, text + JSON.parse): the service's part, about. */
async function serverFetch(nodes: number, reps: number): Promise<number[]> {
  const fields = FLEET_FIELDS.join(',');
  const times: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const t0 = performance.now();
    let count = 0;
    let next: string | undefined = `/v1/nodes?limit=1000&fields=${fields}`;
    while (next) {
      const res = await fetch(API + next, { headers: { 'X-OpenStack-Ironic-API-Version': 'latest' } });
      const page = JSON.parse(await res.text()) as { nodes: unknown[]; next?: string };
      count += page.nodes.length;
      next = page.next ? new URL(page.next).pathname + new URL(page.next).search : undefined;
    }
    if (count !== nodes) throw new Error(`server fetch saw ${count} nodes, expected ${nodes}`);
    // The first is untimed.
    if (i > 0) times.push(performance.now() - t0);
  }
  return times;
}

/** The raw list fetch in a page of the same origin without the UI (the API's version document at /v1/). */
async function rawFetch(nodes: number, reps: number): Promise<Raw> {
  const once = async (page: Page) => {
    const r = await page.evaluate<{ ms: number; count: number; bytes: number }>(RAW_FETCH);
    if (r.count !== nodes) throw new Error(`raw fetch saw ${r.count} nodes, expected ${nodes}`);
    return r;
  };
  const result: Raw = { fresh: [], warm: [], server: [], bytes: 0 };
  for (let i = 0; i <= reps; i++) {
    await sleep(1000);
    const page = await newPage();
    try {
      await page.goto(`${API}/v1/`);
      const r = await once(page);
      // The first is untimed, as the UI's.
      if (i > 0) result.fresh.push(r.ms);
      result.bytes = r.bytes;
      if (i === reps) for (let k = 0; k < reps; k++) result.warm.push((await once(page)).ms);
    } finally {
      await page.context().close();
    }
  }
  return result;
}

const renderCount = (page: Page) => page.evaluate<number>('window.__bench.renders.length');

/** Waits for the render after `before` renders, then for the list to stay still for `quietMs`. */
async function settle(page: Page, before: number, quietMs = 150): Promise<void> {
  await waitFor(page, `window.__bench.renders.length > ${before}`, 10, 30_000);
  for (;;) {
    const n = await renderCount(page);
    await sleep(quietMs);
    if ((await renderCount(page)) === n) return;
  }
}

interface Sample {
  ms: number;
  rows: number;
  shownCount: string;
  longest: number;
}

/** One input (a key press or a click) → the first render mark after it; `start` is the input event's timestamp. */
async function oneInput(page: Page, act: () => Promise<void>, startOf: 'keys' | 'clicks'): Promise<Sample> {
  const before = await renderCount(page);
  await act();
  await settle(page, before);
  const r = await page.evaluate<Sample>(`(() => {
    const b = window.__bench;
    const start = b.${startOf}[b.${startOf}.length - 1];
    const render = b.renders.slice(${before}).find((x) => x.t >= start);
    return {
      ms: render ? render.t - start : NaN, rows: render ? render.rows : -1,
      shownCount: document.querySelector('[data-testid=fleet-count]').textContent,
      longest: Math.max(0, ...b.longtasks.filter((l) => l.t + l.d >= start && render && l.t <= render.t).map((l) => l.d)),
    };
  })()`);
  if (Number.isNaN(r.ms)) throw new Error('no render after the input');
  // The count the page shows is the rows the mark reported: the sample is of the render the user sees.
  const shown = /^(\d+)( of \d+)? nodes$/.exec(r.shownCount);
  if (!shown || Number(shown[1]) !== r.rows) throw new Error(`the page shows "${r.shownCount}" after a render of ${r.rows} rows`);
  return r;
}

/** Words typed into the search box, one key at a time, then erased: each narrows the list 10,000 → 1. */
function words(nodes: number, count: number): string[] {
  return Array.from({ length: count }, (_, k) => `node-${String((k * 3779 + 1234) % nodes).padStart(5, '0')}`);
}

interface Interaction {
  typing: Sample[];
  chips: Sample[];
  sorts: Sample[];
  typingSorted: Sample[];
  burstKeyToPaint: number[];
  burstUnder16: number;
  burstLastKeyToList: number[];
  live: { patch: number; event: number; shown: number; rendered: number; longest: number }[];
  liveSorted: Interaction['live'];
  domRows: number;
  domRowsScrolled: number;
  domElements: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
}

async function interact(nodes: number, typingWords: number, chipRounds: number, liveSamples: number): Promise<Interaction> {
  const page = await newPage(RAW_STREAM_INIT);
  const cdp = await page.context().newCDPSession(page);
  try {
    await page.goto(`${API}/`);
    await waitRendered(page, nodes);
    await sleep(500);

    // DOM and heap, settled.
    await cdp.send('HeapProfiler.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const metrics = Object.fromEntries(((await cdp.send('Performance.getMetrics')).metrics).map((m) => [m.name, m.value]));
    const dom = await page.evaluate<{ rows: number; elements: number }>(`(() => ({
      rows: document.querySelectorAll('[data-testid=fleet-rows] .row[data-uuid]').length,
      elements: document.getElementsByTagName('*').length,
    }))()`);
    await page.evaluate(`(() => { const s = document.querySelector('[data-testid=fleet-rows]'); s.scrollTop = s.scrollHeight / 2; })()`);
    await sleep(300);
    const domRowsScrolled = await page.evaluate<number>(`document.querySelectorAll('[data-testid=fleet-rows] .row[data-uuid]').length`);
    await page.evaluate(`document.querySelector('[data-testid=fleet-rows]').scrollTop = 0`);
    await sleep(300);

    if (PROFILE_DIR) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }

    // (b) typing, one key at a time.
    const search = page.locator('#fleet-search');
    await search.click();
    const typing: Sample[] = [];
    for (const word of words(nodes, typingWords)) {
      for (const ch of word) typing.push(await oneInput(page, () => page.keyboard.press(ch), 'keys'));
      for (let i = 0; i < word.length; i++) typing.push(await oneInput(page, () => page.keyboard.press('Backspace'), 'keys'));
    }

    // (b) state chips: each click turns one state's filter on or off.
    const chips: Sample[] = [];
    for (let round = 0; round < chipRounds; round++) {
      for (const state of ['manageable', 'available', 'enroll']) {
        for (let k = 0; k < 2; k++) chips.push(await oneInput(page, () => page.locator(`button.chip[data-state="${state}"]`).click(), 'clicks'));
      }
    }

    // Sorting: a click on a column header. Nodes arrive in creation order, which is also name order, so the
    // default sort (by name) sorts an already sorted array; any other column is a real sort of every node.
    const sortBy = (label: string) => oneInput(page, () => page.locator('button.sort', { hasText: label }).click(), 'clicks');
    const sorts: Sample[] = [];
    for (let round = 0; round < 3; round++) {
      for (const label of ['Provision state', 'Owner', 'Driver', 'Power', 'Updated', 'Name']) sorts.push(await sortBy(label));
    }
    // Typing again, with the list sorted by provision state (then name): every re-filter sorts for real.
    await sortBy('Provision state');
    await search.click();
    const typingSorted: Sample[] = [];
    for (const word of words(nodes, 2)) {
      for (const ch of word) typingSorted.push(await oneInput(page, () => page.keyboard.press(ch), 'keys'));
      for (let i = 0; i < word.length; i++) typingSorted.push(await oneInput(page, () => page.keyboard.press('Backspace'), 'keys'));
    }
    await sortBy('Name');

    // Typing bursts: a word at 100 ms per key, as a quick typist; each key's Event Timing duration.
    await search.click();
    const burstKeyToPaint: number[] = [];
    const burstLastKeyToList: number[] = [];
    let burstUnder16 = 0;
    for (const word of words(nodes, 3)) {
      const keysBefore = await page.evaluate<number>('window.__bench.keys.length');
      const before = await renderCount(page);
      await page.keyboard.type(word, { delay: 100 });
      await settle(page, before, 300);
      const r = await page.evaluate<{ durations: (number | null)[]; lastToList: number }>(`(() => {
        const b = window.__bench;
        const keys = b.keys.slice(${keysBefore});
        const last = keys[keys.length - 1];
        const final = b.renders[b.renders.length - 1];
        const durations = keys.map((k) => {
          const e = b.events.filter((e) => e.name === 'keydown' && Math.abs(e.t - k) < 1);
          return e.length ? Math.max(...e.map((x) => x.d)) : null;
        });
        return { durations, lastToList: final.t - last };
      })()`);
      for (const d of r.durations) {
        if (d === null) burstUnder16++;
        else burstKeyToPaint.push(d);
      }
      burstLastKeyToList.push(r.lastToList);
      await search.fill('');
      await sleep(300);
    }

    if (PROFILE_DIR) {
      const { profile } = await cdp.send('Profiler.stop');
      mkdirSync(PROFILE_DIR, { recursive: true });
      writeFileSync(join(PROFILE_DIR, `fleet-filter-${nodes}.cpuprofile`), JSON.stringify(profile));
    }

    // (c) live update.
    await waitFor(page, `window.__bench.raw.some((e) => e.block.includes('event: ready'))`, 50, 10_000);
    const live: Interaction['live'] = [];
    const liveSorted: Interaction['live'] = [];
    for (const [samples, label] of [[live, 'Name'], [liveSorted, 'Provision state']] as const) {
      // By name (the default), then by provision state: an owner change moves no row in either order.
      if (label !== 'Name') await sortBy(label);
      await sleep(300);
      for (let i = 0; i < liveSamples; i++) {
        samples.push(await page.evaluate<Interaction['live'][number]>(LIVE_UPDATE(i % 10, `live-${nodes}-${label.length}-${i}`)));
        await sleep(100 + ((i * 37) % 150));
      }
    }

    return {
      typing, chips, sorts, typingSorted, burstKeyToPaint, burstUnder16, burstLastKeyToList, live, liveSorted,
      domRows: dom.rows, domRowsScrolled, domElements: dom.elements,
      heapUsedMiB: metrics.JSHeapUsedSize / 1024 / 1024, heapTotalMiB: metrics.JSHeapTotalSize / 1024 / 1024,
    };
  } finally {
    await page.context().close();
  }
}

interface Figures {
  nodes: number;
  states: Record<string, number>;
  first: FirstRender[];
  raw: Raw;
  inter: Interaction;
  /** Share of the machine other processes used during the first renders, the raw fetches, the interactions. */
  others: { first: number; raw: number; inter: number };
}

const ms = (xs: Sample[]) => xs.map((x) => x.ms);
const eventToRow = (xs: Interaction['live']) => xs.map((l) => l.shown - l.event);

async function measure(nodes: number): Promise<Figures> {
  const states = await stateCounts();
  out(`[${nodes}] states: ${JSON.stringify(states)}`);
  // One untimed load warms the server's and the browser's caches alike for every repetition.
  await firstRender(nodes);
  const first: FirstRender[] = [];
  await waitIdle();
  const firstMeter = meter();
  for (let i = 0; i < REPS; i++) {
    // The previous page's renderer is torn down on the same core: let it finish first.
    await sleep(1000);
    const f = await firstRender(nodes);
    first.push(f);
    out(`[${nodes}] first render ${i + 1}/${REPS}: ${r1(f.total)} ms (document ${r1(f.document)}, script ${r1(f.script)}, DOMContentLoaded ${r1(f.domContentLoaded)}, ` +
      `stream asked ${r1(f.streamAsked)}, headers ${r1(f.streamHeaders)}, ready ${r1(f.streamReady)}, ` +
      `list ${r1(f.listLoad)} of which network ${r1(f.listNetwork)}, render ${r1(f.render)}, longest task ${r1(f.longestTask)})`);
  }
  const firstOthers = firstMeter();
  out(`[${nodes}] first renders: ${othersText(firstOthers)}`);
  await waitIdle();
  const rawMeter = meter();
  const raw = await rawFetch(nodes, REPS);
  raw.server = await serverFetch(nodes, REPS);
  const rawOthers = rawMeter();
  out(`[${nodes}] raw list fetch, fresh page: ${fmt(spread(raw.fresh))}; warm page: ${fmt(spread(raw.warm))}; Node: ${fmt(spread(raw.server))}; ` +
    `${(raw.bytes / 1024 / 1024).toFixed(2)} MiB; ${othersText(rawOthers)}`);
  await waitIdle();
  const interMeter = meter();
  const inter = await interact(nodes, 5, 8, 20);
  const interOthers = interMeter();
  out(`[${nodes}] interactions: ${othersText(interOthers)}`);
  out(`[${nodes}] typing: ${fmt(spread(ms(inter.typing)))} (keeping every node: ${fmt(spread(ms(inter.typing.filter((x) => x.rows === nodes))))}); ` +
    `chips: ${fmt(spread(ms(inter.chips)))}`);
  out(`[${nodes}] sort clicks: ${fmt(spread(ms(inter.sorts)))}; typing sorted by state: ${fmt(spread(ms(inter.typingSorted)))}`);
  out(`[${nodes}] burst: key → paint ${inter.burstKeyToPaint.length ? fmt(spread(inter.burstKeyToPaint)) : '-'} (${inter.burstUnder16} keys under 16 ms); ` +
    `last key → list ${fmt(spread(inter.burstLastKeyToList))}`);
  for (const [what, live] of [['by name', inter.live], ['by state', inter.liveSorted]] as const) {
    out(`[${nodes}] live (sorted ${what}): PATCH ${fmt(spread(live.map((l) => l.patch)))}, event ${fmt(spread(live.map((l) => l.event)))}, ` +
      `row ${fmt(spread(live.map((l) => l.shown)))}, event → row ${fmt(spread(eventToRow(live)))}`);
  }
  out(`[${nodes}] DOM rows ${inter.domRows} (${inter.domRowsScrolled} scrolled to the middle), elements ${inter.domElements}, ` +
    `JS heap ${inter.heapUsedMiB.toFixed(1)} MiB used / ${inter.heapTotalMiB.toFixed(1)} MiB`);
  return { nodes, states, first, raw, inter, others: { first: firstOthers.othersShare, raw: rawOthers.othersShare, inter: interOthers.othersShare } };
}

function report(base: Figures, full: Figures): void {
  const row = (what: string, b: number, f: number, unit = 'ms') =>
    out(`${what.padEnd(48)} ${`${r1(b)} ${unit}`.padStart(12)} ${`${r1(f)} ${unit}`.padStart(12)} ${(f / b).toFixed(2).padStart(7)}×`);
  const both = (what: string, get: (f: Figures) => number[]) => {
    row(`${what} (median)`, median(get(base)), median(get(full)));
    row(`${what} (p95)`, quantile(get(base), 0.95), quantile(get(full), 0.95));
  };
  const first = (key: keyof FirstRender) => (f: Figures) => f.first.map((x) => x[key]);
  out('');
  out(`${'median of the repetitions, or as named'.padEnd(48)} ${`${base.nodes}`.padStart(12)} ${`${full.nodes}`.padStart(12)}   ratio`);
  row('first render (navigation → list drawn)', median(first('total')(base)), median(first('total')(full)));
  row('  navigation → event stream ready', median(first('streamReady')(base)), median(first('streamReady')(full)));
  row('  list load (load-start → load-end)', median(first('listLoad')(base)), median(first('listLoad')(full)));
  row('  render (load-end → rendered)', median(first('render')(base)), median(first('render')(full)));
  row('  longest task before the render', median(first('longestTask')(base)), median(first('longestTask')(full)));
  row('raw list fetch, fresh page', median(base.raw.fresh), median(full.raw.fresh));
  row('raw list fetch, warm page', median(base.raw.warm), median(full.raw.warm));
  row('list fetch by Node (no browser)', median(base.raw.server), median(full.raw.server));
  both('typing: key → list', (f) => ms(f.inter.typing));
  both('  keys that keep every node', (f) => ms(f.inter.typing.filter((x) => x.rows === f.nodes)));
  both('  keys that narrow the list', (f) => ms(f.inter.typing.filter((x) => x.rows < f.nodes)));
  both('state chip: click → list', (f) => ms(f.inter.chips));
  both('sort: header click → list', (f) => ms(f.inter.sorts));
  both('typing, sorted by state: key → list', (f) => ms(f.inter.typingSorted));
  both('typing burst: key → next paint', (f) => f.inter.burstKeyToPaint);
  both('live, by name: event → row shows it', (f) => eventToRow(f.inter.live));
  both('live, by state: event → row shows it', (f) => eventToRow(f.inter.liveSorted));
  row('live, by name: PATCH sent → row (median)', median(base.inter.live.map((l) => l.shown)), median(full.inter.live.map((l) => l.shown)));
  row('JS heap used after GC', base.inter.heapUsedMiB, full.inter.heapUsedMiB, 'MiB');
  for (const f of [base, full]) {
    out(`at ${f.nodes}: UI first render / raw fetch (fresh page) ${(median(first('total')(f)) / median(f.raw.fresh)).toFixed(2)}×, ` +
      `UI list load / raw fetch (fresh page) ${(median(first('listLoad')(f)) / median(f.raw.fresh)).toFixed(2)}×, ` +
      `(warm page) ${(median(first('listLoad')(f)) / median(f.raw.warm)).toFixed(2)}×`);
  }
  out(`DOM list rows: ${base.inter.domRows} at ${base.nodes}, ${full.inter.domRows} at ${full.nodes} (${full.inter.domRowsScrolled} scrolled to the middle); ` +
    `DOM elements ${base.inter.domElements}, ${full.inter.domElements}`);
}

function summary(f: Figures): Record<string, unknown> {
  const sp = (xs: number[]) => (xs.length ? round(spread(xs)) : null);
  const first = (key: keyof FirstRender) => sp(f.first.map((x) => x[key]));
  return {
    nodes: f.nodes, states: f.states,
    first_render_ms: first('total'), document_ms: first('document'), script_ms: first('script'),
    dom_content_loaded_ms: first('domContentLoaded'), stream_asked_ms: first('streamAsked'), stream_headers_ms: first('streamHeaders'),
    stream_ready_ms: first('streamReady'), list_load_ms: first('listLoad'), list_network_ms: first('listNetwork'),
    render_ms: first('render'), longest_task_ms: first('longestTask'),
    raw_fetch_fresh_ms: sp(f.raw.fresh), raw_fetch_warm_ms: sp(f.raw.warm), node_fetch_ms: sp(f.raw.server), raw_fetch_mib: +(f.raw.bytes / 1024 / 1024).toFixed(2),
    typing_ms: sp(ms(f.inter.typing)), typing_all_rows_ms: sp(ms(f.inter.typing.filter((x) => x.rows === f.nodes))),
    typing_narrowed_ms: sp(ms(f.inter.typing.filter((x) => x.rows < f.nodes))), chip_ms: sp(ms(f.inter.chips)), sort_ms: sp(ms(f.inter.sorts)),
    typing_sorted_by_state_ms: sp(ms(f.inter.typingSorted)),
    typing_longest_task_ms: sp(f.inter.typing.map((s) => s.longest)), sort_longest_task_ms: sp(f.inter.sorts.map((s) => s.longest)),
    burst_key_to_paint_ms: sp(f.inter.burstKeyToPaint), burst_keys_under_16ms: f.inter.burstUnder16,
    burst_last_key_to_list_ms: sp(f.inter.burstLastKeyToList),
    live_patch_ms: sp(f.inter.live.map((l) => l.patch)), live_event_ms: sp(f.inter.live.map((l) => l.event)),
    live_row_ms: sp(f.inter.live.map((l) => l.shown)), live_event_to_row_ms: sp(eventToRow(f.inter.live)),
    live_sorted_by_state_event_to_row_ms: sp(eventToRow(f.inter.liveSorted)),
    live_longest_task_ms: sp(f.inter.live.map((l) => l.longest)), live_sorted_longest_task_ms: sp(f.inter.liveSorted.map((l) => l.longest)),
    dom_rows: f.inter.domRows, dom_rows_scrolled: f.inter.domRowsScrolled, dom_elements: f.inter.domElements,
    js_heap_used_mib: r1(f.inter.heapUsedMiB), js_heap_total_mib: r1(f.inter.heapTotalMiB),
    other_processes_share: { first: +f.others.first.toFixed(3), raw: +f.others.raw.toFixed(3), inter: +f.others.inter.toFixed(3) },
  };
}

// ---------------------------------------------------------------- run

function cleanup(): void {
  if (ferrite && ferrite.exitCode === null) ferrite.kill('SIGTERM');
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

try {
  pinSelf();
  await startFerrite();
  out(`ferrite serve on ${API} (pid ${ferrite!.pid}${PIN ? ', core 0; browser and driver on core 1' : ', unpinned'}), state in ${dir}`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  out(`browser: Chromium ${browser.version()}, viewport ${VIEWPORT.width}×${VIEWPORT.height}`);

  await populate(0, BASELINE);
  const base = await measure(BASELINE);
  await populate(BASELINE, NODES);
  const full = await measure(NODES);

  if (pageErrors.length > 0) throw new Error(`the UI threw: ${pageErrors.join('; ')}`);
  const worst = Math.max(...[base, full].flatMap((f) => Object.values(f.others)));
  if (worst > 0.1) out(`WARNING: other processes used up to ${(worst * 100).toFixed(0)} % of the machine during a phase: the figures are not those of an idle machine`);

  report(base, full);
  out(`RESULT ${JSON.stringify({ chromium: browser.version(), pinned: PIN, baseline: summary(base), full: summary(full) })}`);
} finally {
  await browser?.close();
  if (ferrite && ferrite.exitCode === null) {
    const exited = new Promise((r) => ferrite!.once('exit', r));
    ferrite.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
  }
}
