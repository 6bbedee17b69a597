import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import jsonpatch, { type Operation } from 'fast-json-patch';
import {
  BOOT_DEVICES, imagePatch, provisionActions, stepProgress, type HashAlgo,
} from '../../ui/src/node/node-actions.ts';
import { ALL_STATES, VERB_EVENTS, canFire, type ProvisionState } from '../../src/domain/provision-state-machine.js';

const verbs = (state: string) => provisionActions(state).map((a) => a.verb);

/*
 * What the node page offers, by state, read from Ironic's state machine (ironic/common/states.py): the verbs
 * are the API's (PUT /v1/nodes/{id}/states/provision {"target": verb}), "active" deploys, "deleted" undeploys.
 */
const OFFERED: [state: string, verbs: string[], why: string][] = [
  ['enroll', ['manage'], 'enroll → verifying on manage'],
  ['manageable', ['provide', 'inspect', 'clean'], 'manageable → cleaning (provide, clean), inspecting (inspect)'],
  ['available', ['active', 'manage'], 'available → deploying (active), manageable (manage)'],
  ['active', ['deleted', 'rebuild'], 'active → deleting (deleted), deploying (rebuild)'],
  ['deploy failed', ['active', 'deleted'], 'deploy failed → deploying (active), deleting (deleted)'],
  ['clean failed', ['manage'], 'clean failed → manageable'],
  ['inspect failed', ['manage', 'inspect'], 'inspect failed → manageable, inspecting'],
  ['error', ['deleted'], 'error → deleting'],
  ['clean wait', ['abort'], 'clean wait → clean failed on abort'],
  ['wait call-back', ['abort'], 'wait call-back → deploy failed on abort'],
  ['inspect wait', ['abort'], 'inspect wait → inspect failed on abort'],
  ['rescue wait', ['abort'], 'rescue wait → rescue failed on abort'],
  ['verifying', [], 'verifying accepts no request'],
  ['deploying', [], 'the conductor is working: nothing to ask'],
  ['cleaning', [], 'the conductor is working: nothing to ask'],
  ['inspecting', [], 'the conductor is working: nothing to ask'],
  ['deleting', [], 'the conductor is working: nothing to ask'],
];

describe('node actions: provision actions by state', () => {
  for (const [state, expected, why] of OFFERED) {
    it(`offers ${expected.length ? expected.join(', ') : 'nothing'} in "${state}" (${why})`, () => {
      assert.deepEqual(verbs(state), expected);
    });
  }

  it('offers nothing in a state it does not know', () => {
    for (const s of ['', 'nostate', 'Active', 'active ', 'deployed', 'undeployed']) assert.deepEqual(verbs(s), [], JSON.stringify(s));
  });

  // BY_STATE is a plain object literal, so a state named like an Object.prototype member finds that member:
  // provisionActions('toString') calls .map on Object.prototype.toString and throws a TypeError,
  // provisionActions('__proto__') calls .map on Object.prototype (undefined) and throws too.
  it('offers nothing for names inherited from Object', () => {
    for (const s of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf']) {
      assert.deepEqual(verbs(s), [], s);
    }
  });

  it('labels each verb and asks for confirmation where the action erases, powers off or interrupts', () => {
    const seen = new Map<string, { label: string; destructive: boolean }>();
    for (const s of ALL_STATES) for (const a of provisionActions(s)) seen.set(a.verb, { label: a.label, destructive: a.destructive });
    assert.deepEqual(Object.fromEntries(seen), {
      manage: { label: 'Manage', destructive: false },
      provide: { label: 'Provide', destructive: false },
      inspect: { label: 'Inspect', destructive: false },
      clean: { label: 'Clean…', destructive: true },
      active: { label: 'Deploy…', destructive: false },
      deleted: { label: 'Undeploy', destructive: true },
      rebuild: { label: 'Rebuild', destructive: true },
      abort: { label: 'Abort', destructive: true },
    });
  });

  it('offers only verbs the API knows, each once per state', () => {
    for (const s of ALL_STATES) {
      const v = verbs(s);
      assert.equal(new Set(v).size, v.length, s);
      for (const verb of v) assert.ok(Object.hasOwn(VERB_EVENTS, verb), `${s}: ${verb}`);
    }
  });

  it('returns a fresh list each call', () => {
    const first = provisionActions('manageable');
    first.length = 0;
    assert.deepEqual(verbs('manageable'), ['provide', 'inspect', 'clean']);
  });

  // Checked against Ferrite's own state machine (src/domain/provision-state-machine.ts, itself tested against
  // Ironic's table): a button the API refuses for the state alone is a bug. States where that holds today:
  const allowed = ALL_STATES.filter((s) => s !== 'rescue failed');
  for (const state of allowed) {
    it(`every action offered in "${state}" is one the state machine accepts`, () => {
      for (const verb of verbs(state)) {
        assert.ok(canFire(state, VERB_EVENTS[verb]), `${verb} (${VERB_EVENTS[verb]}) is refused in "${state}"`);
      }
    });
  }

  // Ironic's "rescue failed" accepts rescue, unrescue and deleted; abort only leads *into* rescue failed (from
  // rescue wait). The page offers Abort there, which the API answers with 400.
  it('every action offered in "rescue failed" is one the state machine accepts', () => {
    const state: ProvisionState = 'rescue failed';
    for (const verb of verbs(state)) {
      assert.ok(canFire(state, VERB_EVENTS[verb]), `${verb} (${VERB_EVENTS[verb]}) is refused in "${state}"`);
    }
  });

  it('offers an abort in every wait state that can be aborted', () => {
    for (const s of ['clean wait', 'wait call-back', 'inspect wait', 'rescue wait'] as const) {
      assert.ok(canFire(s, 'abort'), s);
      assert.ok(verbs(s).includes('abort'), s);
    }
  });
});

