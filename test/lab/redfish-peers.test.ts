import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab } from '../../src/lab/index.js';

/*
 * The virtual Redfish lab driven by two Redfish clients that were written independently of it:
 *   - python3-sushy 4.3.3, the library OpenStack Ironic's redfish driver uses (through test/lab/peers/sushy-driver.py,
 *     which runs a list of sushy calls in one Python process and prints what sushy returned or raised);
 *   - DMTF's redfishtool 1.1.5, the command-line client.
 * Every action goes through a client and its effect is checked on the lab side (lab.server(id) or the admin API).
 * Where a client and the lab disagree, the lab is wrong: nothing here is tuned to the lab's implementation, only to
 * the lab contract, the DMTF Redfish specification and what the clients' source shows they need.
 */

const PYTHON = '/usr/bin/python3'; // Debian's interpreter: the `python3` on PATH does not see python3-sushy
const REDFISHTOOL = '/usr/bin/redfishtool';
const SUSHY_DRIVER = fileURLToPath(new URL('./peers/sushy-driver.py', import.meta.url));
const USER = 'admin';
const PASSWORD = 'password';

type Lab = Awaited<ReturnType<typeof startLab>>;
type ServerState = ReturnType<Lab['server']>;

let dir = '';
let lab: Lab;
let ca: Buffer;
let host = ''; // 127.0.0.1:<port>, as redfishtool's -r wants it
let port = 0;

/** The environment for the Python clients: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override the `verify`
 * sushy passes (both a CA path and False), and a proxy must not sit between the clients and loopback. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|https?_proxy|all_proxy|no_proxy)$/i.test(k)) delete env[k];
  }
  env.NO_PROXY = '127.0.0.1,localhost';
  env.no_proxy = '127.0.0.1,localhost';
  env.PYTHONDONTWRITEBYTECODE = '1';
  return env;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { env: childEnv(), timeout: 45_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(new Error(`${file} ${args.join(' ')} failed to run: ${err.message}\n${stderr}`));
          return;
        }
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? '');
  });
}

// ---------------------------------------------------------------------------------------------------------------
// sushy

interface SushyError {
  type: string;
  message: string;
  classes: string[];
  status_code?: number;
  code?: string;
  detail?: string | null;
  body?: Record<string, unknown> | null;
  traceback?: string;
}
type SushyResult = { ok: true; value: any } | { ok: false; error: SushyError };

/** Runs a list of sushy commands in one Python process; returns one result per command. */
async function sushy(commands: Record<string, unknown>[]): Promise<SushyResult[]> {
  const r = await run(PYTHON, [SUSHY_DRIVER], JSON.stringify({ url: lab.url, commands }));
  assert.equal(r.code, 0, `sushy driver exited ${r.code}\n${r.stderr}`);
  const out = JSON.parse(r.stdout) as { results: SushyResult[] };
  assert.equal(out.results.length, commands.length);
  return out.results;
}

/** The value of a command that must have succeeded (the failure message carries sushy's exception). */
function ok(r: SushyResult | undefined, what: string): any {
  assert.ok(r, `${what}: no result`);
  if (!r.ok) assert.fail(`${what}: sushy raised ${r.error.type}: ${r.error.message}${r.error.traceback ?? ''}`);
  return r.value;
}

function failed(r: SushyResult | undefined, what: string): SushyError {
  assert.ok(r, `${what}: no result`);
  if (r.ok) assert.fail(`${what}: expected sushy to raise, it returned ${JSON.stringify(r.value)}`);
  return r.error;
}

const connect = (name: string, auth: 'basic' | 'session' | 'auto', extra: Record<string, unknown> = {}) => ({
  op: 'connect',
  name,
  auth,
  username: USER,
  password: PASSWORD,
  verify: lab.caPath,
  ...extra,
});

// ---------------------------------------------------------------------------------------------------------------
// redfishtool

interface Tool extends Run {
  json: any;
}

async function redfishtool(
  args: string[],
  opts: { auth?: 'Basic' | 'Session' | 'None'; password?: string; token?: string } = {},
): Promise<Tool> {
  const auth = opts.auth ?? 'Basic';
  const common = ['-r', host, '-S', 'Always', '-n', '-A', auth];
  if (opts.token !== undefined) common.push('-t', opts.token);
  else common.push('-u', USER, '-p', opts.password ?? PASSWORD);
  const r = await run(REDFISHTOOL, [...common, ...args]);
  let json: unknown = undefined;
  const text = r.stdout.trim();
  if (r.code === 0 && text.startsWith('{')) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { ...r, json };
}

