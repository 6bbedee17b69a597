import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../../src/domain/node.js';
import type { NodeTask } from '../../src/conductor/node-task.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, type TestService } from '../helpers/service.js';

/*
 * The ipxe, pxe and redfish-virtual-media boot interfaces, called through conductor tasks of a whole service:
 * what they record on the node, the boot device they leave, and for virtual media what the lab's BMC holds.
 */

let macSeq = 0;
function mac(): string {
  macSeq += 1;
  return `52:54:00:b1:${(process.pid & 0xff).toString(16).padStart(2, '0')}:${macSeq.toString(16).padStart(2, '0')}`;
}

for (const dialect of testDialects()) {
  describe(`boot interfaces on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    let lab: Lab;
    let labDir: string;
    let apiUrl: string;

    before(async () => {
      labDir = mkdtempSync(join(tmpdir(), 'ferrite-boot-lab-'));
      lab = await startLab({ dir: labDir, servers: 1, port: 0, http: true, powerDelayMs: 20, bootDelayMs: 20 });
      svc = await startTestService(dialect, { redfish: { connection_attempts: '2', connection_retry_interval: '0.05' } });
      api = apiClient(svc.url);
      apiUrl = svc.url.replace('localhost', '127.0.0.1');
    });
    after(async () => {
      await svc?.close();
      await lab?.close();
      rmSync(labDir, { recursive: true, force: true });
    });

    async function enroll(body: JsonObject, withPort = true): Promise<string> {
      const node = await api.post('/v1/nodes', body);
      assert.equal(node.status, 201, node.text);
      if (withPort) assert.equal((await api.post('/v1/ports', { node_uuid: node.body.uuid, address: mac() })).status, 201);
      return node.body.uuid as string;
    }
    const withTask = <T>(uuid: string, fn: (task: NodeTask) => Promise<T>) =>
      svc.service.conductor.core.withTask(uuid, 'test boot', fn);
    const internal = async (uuid: string) => (await api.get(`/v1/nodes/${uuid}`)).body.driver_internal_info as JsonObject;
    const bootDevice = async (uuid: string) => (await api.get(`/v1/nodes/${uuid}/management/boot_device`)).body;

    it('ipxe: records the ramdisk boot, boots from the network once, then from disk for good', async () => {
      const uuid = await enroll({ driver: 'fake-hardware', boot_interface: 'ipxe' });
      await withTask(uuid, (task) => task.interfaces.boot.prepareRamdisk(task, { 'ipa-inspection-callback-url': `${apiUrl}/v1/continue_inspection` }));
      assert.deepEqual((await internal(uuid)).ferrite_boot, {
        kernel: `${apiUrl}/boot/agent/kernel`,
        ramdisk: `${apiUrl}/boot/agent/ramdisk`,
        cmdline: `ipa-api-url=${apiUrl} ipa-inspection-callback-url=${apiUrl}/v1/continue_inspection nofb nomodeset vga=normal`,
      });
      assert.deepEqual(await bootDevice(uuid), { boot_device: 'pxe', persistent: false });

      await withTask(uuid, (task) => task.interfaces.boot.prepareInstance(task));
      assert.equal((await internal(uuid)).ferrite_boot, undefined);
      assert.deepEqual(await bootDevice(uuid), { boot_device: 'disk', persistent: true });
      // Nothing left to clean up is no error.
      await withTask(uuid, (task) => task.interfaces.boot.cleanUpInstance(task));
    });

    it('pxe: takes the node\'s own kernel, ramdisk and kernel parameters; cleanUpRamdisk forgets them', async () => {
      const uuid = await enroll({
        driver: 'fake-hardware', boot_interface: 'pxe',
        driver_info: { deploy_kernel: 'https://img.example/k', deploy_ramdisk: 'http://img.example/r', kernel_append_params: '' },
      });
      await withTask(uuid, (task) => task.interfaces.boot.prepareRamdisk(task, { 'ipa-debug': 1, 'ipa-flag': null }));
      assert.deepEqual((await internal(uuid)).ferrite_boot, {
        kernel: 'https://img.example/k', ramdisk: 'http://img.example/r', cmdline: `ipa-api-url=${apiUrl} ipa-debug=1 ipa-flag`,
      });
      await withTask(uuid, (task) => task.interfaces.boot.cleanUpRamdisk(task));
      assert.equal((await internal(uuid)).ferrite_boot, undefined);
    });

    it('refuses Glance image ids, words that would split the command line, and network boot without a port', async () => {
      const glance = await enroll({ driver: 'fake-hardware', boot_interface: 'ipxe', driver_info: { deploy_kernel: '9f1c2d3e-aaaa-bbbb-cccc-0123456789ab' } });
      const v = await api.get(`/v1/nodes/${glance}/validate`);
      assert.equal(v.body.boot.result, false);
      assert.match(v.body.boot.reason, /deploy_kernel .*only from http:\/\/ or https:\/\/ URLs \(Glance image ids are not supported\)/);
      await assert.rejects(withTask(glance, (task) => task.interfaces.boot.prepareRamdisk(task, {})), { name: 'InvalidParameterValue' });

      const ok = await enroll({ driver: 'fake-hardware', boot_interface: 'ipxe' });
      assert.equal((await api.get(`/v1/nodes/${ok}/validate`)).body.boot.result, true);
      await assert.rejects(withTask(ok, (task) => task.interfaces.boot.prepareRamdisk(task, { 'ipa-x': 'two words' })), /must be one word/);

      const portless = await enroll({ driver: 'fake-hardware', boot_interface: 'pxe' }, false);
      await assert.rejects(withTask(portless, (task) => task.interfaces.boot.prepareRamdisk(task, {})), { name: 'MissingParameterValue' });
      assert.equal((await internal(portless)).ferrite_boot, undefined);
    });

    it('offers the boot interfaces per hardware type, ipxe by default on BMCs, and describes their driver_info', async () => {
      const expected: Record<string, [string, string[]]> = {
        'fake-hardware': ['fake', ['fake', 'ipxe', 'pxe']],
        ipmi: ['ipxe', ['ipxe', 'pxe', 'fake']],
        redfish: ['ipxe', ['ipxe', 'pxe', 'redfish-virtual-media', 'fake']],
      };
      for (const [driver, [def, enabled]] of Object.entries(expected)) {
        const d = (await api.get(`/v1/drivers/${driver}`)).body;
        assert.equal(d.default_boot_interface, def, driver);
        assert.deepEqual([...d.enabled_boot_interfaces].sort(), [...enabled].sort(), driver);
      }
      const props = (await api.get('/v1/drivers/redfish/properties')).body;
      for (const key of ['deploy_kernel', 'deploy_ramdisk', 'kernel_append_params']) assert.equal(typeof props[key], 'string', key);
    });

    it('redfish-virtual-media: ejects what is in the CD, inserts the node\'s image, boots it once, ejects on clean-up', async () => {
      const server = lab.servers[0];
      const uuid = await enroll({
        driver: 'redfish', boot_interface: 'redfish-virtual-media',
        driver_info: { redfish_address: lab.url, redfish_system_id: server.systemPath, redfish_username: 'admin', redfish_password: 'password' },
      }, false);
      const v = (await api.get(`/v1/nodes/${uuid}/validate`)).body;
      assert.equal(v.boot.result, true, v.boot.reason);

      // An operator's leftover image: the BMC refuses a second insert, so the interface must eject it first.
      const auth = `Basic ${Buffer.from('admin:password').toString('base64')}`;
      const cd = `/redfish/v1/Managers/${server.uuid}/VirtualMedia/Cd`;
      const insert = await fetch(`${lab.url}${cd}/Actions/VirtualMedia.InsertMedia`, {
        method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ Image: 'http://old.example/x.iso' }),
      });
      assert.equal(insert.status, 204);

      await withTask(uuid, (task) => task.interfaces.boot.prepareRamdisk(task, {}));
      const image = `${apiUrl}/boot/vmedia/${uuid}.iso`;
      let state = lab.server(server.id);
      assert.deepEqual(state.virtualMedia.Cd, { image, inserted: true, writeProtected: true });
      assert.equal(state.boot.target, 'Cd');
      assert.equal(state.boot.enabled, 'Once');
      const iso = await fetch(image);
      assert.equal(iso.status, 200);
      assert.equal(iso.headers.get('content-type'), 'application/octet-stream');
      assert.equal(await iso.text(), [
        '#!ipxe',
        `kernel ${apiUrl}/boot/agent/kernel ipa-api-url=${apiUrl} nofb nomodeset vga=normal initrd=agent.ramdisk`,
        `initrd --name agent.ramdisk ${apiUrl}/boot/agent/ramdisk`,
        'boot',
        '',
      ].join('\n'));

      await withTask(uuid, (task) => task.interfaces.boot.prepareInstance(task));
      state = lab.server(server.id);
      assert.equal(state.virtualMedia.Cd.inserted, false);
      assert.equal(state.boot.target, 'Hdd');
      assert.equal(state.boot.enabled, 'Continuous');
      assert.equal((await fetch(image)).status, 404);
      assert.equal((await internal(uuid)).ferrite_boot, undefined);
    });
  });
}
