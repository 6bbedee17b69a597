import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../src/agent/command-api.js';

/*
 * The agent's command API (ironic-python-agent compatible) over real HTTP on loopback, writing real disk files
 * from a real loopback image server: endpoints, statuses, IPA's error bodies, and what each command does to the disk.
 */

const MIB = 1024 * 1024;
const DISK_BYTES = 8 * MIB;
const FILL = 0xab;
const SECRET = 'hunter2-image-password';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('agent command API', () => {
  let dir: string;
  let disk: string;
  let image: Buffer;
  let imageServer: http.Server;
  let imageBase: string;
  const sockets = new Set<Socket>();
  let releaseSlow: (() => void) | undefined;
  let agent: Agent;
  let base: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method, headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(!text.includes(SECRET), `response leaks a secret: ${text}`);
    return { status: res.status, body: JSON.parse(text) };
  };
  const run = (name: string, params: unknown, wait = false) =>
    call('POST', `/v1/commands/?wait=${wait}`, { name, params });

  const pollDone = async (id: string) => {
    for (let i = 0; i < 500; i++) {
      const r = await call('GET', `/v1/commands/${id}`);
      assert.equal(r.status, 200);
      if (r.body.command_status !== 'RUNNING') return r.body;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`command ${id} still RUNNING`);
  };

  const imageInfo = (over: Record<string, unknown> = {}) => ({
    id: 'img-1', urls: [`${imageBase}/disk.raw`], disk_format: 'raw', container_format: 'bare',
    stream_raw_images: true, os_hash_algo: 'sha256', os_hash_value: sha256(image),
    image_server_auth_strategy: 'http_basic', image_server_user: 'u', image_server_password: SECRET, ...over,
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-command-api-'));
    disk = join(dir, 'disk.img');
    image = randomBytes(3 * MIB);
    image[510] = 0x55;
    image[511] = 0xaa;
    imageServer = http.createServer((req, res) => {
      const send = () => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': image.length });
        res.end(image);
      };
      if (req.url === '/disk.raw') return send();
      if (req.url === '/slow/disk.raw') {
        // Held until the test releases it, so a command is deterministically RUNNING meanwhile.
        releaseSlow = send;
        return;
      }
      res.writeHead(404).end();
    });
    imageServer.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    await new Promise<void>((r) => imageServer.listen(0, '127.0.0.1', r));
    imageBase = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}`;
    agent = new Agent({ disk, macs: ['52:54:00:12:34:56'], listen: { host: '127.0.0.1', port: 0 } });
    base = await agent.start();
  });

  after(async () => {
    await agent.stop();
    for (const s of sockets) s.destroy();
    await new Promise((r) => imageServer.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    writeFileSync(disk, Buffer.alloc(DISK_BYTES, FILL));
  });

  it('answers GET /, /v1/ and /v1/status as IPA', async () => {
    const root = await call('GET', '/');
    assert.equal(root.status, 200);
    assert.equal(root.body.name, 'OpenStack Ironic Python Agent API');
    assert.equal(root.body.default_version.id, 'v1');
    assert.equal(root.body.default_version.links[0].href, `${base}/v1/`);
    const v1 = await call('GET', '/v1/');
    assert.equal(v1.status, 200);
    assert.equal(v1.body.id, 'v1');
    assert.equal(v1.body.commands[0].href, `${base}/v1/commands`);
    assert.equal(v1.body.media_types[0].type, 'application/vnd.openstack.ironic-python-agent.v1+json');
    for (const path of ['/v1/status', '/status']) {
      const st = await call('GET', path);
      assert.equal(st.status, 200);
      assert.equal(typeof st.body.started_at, 'number');
      assert.ok(Math.abs(st.body.started_at - Date.now() / 1000) < 60);
      assert.match(st.body.version, /^\d+\.\d+\.\d+/);
    }
    const nf = await call('GET', '/v1/nowhere');
    assert.equal(nf.status, 404);
    assert.equal(nf.body.faultcode, 'Client');
    assert.match(nf.body.faultstring, /^404 Not Found/);
  });

  it('prepare_image runs async: RUNNING, a second command is 409 AgentIsBusy, then SUCCEEDED with the image on disk', async () => {
    const started = await run('standby.prepare_image', { image_info: imageInfo({ urls: [`${imageBase}/slow/disk.raw`] }) });
    assert.equal(started.status, 200);
    assert.equal(started.body.command_name, 'prepare_image');
    assert.equal(started.body.command_status, 'RUNNING');
    assert.equal(started.body.command_error, null);
    assert.equal(started.body.command_result, null);
    assert.ok(!('command_params' in started.body), 'IPA does not serialise command_params');
    for (let i = 0; i < 200 && !releaseSlow; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(releaseSlow, 'the image was requested');

    const busy = await run('standby.sync', {});
    assert.equal(busy.status, 409);
    assert.deepEqual(busy.body, { faultcode: 'Client', faultstring: 'Agent is busy: executing command prepare_image' });

    releaseSlow();
    releaseSlow = undefined;
    const done = await pollDone(started.body.id);
    assert.equal(done.command_status, 'SUCCEEDED', JSON.stringify(done.command_error));
    assert.deepEqual(done.command_result, { result: `prepare_image: image (img-1) written to device ${disk} root_uuid=None` });
    const written = readFileSync(disk);
    assert.ok(written.subarray(0, image.length).equals(image));
    assert.equal(written[image.length], FILL, 'nothing past the image is touched');

    const uuids = await run('standby.get_partition_uuids', {}, true);
    assert.equal(uuids.status, 200);
    assert.equal(uuids.body.command_status, 'SUCCEEDED');
    assert.deepEqual(uuids.body.command_result, {});
    const sync = await run('standby.sync', {});
    assert.equal(sync.body.command_name, 'sync');
    assert.equal(sync.body.command_status, 'SUCCEEDED', 'sync commands are done when the POST returns');
    assert.equal(sync.body.command_result, null);
  });

  it('prepare_image with wait=true answers the finished result', async () => {
    const r = await run('standby.prepare_image', { image_info: imageInfo() }, true);
    assert.equal(r.status, 200);
    assert.equal(r.body.command_status, 'SUCCEEDED');
    assert.ok(readFileSync(disk).subarray(0, image.length).equals(image));
  });

  it('a bad checksum fails the command with ImageChecksumError and leaves the disk unbootable', async () => {
    const bad = 'f'.repeat(64);
    const started = await run('standby.prepare_image', { image_info: imageInfo({ os_hash_value: bad }) });
    const done = await pollDone(started.body.id);
    assert.equal(done.command_status, 'FAILED');
    assert.equal(done.command_result, null);
    assert.equal(done.command_error.type, 'ImageChecksumError');
    assert.equal(done.command_error.code, 500);
    assert.equal(done.command_error.message, 'Error verifying image checksum');
    assert.match(done.command_error.details, /checksum mismatch/);
    assert.match(done.command_error.details, new RegExp(bad));
    assert.match(done.command_error.details, /marked unbootable/);
    const d = readFileSync(disk);
    assert.ok(d.subarray(0, MIB).every((b) => b === 0), 'first MiB zeroed');
    assert.ok(d.subarray(DISK_BYTES - MIB).every((b) => b === 0), 'last MiB zeroed');
  });

  it('refuses malformed requests, unknown extensions and commands with IPA error bodies', async () => {
    const ext = await run('nosuch.thing', {});
    assert.equal(ext.status, 404);
    assert.deepEqual(ext.body, { faultcode: 'Client', faultstring: 'Not found: Extension with id nosuch not found.' });
    const cmd = await run('standby.nosuch', {});
    assert.equal(cmd.status, 400);
    assert.deepEqual(cmd.body, { faultcode: 'Client', faultstring: 'Invalid command: Unknown command: nosuch' });
    const noDot = await run('standby', {});
    assert.equal(noDot.status, 400);
    assert.match(noDot.body.faultstring, /^Invalid command: Command name must be of the form/);
    const noParams = await call('POST', '/v1/commands/', { name: 'standby.sync' });
    assert.equal(noParams.status, 400);
    assert.equal(noParams.body.faultstring, '400 Bad Request: Missing or invalid name or params');
    const plain = await fetch(`${base}/v1/commands/?wait=true`, {
      method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'standby.sync', params: {} }),
    });
    assert.equal(plain.status, 200, 'the body is JSON whatever the content type says');
    assert.equal((await plain.json()).command_status, 'SUCCEEDED');
    const garbage = await fetch(`${base}/v1/commands/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    assert.equal(garbage.status, 400);
    assert.equal((await garbage.json()).faultcode, 'Client');
    const badInfo = await run('standby.prepare_image', { image_info: imageInfo({ urls: [] }) });
    assert.equal(badInfo.status, 400);
    assert.match(badInfo.body.faultstring, /^Invalid command parameters: /);
    const unknownId = await call('GET', '/v1/commands/nope');
    assert.equal(unknownId.status, 404);
    assert.equal(unknownId.body.faultstring, 'Not found: Command Result with id nope not found.');
  });

  it('get_clean_steps reports GenericHardwareManager steps with IPA priorities', async () => {
    const r = await run('clean.get_clean_steps', { node: {}, ports: [] }, true);
    assert.equal(r.body.command_status, 'SUCCEEDED');
    assert.deepEqual(r.body.command_result.hardware_manager_version, { generic_hardware_manager: '1.2' });
    const steps = r.body.command_result.clean_steps.GenericHardwareManager;
    assert.deepEqual(steps.find((s: any) => s.step === 'erase_devices_metadata'),
      { step: 'erase_devices_metadata', priority: 99, interface: 'deploy', reboot_requested: false, abortable: true });
    assert.deepEqual(steps.find((s: any) => s.step === 'erase_devices'),
      { step: 'erase_devices', priority: 10, interface: 'deploy', reboot_requested: false, abortable: true });
  });

  it('erase_devices_metadata zeroes the first and last MiB and leaves the middle', async () => {
    const step = { step: 'erase_devices_metadata', priority: 99, interface: 'deploy', reboot_requested: false, abortable: true };
    const started = await run('clean.execute_clean_step', { step, node: {}, ports: [], clean_version: { generic_hardware_manager: '1.2' } });
    const done = await pollDone(started.body.id);
    assert.equal(done.command_status, 'SUCCEEDED', JSON.stringify(done.command_error));
    assert.deepEqual(done.command_result, { clean_result: null, clean_step: step });
    const d = readFileSync(disk);
    assert.ok(d.subarray(0, MIB).every((b) => b === 0));
    assert.ok(d.subarray(DISK_BYTES - MIB).every((b) => b === 0));
    assert.ok(d.subarray(MIB, DISK_BYTES - MIB).every((b) => b === FILL));
  });

  it('erase_devices zeroes the whole disk', async () => {
    const step = { step: 'erase_devices', priority: 10, interface: 'deploy' };
    const started = await run('clean.execute_clean_step', { step, node: {}, ports: [] });
    const done = await pollDone(started.body.id);
    assert.equal(done.command_status, 'SUCCEEDED', JSON.stringify(done.command_error));
    assert.deepEqual(done.command_result.clean_step, step);
    assert.ok(readFileSync(disk).every((b) => b === 0));
  });

  // Aborting an erase mid-way is tested in erase.test.ts: on a disk file it is over before an abort could land.
  it('erase_devices empties a sparse disk file in place: same size, zeros, no blocks', async () => {
    writeFileSync(disk, '');
    truncateSync(disk, 256 * MIB);
    const fd = openSync(disk, 'r+');
    writeSync(fd, Buffer.alloc(MIB, FILL), 0, MIB, 100 * MIB);
    closeSync(fd);
    const started = await run('clean.execute_clean_step', { step: { step: 'erase_devices' }, node: {}, ports: [] });
    const done = await pollDone(started.body.id);
    assert.equal(done.command_status, 'SUCCEEDED', JSON.stringify(done.command_error));
    const st = statSync(disk);
    assert.equal(st.size, 256 * MIB);
    assert.equal(st.blocks, 0);
    assert.ok(readFileSync(disk).every((b) => b === 0));
  });

  it('an unknown clean step fails the command with CleaningError', async () => {
    const started = await run('clean.execute_clean_step', { step: { step: 'burn_firmware' }, node: {}, ports: [] });
    const done = await pollDone(started.body.id);
    assert.equal(done.command_status, 'FAILED');
    assert.equal(done.command_error.type, 'CleaningError');
  });

  it('deploy steps: get_deploy_steps lists write_image; execute_deploy_step write_image writes the image', async () => {
    const steps = await run('deploy.get_deploy_steps', { node: {}, ports: [] }, true);
    assert.ok(steps.body.command_result.deploy_steps.GenericHardwareManager.some((s: any) => s.step === 'write_image'));
    const step = { step: 'write_image', priority: 80, interface: 'deploy', args: { image_info: imageInfo(), configdrive: null } };
    const started = await run('deploy.execute_deploy_step', { step, node: {}, ports: [], deploy_version: { generic_hardware_manager: '1.2' } });
    assert.equal(started.body.command_name, 'execute_deploy_step');
    const done = await pollDone(started.body.id);
    assert.equal(done.command_status, 'SUCCEEDED', JSON.stringify(done.command_error));
    assert.match(done.command_result.deploy_result.result, /^prepare_image: image \(img-1\) written to device /);
    assert.equal(done.command_result.deploy_step.step, 'write_image');
    assert.equal(done.command_result.deploy_step.args.image_info.image_server_password, '******');
    assert.equal(done.command_result.deploy_step.args.image_info.image_server_user, 'u');
    assert.ok(readFileSync(disk).subarray(0, image.length).equals(image));
  });

  it('log.collect_system_logs returns a base64 gzipped tar of the agent log, without secrets', async () => {
    const r = await run('log.collect_system_logs', {}, true);
    assert.equal(r.body.command_status, 'SUCCEEDED');
    const tgz = join(dir, 'logs.tar.gz');
    writeFileSync(tgz, Buffer.from(r.body.command_result.system_logs, 'base64'));
    assert.equal(execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim(), 'ferrite-agent.log');
    const text = execFileSync('tar', ['-xzOf', tgz, 'ferrite-agent.log'], { encoding: 'utf8' });
    assert.match(text, /executing command/);
    assert.match(text, /image written and verified/);
    assert.ok(!text.includes(SECRET));
  });

  it('GET /v1/commands lists every recorded command in order', async () => {
    const r = await call('GET', '/v1/commands/');
    assert.equal(r.status, 200);
    const names = r.body.commands.map((c: any) => c.command_name);
    assert.deepEqual(names.slice(0, 4), ['prepare_image', 'get_partition_uuids', 'sync', 'prepare_image']);
    assert.ok(names.includes('execute_clean_step') && names.includes('collect_system_logs'));
    assert.ok(names.every((n: string) => !n.includes('nosuch')), 'refused commands are not recorded');
    const single = await call('GET', `/v1/commands/${r.body.commands[0].id}?wait=true`);
    assert.deepEqual(single.body, r.body.commands[0]);
    const noPrefix = await call('GET', '/commands/');
    assert.equal(noPrefix.body.commands.length, r.body.commands.length);
  });
});