function toolOk(r: Tool, what: string): Tool {
  assert.equal(r.code, 0, `${what}: redfishtool exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// lab side

function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(
      `${lab.url}${path}`,
      {
        method,
        ca,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = undefined;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function osRunning(id: string): Promise<void> {
  const r = await admin('POST', `/lab/servers/${id}/os`, { state: 'running' });
  assert.ok(r.status >= 200 && r.status < 300, `admin POST /lab/servers/${id}/os answered ${r.status}`);
  assert.equal(lab.server(id).os, 'running');
}

async function waitFor(what: string, pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const lower = (xs: string[]) => xs.map((x) => x.toLowerCase()).sort();
const labPower = (s: ServerState) => (s.power === 'on' ? 'On' : 'Off');
/** A path whether a client reports a URI as a path or as an absolute URL. */
const pathOf = (u: string) => (u.startsWith('http') ? new URL(u).pathname : u).replace(/\/$/, '');

/** Waits until the server has settled (no pending power change, not in the middle of a boot). */
async function settle(id: string): Promise<void> {
  await waitFor(`${id} to settle`, () => {
    const s = lab.server(id);
    return s.pendingPower === undefined && s.os !== 'booting';
  });
}

/** Powers a server off through sushy if an earlier test left it on, so each test starts from a known state. */
async function ensureOff(id: string): Promise<void> {
  await settle(id);
  if (lab.server(id).power === 'off') return;
  const info = lab.servers.find((s) => s.id === id)!;
  const r = await sushy([connect('b', 'basic'), { op: 'reset', conn: 'b', system: info.systemPath, value: 'ForceOff' }]);
  ok(r[1], `ForceOff ${id}`);
  await waitFor(`${id} off`, () => lab.server(id).power === 'off');
  await settle(id);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferrite-redfish-peers-'));
  lab = await startLab({ dir, servers: 3, port: 0, powerDelayMs: 50, bootDelayMs: 50 });
  ca = readFileSync(lab.caPath);
  const u = new URL(lab.url);
  host = u.host;
  port = Number(u.port);
  assert.equal(u.protocol, 'https:');
  assert.equal(lab.servers.length, 3);
});

after(async () => {
  await lab?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// =================================================================================================================
// sushy

test('sushy: service root, systems and inventory with BasicAuth, SessionAuth and the default auth', async () => {
  const cmds: Record<string, unknown>[] = [connect('b', 'basic'), { op: 'systems', conn: 'b' }];
  for (const s of lab.servers) cmds.push({ op: 'system', conn: 'b', system: s.systemPath });
  for (const s of lab.servers) cmds.push({ op: 'hardware', conn: 'b', system: s.systemPath });
  cmds.push(connect('s', 'session'), { op: 'systems', conn: 's' }, { op: 'system', conn: 's', system: lab.servers[0].systemPath });
  cmds.push(connect('a', 'auto'), { op: 'systems', conn: 'a' });
  const res = await sushy(cmds);
  let i = 0;

  const root = ok(res[i++], 'Sushy(BasicAuth)');
  assert.match(String(root.redfish_version), /^1\.\d+\.\d+$/, 'ServiceRoot.RedfishVersion');
  assert.equal(typeof root.identity, 'string', 'ServiceRoot.Id');
  assert.equal(root.uses_basic, true);
  assert.equal(root.uses_token, false);

  const expectedPaths = lab.servers.map((s) => s.systemPath).sort();
  assert.deepEqual([...ok(res[i++], 'get_system_collection').members].sort(), expectedPaths);

  for (const info of lab.servers) {
    const sys = ok(res[i++], `get_system(${info.systemPath})`);
    const state = lab.server(info.id);
    assert.equal(sys.identity, info.id);
    assert.equal(String(sys.uuid).toLowerCase(), info.uuid.toLowerCase());
    assert.equal(sys.name, info.name);
    assert.equal(sys.power_state, labPower(state), 'PowerState vs lab');
    assert.deepEqual(
      { target: sys.boot.target, enabled: sys.boot.enabled, mode: sys.boot.mode },
      state.boot,
      'Boot override vs lab',
    );
    for (const t of ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'PowerCycle', 'Nmi']) {
      assert.ok(sys.allowed_resets.includes(t), `get_allowed_reset_system_values() lacks ${t}: ${sys.allowed_resets}`);
    }
    for (const t of ['Pxe', 'Hdd', 'Cd']) {
      assert.ok(sys.allowed_boot_sources.includes(t), `get_allowed_system_boot_source_values() lacks ${t}`);
    }
    assert.ok(Array.isArray(sys.boot.allowed_values), 'Boot.BootSourceOverrideTarget@Redfish.AllowableValues');
    assert.ok(typeof sys.memory_size_gib === 'number' && sys.memory_size_gib > 0, 'MemorySummary.TotalSystemMemoryGiB');
    assert.ok(sys.manager_paths.length >= 1, 'Links.ManagedBy');
    assert.ok(sys.chassis_paths.length >= 1, 'Links.Chassis');
  }

  for (const info of lab.servers) {
    const hw = ok(res[i++], `hardware of ${info.id}`);
    const describe = JSON.stringify(hw);
    assert.ok(hw.processors, `processors.summary: ${describe}`);
    assert.ok(hw.processors.count > 0, 'processors.summary.count (sum of TotalThreads)');
    assert.ok(hw.processors.architecture, 'processors.summary.architecture (ProcessorArchitecture)');
    assert.ok(hw.memory_size_gib > 0);
    // Ironic takes the MACs of the interfaces whose Status.Health is OK from ethernet_interfaces.summary.
    assert.ok(hw.nics, `ethernet_interfaces.summary: ${describe}`);
    assert.deepEqual(lower(Object.keys(hw.nics)), lower(info.macs), `NIC MACs vs lab (${JSON.stringify(hw.nic_members)})`);
    for (const st of Object.values(hw.nics)) assert.equal(st, 'Enabled');
    assert.ok(hw.simple_storage_sizes?.length > 0, `simple_storage.disks_sizes_bytes: ${describe}`);
    for (const size of hw.simple_storage_sizes) assert.ok(size > 0);
    assert.equal(hw.simple_storage_max, Math.max(...hw.simple_storage_sizes));
    assert.ok(hw.storage_drive_sizes?.length > 0, `storage.drives_sizes_bytes: ${describe}`);
    assert.ok(hw.storage_max_drive > 0);
  }

  const sess = ok(res[i++], 'Sushy(SessionAuth)');
  assert.equal(sess.uses_token, true);
  assert.equal(sess.uses_basic, false);
  assert.equal(sess.has_session_key, true, 'X-Auth-Token header on the session POST');
  assert.ok(sess.session_uri, 'Location header on the session POST');
  assert.deepEqual([...ok(res[i++], 'systems over a session').members].sort(), expectedPaths);
  assert.equal(ok(res[i++], 'system over a session').identity, lab.servers[0].id);

  const auto = ok(res[i++], 'Sushy(default SessionOrBasicAuth)');
  assert.equal(auto.uses_token, true, 'sushy should have got a session, not fallen back to Basic');
  assert.deepEqual([...ok(res[i++], 'systems over auto auth').members].sort(), expectedPaths);
});

test('sushy: a SessionAuth session is listed in the Sessions collection and gone after close; bad passwords fail', async () => {
  const res = await sushy([
    connect('b', 'basic'),
    { op: 'sessions', conn: 'b' },
    connect('s', 'session'),
    { op: 'sessions', conn: 's' },
    { op: 'sessions', conn: 'b' },
    { op: 'close', conn: 's' },
    { op: 'sessions', conn: 'b' },
    connect('bad-session', 'session', { password: 'wrong' }),
    connect('bad-basic', 'basic', { password: 'wrong' }),
    { op: 'systems', conn: 'bad-basic' },
    connect('bad-auto', 'auto', { password: 'wrong' }),
    { op: 'systems', conn: 'bad-auto' },
    // A session that disappears on the BMC side (expiry, BMC reboot): sushy gets a 401, logs in again and retries.
    connect('r', 'session'),
    { op: 'delete_session', conn: 'b', session_of: 'r' },
    { op: 'systems', conn: 'r' },
    { op: 'sessions', conn: 'b' },
    { op: 'close', conn: 'r' },
    { op: 'sessions', conn: 'b' },
  ]);
  ok(res[0], 'Sushy(BasicAuth)');
  const before = ok(res[1], 'SessionService sessions (before)');
  assert.equal(typeof before.service.identity, 'string', 'SessionService.Id');
  assert.equal(typeof before.service.name, 'string', 'SessionService.Name');
  const s = ok(res[2], 'Sushy(SessionAuth)');
  const uri = pathOf(String(s.session_uri));
  for (const [k, label] of [[3, 'listed over the session itself'], [4, 'listed over Basic auth']] as const) {
    const list = ok(res[k], `sessions ${label}`);
    const mine = list.members.find((m: { path: string }) => pathOf(m.path) === uri);
    assert.ok(mine, `session ${uri} not in Sessions (${label}): ${JSON.stringify(list.members)}`);
    assert.equal(mine.username, USER);
    assert.equal(typeof mine.name, 'string', 'Session.Name (sushy requires it)');
  }
  ok(res[5], 'closing the session (DELETE on its Location)');
  const afterClose = ok(res[6], 'sessions after close');
  assert.ok(!afterClose.members.some((m: { path: string }) => pathOf(m.path) === uri), 'the closed session is still listed');

  const badSession = failed(res[7], 'SessionAuth with a wrong password');
  assert.equal(badSession.type, 'AccessError');
  assert.equal(badSession.status_code, 401);

  ok(res[8], 'BasicAuth construction only reads the unauthenticated service root');
  const badBasic = failed(res[9], 'systems with a wrong Basic password');
  assert.equal(badBasic.type, 'AccessError');
  assert.equal(badBasic.status_code, 401);

  const badAuto = ok(res[10], 'default auth with a wrong password falls back to Basic');
  assert.equal(badAuto.uses_token, false);
  assert.equal(badAuto.uses_basic, true);
  const badAutoSystems = failed(res[11], 'systems with default auth and a wrong password');
  assert.equal(badAutoSystems.type, 'AccessError');
  assert.equal(badAutoSystems.status_code, 401);

  const first = pathOf(String(ok(res[12], 'Sushy(SessionAuth) for the refresh case').session_uri));
  assert.equal(pathOf(String(ok(res[13], 'SessionService.close_session'))), first);
  assert.deepEqual(
    [...ok(res[14], 'systems after the session was deleted on the service side').members].sort(),
    lab.servers.map((x) => x.systemPath).sort(),
    'sushy re-authenticates after a 401 on a deleted session',
  );
  const relogged = ok(res[15], 'sessions after the re-login').members.map((m: { path: string }) => pathOf(m.path));
  assert.ok(!relogged.includes(first), 'the deleted session is still listed');
  assert.equal(relogged.length, before.members.length + 1, 'sushy opened exactly one new session');
  ok(res[16], 'closing the re-created session');

  const last = ok(res[17], 'sessions at the end');
  assert.deepEqual(
    last.members.map((m: { path: string }) => m.path).sort(),
    before.members.map((m: { path: string }) => m.path).sort(),
    'failed logins must not leave sessions behind',
  );
});

test('sushy: TLS is verified against the lab CA, for 127.0.0.1 and for localhost', async () => {
  const res = await sushy([
    connect('ip', 'basic'),
    { op: 'systems', conn: 'ip' },
    connect('name', 'basic', { url: `https://localhost:${port}` }),
    { op: 'systems', conn: 'name' },
    connect('prefixed', 'session', { url: `${lab.url}/redfish/v1` }),
    { op: 'systems', conn: 'prefixed' },
    connect('system-cas', 'basic', { verify: true }),
    connect('insecure', 'basic', { verify: false }),
    { op: 'systems', conn: 'insecure' },
  ]);
  ok(res[0], 'verify=<lab CA> at 127.0.0.1');
  assert.equal(ok(res[1], 'systems').members.length, 3);
  ok(res[2], 'verify=<lab CA> at localhost');
  assert.equal(ok(res[3], 'systems at localhost').members.length, 3);
  ok(res[4], 'base URL with the /redfish/v1 prefix');
  assert.equal(ok(res[5], 'systems with the prefixed base URL').members.length, 3);
  const err = failed(res[6], 'verify=True without the lab CA');
  assert.equal(err.type, 'ConnectionError');
  assert.match(err.message, /SSL|CERTIFICATE_VERIFY_FAILED|certificate/i);
  ok(res[7], 'verify=False');
  assert.equal(ok(res[8], 'systems without verification').members.length, 3);
});

