import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** What in-band inspection last found on each node (Ironic's node_inventory): the agent's inventory, as sent. */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  const table = db.schema.createTable('node_inventory');
  await (ctx.dialect === 'postgres'
    ? table.addColumn('id', 'serial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()))
    .addColumn('node_uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('inventory_data', 'text', (c) => c.notNull())
    .addColumn('plugin_data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('node_inventory').execute();
}
