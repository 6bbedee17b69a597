import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab, type Lab } from '../../src/lab/index.js';
import { checkWaitTimeouts } from '../../src/conductor/periodic/timeouts.js';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, waitFor, type TestService } from '../helpers/service.js';
import { nodeActions } from '../helpers/node-actions.js';

/*
 * Issue 5's acceptance, end to end through the API against the lab: Ferrite network-boots (or virtual-media boots)
 * lab servers into its real agent, which inspects, cleans and writes images onto the servers' disk files; every
 * effect is checked on the disk file and in the lab's boot record, not only in Ferrite's view.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MIB = 1024 * 1024;
const CALLBACK_TIMEOUT_S = 8;

/** A whole-disk image the lab's firmware recognises as bootable (an MBR signature), 3 MiB of random bytes. */
function makeImage(dir: string) {
  const raw = randomBytes(3 * MIB);
  raw[510] = 0x55;
  raw[511] = 0xaa;
  const rawPath = join(dir, 'image.raw');
  writeFileSync(rawPath, raw);
  const qcowPath = join(dir, 'image.qcow2');
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', rawPath, qcowPath]);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const qcow = readFileSync(qcowPath);
  return { raw, qcow, rawSha: sha(raw), qcowSha: sha(qcow), firstMibSha: sha(raw.subarray(0, MIB)) };
}

function readDisk(path: string, length: number, position = 0): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, position);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** Writes partition-table signatures (MBR and a GPT header) where cleaning must erase them. */
function plantMetadata(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.from([0x55, 0xaa]), 0, 2, 510);
    writeSync(fd, Buffer.from('EFI PART', 'latin1'), 0, 8, 512);
  } finally {
    closeSync(fd);
  }
}

const isZero = (b: Buffer) => b.every((x) => x === 0);

