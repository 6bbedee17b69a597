import type { FastifyRequest } from 'fastify';
import { InvalidParameterValue, NotAcceptable, NotFound } from '../domain/errors.js';
import { isUuidLike } from '../domain/validation.js';
import { checkFields, type Spec } from './field-checks.js';
import { applyResourcePatch } from './json-patch.js';
import { resourceLinks } from './links.js';
import type { Query } from './collection.js';

/**
 * What the simpler resources (ports, portgroups, volume connectors and targets, deploy templates) share: a
 * per-version document built from a record, 404 for endpoints newer than the request, and PATCH handling that
 * turns a JSON patch into checked field changes.
 */

export interface ResourceShape {
  /** URL collection name, e.g. `ports` or `volume/connectors`. */
  collection: string;
  /** Every field of the document and the minor version it appeared in (`links` included). */
  fieldSince: Readonly<Record<string, number>>;
  /** Extra link arrays, e.g. a portgroup's `ports`: field name → sub path. */
  subLinks?: Readonly<Record<string, string>>;
  listFields: readonly string[];
}

export function fieldsAt(shape: ResourceShape, minor: number): string[] {
  return Object.entries(shape.fieldSince).filter(([, since]) => since <= minor).map(([f]) => f);
}

export function listFieldsAt(shape: ResourceShape, minor: number): string[] {
  return shape.listFields.filter((f) => (shape.fieldSince[f] ?? 1) <= minor);
}

export function resourceView(
  shape: ResourceShape, record: object, base: string, fields: readonly string[],
): Record<string, unknown> {
  const r = record as Record<string, unknown> & { uuid: string };
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (f === 'links') out.links = resourceLinks(base, shape.collection, r.uuid);
    else if (shape.subLinks?.[f] !== undefined) out[f] = resourceLinks(base, shape.collection, `${r.uuid}/${shape.subLinks[f]}`);
    else out[f] = r[f] ?? null;
  }
  if (!('links' in out)) out.links = resourceLinks(base, shape.collection, r.uuid);
  return out;
}

/** Endpoints introduced at `since` do not exist for older requests: 404, as in Ironic. */
export function requireVersion(request: FastifyRequest, since: number): void {
  if (request.minor < since) throw new NotFound('The resource could not be found.');
}

export function requireUuid(ident: string, what: string): string {
  if (!isUuidLike(ident)) throw new InvalidParameterValue(`Expected a UUID for ${what} but received ${ident}.`);
  return ident.toLowerCase();
}

/** Refuses query parameters outside `allowed` (and filters newer than the version: 406). */
export function checkQuery(q: Query, allowed: Readonly<Record<string, number>>, minor: number): void {
  for (const key of Object.keys(q)) {
    if (['limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'detail'].includes(key)) continue;
    const since = allowed[key];
    if (since === undefined) throw new InvalidParameterValue(`Unknown argument: "${key}"`);
    if (since > minor) throw new NotAcceptable(`The "${key}" filter requires API version 1.${since} or later.`);
  }
}

export interface PatchSpec {
  resource: string;
  spec: Spec;
  patchable: ReadonlySet<string>;
  mandatory: ReadonlySet<string>;
  since: Readonly<Record<string, number>>;
  /** The value a removed field falls back to. */
  emptyValue(field: string): unknown;
}

/** Applies a JSON patch to a record's patchable fields and returns the checked changes. */
export function patchChanges(record: object, patch: unknown, p: PatchSpec, minor: number): Record<string, unknown> {
  const r = record as Record<string, unknown>;
  const current: Record<string, unknown> = { uuid: r.uuid };
  for (const field of p.patchable) current[field] = r[field] ?? null;
  const { doc, changed } = applyResourcePatch(current, patch, {
    patchable: p.patchable, mandatory: p.mandatory, since: p.since, minor,
  });
  const changes: Record<string, unknown> = {};
  for (const field of changed) {
    const value = doc[field];
    if (value === undefined || value === null) {
      if (p.mandatory.has(field)) throw new InvalidParameterValue(`'${field}' is a required property and cannot be removed.`);
      changes[field] = value === null && p.spec[field] ? checkFields(p.resource, { [field]: null }, p.spec, minor)[field] : p.emptyValue(field);
      continue;
    }
    changes[field] = checkFields(p.resource, { [field]: value }, p.spec, minor)[field];
  }
  return changes;
}
