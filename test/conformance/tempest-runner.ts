import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKeystoneStub } from './keystone-stub.js';

/**
 * Runs OpenStack's Bare Metal API tests — the API tests of Debian's `ironic-tempest-plugin` — against a noauth
 * endpoint and says which of them passed, failed or were skipped, and why.
 *
 * Tempest insists on Keystone, so our stub (keystone-stub.ts) answers its token calls on loopback. Tempest's
 * workspace, credentials and configuration live in a temporary directory that is removed afterwards. Outcomes come
 * from tempest's own stestr repository (`stestr last --subunit | subunit2csv`); the list of tests comes from
 * `tempest run --list-tests`, so that a test skipped or broken with its whole class (a `setUpClass` outcome) is
 * still counted one by one, and a test that never reported counts as failed. Reasons come from the run's output.
 */

export const API_TESTS = '^ironic_tempest_plugin\\.tests\\.api';
export const PLUGIN_PACKAGE = 'ironic-tempest-plugin';
const PYTHON = '/usr/bin/python3';

export interface Outcome {
  /** Test id without tempest's `[id-…,attrs]` suffix. */
  id: string;
  reason: string;
}

export interface TempestResult {
  /** Every test the regex selects, whether it ran or not. */
  listed: string[];
  passed: string[];
  failed: Outcome[];
  skipped: Outcome[];
  /** Tokens the Keystone stub issued, by scope. */
  tokens: { project: number; system: number };
  /** Tempest's console output (subunit-trace), for diagnosing failures. */
  log: string;
  seconds: number;
}

export interface TempestOptions {
  minMicroversion?: string;
  maxMicroversion?: string;
  concurrency?: number;
  regex?: string;
  /** Kill tempest (its whole process group) if the run takes longer than this. */
  timeoutMs?: number;
}

interface Captured {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs a command to completion and captures its output. It gets its own process group so that a timeout can end
 * it together with the workers it started (and nothing else).
 */
function capture(
  command: string, args: string[], opts: { cwd?: string; input?: Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: 'pipe' });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    // Ends the command and the workers it started: its own process group, whose id is its pid.
    const end = () => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      end();
    }, opts.timeoutMs);
    // Being in its own group, the command does not get the terminal's Ctrl-C: end it when we exit or are stopped,
    // then let the signal take its default course.
    const onSignal = (signal: NodeJS.Signals) => {
      end();
      done();
      process.kill(process.pid, signal);
    };
    const done = () => {
      clearTimeout(timer);
      process.removeListener('exit', end);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    };
    process.on('exit', end);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', (e) => {
      done();
      reject(e);
    });
    child.on('close', (code) => {
      done();
      if (timedOut) reject(new Error(`${command} ${args.join(' ')} did not finish within ${opts.timeoutMs} ms`));
      else resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.end(opts.input);
  });
}

async function succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    return (await capture(command, args, { timeoutMs: 120_000 })).code === 0;
  } catch {
    return false;
  }
}

async function tempestAvailable(): Promise<boolean> {
  return (await succeeds('tempest', ['--version'])) && (await succeeds(PYTHON, ['-c', 'import ironic_tempest_plugin']));
}

/**
 * Makes sure Debian's tempest and ironic-tempest-plugin are installed, installing the package when running as
 * root. Throws (never skips) when they are missing and cannot be installed.
 */
export async function ensureTempest(): Promise<void> {
  if (await tempestAvailable()) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`tempest and ${PLUGIN_PACKAGE} are not installed and this is not root: run \`apt-get install -y ${PLUGIN_PACKAGE}\``);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = async (args: string[], timeoutMs: number): Promise<Captured> => {
    try {
      return await capture('apt-get', args, { env, timeoutMs });
    } catch (e) {
      throw new Error(`tempest is not installed and apt-get ${args[0]} could not run: ${String(e)}`);
    }
  };
  const install = () => apt(['install', '-y', '-q', '-o', 'DPkg::Lock::Timeout=600', PLUGIN_PACKAGE], 900_000);
  let result = await install();
  if (result.code !== 0) {
    // Stale package lists are the usual cause; refresh them once.
    await apt(['update', '-q'], 600_000);
    result = await install();
  }
  if (result.code !== 0 || !(await tempestAvailable())) {
    throw new Error(`could not install ${PLUGIN_PACKAGE} (apt-get exit ${result.code}):\n${result.stderr.slice(-3000)}`);
  }
}

/** `[section] option = value` for tempest.conf. */
export type IniSections = Record<string, Record<string, string | number | boolean>>;

export function renderIni(sections: IniSections): string {
  return Object.entries(sections)
    .map(([name, options]) => `[${name}]\n${Object.entries(options).map(([k, v]) => `${k} = ${String(v)}`).join('\n')}\n`)
    .join('\n');
}

