import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import bcrypt from 'bcryptjs';
import type { JsonObject } from '../../src/domain/node.js';
import { BootFiles, agentBundlePath } from '../../src/conductor/boot-files.js';
import { AGENT_KERNEL_SHIM } from '../../src/drivers/pxe/boot-scripts.js';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, type TestService } from '../helpers/service.js';

/*
 * Ferrite's boot file server over HTTP, against a whole service: scripts appear while a node's boot interface has
 * a ramdisk boot prepared and go away with it; the agent's kernel shim and ramdisk are served as they are.
 */

const BUNDLE = join(import.meta.dirname, '..', '..', 'dist', 'ferrite.js');

let macSeq = 0;
function mac(): string {
  macSeq += 1;
  return `52:54:00:b0:${(process.pid & 0xff).toString(16).padStart(2, '0')}:${macSeq.toString(16).padStart(2, '0')}`;
}
const hexhyp = (m: string) => m.replaceAll(':', '-');

/** A raw GET, so the path reaches the server exactly as written (fetch would resolve `..`). */
function rawGet(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = httpRequest({ hostname, port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(() => {
  if (!existsSync(BUNDLE)) execFileSync(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
});

for (const dialect of testDialects()) {
  describe(`boot file server on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    let http: string;
    let apiUrl: string;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url);
      apiUrl = svc.url.replace('localhost', '127.0.0.1');
      http = `${apiUrl}/boot`;
    });
    after(() => svc.close());

    async function enroll(bootInterface: string, driverInfo: JsonObject = {}): Promise<{ uuid: string; mac: string }> {
      const node = await api.post('/v1/nodes', { driver: 'fake-hardware', boot_interface: bootInterface, driver_info: driverInfo });
      assert.equal(node.status, 201, node.text);
      const address = mac();
      const port = await api.post('/v1/ports', { node_uuid: node.body.uuid, address });
      assert.equal(port.status, 201, port.text);
      return { uuid: node.body.uuid as string, mac: address };
    }
    const boot = (uuid: string, fn: 'prepareRamdisk' | 'prepareInstance' | 'cleanUpRamdisk', params: JsonObject = {}) =>
      svc.service.conductor.core.withTask(uuid, 'test boot', async (task) => {
        if (fn === 'prepareRamdisk') await task.interfaces.boot.prepareRamdisk(task, params);
        else await task.interfaces.boot[fn](task);
      });
    const get = (path: string) => fetch(`${svc.url}/boot/${path}`);

    it('serves the generic iPXE script without credentials or version headers', async () => {
      const res = await get('boot.ipxe');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(res.headers.get('x-openstack-ironic-api-version'), null);
      assert.equal(await res.text(), [
        '#!ipxe',
        `chain ${http}/pxelinux.cfg/\${mac:hexhyp} || goto no_config`,
        ':no_config',
        'echo No boot configuration for ${mac}: booting from disk',
        'exit',
        '',
      ].join('\n'));
    });

    it('serves an ipxe node\'s script only while its ramdisk boot is prepared', async () => {
      const { uuid, mac: m } = await enroll('ipxe');
      const before = await get(`pxelinux.cfg/${hexhyp(m)}`);
      assert.equal(before.status, 404);
      assert.match(before.headers.get('content-type') ?? '', /^text\/plain/);

      await boot(uuid, 'prepareRamdisk', { 'ipa-inspection-callback-url': `${apiUrl}/v1/continue_inspection` });
      const res = await get(`pxelinux.cfg/${hexhyp(m)}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await res.text(), [
        '#!ipxe',
        `kernel ${http}/agent/kernel ipa-api-url=${apiUrl} ipa-inspection-callback-url=${apiUrl}/v1/continue_inspection ` +
          'nofb nomodeset vga=normal BOOTIF=01-${mac:hexhyp} initrd=agent.ramdisk',
        `initrd --name agent.ramdisk ${http}/agent/ramdisk`,
        'boot',
        '',
      ].join('\n'));
      // Firmware may spell the MAC in upper case; the PXELINUX name is for pxe nodes only.
      assert.equal((await get(`pxelinux.cfg/${hexhyp(m).toUpperCase()}`)).status, 200);
      assert.equal((await get(`pxelinux.cfg/01-${hexhyp(m)}`)).status, 404);

      await boot(uuid, 'prepareInstance');
      assert.equal((await get(`pxelinux.cfg/${hexhyp(m)}`)).status, 404);
    });

    it('serves a pxe node\'s PXELINUX configuration with its own images and kernel parameters', async () => {
      const { uuid, mac: m } = await enroll('pxe', {
        deploy_kernel: 'http://images.example/k', deploy_ramdisk: 'https://images.example/r', kernel_append_params: 'console=ttyS0',
      });
      await boot(uuid, 'prepareRamdisk');
      const res = await get(`pxelinux.cfg/01-${hexhyp(m)}`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), [
        'default deploy',
        'label deploy',
        'kernel http://images.example/k',
        `append initrd=https://images.example/r ipa-api-url=${apiUrl} console=ttyS0 BOOTIF=01-${hexhyp(m)}`,
        'ipappend 2',
        '',
      ].join('\n'));
      assert.equal((await get(`pxelinux.cfg/${hexhyp(m)}`)).status, 404, 'the iPXE name is for ipxe nodes only');
      await boot(uuid, 'cleanUpRamdisk');
      assert.equal((await get(`pxelinux.cfg/01-${hexhyp(m)}`)).status, 404);
    });

    it('answers 404 for unknown MACs, nodes and files, and for a port that does not network-boot', async () => {
      const { uuid, mac: m } = await enroll('ipxe');
      await boot(uuid, 'prepareRamdisk');
      const port = (await api.get(`/v1/ports?node=${uuid}`)).body.ports[0];
      assert.equal((await api.patch(`/v1/ports/${port.uuid}`, [{ op: 'replace', path: '/pxe_enabled', value: false }])).status, 200);
      assert.equal((await get(`pxelinux.cfg/${hexhyp(m)}`)).status, 404);
      for (const path of ['pxelinux.cfg/52-54-00-ff-ff-ff', 'pxelinux.cfg/default', `vmedia/${uuid}.iso`, 'vmedia/x.iso', 'agent/initrd', 'nothing']) {
        const res = await get(path);
        assert.equal(res.status, 404, path);
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain/, path);
      }
    });

    it('serves the agent\'s kernel shim and its ramdisk, the bundle, with Content-Length', async () => {
      const kernel = await get('agent/kernel');
      assert.equal(kernel.status, 200);
      assert.equal(kernel.headers.get('content-type'), 'application/octet-stream');
      assert.equal(await kernel.text(), AGENT_KERNEL_SHIM);

      const ramdisk = await get('agent/ramdisk');
      assert.equal(ramdisk.status, 200);
      assert.equal(ramdisk.headers.get('content-type'), 'application/octet-stream');
      const bytes = Buffer.from(await ramdisk.arrayBuffer());
      assert.equal(ramdisk.headers.get('content-length'), String(bytes.length));
      assert.ok(bytes.equals(readFileSync(BUNDLE)), 'the ramdisk is dist/ferrite.js');
    });
  });
}

