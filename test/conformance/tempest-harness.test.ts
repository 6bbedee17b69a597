import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startKeystoneStub } from './keystone-stub.js';
import { accountsYaml, collectResults, lastRequests, parseCsv, renderIni, tempestSections, withLastRequests } from './tempest-runner.js';

/** The conformance harness's own parts, without tempest: the Keystone stub and the reading of tempest's results. */

describe('Keystone stub', () => {
  it('discovers v3 and issues project- and system-scoped tokens whose catalog points at the endpoint under test', async () => {
    const stub = await startKeystoneStub('http://127.0.0.1:6385');
    try {
      assert.match(stub.url, /^http:\/\/127\.0\.0\.1:\d+\/v3$/);
      const discovery = await fetch(stub.url);
      assert.equal(discovery.status, 200);
      assert.equal(((await discovery.json()) as { version: { id: string } }).version.id, 'v3.14');

      const auth = (scope: unknown) => fetch(`${stub.url}/auth/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'u1', password: 'x' } } }, scope } }),
      });
      const project = await auth({ project: { name: 'p1', domain: { name: 'Default' } } });
      assert.equal(project.status, 201);
      assert.ok(project.headers.get('x-subject-token'));
      const pt = ((await project.json()) as { token: any }).token;
      assert.equal(pt.project.name, 'p1');
      assert.equal(pt.system, undefined);
      const baremetal = pt.catalog.find((s: { type: string }) => s.type === 'baremetal');
      assert.deepEqual([...new Set(baremetal.endpoints.map((e: { url: string }) => e.url))], ['http://127.0.0.1:6385']);

      const system = await auth({ system: { all: true } });
      assert.equal(system.status, 201);
      const st = ((await system.json()) as { token: any }).token;
      assert.deepEqual(st.system, { all: true });
      assert.equal(st.project, undefined);
      assert.deepEqual(stub.issued, { project: 1, system: 1 });

      assert.equal((await fetch(`${stub.url}/users`)).status, 404);
    } finally {
      await stub.close();
    }
  });
});

describe('tempest workspace files', () => {
  it('writes project and system admins, and a configuration that names only Ironic, fake hardware and ipmi', () => {
    const accounts = accountsYaml(2);
    assert.equal(accounts.match(/project_name:/g)?.length, 2);
    assert.equal(accounts.match(/system: all/g)?.length, 2);
    const conf = renderIni(tempestSections('/ws', 'http://127.0.0.1:1/v3', { maxMicroversion: '1.82' }));
    assert.match(conf, /\[baremetal\]\n(.*\n)*driver = fake-hardware\n/);
    assert.match(conf, /enabled_hardware_types = fake-hardware,ipmi\n/);
    assert.match(conf, /max_microversion = 1\.82\n/);
    assert.match(conf, /\[service_available\]\nironic = true\nnova = false\n/);
    assert.match(conf, /uri_v3 = http:\/\/127\.0\.0\.1:1\/v3\n/);
  });
});

describe('reading tempest results', () => {
  const A = 'ironic_tempest_plugin.tests.api.admin.test_a';
  const log = [
    `{0} ${A}.TestOk.test_one[id-1] [0.1s] ... ok`,
    `{1} setUpClass (${A}.TestSkipped) ... SKIPPED: Neutron is not enabled.`,
    `{0} ${A}.TestOk.test_two[id-2,negative] [0.2s] ... FAILED`,
    '',
    'Captured traceback:',
    '~~~~~~~~~~~~~~~~~~~',
    '    Traceback (most recent call last):',
    '      File "/x.py", line 1, in f',
    '    raise exceptions.NotFound(resp_body, resp=resp)',
    '',
    '    tempest.lib.exceptions.NotFound: Object not found',
    "Details: {'error_message': 'nope'}",
    '',
    '======',
    'Totals',
  ].join('\n');
  const csv = [
    'test,status,start_time,stop_time',
    `${A}.TestOk.test_one[id-1],success,t,t`,
    `"${A}.TestOk.test_two[id-2,negative]",failure,t,t`,
    `setUpClass (${A}.TestSkipped),skip,t,t`,
    '',
  ].join('\n');
  const listed = [
    `${A}.TestOk.test_one[id-1]`, `${A}.TestOk.test_two[id-2,negative]`,
    `${A}.TestSkipped.test_x`, `${A}.TestSkipped.test_y[id-3]`, `${A}.TestLost.test_z`,
  ];

  it('gives every listed test one outcome, expanding class-level skips and counting lost tests as failed', () => {
    const rows = parseCsv(csv);
    assert.equal(rows[2][0], `${A}.TestOk.test_two[id-2,negative]`);
    const r = collectResults(listed, rows, log);
    assert.deepEqual(r.passed, [`${A}.TestOk.test_one`]);
    assert.deepEqual(r.skipped.map((s) => s.id), [`${A}.TestSkipped.test_x`, `${A}.TestSkipped.test_y`]);
    assert.match(r.skipped[0].reason, /^Neutron is not enabled\./);
    assert.deepEqual(r.failed.map((f) => f.id), [`${A}.TestLost.test_z`, `${A}.TestOk.test_two`]);
    assert.match(r.failed[1].reason, /^tempest\.lib\.exceptions\.NotFound: Object not found; details: .*nope/);
    assert.match(r.failed[0].reason, /no result recorded/);
  });

  it('adds the last Bare Metal request of a failed test from tempest.log', () => {
    const tlog = [
      '... INFO tempest.lib.common.rest_client [-] Request (TestOk:test_two): 201 POST http://127.0.0.1:9/v3/auth/tokens 0.01s',
      '... INFO tempest.lib.common.rest_client [-] Request (TestOk:test_two): 404 GET http://127.0.0.1:8/v1/ports/x 0.01s',
    ].join('\n');
    const [f] = withLastRequests([{ id: `${A}.TestOk.test_two`, reason: 'boom' }], lastRequests(tlog));
    assert.equal(f.reason, 'boom; last request: 404 GET /v1/ports/x');
  });
});