test('sushy: power actions reach the emulated server (On, Nmi, GracefulRestart, ForceRestart, GracefulShutdown, ForceOff)', async () => {
  const info = lab.servers[0];
  const id = info.id;
  const sys = { conn: 'b', system: info.systemPath };
  await ensureOff(id);

  // Power on with a one-time PXE override in UEFI mode, as Ironic does before a deploy.
  const boots0 = lab.server(id).bootRecord.length;
  const resets0 = lab.server(id).resets.length;
  let r = await sushy([
    connect('b', 'basic'),
    { op: 'set_boot', ...sys, target: 'Pxe', enabled: 'Once', mode: 'UEFI' },
    { op: 'system', ...sys },
    { op: 'reset', ...sys, value: 'On' },
    { op: 'wait_power', ...sys, state: 'On' },
  ]);
  ok(r[1], 'set_system_boot_options(Pxe, Once, UEFI)');
  const readBack = ok(r[2], 'system after set_system_boot_options').boot;
  assert.deepEqual([readBack.target, readBack.enabled, readBack.mode], ['Pxe', 'Once', 'UEFI']);
  ok(r[3], 'reset_system(On)');
  assert.equal(ok(r[4], 'PowerState after On').state, 'On');
  assert.equal(lab.server(id).power, 'on');
  assert.deepEqual(lab.server(id).resets.slice(resets0).map((x) => x.type), ['On']);
  await waitFor('a PXE boot record', () => lab.server(id).bootRecord.length > boots0);
  const pxeBoot = lab.server(id).bootRecord.at(-1)!;
  assert.equal(pxeBoot.target, 'Pxe');
  assert.equal(pxeBoot.mode, 'UEFI');
  await settle(id);
  assert.equal(lab.server(id).boot.enabled, 'Disabled', 'a Once override is cleared by the boot it applied to');

  // NMI, then the restarts.
  const nmi0 = lab.server(id).nmiCount;
  r = await sushy([connect('b', 'basic'), { op: 'system', ...sys }, { op: 'reset', ...sys, value: 'Nmi' }]);
  assert.equal(ok(r[1], 'system after the boot').boot.enabled, 'Disabled', 'sushy reads the cleared Once override');
  ok(r[2], 'reset_system(Nmi)');
  assert.equal(lab.server(id).nmiCount, nmi0 + 1);
  assert.equal(lab.server(id).power, 'on', 'an NMI does not power the server off');

  // A graceful restart needs an OS that listens to ACPI (the NMI may well have stopped the one that ran).
  await osRunning(id);
  const boots1 = lab.server(id).bootRecord.length;
  r = await sushy([connect('b', 'basic'), { op: 'reset', ...sys, value: 'GracefulRestart' }]);
  ok(r[1], 'reset_system(GracefulRestart)');
  await waitFor('a boot after GracefulRestart', () => lab.server(id).bootRecord.length > boots1);
  await settle(id);
  assert.equal(lab.server(id).power, 'on');

  const boots2 = lab.server(id).bootRecord.length;
  r = await sushy([connect('b', 'basic'), { op: 'reset', ...sys, value: 'ForceRestart' }]);
  ok(r[1], 'reset_system(ForceRestart)');
  await waitFor('a boot after ForceRestart', () => lab.server(id).bootRecord.length > boots2);
  await settle(id);
  assert.equal(lab.server(id).power, 'on');

  await osRunning(id);
  r = await sushy([
    connect('b', 'basic'),
    { op: 'reset', ...sys, value: 'GracefulShutdown' },
    { op: 'wait_power', ...sys, state: 'Off' },
  ]);
  ok(r[1], 'reset_system(GracefulShutdown)');
  assert.equal(ok(r[2], 'PowerState after GracefulShutdown').state, 'Off');
  assert.equal(lab.server(id).power, 'off');

  const types = lab.server(id).resets.slice(resets0).map((x) => x.type);
  assert.deepEqual(types, ['On', 'Nmi', 'GracefulRestart', 'ForceRestart', 'GracefulShutdown']);
});

