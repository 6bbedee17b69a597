import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { IpmiClient, type IpmiClientOptions, type IpmiTarget } from '../../src/clients/ipmi/client.js';
import {
  IpmiAuthError, IpmiCipherSuiteError, IpmiCompletionCodeError, IpmiError, IpmiTimeoutError,
} from '../../src/clients/ipmi/errors.js';
import { udpTransport, type DatagramTransport } from '../../src/clients/ipmi/udp-transport.js';
import {
  bmcTarget, failureRecorder, freeUdpPort, startIpmiSim, startPyghmiBmc, type IpmiSimPeer, type PyghmiPeer,
} from './peers/ipmi-peers.js';
import { startSha256Bmc } from './peers/sha256-bmc.js';

/*
 * Ferrite's native RMCP+ client against two independently written BMCs — OpenIPMI's ipmi_sim and a pyghmi BMC —
 * with every effect checked from the BMC's side and by independent clients (ipmitool, FreeIPMI's ipmipower).
 * Suite 3 with both: neither implements suite 17 (SHA-256); they are tested for refusing it, and suite 17 itself
 * against a small BMC of our own that ipmitool -C 17 checks first.
 */

const run = promisify(execFile);
// A password no message may ever contain; short enough for IPMI 2.0's 20 bytes.
const PASSWORD = `Fe-${randomBytes(6).toString('hex')}`;
const FAST: IpmiClientOptions = { requestTimeoutMs: 300, retries: 2, operationTimeoutMs: 2000, minIntervalMs: 2 };

