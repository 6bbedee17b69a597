import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** BIOS settings cached from the hardware, one row per node and setting (Ironic's bios_settings). */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  const table = db.schema.createTable('bios_settings');
  await (ctx.dialect === 'postgres'
    ? table.addColumn('id', 'serial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()))
    .addColumn('node_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'text')
    .addColumn('attribute_type', 'varchar(255)')
    .addColumn('allowable_values', 'text')
    .addColumn('lower_bound', 'bigint')
    .addColumn('upper_bound', 'bigint')
    .addColumn('min_length', 'integer')
    .addColumn('max_length', 'integer')
    .addColumn('read_only', 'boolean')
    .addColumn('reset_required', 'boolean')
    .addColumn('unique', 'boolean')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)')
    .addUniqueConstraint('bios_settings_node_name_uq', ['node_uuid', 'name'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('bios_settings').execute();
}
