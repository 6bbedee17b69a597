import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * The node change log the event stream tails: one row per committed change of a watched node field, written in the
 * node's own transaction. Rows are pruned by age and count, so this is a window, not a history (node_history is).
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  const table = db.schema.createTable('node_events');
  await (ctx.dialect === 'postgres'
    ? table.addColumn('id', 'serial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()))
    .addColumn('node_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('node_events').execute();
}
