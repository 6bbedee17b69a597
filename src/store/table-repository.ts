/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- Kysely cannot type a query over a table chosen at run time; the codecs type the results. */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Schema, TableName } from './schema.js';

type RecordOf<T extends TableName> = { [K in keyof Schema[T]]: unknown } & { id: number; uuid?: string };

/** Converts a table's records to and from rows: JSON documents as text, booleans as the dialect wants them. */
export class RowCodec<T extends object> {
  readonly json: readonly string[];
  readonly bools: readonly string[];
  constructor(json: readonly (keyof T & string)[], bools: readonly (keyof T & string)[]) {
    this.json = json;
    this.bools = bools;
  }

  decode(row: Record<string, unknown>): T {
    const out: Record<string, unknown> = { ...row };
    for (const k of this.json) {
      const v = out[k];
      if (typeof v === 'string') out[k] = JSON.parse(v);
    }
    for (const k of this.bools) {
      const v = out[k];
      if (v !== null && v !== undefined) out[k] = Boolean(v);
    }
    return out as T;
  }

  encode(record: Partial<T>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...record };
    for (const k of this.json) if (k in out) out[k] = JSON.stringify(out[k]);
    for (const k of this.bools) {
      const v = out[k];
      if (v !== null && v !== undefined) out[k] = v ? 1 : 0;
    }
    delete out.id;
    return out;
  }
}

export type Filters = Record<string, string | number | boolean | null | undefined>;

export interface ListOptions {
  filters?: Filters;
  limit?: number;
  /** The last item of the previous page, as returned by the previous call. */
  marker?: { id: number };
  sortKey?: string;
  sortDir?: 'asc' | 'desc';
}

/**
 * What every table shares: lookups by id and UUID, insert, update, delete, and paginated lists sorted on any
 * column with Ironic's marker semantics (the marker is the last row seen; ties on the sort key break on id).
 */
export class TableRepository<T extends TableName, R extends RecordOf<T>> {
  constructor(
    protected readonly db: Kysely<Schema>,
    protected readonly table: T,
    protected readonly codec: RowCodec<R>,
  ) {}

  protected selectAll(): SelectQueryBuilder<Schema, T, Record<string, unknown>> {
    return (this.db.selectFrom(this.table) as any).selectAll() as SelectQueryBuilder<Schema, T, Record<string, unknown>>;
  }

  protected async one(column: string, value: unknown): Promise<R | undefined> {
    const row = await (this.selectAll() as any).where(column, '=', value).executeTakeFirst() as Record<string, unknown> | undefined;
    return row ? this.codec.decode(row) : undefined;
  }

  getById(id: number): Promise<R | undefined> {
    return this.one('id', id);
  }

  getByUuid(uuid: string): Promise<R | undefined> {
    return this.one('uuid', uuid);
  }

  async insert(record: Omit<R, 'id'>): Promise<R> {
    const row = await (this.db.insertInto(this.table) as any)
      .values(this.codec.encode(record as Partial<R>))
      .returningAll()
      .executeTakeFirstOrThrow() as Record<string, unknown>;
    return this.codec.decode(row);
  }

  /** Updates the given fields of the row with `id`; returns the new record, or undefined if it is gone. */
  async update(id: number, changes: Partial<R>): Promise<R | undefined> {
    const row = await (this.db.updateTable(this.table) as any)
      .set(this.codec.encode(changes))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst() as Record<string, unknown> | undefined;
    return row ? this.codec.decode(row) : undefined;
  }

  async delete(id: number): Promise<boolean> {
    const res = await (this.db.deleteFrom(this.table) as any).where('id', '=', id).executeTakeFirst() as { numDeletedRows: bigint };
    return res.numDeletedRows > 0n;
  }

  async count(filters: Filters = {}): Promise<number> {
    let q = (this.db.selectFrom(this.table) as any).select(sql<number>`count(*)`.as('n'));
    q = this.applyFilters(q, filters);
    const row = await q.executeTakeFirst() as { n: number | string };
    return Number(row.n);
  }

  protected applyFilters(q: any, filters: Filters): any {
    for (const [key, value] of Object.entries(filters)) {
      if (value === undefined) continue;
      if (value === null) q = q.where(key, 'is', null);
      else if (typeof value === 'boolean') q = q.where(key, '=', value ? 1 : 0);
      else q = q.where(key, '=', value);
    }
    return q;
  }

  protected applyPage(q: any, opts: ListOptions): any {
    const sortKey = opts.sortKey ?? 'id';
    const dir = opts.sortDir ?? 'asc';
    const cmp = dir === 'asc' ? '>' : '<';
    if (opts.marker) {
      const markerValue = this.codec.encode({ [sortKey]: (opts.marker as Record<string, unknown>)[sortKey] } as Partial<R>)[sortKey];
      if (sortKey === 'id') {
        q = q.where('id', cmp, opts.marker.id);
      } else if (markerValue === null || markerValue === undefined) {
        // NULLs sort first ascending in SQLite and last in PostgreSQL; both are normalised to "first" below.
        q = dir === 'asc'
          ? q.where((eb: any) => eb.or([eb(sortKey, 'is not', null), eb.and([eb(sortKey, 'is', null), eb('id', '>', opts.marker!.id)])]))
          : q.where((eb: any) => eb.and([eb(sortKey, 'is', null), eb('id', '<', opts.marker!.id)]));
      } else {
        q = dir === 'asc'
          ? q.where((eb: any) => eb.or([eb(sortKey, '>', markerValue), eb.and([eb(sortKey, '=', markerValue), eb('id', '>', opts.marker!.id)])]))
          : q.where((eb: any) => eb.or([eb(sortKey, '<', markerValue), eb(sortKey, 'is', null), eb.and([eb(sortKey, '=', markerValue), eb('id', '<', opts.marker!.id)])]));
      }
    }
    if (sortKey !== 'id') {
      q = q.orderBy(sql`${sql.ref(sortKey)} is null`, dir === 'asc' ? 'desc' : 'asc').orderBy(sortKey, dir);
    }
    q = q.orderBy('id', dir);
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return q;
  }

  async list(opts: ListOptions = {}): Promise<R[]> {
    let q = this.selectAll();
    q = this.applyFilters(q, opts.filters ?? {});
    q = this.applyPage(q, opts);
    const rows = await q.execute();
    return rows.map((r) => this.codec.decode(r));
  }
}