describe('boot file server with authentication on', () => {
  let svc: TestService;
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-boot-auth-'));

  before(async () => {
    writeFileSync(join(dir, 'htpasswd'), `admin:${bcrypt.hashSync('secret', 5)}\n`);
    svc = await startTestService('sqlite', { DEFAULT: { auth_strategy: 'http_basic', http_basic_auth_user_file: join(dir, 'htpasswd') } });
  });
  after(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves boot files without credentials, and nothing else through them', async () => {
    assert.equal((await rawGet(svc.url, '/boot/boot.ipxe')).status, 200);
    assert.equal((await rawGet(svc.url, '/boot/agent/kernel')).status, 200);
    assert.equal((await rawGet(svc.url, '/v1/nodes')).status, 401);
    for (const path of [
      '/boot/../v1/nodes', '/boot/%2e%2e/v1/nodes', '/boot/pxelinux.cfg/..%2F..%2Fpackage.json', '/boot/vmedia/..%2F..%2Fpackage.json',
      '/boot/agent/..%2F..%2Fpackage.json', '/boot/agent/../../package.json',
    ]) {
      const res = await rawGet(svc.url, path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.body, /"nodes"|"name"/, path);
    }
  });
});

describe('boot files of the agent', () => {
  it('finds the bundle inside itself when running bundled, else in the repository\'s dist/', () => {
    assert.equal(agentBundlePath(pathToFileURL('/opt/ferrite/dist/ferrite.js').href), '/opt/ferrite/dist/ferrite.js');
    assert.equal(agentBundlePath(pathToFileURL('/opt/ferrite/src/conductor/boot-files.ts').href), '/opt/ferrite/dist/ferrite.js');
    assert.equal(agentBundlePath(), BUNDLE);
  });

  it('refuses the ramdisk with a TemporaryFailure saying how to build it when the bundle is missing', async () => {
    const files = new BootFiles(null as never, { apiUrl: 'x', httpUrl: 'x', deployKernel: 'x', deployRamdisk: 'x', kernelAppendParams: '' }, '/nonexistent/dist/ferrite.js');
    await assert.rejects(files.agentRamdisk(), (e: Error) => e.name === 'TemporaryFailure' && /node scripts\/bundle\.mjs/.test(e.message));
  });

  it('runs the ramdisk named by initrd= with node, the kernel command line and the agent options', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferrite-shim-'));
    try {
      const shim = join(dir, 'kernel');
      writeFileSync(shim, AGENT_KERNEL_SHIM);
      // A stand-in for node that shows the arguments node would get, one a line.
      const fakeNode = join(dir, 'fake-node');
      writeFileSync(fakeNode, '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n', { mode: 0o755 });
      const out = execFileSync('sh', [shim, 'ipa-api-url=http://h:1', 'BOOTIF=01-aa-bb', 'initrd=agent.ramdisk', '--', '--disk', 'd.img'], {
        cwd: dir, env: { ...process.env, NODE: fakeNode }, encoding: 'utf8',
      });
      assert.deepEqual(out.split('\n'), [
        'agent.ramdisk', 'agent', '--cmdline', 'ipa-api-url=http://h:1 BOOTIF=01-aa-bb initrd=agent.ramdisk', '--disk', 'd.img', '',
      ]);
      assert.throws(() => execFileSync('sh', [shim, 'ipa-api-url=http://h:1'], { cwd: dir, stdio: 'pipe' }), /no ramdisk/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
