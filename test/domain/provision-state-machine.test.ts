import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_STATES, STABLE_STATES, TRANSITIONS, canFire, fire, type ProvisionEvent,
} from '../../src/domain/provision-state-machine.js';

// Ironic's transitions, written out from its documentation independently of the table under test.
const SPEC: Record<string, [string, string][]> = {
  manage: [['enroll', 'verifying'], ['available', 'manageable'], ['clean failed', 'manageable'], ['inspect failed', 'manageable'], ['adopt failed', 'manageable'], ['cleaning', 'manageable']],
  provide: [['manageable', 'cleaning']],
  clean: [['manageable', 'cleaning'], ['deleting', 'cleaning']],
  inspect: [['manageable', 'inspecting'], ['inspect failed', 'inspecting']],
  adopt: [['manageable', 'adopting'], ['adopt failed', 'adopting']],
  deploy: [['available', 'deploying'], ['deploy failed', 'deploying']],
  rebuild: [['active', 'deploying'], ['deploy failed', 'deploying'], ['error', 'deploying']],
  delete: [['active', 'deleting'], ['wait call-back', 'deleting'], ['deploy failed', 'deleting'], ['error', 'deleting'], ['rescue', 'deleting'], ['rescue failed', 'deleting'], ['rescue wait', 'deleting'], ['unrescue failed', 'deleting'], ['service failed', 'deleting'], ['service wait', 'deleting']],
  rescue: [['active', 'rescuing'], ['rescue', 'rescuing'], ['rescue failed', 'rescuing'], ['unrescue failed', 'rescuing'], ['service failed', 'rescuing']],
  unrescue: [['rescue', 'unrescuing'], ['rescue failed', 'unrescuing'], ['unrescue failed', 'unrescuing']],
  service: [['active', 'servicing'], ['service hold', 'servicing'], ['service failed', 'servicing']],
  abort: [['clean wait', 'clean failed'], ['clean hold', 'clean failed'], ['inspect wait', 'inspect failed'], ['wait call-back', 'deploy failed'], ['deploy hold', 'deploy failed'], ['rescue wait', 'rescue failed'], ['service wait', 'service failed'], ['service hold', 'service failed'], ['service failed', 'active']],
  unhold: [['deploy hold', 'wait call-back'], ['clean hold', 'clean wait'], ['service hold', 'service wait']],
  done: [['verifying', 'manageable'], ['deploying', 'active'], ['cleaning', 'available'], ['inspecting', 'manageable'], ['inspect wait', 'manageable'], ['rescuing', 'rescue'], ['unrescuing', 'active'], ['adopting', 'active'], ['servicing', 'active']],
  fail: [['verifying', 'enroll'], ['deploying', 'deploy failed'], ['wait call-back', 'deploy failed'], ['deleting', 'error'], ['cleaning', 'clean failed'], ['clean wait', 'clean failed'], ['inspecting', 'inspect failed'], ['inspect wait', 'inspect failed'], ['rescuing', 'rescue failed'], ['rescue wait', 'rescue failed'], ['unrescuing', 'unrescue failed'], ['adopting', 'adopt failed'], ['servicing', 'service failed'], ['service wait', 'service failed'], ['service hold', 'service failed']],
  wait: [['deploying', 'wait call-back'], ['cleaning', 'clean wait'], ['inspecting', 'inspect wait'], ['rescuing', 'rescue wait'], ['servicing', 'service wait'], ['service failed', 'service wait']],
  resume: [['wait call-back', 'deploying'], ['clean wait', 'cleaning'], ['inspect wait', 'inspecting'], ['rescue wait', 'rescuing'], ['service wait', 'servicing']],
  hold: [['deploying', 'deploy hold'], ['wait call-back', 'deploy hold'], ['cleaning', 'clean hold'], ['clean wait', 'clean hold'], ['servicing', 'service hold'], ['service wait', 'service hold'], ['service failed', 'service hold']],
};

const EVENTS = Object.keys(SPEC) as ProvisionEvent[];

describe('provision state machine', () => {
  it('has exactly the documented states', () => {
    const documented = new Set(Object.values(SPEC).flat().flat());
    documented.add('enroll');
    assert.deepEqual([...ALL_STATES].sort(), [...documented].sort());
  });

  for (const state of ALL_STATES) {
    for (const event of EVENTS) {
      const expected = SPEC[event].find(([from]) => from === state)?.[1];
      it(`${event} in "${state}" ${expected ? `goes to "${expected}"` : 'is refused'}`, () => {
        assert.equal(canFire(state, event), expected !== undefined);
        if (expected === undefined) {
          assert.throws(() => fire(state, event), /not allowed/);
          return;
        }
        const next = fire(state, event);
        assert.equal(next.provisionState, expected);
        if (STABLE_STATES.has(next.provisionState)) assert.equal(next.targetProvisionState, null);
        else assert.notEqual(next.targetProvisionState, null, 'a transient state names its target');
      });
    }
  }

  it('has no transition the documentation lacks', () => {
    for (const [state, events] of Object.entries(TRANSITIONS)) {
      for (const [event, to] of Object.entries(events)) {
        assert.ok(SPEC[event]?.some(([f, t]) => f === state && t === to), `${event}: ${state} -> ${to}`);
      }
    }
  });

  it('lets a caller pin the target of a shared transient state (manual cleaning)', () => {
    assert.deepEqual(fire('manageable', 'clean', 'manageable'), { provisionState: 'cleaning', targetProvisionState: 'manageable' });
    assert.deepEqual(fire('manageable', 'provide'), { provisionState: 'cleaning', targetProvisionState: 'available' });
  });
});
