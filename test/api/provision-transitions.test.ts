import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_STATES, type ProvisionState } from '../../src/domain/provision-state-machine.js';
import { openDatabase, parseConnection } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, waitFor, type ApiResponse, type TestService } from '../helpers/service.js';

/*
 * Every provision state × every API verb through the real HTTP API. The expectations are written from the design
 * notes (ironic-api.md §5.2/§5.3) and from what the fake-hardware flows do, not computed from the table under
 * test. Nodes are put into their starting state by writing the row through this test's own Store (setup only).
 */

const VERSION = '1.82';
const VERBS = ['active', 'deploy', 'deleted', 'undeploy', 'rebuild', 'manage', 'provide', 'inspect', 'abort', 'clean', 'adopt', 'rescue', 'unrescue', 'unhold', 'service'];
/**
 * unhold (1.85) and service (1.87) need a newer microversion than 1.82 (§5.3). Where they would be actionable
 * (§5.1) they are 406; elsewhere plain invalid transitions.
 */
const ACTIONABLE_ABOVE_VERSION: Record<string, readonly string[]> = {
  unhold: ['clean hold', 'deploy hold', 'service hold'],
  service: ['active', 'service hold', 'service failed'],
};
const tooNewIn = (verb: string, state: string) => ACTIONABLE_ABOVE_VERSION[verb]?.includes(state) ?? false;

/** verb → state it is accepted in → state the fake flow comes to rest in. Anything missing is refused at 1.82. */
const DEPLOY = { 'available': 'active', 'deploy failed': 'active' };
const UNDEPLOY = Object.fromEntries(
  ['active', 'wait call-back', 'deploy failed', 'error', 'rescue', 'rescue failed', 'rescue wait', 'unrescue failed', 'service failed', 'service wait']
    .map((s) => [s, 'available']), // deleting → cleaning → available
);
const OUTCOMES: Record<string, Record<string, string>> = {
  active: DEPLOY,
  deploy: DEPLOY,
  deleted: UNDEPLOY,
  undeploy: UNDEPLOY,
  rebuild: { 'active': 'active', 'deploy failed': 'active', 'error': 'active' },
  manage: { 'enroll': 'manageable', 'available': 'manageable', 'clean failed': 'manageable', 'inspect failed': 'manageable', 'adopt failed': 'manageable', 'cleaning': 'manageable' },
  provide: { manageable: 'available' },
  inspect: { 'manageable': 'manageable', 'inspect failed': 'manageable' },
  // wait call-back → deploy failed needs 1.110, so at 1.82 it is refused like any other impossible action
  abort: {
    'clean wait': 'clean failed', 'clean hold': 'clean failed', 'inspect wait': 'inspect failed', 'deploy hold': 'deploy failed',
    'rescue wait': 'rescue failed', 'service wait': 'service failed', 'service hold': 'service failed', 'service failed': 'active',
  },
  // manual cleaning ends where it started from the operator's point of view: manageable
  clean: { manageable: 'manageable', deleting: 'manageable' },
  adopt: { 'manageable': 'active', 'adopt failed': 'active' },
  rescue: { 'active': 'rescue', 'rescue': 'rescue', 'rescue failed': 'rescue', 'unrescue failed': 'rescue', 'service failed': 'rescue' },
  unrescue: { 'rescue': 'active', 'rescue failed': 'active', 'unrescue failed': 'active' },
  unhold: {},
  service: {},
};

