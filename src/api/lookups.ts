import { invalidUuidOrName, NotFound } from '../domain/errors.js';
import type { Portgroup } from '../domain/resources.js';
import { isUuidLike, isValidLogicalName } from '../domain/validation.js';
import type { Store } from '../store/store.js';

/** A portgroup by UUID or name; an ident that can be neither is a 400, as in Ironic. */
export async function findPortgroup(store: Store, ident: string): Promise<Portgroup> {
  let pg: Portgroup | undefined;
  if (isUuidLike(ident)) pg = await store.portgroups.getByUuid(ident.toLowerCase());
  else if (isValidLogicalName(ident)) pg = await store.portgroups.getByName(ident);
  else throw invalidUuidOrName(ident);
  if (!pg) throw new NotFound(`Portgroup ${ident} could not be found.`);
  return pg;
}
