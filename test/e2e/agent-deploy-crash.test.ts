import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/databases.js';
import { apiClient, waitFor } from '../helpers/service.js';
import { FerriteProcess, freePort } from '../helpers/ferrite-process.js';

/*
 * A real `ferrite serve` is killed with SIGKILL while a lab server's agent is writing the image (the image server
 * dribbles it out), then started again on the same database. The node must end in a defined failure state with
 * no reservation, the server must be powered off (its agent gone), and a second deploy must succeed.
 */

const MIB = 1024 * 1024;

for (const dialect of testDialects()) {
  describe(`ferrite killed mid agent deploy on ${dialect}`, { timeout: 300_000 }, () => {
    let db: TestDatabase;
    let dir: string;
    let config: string;
    let url: string;
    let lab: Lab;
    let images: Server;
    let imageUrl: string;
    let ferrite: FerriteProcess | undefined;
    const image = randomBytes(4 * MIB);
    image[510] = 0x55;
    image[511] = 0xaa;
    const sha = createHash('sha256').update(image).digest('hex');

    before(async () => {
      db = await createTestDatabase(dialect);
      dir = mkdtempSync(join(tmpdir(), 'ferrite-agent-crash-'));
      images = createServer((req, res) => {
        res.writeHead(200, { 'Content-Length': image.length });
        if (req.url === '/slow.raw') {
          // 64 KiB every 100 ms: about 6 s for the image, long enough to kill the conductor mid-write.
          let at = 0;
          const timer = setInterval(() => {
            if (res.destroyed || at >= image.length) {
              clearInterval(timer);
              res.end();
              return;
            }
            res.write(image.subarray(at, at + 64 * 1024));
            at += 64 * 1024;
          }, 100);
          res.on('close', () => clearInterval(timer));
        } else res.end(image);
      });
      images.listen(0, '127.0.0.1');
      await once(images, 'listening');
      imageUrl = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      config = join(dir, 'ferrite.conf');
      writeFileSync(config, [
        '[DEFAULT]', 'host = agent-crash-conductor', `state_path = ${dir}`, 'log_level = warn',
        '[api]', 'host_ip = 127.0.0.1', `port = ${port}`, 'ramdisk_heartbeat_timeout = 10',
        '[database]', `connection = ${db.connection}`,
        '[conductor]', 'automated_clean = false', 'sync_power_state_interval = 0', 'check_provision_state_interval = 0',
        '[agent]', 'command_poll_interval = 0.2',
        '',
      ].join('\n'));
      lab = await startLab({ dir: join(dir, 'lab'), servers: 1, http: true, port: 0, powerDelayMs: 50, bootDelayMs: 50, diskSizeBytes: 64 * MIB, bootUrl: `${url}/boot/boot.ipxe` });
    });
    after(async () => {
      if (ferrite?.running) await ferrite.kill('SIGKILL');
      await lab?.close();
      images?.close();
      await db?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('leaves the node deploy failed, unlocked and powered off, and deploys it again', async (t) => {
      try {
        await scenario();
      } catch (e) {
        t.diagnostic(`ferrite's output:\n${ferrite?.log ?? ''}`);
        throw e;
      }
    });

    async function scenario(): Promise<void> {
      const api = apiClient(url, '1.82');
      const node = async (uuid: string) => (await api.get(`/v1/nodes/${uuid}`)).body;
      ferrite = new FerriteProcess(['serve', '--config', config]);
      await ferrite.ready(url);
      const server = lab.servers[0];
      const created = await api.post('/v1/nodes', {
        driver: 'redfish', name: 'crash-0',
        driver_info: { redfish_address: lab.url, redfish_system_id: server.systemPath, redfish_username: 'admin', redfish_password: 'password' },
      });
      assert.equal(created.status, 201, created.text);
      const uuid = created.body.uuid as string;
      assert.equal((await api.post('/v1/ports', { node_uuid: uuid, address: server.macs[0] })).status, 201);
      for (const [target, state] of [['manage', 'manageable'], ['provide', 'available']]) {
        assert.equal((await api.put(`/v1/nodes/${uuid}/states/provision`, { target })).status, 202);
        await waitFor(async () => ((await node(uuid)).provision_state === state ? true : undefined), 30_000, state);
      }
      const deploy = async (file: string) => {
        const patch = await api.patch(`/v1/nodes/${uuid}`, [
          { op: 'add', path: '/instance_info/image_source', value: `${imageUrl}/${file}` },
          { op: 'add', path: '/instance_info/image_os_hash_algo', value: 'sha256' },
          { op: 'add', path: '/instance_info/image_os_hash_value', value: sha },
        ]);
        assert.equal(patch.status, 200, patch.text);
        assert.equal((await api.put(`/v1/nodes/${uuid}/states/provision`, { target: 'active' })).status, 202);
      };

      await deploy('slow.raw');
      await waitFor(async () => {
        const n = await node(uuid);
        return n.provision_state === 'deploying' && n.deploy_step?.step === 'write_image' ? true : undefined;
      }, 60_000, 'the agent to be writing the image');
      await ferrite.kill('SIGKILL');

      ferrite = new FerriteProcess(['serve', '--config', config]);
      await ferrite.ready(url);
      const failed = await node(uuid);
      assert.equal(failed.provision_state, 'deploy failed');
      assert.equal(failed.reservation, null);
      assert.match(failed.last_error, /took over node .* found in state "deploying"/);
      assert.equal(failed.driver_internal_info.agent_secret_token, undefined);
      assert.equal(lab.server(server.id).power, 'off', 'the interrupted server is powered off');
      assert.equal(lab.server(server.id).agent, undefined, 'and its agent is gone');

      await deploy('fast.raw');
      const active = await waitFor(async () => {
        const n = await node(uuid);
        return ['active', 'deploy failed'].includes(n.provision_state) && n.reservation === null ? n : undefined;
      }, 60_000, 'the second deploy');
      assert.equal(active.provision_state, 'active', active.last_error);
      const disk = Buffer.alloc(image.length);
      const fd = openSync(join(dir, 'lab', server.uuid, 'disk.img'), 'r');
      readSync(fd, disk, 0, disk.length, 0);
      closeSync(fd);
      assert.ok(disk.equals(image), 'the second deploy wrote the whole image');
    }
  });
}