const STABLE = new Set(['enroll', 'manageable', 'available', 'active', 'error', 'rescue']);
/** §5.1: target_provision_state of each transient state. */
const TARGET: Record<string, string> = {
  'verifying': 'manageable', 'inspecting': 'manageable', 'inspect wait': 'manageable', 'inspect failed': 'manageable',
  'deploying': 'active', 'wait call-back': 'active', 'deploy failed': 'active', 'deploy hold': 'active',
  'adopting': 'active', 'adopt failed': 'active',
  'cleaning': 'available', 'clean wait': 'available', 'clean failed': 'available', 'clean hold': 'available',
  'rescuing': 'rescue', 'rescue wait': 'rescue', 'rescue failed': 'rescue', 'deleting': 'available',
  'unrescuing': 'active', 'unrescue failed': 'active',
  'servicing': 'active', 'service wait': 'active', 'service failed': 'active', 'service hold': 'active',
};
/** States a conductor works in; a node leaves them by itself, so the test waits until it has. */
const WORKING = new Set(['verifying', 'inspecting', 'cleaning', 'deploying', 'deleting', 'adopting', 'rescuing', 'unrescuing', 'servicing']);
const FAILED = new Set(['deploy failed', 'clean failed', 'inspect failed', 'rescue failed', 'unrescue failed', 'adopt failed', 'service failed']);

const OTHER_CONDUCTOR = 'other-conductor.example.org';

function requestBody(verb: string): Record<string, unknown> {
  const body: Record<string, unknown> = { target: verb };
  if (verb === 'clean') body.clean_steps = [{ interface: 'deploy', step: 'erase_devices', args: {} }];
  if (verb === 'rescue') body.rescue_password = 'correct horse battery staple';
  if (verb === 'service') body.service_steps = [{ interface: 'deploy', step: 'write_image', args: {} }];
  return body;
}

