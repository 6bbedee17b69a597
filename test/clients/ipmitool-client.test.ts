import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IpmiClient } from '../../src/clients/ipmi/client.js';
import {
  IpmiAuthError, IpmiCipherSuiteError, IpmiCompletionCodeError, IpmiError, IpmiTimeoutError,
} from '../../src/clients/ipmi/errors.js';
import type { IpmiBackend, IpmiTarget } from '../../src/clients/ipmi/ipmi-backend.js';
import { IpmitoolClient, type IpmitoolClientOptions } from '../../src/clients/ipmi/ipmitool-client.js';
import { ipmitoolArgs } from '../../src/clients/ipmi/ipmitool-command.js';
import {
  bmcTarget, failureRecorder, startIpmiSim, startPyghmiBmc, type IpmiSimPeer, type PyghmiPeer,
} from './peers/ipmi-peers.js';

/*
 * The ipmitool backend against the same two BMCs as the native client (OpenIPMI's ipmi_sim and a pyghmi BMC):
 * both backends must return the same typed results for the same BMC state and the same typed errors for the same
 * failures, and ipmitool's children must be serialised per BMC, bounded, and never carry the password in argv.
 */

const PASSWORD = `It-${randomBytes(6).toString('hex')}`;
const FAST: IpmitoolClientOptions = { requestTimeoutMs: 1000, retries: 2, operationTimeoutMs: 2500, minIntervalMs: 2 };

/** Our ipmitool children right now: processes whose parent is this one and whose program is ipmitool. */
function ipmitoolChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat) ?? [];
      if (comm === 'ipmitool' && Number(rest.split(' ')[1]) === process.pid) pids.push(Number(entry));
    } catch { /* gone meanwhile */ }
  }
  return pids;
}

/** CPU seconds of this process and of its reaped children (utime+stime, cutime+cstime; 100 ticks a second). */
function cpuSeconds(): { self: number; children: number } {
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /s, '').split(' ').map(Number);
  // After "pid (comm) ", field 14 of stat is index 11 here: utime, stime, cutime, cstime.
  const [utime, stime, cutime, cstime] = fields.slice(11, 15);
  return { self: (utime + stime) / 100, children: (cutime + cstime) / 100 };
}

