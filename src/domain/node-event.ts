import type { Node } from './node.js';

export type NodeEventKind = 'created' | 'updated' | 'deleted';

/**
 * What the event stream shows of a node after each change: the fields a fleet view and automation watch, in this
 * order. The database's triggers write them (store migrations 005 and 006); a change of any of them but updated_at
 * makes an update an event (every save stamps updated_at, power sync bookkeeping included). Not the
 * reservation: taking and dropping it happens around every action and every power sync write, and logging it would
 * add a transaction to each, for nothing an operator acts on (the target states show what is under way).
 */
export const NODE_EVENT_FIELDS = [
  'uuid', 'name', 'provision_state', 'target_provision_state', 'power_state', 'target_power_state', 'last_error',
  'maintenance', 'maintenance_reason', 'deploy_step', 'clean_step', 'driver', 'owner', 'resource_class',
  'updated_at', 'fault',
] as const satisfies readonly (keyof Node)[];

export type NodeEventFields = Pick<Node, (typeof NODE_EVENT_FIELDS)[number]>;

/** One row of the change log as the stream sends it. */
export interface NodeEvent {
  id: number;
  node_uuid: string;
  kind: NodeEventKind;
  /** JSON text of NodeEventFields, as stored: sent on the wire without being parsed and serialised again. */
  fields: string;
  created_at: string;
}