describe('native IPMI client against ipmi_sim and pyghmi', () => {
  let dir: string;
  let sim: IpmiSimPeer;
  let py: PyghmiPeer;
  let client: IpmiClient;
  const { errors, fails } = failureRecorder();
  const target = (peer: { port: number }, extra: Partial<IpmiTarget> = {}): IpmiTarget => bmcTarget(peer, PASSWORD, extra);
  /** ipmitool as Ironic runs it, suite 3, the password from the environment (never on a command line). */
  const ipmitool = async (peer: { port: number }, ...args: string[]) => (await run('ipmitool',
    ['-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(peer.port), '-U', 'admin', '-E', ...args],
    { env: { ...process.env, IPMI_PASSWORD: PASSWORD }, timeout: 15_000 })).stdout;
  const powerByIpmitool = async (peer: { port: number }) =>
    /Chassis Power is (on|off)/.exec(await ipmitool(peer, 'power', 'status'))?.[1];
  const eventually = async (check: () => Promise<boolean> | boolean, ms: number, what: string) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
      await sleep(50);
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-ipmi-'));
    mkdirSync(join(dir, 'sim'));
    mkdirSync(join(dir, 'py'));
    [sim, py] = await Promise.all([startIpmiSim(join(dir, 'sim'), 'admin', PASSWORD), startPyghmiBmc(join(dir, 'py'), 'admin', PASSWORD)]);
    client = new IpmiClient(FAST);
  });
  afterEach(() => {
    // ipmi_sim segfaults on some requests (Get Channel Payload Support for channel 0Eh); a dead peer must show
    // as such, not as timeouts in later tests.
    assert.equal(sim.exited(), null, `ipmi_sim died: ${sim.output()}`);
    assert.equal(py.exited(), null, `pyghmi BMC died: ${py.output()}`);
  });
  after(async () => {
    await client?.close();
    await Promise.all([sim?.stop(), py?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the device ID of both BMCs, as ipmitool does', async () => {
    const simId = await client.getDeviceId(target(sim));
    const mcInfo = await ipmitool(sim, 'mc', 'info');
    assert.match(mcInfo, new RegExp(`Manufacturer ID\\s+: ${simId.manufacturerId}\\b`));
    assert.match(mcInfo, new RegExp(`Firmware Revision\\s+: ${simId.firmwareRevision.replace('.', '\\.')}`));
    assert.equal(simId.manufacturerId, 4753);
    assert.equal(simId.productId, 0x0f02);
    assert.equal(simId.ipmiVersion, '2.0');
    const pyId = await client.getDeviceId(target(py));
    assert.equal(pyId.firmwareRevision, '1.00');
    assert.match(await ipmitool(py, 'mc', 'info'), /Firmware Revision\s+: 1\.00/);
  });

  it('controls power on ipmi_sim: each action seen by ipmitool and by the chassis_control program', async () => {
    const t = target(sim);
    await client.chassisControl(t, 'power-up');
    assert.equal(await powerByIpmitool(sim), 'on');
    assert.equal(sim.power(), '1');
    assert.equal((await client.getChassisStatus(t)).powerOn, true);

    await client.chassisControl(t, 'power-down');
    assert.equal(await powerByIpmitool(sim), 'off');
    assert.equal((await client.getChassisStatus(t)).powerOn, false);
    // An independent second client agrees: FreeIPMI, its password from a config file. ipmi_sim needs the
    // opensesspriv workaround for FreeIPMI (its Open Session Response privilege byte).
    writeFileSync(join(dir, 'freeipmi.conf'), `username admin\npassword ${PASSWORD}\n`, { mode: 0o600 });
    const stat = await run('/usr/sbin/ipmipower', ['-h', `127.0.0.1:${sim.port}`, '--config-file', join(dir, 'freeipmi.conf'),
      '-D', 'LAN_2_0', '-I', '3', '-l', 'ADMIN', '-W', 'opensesspriv', '--stat'], { timeout: 15_000 });
    assert.match(stat.stdout, /127\.0\.0\.1: off/);

    await client.chassisControl(t, 'power-cycle'); // off now, on again ~1 s later (ipmi_sim's own timer)
    await eventually(async () => (await powerByIpmitool(sim)) === 'on', 4000, 'ipmi_sim back on after the cycle');
    const calls = sim.calls();
    assert.deepEqual(calls.slice(calls.lastIndexOf('set power 0')).filter((c) => c.startsWith('set')), ['set power 0', 'set power 1']);

    const resets = sim.counter('resets');
    await client.chassisControl(t, 'hard-reset');
    assert.equal(sim.counter('resets'), resets + 1);
    assert.equal(await powerByIpmitool(sim), 'on', 'a reset leaves power on');

    await client.chassisControl(t, 'soft-shutdown');
    assert.equal(sim.counter('shutdowns'), 1);
    assert.equal(await powerByIpmitool(sim), 'off');

    // ipmi_sim has no NMI: the BMC's refusal comes back typed, with the spec's meaning.
    const nmi = await fails(client.chassisControl(t, 'diagnostic-interrupt'), IpmiCompletionCodeError);
    assert.equal(nmi.completionCode, 0xcc);
    assert.match(nmi.message, /127\.0\.0\.1:\d+ answered Chassis Control \(diagnostic-interrupt\) with completion code 0xcc: invalid data field in request/);
  });

  it('controls power on pyghmi, NMI included: each action seen by ipmitool and by the BMC', async () => {
    const t = target(py);
    await client.chassisControl(t, 'power-up');
    assert.equal(await powerByIpmitool(py), 'on');
    await client.chassisControl(t, 'power-down');
    assert.equal(await powerByIpmitool(py), 'off');
    assert.equal((await client.getChassisStatus(t)).powerOn, false);
    await client.chassisControl(t, 'power-cycle');
    assert.equal(py.state().cycles, 1);
    await eventually(async () => (await powerByIpmitool(py)) === 'on', 4000, 'pyghmi BMC back on after the cycle');
    await client.chassisControl(t, 'hard-reset');
    await client.chassisControl(t, 'diagnostic-interrupt');
    assert.equal(await powerByIpmitool(py), 'on', 'neither reset nor NMI changes power');
    await client.chassisControl(t, 'soft-shutdown');
    assert.equal(await powerByIpmitool(py), 'off');
    const s = py.state();
    assert.deepEqual([s.resets, s.nmis, s.shutdowns], [1, 1, 1]);
  });

  it('sets and reads boot flags: device on ipmi_sim, device with persistent and EFI on pyghmi', async () => {
    await client.setBootFlags(target(sim), { device: 'pxe' });
    assert.equal((await client.getBootFlags(target(sim))).device, 'pxe');
    assert.match(await ipmitool(sim, 'chassis', 'bootparam', 'get', '5'), /Boot Device Selector : Force PXE/);
    // ipmi_sim keeps only the device selector (a known limitation of the simulator).
    await client.setBootFlags(target(sim), { device: 'disk', persistent: true, efi: true });
    assert.equal((await client.getBootFlags(target(sim))).device, 'disk');

    const t = target(py);
    await client.setBootFlags(t, { device: 'pxe' });
    assert.deepEqual(py.state().bootflags, [0x80, 0x04, 0, 0, 0]);
    const once = await client.getBootFlags(t);
    assert.deepEqual([once.valid, once.persistent, once.efi, once.device], [true, false, false, 'pxe']);
    await client.setBootFlags(t, { device: 'disk', persistent: true, efi: true });
    const both = await client.getBootFlags(t);
    assert.deepEqual([both.valid, both.persistent, both.efi, both.device], [true, true, true, 'disk']);
    const param = await ipmitool(py, 'chassis', 'bootparam', 'get', '5');
    assert.match(param, /Options apply to all future boots/);
    assert.match(param, /BIOS EFI boot/);
    assert.match(param, /Force Boot from default Hard-Drive/);
    // And the other way round: what ipmitool writes, we read.
    await ipmitool(py, 'chassis', 'bootdev', 'cdrom', 'options=efiboot');
    const cd = await client.getBootFlags(t);
    assert.deepEqual([cd.persistent, cd.efi, cd.device], [false, true, 'cdrom']);
  });

  it('reuses one session for many commands and replaces it when the BMC drops it', async () => {
    const logged: { level: string; obj: object; msg: string }[] = [];
    const log = {
      debug: (obj: object, msg: string) => logged.push({ level: 'debug', obj, msg }),
      warn: (obj: object, msg: string) => logged.push({ level: 'warn', obj, msg }),
    };
    const c = new IpmiClient({ ...FAST, sessionIdleMs: 60_000, log });
    const t = target(py);
    try {
      const before = py.state().sessions;
      for (let i = 0; i < 15; i++) await c.getChassisStatus(t);
      await c.setBootFlags(t, { device: 'bios' });
      await c.getDeviceId(t);
      assert.equal(py.state().sessions - before, 1, 'one RMCP+ Open Session on the BMC for 17 calls');
      assert.equal(await c.sessionsOpened(t), 1);
      for (let i = 0; i < 10; i++) await c.getChassisStatus(target(sim));
      assert.equal(await c.sessionsOpened(target(sim)), 1);

      // Restart the BMC: it forgets every session and drops our packets; the client opens a new one by itself.
      await py.stop();
      py = await startPyghmiBmc(join(dir, 'py'), 'admin', PASSWORD, py.port);
      assert.equal((await c.getChassisStatus(t)).powerOn, false);
      assert.equal(await c.sessionsOpened(t), 2);
      assert.equal(py.state().sessions, 1);
      assert.deepEqual(logged.filter((l) => l.level === 'warn').map((l) => l.msg), ['IPMI session stopped answering; opening a new one']);
      assert.ok(logged.some((l) => l.msg === 'retransmitting IPMI request'));
      assert.ok(!JSON.stringify(logged).includes(PASSWORD), 'the log never carries the password');
    } finally {
      await c.close();
    }
  });

  it('replaces an idle session before use instead of timing out on it', async () => {
    const c = new IpmiClient({ ...FAST, sessionIdleMs: 100 });
    const t = target(sim);
    try {
      await c.getChassisStatus(t);
      await sleep(150);
      const started = Date.now();
      await c.getChassisStatus(t);
      assert.ok(Date.now() - started < FAST.requestTimeoutMs!, 'no timeout spent on the idle session');
      assert.equal(await c.sessionsOpened(t), 2);
    } finally {
      await c.close();
    }
  });

  it('opens sessions at the privilege level asked for: a user-level session reads but may not control', async () => {
    const user = target(sim, { privilege: 'user' });
    assert.equal(typeof (await client.getChassisStatus(user)).powerOn, 'boolean');
    const e = await fails(client.chassisControl(user, 'power-up'), IpmiCompletionCodeError);
    assert.equal(e.completionCode, 0xd4);
    assert.match(e.message, /insufficient privilege level/);
    assert.equal(sim.power(), '0');
    await client.chassisControl(target(sim, { privilege: 'operator' }), 'power-up');
    assert.equal(await powerByIpmitool(sim), 'on');
    await client.chassisControl(target(sim), 'power-down');
  });

  it('refuses a wrong password or username quickly, as an auth error without the password', async () => {
    // Own clients: pyghmi keeps one session per client address, and a failed login replaces it.
    for (const [peer, name] of [[sim, 'ipmi_sim'], [py, 'pyghmi']] as const) {
      const c = new IpmiClient(FAST);
      const started = Date.now();
      const e = await fails(c.getChassisStatus(target(peer, { password: 'not-the-password' })), IpmiAuthError);
      assert.ok(Date.now() - started < 250, `${name}: refused in ${Date.now() - started} ms, before any timeout`);
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${peer.port} refused user admin: wrong username or password`));
      assert.doesNotMatch(e.message, /not-the-password/);
      await c.close();
    }
    // ipmi_sim says so for an unknown user (RAKP 2 status "unauthorized name"); pyghmi stays silent instead.
    const c = new IpmiClient(FAST);
    const e = await fails(c.getChassisStatus(target(sim, { username: 'nobody' })), IpmiAuthError);
    assert.match(e.message, /refused user nobody: wrong username or password/);
    await c.close();
  });

  it('names the cipher suite a BMC does not offer', async () => {
    for (const peer of [sim, py]) {
      const c = new IpmiClient(FAST);
      const e = await fails(c.getChassisStatus(target(peer, { cipherSuite: 17 })), IpmiCipherSuiteError);
      assert.equal(e.suite, 17);
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${peer.port} does not offer cipher suite 17 \\(RAKP-HMAC-SHA256`));
      await c.close();
    }
    const e = await fails(client.getChassisStatus(target(sim, { cipherSuite: 42 })), IpmiCipherSuiteError);
    assert.match(e.message, /cipher suite 42 .* is not supported by this client/);
  });

  it('speaks cipher suite 17 (SHA-256) with a BMC that ipmitool -C 17 accepts', async () => {
    // No Debian BMC has suite 17, so the peer is our own small one — trusted only because ipmitool, an
    // independent implementation, logs in to it with suite 17 and sees power change first.
    const bmc = await startSha256Bmc('admin', PASSWORD);
    const ipmitool17 = async (...args: string[]) => (await run('ipmitool',
      ['-I', 'lanplus', '-C', '17', '-H', '127.0.0.1', '-p', String(bmc.port), '-U', 'admin', '-E', ...args],
      { env: { ...process.env, IPMI_PASSWORD: PASSWORD }, timeout: 15_000 })).stdout;
    const c = new IpmiClient(FAST);
    try {
      assert.match(await ipmitool17('power', 'on'), /Up\/On/);
      assert.equal(bmc.power(), true);
      const t = target(bmc, { cipherSuite: 17 });
      assert.equal((await c.getChassisStatus(t)).powerOn, true);
      await c.chassisControl(t, 'power-down');
      assert.match(await ipmitool17('power', 'status'), /Chassis Power is off/);
      assert.equal((await c.getDeviceId(t)).manufacturerId, 7995);
      assert.equal(await c.sessionsOpened(t), 1);
      await fails(c.getChassisStatus(target(bmc, { cipherSuite: 17, password: 'not-the-password' })), IpmiAuthError);
    } finally {
      await c.close();
      await bmc.close();
    }
    assert.equal(bmc.opened.get(17), 4, 'two ipmitool sessions, the client\'s one, the refused one');
  });

  it('a stopped BMC costs its own callers one bounded timeout; the other BMC answers meanwhile', async () => {
    const t = target(sim);
    await client.getChassisStatus(t); // a session exists: the stop hits a reused session, the harder case
    await client.getChassisStatus(target(py)); // (pyghmi was restarted above: settle its new session first)
    process.kill(sim.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const stuck = Promise.all([client.getChassisStatus(t), client.getDeviceId(t)]);
      const others: number[] = [];
      for (let i = 0; i < 5; i++) {
        const s = Date.now();
        await client.getChassisStatus(target(py));
        others.push(Date.now() - s);
      }
      assert.ok(Math.max(...others) < 250, `pyghmi answered in ${others.join(', ')} ms while ipmi_sim hung`);
      const e = await fails(stuck, IpmiTimeoutError);
      const took = Date.now() - started;
      assert.ok(took >= 800 && took <= FAST.operationTimeoutMs! + 300, `timed out after ${took} ms`);
      assert.match(e.message, new RegExp(`IPMI BMC at 127\\.0\\.0\\.1:${sim.port} did not answer`));
    } finally {
      process.kill(sim.pid, 'SIGCONT');
    }
    assert.equal(typeof (await client.getChassisStatus(t)).powerOn, 'boolean', 'usable again once it runs');

    // Nothing at all on the port: the first request already times out, within the bound.
    const nobody = await freeUdpPort();
    const started = Date.now();
    const e = await fails(client.getChassisStatus({ ...t, port: nobody }), IpmiTimeoutError);
    assert.ok(Date.now() - started <= FAST.operationTimeoutMs! + 300);
    assert.match(e.message, /did not answer Get Channel Authentication Capabilities: no answer after 3 tries of 300 ms/);
  });

  it('serialises 20 parallel commands to one BMC, all answered on one session', async () => {
    // The real UDP transport, watched: each exchange listens for its answer, so listeners that overlap would be
    // exchanges in flight together.
    const real = udpTransport();
    let inFlight = 0;
    let most = 0;
    const watched: DatagramTransport = {
      send: (a, p, d) => real.send(a, p, d),
      close: () => real.close(),
      listen: (a, p, h) => {
        most = Math.max(most, ++inFlight);
        const stop = real.listen(a, p, h);
        return () => { inFlight--; stop(); };
      },
    };
    const c = new IpmiClient({ ...FAST, transport: watched, operationTimeoutMs: 5000 });
    try {
      const t = target(sim);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? c.getChassisStatus(t).then((s) => typeof s.powerOn) : c.getDeviceId(t).then((d) => d.ipmiVersion))));
      assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'boolean' : '2.0')));
      assert.equal(most, 1, 'one exchange at a time with one BMC');
      assert.equal(await c.sessionsOpened(t), 1);
    } finally {
      await c.close();
    }
  });

  it('never puts the password in an error', () => {
    assert.ok(errors.length >= 8);
    for (const e of errors) {
      assert.ok(e instanceof IpmiError);
      assert.ok(!`${e.message} ${e.stack ?? ''} ${JSON.stringify(e)}`.includes(PASSWORD), e.message);
    }
  });
});