describe('node actions: boot devices', () => {
  it('lists the boot devices Ironic accepts', () => {
    assert.deepEqual([...BOOT_DEVICES], ['pxe', 'disk', 'cdrom', 'bios', 'safe']);
  });
});

describe('node actions: image patch', () => {
  const URL = 'https://images.example.com/ubuntu-24.04.qcow2';
  const SHA256 = 'a'.repeat(64);

  /** The node's instance_info after the patch, applied as the API applies a JSON patch (validated, on a copy). */
  function apply(instanceInfo: Record<string, unknown>, ops: object[]): Record<string, unknown> {
    const doc = { uuid: 'n1', instance_info: structuredClone(instanceInfo) };
    const result = jsonpatch.applyPatch(doc, ops as Operation[], true, false).newDocument;
    return result.instance_info;
  }

  it('sets the URL and an os_hash pair on an empty instance_info', () => {
    const ops = imagePatch({}, URL, 'sha256', SHA256);
    assert.deepEqual(ops, [
      { op: 'add', path: '/instance_info/image_source', value: URL },
      { op: 'add', path: '/instance_info/image_os_hash_algo', value: 'sha256' },
      { op: 'add', path: '/instance_info/image_os_hash_value', value: SHA256 },
    ]);
    assert.deepEqual(apply({}, ops), { image_source: URL, image_os_hash_algo: 'sha256', image_os_hash_value: SHA256 });
  });

  it('sets the legacy image_checksum, a hash or a checksum file URL', () => {
    for (const sum of ['d41d8cd98f00b204e9800998ecf8427e', 'https://images.example.com/SHA256SUMS']) {
      const ops = imagePatch({}, URL, 'legacy', sum);
      assert.deepEqual(ops, [
        { op: 'add', path: '/instance_info/image_source', value: URL },
        { op: 'add', path: '/instance_info/image_checksum', value: sum },
      ]);
      assert.deepEqual(apply({}, ops), { image_source: URL, image_checksum: sum });
    }
  });

  it('replaces an existing legacy checksum with an os_hash pair', () => {
    const before = { image_source: 'http://old/image.raw', image_checksum: 'b'.repeat(32), root_gb: 20 };
    for (const algo of ['sha256', 'sha512', 'md5'] as const) {
      const ops = imagePatch(before, URL, algo, 'c'.repeat(16));
      assert.deepEqual(ops, [
        { op: 'add', path: '/instance_info/image_source', value: URL },
        { op: 'add', path: '/instance_info/image_os_hash_algo', value: algo },
        { op: 'add', path: '/instance_info/image_os_hash_value', value: 'c'.repeat(16) },
        { op: 'remove', path: '/instance_info/image_checksum' },
      ]);
      assert.deepEqual(apply(before, ops), { image_source: URL, image_os_hash_algo: algo, image_os_hash_value: 'c'.repeat(16), root_gb: 20 });
    }
  });

  it('replaces an existing os_hash pair with a legacy checksum', () => {
    const before = { image_source: 'http://old/image.raw', image_os_hash_algo: 'sha512', image_os_hash_value: 'd'.repeat(128), capabilities: { boot_mode: 'uefi' } };
    const ops = imagePatch(before, URL, 'legacy', 'e'.repeat(32));
    assert.deepEqual(ops, [
      { op: 'add', path: '/instance_info/image_source', value: URL },
      { op: 'add', path: '/instance_info/image_checksum', value: 'e'.repeat(32) },
      { op: 'remove', path: '/instance_info/image_os_hash_algo' },
      { op: 'remove', path: '/instance_info/image_os_hash_value' },
    ]);
    assert.deepEqual(apply(before, ops), { image_source: URL, image_checksum: 'e'.repeat(32), capabilities: { boot_mode: 'uefi' } });
  });

  it('leaves exactly one way to verify, whatever was there before', () => {
    const befores: Record<string, unknown>[] = [
      {},
      { image_checksum: 'x' },
      { image_os_hash_algo: 'md5' },
      { image_os_hash_value: 'y' },
      { image_os_hash_algo: 'md5', image_os_hash_value: 'y' },
      { image_checksum: 'x', image_os_hash_algo: 'md5', image_os_hash_value: 'y' },
      { image_checksum: null, image_os_hash_algo: null },
    ];
    const algos: HashAlgo[] = ['sha256', 'sha512', 'md5', 'legacy'];
    for (const before of befores) {
      for (const algo of algos) {
        const after = apply(before, imagePatch(before, URL, algo, 'sum'));
        const label = `${JSON.stringify(before)} → ${algo}`;
        assert.equal(after.image_source, URL, label);
        if (algo === 'legacy') {
          assert.deepEqual(after, { image_source: URL, image_checksum: 'sum' }, label);
        } else {
          assert.deepEqual(after, { image_source: URL, image_os_hash_algo: algo, image_os_hash_value: 'sum' }, label);
        }
      }
    }
  });

  it('removes only keys that are there (a JSON patch remove of a missing key fails)', () => {
    const ops = imagePatch({ image_source: 'http://old', root_gb: 10 }, URL, 'legacy', 'sum');
    assert.ok(ops.every((op) => (op as { op: string }).op !== 'remove'));
    // and the service's patch validation accepts every patch built here
    assert.doesNotThrow(() => apply({ image_source: 'http://old', root_gb: 10 }, ops));
  });

  it('does not touch the instance_info it is given', () => {
    const before = { image_checksum: 'x', image_source: 'http://old' };
    imagePatch(before, URL, 'sha256', 'sum');
    assert.deepEqual(before, { image_checksum: 'x', image_source: 'http://old' });
  });
});