test('sushy: boot override target, frequency and mode are set and read back', async () => {
  const info = lab.servers[0];
  const id = info.id;
  const sys = { conn: 'b', system: info.systemPath };
  await ensureOff(id);
  const res = await sushy([
    connect('b', 'basic'),
    { op: 'set_boot', ...sys, target: 'Cd', enabled: 'Continuous', mode: 'UEFI' },
    { op: 'system', ...sys },
    { op: 'set_boot', ...sys, target: 'Hdd', enabled: 'Once', mode: 'Legacy' },
    { op: 'system', ...sys },
    { op: 'set_boot', ...sys, target: 'Pxe' },
    { op: 'system', ...sys },
    { op: 'set_boot', ...sys, enabled: 'Disabled', mode: 'UEFI' },
    { op: 'system', ...sys },
  ]);
  const expected = [
    { target: 'Cd', enabled: 'Continuous', mode: 'UEFI' },
    { target: 'Hdd', enabled: 'Once', mode: 'Legacy' },
    { target: 'Pxe', enabled: 'Once', mode: 'Legacy' },
    { target: 'Pxe', enabled: 'Disabled', mode: 'UEFI' },
  ];
  for (let k = 0; k < expected.length; k++) {
    ok(res[1 + 2 * k], `set_system_boot_options #${k + 1}`);
    const b = ok(res[2 + 2 * k], `read back #${k + 1}`).boot;
    assert.deepEqual({ target: b.target, enabled: b.enabled, mode: b.mode }, expected[k], `sushy read-back #${k + 1}`);
  }
  assert.deepEqual(lab.server(id).boot, expected.at(-1), 'lab boot override');
  assert.equal(lab.server(id).power, 'off', 'setting the boot override does not power the server');
});

test('sushy: virtual media insert/eject, and a one-time Cd boot reaches the ramdisk', async () => {
  const info = lab.servers[0];
  const id = info.id;
  const sys = { conn: 'b', system: info.systemPath };
  const image = 'http://127.0.0.1:9/ironic/boot-1.iso';
  const floppy = 'http://127.0.0.1:9/ironic/config.img';
  await ensureOff(id);
  assert.equal(lab.server(id).virtualMedia.Cd.inserted, false);

  let r = await sushy([
    connect('b', 'basic'),
    { op: 'vmedia_list', ...sys },
    { op: 'vmedia_insert', ...sys, device: 'Cd', image },
    { op: 'vmedia_insert', ...sys, device: 'Floppy', image: floppy, write_protected: false },
    { op: 'vmedia_list', ...sys },
  ]);
  const list0 = ok(r[1], 'managers[*].virtual_media');
  const cd0 = list0.find((v: { identity: string }) => v.identity === 'Cd');
  const fl0 = list0.find((v: { identity: string }) => v.identity === 'Floppy');
  assert.ok(cd0 && fl0, `VirtualMedia Cd and Floppy under the system's manager: ${JSON.stringify(list0)}`);
  // Ironic picks the device for an ISO by MediaTypes (CD or DVD) and for a floppy image by Floppy or USBStick.
  assert.ok(cd0.media_types.includes('CD') || cd0.media_types.includes('DVD'), `Cd MediaTypes ${cd0.media_types}`);
  assert.ok(fl0.media_types.includes('Floppy') || fl0.media_types.includes('USBStick'), `Floppy MediaTypes ${fl0.media_types}`);
  assert.equal(cd0.inserted, false);
  ok(r[2], 'insert_media(Cd)');
  ok(r[3], 'insert_media(Floppy, write_protected=False)');
  let st = lab.server(id);
  assert.deepEqual(st.virtualMedia.Cd, { image, inserted: true, writeProtected: true },
    'InsertMedia with only Image: Inserted and WriteProtected default to true (DMTF VirtualMedia.InsertMedia)');
  assert.deepEqual(st.virtualMedia.Floppy, { image: floppy, inserted: true, writeProtected: false });
  const list1 = ok(r[4], 'virtual media after insert');
  const cd1 = list1.find((v: { identity: string }) => v.identity === 'Cd');
  assert.equal(cd1.image, image);
  assert.equal(cd1.inserted, true);
  assert.equal(cd1.write_protected, true);
  const fl1 = list1.find((v: { identity: string }) => v.identity === 'Floppy');
  assert.equal(fl1.write_protected, false);

  const boots0 = lab.server(id).bootRecord.length;
  r = await sushy([
    connect('b', 'basic'),
    { op: 'set_boot', ...sys, target: 'Cd', enabled: 'Once', mode: 'UEFI' },
    { op: 'reset', ...sys, value: 'On' },
    { op: 'wait_power', ...sys, state: 'On' },
  ]);
  ok(r[1], 'set_system_boot_options(Cd, Once)');
  ok(r[2], 'reset_system(On)');
  assert.equal(ok(r[3], 'power on').state, 'On');
  await waitFor('the virtual media boot', () => lab.server(id).bootRecord.length > boots0);
  const boot = lab.server(id).bootRecord.at(-1)!;
  assert.equal(boot.target, 'Cd');
  assert.equal(boot.media, image);
  // Nothing serves the image's URL here: the firmware tried the CD and found nothing it could boot.
  assert.equal(boot.result, 'no bootable device');
  await settle(id);
  assert.equal(lab.server(id).boot.enabled, 'Disabled');

  r = await sushy([
    connect('b', 'basic'),
    { op: 'reset', ...sys, value: 'ForceOff' },
    { op: 'wait_power', ...sys, state: 'Off' },
    { op: 'vmedia_eject', ...sys, device: 'Cd' },
    { op: 'vmedia_eject', ...sys, device: 'Floppy' },
    { op: 'vmedia_list', ...sys },
  ]);
  ok(r[1], 'ForceOff');
  assert.equal(ok(r[2], 'power off').state, 'Off');
  ok(r[3], 'eject_media(Cd)');
  ok(r[4], 'eject_media(Floppy)');
  st = lab.server(id);
  // sushy swallows most eject errors, so the lab side is what tells whether the eject worked.
  assert.equal(st.virtualMedia.Cd.inserted, false, 'Cd still inserted after EjectMedia');
  assert.equal(st.virtualMedia.Floppy.inserted, false, 'Floppy still inserted after EjectMedia');
  const cd2 = ok(r[5], 'virtual media after eject').find((v: { identity: string }) => v.identity === 'Cd');
  assert.equal(cd2.inserted, false);
  assert.ok(cd2.image === null || cd2.image === '', `Image after eject: ${cd2.image}`);
  await settle(id);
});

