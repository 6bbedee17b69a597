import { sql } from 'kysely';
import type { Node } from '../../domain/node.js';
import { RowCodec, TableRepository, type Filters, type ListOptions } from '../table-repository.js';
import type { RowTable } from '../database.js';
import type { Dialect } from '../migrations/index.js';
// A cycle with store.ts, harmless: `now` is only called, never read while the modules load.


/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- see TableRepository */

export const nodeCodec = new RowCodec<Node>(
  [
    'driver_info', 'driver_internal_info', 'properties', 'extra', 'instance_info', 'clean_step', 'deploy_step',
    'service_step', 'raid_config', 'target_raid_config', 'traits', 'network_data',
  ],
  ['maintenance', 'console_enabled', 'automated_clean', 'protected', 'retired', 'secure_boot', 'disable_power_off'],
);

/** Filters of the node list that are not plain column equality. */
export interface NodeFilters extends Filters {
  associated?: boolean;
  /** owner or lessee */
  project?: string;
  description_contains?: string;
  sharded?: boolean;
}

export interface NodeListOptions extends ListOptions {
  filters?: NodeFilters;
  provisionStates?: readonly string[];
  reservedBy?: string;
  /** Read only these columns (a list that shows few fields need not read whole rows). */
  columns?: readonly string[];
}

export class NodeRepository extends TableRepository<'nodes', Node> {
  getByName(name: string): Promise<Node | undefined> {
    return this.one('name', name);
  }

  getByInstanceUuid(uuid: string): Promise<Node | undefined> {
    return this.one('instance_uuid', uuid);
  }

  protected override applyFilters(q: any, filters: NodeFilters): any {
    const { associated, project, description_contains, sharded, ...plain } = filters;
    q = super.applyFilters(q, plain);
    if (associated !== undefined) q = q.where('instance_uuid', associated ? 'is not' : 'is', null);
    if (sharded !== undefined) q = q.where('shard', sharded ? 'is not' : 'is', null);
    if (project !== undefined) q = q.where((eb: any) => eb.or([eb('owner', '=', project), eb('lessee', '=', project)]));
    if (description_contains !== undefined) {
      const pattern = `%${description_contains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<boolean>`description like ${pattern} escape '\\'`);
    }
    return q;
  }

  /** Nodes of a list; with `columns`, partial nodes holding only those fields. */
  override async list(opts: NodeListOptions = {}): Promise<Node[]> {
    const rows = (await this.listQuery(opts).execute()) as Record<string, unknown>[];
    return rows.map((r) => this.codec.decode(r));
  }

  /** Set by the Store: on SQLite the event log is written by triggers (migration 005), on PostgreSQL here. */
  dialect: Dialect = 'sqlite';

  /** Optional fast path of the database (see Database.selectTable). */
  selectTable?: (sql: string, parameters: readonly unknown[]) => RowTable;

  /**
   * A page of nodes as stored, one array per row (documents still JSON text): what a large listing is serialised
   * from without building and parsing every row.
   */
  async listTable(opts: NodeListOptions = {}): Promise<RowTable> {
    const q = this.listQuery(opts);
    if (this.selectTable) {
      const { sql, parameters } = q.compile() as { sql: string; parameters: readonly unknown[] };
      return this.selectTable(sql, parameters);
    }
    const rows = (await q.execute()) as Record<string, unknown>[];
    const columns = rows.length > 0 ? Object.keys(rows[0]) : [];
    return { columns, rows: rows.map((r) => columns.map((c) => r[c])) };
  }

  private listQuery(opts: NodeListOptions): any {
    let q = opts.columns
      ? (this.db.selectFrom('nodes') as any).select(opts.columns)
      : this.selectAll() as any;
    q = this.applyFilters(q, opts.filters ?? {});
    if (opts.provisionStates) q = q.where('provision_state', 'in', opts.provisionStates);
    if (opts.reservedBy !== undefined) q = q.where('reservation', '=', opts.reservedBy);
    return this.applyPage(q, opts);
  }

  /**
   * Takes the node's reservation for `host` if nobody holds it: the compare-and-set that makes a conductor the
   * only writer of a node. Returns the reserved node, or undefined when it is held by someone else or gone.
   */
  async reserve(id: number, host: string): Promise<Node | undefined> {
    const row = await this.db
      .updateTable('nodes')
      .set({ reservation: host })
      .where('id', '=', id)
      .where('reservation', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row ? this.codec.decode(row) : undefined;
  }

  /** Releases the reservation if `host` still holds it. */
  async release(id: number, host: string): Promise<boolean> {
    const res = await this.db
      .updateTable('nodes')
      .set({ reservation: null })
      .where('id', '=', id)
      .where('reservation', '=', host)
      .executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  /** Updates a node this host holds; undefined if the reservation was lost (taken over) in between. */
  async updateReserved(id: number, host: string, changes: Partial<Node>): Promise<Node | undefined> {
    // The change log is written by triggers, in this same statement (migrations 005 and 006).
    const rows = await (this.db.updateTable('nodes') as any)
      .set(this.codec.encode(changes))
      .where('id', '=', id)
      .where('reservation', '=', host)
      .returningAll()
      .execute() as Record<string, unknown>[];
    return rows.map((r) => this.codec.decode(r))[0];
  }

  /** Drops every reservation held by `host` (a conductor restarting or declared dead). */
  async clearReservations(host: string): Promise<number> {
    const res = await this.db.updateTable('nodes').set({ reservation: null }).where('reservation', '=', host).executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async clearReservationsNotIn(hosts: readonly string[]): Promise<number> {
    let q = this.db.updateTable('nodes').set({ reservation: null }).where('reservation', 'is not', null);
    if (hosts.length > 0) q = q.where('reservation', 'not in', hosts);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows);
  }
}
