import type { Conductor } from '../../domain/resources.js';
import { resourceLinks } from '../links.js';

/** `/v1/conductors` appeared in 1.49, with all of its fields. */
export const CONDUCTORS_MINOR = 49;

export const CONDUCTOR_FIELD_SINCE: Readonly<Record<string, number>> = {
  hostname: CONDUCTORS_MINOR, conductor_group: CONDUCTORS_MINOR, alive: CONDUCTORS_MINOR, drivers: CONDUCTORS_MINOR,
  created_at: CONDUCTORS_MINOR, updated_at: CONDUCTORS_MINOR, links: CONDUCTORS_MINOR,
};
export const CONDUCTOR_LIST_FIELDS: readonly string[] = ['hostname', 'conductor_group', 'alive', 'links'];
export const CONDUCTOR_DETAIL_FIELDS: readonly string[] = [
  'hostname', 'conductor_group', 'alive', 'drivers', 'created_at', 'updated_at', 'links',
];
/** Computed or list-valued fields that cannot be sort keys. */
export const CONDUCTOR_UNSORTABLE_FIELDS: ReadonlySet<string> = new Set(['alive', 'drivers']);

/** A conductor is alive while it is registered online and its last heartbeat is younger than the timeout. */
export function isConductorAlive(c: Conductor, heartbeatTimeoutSeconds: number, nowMs = Date.now()): boolean {
  const seen = Date.parse(c.updated_at ?? c.created_at);
  return c.online && Number.isFinite(seen) && nowMs - seen < heartbeatTimeoutSeconds * 1000;
}

export function conductorView(c: Conductor, base: string, fields: readonly string[], alive: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    switch (f) {
      case 'links': out.links = resourceLinks(base, 'conductors', c.hostname); break;
      case 'alive': out.alive = alive; break;
      case 'drivers': out.drivers = [...c.drivers]; break;
      default: out[f] = (c as unknown as Record<string, unknown>)[f] ?? null;
    }
  }
  if (!('links' in out)) out.links = resourceLinks(base, 'conductors', c.hostname);
  return out;
}