test('sushy: BIOS attributes, pending settings through @Redfish.Settings, applied at the next boot', async () => {
  const info = lab.servers[0];
  const id = info.id;
  const sys = { conn: 'b', system: info.systemPath };
  await settle(id);
  let r = await sushy([connect('b', 'basic'), { op: 'bios', ...sys }]);
  const bios0 = ok(r[1], 'system.bios');
  assert.deepEqual(bios0.attributes, lab.server(id).bios.current, 'Bios.Attributes vs lab');

  // Pick attributes generically: an Enabled/Disabled one to toggle and, if there is one, a boolean to flip.
  const attrs = bios0.attributes as Record<string, unknown>;
  const change: Record<string, unknown> = {};
  const toggle = Object.keys(attrs).find((k) => attrs[k] === 'Enabled' || attrs[k] === 'Disabled');
  assert.ok(toggle, `no Enabled/Disabled attribute in ${JSON.stringify(attrs)}`);
  change[toggle] = attrs[toggle] === 'Enabled' ? 'Disabled' : 'Enabled';
  const flip = Object.keys(attrs).find((k) => typeof attrs[k] === 'boolean');
  if (flip) change[flip] = !attrs[flip];

  r = await sushy([
    connect('b', 'basic'),
    { op: 'bios_set', ...sys, attributes: change },
    { op: 'bios', ...sys },
    { op: 'bios_set', ...sys, attributes: { NoSuchAttributeAnywhere: 'x' } },
    { op: 'bios', ...sys },
  ]);
  ok(r[1], `bios.set_attributes(${JSON.stringify(change)})`);
  const bios1 = ok(r[2], 'bios after set_attributes');
  for (const [k, v] of Object.entries(change)) {
    assert.equal(bios1.pending_attributes?.[k], v, `pending_attributes[${k}]`);
    assert.equal(bios1.attributes[k], attrs[k], `current ${k} must not change before a reboot`);
  }
  assert.deepEqual(lab.server(id).bios.pending, change, 'lab pending BIOS settings');
  const bad = failed(r[3], 'set_attributes with an unknown attribute');
  assert.equal(bad.status_code, 400);
  assert.equal(bad.type, 'BadRequestError');
  assert.deepEqual(lab.server(id).bios.pending, change, 'a rejected PATCH must not touch the pending settings');

  const boots0 = lab.server(id).bootRecord.length;
  r = await sushy([
    connect('b', 'basic'),
    { op: 'reset', ...sys, value: 'On' },
    { op: 'wait_power', ...sys, state: 'On' },
  ]);
  ok(r[1], 'power on to apply the BIOS settings');
  await waitFor('the boot', () => lab.server(id).bootRecord.length > boots0);
  await settle(id);
  const st = lab.server(id);
  for (const [k, v] of Object.entries(change)) assert.equal(st.bios.current[k], v, `lab BIOS ${k} after the boot`);
  assert.deepEqual(st.bios.pending, {}, 'pending settings are consumed by the boot');

  r = await sushy([
    connect('b', 'basic'),
    { op: 'bios', ...sys },
    { op: 'reset', ...sys, value: 'ForceOff' },
    { op: 'wait_power', ...sys, state: 'Off' },
  ]);
  const bios2 = ok(r[1], 'bios after the boot');
  for (const [k, v] of Object.entries(change)) assert.equal(bios2.attributes[k], v, `Bios.Attributes[${k}] after the boot`);
  assert.equal(ok(r[3], 'power off').state, 'Off');
  await settle(id);
});

