// The lab firmware's script interpreter on its own: documents held in memory, fetches recorded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandSettings, runBootDocument, type ScriptIo } from '../../src/lab/ipxe-script.js';
import { parsePxelinux, pxelinuxChoice } from '../../src/lab/pxelinux-config.js';

const BASE = 'http://boot.test/boot';
const MACS = ['52:54:00:00:00:0a', '52:54:00:00:00:0b'];

function memoryIo(docs: Record<string, string>, missingImages: string[] = []) {
  const fetched: string[] = [];
  const images: { url: string; role: string; index: number }[] = [];
  const printed: string[] = [];
  const io: ScriptIo = {
    async fetchDocument(url) {
      fetched.push(url);
      const doc = docs[url];
      if (doc === undefined) throw new Error(`HTTP 404 from ${url}`);
      return doc;
    },
    async fetchImage(url, role, index) {
      if (missingImages.includes(url)) throw new Error(`HTTP 404 from ${url}`);
      images.push({ url, role, index });
    },
    print(line) {
      printed.push(line);
    },
  };
  return { io, fetched, images, printed };
}

// Ferrite's generic script (the contract's boot.ipxe) and its per-node iPXE script.
const GENERIC = `#!ipxe
chain ${BASE}/pxelinux.cfg/\${mac:hexhyp} || goto no_config
:no_config
echo No boot configuration for \${mac}: booting from disk
exit
`;
const PER_NODE = `#!ipxe
# deploy ramdisk
kernel ${BASE}/agent/kernel ipa-api-url=http://api.test:6385 nofb BOOTIF=01-\${mac:hexhyp} initrd=agent.ramdisk
initrd --name agent.ramdisk ../agent/ramdisk
boot
`;

