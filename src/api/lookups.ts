import { NotFound } from '../domain/errors.js';
import type { Portgroup } from '../domain/resources.js';
import { identKind } from '../domain/validation.js';
import type { Store } from '../store/store.js';

/** A portgroup by UUID or name; an ident that can be neither is a 400, as in Ironic. */
export async function findPortgroup(store: Store, ident: string): Promise<Portgroup> {
  const pg = identKind(ident) === 'uuid' ? await store.portgroups.getByUuid(ident.toLowerCase()) : await store.portgroups.getByName(ident);
  if (!pg) throw new NotFound(`Portgroup ${ident} could not be found.`);
  return pg;
}