test('sushy: an invalid ResetType is answered 400 with a Redfish error that sushy parses', async () => {
  const info = lab.servers[2];
  await settle(info.id);
  const before = lab.server(info.id);
  const res = await sushy([
    connect('b', 'basic'),
    { op: 'raw_post', conn: 'b', reset_of: info.systemPath, data: { ResetType: 'Bogus' } },
    { op: 'raw_post', conn: 'b', reset_of: info.systemPath, data: {} },
  ]);
  for (const [k, what] of [[1, 'ResetType Bogus'], [2, 'no ResetType']] as const) {
    const err = failed(res[k], what);
    assert.equal(err.type, 'BadRequestError', `${what}: ${err.message}`);
    assert.equal(err.status_code, 400);
    assert.ok(err.body, `${what}: the 400 carries a JSON {"error": ...} body`);
    assert.equal(typeof err.code, 'string');
    assert.notEqual(err.code, 'Base.1.0.GeneralError', `${what}: error.code is sushy's fallback, the lab sent none`);
    const ext = (err.body)['@Message.ExtendedInfo'];
    assert.ok(Array.isArray(ext) && ext.length > 0, `${what}: @Message.ExtendedInfo ${JSON.stringify(err.body)}`);
    for (const m of ext as Record<string, unknown>[]) {
      assert.equal(typeof m.MessageId, 'string');
      assert.equal(typeof m.Message, 'string');
    }
    assert.ok(err.detail, `${what}: sushy found no message to show`);
  }
  const afterState = lab.server(info.id);
  assert.equal(afterState.power, before.power);
  assert.equal(afterState.resets.length, before.resets.length, 'a rejected reset is not recorded as a reset');
});

test('sushy: the TaskService is found from the ServiceRoot (ServiceRoot.Tasks) and lists its tasks', async () => {
  const res = await sushy([connect('b', 'basic'), { op: 'task_service', conn: 'b' }, { op: 'systems', conn: 'b' }]);
  ok(res[2], 'systems');
  // sushy 4.3.3 (like the DMTF ServiceRoot schema) links the task service as "Tasks": {"@odata.id": ...}.
  const ts = ok(res[1], 'get_task_service()');
  assert.equal(typeof ts.identity, 'string');
  assert.ok(Array.isArray(ts.tasks), 'TaskService.Tasks collection');
});

// =================================================================================================================
// redfishtool

test('redfishtool: root, Systems collection, list and get', async () => {
  const root = toolOk(await redfishtool(['root'], { auth: 'None' }), 'root').json;
  assert.ok(root, 'root prints the ServiceRoot as JSON');
  assert.match(String(root.RedfishVersion), /^1\.\d+\.\d+$/);
  for (const k of ['Systems', 'Managers', 'Chassis', 'SessionService']) {
    assert.equal(typeof root[k]?.['@odata.id'], 'string', `ServiceRoot.${k}`);
  }
  assert.equal(typeof root.Links?.Sessions?.['@odata.id'], 'string', 'ServiceRoot.Links.Sessions (session login)');

  const coll = toolOk(await redfishtool(['Systems']), 'Systems').json;
  assert.deepEqual(
    coll.Members.map((m: Record<string, string>) => pathOf(m['@odata.id'])).sort(),
    lab.servers.map((s) => s.systemPath).sort(),
  );
  assert.equal(coll['Members@odata.count'], 3);

  const list = toolOk(await redfishtool(['Systems', 'list']), 'Systems list').json;
  assert.deepEqual(list.Members.map((m: { Id: string }) => m.Id).sort(), lab.servers.map((s) => s.id).sort());

  for (const info of lab.servers) {
    const sys = toolOk(await redfishtool(['-I', info.id, 'Systems', 'get']), `Systems -I ${info.id} get`).json;
    await settle(info.id);
    const st = lab.server(info.id);
    const viaAdmin = await admin('GET', `/lab/servers/${info.id}`);
    assert.equal(viaAdmin.status, 200);
    assert.deepEqual(
      { power: viaAdmin.json.power, boot: viaAdmin.json.boot, uuid: viaAdmin.json.uuid },
      { power: st.power, boot: st.boot, uuid: st.uuid },
      'the admin API serves the same snapshot as lab.server()',
    );
    assert.equal(sys.Id, info.id);
    assert.equal(String(sys.UUID).toLowerCase(), info.uuid.toLowerCase());
    assert.equal(sys.PowerState, labPower(st));
    assert.equal(sys.Boot.BootSourceOverrideTarget, st.boot.target);
    assert.equal(sys.Boot.BootSourceOverrideEnabled, st.boot.enabled);
  }
  const prop = toolOk(await redfishtool(['-P', 'PowerState', '-I', lab.servers[1].id, 'Systems']), '-P PowerState').json;
  assert.deepEqual(prop, { PowerState: labPower(lab.server(lab.servers[1].id)) });
});

test('redfishtool: reset On, GracefulShutdown, ForceRestart, PowerCycle, GracefulRestart, ForceOff', async () => {
  const id = lab.servers[1].id;
  await settle(id);
  const rf = (type: string) => redfishtool(['-I', id, 'Systems', 'reset', type]);
  if (lab.server(id).power === 'on') {
    toolOk(await rf('ForceOff'), 'reset ForceOff');
    await waitFor('off', () => lab.server(id).power === 'off');
    await settle(id);
  }
  const resets0 = lab.server(id).resets.length;

  toolOk(await rf('On'), 'reset On');
  await waitFor('power on', () => lab.server(id).power === 'on');
  await settle(id);

  // GracefulShutdown only acts when the OS runs; with a running OS it powers the server off.
  await osRunning(id);
  toolOk(await rf('GracefulShutdown'), 'reset GracefulShutdown');
  await waitFor('power off after GracefulShutdown', () => lab.server(id).power === 'off');
  await settle(id);

  toolOk(await rf('On'), 'reset On');
  await waitFor('power on', () => lab.server(id).power === 'on');
  await settle(id);

  let boots = lab.server(id).bootRecord.length;
  toolOk(await rf('ForceRestart'), 'reset ForceRestart');
  await waitFor('a boot after ForceRestart', () => lab.server(id).bootRecord.length > boots);
  await settle(id);

  boots = lab.server(id).bootRecord.length;
  toolOk(await rf('PowerCycle'), 'reset PowerCycle');
  await waitFor('a boot after PowerCycle', () => lab.server(id).bootRecord.length > boots);
  await settle(id);
  assert.equal(lab.server(id).power, 'on');

  await osRunning(id);
  boots = lab.server(id).bootRecord.length;
  toolOk(await rf('GracefulRestart'), 'reset GracefulRestart');
  await waitFor('a boot after GracefulRestart', () => lab.server(id).bootRecord.length > boots);
  await settle(id);

  toolOk(await rf('ForceOff'), 'reset ForceOff');
  await waitFor('power off', () => lab.server(id).power === 'off');
  await settle(id);
  const sys = toolOk(await redfishtool(['-I', id, 'Systems']), 'Systems get').json;
  assert.equal(sys.PowerState, 'Off');

  assert.deepEqual(
    lab.server(id).resets.slice(resets0).map((x) => x.type),
    ['On', 'GracefulShutdown', 'On', 'ForceRestart', 'PowerCycle', 'GracefulRestart', 'ForceOff'],
  );
});

