import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_STATES, FAILURE_STATES, ProvisionState, STABLE_STATES, STUCK_STATES_TREATED_AS_FAIL, TRANSITIONS,
  VERB_EVENTS, VERB_MIN_VERSIONS, canFire, fire, isProvisionState, isStable, type ProvisionEvent,
} from '../../src/domain/provision-state-machine.js';

/*
 * The expectations below are copied from the design notes (ironic-api.md §5, itself read from Ironic's
 * states.py / state_machine.py), not from the table under test: the transitions are the §5.2 table as written
 * there ("a/b→c": both a and b go to c), the targets the §5.1 table.
 */
const DOC_TRANSITIONS = `
manage   | enroll→verifying; available→manageable; clean failed→manageable; inspect failed→manageable; adopt failed→manageable; cleaning→manageable
provide  | manageable→cleaning
clean    | manageable→cleaning; deleting→cleaning
inspect  | manageable→inspecting; inspect failed→inspecting
adopt    | manageable→adopting; adopt failed→adopting
deploy   | available→deploying; deploy failed→deploying
rebuild  | active→deploying; deploy failed→deploying; error→deploying
delete   | active→deleting; wait call-back→deleting; deploy failed→deleting; error→deleting; rescue→deleting; rescue failed→deleting; rescue wait→deleting; unrescue failed→deleting; service failed→deleting; service wait→deleting
rescue   | active→rescuing; rescue→rescuing; rescue failed→rescuing; unrescue failed→rescuing; service failed→rescuing
unrescue | rescue→unrescuing; rescue failed→unrescuing; unrescue failed→unrescuing
service  | active→servicing; service hold→servicing; service failed→servicing
abort    | clean wait→clean failed; clean hold→clean failed; inspect wait→inspect failed; wait call-back→deploy failed; deploy hold→deploy failed; rescue wait→rescue failed; service wait→service failed; service hold→service failed; service failed→active
unhold   | deploy hold→wait call-back; clean hold→clean wait; service hold→service wait
done     | verifying→manageable; deploying→active; cleaning→available; inspecting→manageable; inspect wait→manageable; rescuing→rescue; unrescuing→active; adopting→active; servicing→active
fail     | verifying→enroll; deploying→deploy failed; wait call-back→deploy failed; deleting→error; cleaning→clean failed; clean wait→clean failed; inspecting→inspect failed; inspect wait→inspect failed; rescuing/rescue wait→rescue failed; unrescuing→unrescue failed; adopting→adopt failed; servicing/service wait/service hold→service failed
wait     | deploying→wait call-back; cleaning→clean wait; inspecting→inspect wait; rescuing→rescue wait; servicing→service wait; service failed→service wait
resume   | wait call-back→deploying; clean wait→cleaning; inspect wait→inspecting; rescue wait→rescuing; service wait→servicing
hold     | deploying/wait call-back→deploy hold; cleaning/clean wait→clean hold; servicing/service wait/service failed→service hold
`;

/** §5.1: stable states, and the target of every transitional state. */
const DOC_STABLE = ['enroll', 'manageable', 'available', 'active', 'error', 'rescue'];
const DOC_TARGETS: Record<string, string> = {
  'verifying': 'manageable',
  'inspecting': 'manageable', 'inspect wait': 'manageable', 'inspect failed': 'manageable',
  'deploying': 'active', 'wait call-back': 'active', 'deploy failed': 'active', 'deploy hold': 'active',
  'adopting': 'active', 'adopt failed': 'active',
  'cleaning': 'available', 'clean wait': 'available', 'clean failed': 'available', 'clean hold': 'available',
  'rescuing': 'rescue', 'rescue wait': 'rescue', 'rescue failed': 'rescue',
  'deleting': 'available',
  'unrescuing': 'active', 'unrescue failed': 'active',
  'servicing': 'active', 'service wait': 'active', 'service failed': 'active', 'service hold': 'active',
};
const DOC_STATES = [...DOC_STABLE, ...Object.keys(DOC_TARGETS)];

/** event → from → to, parsed from the text above. */
function parseTransitions(text: string): Map<string, Map<string, string>> {
  const table = new Map<string, Map<string, string>>();
  for (const line of text.trim().split('\n')) {
    const [event, rest] = line.split('|').map((s) => s.trim());
    const edges = new Map<string, string>();
    for (const edge of rest.split(';')) {
      const [from, to] = edge.split('→').map((s) => s.trim());
      for (const f of from.split('/')) {
        assert.ok(!edges.has(f), `the expectations list ${event} from "${f}" twice`);
        edges.set(f, to);
      }
    }
    table.set(event, edges);
  }
  return table;
}

