import { sql, type Kysely } from 'kysely';
import type { NodeEvent } from '../../domain/node-event.js';
import type { Schema } from '../schema.js';

/** Reads and prunes the node change log (rows are written by NodeRepository, with the changes they describe). */
export class NodeEventRepository {
  constructor(private readonly db: Kysely<Schema>) {}

  /** Events after `id`, oldest first, at most `limit`, none past `upTo` when given. */
  async after(id: number, limit: number, upTo?: number): Promise<NodeEvent[]> {
    let q = this.db.selectFrom('node_events').selectAll().where('id', '>', id);
    if (upTo !== undefined) q = q.where('id', '<=', upTo);
    return (await q.orderBy('id').limit(limit).execute());
  }

  /** The newest and the oldest id kept; 0 for both while there are none. */
  async bounds(): Promise<{ oldest: number; newest: number }> {
    const row = await this.db.selectFrom('node_events')
      .select([sql<number | null>`min(id)`.as('oldest'), sql<number | null>`max(id)`.as('newest')])
      .executeTakeFirstOrThrow();
    return { oldest: Number(row.oldest ?? 0), newest: Number(row.newest ?? 0) };
  }

  /**
   * Deletes events that are both older than `before` and not among the newest `keep` ids (ids have gaps on
   * PostgreSQL, so slightly fewer than `keep` events may remain); returns how many went.
   */
  async prune(keep: number, before: string): Promise<number> {
    const { newest } = await this.bounds();
    const res = await this.db.deleteFrom('node_events')
      .where('id', '<=', newest - keep)
      .where('created_at', '<', before)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