/** tempest.conf for a workspace: pre-provisioned credentials, Keystone stub, Bare Metal only, fake hardware. */
export function tempestSections(workspace: string, identityUrl: string, opts: TempestOptions = {}): IniSections {
  const onlyIronic = ['nova', 'glance', 'neutron', 'cinder', 'swift', 'ironic_inspector']
    .reduce<Record<string, boolean>>((acc, name) => ({ ...acc, [name]: false }), { ironic: true });
  return {
    DEFAULT: { log_dir: join(workspace, 'logs'), log_file: 'tempest.log' },
    auth: {
      // The accounts file below, not Keystone's admin API, which the stub does not have.
      use_dynamic_credentials: false,
      test_accounts_file: join(workspace, 'etc', 'accounts.yaml'),
      default_credentials_domain_name: 'Default',
      admin_domain_scope: false,
    },
    identity: { auth_version: 'v3', uri_v3: identityUrl, region: 'RegionOne', disable_ssl_certificate_validation: true },
    'identity-feature-enabled': { api_v2: false, api_v3: true },
    // Tempest locks pre-provisioned accounts here; keep the locks inside the workspace, not in /tmp/tempest-lock.
    oslo_concurrency: { lock_path: join(workspace, 'tempest_lock') },
    service_available: onlyIronic,
    enforce_scope: { ironic: false },
    baremetal: {
      driver: 'fake-hardware',
      min_microversion: opts.minMicroversion ?? '1.1',
      max_microversion: opts.maxMicroversion ?? '1.82',
      // The interface tests switch a fake-hardware node to ipmi and expect its defaults to be real interfaces.
      enabled_hardware_types: 'fake-hardware,ipmi',
      enabled_deploy_interfaces: 'fake',
      enabled_boot_interfaces: 'fake',
      enabled_management_interfaces: 'fake',
      enabled_power_interfaces: 'fake',
      enabled_rescue_interfaces: 'fake,no-rescue',
      enabled_bios_interfaces: 'fake,no-bios',
      enabled_raid_interfaces: 'fake,no-raid',
      power_timeout: 60,
      deploywait_timeout: 120,
      active_timeout: 120,
      unprovision_timeout: 120,
    },
  };
}

/**
 * Pre-provisioned credentials: the plugin's tests ask for a project-scoped admin and a system-scoped admin
 * (`credentials = ['admin', 'system_admin']`), and each concurrent worker locks its own accounts.
 */
export function accountsYaml(perKind: number): string {
  const lines: string[] = [];
  for (let i = 1; i <= perKind; i++) {
    lines.push(`- username: ferrite-admin-${i}`, `  project_name: ferrite-project-${i}`, '  password: unused', '  roles: [admin]');
    lines.push(`- username: ferrite-system-admin-${i}`, '  system: all', '  password: unused', '  roles: [admin]');
  }
  return `${lines.join('\n')}\n`;
}

/** RFC 4180 CSV (subunit2csv quotes ids that contain commas, e.g. `[id-…,negative]`). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** `module.Class.test_x[id-…,negative]` → `module.Class.test_x`. */
export function bareId(id: string): string {
  return id.trim().replace(/\[[^\]]*\]$/, '');
}

/** `setUpClass (module.Class)` → `{ fixture: 'setUpClass', scope: 'module.Class' }`. */
function fixtureOf(id: string): { fixture: string; scope: string } | undefined {
  const m = /^(setUpClass|tearDownClass|setUpModule|tearDownModule) \(([\w.]+)\)$/.exec(id.trim());
  return m ? { fixture: m[1], scope: m[2] } : undefined;
}

/** What the run's console output says about why each test was skipped or failed, keyed by bare id. */
export function reasonsFromLog(log: string): Map<string, string> {
  const reasons = new Map<string, string>();
  const lines = log.split('\n');
  const head = /^\{\d+\} (.+?)(?: \[[\d.]+s\])? \.\.\. (SKIPPED|FAILED)(?::\s*(.*))?$/;
  for (let i = 0; i < lines.length; i++) {
    const m = head.exec(lines[i].trimEnd());
    if (!m) continue;
    const id = bareId(m[1]);
    if (reasons.has(id)) continue;
    if (m[2] === 'SKIPPED') {
      reasons.set(id, (m[3] ?? '').trim() || 'skipped');
      continue;
    }
    // A failure's traceback follows until the next test line or the summary.
    const block: string[] = [];
    for (let j = i + 1; j < lines.length && !/^\{\d+\} /.test(lines[j]) && !/^={3,}/.test(lines[j]); j++) block.push(lines[j]);
    reasons.set(id, failureSummary(block));
  }
  return reasons;
}

