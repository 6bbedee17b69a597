// The lab's IPMI BMCs, driven with the real ipmitool (lanplus, cipher suite 3) against the real ipmi_sim processes the
// lab starts: IPMI and Redfish act on one server state; dead BMCs are restarted; nothing outlives the lab.
// ipmitool always runs asynchronously: ipmi_sim's chassis hook calls back into this very process, so a synchronous
// spawn would deadlock.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import dgram from 'node:dgram';
import { startLab, type Lab } from '../../src/lab/index.js';

const root = join(import.meta.dirname, '..', '..');

function ipmitool(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ipmitool', ['-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(port), '-U', 'admin', '-E', '-R', '3', '-N', '1', ...args],
      { env: { ...process.env, IPMI_PASSWORD: 'password' }, timeout: 15_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`ipmitool ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout.trim())));
  });
}

function https(base: string, ca: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Authorization: 'Basic ' + Buffer.from('admin:password').toString('base64') };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const req = httpsRequest(new URL(base + path), { method, headers, ca, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Running, and not a zombie waiting for a parent to reap it. */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('lab with IPMI BMCs', () => {
  let dir: string;
  let lab: Lab;
  const id = (i: number) => lab.servers[i].id;
  const port = (i: number) => lab.servers[i].ipmiPort!;
  const redfish = (method: string, path: string, body?: unknown) => https(lab.url, readFileSync(lab.caPath, 'utf8'), method, path, body);
  const settled = (i: number) => waitFor('power and boot to settle', () => {
    const s = lab.server(id(i));
    return s.pendingPower === undefined && s.os !== 'booting' ? s : undefined;
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-ipmi-lab-'));
    lab = await startLab({ dir, servers: 3, port: 0, ipmi: true, ipmiBasePort: 0, powerDelayMs: 150, bootDelayMs: 50, diskSizeBytes: 2 ** 30 });
  });

  after(async () => {
    const pids = lab.servers.map((s) => lab.server(s.id).ipmi?.pid).filter((p): p is number => p !== undefined);
    assert.equal(pids.length, 3);
    await lab.close();
    assert.deepEqual(pids.filter(alive), [], 'no ipmi_sim of this lab survives close()');
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives every server its own BMC port, in the admin view and nodes.json', async () => {
    assert.equal(new Set(lab.servers.map((s) => s.ipmiPort)).size, 3);
    const list = await redfish('GET', '/lab/servers');
    assert.deepEqual(list.json.map((s: any) => s.ipmiPort), lab.servers.map((s) => s.ipmiPort));
    const one = await redfish('GET', `/lab/servers/${id(0)}`);
    assert.equal(one.json.ipmi.port, port(0));
    assert.ok(alive(one.json.ipmi.pid));
    const { nodes } = JSON.parse(readFileSync(join(dir, 'nodes.json'), 'utf8'));
    assert.equal(nodes.length, 3);
    assert.deepEqual(
      { ...nodes[1], mac: undefined },
      { name: 'lab-1', pm_type: 'ipmi', pm_addr: '127.0.0.1', pm_port: port(1), pm_user: 'admin', pm_password: 'password', mac: undefined, cpu: '16', memory: '8192', disk: '1', arch: 'x86_64' },
    );
    assert.equal(statSync(join(dir, id(0), 'ipmi', 'chassis.sh')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, id(0), 'ipmi', 'lan.conf')).mode & 0o777, 0o600);
  });

  it('IPMI power on is the server\'s power, as Redfish shows it; Redfish ForceOff shows through IPMI', async () => {
    assert.equal(await ipmitool(port(0), 'chassis', 'power', 'status'), 'Chassis Power is off');
    assert.equal(await ipmitool(port(0), 'chassis', 'power', 'on'), 'Chassis Power Control: Up/On');
    // A pending transition reads as its target, so a client that reads back at once sees what it asked for.
    assert.equal(await ipmitool(port(0), 'chassis', 'power', 'status'), 'Chassis Power is on');
    await waitFor('lab power on', () => lab.server(id(0)).power === 'on');
    assert.equal((await redfish('GET', lab.servers[0].systemPath)).json.PowerState, 'On');
    assert.deepEqual(lab.server(id(0)).resets.at(-1)?.type, 'On');
    assert.equal(lab.server(id(0)).resets.at(-1)?.via, 'ipmi');

    await settled(0);
    const r = await redfish('POST', `${lab.servers[0].systemPath}/Actions/ComputerSystem.Reset`, { ResetType: 'ForceOff' });
    assert.equal(r.status, 204);
    assert.equal(await ipmitool(port(0), 'chassis', 'power', 'status'), 'Chassis Power is off');
    await waitFor('lab power off', () => lab.server(id(0)).power === 'off');
    assert.equal(await ipmitool(port(0), 'chassis', 'power', 'status'), 'Chassis Power is off');
  });

  it('bootdev pxe then power on boots from PXE once', async () => {
    assert.equal(await ipmitool(port(1), 'chassis', 'bootdev', 'pxe'), 'Set Boot Device to pxe');
    assert.deepEqual(lab.server(id(1)).boot, { target: 'Pxe', enabled: 'Once', mode: 'UEFI' });
    const sys = (await redfish('GET', lab.servers[1].systemPath)).json;
    assert.equal(sys.Boot.BootSourceOverrideTarget, 'Pxe');
    assert.equal(sys.Boot.BootSourceOverrideEnabled, 'Once');
    assert.match(await ipmitool(port(1), 'chassis', 'bootparam', 'get', '5'), /Boot Device Selector : Force PXE/);
    await ipmitool(port(1), 'chassis', 'power', 'on');
    const s = await settled(1);
    assert.equal(s.bootRecord.at(-1)?.target, 'Pxe');
    // This lab has no boot server to fetch a script from: the network boot finds nothing, and neither does the disk.
    assert.equal(s.bootRecord.at(-1)?.result, 'no bootable device');
    assert.deepEqual(s.boot, { target: 'None', enabled: 'Disabled', mode: 'UEFI' });
    assert.match(await ipmitool(port(1), 'chassis', 'bootparam', 'get', '5'), /Boot Device Selector : No override/);
    // Redfish sets an override, IPMI reads it: bootdev disk is the disk (Hdd).
    await ipmitool(port(1), 'chassis', 'bootdev', 'disk');
    assert.equal(lab.server(id(1)).boot.target, 'Hdd');
    await redfish('PATCH', lab.servers[1].systemPath, { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } });
    assert.match(await ipmitool(port(1), 'chassis', 'bootparam', 'get', '5'), /Force Boot from CD\/DVD/);
  });

  it('power cycle and reset are recorded in the lab\'s resets', async () => {
    const before = (await settled(1)).bootRecord.length;
    assert.equal(await ipmitool(port(1), 'chassis', 'power', 'cycle'), 'Chassis Power Control: Cycle');
    // ipmi_sim cycles by itself: power 0 now, power 1 a second later.
    const cycled = await waitFor('the cycle to finish', () => {
      const s = lab.server(id(1));
      return s.bootRecord.length > before && s.pendingPower === undefined && s.power === 'on' ? s : undefined;
    });
    const ipmiResets = cycled.resets.filter((e) => e.via === 'ipmi').map((e) => e.type);
    assert.deepEqual(ipmiResets.slice(-2)[0], 'ForceOff');
    assert.match(ipmiResets.at(-1) ?? '', /^(On|PowerCycle)$/);

    const booted = (await settled(1)).bootRecord.length;
    assert.equal(await ipmitool(port(1), 'chassis', 'power', 'reset'), 'Chassis Power Control: Reset');
    const reset = await waitFor('the warm reset', () => {
      const s = lab.server(id(1));
      return s.bootRecord.length > booted ? s : undefined;
    });
    assert.deepEqual(reset.resets.at(-1), { at: reset.resets.at(-1)?.at, type: 'ForceRestart', via: 'ipmi' });
    assert.equal(reset.power, 'on');
  });

  it('soft power-off is ignored without a running OS and effective with one', async () => {
    await ipmitool(port(2), 'chassis', 'power', 'on');
    await settled(2);
    const os = (state: string) => https(lab.url, readFileSync(lab.caPath, 'utf8'), 'POST', `/lab/servers/${id(2)}/os`, { state });
    assert.equal((await os('off')).status, 200);
    assert.equal(await ipmitool(port(2), 'chassis', 'power', 'soft'), 'Chassis Power Control: Soft');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(lab.server(id(2)).power, 'on');
    assert.equal(lab.server(id(2)).resets.at(-1)?.type, 'GracefulShutdown');
    assert.match(lab.server(id(2)).console, /ACPI: power button event ignored/);

    assert.equal((await os('running')).status, 200);
    await ipmitool(port(2), 'chassis', 'power', 'soft');
    await waitFor('the graceful shutdown', () => lab.server(id(2)).power === 'off');
    assert.equal(await ipmitool(port(2), 'chassis', 'power', 'status'), 'Chassis Power is off');
  });

  it('identify blinks the indicator LED', async () => {
    await ipmitool(port(2), 'chassis', 'identify', 'force');
    assert.equal((await redfish('GET', lab.servers[2].systemPath)).json.IndicatorLED, 'Blinking');
    await ipmitool(port(2), 'chassis', 'identify', '0');
    assert.equal(lab.server(id(2)).indicatorLed, 'Off');
  });

  it('restarts a BMC that dies, on the same port', async () => {
    const old = lab.server(id(2)).ipmi!;
    process.kill(old.pid!, 'SIGKILL');
    const now = await waitFor('the BMC to come back', () => {
      const b = lab.server(id(2)).ipmi;
      return b?.pid !== undefined && b.pid !== old.pid ? b : undefined;
    });
    assert.equal(now.port, old.port);
    assert.equal(now.restarts, old.restarts + 1);
    assert.ok(!alive(old.pid!));
    assert.equal(await ipmitool(port(2), 'chassis', 'power', 'status'), 'Chassis Power is off');
  });
});

describe('lab IPMI ports', () => {
  it('refuses to start on a taken port, which ipmi_sim itself would silently share', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferrite-ipmi-port-'));
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', resolve));
    try {
      await assert.rejects(
        startLab({ dir, servers: 2, port: 0, ipmi: true, ipmiBasePort: taken.address().port - 1, diskSizeBytes: 2 ** 30 }),
        /UDP port \d+ on 127.0.0.1 is in use/,
      );
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ferrite lab --ipmi', () => {
  async function startCli(dir: string) {
    const child = spawn(process.execPath, [join(root, 'bin', 'ferrite.js'), 'lab', '--ipmi', '--servers', '2', '--dir', dir, '--port', '0',
      '--ipmi-base-port', '0', '--power-delay-ms', '50', '--boot-delay-ms', '50', '--disk-size', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
    });
    const ready = JSON.parse(first);
    const ca = readFileSync(ready.ca, 'utf8');
    const pids: number[] = [];
    for (const s of (await https(ready.url, ca, 'GET', '/lab/servers')).json) pids.push((await https(ready.url, ca, 'GET', `/lab/servers/${s.id}`)).json.ipmi.pid);
    return { child, ready, pids };
  }

  it('prints its IPMI ports, answers ipmitool, and exits 0 on SIGTERM with its BMCs gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferrite-ipmi-cli-'));
    const { child, ready, pids } = await startCli(dir);
    try {
      assert.deepEqual(Object.keys(ready), ['event', 'url', 'ca', 'nodes', 'servers', 'ipmi']);
      assert.equal(ready.ipmi.length, 2);
      assert.equal(await ipmitool(ready.ipmi[1], 'chassis', 'power', 'on'), 'Chassis Power Control: Up/On');
      assert.equal(await ipmitool(ready.ipmi[1], 'chassis', 'power', 'status'), 'Chassis Power is on');
      assert.equal(pids.filter(alive).length, 2);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.deepEqual(pids.filter(alive), []);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves no BMC behind even when the lab is killed outright', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferrite-ipmi-cli-'));
    const { child, pids } = await startCli(dir);
    try {
      child.kill('SIGKILL');
      await waitFor('the watchdog to stop the BMCs', () => pids.filter(alive).length === 0);
    } finally {
      for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
