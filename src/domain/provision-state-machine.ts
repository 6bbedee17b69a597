/**
 * Ironic's provision state machine as one table. Nothing else in the code base decides which provision state
 * follows which: the conductor fires events through `fire()` and stores the result.
 */

export const ProvisionState = {
  enroll: 'enroll',
  verifying: 'verifying',
  manageable: 'manageable',
  inspecting: 'inspecting',
  inspectWait: 'inspect wait',
  inspectFailed: 'inspect failed',
  cleaning: 'cleaning',
  cleanWait: 'clean wait',
  cleanFailed: 'clean failed',
  cleanHold: 'clean hold',
  available: 'available',
  deploying: 'deploying',
  waitCallBack: 'wait call-back',
  deployFailed: 'deploy failed',
  deployHold: 'deploy hold',
  active: 'active',
  deleting: 'deleting',
  error: 'error',
  adopting: 'adopting',
  adoptFailed: 'adopt failed',
  rescuing: 'rescuing',
  rescueWait: 'rescue wait',
  rescueFailed: 'rescue failed',
  rescue: 'rescue',
  unrescuing: 'unrescuing',
  unrescueFailed: 'unrescue failed',
  servicing: 'servicing',
  serviceWait: 'service wait',
  serviceFailed: 'service failed',
  serviceHold: 'service hold',
} as const;
export type ProvisionState = (typeof ProvisionState)[keyof typeof ProvisionState];

export type ProvisionEvent =
  | 'manage' | 'provide' | 'clean' | 'inspect' | 'adopt' | 'deploy' | 'rebuild' | 'delete' | 'rescue'
  | 'unrescue' | 'service' | 'abort' | 'unhold'
  // internal events, fired only by the conductor
  | 'done' | 'fail' | 'wait' | 'resume' | 'hold';

const S = ProvisionState;

/** Stable states change only on request; every other state is on its way to `TARGETS[state]`. */
export const STABLE_STATES: ReadonlySet<ProvisionState> = new Set([
  S.enroll, S.manageable, S.available, S.active, S.error, S.rescue,
]);

/** The state each transient state is heading for (shown as target_provision_state). */
const TARGETS: Partial<Record<ProvisionState, ProvisionState>> = {
  [S.verifying]: S.manageable,
  [S.inspecting]: S.manageable, [S.inspectWait]: S.manageable, [S.inspectFailed]: S.manageable,
  [S.cleaning]: S.available, [S.cleanWait]: S.available, [S.cleanFailed]: S.available, [S.cleanHold]: S.available,
  [S.deploying]: S.active, [S.waitCallBack]: S.active, [S.deployFailed]: S.active, [S.deployHold]: S.active,
  [S.deleting]: S.available,
  [S.adopting]: S.active, [S.adoptFailed]: S.active,
  [S.rescuing]: S.rescue, [S.rescueWait]: S.rescue, [S.rescueFailed]: S.rescue,
  [S.unrescuing]: S.active, [S.unrescueFailed]: S.active,
  [S.servicing]: S.active, [S.serviceWait]: S.active, [S.serviceFailed]: S.active, [S.serviceHold]: S.active,
};

type Transitions = Partial<Record<ProvisionEvent, ProvisionState>>;

/** state → event → next state. This table is the state machine. */
export const TRANSITIONS: Readonly<Record<ProvisionState, Transitions>> = {
  [S.enroll]: { manage: S.verifying },
  [S.verifying]: { done: S.manageable, fail: S.enroll },
  [S.manageable]: { provide: S.cleaning, clean: S.cleaning, inspect: S.inspecting, adopt: S.adopting },
  [S.inspecting]: { done: S.manageable, fail: S.inspectFailed, wait: S.inspectWait },
  [S.inspectWait]: { done: S.manageable, fail: S.inspectFailed, resume: S.inspecting, abort: S.inspectFailed },
  [S.inspectFailed]: { manage: S.manageable, inspect: S.inspecting },
  [S.cleaning]: { done: S.available, fail: S.cleanFailed, wait: S.cleanWait, hold: S.cleanHold, manage: S.manageable },
  [S.cleanWait]: { fail: S.cleanFailed, resume: S.cleaning, abort: S.cleanFailed, hold: S.cleanHold },
  [S.cleanHold]: { abort: S.cleanFailed, unhold: S.cleanWait },
  [S.cleanFailed]: { manage: S.manageable },
  [S.available]: { deploy: S.deploying, manage: S.manageable },
  [S.deploying]: { done: S.active, fail: S.deployFailed, wait: S.waitCallBack, hold: S.deployHold },
  [S.waitCallBack]: {
    fail: S.deployFailed, resume: S.deploying, delete: S.deleting, abort: S.deployFailed, hold: S.deployHold,
  },
  [S.deployHold]: { abort: S.deployFailed, unhold: S.waitCallBack },
  [S.deployFailed]: { deploy: S.deploying, rebuild: S.deploying, delete: S.deleting },
  [S.active]: { rebuild: S.deploying, delete: S.deleting, rescue: S.rescuing, service: S.servicing },
  [S.deleting]: { fail: S.error, clean: S.cleaning },
  [S.error]: { rebuild: S.deploying, delete: S.deleting },
  [S.adopting]: { done: S.active, fail: S.adoptFailed },
  [S.adoptFailed]: { manage: S.manageable, adopt: S.adopting },
  [S.rescuing]: { done: S.rescue, fail: S.rescueFailed, wait: S.rescueWait },
  [S.rescueWait]: { fail: S.rescueFailed, resume: S.rescuing, abort: S.rescueFailed, delete: S.deleting },
  [S.rescueFailed]: { rescue: S.rescuing, unrescue: S.unrescuing, delete: S.deleting },
  [S.rescue]: { rescue: S.rescuing, unrescue: S.unrescuing, delete: S.deleting },
  [S.unrescuing]: { done: S.active, fail: S.unrescueFailed },
  [S.unrescueFailed]: { rescue: S.rescuing, unrescue: S.unrescuing, delete: S.deleting },
  [S.servicing]: { done: S.active, fail: S.serviceFailed, wait: S.serviceWait, hold: S.serviceHold },
  [S.serviceWait]: {
    fail: S.serviceFailed, resume: S.servicing, abort: S.serviceFailed, hold: S.serviceHold, delete: S.deleting,
  },
  [S.serviceHold]: { abort: S.serviceFailed, unhold: S.serviceWait, service: S.servicing, fail: S.serviceFailed },
  [S.serviceFailed]: {
    service: S.servicing, abort: S.active, rescue: S.rescuing, delete: S.deleting, wait: S.serviceWait,
    hold: S.serviceHold,
  },
};