/** The exception (`tempest.lib.exceptions.NotFound: Object not found`), its details, and the last request made. */
export function failureSummary(block: string[]): string {
  let exception = '';
  let details = '';
  let request = '';
  let section = '';
  for (const raw of block) {
    const line = raw.trimEnd();
    const title = /^Captured (\w+):$/.exec(line.trim());
    if (title) {
      section = title[1];
      continue;
    }
    if (section === 'traceback') {
      const ex = /^\s{0,4}([A-Za-z_][\w.]*(?:Error|Exception|Failure|exceptions\.\w+))(?:: (.*))?$/.exec(line);
      if (ex) exception = ex[2] === undefined ? ex[1] : `${ex[1]}: ${ex[2]}`;
      else if (line.startsWith('Details: ')) details = line.slice('Details: '.length);
    } else {
      const req = /Request \([^)]*\): (\d{3}) (\w+) (\S+)/.exec(line);
      if (req) request = `${req[1]} ${req[2]} ${req[3].replace(/^https?:\/\/[^/]+/, '')}`;
    }
  }
  const parts = [exception || 'failed (no traceback captured)'];
  if (details) parts.push(`details: ${details.slice(0, 400)}`);
  if (request) parts.push(`last request: ${request}`);
  return parts.join('; ');
}

/**
 * Combines the list of tests, stestr's outcomes (CSV rows: test, status, start, stop) and the log's reasons into
 * one outcome per listed test. A class-level fixture outcome applies to the tests of that class that have none of
 * their own; a failing tearDownClass is reported as a failure of its own.
 */
export function collectResults(listed: string[], rows: string[][], log: string): Pick<TempestResult, 'listed' | 'passed' | 'failed' | 'skipped'> {
  const reasons = reasonsFromLog(log);
  const own = new Map<string, string>();
  const fixtures: { fixture: string; scope: string; status: string }[] = [];
  for (const [test, status] of rows.slice(rows[0]?.[0] === 'test' ? 1 : 0)) {
    if (!test || !status) continue;
    const fixture = fixtureOf(test);
    if (fixture) fixtures.push({ ...fixture, status });
    else own.set(bareId(test), status);
  }
  const ids = [...new Set([...listed.map(bareId), ...own.keys()])].sort();
  const passed: string[] = [];
  const failed: Outcome[] = [];
  const skipped: Outcome[] = [];
  const classify = (id: string, status: string, reason: string) => {
    if (status === 'success' || status === 'xfail') passed.push(id);
    else if (status === 'skip') skipped.push({ id, reason });
    else failed.push({ id, reason: status === 'uxsuccess' ? 'passed unexpectedly (marked expected to fail)' : reason });
  };
  for (const id of ids) {
    const status = own.get(id);
    if (status !== undefined) {
      classify(id, status, reasons.get(id) ?? status);
      continue;
    }
    const setUp = fixtures.find((f) => f.fixture.startsWith('setUp') && f.status !== 'success' && id.startsWith(`${f.scope}.`));
    if (setUp) {
      const why = reasons.get(`${setUp.fixture} (${setUp.scope})`) ?? setUp.status;
      classify(id, setUp.status, setUp.status === 'skip' ? `${why} (whole class skipped)` : `${setUp.fixture} failed: ${why}`);
    } else {
      failed.push({ id, reason: 'no result recorded (the run was cut short or a worker died)' });
    }
  }
  for (const f of fixtures) {
    if (f.fixture.startsWith('tearDown') && f.status !== 'success' && f.status !== 'skip') {
      const name = `${f.fixture} (${f.scope})`;
      failed.push({ id: `${f.scope}.${f.fixture}`, reason: reasons.get(name) ?? f.status });
    }
  }
  return { listed: ids, passed, failed, skipped };
}

/**
 * The last Bare Metal request each test made, from tempest's own log (`Request (TestNodes:test_x): 404 GET
 * http://…/v1/nodes/… 0.003s`), keyed `Class:test` (`Class:setUpClass` for class fixtures).
 */
export function lastRequests(tempestLog: string): Map<string, string> {
  const last = new Map<string, string>();
  for (const m of tempestLog.matchAll(/Request \((\w+):(\w+)\): (\d{3}) ([A-Z]+) (\S+)/g)) {
    const path = m[5].replace(/^https?:\/\/[^/]+/, '');
    if (path.startsWith('/v3/')) continue; // the Keystone stub
    last.set(`${m[1]}:${m[2]}`, `${m[3]} ${m[4]} ${path}`);
  }
  return last;
}