const EXPECTED = parseTransitions(DOC_TRANSITIONS);
const EVENTS = [...EXPECTED.keys()] as ProvisionEvent[];
const API_EVENTS = new Set(['manage', 'provide', 'clean', 'inspect', 'adopt', 'deploy', 'rebuild', 'delete', 'rescue', 'unrescue', 'service', 'abort', 'unhold']);

describe('provision state machine: the documented states', () => {
  it('the expectations themselves name only documented states (sanity of the data above)', () => {
    for (const [event, edges] of EXPECTED) {
      for (const [from, to] of edges) {
        assert.ok(DOC_STATES.includes(from), `${event}: unknown from-state "${from}"`);
        assert.ok(DOC_STATES.includes(to), `${event}: unknown to-state "${to}"`);
      }
    }
    assert.equal(EVENTS.length, 18);
  });

  it('has exactly the 30 states of §5.1, spelled as the API spells them', () => {
    assert.deepEqual([...ALL_STATES].sort(), [...DOC_STATES].sort());
    assert.deepEqual(Object.values(ProvisionState).sort(), [...DOC_STATES].sort());
  });

  it('calls exactly enroll, manageable, available, active, error and rescue stable', () => {
    assert.deepEqual([...STABLE_STATES].sort(), [...DOC_STABLE].sort());
    for (const s of ALL_STATES) assert.equal(isStable(s), DOC_STABLE.includes(s), s);
  });

  it('groups failure states and stuck states as §5.1 does', () => {
    assert.deepEqual([...FAILURE_STATES].sort(),
      ['adopt failed', 'clean failed', 'deploy failed', 'inspect failed', 'rescue failed', 'service failed', 'unrescue failed']);
    assert.deepEqual([...STUCK_STATES_TREATED_AS_FAIL].sort(),
      ['adopting', 'cleaning', 'deleting', 'deploying', 'inspecting', 'rescuing', 'servicing', 'unrescuing', 'verifying']);
  });

  it('recognises state names exactly, and nothing inherited from Object', () => {
    for (const s of DOC_STATES) assert.ok(isProvisionState(s), s);
    for (const s of ['', 'deploy', 'deleted', 'rebuild', 'nostate', 'Active', 'active ', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      assert.equal(isProvisionState(s), false, JSON.stringify(s));
    }
  });
});

describe('provision state machine: every (state, event) pair', () => {
  for (const state of DOC_STATES) {
    describe(`in "${state}"`, () => {
      for (const event of EVENTS) {
        const to = EXPECTED.get(event)!.get(state);
        if (to !== undefined) {
          const target = DOC_TARGETS[to] ?? null;
          it(`${event} → "${to}" (target ${target ?? 'null'})`, () => {
            assert.equal(canFire(state as ProvisionState, event), true);
            assert.deepEqual(fire(state as ProvisionState, event), { provisionState: to, targetProvisionState: target });
          });
        } else {
          it(`${event} is refused`, () => {
            assert.equal(canFire(state as ProvisionState, event), false);
            const message = new RegExp(`event ${event} is not allowed in state ${state}$`);
            assert.throws(() => fire(state as ProvisionState, event), message);
            // a pinned target does not make a forbidden event allowed
            assert.throws(() => fire(state as ProvisionState, event, 'manageable'), message);
          });
        }
      }
    });
  }
});

describe('provision state machine: targets and shape of the table', () => {
  it('gives a stable state a null target, even when the caller pins one', () => {
    let checked = 0;
    for (const [from, events] of Object.entries(TRANSITIONS)) {
      for (const [event, to] of Object.entries(events)) {
        if (!DOC_STABLE.includes(to)) continue;
        checked += 1;
        const e = event as ProvisionEvent;
        const f = from as ProvisionState;
        assert.deepEqual(fire(f, e), { provisionState: to, targetProvisionState: null }, `${event} from ${from}`);
        assert.deepEqual(fire(f, e, 'active'), { provisionState: to, targetProvisionState: null }, `${event} from ${from}, pinned`);
      }
    }
    const documented = [...EXPECTED.values()].flatMap((edges) => [...edges.values()]).filter((to) => DOC_STABLE.includes(to)).length;
    assert.equal(checked, documented, 'transitions into stable states');
  });

  it('gives every transient state a non-null target unless the caller pins null', () => {
    for (const [from, events] of Object.entries(TRANSITIONS)) {
      for (const [event, to] of Object.entries(events)) {
        if (DOC_STABLE.includes(to)) continue;
        const next = fire(from as ProvisionState, event as ProvisionEvent);
        assert.notEqual(next.targetProvisionState, null, `${event} from ${from}`);
        assert.ok(DOC_STATES.includes(next.targetProvisionState!), `${event} from ${from}: target ${next.targetProvisionState}`);
      }
    }
  });

  it('lets manual cleaning pin manageable as the target of cleaning and its wait state', () => {
    assert.deepEqual(fire('manageable', 'clean', 'manageable'), { provisionState: 'cleaning', targetProvisionState: 'manageable' });
    assert.deepEqual(fire('deleting', 'clean', 'manageable'), { provisionState: 'cleaning', targetProvisionState: 'manageable' });
    assert.deepEqual(fire('cleaning', 'wait', 'manageable'), { provisionState: 'clean wait', targetProvisionState: 'manageable' });
    // automated cleaning heads for available
    assert.deepEqual(fire('manageable', 'provide'), { provisionState: 'cleaning', targetProvisionState: 'available' });
    // manual cleaning ends in manageable through `manage`
    assert.deepEqual(fire('cleaning', 'manage'), { provisionState: 'manageable', targetProvisionState: null });
  });

  it('is closed: every row is a state, every event is known, every next state is a state', () => {
    const states = new Set<string>(DOC_STATES);
    assert.deepEqual(Object.keys(TRANSITIONS).sort(), [...states].sort());
    for (const [from, events] of Object.entries(TRANSITIONS)) {
      for (const [event, to] of Object.entries(events)) {
        assert.ok(EVENTS.includes(event as ProvisionEvent), `unknown event ${event} in "${from}"`);
        assert.ok(states.has(to), `${event} from "${from}" leads to "${to}", which is not a state`);
      }
    }
  });

  it('has no transition the documentation lacks, and lacks none it has', () => {
    const actual = Object.entries(TRANSITIONS).flatMap(([from, events]) => Object.entries(events).map(([e, to]) => `${e}: ${from} → ${to}`));
    const expected = [...EXPECTED].flatMap(([e, edges]) => [...edges].map(([from, to]) => `${e}: ${from} → ${to}`));
    assert.deepEqual(actual.sort(), expected.sort());
  });

  it('reaches every state from enroll, and leaves every state by some event', () => {
    const seen = new Set<string>(['enroll']);
    const queue = ['enroll'];
    while (queue.length > 0) {
      const s = queue.shift()!;
      for (const to of Object.values(TRANSITIONS[s as ProvisionState])) {
        if (!seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
    }
    assert.deepEqual([...seen].sort(), [...DOC_STATES].sort());
    for (const s of ALL_STATES) assert.ok(Object.keys(TRANSITIONS[s]).length > 0, `"${s}" is a dead end`);
  });

  it('refuses states and events it does not know', () => {
    assert.equal(canFire('sleeping' as ProvisionState, 'manage'), false);
    assert.throws(() => fire('sleeping' as ProvisionState, 'manage'), /not allowed/);
    assert.equal(canFire('active', 'explode' as ProvisionEvent), false);
    assert.throws(() => fire('active', 'explode' as ProvisionEvent), /not allowed/);
  });

  it('does not take names inherited from Object for events, states or verbs', () => {
    for (const name of ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__']) {
      assert.equal(canFire('active', name as ProvisionEvent), false, `canFire("active", "${name}")`);
      assert.throws(() => fire('active', name as ProvisionEvent), /not allowed/, `fire("active", "${name}")`);
      assert.equal(canFire(name as ProvisionState, 'manage'), false, `canFire("${name}", "manage")`);
      assert.equal(Object.hasOwn(VERB_EVENTS, name) || !(name in VERB_EVENTS), true, `"${name}" in VERB_EVENTS`);
    }
  });
});

describe('provision state machine: API verbs', () => {
  it('maps verbs to events as §5.2 does', () => {
    assert.deepEqual({ ...VERB_EVENTS }, {
      active: 'deploy', deploy: 'deploy', deleted: 'delete', undeploy: 'delete', rebuild: 'rebuild',
      manage: 'manage', provide: 'provide', inspect: 'inspect', abort: 'abort', clean: 'clean', adopt: 'adopt',
      rescue: 'rescue', unrescue: 'unrescue', unhold: 'unhold', service: 'service',
    });
    for (const event of Object.values(VERB_EVENTS)) assert.ok(API_EVENTS.has(event), event);
    // internal events are never reachable through a verb
    for (const internal of ['done', 'fail', 'wait', 'resume', 'hold']) assert.ok(!(internal in VERB_EVENTS), internal);
  });

  it('gives every verb the first microversion of §5.3', () => {
    assert.deepEqual({ ...VERB_MIN_VERSIONS }, {
      active: 1, deleted: 1, rebuild: 1, manage: 4, provide: 4, inspect: 6, abort: 13, clean: 15, adopt: 17,
      rescue: 38, unrescue: 38, deploy: 73, undeploy: 73, unhold: 85, service: 87,
    });
    assert.deepEqual(Object.keys(VERB_MIN_VERSIONS).sort(), Object.keys(VERB_EVENTS).sort());
  });
});