/** Ironic's error body: `{"error_message": "<JSON>"}`, the inner fault of a client error. */
function assertIronicError(r: ApiResponse, status: number, label: string): string {
  assert.equal(r.status, status, `${label}: ${r.text}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, `${label}: content type`);
  assert.deepEqual(Object.keys(r.body ?? {}), ['error_message'], `${label}: body ${r.text}`);
  const inner = JSON.parse(r.body.error_message as string);
  assert.equal(inner.faultcode, 'Client', `${label}: faultcode`);
  assert.equal(inner.debuginfo, null, `${label}: debuginfo`);
  assert.equal(typeof inner.faultstring, 'string', `${label}: faultstring`);
  return inner.faultstring as string;
}

async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

for (const dialect of testDialects()) {
  describe(`provision state × verb through the API on ${dialect}`, () => {
    let svc: TestService;
    let store: Store;
    let api: ReturnType<typeof apiClient>;
    /** `${state}|${verb}|${reserved}` → node UUID */
    const nodes = new Map<string, string>();

    /** Creates a node through the API and moves its row to `state` (with the documented target). */
    async function nodeIn(state: string, reservation: string | null = null): Promise<string> {
      const created = await api.post('/v1/nodes', { driver: 'fake-hardware' });
      assert.equal(created.status, 201, created.text);
      const row = await store.nodes.getByUuid(created.body.uuid as string);
      await store.nodes.update(row!.id, {
        provision_state: state as ProvisionState,
        target_provision_state: STABLE.has(state) ? null : (TARGET[state] as ProvisionState),
        reservation,
      });
      return created.body.uuid as string;
    }

    const rowOf = async (uuid: string) => store.nodes.getByUuid(uuid);
    const docOf = async (uuid: string) => (await api.get(`/v1/nodes/${uuid}`)).body;

    /** Waits until the node rests (no reservation, not in a working state) and returns its document. */
    const settled = (uuid: string) => waitFor(async () => {
      const n = await docOf(uuid);
      return n.reservation === null && !WORKING.has(n.provision_state as string) ? n : undefined;
    }, 15_000, `node ${uuid} to come to rest`);

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url, VERSION);
      store = new Store(openDatabase(parseConnection(svc.db.connection, svc.config.statePath)));
      const setups: [string, string, boolean][] = [];
      for (const state of ALL_STATES) for (const verb of VERBS) for (const reserved of [false, true]) setups.push([state, verb, reserved]);
      await inBatches(setups, 24, async ([state, verb, reserved]) => {
        nodes.set(`${state}|${verb}|${reserved}`, await nodeIn(state, reserved ? OTHER_CONDUCTOR : null));
      });
    });
    after(async () => {
      await store?.close();
      await svc?.close();
    });

    it('covers all 30 states of the table', () => {
      assert.equal(ALL_STATES.length, 30);
      for (const [verb, from] of Object.entries(OUTCOMES)) {
        for (const state of Object.keys(from)) assert.ok(ALL_STATES.includes(state as ProvisionState), `${verb}: ${state}`);
      }
    });

    describe('a node nobody holds', { concurrency: 16 }, () => {
      for (const state of ALL_STATES) {
        for (const verb of VERBS) {
          const end = OUTCOMES[verb][state];
          // unhold and service are newer than our maximum: Ironic judges the transition first (400), and refuses
          // the version (406) only where the verb is actionable.
          const tooNew = tooNewIn(verb, state);
          const expectation = tooNew ? '406' : end === undefined ? '400' : `202, rests in "${end}"`;
          it(`${verb} in "${state}": ${expectation}`, async () => {
            const uuid = nodes.get(`${state}|${verb}|false`)!;
            const label = `${verb} in "${state}"`;
            const beforeDoc = await docOf(uuid);
            const beforeRow = await rowOf(uuid);
            const r = await api.put(`/v1/nodes/${uuid}/states/provision`, requestBody(verb));

            if (end !== undefined && !tooNew) {
              assert.equal(r.status, 202, `${label}: ${r.text}`);
              assert.equal(r.text, '', `${label}: empty body`);
              assert.ok(r.headers.get('location')?.endsWith(`/v1/nodes/${uuid}/states`), `${label}: Location ${r.headers.get('location')}`);
              const n = await settled(uuid);
              assert.equal(n.provision_state, end, label);
              assert.equal(n.target_provision_state, STABLE.has(end) ? null : TARGET[end], `${label}: target`);
              if (verb === 'abort' && FAILED.has(end)) {
                assert.match(n.last_error ?? '', /aborted/, `${label}: last_error says why`);
              } else {
                assert.equal(n.last_error, null, `${label}: last_error`);
              }
              assert.notEqual(n.provision_updated_at, beforeDoc.provision_updated_at, `${label}: provision_updated_at`);
              return;
            }

            if (tooNew) {
              assertIronicError(r, 406, label);
            } else {
              const fault = assertIronicError(r, 400, label);
              assert.equal(fault, `The requested action "${verb}" can not be performed on node "${uuid}" while it is in state "${state}".`);
            }
            assert.deepEqual(await docOf(uuid), beforeDoc, `${label}: the node document is unchanged`);
            assert.deepEqual(await rowOf(uuid), beforeRow, `${label}: the node row is unchanged`);
          });
        }
      }
    });

    describe('a node another conductor holds', { concurrency: 16 }, () => {
      // Allowed or not, nothing may happen to a locked node: 409 NodeLocked (§5.2 notes), 406 for a verb above the
      // version where it would be actionable.
      for (const state of ALL_STATES) {
        for (const verb of VERBS) {
          const tooNew = tooNewIn(verb, state);
          it(`${verb} in "${state}": ${tooNew ? '406' : '409'}`, async () => {
            const uuid = nodes.get(`${state}|${verb}|true`)!;
            const label = `${verb} in locked "${state}"`;
            const beforeDoc = await docOf(uuid);
            const beforeRow = await rowOf(uuid);
            const r = await api.put(`/v1/nodes/${uuid}/states/provision`, requestBody(verb));
            if (tooNew) {
              assertIronicError(r, 406, label);
            } else {
              const fault = assertIronicError(r, 409, label);
              assert.equal(fault, `Node ${uuid} is locked by host ${OTHER_CONDUCTOR}, please retry after the current operation is completed.`);
            }
            assert.deepEqual(await docOf(uuid), beforeDoc, `${label}: the node document is unchanged`);
            assert.deepEqual(await rowOf(uuid), beforeRow, `${label}: the node row is unchanged`);
          });
        }
      }
    });

    describe('microversion boundaries of the verbs', () => {
      // One below its first microversion a verb does not exist (406, nothing changes); at it, it works.
      const boundaries = Object.entries({ manage: 4, provide: 4, inspect: 6, abort: 13, clean: 15, adopt: 17, rescue: 38, unrescue: 38, deploy: 73, undeploy: 73 });
      for (const [verb, first] of boundaries) {
        const [state, end] = Object.entries(OUTCOMES[verb])[0];
        it(`${verb} is 406 at 1.${first - 1} and accepted at 1.${first} (in "${state}")`, async () => {
          const uuid = await nodeIn(state);
          const beforeDoc = await docOf(uuid);
          const old = await api.put(`/v1/nodes/${uuid}/states/provision`, requestBody(verb), { version: `1.${first - 1}` });
          assertIronicError(old, 406, `${verb} at 1.${first - 1}`);
          assert.deepEqual(await docOf(uuid), beforeDoc, 'unchanged');
          const ok = await api.put(`/v1/nodes/${uuid}/states/provision`, requestBody(verb), { version: `1.${first}` });
          assert.equal(ok.status, 202, ok.text);
          assert.equal((await settled(uuid)).provision_state, end);
        });
      }

      it('unhold and service cannot even be asked for: their versions are above the maximum', async () => {
        const uuid = await nodeIn('service hold');
        const beforeDoc = await docOf(uuid);
        for (const [verb, version] of [['unhold', '1.85'], ['service', '1.87']]) {
          const r = await api.put(`/v1/nodes/${uuid}/states/provision`, requestBody(verb), { version });
          assert.equal(r.status, 406, r.text);
          assert.ok(r.body?.error_message, r.text);
        }
        assert.deepEqual(await docOf(uuid), beforeDoc);
      });

      it('abort in "inspect wait" is 406 before 1.41, as in Ironic', async () => {
        const uuid = await nodeIn('inspect wait');
        const beforeDoc = await docOf(uuid);
        const r = await api.put(`/v1/nodes/${uuid}/states/provision`, { target: 'abort' }, { version: '1.40' });
        assert.deepEqual(await docOf(uuid), beforeDoc, 'unchanged');
        assertIronicError(r, 406, 'abort in inspect wait at 1.40');
      });
    });

    describe('manual cleaning keeps manageable as its target, as in Ironic', () => {
      for (const state of ['clean wait', 'clean hold']) {
        it(`abort in "${state}" of a manual cleaning → "clean failed", target manageable`, async () => {
          const uuid = await nodeIn(state);
          const row = await rowOf(uuid);
          await store.nodes.update(row!.id, { target_provision_state: 'manageable' });
          assert.equal((await api.put(`/v1/nodes/${uuid}/states/provision`, { target: 'abort' })).status, 202);
          const n = await settled(uuid);
          assert.equal(n.provision_state, 'clean failed');
          assert.equal(n.target_provision_state, 'manageable');
        });
      }
      it('a manual cleaning that fails → "clean failed", target manageable', async () => {
        const uuid = await nodeIn('manageable');
        // an unusable fake delay makes the deploy interface's validation, the first clean step, fail
        assert.equal((await api.patch(`/v1/nodes/${uuid}`, [{ op: 'add', path: '/driver_info/fake_deploy_delay', value: 'never' }])).status, 200);
        assert.equal((await api.put(`/v1/nodes/${uuid}/states/provision`, requestBody('clean'))).status, 202);
        const n = await settled(uuid);
        assert.equal(n.provision_state, 'clean failed');
        assert.match(n.last_error ?? '', /fake_deploy_delay/);
        assert.equal(n.target_provision_state, 'manageable');
      });
    });

    describe('names that are not verbs', () => {
      it('are 400 "not a valid provision state target" and change nothing', async () => {
        const uuid = await nodeIn('available');
        const beforeDoc = await docOf(uuid);
        for (const verb of ['bogus', 'nostate', 'deploying', 'toString', 'constructor', 'hasOwnProperty', '__proto__']) {
          const r = await api.put(`/v1/nodes/${uuid}/states/provision`, { target: verb });
          const fault = assertIronicError(r, 400, verb);
          assert.equal(fault, `The requested action "${verb}" is not a valid provision state target.`, verb);
        }
        assert.deepEqual(await docOf(uuid), beforeDoc);
      });
    });
  });
}