/** Adds the last request a failed test made to its reason. */
export function withLastRequests(failed: Outcome[], requests: Map<string, string>): Outcome[] {
  return failed.map((o) => {
    const fixture = /^([\w.]+)\.(\w+)$/.exec(o.id);
    if (!fixture || o.reason.includes('last request:')) return o;
    const [cls, test] = [fixture[1].split('.').pop() ?? '', fixture[2]];
    const request = requests.get(`${cls}:${test}`) ?? (o.reason.startsWith('setUpClass failed') ? requests.get(`${cls}:setUpClass`) : undefined);
    return request ? { ...o, reason: `${o.reason}; last request: ${request}` } : o;
  });
}

/** Runs the plugin's API tests against `baremetalUrl` (a noauth Bare Metal API) and collects the outcomes. */
export async function runTempest(baremetalUrl: string, opts: TempestOptions = {}): Promise<TempestResult> {
  await ensureTempest();
  const regex = opts.regex ?? API_TESTS;
  const concurrency = opts.concurrency ?? 2;
  const root = mkdtempSync(join(tmpdir(), 'ferrite-tempest-'));
  const workspace = join(root, 'workspace');
  const stub = await startKeystoneStub(baremetalUrl);
  const started = Date.now();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPEST_CONFIG_DIR: join(workspace, 'etc'),
    TEMPEST_CONFIG: 'tempest.conf',
    // Loopback traffic must not go through a proxy the environment may name.
    no_proxy: ['127.0.0.1', 'localhost', process.env.no_proxy].filter(Boolean).join(','),
    NO_PROXY: ['127.0.0.1', 'localhost', process.env.NO_PROXY].filter(Boolean).join(','),
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const must = async (what: string, result: Promise<Captured>): Promise<Buffer> => {
    const r = await result;
    if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stdout.toString('utf8').slice(-3000)}\n${r.stderr.slice(-3000)}`);
    return r.stdout;
  };
  try {
    // Its own workspace registry, so that nothing is written to ~/.tempest.
    await must('tempest init', capture('tempest', [
      'init', '--workspace-path', join(root, 'workspaces.yaml'), '--name', `ferrite-${process.pid}-${started}`, workspace,
    ], { cwd: root, env, timeoutMs: 120_000 }));
    writeFileSync(join(workspace, 'etc', 'accounts.yaml'), accountsYaml(Math.max(4, concurrency * 3)));
    const conf = join(workspace, 'etc', 'tempest.conf');
    writeFileSync(conf, renderIni(tempestSections(workspace, stub.url, opts)));

    const listing = await must('tempest run --list-tests', capture('tempest', ['run', '--config-file', conf, '--list-tests', '--regex', regex], {
      cwd: workspace, env, timeoutMs: 300_000,
    }));
    const listed = listing.toString('utf8').split('\n').map((l) => l.trim()).filter((l) => /^[\w]+(\.\w+)+(\[.*\])?$/.test(l));
    if (listed.length === 0) throw new Error(`tempest lists no test for ${regex}:\n${listing.toString('utf8').slice(-3000)}`);

    // Exits non-zero when a test fails; the outcomes below say which.
    const run = await capture('tempest', ['run', '--config-file', conf, '--concurrency', String(concurrency), '--regex', regex], {
      cwd: workspace, env, timeoutMs: opts.timeoutMs ?? 1_200_000,
    });
    const log = `${run.stdout.toString('utf8')}${run.stderr}`;
    const last = await capture('stestr', ['last', '--subunit'], { cwd: workspace, env, timeoutMs: 300_000 });
    if (last.code !== 0 || last.stdout.length === 0) {
      throw new Error(`tempest recorded no run (stestr last: exit ${last.code}, ${last.stderr.trim()}); tempest said:\n${log.slice(-5000)}`);
    }
    const stream = last.stdout;
    // subunit2csv exits 1 when the stream holds a failure; its output is what counts.
    const csv = await capture('subunit2csv', ['--no-passthrough'], { input: stream, env, timeoutMs: 300_000 });
    const table = csv.stdout.toString('utf8');
    if (!table.startsWith('test,status')) throw new Error(`subunit2csv gave no table (exit ${csv.code}):\n${csv.stderr.slice(-3000)}`);
    const results = collectResults(listed, parseCsv(table), log);
    const tempestLog = [join(workspace, 'tempest.log'), join(workspace, 'logs', 'tempest.log')]
      .filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8')).join('\n');
    results.failed = withLastRequests(results.failed, lastRequests(tempestLog));
    return { ...results, tokens: { ...stub.issued }, log, seconds: (Date.now() - started) / 1000 };
  } finally {
    await stub.close();
    rmSync(root, { recursive: true, force: true });
  }
}
