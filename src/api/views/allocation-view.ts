import type { Allocation } from '../../domain/resources.js';
import { resourceLinks } from '../links.js';

/** `/v1/allocations` and `/v1/nodes/{node}/allocation` appeared in 1.52. */
export const ALLOCATIONS_MINOR = 52;
/** PATCH of allocations (name and extra). */
export const ALLOCATION_PATCH_MINOR = 57;
/** Creating an allocation for an already deployed node (`node` in the body). */
export const ALLOCATION_BACKFILL_MINOR = 58;
export const ALLOCATION_OWNER_MINOR = 60;

export const ALLOCATION_FIELD_SINCE: Readonly<Record<string, number>> = {
  uuid: ALLOCATIONS_MINOR, name: ALLOCATIONS_MINOR, node_uuid: ALLOCATIONS_MINOR, state: ALLOCATIONS_MINOR,
  last_error: ALLOCATIONS_MINOR, resource_class: ALLOCATIONS_MINOR, traits: ALLOCATIONS_MINOR,
  candidate_nodes: ALLOCATIONS_MINOR, extra: ALLOCATIONS_MINOR, created_at: ALLOCATIONS_MINOR,
  updated_at: ALLOCATIONS_MINOR, links: ALLOCATIONS_MINOR, owner: ALLOCATION_OWNER_MINOR,
};
/** JSON fields cannot be sort keys. */
export const ALLOCATION_UNSORTABLE_FIELDS: ReadonlySet<string> = new Set(['extra', 'candidate_nodes', 'traits']);

const FIELDS_BY_MINOR = new Map<number, string[]>();

/** Every field of the allocation document at `minor` (lists show whole documents too). */
export function allocationFields(minor: number): string[] {
  let fields = FIELDS_BY_MINOR.get(minor);
  if (!fields) {
    fields = Object.entries(ALLOCATION_FIELD_SINCE).filter(([, since]) => since <= minor).map(([f]) => f);
    FIELDS_BY_MINOR.set(minor, fields);
  }
  return fields;
}

export function allocationView(a: Allocation, base: string, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    switch (f) {
      case 'links': out.links = resourceLinks(base, 'allocations', a.uuid); break;
      case 'traits': out.traits = [...a.traits]; break;
      case 'candidate_nodes': out.candidate_nodes = [...a.candidate_nodes]; break;
      case 'extra': out.extra = a.extra ?? {}; break;
      default: out[f] = (a as unknown as Record<string, unknown>)[f] ?? null;
    }
  }
  if (!('links' in out)) out.links = resourceLinks(base, 'allocations', a.uuid);
  return out;
}
