import type { Kysely, CreateTableBuilder } from 'kysely';
import type { MigrationContext } from './index.js';

/*
 * One schema for both databases. JSON documents are stored as text on both (written and parsed by the codecs),
 * booleans as the dialect's boolean, timestamps as ISO-8601 text produced by the application: the same bytes
 * come back from SQLite and PostgreSQL, and no database default leaks into what the API shows.
 */

const json = 'text';
const ts = 'varchar(40)';

function withId<T extends string>(ctx: MigrationContext, t: CreateTableBuilder<T, never>) {
  return ctx.dialect === 'postgres'
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  let nodes = withId(ctx, db.schema.createTable('nodes'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.unique())
    .addColumn('driver', 'varchar(255)', (c) => c.notNull())
    .addColumn('driver_info', json, (c) => c.notNull())
    .addColumn('driver_internal_info', json, (c) => c.notNull())
    .addColumn('properties', json, (c) => c.notNull())
    .addColumn('extra', json, (c) => c.notNull())
    .addColumn('instance_info', json, (c) => c.notNull())
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.unique())
    .addColumn('chassis_uuid', 'varchar(36)')
    .addColumn('power_state', 'varchar(32)')
    .addColumn('target_power_state', 'varchar(32)')
    .addColumn('provision_state', 'varchar(32)', (c) => c.notNull())
    .addColumn('target_provision_state', 'varchar(32)')
    .addColumn('provision_updated_at', ts)
    .addColumn('maintenance', 'boolean', (c) => c.notNull())
    .addColumn('maintenance_reason', 'text')
    .addColumn('fault', 'varchar(255)')
    .addColumn('last_error', 'text')
    .addColumn('reservation', 'varchar(255)')
    .addColumn('console_enabled', 'boolean', (c) => c.notNull())
    .addColumn('clean_step', json, (c) => c.notNull())
    .addColumn('deploy_step', json, (c) => c.notNull())
    .addColumn('service_step', json, (c) => c.notNull())
    .addColumn('raid_config', json, (c) => c.notNull())
    .addColumn('target_raid_config', json, (c) => c.notNull())
    .addColumn('inspection_started_at', ts)
    .addColumn('inspection_finished_at', ts)
    .addColumn('resource_class', 'varchar(80)');
  for (const slot of [
    'bios', 'boot', 'console', 'deploy', 'firmware', 'inspect', 'management', 'network', 'power', 'raid', 'rescue',
    'storage', 'vendor',
  ]) {
    nodes = nodes.addColumn(`${slot}_interface`, 'varchar(255)', (c) => c.notNull());
  }
  await nodes
    .addColumn('traits', json, (c) => c.notNull())
    .addColumn('conductor_group', 'varchar(255)', (c) => c.notNull())
    .addColumn('conductor_affinity', 'varchar(255)')
    .addColumn('automated_clean', 'boolean')
    .addColumn('protected', 'boolean', (c) => c.notNull())
    .addColumn('protected_reason', 'text')
    .addColumn('owner', 'varchar(255)')
    .addColumn('lessee', 'varchar(255)')
    .addColumn('description', 'text')
    .addColumn('allocation_uuid', 'varchar(36)')
    .addColumn('retired', 'boolean', (c) => c.notNull())
    .addColumn('retired_reason', 'text')
    .addColumn('network_data', json, (c) => c.notNull())
    .addColumn('boot_mode', 'varchar(16)')
    .addColumn('secure_boot', 'boolean')
    .addColumn('shard', 'varchar(255)')
    .addColumn('parent_node', 'varchar(36)')
    .addColumn('disable_power_off', 'boolean', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts)
    .execute();
  for (const col of ['provision_state', 'reservation', 'chassis_uuid', 'resource_class', 'conductor_group', 'driver']) {
    await db.schema.createIndex(`nodes_${col}_idx`).on('nodes').column(col).execute();
  }

  await withId(ctx, db.schema.createTable('portgroups'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.unique())
    .addColumn('address', 'varchar(18)', (c) => c.unique())
    .addColumn('node_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('standalone_ports_supported', 'boolean', (c) => c.notNull())
    .addColumn('internal_info', json, (c) => c.notNull())
    .addColumn('extra', json, (c) => c.notNull())
    .addColumn('mode', 'varchar(255)')
    .addColumn('properties', json, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts)
    .execute();
  await db.schema.createIndex('portgroups_node_uuid_idx').on('portgroups').column('node_uuid').execute();

  await withId(ctx, db.schema.createTable('ports'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('address', 'varchar(18)', (c) => c.notNull().unique())
    .addColumn('node_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('portgroup_uuid', 'varchar(36)')
    .addColumn('local_link_connection', json, (c) => c.notNull())
    .addColumn('pxe_enabled', 'boolean', (c) => c.notNull())
    .addColumn('physical_network', 'varchar(64)')
    .addColumn('internal_info', json, (c) => c.notNull())
    .addColumn('is_smartnic', 'boolean', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.unique())
    .addColumn('description', 'varchar(255)')
    .addColumn('extra', json, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts)
    .execute();
  await db.schema.createIndex('ports_node_uuid_idx').on('ports').column('node_uuid').execute();
  await db.schema.createIndex('ports_portgroup_uuid_idx').on('ports').column('portgroup_uuid').execute();

  await withId(ctx, db.schema.createTable('chassis'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('description', 'varchar(255)')
    .addColumn('extra', json, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts)
    .execute();

  await withId(ctx, db.schema.createTable('conductors'))
    .addColumn('hostname', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('conductor_group', 'varchar(255)', (c) => c.notNull())
    .addColumn('online', 'boolean', (c) => c.notNull())
    .addColumn('drivers', json, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts)
    .execute();

  await withId(ctx, db.schema.createTable('node_history'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('node_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('conductor', 'varchar(255)')
    .addColumn('event_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('severity', 'varchar(16)', (c) => c.notNull())
    .addColumn('user', 'varchar(255)')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts)
    .execute();
  await db.schema.createIndex('node_history_node_uuid_idx').on('node_history').column('node_uuid').execute();

  await withId(ctx, db.schema.createTable('allocations'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.unique())
    .addColumn('node_uuid', 'varchar(36)')
    .addColumn('state', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('resource_class', 'varchar(80)')
    .addColumn('traits', json, (c) => c.notNull())
    .addColumn('candidate_nodes', json, (c) => c.notNull())
    .addColumn('extra', json, (c) => c.notNull())
    .addColumn('owner', 'varchar(255)')
    .addColumn('conductor_affinity', 'varchar(255)')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts)
    .execute();

  await withId(ctx, db.schema.createTable('deploy_templates'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('steps', json, (c) => c.notNull())
    .addColumn('extra', json, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts)
    .execute();

  await withId(ctx, db.schema.createTable('volume_connectors'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('node_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('connector_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('extra', json, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts)
    .addUniqueConstraint('volume_connectors_type_connector_id_uq', ['type', 'connector_id'])
    .execute();

  await withId(ctx, db.schema.createTable('volume_targets'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('node_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('volume_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('properties', json, (c) => c.notNull())
    .addColumn('boot_index', 'integer', (c) => c.notNull())
    .addColumn('volume_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('extra', json, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts)
    .addUniqueConstraint('volume_targets_node_boot_index_uq', ['node_uuid', 'boot_index'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'volume_targets', 'volume_connectors', 'deploy_templates', 'allocations', 'node_history', 'conductors',
    'chassis', 'ports', 'portgroups', 'nodes',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