describe('ipmitool backend against ipmi_sim and pyghmi, next to the native client', () => {
  let dir: string;
  let sim: IpmiSimPeer;
  let py: PyghmiPeer;
  let tool: IpmitoolClient;
  let native: IpmiClient;
  const { errors, fails } = failureRecorder();
  const target = (peer: { port: number }, extra: Partial<IpmiTarget> = {}): IpmiTarget => bmcTarget(peer, PASSWORD, extra);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-ipmitool-'));
    mkdirSync(join(dir, 'sim'));
    mkdirSync(join(dir, 'py'));
    [sim, py] = await Promise.all([startIpmiSim(join(dir, 'sim'), 'admin', PASSWORD), startPyghmiBmc(join(dir, 'py'), 'admin', PASSWORD)]);
    tool = new IpmitoolClient(FAST);
    native = new IpmiClient({ requestTimeoutMs: 300, retries: 2, operationTimeoutMs: 2000, minIntervalMs: 2 });
  });
  afterEach(() => {
    assert.equal(sim.exited(), null, `ipmi_sim died: ${sim.output()}`);
    assert.equal(py.exited(), null, `pyghmi BMC died: ${py.output()}`);
  });
  after(async () => {
    await tool?.close();
    await native?.close();
    await Promise.all([sim?.stop(), py?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns what the native client returns: device ID and chassis status of both BMCs', async () => {
    for (const peer of [sim, py]) {
      assert.deepEqual(await tool.getDeviceId(target(peer)), await native.getDeviceId(target(peer)));
      assert.deepEqual(await tool.getChassisStatus(target(peer)), await native.getChassisStatus(target(peer)));
    }
    assert.equal((await tool.getDeviceId(target(sim))).manufacturerId, 4753);
    assert.equal((await tool.getDeviceId(target(py))).firmwareRevision, '1.00');
  });

  it('reads the same boot flags as the native client after either backend wrote them', async () => {
    const writers: [string, IpmiBackend][] = [['ipmitool', tool], ['native', native]];
    for (const [name, writer] of writers) {
      await writer.setBootFlags(target(py), { device: 'pxe', persistent: name === 'ipmitool', efi: true });
      const [a, b] = [await tool.getBootFlags(target(py)), await native.getBootFlags(target(py))];
      assert.deepEqual(a, b, `pyghmi after ${name} wrote`);
      assert.deepEqual([a.valid, a.persistent, a.efi, a.device], [true, name === 'ipmitool', true, 'pxe']);
      assert.deepEqual(py.state().bootflags, [name === 'ipmitool' ? 0xe0 : 0xa0, 0x04, 0, 0, 0]);

      // ipmi_sim keeps the device selector only; its chassis program records it.
      await writer.setBootFlags(target(sim), { device: name === 'ipmitool' ? 'cdrom' : 'bios' });
      const [c, d] = [await tool.getBootFlags(target(sim)), await native.getBootFlags(target(sim))];
      assert.deepEqual(c, d, `ipmi_sim after ${name} wrote`);
      assert.equal(c.device, name === 'ipmitool' ? 'cdrom' : 'bios');
      assert.ok(sim.calls().includes(`set boot ${name === 'ipmitool' ? 'cdrom' : 'bios'}`), sim.calls().join('\n'));
    }
    // raw() returns a refusal rather than throwing, as the native client does (parameter 3 on ipmi_sim).
    const [r1, r2] = [await tool.raw(target(sim), 0x00, 0x08, Buffer.from([0x03, 0x08])), await native.raw(target(sim), 0x00, 0x08, Buffer.from([0x03, 0x08]))];
    assert.deepEqual([r1.completionCode, r1.netFn, r1.cmd], [r2.completionCode, r2.netFn, r2.cmd]);
  });

  it('power actions through ipmitool are seen by ipmi_sim\'s chassis program and the pyghmi BMC', async () => {
    const s = target(sim);
    await tool.chassisControl(s, 'power-up');
    assert.equal(sim.power(), '1');
    assert.equal((await native.getChassisStatus(s)).powerOn, true);
    const resets = sim.counter('resets');
    await tool.chassisControl(s, 'hard-reset');
    assert.equal(sim.counter('resets'), resets + 1);
    await tool.chassisControl(s, 'soft-shutdown');
    assert.equal(sim.power(), '0');
    assert.equal((await tool.getChassisStatus(s)).powerOn, false);
    // ipmi_sim has no NMI: the same typed refusal as from the native client, with the spec's meaning.
    const nmi = await fails(tool.chassisControl(s, 'diagnostic-interrupt'), IpmiCompletionCodeError);
    assert.equal(nmi.completionCode, 0xcc);
    assert.match(nmi.message, /127\.0\.0\.1:\d+ answered Chassis Control \(diagnostic-interrupt\) with completion code 0xcc: invalid data field in request/);
    // A user-level session may read but not control, as with the native client.
    const priv = await fails(tool.chassisControl(target(sim, { privilege: 'user' }), 'power-up'), IpmiCompletionCodeError);
    assert.equal(priv.completionCode, 0xd4);

    const p = target(py);
    await tool.chassisControl(p, 'power-up');
    assert.equal(py.state().power, 'on');
    await tool.chassisControl(p, 'diagnostic-interrupt');
    await tool.chassisControl(p, 'power-cycle');
    await tool.chassisControl(p, 'power-down');
    assert.equal((await native.getChassisStatus(p)).powerOn, false);
    assert.deepEqual([py.state().nmis, py.state().cycles, py.state().power], [1, 1, 'off']);
  });

  it('maps a wrong password, an unknown user and a missing cipher suite to the native client\'s error types', async () => {
    for (const peer of [sim, py]) {
      const started = Date.now();
      const e = await fails(tool.getChassisStatus(target(peer, { password: 'not-the-password' })), IpmiAuthError);
      assert.ok(Date.now() - started < 1000, `refused in ${Date.now() - started} ms, before any timeout`);
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${peer.port} refused user admin: wrong username or password`));
      assert.doesNotMatch(e.message, /not-the-password/);
      await fails(native.getChassisStatus(target(peer, { password: 'not-the-password' })), IpmiAuthError);

      const suite = await fails(tool.getChassisStatus(target(peer, { cipherSuite: 17 })), IpmiCipherSuiteError);
      assert.equal(suite.suite, 17);
      assert.match(suite.message, new RegExp(`127\\.0\\.0\\.1:${peer.port} does not offer cipher suite 17`));
    }
    const nobody = await fails(tool.getChassisStatus(target(sim, { username: 'nobody' })), IpmiAuthError);
    assert.match(nobody.message, /refused user nobody: .*unauthorized name/);
  });

  it('a stopped BMC costs its callers one bound each; children are killed, the other BMC answers meanwhile, no password in argv', async () => {
    await tool.getChassisStatus(target(sim));
    process.kill(sim.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      // ipmitool alone would try for ~6 s (-R 2 -N 1); the client's 2.5 s bound kills it. Three queued calls
      // all end at their own bound, not one after another.
      const stuck = [tool.getChassisStatus(target(sim)), tool.getDeviceId(target(sim)), tool.getBootFlags(target(sim))];
      const ended = stuck.map((p) => p.then(() => Date.now() - started, () => Date.now() - started));
      await sleep(300);
      const running = ipmitoolChildren();
      assert.equal(running.length, 1, 'one child for the stopped BMC, the others queued');
      for (const pid of running) {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        assert.ok(argv.includes('-E') && argv.includes('-C') && argv.includes(String(sim.port)), argv.join(' '));
        assert.ok(!argv.join(' ').includes(PASSWORD), `password in argv: ${argv.join(' ')}`);
        // It is in the child's environment, readable only by this user (the kernel makes environ 0400).
        assert.ok(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`IPMI_PASSWORD=${PASSWORD}`));
      }
      const others: number[] = [];
      for (let i = 0; i < 3; i++) {
        const s = Date.now();
        await tool.getChassisStatus(target(py));
        others.push(Date.now() - s);
      }
      assert.ok(Math.max(...others) < 1000, `pyghmi answered in ${others.join(', ')} ms while ipmi_sim hung`);
      for (const p of stuck) await fails(p, IpmiTimeoutError);
      const times = await Promise.all(ended);
      assert.ok(times.every((t) => t >= 2300 && t <= FAST.operationTimeoutMs! + 700), `ended after ${times.join(', ')} ms`);
      assert.deepEqual(ipmitoolChildren(), [], 'the hung child was killed');
      assert.match(errors.at(-1)!.message, new RegExp(`127\\.0\\.0\\.1:${sim.port} did not answer`));
    } finally {
      process.kill(sim.pid, 'SIGCONT');
    }
    assert.equal(typeof (await tool.getChassisStatus(target(sim))).powerOn, 'boolean', 'usable again once it runs');
  });

  it('runs at most one ipmitool child per BMC address: 20 parallel calls to each of two BMCs', async () => {
    // A wrapper around ipmitool logs when each child starts and ends (and its argv), then passes its exit code on.
    const log = join(dir, 'children.log');
    const wrapper = join(dir, 'ipmitool-wrapper.sh');
    writeFileSync(wrapper, `#!/bin/sh
port=; prev=; for a in "$@"; do [ "$prev" = -p ] && port=$a; prev=$a; done
echo "start $port $(date +%s%N) $*" >> ${log}
/usr/bin/ipmitool "$@"; rc=$?
echo "end $port $(date +%s%N)" >> ${log}
exit $rc
`);
    chmodSync(wrapper, 0o755);
    const wrapped = new IpmitoolClient({ ...FAST, binary: wrapper, operationTimeoutMs: 30_000 });
    try {
      const calls = [sim, py].flatMap((peer) => Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? wrapped.getChassisStatus(target(peer)).then((s) => typeof s.powerOn) : wrapped.getDeviceId(target(peer)).then((d) => d.ipmiVersion))));
      const results = await Promise.all(calls);
      assert.deepEqual(results, Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'boolean' : '2.0')));
    } finally {
      await wrapped.close();
    }
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.ok(!lines.join('\n').includes(PASSWORD), 'no password in any argv');
    const most = new Map<string, number>();
    const now = new Map<string, number>();
    let overall = 0;
    let together = 0;
    for (const line of lines.map((l) => l.split(' ')).sort((a, b) => Number(BigInt(a[2]) - BigInt(b[2])))) {
      const [event, port] = line;
      now.set(port, (now.get(port) ?? 0) + (event === 'start' ? 1 : -1));
      most.set(port, Math.max(most.get(port) ?? 0, now.get(port)!));
      together += event === 'start' ? 1 : -1;
      overall = Math.max(overall, together);
    }
    assert.equal(lines.filter((l) => l.startsWith('start')).length, 40);
    assert.deepEqual([...most.values()], [1, 1], 'one child at a time per BMC');
    assert.equal(overall, 2, 'the two BMCs were served side by side');
  });

  it('bridges with Ironic\'s options through ipmi_sim\'s IPMB; the native client refuses a bridged target', async () => {
    const args = ipmitoolArgs(target(sim, { bridging: { type: 'dual', transitChannel: 0, transitAddress: 0x82, targetChannel: 7, targetAddress: 0x72, localAddress: 0x20 } }),
      { requestTimeoutSeconds: 1, tries: 2 }, 0x00, 0x01, Buffer.alloc(0));
    const line = args.join(' ');
    assert.match(line, /-I lanplus -H 127\.0\.0\.1 -p \d+ -U admin -L ADMINISTRATOR -C 3 -R 2 -N 1 -m 0x20 -B 0 -T 0x82 -b 7 -t 0x72 -E -v raw 0x00 0x01$/);
    assert.ok(!line.includes(PASSWORD));
    const single = ipmitoolArgs(target(sim, { bridging: { type: 'single', targetChannel: 6, targetAddress: 0x2c } }),
      { requestTimeoutSeconds: 0.3, tries: 0 }, 0x06, 0x01, Buffer.alloc(0)).join(' ');
    assert.match(single, /-R 1 -N 1 -b 6 -t 0x2c -E/);
    assert.doesNotMatch(single, /-B|-T|-m/);

    // Through ipmi_sim's IPMB (channel 0) back to its own controller at 20h, from a local address of 22h: the
    // bridged answer is the unbridged one; nothing at 30h, and the BMC's refusal arrives typed.
    const viaBus = target(sim, { bridging: { type: 'single', targetChannel: 0, targetAddress: 0x20, localAddress: 0x22 } });
    assert.deepEqual(await tool.getDeviceId(viaBus), await tool.getDeviceId(target(sim)));
    assert.deepEqual(await tool.getChassisStatus(viaBus), await native.getChassisStatus(target(sim)));
    const absent = await fails(tool.getChassisStatus(target(sim, { bridging: { type: 'single', targetChannel: 0, targetAddress: 0x30 } })),
      IpmiCompletionCodeError);
    assert.equal(absent.completionCode, 0x83);

    const e = await fails(native.getChassisStatus(target(sim, { bridging: { type: 'single', targetChannel: 6, targetAddress: 0x2c } })), IpmiError);
    assert.match(e.message, /single bridging is not supported by the native IPMI client; set \[ipmi\] client = ipmitool/);
  });

  it('CPU per chassis-status query, native against ipmitool (reported, over 200 queries each)', async () => {
    const n = 200;
    const measure = async (backend: IpmiBackend) => {
      const t0 = cpuSeconds();
      const u0 = process.cpuUsage();
      const w0 = Date.now();
      for (let i = 0; i < n; i++) await backend.getChassisStatus(target(sim));
      const u = process.cpuUsage(u0);
      const t1 = cpuSeconds();
      return { self: (u.user + u.system) / 1e6, children: t1.children - t0.children, wall: (Date.now() - w0) / 1000 };
    };
    const fresh = new IpmiClient({ requestTimeoutMs: 300, retries: 2, operationTimeoutMs: 2000, minIntervalMs: 2 });
    const nat = await measure(fresh);
    await fresh.close();
    const it = await measure(tool);
    const perQuery = (m: { self: number; children: number }) => ((m.self + m.children) / n) * 1000;
    const report = `CPU per Get Chassis Status (ipmi_sim, ${n} queries each): native ${perQuery(nat).toFixed(3)} ms ` +
      `(wall ${((nat.wall / n) * 1000).toFixed(1)} ms), ipmitool ${perQuery(it).toFixed(3)} ms = ${(it.self / n * 1000).toFixed(3)} ms in Node ` +
      `+ ${(it.children / n * 1000).toFixed(3)} ms in ipmitool (wall ${((it.wall / n) * 1000).toFixed(1)} ms); ratio ${(perQuery(it) / perQuery(nat)).toFixed(1)}x`;
    console.log(report);
    if (process.env.FERRITE_CPU_REPORT) writeFileSync(process.env.FERRITE_CPU_REPORT, `${report}\n`, { flag: 'a' });
    assert.ok(it.children > 0, 'ipmitool children were counted');
  });

  it('never puts the password in an error', () => {
    assert.ok(errors.length >= 10);
    for (const e of errors) {
      assert.ok(e instanceof IpmiError);
      assert.ok(!`${e.message} ${e.stack ?? ''} ${JSON.stringify(e)}`.includes(PASSWORD), e.message);
    }
  });
});
