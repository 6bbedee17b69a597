// The lab's contract, checked over real HTTPS against a real lab on a free port: the Redfish resources and their
// semantics, the admin API and its faults, persistence across restarts, and the `ferrite lab` command.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startLab, type Lab } from '../../src/lab/index.js';

type Auth = 'basic' | 'none' | { user: string; pass: string } | { token: string };

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  auth?: Auth;
  timeoutMs?: number;
}

const GIB = 1024 ** 3;
const root = join(import.meta.dirname, '..', '..');

function makeClient(base: () => string, ca: () => string) {
  return function call(method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    const auth = opts.auth ?? 'basic';
    if (auth === 'basic') headers.Authorization = 'Basic ' + Buffer.from('admin:password').toString('base64');
    else if (auth !== 'none' && 'token' in auth) headers['X-Auth-Token'] = auth.token;
    else if (auth !== 'none') headers.Authorization = 'Basic ' + Buffer.from(`${auth.user}:${auth.pass}`).toString('base64');
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
    return new Promise((resolve, reject) => {
      const url = new URL(base() + path);
      const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
      const req = send(url, { method, headers, ca: url.protocol === 'http:' ? undefined : ca(), agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (opts.timeoutMs !== undefined) {
        req.setTimeout(opts.timeoutMs, () => req.destroy(new Error('client timeout')));
      }
      req.end(payload);
    });
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function messageIds(reply: Reply): string[] {
  return (reply.json?.error?.['@Message.ExtendedInfo'] ?? []).map((m: any) => m.MessageId);
}

describe('virtual Redfish lab', () => {
  let dir: string;
  let lab: Lab;
  const call = makeClient(() => lab.url, () => readFileSync(join(dir, 'ca.pem'), 'utf8'));
  const sys = (i: number) => lab.servers[i].systemPath;
  const mgr = (i: number) => `/redfish/v1/Managers/${lab.servers[i].id}`;
  const state = (i: number) => lab.server(lab.servers[i].id);
  const admin = (method: string, path: string, body?: unknown) => call(method, `/lab/servers/${lab.servers[0].id}${path}`, { body, auth: 'none' });
  const adminFor = (i: number, method: string, path: string, body?: unknown) =>
    call(method, `/lab/servers/${lab.servers[i].id}${path}`, { body, auth: 'none' });
  const reset = (i: number, type: string) => call('POST', `${sys(i)}/Actions/ComputerSystem.Reset`, { body: { ResetType: type } });
  const settle = (i: number) => waitFor('power and boot to settle', () => {
    const s = state(i);
    return s.pendingPower === undefined && s.os !== 'booting' ? s : undefined;
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-lab-'));
    lab = await startLab({ dir, servers: 3, port: 0, powerDelayMs: 50, bootDelayMs: 50, diskSizeBytes: GIB });
  });

  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the service root without credentials', async () => {
    const top = await call('GET', '/redfish', { auth: 'none' });
    assert.deepEqual(top.json, { v1: '/redfish/v1/' });
    for (const path of ['/redfish/v1', '/redfish/v1/']) {
      const r = await call('GET', path, { auth: 'none' });
      assert.equal(r.status, 200);
      assert.equal(r.headers['odata-version'], '4.0');
      assert.match(String(r.headers['content-type']), /^application\/json; charset=utf-8/);
      assert.equal(r.json['@odata.type'], '#ServiceRoot.v1_5_0.ServiceRoot');
      assert.equal(r.json.Systems['@odata.id'], '/redfish/v1/Systems');
      assert.equal(r.json.Links.Sessions['@odata.id'], '/redfish/v1/SessionService/Sessions');
      assert.ok(r.json.UUID && r.json.RedfishVersion && r.json.SessionService && r.json.TaskService && r.json.Managers && r.json.Chassis);
      assert.equal(r.json.Tasks['@odata.id'], '/redfish/v1/TaskService');
    }
    const odata = await call('GET', '/redfish/v1/odata', { auth: 'none' });
    assert.equal(odata.status, 200);
    assert.ok(odata.json.value.some((v: any) => v.url === '/redfish/v1/Systems'));
    const metadata = await call('GET', '/redfish/v1/$metadata', { auth: 'none' });
    assert.equal(metadata.status, 200);
    assert.match(String(metadata.headers['content-type']), /^application\/xml/);
    assert.match(metadata.text, /<edmx:Edmx/);
  });

  it('answers 401 with a Redfish error without or with wrong credentials', async () => {
    for (const auth of ['none', { user: 'admin', pass: 'nope' }] as Auth[]) {
      const r = await call('GET', '/redfish/v1/Systems', { auth });
      assert.equal(r.status, 401);
      assert.equal(r.headers['www-authenticate'], 'Basic realm="ferrite-lab"');
      assert.deepEqual(messageIds(r), ['Base.1.8.NoValidSession']);
      assert.equal(r.json.error.code, 'Base.1.8.NoValidSession');
    }
    assert.equal((await call('GET', '/redfish/v1/Systems', { auth: { token: 'bogus' } })).status, 401);
  });

  it('lists the servers with basic auth', async () => {
    const r = await call('GET', '/redfish/v1/Systems');
    assert.equal(r.status, 200);
    assert.equal(r.json['Members@odata.count'], 3);
    assert.deepEqual(r.json.Members.map((m: any) => m['@odata.id']), lab.servers.map((s) => s.systemPath));
    assert.equal((await call('GET', '/redfish/v1/Managers')).json['Members@odata.count'], 3);
    assert.equal((await call('GET', '/redfish/v1/Chassis')).json['Members@odata.count'], 3);
  });

  it('creates, uses, lists and deletes sessions; idle sessions expire', async () => {
    const bad = await call('POST', '/redfish/v1/SessionService/Sessions', { auth: 'none', body: { UserName: 'admin', Password: 'x' } });
    assert.equal(bad.status, 401);
    const created = await call('POST', '/redfish/v1/SessionService/Sessions', { auth: 'none', body: { UserName: 'admin', Password: 'password' } });
    assert.equal(created.status, 201);
    const token = String(created.headers['x-auth-token']);
    const location = String(created.headers.location);
    assert.match(location, /^\/redfish\/v1\/SessionService\/Sessions\/\w+$/);
    assert.equal(created.json['@odata.id'], location);
    assert.equal(created.json.UserName, 'admin');
    assert.equal((await call('GET', sys(0), { auth: { token } })).status, 200);
    const list = await call('GET', '/redfish/v1/SessionService/Sessions', { auth: { token } });
    assert.ok(list.json.Members.some((m: any) => m['@odata.id'] === location));
    assert.equal((await call('GET', '/redfish/v1/SessionService', { auth: { token } })).json.SessionTimeout, 600);
    assert.equal((await call('DELETE', location, { auth: { token } })).status, 204);
    assert.equal((await call('GET', sys(0), { auth: { token } })).status, 401);

    assert.equal((await call('PATCH', '/redfish/v1/SessionService', { body: { SessionTimeout: 1 } })).status, 200);
    try {
      const short = await call('POST', '/redfish/v1/SessionService/Sessions', { auth: 'none', body: { UserName: 'admin', Password: 'password' } });
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal((await call('GET', sys(0), { auth: { token: String(short.headers['x-auth-token']) } })).status, 401);
    } finally {
      await call('PATCH', '/redfish/v1/SessionService', { body: { SessionTimeout: 600 } });
    }
  });

  it('describes a System, its parts, its Manager and its Chassis', async () => {
    const info = lab.servers[0];
    assert.equal(info.name, 'lab-0');
    assert.equal(info.id, info.uuid);
    assert.equal(info.systemPath, `/redfish/v1/Systems/${info.uuid}`);
    const r = await call('GET', sys(0));
    const s = r.json;
    assert.equal(r.status, 200);
    assert.match(String(r.headers.etag), /^W\/"[0-9a-f]+"$/);
    assert.equal(s['@odata.etag'], r.headers.etag);
    assert.equal(s.Id, info.uuid);
    assert.equal(s.UUID, info.uuid);
    assert.equal(s.Name, 'lab-0');
    assert.equal(s.Manufacturer, 'Ferrite Lab');
    assert.equal(s.PowerState, 'Off');
    assert.equal(s.ProcessorSummary.Count, 2);
    assert.equal(s.MemorySummary.TotalSystemMemoryGiB, 8);
    assert.deepEqual(s.Boot['BootSourceOverrideTarget@Redfish.AllowableValues'], ['None', 'Pxe', 'Cd', 'Usb', 'Hdd', 'BiosSetup', 'UefiHttp']);
    assert.equal(s.Actions['#ComputerSystem.Reset'].target, `${sys(0)}/Actions/ComputerSystem.Reset`);
    assert.deepEqual(s.Actions['#ComputerSystem.Reset']['ResetType@Redfish.AllowableValues'],
      ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'PowerCycle', 'Nmi']);
    assert.equal(s.Links.ManagedBy[0]['@odata.id'], mgr(0));

    const nics = await call('GET', `${sys(0)}/EthernetInterfaces`);
    const macs = await Promise.all(nics.json.Members.map(async (m: any) => (await call('GET', m['@odata.id'])).json.PermanentMACAddress));
    assert.deepEqual(macs, info.macs);
    const allMacs = lab.servers.flatMap((x) => x.macs);
    assert.equal(new Set(allMacs).size, 6);
    const cpu = await call('GET', (await call('GET', `${sys(0)}/Processors`)).json.Members[0]['@odata.id']);
    assert.equal(cpu.json.ProcessorArchitecture, 'x86');
    assert.equal(cpu.json.InstructionSet, 'x86-64');
    assert.ok(cpu.json.TotalCores > 0 && cpu.json.TotalThreads >= cpu.json.TotalCores);
    const dimm = await call('GET', (await call('GET', `${sys(0)}/Memory`)).json.Members[0]['@odata.id']);
    assert.equal(dimm.json.CapacityMiB, 4096);
    const simple = await call('GET', `${sys(0)}/SimpleStorage/1`);
    assert.equal(simple.json.Devices[0].CapacityBytes, GIB);
    const storage = await call('GET', (await call('GET', `${sys(0)}/Storage`)).json.Members[0]['@odata.id']);
    const drive = await call('GET', storage.json.Drives[0]['@odata.id']);
    assert.equal(drive.json.CapacityBytes, GIB);
    assert.equal(statSync(join(dir, info.id, 'disk.img')).blocks, 0, 'disk file is sparse');

    const manager = await call('GET', mgr(0));
    assert.equal(manager.json.ManagerType, 'BMC');
    assert.equal(manager.json.Links.ManagerForServers[0]['@odata.id'], sys(0));
    const chassis = await call('GET', `/redfish/v1/Chassis/${info.id}`);
    assert.equal(chassis.json.ChassisType, 'RackMount');
    assert.equal(chassis.json.Links.ComputerSystems[0]['@odata.id'], sys(0));

    const missing = await call('GET', `${sys(0)}/Nothing`);
    assert.equal(missing.status, 404);
    assert.deepEqual(messageIds(missing), ['Base.1.8.ResourceMissingAtURI']);
    assert.equal((await call('DELETE', sys(0))).status, 405);
    const malformed = await call('PATCH', sys(0), { body: '{not json' });
    assert.equal(malformed.status, 400);
    assert.deepEqual(messageIds(malformed), ['Base.1.8.MalformedJSON']);
  });

  it('powers on after the delay, reporting the old state meanwhile, and boots the network by default', async () => {
    // A longer delay for this one, so that a loaded machine still sees the old state before the change.
    await call('PUT', '/lab/settings', { auth: 'none', body: { powerDelayMs: 500 } });
    try {
      assert.equal((await reset(0, 'On')).status, 204);
    } finally {
      await call('PUT', '/lab/settings', { auth: 'none', body: { powerDelayMs: 50 } });
    }
    assert.equal(state(0).pendingPower?.target, 'on');
    assert.equal((await call('GET', sys(0))).json.PowerState, 'Off');
    await waitFor('PowerState On', async () => (await call('GET', sys(0))).json.PowerState === 'On');
    const s = await settle(0);
    assert.equal(s.power, 'on');
    // An empty disk, then the network: this lab has no boot server, so the firmware finds nothing to boot.
    assert.equal(s.os, 'no bootable device');
    const entry = s.bootRecord.at(-1);
    assert.equal(entry?.target, 'Pxe');
    assert.equal(entry?.result, 'no bootable device');
    assert.equal(entry?.mode, 'UEFI');
    assert.match(s.console, /POWER: on/);
    assert.deepEqual(s.resets.map((x) => x.type), ['On']);
  });

  it('rejects a missing or invalid ResetType', async () => {
    const bad = await reset(0, 'Explode');
    assert.equal(bad.status, 400);
    const info = bad.json.error['@Message.ExtendedInfo'][0];
    assert.equal(info.MessageId, 'Base.1.8.ActionParameterValueNotInList');
    assert.deepEqual(info.MessageArgs, ['Explode', 'ResetType']);
    const missing = await call('POST', `${sys(0)}/Actions/ComputerSystem.Reset`, { body: {} });
    assert.equal(missing.status, 400);
    assert.deepEqual(messageIds(missing), ['Base.1.8.ActionParameterMissing']);
  });

  it('ignores GracefulShutdown without a running OS and honours it with one', async () => {
    await call('PATCH', sys(1), { body: { Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Once' } } });
    await reset(1, 'On');
    let s = await settle(1);
    assert.equal(s.os, 'no bootable device');
    assert.equal(s.bootRecord.at(-1)?.result, 'no bootable device');
    assert.equal((await reset(1, 'GracefulShutdown')).status, 204);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(state(1).power, 'on');
    assert.equal((await adminFor(1, 'POST', '/os', { state: 'running' })).status, 200);
    await reset(1, 'GracefulShutdown');
    s = await settle(1);
    assert.equal(s.power, 'off');
    assert.equal(s.os, 'off');
  });

  it('guards PATCH with ETags and validates boot settings', async () => {
    const before = await call('GET', sys(0));
    const etag = String(before.headers.etag);
    const ok = await call('PATCH', sys(0), {
      headers: { 'If-Match': etag },
      body: { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Continuous' }, IndicatorLED: 'Blinking', AssetTag: 'rack-7' },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.Boot.BootSourceOverrideTarget, 'Cd');
    assert.equal(ok.json.Boot.BootSourceOverrideEnabled, 'Continuous');
    assert.equal(ok.json.IndicatorLED, 'Blinking');
    assert.equal(ok.json.AssetTag, 'rack-7');
    assert.notEqual(ok.headers.etag, etag);
    const stale = await call('PATCH', sys(0), { headers: { 'If-Match': etag }, body: { IndicatorLED: 'Off' } });
    assert.equal(stale.status, 412);
    assert.deepEqual(messageIds(stale), ['Base.1.8.PreconditionFailed']);
    const strong = String(ok.headers.etag).replace(/^W\//, '');
    assert.equal((await call('PATCH', sys(0), { headers: { 'If-Match': strong }, body: { IndicatorLED: 'Off' } })).status, 200);
    assert.equal((await call('PATCH', sys(0), { headers: { 'If-Match': '*' }, body: { Boot: { BootSourceOverrideEnabled: 'Disabled' } } })).status, 200);

    const invalid = await call('PATCH', sys(0), { body: { Boot: { BootSourceOverrideTarget: 'Floppy' } } });
    assert.equal(invalid.status, 400);
    const info = invalid.json.error['@Message.ExtendedInfo'][0];
    assert.equal(info.MessageId, 'Base.1.8.PropertyValueNotInList');
    assert.deepEqual(info.MessageArgs, ['Floppy', 'BootSourceOverrideTarget']);
    assert.deepEqual(messageIds(await call('PATCH', sys(0), { body: { PowerState: 'On' } })), ['Base.1.8.PropertyNotWritable']);
    assert.deepEqual(messageIds(await call('PATCH', sys(0), { body: { Colour: 'blue' } })), ['Base.1.8.PropertyUnknown']);
    assert.equal((await call('GET', sys(0))).json.IndicatorLED, 'Off', 'a rejected PATCH changes nothing');
  });

  it('clears a Once override after the boot it applied to', async () => {
    await call('PATCH', sys(0), { body: { Boot: { BootSourceOverrideTarget: 'UefiHttp', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' } } });
    await reset(0, 'ForceRestart');
    const s = await waitFor('the reboot', () => (state(0).bootRecord.length >= 2 ? settle(0) : undefined));
    assert.equal(s.bootRecord.at(-1)?.target, 'UefiHttp');
    const boot = (await call('GET', sys(0))).json.Boot;
    assert.equal(boot.BootSourceOverrideEnabled, 'Disabled');
    assert.equal(boot.BootSourceOverrideTarget, 'None');
  });

  it('inserts and ejects virtual media and boots from the CD', async () => {
    const cd = `${mgr(0)}/VirtualMedia/Cd`;
    const list = await call('GET', `${mgr(0)}/VirtualMedia`);
    assert.deepEqual(list.json.Members.map((m: any) => m['@odata.id']), [cd, `${mgr(0)}/VirtualMedia/Floppy`]);
    const view = (await call('GET', cd)).json;
    assert.deepEqual(view.MediaTypes, ['CD', 'DVD']);
    assert.equal(view.Inserted, false);
    const insert = `${cd}/Actions/VirtualMedia.InsertMedia`;
    assert.equal(view.Actions['#VirtualMedia.InsertMedia'].target, insert);
    assert.deepEqual(messageIds(await call('POST', insert, { body: {} })), ['Base.1.8.ActionParameterMissing']);
    const image = 'http://127.0.0.1:9/boot.iso';
    assert.equal((await call('POST', insert, { body: { Image: image, Inserted: true, WriteProtected: true } })).status, 204);
    assert.equal((await call('POST', insert, { body: { Image: image } })).status, 409);
    const inserted = (await call('GET', cd)).json;
    assert.equal(inserted.Image, image);
    assert.equal(inserted.ImageName, 'boot.iso');
    assert.equal(inserted.Inserted, true);

    await call('PATCH', sys(0), { body: { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } } });
    const boots = state(0).bootRecord.length;
    await reset(0, 'PowerCycle');
    const s = await waitFor('the CD boot', () => (state(0).bootRecord.length > boots ? settle(0) : undefined));
    // Nothing serves the image's URL: the firmware tried the CD it was told to and found nothing bootable on it.
    assert.deepEqual({ ...s.bootRecord.at(-1), at: undefined }, { at: undefined, target: 'Cd', mode: 'UEFI', media: image, result: 'no bootable device' });
    assert.equal(s.os, 'no bootable device');

    assert.equal((await call('POST', `${cd}/Actions/VirtualMedia.EjectMedia`, { body: {} })).status, 204);
    assert.equal((await call('GET', cd)).json.Inserted, false);
    assert.equal((await call('POST', `${cd}/Actions/VirtualMedia.EjectMedia`)).status, 204, 'ejecting nothing is fine');
    const patched = await call('PATCH', `${mgr(0)}/VirtualMedia/Floppy`, { body: { Image: 'http://127.0.0.1:9/stick.img', Inserted: true } });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.Inserted, true);
    assert.equal(state(0).virtualMedia.Floppy.image, 'http://127.0.0.1:9/stick.img');
  });

  it('keeps BIOS settings pending until the next boot', async () => {
    const bios = (await call('GET', `${sys(0)}/Bios`)).json;
    assert.equal(bios['@Redfish.Settings'].SettingsObject['@odata.id'], `${sys(0)}/Bios/Settings`);
    assert.equal(bios.Attributes.ProcTurboMode, 'Enabled');
    assert.deepEqual(messageIds(await call('PATCH', `${sys(0)}/Bios/Settings`, { body: { Attributes: { NoSuch: 1 } } })), ['Base.1.8.PropertyUnknown']);
    assert.deepEqual(messageIds(await call('PATCH', `${sys(0)}/Bios/Settings`, { body: { Attributes: { PxeRetryCount: 'three' } } })), ['Base.1.8.PropertyValueTypeError']);
    const patched = await call('PATCH', `${sys(0)}/Bios/Settings`, { body: { Attributes: { ProcTurboMode: 'Disabled', PxeRetryCount: 3 } } });
    assert.equal(patched.status, 200);
    assert.deepEqual((await call('GET', `${sys(0)}/Bios/Settings`)).json.Attributes, { ProcTurboMode: 'Disabled', PxeRetryCount: 3 });
    assert.equal((await call('GET', `${sys(0)}/Bios`)).json.Attributes.ProcTurboMode, 'Enabled');
    const boots = state(0).bootRecord.length;
    await reset(0, 'ForceRestart');
    await waitFor('the reboot', () => (state(0).bootRecord.length > boots ? settle(0) : undefined));
    const applied = (await call('GET', `${sys(0)}/Bios`)).json.Attributes;
    assert.equal(applied.ProcTurboMode, 'Disabled');
    assert.equal(applied.PxeRetryCount, 3);
    assert.deepEqual((await call('GET', `${sys(0)}/Bios/Settings`)).json.Attributes, {});
  });

  it('resets the BIOS through a task with a task monitor', async () => {
    const r = await call('POST', `${sys(0)}/Bios/Actions/Bios.ResetBios`, { body: {} });
    assert.equal(r.status, 202);
    const monitor = String(r.headers.location);
    assert.match(monitor, /^\/redfish\/v1\/TaskService\/Tasks\/\d+$/);
    assert.ok(['New', 'Running'].includes(r.json.TaskState));
    const first = await call('GET', monitor);
    assert.ok(first.status === 202 || first.json.TaskState === 'Completed');
    const done = await waitFor('task completion', async () => {
      const t = await call('GET', monitor);
      return t.status === 200 ? t : undefined;
    });
    assert.equal(done.json.TaskState, 'Completed');
    assert.equal(done.json.PercentComplete, 100);
    assert.equal(state(0).bios.pending.ProcTurboMode, 'Enabled');
    const tasks = await call('GET', '/redfish/v1/TaskService/Tasks');
    assert.ok(tasks.json.Members.some((m: any) => m['@odata.id'] === monitor));
    assert.equal((await call('GET', '/redfish/v1/TaskService')).status, 200);
  });

  it('boots an OS from a disk with a boot signature, and an NMI crashes it', async () => {
    const disk = join(dir, lab.servers[2].id, 'disk.img');
    const fd = openSync(disk, 'r+');
    writeSync(fd, Buffer.from([0x55, 0xaa]), 0, 2, 510);
    closeSync(fd);
    await reset(2, 'On');
    let s = await settle(2);
    assert.equal(s.bootRecord.at(-1)?.target, 'Hdd');
    assert.equal(s.bootRecord.at(-1)?.result, 'os');
    assert.equal(s.os, 'running');
    assert.equal((await reset(2, 'Nmi')).status, 204);
    s = state(2);
    assert.equal(s.nmiCount, 1);
    assert.equal(s.os, 'crashed');
    assert.match(s.console, /NMI/);
  });

  it('injects per-server faults without disturbing other servers or the service', async () => {
    const set = async (faults: unknown) => {
      const r = await admin('PUT', '/faults', faults);
      assert.equal(r.status, 200);
      return r.json;
    };
    try {
      assert.deepEqual(await set({ status: 503, retryAfter: 7 }), { status: 503, retryAfter: 7 });
      const unavailable = await call('GET', sys(0));
      assert.equal(unavailable.status, 503);
      assert.equal(unavailable.headers['retry-after'], '7');
      assert.deepEqual(messageIds(unavailable), ['Base.1.8.ServiceTemporarilyUnavailable']);
      assert.equal((await call('GET', mgr(0))).status, 503);
      assert.equal((await call('GET', sys(1))).status, 200);
      assert.equal((await call('GET', '/redfish/v1/Systems')).status, 200);
      assert.equal(state(0).faults.status, 503);

      await set({ wrongCredentials: true });
      const denied = await call('GET', sys(0));
      assert.equal(denied.status, 401);
      assert.deepEqual(messageIds(denied), ['Base.1.8.NoValidSession']);

      await set({ refused: true });
      await assert.rejects(call('GET', sys(0)), (e: any) => ['ECONNRESET', 'EPIPE'].includes(e.code) || /socket hang up/.test(e.message));
      assert.equal((await call('GET', sys(1))).status, 200);

      await set({ latencyMs: 200 });
      const t0 = Date.now();
      assert.equal((await call('GET', sys(0))).status, 200);
      assert.ok(Date.now() - t0 >= 190);

      await set({ hang: true });
      let hungSettled = false;
      const hung = call('GET', sys(0), { timeoutMs: 1000 }).finally(() => { hungSettled = true; });
      assert.equal((await call('GET', sys(1))).status, 200);
      assert.equal(hungSettled, false, 'other servers answer while one hangs');
      await assert.rejects(hung, /client timeout/);

      assert.equal((await admin('PUT', '/faults', { nonsense: true })).status, 400);
      assert.equal((await admin('DELETE', '/faults')).status, 204);
      assert.equal((await call('GET', sys(0))).status, 200);
      assert.deepEqual(state(0).faults, {});
    } finally {
      await admin('DELETE', '/faults');
    }
  });

  it('forgets session tokens across a BMC reboot', async () => {
    const created = await call('POST', '/redfish/v1/SessionService/Sessions', { auth: 'none', body: { UserName: 'admin', Password: 'password' } });
    const token = String(created.headers['x-auth-token']);
    await admin('PUT', '/faults', { bmcReboot: { seconds: 0.3 } });
    try {
      await assert.rejects(call('GET', sys(0), { auth: { token } }));
      assert.equal((await call('GET', sys(1), { auth: { token } })).status, 200);
      await new Promise((r) => setTimeout(r, 350));
      assert.equal((await call('GET', sys(0), { auth: { token } })).status, 401);
      assert.equal((await call('GET', sys(0))).status, 200);
      const fresh = await call('POST', '/redfish/v1/SessionService/Sessions', { auth: 'none', body: { UserName: 'admin', Password: 'password' } });
      assert.equal((await call('GET', sys(0), { auth: { token: String(fresh.headers['x-auth-token']) } })).status, 200);
    } finally {
      await admin('DELETE', '/faults');
    }
  });

  it('offers an admin API for servers and settings', async () => {
    const list = await call('GET', '/lab/servers', { auth: 'none' });
    assert.deepEqual(list.json, lab.servers);
    const one = await call('GET', `/lab/servers/${lab.servers[0].id}`, { auth: 'none' });
    assert.equal(one.json.name, 'lab-0');
    assert.equal(one.json.power, 'on');
    assert.equal((await call('GET', '/lab/servers/lab-1', { auth: 'none' })).json.id, lab.servers[1].id);
    assert.equal((await call('GET', '/lab/servers/nope', { auth: 'none' })).status, 404);
    const settings = await call('PUT', '/lab/settings', { auth: 'none', body: { powerDelayMs: 30 } });
    assert.deepEqual(settings.json, { powerDelayMs: 30, bootDelayMs: 50 });
    await call('PUT', '/lab/settings', { auth: 'none', body: { powerDelayMs: 50 } });
  });

  it('keeps its servers, their state and its CA across a restart, and writes nodes.json', async () => {
    const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const before = lab.servers;
    // A hung request must not keep close() waiting.
    await admin('PUT', '/faults', { hang: true });
    const hung = call('GET', sys(0)).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await lab.close();
    assert.ok(Date.now() - t0 < 1000);
    assert.ok((await hung) instanceof Error);

    lab = await startLab({ dir, servers: 4, port: 0, powerDelayMs: 50, bootDelayMs: 50, diskSizeBytes: GIB });
    assert.equal(lab.servers.length, 4);
    assert.deepEqual(lab.servers.slice(0, 3), before);
    assert.equal(lab.servers[3].name, 'lab-3');
    assert.equal(readFileSync(join(dir, 'ca.pem'), 'utf8'), ca);
    assert.equal(lab.caPath, join(dir, 'ca.pem'));
    const s0 = state(0);
    assert.equal(s0.power, 'on');
    assert.equal(s0.bios.current.ProcTurboMode, 'Disabled');
    assert.deepEqual(s0.faults, {}, 'faults do not survive a restart');
    assert.equal(state(1).power, 'off');
    assert.equal((await call('GET', sys(0))).json.PowerState, 'On');
    assert.equal((await call('GET', '/redfish/v1/Systems')).json['Members@odata.count'], 4);

    const nodes = JSON.parse(readFileSync(join(dir, 'nodes.json'), 'utf8')).nodes;
    assert.equal(nodes.length, 4);
    assert.deepEqual(nodes[0], {
      name: 'lab-0',
      pm_type: 'redfish',
      pm_addr: lab.url,
      pm_user: 'admin',
      pm_password: 'password',
      pm_system_id: lab.servers[0].systemPath,
      mac: lab.servers[0].macs,
      cpu: '16',
      memory: '8192',
      disk: '1',
      arch: 'x86_64',
    });
    const keyMode = statSync(join(dir, 'ca-key.pem')).mode & 0o777;
    assert.equal(keyMode, 0o600);
    assert.equal(statSync(join(dir, 'server-key.pem')).mode & 0o777, 0o600);
  });
});

describe('lab over plain HTTP', () => {
  it('serves without TLS material and resets refused connections', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferrite-lab-http-'));
    const lab = await startLab({ dir, servers: 1, port: 0, http: true, powerDelayMs: 0, bootDelayMs: 0 });
    try {
      assert.equal(lab.caPath, '');
      assert.match(lab.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const call = makeClient(() => lab.url, () => '');
      assert.equal((await call('GET', lab.servers[0].systemPath)).status, 200);
      await call('PUT', `/lab/servers/${lab.servers[0].id}/faults`, { auth: 'none', body: { refused: true } });
      await assert.rejects(call('GET', lab.servers[0].systemPath), { code: 'ECONNRESET' });
    } finally {
      await lab.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ferrite lab command', () => {
  it('prints one ready line, serves, and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferrite-lab-cli-'));
    const child = spawn(process.execPath, [join(root, 'bin', 'ferrite.js'), 'lab', '--dir', dir, '--port', '0', '--servers', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const first = await new Promise<string>((resolve, reject) => {
        lines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const ready = JSON.parse(first);
      assert.deepEqual(Object.keys(ready), ['event', 'url', 'ca', 'nodes', 'servers']);
      assert.equal(ready.event, 'ready');
      assert.equal(ready.ca, join(dir, 'ca.pem'));
      assert.equal(ready.nodes, join(dir, 'nodes.json'));
      assert.equal(ready.servers, 2);
      const call = makeClient(() => ready.url, () => readFileSync(ready.ca, 'utf8'));
      assert.equal((await call('GET', '/redfish/v1/Systems')).json['Members@odata.count'], 2);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
