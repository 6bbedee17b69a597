import { InvalidParameterValue, NotAcceptable } from '../domain/errors.js';
import { isUuidLike } from '../domain/validation.js';
import type { Link } from './links.js';

export type Query = Record<string, string | undefined>;

export interface ListQuery {
  limit: number;
  marker?: string;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  /** Requested fields (`?fields=`), or undefined for the default set. */
  fields?: string[];
  detail: boolean;
}

export interface ListRules {
  minor: number;
  maxLimit: number;
  /** Fields a client may name in `fields`/`sort_key`, with the minor version each appeared in. */
  fieldSince: Readonly<Record<string, number>>;
  unsortable?: ReadonlySet<string>;
  /** `/detail` was requested by path. */
  detailPath?: boolean;
  /** Sorting by anything but `id` where Ironic allows it. */
  defaultSortKey?: string;
}

export function parseBoolParam(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on', 't', 'y'].includes(v)) return true;
  if (['false', '0', 'no', 'off', 'f', 'n'].includes(v)) return false;
  throw new InvalidParameterValue(`Invalid boolean value for ?${name}=${value}.`);
}

export function parseLimit(raw: string | undefined, maxLimit: number): number {
  if (raw === undefined) return maxLimit;
  if (!/^-?\d+$/.test(raw.trim())) {
    throw new InvalidParameterValue(`Invalid input for field/attribute limit. Value: '${raw}'. unable to convert to int`);
  }
  const n = Number(raw);
  if (n <= 0) throw new InvalidParameterValue('Limit must be positive');
  return Math.min(n, maxLimit);
}

/** Checks `?fields=` against what exists at this version; newer fields are 406 as in Ironic. */
export function parseFields(raw: string | undefined, minor: number, fieldSince: Readonly<Record<string, number>>): string[] | undefined {
  if (raw === undefined) return undefined;
  if (minor < 8) throw new NotAcceptable('The "fields" parameter requires API version 1.8 or later.');
  const fields = raw.split(',').map((f) => f.trim()).filter(Boolean);
  for (const f of fields) {
    const since = fieldSince[f];
    if (since === undefined) throw new InvalidParameterValue(`Field(s) "${f}" are not valid`);
    if (since > minor) throw new NotAcceptable(`Field ${f} is not available at API version 1.${minor}.`);
  }
  return fields;
}

export function parseListQuery(q: Query, rules: ListRules): ListQuery {
  const limit = parseLimit(q.limit, rules.maxLimit);
  const sortDir = q.sort_dir ?? 'asc';
  if (sortDir !== 'asc' && sortDir !== 'desc') {
    throw new InvalidParameterValue(`Invalid sort direction: ${q.sort_dir}. Acceptable values are 'asc' or 'desc'`);
  }
  let sortKey = q.sort_key ?? rules.defaultSortKey ?? 'id';
  if (q.sort_key !== undefined) {
    const since = rules.fieldSince[sortKey];
    if (sortKey !== 'id' && (since === undefined || rules.unsortable?.has(sortKey) || ['links', 'ports', 'portgroups', 'states', 'volume', 'nodes'].includes(sortKey))) {
      throw new InvalidParameterValue(`The sort_key value "${sortKey}" is an invalid field for sorting`);
    }
    if (since !== undefined && since > rules.minor) throw new NotAcceptable(`Field ${sortKey} is not available at API version 1.${rules.minor}.`);
    if (sortKey === 'uuid' && rules.defaultSortKey === undefined) sortKey = 'uuid';
  }
  let detail = rules.detailPath ?? false;
  if (q.detail !== undefined) {
    if (rules.minor < 43) throw new InvalidParameterValue(`Invalid query parameter ?detail=${q.detail} received.`);
    detail = detail || parseBoolParam('detail', q.detail);
  }
  const fields = parseFields(q.fields, rules.minor, rules.fieldSince);
  if (detail && fields) throw new InvalidParameterValue('Can not specify ?detail=True and fields in the same request.');
  if (q.marker !== undefined && !isUuidLike(q.marker) && rules.defaultSortKey === undefined) {
    throw new InvalidParameterValue(`Expected a UUID but received ${q.marker}.`);
  }
  return { limit, marker: q.marker, sortKey, sortDir, fields, detail };
}

/** The `next` link of a full page: the same query, past `marker` (the last item of the page). */
export function nextLink(url: string, query: Query, limit: number, marker: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && k !== 'limit' && k !== 'marker') params.set(k, v);
  params.set('limit', String(limit));
  params.set('marker', marker);
  return `${url}?${params.toString()}`;
}

/** `{<plural>: items, next?}`: `next` appears when a page is full, pointing past its last item. */
export function collection<T>(
  plural: string, items: T[], limit: number, url: string, query: Query, markerOf: (item: T) => string,
): Record<string, unknown> {
  const out: Record<string, unknown> = { [plural]: items };
  if (items.length > 0 && items.length >= limit) out.next = nextLink(url, query, limit, markerOf(items[items.length - 1]));
  return out;
}

/** The same collection document from items already serialised to JSON text. */
export function collectionJson(
  plural: string, itemsJson: readonly string[], limit: number, url: string, query: Query, lastMarker: string | undefined,
): string {
  return `${collectionHead(plural)}${itemsJson.join(',')}${collectionTail(itemsJson.length, limit, url, query, lastMarker)}`;
}

/** What precedes the items of a collection written piece by piece. */
export function collectionHead(plural: string): string {
  return `{${JSON.stringify(plural)}:[`;
}

/** What follows `count` items of a collection written piece by piece: the `next` link of a full page. */
export function collectionTail(count: number, limit: number, url: string, query: Query, lastMarker: string | undefined): string {
  if (count > 0 && count >= limit && lastMarker !== undefined) {
    return `],"next":${JSON.stringify(nextLink(url, query, limit, lastMarker))}}`;
  }
  return ']}';
}

export type { Link };
