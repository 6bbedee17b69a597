import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ProvisionState } from '../../src/domain/provision-state-machine.js';
import { openDatabase, parseConnection } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, waitFor, type ApiResponse, type TestService } from '../helpers/service.js';

/*
 * 50 clients ask for the same provision action on one node at the same moment. Exactly one is accepted; the
 * fake action it starts takes seconds, so the node stays reserved by its worker while the other 49 are answered,
 * and every one of them must be told the node is locked (409 NodeLocked, the code clients retry on): whether it
 * lost the race for the reservation or arrived after the state had moved (§5.2: not actionable + reserved → 409).
 */

const CLIENTS = 50;
/** Seconds each fake action takes: far longer than answering 50 requests, so the winner still holds the node. */
const DELAY = '5';
const HOST = 'test-conductor';

interface Scenario {
  verb: string;
  from: string;
  /** the state the node shows while the winner's action runs */
  during: string;
  end: string;
}

const SCENARIOS: Scenario[] = [
  { verb: 'manage', from: 'enroll', during: 'verifying', end: 'manageable' }, // verify reads the power state: power_delay
  { verb: 'provide', from: 'manageable', during: 'cleaning', end: 'available' }, // automated cleaning: deploy_delay
  { verb: 'active', from: 'available', during: 'deploying', end: 'active' }, // deploy: deploy_delay
  { verb: 'deleted', from: 'active', during: 'deleting', end: 'available' }, // tear down, then clean: 2 × deploy_delay
];

function ironicFault(r: ApiResponse): { faultcode?: string; debuginfo?: unknown } {
  return JSON.parse((r.body as { error_message: string }).error_message);
}

for (const dialect of testDialects()) {
  describe(`${CLIENTS} simultaneous provision requests on one node on ${dialect}`, { concurrency: true }, () => {
    let svc: TestService;
    let store: Store;
    let api: ReturnType<typeof apiClient>;

    before(async () => {
      svc = await startTestService(dialect, { fake: { deploy_delay: DELAY, power_delay: DELAY } });
      api = apiClient(svc.url, '1.82');
      store = new Store(openDatabase(parseConnection(svc.db.connection, svc.config.statePath)));
    });
    after(async () => {
      await store?.close();
      await svc?.close();
    });

    for (const s of SCENARIOS) {
      it(`${s.verb} in "${s.from}": exactly one 202, ${CLIENTS - 1} × 409, then "${s.end}" with no reservation`, async () => {
        const { body: created } = await api.post('/v1/nodes', { driver: 'fake-hardware', name: `contended-${s.verb}` });
        const uuid = created.uuid as string;
        // Setup: the starting state is written directly, so reaching it costs none of the fake delays.
        const row = await store.nodes.getByUuid(uuid);
        await store.nodes.update(row!.id, { provision_state: s.from as ProvisionState, target_provision_state: null });

        const responses = await Promise.all(
          Array.from({ length: CLIENTS }, () => api.put(`/v1/nodes/${uuid}/states/provision`, { target: s.verb })),
        );
        const during = (await api.get(`/v1/nodes/${uuid}`)).body;
        // The premise of the test: the accepted action was still running when the last answer came.
        assert.equal(during.provision_state, s.during, `still working after all answers (else raise DELAY): ${JSON.stringify(during)}`);
        assert.equal(during.reservation, HOST, 'the winner\'s worker holds the node');

        const statuses = responses.map((r) => r.status);
        const tally = JSON.stringify(Object.fromEntries([...new Set(statuses)].map((c) => [c, statuses.filter((x) => x === c).length])));
        assert.equal(statuses.filter((c) => c === 202).length, 1, `one accepted: ${tally}`);
        assert.equal(statuses.filter((c) => c === 409).length, CLIENTS - 1, `the rest locked out: ${tally}`);

        const winner = responses.find((r) => r.status === 202)!;
        assert.equal(winner.text, '');
        assert.ok(winner.headers.get('location')?.endsWith(`/v1/nodes/${uuid}/states`));
        for (const r of responses.filter((x) => x.status === 409)) {
          assert.equal(faultOf(r.body), `Node ${uuid} is locked by host ${HOST}, please retry after the current operation is completed.`);
          assert.equal(ironicFault(r).faultcode, 'Client');
          assert.equal(ironicFault(r).debuginfo, null);
        }

        const done = await waitFor(async () => {
          const n = (await api.get(`/v1/nodes/${uuid}`)).body;
          return n.reservation === null && n.provision_state !== s.during ? n : undefined;
        }, 20_000, `${s.verb} to finish`);
        assert.equal(done.provision_state, s.end);
        assert.equal(done.target_provision_state, null);
        assert.equal(done.last_error, null);
        assert.equal(done.reservation, null);
        // Only one action ran, and it ran cleanly: nothing was recorded against the node.
        const history = (await api.get(`/v1/nodes/${uuid}/history`)).body.history;
        assert.deepEqual(history, []);
        assert.equal((await store.nodes.getByUuid(uuid))!.reservation, null, 'no reservation in the row either');
      });
    }
  });

  describe(`a provision request turned away for lack of workers on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    before(async () => {
      svc = await startTestService(dialect, { fake: { deploy_delay: '2' }, conductor: { workers_pool_size: '1', automated_clean: 'false' } });
      api = apiClient(svc.url, '1.82');
    });
    after(() => svc?.close());

    it('is 503 and leaves the node as it was (Ironic reverts the state on NoFreeConductorWorker)', async () => {
      const uuids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const { body } = await api.post('/v1/nodes', { driver: 'fake-hardware' });
        for (const verb of ['manage', 'provide']) assert.equal((await api.put(`/v1/nodes/${body.uuid}/states/provision`, { target: verb })).status, 202);
        uuids.push(body.uuid as string);
      }
      const [busy, other] = uuids;
      assert.equal((await api.put(`/v1/nodes/${busy}/states/provision`, { target: 'active' })).status, 202);
      const before = (await api.get(`/v1/nodes/${other}`)).body;
      assert.equal(before.provision_state, 'available');
      const r = await api.put(`/v1/nodes/${other}/states/provision`, { target: 'active' });
      assert.equal(r.status, 503, r.text);
      assert.equal(faultOf(r.body), 'Requested action cannot be performed due to lack of free conductor workers.');
      const after = (await api.get(`/v1/nodes/${other}`)).body;
      assert.equal(after.provision_state, 'available', 'the refused deploy left no trace in the state');
      assert.equal(after.target_provision_state, null);
      assert.equal(after.reservation, null);
      // Once the worker is free, the node deploys.
      await waitFor(async () => ((await api.get(`/v1/nodes/${busy}`)).body.provision_state === 'active' ? true : undefined), 10_000);
      assert.equal((await api.put(`/v1/nodes/${other}/states/provision`, { target: 'active' })).status, 202);
    });
  });
}