for (const dialect of testDialects()) {
  describe(`agent deploy against the lab on ${dialect}`, { timeout: 600_000 }, () => {
    let lab: Lab;
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    let dir: string;
    let images: Server;
    let imageUrl: string;
    let image: ReturnType<typeof makeImage>;
    const { provision } = nodeActions(() => api, 90_000);

    const disk = (i: number) => join(dir, 'lab', lab.servers[i].uuid, 'disk.img');
    const labState = (i: number) => lab.server(lab.servers[i].id);

    async function enroll(i: number, fields: Record<string, unknown> = {}, mac = lab.servers[i].macs[0]) {
      const res = await api.post('/v1/nodes', {
        driver: 'redfish', name: `agent-${i}-${Date.now() % 100000}`, inspect_interface: 'agent',
        driver_info: { redfish_address: lab.url, redfish_system_id: lab.servers[i].systemPath, redfish_username: 'admin', redfish_password: 'password' },
        ...fields,
      });
      assert.equal(res.status, 201, res.text);
      const port = await api.post('/v1/ports', { node_uuid: res.body.uuid, address: mac });
      assert.equal(port.status, 201, port.text);
      return res.body.uuid as string;
    }

    async function setImage(uuid: string, info: Record<string, string>) {
      const res = await api.patch(`/v1/nodes/${uuid}`, Object.entries(info).map(([k, v]) => ({ op: 'add', path: `/instance_info/${k}`, value: v })));
      assert.equal(res.status, 200, res.text);
    }

    /** Until the node rests in one of `states` (a failed deploy keeps `active` as its target, as in Ironic). */
    async function until(uuid: string, states: string[]) {
      return waitFor(async () => {
        const n = (await api.get(`/v1/nodes/${uuid}`)).body;
        return states.includes(n.provision_state) && n.reservation === null ? n : undefined;
      }, 90_000, `node ${uuid} to reach ${states.join(' or ')}`);
    }

    async function deploy(uuid: string, info: Record<string, string>) {
      await setImage(uuid, info);
      const put = await api.put(`/v1/nodes/${uuid}/states/provision`, { target: 'active' });
      assert.equal(put.status, 202, put.text);
      return until(uuid, ['active', 'deploy failed']);
    }

    function assertDeployed(i: number, node: { provision_state: string; last_error: string | null; deploy_step: unknown; driver_internal_info: Record<string, unknown> }, bytes: Buffer) {
      assert.equal(node.provision_state, 'active', node.last_error ?? undefined);
      assert.equal(node.last_error, null);
      assert.deepEqual(node.deploy_step, {});
      assert.equal((node as { power_state?: string }).power_state, 'power on', 'the node shows the power state the deploy left it in');
      assert.equal(node.driver_internal_info.agent_secret_token, undefined, 'the agent token is gone after the deploy');
      assert.ok(readDisk(disk(i), bytes.length).equals(bytes), 'the disk starts with the image, byte for byte');
    }

    async function bootedFromDisk(i: number) {
      return waitFor(async () => {
        const entry = labState(i).bootRecord.at(-1);
        return entry?.target === 'Hdd' && entry.result === 'os' ? entry : undefined;
      }, 20_000, `lab server ${i} to boot from its disk`);
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ferrite-agent-e2e-'));
      if (!existsSync(join(ROOT, 'dist', 'ferrite.js'))) execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
      image = makeImage(dir);
      images = createServer((req, res) => {
        const body = req.url === '/image.raw' ? image.raw : req.url === '/image.qcow2' ? image.qcow : undefined;
        if (!body) {
          res.writeHead(404).end('no such image');
          return;
        }
        res.writeHead(200, { 'Content-Length': body.length }).end(body);
      });
      images.listen(0, '127.0.0.1');
      await once(images, 'listening');
      imageUrl = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
      svc = await startTestService(dialect, {
        // The promise: with only the redfish type enabled and nothing about booting configured, lab servers
        // deploy — boot server, agent artefacts and the ipxe/direct defaults come with the service.
        DEFAULT: { enabled_hardware_types: 'redfish' },
        conductor: { deploy_callback_timeout: String(CALLBACK_TIMEOUT_S), power_state_change_timeout: '10' },
        api: { ramdisk_heartbeat_timeout: '10' },
        agent: { command_poll_interval: '0.2' },
      });
      api = apiClient(svc.url);
      lab = await startLab({
        dir: join(dir, 'lab'), servers: 6, http: true, port: 0, powerDelayMs: 50, bootDelayMs: 50,
        diskSizeBytes: 5 * 1024 ** 3, bootUrl: `${svc.url}/boot/boot.ipxe`,
      });
    });
    after(async () => {
      await lab?.close();
      await svc?.close();
      images?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('takes 3 servers from enroll through agent inspection, cleaning and a raw deploy to active, and back', async () => {
      const servers = [0, 1, 2];
      const uuids = await Promise.all(servers.map((i) => enroll(i)));

      await Promise.all(uuids.map(async (uuid, k) => {
        const i = servers[k];
        const managed = await provision(uuid, 'manage');
        assert.equal(managed.provision_state, 'manageable', managed.last_error);

        const inspected = await provision(uuid, 'inspect');
        assert.equal(inspected.provision_state, 'manageable', inspected.last_error);
        assert.equal(inspected.properties.local_gb, 4, 'a 5 GiB disk, less 1 GiB');
        assert.ok(Number.isInteger(inspected.properties.cpus) && inspected.properties.cpus > 0);
        assert.ok(Number.isInteger(inspected.properties.memory_mb) && inspected.properties.memory_mb > 0);
        assert.ok(['x86_64', 'aarch64'].includes(inspected.properties.cpu_arch));
        const recorded = await api.get(`/v1/nodes/${uuid}/inventory`);
        assert.equal(recorded.status, 200, recorded.text);
        assert.deepEqual(recorded.body.inventory.interfaces.map((n: { mac_address: string }) => n.mac_address), lab.servers[i].macs);
        assert.equal(recorded.body.inventory.disks[0].size, 5 * 1024 ** 3);
        assert.equal(recorded.body.plugin_data.boot_interface, `01-${lab.servers[i].macs[0].replace(/:/g, '-')}`);
        const ports = (await api.get(`/v1/ports?node=${uuid}`)).body.ports;
        assert.deepEqual(ports.map((p: { address: string }) => p.address), [lab.servers[i].macs[0]], 'add_ports = pxe: the boot NIC, enrolled already');
        assert.equal(labState(i).power, 'off', 'inspection powers the server off at the end');
        assert.equal(labState(i).agent, undefined, 'and its agent with it');

        plantMetadata(disk(i));
        const available = await provision(uuid, 'provide');
        assert.equal(available.provision_state, 'available', available.last_error);
        assert.ok(isZero(readDisk(disk(i), MIB)), 'automated cleaning erased the partition table');
        assert.deepEqual(available.clean_step, {});

        const active = await deploy(uuid, { image_source: `${imageUrl}/image.raw`, image_os_hash_algo: 'sha256', image_os_hash_value: image.rawSha });
        assertDeployed(i, active, image.raw);
        const boot = await bootedFromDisk(i);
        assert.equal(boot.diskSha256, image.firstMibSha, 'the server boots the image that was written');
        const history = (await api.get(`/v1/nodes/${uuid}/history`)).body.history.map((h: { event: string }) => h.event);
        assert.ok(history.some((e: string) => e.includes('deployed')), JSON.stringify(history));

        const cleaned = await provision(uuid, 'deleted');
        assert.equal(cleaned.provision_state, 'available', cleaned.last_error);
        assert.deepEqual(cleaned.instance_info, {});
        assert.ok(isZero(readDisk(disk(i), MIB)), 'cleaning after undeploy erased the image\'s partition table');
      }));
    });

    it('deploys a qcow2 image (converted on the server by qemu-img)', async () => {
      const uuid = await enroll(3, { automated_clean: false });
      await provision(uuid, 'manage');
      await provision(uuid, 'provide');
      const active = await deploy(uuid, { image_source: `${imageUrl}/image.qcow2`, image_checksum: image.qcowSha });
      assertDeployed(3, active, image.raw);
      assert.equal((await bootedFromDisk(3)).diskSha256, image.firstMibSha);
    });

    it('deploys through redfish-virtual-media boot, the agent started from a virtual CD', async () => {
      const uuid = await enroll(4, { boot_interface: 'redfish-virtual-media' });
      await provision(uuid, 'manage');
      const available = await provision(uuid, 'provide');
      assert.equal(available.provision_state, 'available', available.last_error);
      const active = await deploy(uuid, { image_source: `${imageUrl}/image.raw`, image_os_hash_algo: 'sha256', image_os_hash_value: image.rawSha });
      assertDeployed(4, active, image.raw);
      const record = labState(4).bootRecord;
      assert.ok(record.some((e) => e.target === 'Cd' && e.result === 'ramdisk' && e.media?.endsWith(`/boot/vmedia/${uuid}.iso`)), JSON.stringify(record));
      assert.equal(labState(4).virtualMedia.Cd.inserted, false, 'the virtual CD is ejected once the instance is deployed');
      assert.equal((await bootedFromDisk(4)).diskSha256, image.firstMibSha);
    });

    it('fails a deploy with a wrong checksum or a missing image, leaving the disk unbootable, and deploys again', async () => {
      const uuid = await enroll(5, { automated_clean: false });
      await provision(uuid, 'manage');
      await provision(uuid, 'provide');

      let node = await deploy(uuid, { image_source: `${imageUrl}/image.raw`, image_os_hash_algo: 'sha256', image_os_hash_value: 'f'.repeat(64) });
      assert.equal(node.provision_state, 'deploy failed');
      assert.match(node.last_error, /checksum|hash/i);
      assert.ok(isZero(readDisk(disk(5), MIB)), 'a failed verification leaves the disk unbootable');
      assert.equal(node.driver_internal_info.agent_secret_token, undefined);
      await waitFor(async () => (labState(5).power === 'off' ? true : undefined), 10_000, 'the failed node to be powered off');

      node = await deploy(uuid, { image_source: `${imageUrl}/no-such-image.raw`, image_os_hash_algo: 'sha256', image_os_hash_value: image.rawSha });
      assert.equal(node.provision_state, 'deploy failed');
      assert.match(node.last_error, /404/);

      node = await deploy(uuid, { image_source: `${imageUrl}/image.raw`, image_os_hash_algo: 'sha256', image_os_hash_value: image.rawSha });
      assertDeployed(5, node, image.raw);
    });

    it('fails a deploy whose agent never calls back once deploy_callback_timeout has passed', async () => {
      // The port names a NIC the server does not have: no boot configuration matches it, no agent ever starts.
      const uuid = await enroll(0, { automated_clean: false }, '52:54:00:ff:ff:01');
      await provision(uuid, 'manage');
      await provision(uuid, 'provide');
      await setImage(uuid, { image_source: `${imageUrl}/image.raw`, image_os_hash_algo: 'sha256', image_os_hash_value: image.rawSha });
      const put = await api.put(`/v1/nodes/${uuid}/states/provision`, { target: 'active' });
      assert.equal(put.status, 202, put.text);
      await waitFor(async () => ((await api.get(`/v1/nodes/${uuid}`)).body.provision_state === 'wait call-back' ? true : undefined), 20_000, 'wait call-back');
      await new Promise((r) => setTimeout(r, (CALLBACK_TIMEOUT_S + 1) * 1000));
      assert.equal(await checkWaitTimeouts(svc.service.conductor.core), 1);
      const node = await until(uuid, ['deploy failed']);
      assert.equal(node.provision_state, 'deploy failed');
      assert.match(node.last_error, /Timeout reached while waiting for callback/);
    });
  });
}
