import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, parseConnection } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/databases.js';
import { apiClient, waitFor } from '../helpers/service.js';

/*
 * A real `ferrite serve` process is killed with SIGKILL while a deploy runs (the fake deploy takes 30 s), then
 * started again on the same database. The restarted conductor must find the node it was working on, fail it in a
 * defined way (deploy failed, an error, a history record) and drop the reservation its previous life left behind.
 */

const BIN = fileURLToPath(new URL('../../bin/ferrite.js', import.meta.url));
const HOST = 'crash-conductor';

/** A port that was free a moment ago (the child must be reachable at a known address, so port 0 will not do). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** One `ferrite serve` child process; its output is kept for failure messages. */
class FerriteProcess {
  readonly child: ChildProcess;
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(config: string) {
    this.child = spawn(process.execPath, [BIN, 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get log(): string {
    return this.output;
  }

  /** Waits until the API answers (the conductor has started, and recovered, before the API listens). */
  async ready(url: string): Promise<void> {
    await waitFor(async () => {
      if (!this.running) throw new Error(`ferrite exited before it was ready:\n${this.output}`);
      const ok = await fetch(`${url}/`).then((r) => r.ok, () => false);
      return ok ? true : undefined;
    }, 30_000, `ferrite to listen on ${url}`);
  }

  /** Sends `signal` to this child only (by its PID) and waits for it to end. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) process.kill(this.child.pid!, signal);
    return this.exited;
  }
}

for (const dialect of testDialects()) {
  describe(`ferrite killed with SIGKILL mid-deploy and restarted on ${dialect}`, () => {
    let db: TestDatabase;
    let dir: string;
    let config: string;
    let url: string;
    let ferrite: FerriteProcess | undefined;

    before(async () => {
      db = await createTestDatabase(dialect);
      dir = mkdtempSync(join(tmpdir(), 'ferrite-crash-'));
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      config = join(dir, 'ferrite.conf');
      writeFileSync(config, [
        '[DEFAULT]', `host = ${HOST}`, `state_path = ${dir}`, 'log_level = warn',
        '[api]', 'host_ip = 127.0.0.1', `port = ${port}`,
        '[database]', `connection = ${db.connection}`,
        // provide must not spend the fake deploy delay on cleaning; periodic tasks stay out of the way
        '[conductor]', 'automated_clean = false', 'sync_power_state_interval = 0', 'check_provision_state_interval = 0',
        '[fake]', 'deploy_delay = 30',
        '',
      ].join('\n'));
    });
    after(async () => {
      if (ferrite?.running) await ferrite.kill('SIGKILL');
      await db?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('fails the interrupted deploy cleanly, releases the lock, records it, and can deploy again', async (t) => {
      try {
        await scenario();
      } catch (e) {
        t.diagnostic(`ferrite's output:\n${ferrite?.log ?? ''}`);
        throw e;
      }
    });

    async function scenario(): Promise<void> {
      const api = apiClient(url, '1.82');
      const provision = async (uuid: string, target: string) => {
        const r = await api.put(`/v1/nodes/${uuid}/states/provision`, { target });
        assert.equal(r.status, 202, `${target}: ${r.text}`);
      };
      const node = async (uuid: string) => (await api.get(`/v1/nodes/${uuid}`)).body;
      const reach = (uuid: string, state: string) => waitFor(async () => {
        const n = await node(uuid);
        return n.provision_state === state && n.reservation === null ? n : undefined;
      }, 15_000, `${uuid} to reach ${state}`);

      ferrite = new FerriteProcess(config);
      await ferrite.ready(url);

      // The node to be caught mid-deploy: enroll → manageable → available, then active.
      const doomed = (await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'doomed' })).body.uuid as string;
      await provision(doomed, 'manage');
      await reach(doomed, 'manageable');
      await provision(doomed, 'provide');
      await reach(doomed, 'available');
      // A bystander resting in available: recovery must leave it alone.
      const bystander = (await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'bystander' })).body.uuid as string;
      await provision(bystander, 'manage');
      await reach(bystander, 'manageable');
      await provision(bystander, 'provide');
      await reach(bystander, 'available');

      // A second node caught mid-inspection (its own fake inspect delay): another flow, the same treatment.
      const inspected = (await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'inspected', driver_info: { fake_inspect_delay: 30 } })).body.uuid as string;
      await provision(inspected, 'manage');
      await reach(inspected, 'manageable');
      await provision(inspected, 'inspect');
      assert.equal((await node(inspected)).provision_state, 'inspecting');

      await provision(doomed, 'active');
      const deploying = await node(doomed);
      assert.equal(deploying.provision_state, 'deploying');
      assert.equal(deploying.target_provision_state, 'active');
      assert.equal(deploying.reservation, HOST);

      const death = await ferrite.kill('SIGKILL');
      assert.equal(death.signal, 'SIGKILL');

      // What the crash left in the database: the node still says deploying, locked by a conductor that is gone.
      const store = new Store(openDatabase(parseConnection(db.connection, dir)));
      try {
        const row = await store.nodes.getByUuid(doomed);
        assert.equal(row!.provision_state, 'deploying');
        assert.equal(row!.reservation, HOST);
      } finally {
        await store.close();
      }

      ferrite = new FerriteProcess(config);
      await ferrite.ready(url);

      const recovered = await node(doomed);
      assert.equal(recovered.provision_state, 'deploy failed');
      assert.equal(recovered.target_provision_state, 'active');
      assert.equal(recovered.reservation, null);
      assert.equal(typeof recovered.last_error, 'string');
      assert.ok(recovered.last_error.length > 0, 'last_error explains the failure');

      const history = await api.get(`/v1/nodes/${doomed}/history?detail=true`, { version: '1.78' });
      assert.equal(history.status, 200, history.text);
      assert.ok(history.body.history.length >= 1, 'a history record of the failure');
      const entry = history.body.history.at(-1);
      assert.equal(entry.severity, 'ERROR');
      assert.equal(entry.event, recovered.last_error);
      assert.equal(entry.conductor, HOST);

      const inspectFailed = await node(inspected);
      assert.equal(inspectFailed.provision_state, 'inspect failed');
      assert.equal(inspectFailed.target_provision_state, 'manageable');
      assert.equal(inspectFailed.reservation, null);
      assert.ok(inspectFailed.last_error?.length > 0, 'last_error explains the failure');
      assert.equal((await api.get(`/v1/nodes/${inspected}/history`, { version: '1.78' })).body.history.length, 1);

      const untouched = await node(bystander);
      assert.equal(untouched.provision_state, 'available');
      assert.equal(untouched.reservation, null);
      assert.equal(untouched.last_error, null);
      assert.deepEqual((await api.get(`/v1/nodes/${bystander}/history`, { version: '1.78' })).body.history, []);

      // The node is usable again: this time the deploy is quick and runs to the end.
      const patch = await api.patch(`/v1/nodes/${doomed}`, [{ op: 'add', path: '/driver_info/fake_deploy_delay', value: 0 }]);
      assert.equal(patch.status, 200, patch.text);
      await provision(doomed, 'active');
      const active = await reach(doomed, 'active');
      assert.equal(active.target_provision_state, null);
      assert.equal(active.last_error, null);

      // A polite stop ends the process cleanly.
      assert.deepEqual(await ferrite.kill('SIGTERM'), { code: 0, signal: null });
    }
  });
}
