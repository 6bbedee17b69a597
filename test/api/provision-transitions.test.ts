import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_STATES, VERB_EVENTS, canFire, fire, type ProvisionState } from '../../src/domain/provision-state-machine.js';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, type TestService } from '../helpers/service.js';

const VERBS = ['active', 'deploy', 'deleted', 'undeploy', 'rebuild', 'manage', 'provide', 'inspect', 'abort', 'clean', 'adopt', 'rescue', 'unrescue', 'unhold', 'service'];
/** Verbs newer than Ferrite's maximum microversion (1.82). */
const TOO_NEW = new Set(['unhold', 'service']);

/** Where the fake-hardware flow that an event starts comes to rest. */
function finalState(from: ProvisionState, verb: string): string {
  const event = VERB_EVENTS[verb];
  switch (event) {
    case 'manage': case 'clean': case 'inspect': return 'manageable';
    case 'provide': case 'delete': return 'available';
    case 'deploy': case 'rebuild': case 'adopt': case 'unrescue': return 'active';
    case 'rescue': return 'rescue';
    default: return fire(from, event).provisionState;
  }
}

function allowedAt182(state: ProvisionState, verb: string): boolean {
  if (TOO_NEW.has(verb)) return false;
  // Aborting a deploy that waits for its agent needs 1.110.
  if (verb === 'abort' && state === 'wait call-back') return false;
  return canFire(state, VERB_EVENTS[verb]);
}

for (const dialect of testDialects()) {
  describe(`every provision state × verb through the API on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url, '1.82');
    });
    after(() => svc.close());

    for (const state of ALL_STATES) {
      it(`from "${state}"`, async () => {
        await Promise.all(VERBS.map(async (verb) => {
          const { body: created } = await api.post('/v1/nodes', { driver: 'fake-hardware' });
          const row = await svc.service.store.nodes.getByUuid(created.uuid as string);
          await svc.service.store.nodes.update(row!.id, { provision_state: state, target_provision_state: null });
          const before = (await api.get(`/v1/nodes/${created.uuid}`)).body;
          const body: Record<string, unknown> = { target: verb };
          if (verb === 'clean') body.clean_steps = [{ interface: 'deploy', step: 'erase_devices' }];
          if (verb === 'rescue') body.rescue_password = 'pw';
          const r = await api.put(`/v1/nodes/${created.uuid}/states/provision`, body);
          const label = `${verb} from "${state}"`;
          if (allowedAt182(state, verb)) {
            assert.equal(r.status, 202, `${label}: ${r.text}`);
            await svc.service.conductor.core.drain();
            const after = (await api.get(`/v1/nodes/${created.uuid}`)).body;
            assert.equal(after.provision_state, finalState(state, verb), label);
            assert.equal(after.reservation, null, `${label} leaves no reservation`);
          } else {
            assert.equal(r.status, TOO_NEW.has(verb) ? 406 : 400, `${label}: ${r.text}`);
            assert.ok(faultOf(r.body), `${label}: Ironic's error body`);
            if (r.status === 400) assert.match(faultOf(r.body)!, new RegExp(`"${verb}" can not be performed on node`));
            assert.deepEqual((await api.get(`/v1/nodes/${created.uuid}`)).body, before, `${label} changes nothing`);
          }
        }));
      });
    }
  });
}
