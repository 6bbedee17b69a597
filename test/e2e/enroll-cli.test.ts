import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { testDialects } from '../helpers/databases.js';
import { startTestService, type TestService } from '../helpers/service.js';

// The bundle bin/ferrite.js runs; built once here (bin/ferrite.js would rebuild it for every command run).
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'dist', 'ferrite.js');
if (!existsSync(BIN)) execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
const FIXTURES = fileURLToPath(new URL('../fixtures/enroll/', import.meta.url));

interface Run { code: number; stdout: string; stderr: string }

/** Runs the real `ferrite` command, with only the environment given (no FERRITE_* or OS_* leaking in). */
function ferrite(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

for (const dialect of testDialects()) {
  describe(`ferrite enroll (real CLI) on ${dialect}`, () => {
    let svc: TestService;
    let dir: string;
    before(async () => {
      svc = await startTestService(dialect);
      dir = mkdtempSync(join(tmpdir(), 'ferrite-enroll-cli-'));
    });
    after(async () => {
      await svc.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const counts = async () => ({ nodes: await svc.service.store.nodes.count(), ports: await svc.service.store.ports.count() });

    it('enrolls a file and prints a summary table; re-running it is a no-op', async () => {
      const first = await ferrite(['enroll', join(FIXTURES, 'instackenv-valid.json'), '--url', svc.url]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      const rows = first.stdout.split('\n').filter((l) => /^\d+\s/.test(l));
      assert.equal(rows.length, 5);
      for (const row of rows) assert.match(row, /\screated\s+[0-9a-f-]{36}\s+enroll$/);
      assert.match(first.stdout, /^NODE\s+NAME\s+ACTION\s+UUID\s+STATE \/ ERROR/m);
      assert.match(first.stdout, /warning: node 1: pm_type pxe_ipmitool is a legacy name/);
      assert.match(first.stdout, /created 5, updated 0, unchanged 0, failed 0/);
      const enrolled = await counts();
      assert.deepEqual(enrolled, { nodes: 5, ports: 6 });

      // FERRITE_URL is where the API is found without --url.
      const again = await ferrite(['enroll', join(FIXTURES, 'instackenv-valid.json')], { FERRITE_URL: svc.url });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /created 0, updated 0, unchanged 5, failed 0/);
      assert.deepEqual(await counts(), enrolled);
    });

    it('--dry-run shows what would change and changes nothing', async () => {
      const doc = JSON.parse(readFileSync(join(FIXTURES, 'instackenv-valid.json'), 'utf8'));
      doc.nodes[0].pm_password = 'rotated';
      doc.nodes.push({ name: 'cli-new', pm_type: 'fake-hardware', mac: ['52:54:00:ff:00:01'] });
      const file = join(dir, 'changed.json');
      writeFileSync(file, JSON.stringify(doc));
      const before = await counts();
      const r = await ferrite(['enroll', file, '--dry-run'], { OS_ENDPOINT: svc.url });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^0\s+rack1-ipmi-0\s+would be updated \(driver_info\.ipmi_password\)/m);
      assert.match(r.stdout, /^5\s+cli-new\s+would be created\s+-/m);
      assert.match(r.stdout, /dry run, nothing changed: would create 1, would update 1, unchanged 4/);
      assert.deepEqual(await counts(), before);
      assert.equal((await svc.service.store.nodes.getByName('rack1-ipmi-0'))!.driver_info.ipmi_password, 's3cret-ipmi');
    });

    it('a broken file exits 2 with the per-node problems and creates nothing', async () => {
      const before = await counts();
      const r = await ferrite(['enroll', join(FIXTURES, 'missing-pm-addr.json'), '--url', svc.url]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /the file was refused \(2 problems\); nothing was enrolled/);
      assert.match(r.stderr, /^1\s+pm_addr\s+pm_addr is required$/m);
      assert.match(r.stderr, /^2\s+pm_addr\s+pm_addr is required$/m);
      const bad = await ferrite(['enroll', join(FIXTURES, 'broken-json.json'), '--url', svc.url]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^-\s+document\s+Invalid JSON at line 7/m);
      assert.deepEqual(await counts(), before);
    });

    it('--provide walks fake-hardware nodes to available; a node that cannot be managed exits 1', async () => {
      const file = join(dir, 'walk.yaml');
      writeFileSync(file, [
        'nodes:',
        '  - name: cli-walk-0',
        '    driver: fake-hardware',
        '    ports: [{address: "52:54:00:ff:01:01"}]',
        '  - name: cli-walk-1',
        '    driver: fake-hardware',
      ].join('\n'));
      const ok = await ferrite(['enroll', file, '--provide', '--url', svc.url]);
      assert.equal(ok.code, 0, ok.stderr + ok.stdout);
      assert.match(ok.stdout, /^0\s+cli-walk-0\s+created\s+\S+\s+available$/m);
      assert.equal((await svc.service.store.nodes.getByName('cli-walk-1'))!.provision_state, 'available');

      // Nothing listens on port 9: verifying the BMC fails and the node stays in enroll with the reason.
      const unreachable = join(dir, 'unreachable.json');
      writeFileSync(unreachable, JSON.stringify({ nodes: [
        { name: 'cli-dead-0', pm_type: 'redfish', pm_addr: 'http://127.0.0.1:9', pm_system_id: '/redfish/v1/Systems/1' },
      ] }));
      const failed = await ferrite(['enroll', unreachable, '--manage', '--url', svc.url]);
      assert.equal(failed.code, 1, failed.stderr + failed.stdout);
      assert.match(failed.stdout, /^0\s+cli-dead-0\s+created\s+\S+\s+\S.*/m);
      assert.match(failed.stdout, /failed 1/);
    });
  });
}

describe('ferrite enroll against http_basic', () => {
  let svc: TestService;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-enroll-cli-auth-'));
    writeFileSync(join(dir, 'htpasswd'), `ops:${bcrypt.hashSync('pw', 5)}\n`);
    svc = await startTestService('sqlite', { DEFAULT: { auth_strategy: 'http_basic', http_basic_auth_user_file: join(dir, 'htpasswd') } });
  });
  after(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends --user/--password or FERRITE_USER/FERRITE_PASSWORD, and exits 2 when refused', async () => {
    const file = join(FIXTURES, 'ironic-create.yaml');
    const denied = await ferrite(['enroll', file, '--url', svc.url]);
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /401 Unauthorized: Authentication required/);
    const viaFlags = await ferrite(['enroll', file, '--dry-run', '--url', svc.url, '--user', 'ops', '--password', 'pw']);
    assert.equal(viaFlags.code, 0, viaFlags.stderr);
    const viaEnv = await ferrite(['enroll', file], { FERRITE_URL: svc.url, FERRITE_USER: 'ops', FERRITE_PASSWORD: 'pw' });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.match(viaEnv.stdout, /created 2, updated 0, unchanged 0, failed 0/);
  });
});