test('redfishtool: setBootOverride Once Pxe, Continuous Hdd, Disabled', async () => {
  const id = lab.servers[1].id;
  await settle(id);
  const cases: [string[], { target: string; enabled: string }][] = [
    [['Once', 'Pxe'], { target: 'Pxe', enabled: 'Once' }],
    [['Continuous', 'Hdd'], { target: 'Hdd', enabled: 'Continuous' }],
    [['Continuous', 'Cd'], { target: 'Cd', enabled: 'Continuous' }],
  ];
  for (const [args, want] of cases) {
    const out = toolOk(await redfishtool(['-I', id, 'Systems', 'setBootOverride', ...args]), `setBootOverride ${args.join(' ')}`);
    // redfishtool prints the Boot object it read back after the PATCH (a 204 makes it GET the system again).
    assert.equal(out.json?.Boot?.BootSourceOverrideTarget, want.target, out.stdout);
    assert.equal(out.json?.Boot?.BootSourceOverrideEnabled, want.enabled, out.stdout);
    const st = lab.server(id).boot;
    assert.equal(st.target, want.target);
    assert.equal(st.enabled, want.enabled);
  }
  const off = toolOk(await redfishtool(['-I', id, 'Systems', 'setBootOverride', 'Disabled']), 'setBootOverride Disabled');
  assert.equal(off.json?.Boot?.BootSourceOverrideEnabled, 'Disabled');
  assert.equal(lab.server(id).boot.enabled, 'Disabled');

  // A target outside the service's AllowableValues is refused by redfishtool itself; the lab must not change.
  const sys = toolOk(await redfishtool(['-I', id, 'Systems']), 'Systems get').json;
  const allowed: string[] = sys.Boot['BootSourceOverrideTarget@Redfish.AllowableValues'];
  assert.ok(Array.isArray(allowed) && allowed.includes('Pxe') && allowed.includes('Hdd') && allowed.includes('Cd'));
  const unsupported = ['Floppy', 'Usb', 'Diags', 'Utilities', 'UefiTarget'].find((t) => !allowed.includes(t));
  if (unsupported) {
    const refused = await redfishtool(['-I', id, 'Systems', 'setBootOverride', 'Once', unsupported]);
    assert.notEqual(refused.code, 0);
    assert.equal(lab.server(id).boot.enabled, 'Disabled');
  }
});

test('redfishtool: Processors, EthernetInterfaces, SimpleStorage and Memory of a system', async () => {
  const info = lab.servers[1];
  const procs = toolOk(await redfishtool(['-I', info.id, 'Systems', 'Processors']), 'Processors').json;
  assert.ok(procs.Members.length >= 1);
  const procsAll = toolOk(await redfishtool(['-I', info.id, 'Systems', 'Processors', '-a']), 'Processors -a').json;
  assert.equal(procsAll.Members.length, procs.Members.length);
  for (const p of procsAll.Members) {
    assert.equal(typeof p.Id, 'string');
    assert.ok(p.TotalThreads > 0 || p.TotalCores > 0, `Processor ${p.Id} has no cores/threads`);
  }
  const procList = toolOk(await redfishtool(['-I', info.id, 'Systems', 'Processors', 'list']), 'Processors list').json;
  assert.equal(procList.Members.length, procs.Members.length);
  const firstProc = procsAll.Members[0].Id as string;
  const one = toolOk(await redfishtool(['-I', info.id, 'Systems', 'Processors', '-i', firstProc]), 'Processors -i').json;
  assert.equal(one.Id, firstProc);

  const nics = toolOk(await redfishtool(['-I', info.id, 'Systems', 'EthernetInterfaces', '-a']), 'EthernetInterfaces -a').json;
  assert.deepEqual(lower(nics.Members.map((n: { MACAddress: string }) => n.MACAddress)), lower(info.macs));

  const storage = toolOk(await redfishtool(['-I', info.id, 'Systems', 'SimpleStorage', '-a']), 'SimpleStorage -a').json;
  const devices = storage.Members.flatMap((m: { Devices?: { CapacityBytes?: number }[] }) => m.Devices ?? []);
  assert.ok(devices.length >= 1 && devices.every((d: { CapacityBytes?: number }) => (d.CapacityBytes ?? 0) > 0));

  // redfishtool 1.1.5 has no Memory operation: follow the system's Memory link with `raw GET`.
  const sys = toolOk(await redfishtool(['-I', info.id, 'Systems']), 'Systems get').json;
  const memLink = sys.Memory?.['@odata.id'] as string | undefined;
  assert.ok(memLink, 'ComputerSystem.Memory link');
  const mem = toolOk(await redfishtool(['raw', 'GET', pathOf(memLink)]), 'raw GET Memory').json;
  assert.ok(mem.Members.length >= 1);
  const dimm = toolOk(await redfishtool(['raw', 'GET', pathOf(mem.Members[0]['@odata.id'])]), 'raw GET DIMM').json;
  assert.ok(dimm.CapacityMiB > 0, 'Memory.CapacityMiB');
});