export const ALL_STATES: readonly ProvisionState[] = Object.keys(TRANSITIONS) as ProvisionState[];

export interface StateChange {
  readonly provisionState: ProvisionState;
  /** null once the node rests in a stable state. */
  readonly targetProvisionState: ProvisionState | null;
}

/** Whether `event` may be fired in `state`. */
export function canFire(state: ProvisionState, event: ProvisionEvent): boolean {
  return nextState(state, event) !== undefined;
}

/** Own entries of the table only: names inherited from Object (toString, __proto__) are not events. */
function nextState(state: string, event: string): ProvisionState | undefined {
  if (!Object.hasOwn(TRANSITIONS, state)) return undefined;
  const events = TRANSITIONS[state as ProvisionState];
  return Object.hasOwn(events, event) ? events[event as ProvisionEvent] : undefined;
}

/**
 * Fires `event` in `state` and returns the resulting state and target. `target` lets a caller pin the target of
 * a shared transient state: manual cleaning runs through `cleaning` like automated cleaning but ends in
 * `manageable`, so its target is `manageable`.
 */
export function fire(state: ProvisionState, event: ProvisionEvent, target?: ProvisionState | null): StateChange {
  const next = nextState(state, event);
  if (next === undefined) throw new Error(`event ${event} is not allowed in state ${state}`);
  if (STABLE_STATES.has(next)) return { provisionState: next, targetProvisionState: null };
  return { provisionState: next, targetProvisionState: target === undefined ? (TARGETS[next] ?? null) : target };
}

export function isStable(state: ProvisionState): boolean {
  return STABLE_STATES.has(state);
}

export function isProvisionState(value: string): value is ProvisionState {
  return Object.prototype.hasOwnProperty.call(TRANSITIONS, value);
}

/** Failure states: where a failed action leaves a node. */
export const FAILURE_STATES: ReadonlySet<ProvisionState> = new Set([
  S.deployFailed, S.cleanFailed, S.inspectFailed, S.rescueFailed, S.unrescueFailed, S.adoptFailed, S.serviceFailed,
]);

/** Transient states in which a conductor works actively; a node found in one without its conductor has failed. */
export const STUCK_STATES_TREATED_AS_FAIL: ReadonlySet<ProvisionState> = new Set([
  S.deploying, S.cleaning, S.verifying, S.inspecting, S.adopting, S.rescuing, S.unrescuing, S.deleting, S.servicing,
]);

/** Wait states a node may sit in while the conductor waits for something outside (an agent, an operator). */
export const WAIT_STATES: ReadonlySet<ProvisionState> = new Set([
  S.waitCallBack, S.cleanWait, S.inspectWait, S.rescueWait, S.serviceWait,
]);

/** Transient states in which a node may still be updated through PATCH. */
export const UPDATE_ALLOWED_STATES: ReadonlySet<ProvisionState> = new Set([
  S.deployFailed, S.inspectFailed, S.inspectWait, S.cleanFailed, S.error, S.verifying, S.adoptFailed,
  S.rescueFailed, S.unrescueFailed, S.serviceHold, S.serviceFailed,
]);

/** States in which a node may be deleted (any state while in maintenance). */
export const DELETE_ALLOWED_STATES: ReadonlySet<ProvisionState> = new Set([
  S.manageable, S.enroll, S.adoptFailed, S.available,
]);

/** A lookup table without Object's inherited names, so a verb like "toString" is simply unknown. */
const table = <T>(entries: Record<string, T>): Readonly<Record<string, T>> =>
  Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));

/** API verbs (`PUT /states/provision {"target": verb}`) and the event each fires. */
export const VERB_EVENTS: Readonly<Record<string, ProvisionEvent>> = table({
  active: 'deploy', deploy: 'deploy', deleted: 'delete', undeploy: 'delete', rebuild: 'rebuild',
  manage: 'manage', provide: 'provide', inspect: 'inspect', abort: 'abort', clean: 'clean', adopt: 'adopt',
  rescue: 'rescue', unrescue: 'unrescue', unhold: 'unhold', service: 'service',
});

/** The first API microversion in which each verb exists. */
export const VERB_MIN_VERSIONS: Readonly<Record<string, number>> = table({
  active: 1, deleted: 1, rebuild: 1, manage: 4, provide: 4, inspect: 6, abort: 13, clean: 15, adopt: 17,
  rescue: 38, unrescue: 38, deploy: 73, undeploy: 73, unhold: 85, service: 87,
});
