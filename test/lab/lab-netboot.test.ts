// Lab servers booting for real: a boot server on loopback hands out Ferrite-shaped iPXE and PXELINUX files, the kernel
// shim and, as the ramdisk, Ferrite's own bundle; the lab's firmware follows them and runs the agent it downloaded.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, writeSync, closeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLab, type Lab, type LabServerState } from '../../src/lab/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hexhyp = (mac: string) => mac.replaceAll(':', '-');

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** TCP ports the process listens on, from its socket descriptors and the kernel's socket table. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9])) ports.push(parseInt(f[1].split(':')[1], 16));
    }
  }
  return ports;
}

const pidAlive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

describe('lab network and virtual media boot', () => {
  let dir: string;
  let bootServer: Server;
  let base: string;
  let lab: Lab;
  let ramdisk: Buffer;
  const lookups: string[] = [];
  const requests: string[] = [];
  let auth: string;

  // Relative initrd: /boot/pxelinux.cfg/<mac> and /boot/vmedia/<uuid>.iso both resolve it to /boot/agent/ramdisk.
  const perNode = (extra: string) => `#!ipxe
kernel ${base}/boot/agent/kernel ipa-api-url=${base} nofb ${extra}initrd=agent.ramdisk
initrd --name agent.ramdisk ../agent/ramdisk
boot
`;

  before(async () => {
    execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
    ramdisk = readFileSync(join(root, 'dist', 'ferrite.js'));
    // Under the repository, not the system temp dir: the bundle still imports better-sqlite3 at load time, and Node
    // finds it only by walking up from the downloaded initrd to the repository's node_modules.
    mkdirSync(join(root, 'tmp'), { recursive: true });
    dir = mkdtempSync(join(root, 'tmp', 'lab-netboot-'));

    bootServer = createServer((req, res) => {
      const url = req.url ?? '';
      requests.push(url);
      const send = (status: number, body: string | Buffer) => {
        res.writeHead(status, { 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      };
      const macs = lab.servers.map((s) => s.macs);
      if (url.startsWith('/v1/lookup')) {
        lookups.push(new URL(url, base).searchParams.get('addresses') ?? '');
        return send(404, '{"error_message": "not found"}');
      }
      if (url === '/boot/boot.ipxe') {
        return send(200, `#!ipxe\nchain ${base}/boot/pxelinux.cfg/\${mac:hexhyp} || goto no_config\n:no_config\necho No boot configuration for \${mac}: booting from disk\nexit\n`);
      }
      // lab-0: nothing for its first NIC (404), an iPXE script for its second.
      if (url === `/boot/pxelinux.cfg/${hexhyp(macs[0][1])}`) return send(200, perNode('BOOTIF=01-${mac:hexhyp} '));
      // lab-1: a PXELINUX file for its first NIC.
      if (url === `/boot/pxelinux.cfg/${hexhyp(macs[1][0])}`) {
        return send(200, `default deploy\nlabel deploy\nkernel ../agent/kernel\nappend initrd=../agent/ramdisk ipa-api-url=${base} nofb\nipappend 2\n`);
      }
      if (url === `/boot/vmedia/${lab.servers[3].uuid}.iso`) return send(200, perNode(''));
      // lab-4: its first NIC's configuration never comes (a boot to cut short).
      if (url === `/boot/pxelinux.cfg/${hexhyp(macs[4][0])}`) return;
      if (url === '/boot/agent/kernel') return send(200, '#!/bin/sh\n# boot shim: the ramdisk is a Node.js program\nexec node "$INITRD" agent "$@"\n');
      if (url === '/boot/agent/ramdisk') return send(200, ramdisk);
      send(404, 'not found');
    });
    await new Promise<void>((ok) => bootServer.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(bootServer.address() as AddressInfo).port}`;
    lab = await startLab({
      dir, servers: 5, http: true, port: 0, powerDelayMs: 20, bootDelayMs: 20, diskSizeBytes: 8 * 1024 * 1024,
      bootUrl: `${base}/boot/boot.ipxe`,
    });
    auth = `Basic ${Buffer.from('admin:password').toString('base64')}`;
  });

  after(async () => {
    await lab?.close();
    bootServer?.closeAllConnections();
    await new Promise((done) => bootServer?.close(done));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function redfish(method: string, path: string, body?: unknown): Promise<number> {
    const res = await fetch(`${lab.url}${path}`, {
      method, headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
  }
  const reset = (i: number, type: string) => redfish('POST', `${lab.servers[i].systemPath}/Actions/ComputerSystem.Reset`, { ResetType: type });
  const override = (i: number, target: string) => redfish('PATCH', lab.servers[i].systemPath, { Boot: { BootSourceOverrideTarget: target, BootSourceOverrideEnabled: 'Once' } });
  const state = (i: number) => lab.server(lab.servers[i].id);
  const nextBoot = async (i: number, before: number): Promise<LabServerState> =>
    waitFor(`a boot of lab-${i}`, () => {
      const s = state(i);
      return s.bootRecord.length > before && s.os !== 'booting' ? s : undefined;
    });

  it('PXE falls from a NIC without configuration to the next one and runs the agent it downloaded', async () => {
    const macs = lab.servers[0].macs;
    assert.equal(await override(0, 'Pxe'), 200);
    assert.equal(await reset(0, 'On'), 204);
    const s = await nextBoot(0, 0);
    assert.deepEqual(s.bootRecord.at(-1)?.target, 'Pxe');
    assert.equal(s.bootRecord.at(-1)?.result, 'ramdisk');
    assert.match(s.console, new RegExp(`PXE: net0 ${macs[0]}: chain: HTTP 404 from ${base}/boot/pxelinux.cfg/${hexhyp(macs[0])}`));
    assert.ok(s.agent, 'the snapshot shows the agent');
    const cmdline = `ipa-api-url=${base} nofb BOOTIF=01-${hexhyp(macs[1])} initrd=agent.ramdisk`;
    assert.equal(s.agent.cmdline, cmdline);
    const serverDir = join(dir, lab.servers[0].uuid);
    assert.deepEqual(readFileSync(join(serverDir, 'initrd.js')), ramdisk);
    assert.match(readFileSync(join(serverDir, 'kernel.bin'), 'utf8'), /^#!\/bin\/sh/);
    const argv = readFileSync(`/proc/${s.agent.pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
    assert.deepEqual(argv, [
      process.execPath, join(serverDir, 'initrd.js'), 'agent', '--cmdline', cmdline, '--mac', macs[0], '--mac', macs[1],
      '--disk', join(serverDir, 'disk.img'), '--listen', '127.0.0.1:0', '--advertise-host', '127.0.0.1', '--power-command', join(serverDir, 'power-hook'),
    ]);

    // The agent looks its node up by both MACs (the boot server says 404: no node waits for it) and serves its API.
    await waitFor('the agent\'s lookup', () => lookups.includes(macs.join(',')));
    const [port] = await waitFor('the agent\'s listening port', () => listeningPorts(s.agent!.pid).at(0) !== undefined && listeningPorts(s.agent!.pid));
    const api = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { name: string };
    assert.equal(api.name, 'OpenStack Ironic Python Agent API');

    // A reset kills it and boots a new one; power-off kills that one.
    const first = s.agent.pid;
    assert.equal(await reset(0, 'ForceRestart'), 204);
    const again = await waitFor('a second agent', () => {
      const st = state(0);
      return st.agent && st.agent.pid !== first ? st : undefined;
    });
    await waitFor('the first agent gone', () => !pidAlive(first));
    assert.equal(await reset(0, 'ForceOff'), 204);
    await waitFor('the server off', () => state(0).power === 'off');
    assert.equal(state(0).agent, undefined);
    await waitFor('power-off to kill the agent', () => !pidAlive(again.agent!.pid));
    assert.match(state(0).console, /AGENT: process killed by SIGKILL/);
  });

  it('boots a chained PXELINUX file, with BOOTIF from ipappend 2', async () => {
    const macs = lab.servers[1].macs;
    assert.equal(await override(1, 'Pxe'), 200);
    assert.equal(await reset(1, 'On'), 204);
    const s = await nextBoot(1, 0);
    assert.equal(s.bootRecord.at(-1)?.result, 'ramdisk');
    assert.equal(s.agent?.cmdline, `initrd=../agent/ramdisk ipa-api-url=${base} nofb BOOTIF=01-${hexhyp(macs[0])}`);
    assert.ok(requests.includes('/boot/agent/ramdisk'));
  });

  it('the power hook powers the server off through the lab, with or without IPMI', async () => {
    const s = state(1);
    assert.ok(s.agent);
    const hook = join(dir, lab.servers[1].uuid, 'power-hook');
    // Asynchronously: the lab answering the hook runs in this process.
    assert.equal((await promisify(execFile)(hook, ['off'], { encoding: 'utf8' })).stdout, 'ForceOff\n');
    await waitFor('the server off', () => state(1).power === 'off');
    assert.deepEqual(state(1).resets.at(-1)?.type, 'ForceOff');
    assert.equal(state(1).resets.at(-1)?.via, 'agent');
    await waitFor('the agent killed', () => !pidAlive(s.agent!.pid));
    await assert.rejects(promisify(execFile)(hook, ['explode']), /usage/);
  });

  it('exit in the boot script leaves for the disk, which reports the hash of its first MiB', async () => {
    const disk = join(dir, lab.servers[2].uuid, 'disk.img');
    const sector = Buffer.alloc(512, 7);
    sector[510] = 0x55;
    sector[511] = 0xaa;
    const fd = openSync(disk, 'r+');
    writeSync(fd, sector, 0, 512, 0);
    closeSync(fd);
    const expected = createHash('sha256').update(readFileSync(disk).subarray(0, 1024 * 1024)).digest('hex');
    assert.equal(await override(2, 'Pxe'), 200);
    assert.equal(await reset(2, 'On'), 204);
    const s = await nextBoot(2, 0);
    assert.deepEqual({ ...s.bootRecord.at(-1), at: '' }, { at: '', target: 'Hdd', mode: 'UEFI', result: 'os', diskSha256: expected });
    assert.match(s.console, /No boot configuration for 52:54:00:00:00:04: booting from disk/);
    assert.match(s.console, new RegExp(`OS: booted from disk, first MiB sha256=${expected}`));
    assert.equal(s.os, 'running');
    assert.equal(s.agent, undefined);
  });

  it('a Cd boot runs the script the inserted media URL serves (no BOOTIF: the CD knows no NIC)', async () => {
    const image = `${base}/boot/vmedia/${lab.servers[3].uuid}.iso`;
    assert.equal(await redfish('POST', `/redfish/v1/Managers/${lab.servers[3].id}/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia`, { Image: image }), 204);
    assert.equal(await override(3, 'Cd'), 200);
    assert.equal(await reset(3, 'On'), 204);
    const s = await nextBoot(3, 0);
    assert.deepEqual([s.bootRecord.at(-1)?.target, s.bootRecord.at(-1)?.media, s.bootRecord.at(-1)?.result], ['Cd', image, 'ramdisk']);
    assert.equal(s.agent?.cmdline, `ipa-api-url=${base} nofb initrd=agent.ramdisk`);
  });

  it('a power-off during the fetch cancels the boot: no agent, no boot record', async () => {
    const stuck = `/boot/pxelinux.cfg/${hexhyp(lab.servers[4].macs[0])}`;
    assert.equal(await override(4, 'Pxe'), 200);
    assert.equal(await reset(4, 'On'), 204);
    await waitFor('the firmware waiting for its configuration', () => requests.includes(stuck));
    assert.equal(state(4).os, 'booting');
    assert.equal(await reset(4, 'ForceOff'), 204);
    await waitFor('the server off', () => state(4).power === 'off');
    await new Promise((r) => setTimeout(r, 100));
    const s = state(4);
    assert.deepEqual([s.os, s.bootRecord.length, s.agent], ['off', 0, undefined]);
    assert.doesNotMatch(s.console, /BOOT: Pxe/);
  });
});

describe('lab without a boot URL', () => {
  it('a PXE boot finds nothing, says so, and falls to the disk', async () => {
    const dir = mkdtempSync(join(root, 'tmp', 'lab-noboot-'));
    const lab = await startLab({ dir, servers: 1, http: true, port: 0, powerDelayMs: 10, bootDelayMs: 10, diskSizeBytes: 1024 * 1024 });
    try {
      const id = lab.servers[0].id;
      const res = await fetch(`${lab.url}${lab.servers[0].systemPath}/Actions/ComputerSystem.Reset`, {
        method: 'POST', body: '{"ResetType": "On"}',
        headers: { Authorization: `Basic ${Buffer.from('admin:password').toString('base64')}`, 'Content-Type': 'application/json' },
      });
      assert.equal(res.status, 204);
      const s = await waitFor('the boot', () => (lab.server(id).os === 'no bootable device' ? lab.server(id) : undefined));
      assert.deepEqual([s.bootRecord.at(-1)?.target, s.bootRecord.at(-1)?.result], ['Pxe', 'no bootable device']);
      assert.match(s.console, /PXE: no boot server answers \(the lab has no boot URL; start it with --boot-url\)/);
    } finally {
      await lab.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