describe('node actions: step progress', () => {
  const plan = [
    { step: 'deploy', interface: 'deploy', priority: 100, args: {} },
    { step: 'apply_configuration', interface: 'bios', priority: 90, args: {} },
    { step: 'write_image', interface: 'deploy', priority: 80, args: {} },
    { step: 'apply_configuration', interface: 'raid', priority: 70, args: {} },
    { step: 'boot_instance', interface: 'deploy', priority: 20, args: {} },
  ];

  it('places a step of the plan: its index and the plan length', () => {
    assert.deepEqual(stepProgress({ step: 'deploy', interface: 'deploy', priority: 100, args: {} }, plan), { index: 0, total: 5 });
    assert.deepEqual(stepProgress({ step: 'write_image', interface: 'deploy' }, plan), { index: 2, total: 5 });
    assert.deepEqual(stepProgress({ step: 'boot_instance', interface: 'deploy' }, plan), { index: 4, total: 5 });
  });

  it('tells steps of the same name apart by interface', () => {
    assert.deepEqual(stepProgress({ step: 'apply_configuration', interface: 'bios' }, plan), { index: 1, total: 5 });
    assert.deepEqual(stepProgress({ step: 'apply_configuration', interface: 'raid' }, plan), { index: 3, total: 5 });
    assert.equal(stepProgress({ step: 'apply_configuration', interface: 'management' }, plan), undefined);
  });

  it('is unknown for a step not in the plan', () => {
    assert.equal(stepProgress({ step: 'erase_devices', interface: 'deploy' }, plan), undefined);
    assert.equal(stepProgress({ step: 'write_image' }, plan), undefined);
  });

  it('is unknown without a step or a plan', () => {
    const step = { step: 'write_image', interface: 'deploy' };
    for (const none of [null, undefined, {}, { step: 3, interface: 'deploy' }, { interface: 'deploy' }]) {
      assert.equal(stepProgress(none as Record<string, unknown> | null | undefined, plan), undefined, JSON.stringify(none));
    }
    for (const p of [undefined, null, [], {}, 'write_image', { 0: step, length: 1 }]) {
      assert.equal(stepProgress(step, p), undefined, JSON.stringify(p));
    }
  });

  it('skips entries of a plan that are not steps', () => {
    assert.deepEqual(stepProgress({ step: 'write_image', interface: 'deploy' }, [null, 'x', 7, {}, { step: 'write_image', interface: 'deploy' }]), { index: 4, total: 5 });
  });

  it('reads a clean plan as well', () => {
    const clean = [
      { step: 'erase_devices_metadata', interface: 'deploy', priority: 99 },
      { step: 'erase_devices', interface: 'deploy', priority: 10 },
    ];
    assert.deepEqual(stepProgress({ step: 'erase_devices', interface: 'deploy', priority: 10 }, clean), { index: 1, total: 2 });
  });
});