test('redfishtool: Managers, and virtual media through raw (1.1.5 has no VirtualMedia command)', async () => {
  const info = lab.servers[2];
  const id = info.id;
  const managers = toolOk(await redfishtool(['Managers']), 'Managers').json;
  assert.ok(managers.Members.length >= 1);
  const mlist = toolOk(await redfishtool(['Managers', 'list']), 'Managers list').json;
  assert.equal(mlist.Members.length, managers.Members.length);

  const sys = toolOk(await redfishtool(['-I', id, 'Systems']), 'Systems get').json;
  const mgrPath = pathOf(sys.Links.ManagedBy[0]['@odata.id']);
  const mgrId = mgrPath.split('/').at(-1)!;
  const mgr = toolOk(await redfishtool(['-I', mgrId, 'Managers', 'get']), `Managers -I ${mgrId}`).json;
  assert.equal(pathOf(mgr['@odata.id']), mgrPath);
  const vmColl = toolOk(await redfishtool(['raw', 'GET', pathOf(mgr.VirtualMedia['@odata.id'])]), 'raw GET VirtualMedia').json;
  const cdPath = vmColl.Members.map((m: Record<string, string>) => pathOf(m['@odata.id'])).find((p: string) => p.endsWith('/Cd'));
  assert.ok(cdPath, `VirtualMedia/Cd in ${JSON.stringify(vmColl.Members)}`);
  const cd = toolOk(await redfishtool(['raw', 'GET', cdPath]), 'raw GET Cd').json;
  const insert = pathOf(cd.Actions['#VirtualMedia.InsertMedia'].target);
  const eject = pathOf(cd.Actions['#VirtualMedia.EjectMedia'].target);

  const image = 'http://127.0.0.1:9/redfishtool.iso';
  toolOk(await redfishtool(['-d', JSON.stringify({ Image: image, Inserted: true, WriteProtected: true }), 'raw', 'POST', insert]), 'raw POST InsertMedia');
  assert.deepEqual(lab.server(id).virtualMedia.Cd, { image, inserted: true, writeProtected: true });
  const cd1 = toolOk(await redfishtool(['raw', 'GET', cdPath]), 'raw GET Cd').json;
  assert.equal(cd1.Image, image);
  assert.equal(cd1.Inserted, true);

  toolOk(await redfishtool(['-d', '{}', 'raw', 'POST', eject]), 'raw POST EjectMedia');
  assert.equal(lab.server(id).virtualMedia.Cd.inserted, false);
  const cd2 = toolOk(await redfishtool(['raw', 'GET', cdPath]), 'raw GET Cd').json;
  assert.equal(cd2.Inserted, false);
});

test('redfishtool: SessionService and Sessions with -A Session and -A Basic, login/logout with a token', async () => {
  const ids = async (): Promise<string[]> =>
    toolOk(await redfishtool(['SessionService', 'Sessions', 'list']), 'Sessions list (Basic)')
      .json.Members.map((m: { Id: string }) => m.Id)
      .sort();
  const before = await ids();

  const svc = toolOk(await redfishtool(['SessionService'], { auth: 'Session' }), 'SessionService (-A Session)').json;
  assert.equal(typeof svc.Sessions?.['@odata.id'], 'string');
  assert.deepEqual(await ids(), before, 'redfishtool deletes its own session at exit');

  // With -A Session the collection is read over the session redfishtool just created, so it lists that session.
  const during = toolOk(await redfishtool(['SessionService', 'Sessions', '-a'], { auth: 'Session' }), 'Sessions -a (-A Session)').json;
  assert.equal(during.Members.length, before.length + 1);
  assert.ok(during.Members.some((m: { UserName?: string }) => m.UserName === USER));
  assert.deepEqual(await ids(), before, 'the session of the previous command is gone');

  const login = toolOk(await redfishtool(['SessionService', 'login'], { auth: 'Session' }), 'SessionService login').json;
  const token = login['X-Auth-Token'] as string;
  assert.ok(token && login.SessionId && login.SessionLocation, JSON.stringify(login));
  assert.deepEqual(await ids(), [...before, String(login.SessionId)].sort(), 'login leaves its session open');

  const viaToken = toolOk(await redfishtool(['Systems'], { auth: 'Session', token }), 'Systems with -t token').json;
  assert.equal(viaToken.Members.length, 3);

  toolOk(await redfishtool(['SessionService', 'logout', '-i', String(login.SessionId)], { auth: 'Session', token }), 'logout');
  assert.deepEqual(await ids(), before, 'logout deletes the session');
  const stale = await redfishtool(['Systems'], { auth: 'Session', token });
  assert.notEqual(stale.code, 0, 'a deleted session token must no longer work');
  assert.match(stale.stderr, /status_code: 401/);

  const wrong = await redfishtool(['Systems'], { password: 'wrong' });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /status_code: 401/);
  const wrongSession = await redfishtool(['Systems'], { auth: 'Session', password: 'wrong' });
  assert.notEqual(wrongSession.code, 0);
  assert.match(wrongSession.stderr, /Session Login Failed|status_code: 401/);
  assert.deepEqual(await ids(), before);
});

test('redfishtool: an invalid ResetType posted raw is answered 400 with @Message.ExtendedInfo', async () => {
  const info = lab.servers[2];
  await settle(info.id);
  const before = lab.server(info.id);
  const sys = toolOk(await redfishtool(['-I', info.id, 'Systems']), 'Systems get').json;
  const target = pathOf(sys.Actions['#ComputerSystem.Reset'].target);
  // -sssss makes redfishtool print the response body it received.
  const r = await redfishtool(['-sssss', '-d', '{"ResetType":"Bogus"}', 'raw', 'POST', target]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /status_code: 400/);
  assert.match(r.stdout, /@Message\.ExtendedInfo/);
  // redfishtool's own `reset` validates against ResetType@Redfish.AllowableValues before sending anything.
  const refused = await redfishtool(['-I', info.id, 'Systems', 'reset', 'Bogus']);
  assert.notEqual(refused.code, 0);
  const afterState = lab.server(info.id);
  assert.equal(afterState.power, before.power);
  assert.equal(afterState.resets.length, before.resets.length);
});

test('redfishtool: versions, the OData service document and $metadata are served without credentials (DSP0266)', async () => {
  const versions = toolOk(await redfishtool(['versions'], { auth: 'None' }), 'versions').json;
  assert.equal(pathOf(versions.v1), '/redfish/v1');
  // DSP0266: /redfish/v1/odata and /redfish/v1/$metadata shall be provided and shall not require authentication;
  // redfishtool's `odata` and `metadata` commands send no credentials for them.
  const odata = await redfishtool(['odata'], { auth: 'None' });
  assert.equal(odata.code, 0, `odata: ${odata.stderr}`);
  assert.ok(Array.isArray(odata.json?.value), `OData service document: ${odata.stdout}`);
  assert.ok(
    odata.json.value.some((v: { url?: string }) => v.url !== undefined && pathOf(v.url) === '/redfish/v1/Systems'),
    'the service document lists Systems',
  );
  const metadata = await redfishtool(['metadata'], { auth: 'None' });
  assert.equal(metadata.code, 0, `metadata: ${metadata.stderr}`);
  assert.match(metadata.stdout, /<edmx:Edmx/);
});
