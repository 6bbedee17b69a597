import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, type TestService } from '../helpers/service.js';

const STEP = { interface: 'bios', step: 'apply_configuration', args: {}, priority: 10 };

for (const dialect of testDialects()) {
  describe(`deploy templates API on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    let n = 0;
    const trait = () => `CUSTOM_DT_${++n}`;
    const count = async () => (await api.get('/v1/deploy_templates')).body.deploy_templates.length as number;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url);
    });
    after(() => svc.close());

    it('does not exist before 1.55 (GET 404, other methods 405)', async () => {
      assert.equal((await api.get('/v1/deploy_templates', { version: '1.54' })).status, 404);
      assert.equal((await api.get('/v1/deploy_templates/CUSTOM_X', { version: '1.54' })).status, 404);
      assert.equal((await api.post('/v1/deploy_templates', { name: trait(), steps: [STEP] }, { version: '1.54' })).status, 405);
      assert.equal((await api.patch('/v1/deploy_templates/CUSTOM_X', [], { version: '1.54' })).status, 405);
      assert.equal((await api.delete('/v1/deploy_templates/CUSTOM_X', { version: '1.54' })).status, 405);
      assert.equal(await count(), 0, 'nothing was created');
    });

    it('creates a template and shows it by UUID and by name', async () => {
      const uuid = randomUUID();
      const name = trait();
      const created = await api.post('/v1/deploy_templates', {
        name, uuid, steps: [{ interface: 'raid', step: 'create_configuration', args: { bios_password: 'hunter2', x: 1 }, priority: '20' }],
      }, { version: '1.55' });
      assert.equal(created.status, 201);
      assert.equal(created.headers.get('location'), `${svc.url}/v1/deploy_templates/${uuid}`);
      assert.deepEqual(Object.keys(created.body).sort(), ['created_at', 'extra', 'links', 'name', 'steps', 'updated_at', 'uuid']);
      assert.equal(created.body.uuid, uuid);
      assert.equal(created.body.name, name);
      assert.deepEqual(created.body.extra, {});
      assert.equal(created.body.updated_at, null);
      assert.deepEqual(created.body.steps, [
        { interface: 'raid', step: 'create_configuration', args: { bios_password: '******', x: 1 }, priority: 20 },
      ], 'priority given as a numeric string is stored as a number; secrets in args are masked');
      assert.deepEqual(created.body.links, [
        { href: `${svc.url}/v1/deploy_templates/${uuid}`, rel: 'self' },
        { href: `${svc.url}/deploy_templates/${uuid}`, rel: 'bookmark' },
      ]);
      const byUuid = await api.get(`/v1/deploy_templates/${uuid.toUpperCase()}`);
      assert.deepEqual(byUuid.body, created.body);
      const byName = await api.get(`/v1/deploy_templates/${name}`);
      assert.deepEqual(byName.body, created.body);
      const fields = await api.get(`/v1/deploy_templates/${name}?fields=name`);
      assert.deepEqual(Object.keys(fields.body).sort(), ['links', 'name']);
      const standard = await api.post('/v1/deploy_templates', { name: 'HW_CPU_X86_VMX', steps: [STEP], extra: { team: 'infra' } });
      assert.equal(standard.status, 201, 'standard traits are valid names too');
      assert.deepEqual(standard.body.extra, { team: 'infra' });
      assert.equal((await api.delete('/v1/deploy_templates/HW_CPU_X86_VMX')).status, 204);
    });

    it('refuses invalid templates and stores nothing', async () => {
      const before = await count();
      const bad: [unknown, number, RegExp?][] = [
        [{ name: 'invalid-name', steps: [STEP] }, 400, /name/],
        [{ name: 'NOT_A_TRAIT_NAMESPACE', steps: [STEP] }, 400],
        [{ name: '', steps: [STEP] }, 400],
        [{ name: null, steps: [STEP] }, 400, /'name' is a required property/],
        [{ name: trait() }, 400, /'steps' is a required property/],
        [{ name: trait(), steps: { key: 'value' } }, 400],
        [{ name: trait(), steps: [] }, 400, /too short/],
        [{ name: trait(), steps: [{ ...STEP, interface: 'boot' }] }, 400, /interface/],
        [{ name: trait(), steps: [{ interface: 'bios', step: 'x', priority: 1 }] }, 400, /'args' is a required property/],
        [{ name: trait(), steps: [{ ...STEP, extra: 1 }] }, 400, /Additional properties/],
        [{ name: trait(), steps: [{ ...STEP, priority: -1 }] }, 400, /priority/],
        [{ name: trait(), steps: [{ ...STEP, step: '' }] }, 400],
        [{ name: trait(), steps: [STEP, { ...STEP, priority: 5 }] }, 400, /Duplicate deploy steps.*interface: bios, step: apply_configuration/],
        [{ name: trait(), steps: [STEP], uuid: 'malformed:uuid' }, 400],
        [{ name: trait(), steps: [STEP], description: 'x' }, 400, /Additional properties are not allowed/],
        [[STEP], 400],
      ];
      for (const [body, status, text] of bad) {
        const r = await api.post('/v1/deploy_templates', body);
        assert.equal(r.status, status, JSON.stringify(body));
        if (text) assert.match(faultOf(r.body) ?? '', text, JSON.stringify(body));
      }
      assert.equal(await count(), before);
    });

    it('refuses duplicate names and UUIDs with 409', async () => {
      const name = trait();
      const first = await api.post('/v1/deploy_templates', { name, steps: [STEP] });
      assert.equal(first.status, 201);
      const before = await count();
      const dupName = await api.post('/v1/deploy_templates', { name, steps: [STEP] });
      assert.equal(dupName.status, 409);
      assert.equal(faultOf(dupName.body), `A deploy template with name ${name} already exists.`);
      const dupUuid = await api.post('/v1/deploy_templates', { name: trait(), steps: [STEP], uuid: first.body.uuid });
      assert.equal(dupUuid.status, 409);
      assert.equal(faultOf(dupUuid.body), `A deploy template with UUID ${first.body.uuid} already exists.`);
      assert.equal(await count(), before);
    });

    it('lists with default fields, detail, fields and pages', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await api.post('/v1/deploy_templates', { name: trait(), steps: [STEP] })).status, 201);
      const all = await api.get('/v1/deploy_templates');
      assert.equal(all.body.deploy_templates.length, 5);
      assert.deepEqual(Object.keys(all.body.deploy_templates[0]).sort(), ['links', 'name', 'uuid']);
      const detail = await api.get('/v1/deploy_templates?detail=true');
      assert.deepEqual(Object.keys(detail.body.deploy_templates[0]).sort(), ['created_at', 'extra', 'links', 'name', 'steps', 'updated_at', 'uuid']);
      const page = await api.get('/v1/deploy_templates?limit=2&fields=steps');
      assert.equal(page.body.deploy_templates.length, 2);
      assert.deepEqual(Object.keys(page.body.deploy_templates[0]).sort(), ['links', 'steps']);
      const next = new URL(page.body.next as string);
      assert.equal(next.searchParams.get('marker'), all.body.deploy_templates[1].uuid);
      const page2 = await api.get(next.pathname + next.search);
      assert.deepEqual(page2.body.deploy_templates.map((t: { steps: unknown[] }) => t.steps.length), [1, 1]);
      const page3 = await api.get(new URL(page2.body.next as string).pathname + new URL(page2.body.next as string).search);
      assert.equal(page3.body.deploy_templates.length, 1);
      assert.equal(page3.body.next, undefined, 'a page that is not full has no next link');
      const sorted = await api.get('/v1/deploy_templates?sort_key=name&sort_dir=desc');
      const names = sorted.body.deploy_templates.map((t: { name: string }) => t.name);
      assert.deepEqual(names, [...names].sort().reverse());
      for (const [path, status] of [
        ['/v1/deploy_templates?sort_key=steps', 400], ['/v1/deploy_templates?sort_key=extra', 400],
        ['/v1/deploy_templates?fields=bogus', 400], ['/v1/deploy_templates?detail=true&fields=name', 400],
        ['/v1/deploy_templates?marker=not-a-uuid', 400], [`/v1/deploy_templates?marker=${randomUUID()}`, 404],
        ['/v1/deploy_templates?owner=x', 400],
      ] as const) {
        assert.equal((await api.get(path)).status, status, path);
      }
    });

    it('patches names and steps as tempest does', async () => {
      const { body: t } = await api.post('/v1/deploy_templates', { name: trait(), steps: [STEP] });
      const newName = trait();
      const raid = { interface: 'raid', step: 'create_configuration', args: {}, priority: 10 };
      const replaced = await api.patch(`/v1/deploy_templates/${t.uuid}`, [
        { path: '/name', op: 'replace', value: newName },
        { path: '/steps', op: 'replace', value: [raid] },
      ]);
      assert.equal(replaced.status, 200);
      assert.equal(replaced.body.name, newName);
      assert.deepEqual(replaced.body.steps, [raid]);
      assert.notEqual(replaced.body.updated_at, null);
      const added = [
        { interface: 'bios', step: 'cache_bios_settings', args: {}, priority: 20 },
        { interface: 'bios', step: 'factory_reset', args: {}, priority: 30 },
      ];
      await api.patch(`/v1/deploy_templates/${newName}`, [
        { path: '/steps/1', op: 'add', value: added[0] }, { path: '/steps/2', op: 'add', value: added[1] },
      ]);
      assert.deepEqual((await api.get(`/v1/deploy_templates/${t.uuid}`)).body.steps, [raid, ...added], 'order is kept');
      const mixedName = trait();
      const mixed = await api.patch(`/v1/deploy_templates/${t.uuid}`, [
        { path: '/name', op: 'replace', value: mixedName },
        { path: '/steps/0', op: 'replace', value: { ...STEP, priority: 20 } },
        { path: '/steps/0', op: 'remove' },
        { path: '/extra/owner', op: 'add', value: 'ops' },
        { path: '/steps/0/priority', op: 'replace', value: 5 },
      ]);
      assert.equal(mixed.status, 200);
      assert.equal(mixed.body.name, mixedName);
      assert.deepEqual(mixed.body.steps, [{ ...added[0], priority: 5 }, added[1]]);
      assert.deepEqual(mixed.body.extra, { owner: 'ops' });
    });

    it('refuses patches that break the template and leaves it unchanged', async () => {
      const name = trait();
      const { body: t } = await api.post('/v1/deploy_templates', { name, steps: [STEP] });
      const { body: other } = await api.post('/v1/deploy_templates', { name: trait(), steps: [STEP] });
      const bad: [unknown, number][] = [
        [[{ path: '/steps/0', op: 'remove' }], 400],
        [[{ path: '/steps', op: 'remove' }], 400],
        [[{ path: '/name', op: 'remove' }], 400],
        [[{ path: '/name', op: 'replace', value: '' }], 400],
        [[{ path: '/name', op: 'replace', value: 'lower_case' }], 400],
        [[{ path: '/steps/0/interface', op: 'replace', value: 'vendor' }], 400],
        [[{ path: '/steps/-', op: 'add', value: STEP }], 400],
        [[{ path: '/uuid', op: 'replace', value: randomUUID() }], 400],
        [[{ path: '/created_at', op: 'replace', value: 'x' }], 400],
        [[{ path: '/name', op: 'replace', value: other.name }], 409],
        [[{ path: '/extra/x', op: 'add', value: 1 }, { path: '/name', op: 'replace', value: 'bad' }], 400],
        [{ path: '/name', op: 'replace', value: trait() }, 400],
      ];
      for (const [patch, status] of bad) {
        const r = await api.patch(`/v1/deploy_templates/${t.uuid}`, patch);
        assert.equal(r.status, status, JSON.stringify(patch));
      }
      const after = await api.get(`/v1/deploy_templates/${t.uuid}`);
      assert.equal(after.body.name, name);
      assert.deepEqual(after.body.steps, [STEP]);
      assert.deepEqual(after.body.extra, {});
      assert.equal(after.body.updated_at, null);
    });

    it('deletes by name and by UUID', async () => {
      const { body: a } = await api.post('/v1/deploy_templates', { name: trait(), steps: [STEP] });
      const { body: b } = await api.post('/v1/deploy_templates', { name: trait(), steps: [STEP] });
      assert.equal((await api.delete(`/v1/deploy_templates/${a.name}`)).status, 204);
      assert.equal((await api.delete(`/v1/deploy_templates/${b.uuid}`)).status, 204);
      for (const ident of [a.uuid, b.name]) {
        const r = await api.get(`/v1/deploy_templates/${ident}`);
        assert.equal(r.status, 404);
        assert.equal(faultOf(r.body), `Deploy template ${ident} could not be found.`);
      }
      assert.equal((await api.delete(`/v1/deploy_templates/${a.uuid}`)).status, 404);
      const badIdent = await api.get('/v1/deploy_templates/bad%20name');
      assert.equal(badIdent.status, 400);
      assert.match(faultOf(badIdent.body) ?? '', /Expected a logical name or UUID/);
    });
  });
}