describe('iPXE interpreter', () => {
  it('follows the generic script to the per-MAC script and boots its kernel and initrd', async () => {
    const m = memoryIo({ [`${BASE}/boot.ipxe`]: GENERIC, [`${BASE}/pxelinux.cfg/52-54-00-00-00-0b`]: PER_NODE });
    const out = await runBootDocument(`${BASE}/boot.ipxe`, { macs: MACS, nic: 1 }, m.io);
    assert.deepEqual(out, {
      kind: 'boot',
      images: {
        kernel: { url: `${BASE}/agent/kernel`, name: 'kernel' },
        cmdline: 'ipa-api-url=http://api.test:6385 nofb BOOTIF=01-52-54-00-00-00-0b initrd=agent.ramdisk',
        // relative to the per-MAC script's URL
        initrds: [{ url: `${BASE}/agent/ramdisk`, name: 'agent.ramdisk' }],
      },
    });
    assert.deepEqual(m.images.map((i) => [i.role, i.index]), [['kernel', 0], ['initrd', 0]]);
  });

  it('a failed chain handled by || goto ends at exit, after echoing with ${mac} expanded', async () => {
    const m = memoryIo({ [`${BASE}/boot.ipxe`]: GENERIC });
    const out = await runBootDocument(`${BASE}/boot.ipxe`, { macs: MACS, nic: 0 }, m.io);
    assert.equal(out.kind, 'exit');
    assert.deepEqual(m.printed, [
      `chain: HTTP 404 from ${BASE}/pxelinux.cfg/52-54-00-00-00-0a`,
      'No boot configuration for 52:54:00:00:00:0a: booting from disk',
    ]);
  });

  it('an unhandled failure ends the script with its reason; the first document missing fails too', async () => {
    const m = memoryIo({ [`${BASE}/a.ipxe`]: '#!ipxe\necho one\nkernel missing.bin\necho never\n' }, [`${BASE}/missing.bin`]);
    assert.deepEqual(await runBootDocument(`${BASE}/a.ipxe`, { macs: MACS, nic: 0 }, m.io), { kind: 'failed', reason: `HTTP 404 from ${BASE}/missing.bin` });
    assert.deepEqual(m.printed, ['one', `kernel: HTTP 404 from ${BASE}/missing.bin`]);
    assert.deepEqual(await runBootDocument(`${BASE}/none`, { macs: MACS, nic: 0 }, m.io), { kind: 'failed', reason: `HTTP 404 from ${BASE}/none` });
  });

  it('&& runs only after success and keeps the last status across skipped commands, as iPXE does', async () => {
    const m = memoryIo({
      [`${BASE}/s`]: '#!ipxe\nset a 1\niseq ${a} 2 && echo equal || echo differs\niseq ${a} 1 && echo same\nisset ${nothing} || echo unset\n',
    });
    const out = await runBootDocument(`${BASE}/s`, { macs: MACS, nic: 0 }, m.io);
    assert.deepEqual(m.printed.filter((l) => !l.startsWith('iseq') && !l.startsWith('isset')), ['differs', 'same', 'unset']);
    assert.equal(out.kind, 'failed');
    assert.match((out as { reason: string }).reason, /ended without booting/);
  });

  it("runs Ironic's retry loop (set with type, inc, iseq, goto) and stops a loop at the step limit", async () => {
    const ironic = `#!ipxe
set attempts:int32 3
set i:int32 0
:deploy
imgfree
kernel ${BASE}/k || goto retry
boot
:retry
iseq \${i} \${attempts} && goto fail ||
inc i
echo retry \${i}
sleep \${i}
goto deploy
:fail
echo Failed after \${attempts} attempts
`;
    const m = memoryIo({ [`${BASE}/i`]: ironic }, [`${BASE}/k`]);
    const out = await runBootDocument(`${BASE}/i`, { macs: MACS, nic: 0 }, m.io);
    assert.equal(out.kind, 'failed');
    assert.deepEqual(m.printed.filter((l) => !l.startsWith('kernel') && !l.startsWith('iseq')), ['retry 1', 'retry 2', 'retry 3', 'Failed after 3 attempts']);

    const loop = memoryIo({ [`${BASE}/l`]: '#!ipxe\n:top\ngoto top\n' });
    const stopped = await runBootDocument(`${BASE}/l`, { macs: MACS, nic: 0 }, loop.io, { maxDepth: 4, maxSteps: 50 });
    assert.deepEqual(stopped, { kind: 'failed', reason: `more than 50 script commands (a loop?) in ${BASE}/l` });
  });

  it('bounds chain depth, and chain --replace does not come back', async () => {
    const m = memoryIo({ [`${BASE}/self`]: '#!ipxe\nchain self\n' });
    const out = await runBootDocument(`${BASE}/self`, { macs: MACS, nic: 0 }, m.io, { maxDepth: 3, maxSteps: 100 });
    assert.deepEqual(out, { kind: 'failed', reason: `chain nested deeper than 3 at ${BASE}/self` });

    const r = memoryIo({ [`${BASE}/a`]: '#!ipxe\nchain --replace b\necho back in a\n', [`${BASE}/b`]: '#!ipxe\necho in b\n' });
    await runBootDocument(`${BASE}/a`, { macs: MACS, nic: 0 }, r.io);
    assert.deepEqual(r.printed, ['in b']);
    const back = memoryIo({ [`${BASE}/a`]: '#!ipxe\nchain b\necho back in a\n', [`${BASE}/b`]: '#!ipxe\necho in b\n' });
    await runBootDocument(`${BASE}/a`, { macs: MACS, nic: 0 }, back.io);
    assert.deepEqual(back.printed, ['in b', 'back in a']);
  });

  it('imgargs replaces the kernel arguments; sanboot leaves for the disk; unknown commands fail', async () => {
    const m = memoryIo({ [`${BASE}/a`]: '#!ipxe\nkernel --name vmlinuz k a=1\nimgargs vmlinuz b=2 ${net1/mac}\nboot\n' });
    const out = await runBootDocument(`${BASE}/a`, { macs: MACS, nic: 0 }, m.io);
    assert.equal(out.kind === 'boot' && out.images.cmdline, 'b=2 52:54:00:00:00:0b');
    const s = memoryIo({ [`${BASE}/a`]: '#!ipxe\nsanboot --no-describe --drive 0x80\n' });
    assert.equal((await runBootDocument(`${BASE}/a`, { macs: MACS, nic: 0 }, s.io)).kind, 'exit');
    const u = memoryIo({ [`${BASE}/a`]: '#!ipxe\nfrobnicate\nboot\n' });
    assert.deepEqual(await runBootDocument(`${BASE}/a`, { macs: MACS, nic: 0 }, u.io), { kind: 'failed', reason: 'frobnicate: command not found' });
  });

  it('boots a chained PXELINUX file: default label, append with initrd=, ipappend 2 adds BOOTIF once', async () => {
    const pxelinux = `default deploy
label other
kernel /nope
label deploy
kernel ${BASE}/agent/kernel
append initrd=${BASE}/agent/ramdisk ipa-api-url=http://api.test:6385 BOOTIF=01-52-54-00-00-00-0a
ipappend 2
`;
    const m = memoryIo({ [`${BASE}/boot.ipxe`]: GENERIC.replace('${mac:hexhyp}', '01-${mac:hexhyp}'), [`${BASE}/pxelinux.cfg/01-52-54-00-00-00-0a`]: pxelinux });
    const out = await runBootDocument(`${BASE}/boot.ipxe`, { macs: MACS, nic: 0 }, m.io);
    assert.deepEqual(out, {
      kind: 'boot',
      images: {
        kernel: { url: `${BASE}/agent/kernel`, name: 'kernel' },
        cmdline: `initrd=${BASE}/agent/ramdisk ipa-api-url=http://api.test:6385 BOOTIF=01-52-54-00-00-00-0a`,
        initrds: [{ url: `${BASE}/agent/ramdisk`, name: 'ramdisk' }],
      },
    });
    const local = memoryIo({ [`${BASE}/p`]: 'default local\nlabel local\nlocalboot 0\n' });
    assert.equal((await runBootDocument(`${BASE}/p`, { macs: MACS, nic: 0 }, local.io)).kind, 'exit');
    assert.equal((await runBootDocument(`${BASE}/p`, { macs: MACS, nic: 0 }, memoryIo({ [`${BASE}/p`]: 'garbage\n' }).io)).kind, 'failed');
  });

  it('parses PXELINUX without a default (first label) and expands settings with types', () => {
    const cfg = parsePxelinux('LABEL a\n  LINUX vmlinuz\n  INITRD one,two\n  APPEND x=1\n');
    assert.deepEqual(pxelinuxChoice(cfg), { label: 'a', kernel: 'vmlinuz', append: 'x=1', initrds: ['one', 'two'], ipappend: 0, localboot: false });
    const look = (n: string, t: string | undefined) => (n === 'x' ? `x${t ?? ''}` : undefined);
    assert.equal(expandSettings('${x}/${x:hexhyp}/${y}.', look), 'x/xhexhyp/.');
  });
});
