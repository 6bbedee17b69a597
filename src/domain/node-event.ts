import type { Node } from './node.js';

export type NodeEventKind = 'created' | 'updated' | 'deleted';

/**
 * What the event stream shows of a node after each change: the fields a fleet view and automation watch. Not the
 * reservation: taking and dropping it happens around every action and every power sync write, and logging it would
 * add a transaction to each, for nothing an operator acts on (the target states show what is under way).
 */
export const NODE_EVENT_FIELDS = [
  'uuid', 'name', 'provision_state', 'target_provision_state', 'power_state', 'target_power_state', 'last_error',
  'maintenance', 'maintenance_reason', 'deploy_step', 'clean_step', 'driver', 'owner', 'resource_class',
  'updated_at', 'fault',
] as const satisfies readonly (keyof Node)[];

export type NodeEventFields = Pick<Node, (typeof NODE_EVENT_FIELDS)[number]>;

/**
 * Fields whose change makes an update an event. updated_at is shown but does not count: every conductor save
 * stamps it, and a save of driver_internal_info alone (power sync bookkeeping) must not wake every watcher.
 */
const TRIGGERS: ReadonlySet<string> = new Set(NODE_EVENT_FIELDS.filter((f) => f !== 'updated_at'));

export function touchesWatchedField(changes: object): boolean {
  for (const key of Object.keys(changes)) if (TRIGGERS.has(key)) return true;
  return false;
}

export function nodeEventFields(node: Node): NodeEventFields {
  const out: Record<string, unknown> = {};
  for (const f of NODE_EVENT_FIELDS) out[f] = node[f];
  return out as NodeEventFields;
}

/** One row of the change log as the stream sends it. */
export interface NodeEvent {
  id: number;
  node_uuid: string;
  kind: NodeEventKind;
  /** JSON text of NodeEventFields, as stored: sent on the wire without being parsed and serialised again. */
  fields: string;
  created_at: string;
}
