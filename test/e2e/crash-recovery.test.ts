import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/databases.js';
import { apiClient, waitFor } from '../helpers/service.js';

const bin = new URL('../../bin/ferrite.js', import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function start(config: string): ChildProcess {
  return spawn(process.execPath, [bin, 'serve', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
}

for (const dialect of testDialects()) {
  describe(`a conductor killed mid-deploy on ${dialect}`, () => {
    let db: TestDatabase;
    let child: ChildProcess | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'ferrite-crash-'));
    after(async () => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('leaves the node in deploy failed with an error and no reservation after restart', async () => {
      db = await createTestDatabase(dialect);
      const port = await freePort();
      const config = join(dir, 'ferrite.conf');
      writeFileSync(config, `[DEFAULT]\nhost = crash-conductor\nstate_path = ${dir}\nlog_level = warn\n[api]\nport = ${port}\n[database]\nconnection = ${db.connection}\n`);
      const url = `http://127.0.0.1:${port}`;
      const api = apiClient(url, '1.82');
      const up = () => waitFor(async () => (await fetch(`${url}/`).then((r) => r.ok, () => false)) || undefined, 20_000, 'API up');

      child = start(config);
      await up();
      const { body: node } = await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'doomed' });
      for (const [verb, state] of [['manage', 'manageable'], ['provide', 'available']]) {
        await api.put(`/v1/nodes/${node.uuid}/states/provision`, { target: verb });
        await waitFor(async () => ((await api.get(`/v1/nodes/${node.uuid}`)).body.provision_state === state ? true : undefined), 10_000);
      }
      // This node's deploy takes long enough to be caught in the middle.
      assert.equal((await api.patch(`/v1/nodes/${node.uuid}`, [{ op: 'add', path: '/driver_info/fake_deploy_delay', value: 30 }])).status, 200);
      assert.equal((await api.put(`/v1/nodes/${node.uuid}/states/provision`, { target: 'active' })).status, 202);
      const deploying = (await api.get(`/v1/nodes/${node.uuid}`)).body;
      assert.equal(deploying.provision_state, 'deploying');
      assert.equal(deploying.reservation, 'crash-conductor');

      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await exited;

      child = start(config);
      await up();
      const after = (await api.get(`/v1/nodes/${node.uuid}`)).body;
      assert.equal(after.provision_state, 'deploy failed');
      assert.equal(after.target_provision_state, 'active');
      assert.equal(after.reservation, null);
      assert.match(after.last_error, /interrupted/);
      const history = (await api.get(`/v1/nodes/${node.uuid}/history?detail=true`)).body.history;
      assert.equal(history.length, 1);
      assert.equal(history[0].severity, 'ERROR');
      assert.equal(history[0].event_type, 'takeover');
      // The node is usable again: a new deploy may start.
      const retry = await api.put(`/v1/nodes/${node.uuid}/states/provision`, { target: 'active' });
      assert.equal(retry.status, 202);
      child.kill('SIGTERM');
    });
  });
}
