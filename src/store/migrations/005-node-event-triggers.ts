import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * On SQLite the node change log is written by triggers: in the writing statement itself, so a node write costs no
 * transaction of its own and no second round trip (an explicit transaction per write halved node creation). The
 * fields and their order are the event stream's (src/domain/node-event.ts, frozen here as a migration must be):
 * an update fires when one of them is in the statement's SET list, as the repository decides on PostgreSQL.
 * PostgreSQL keeps the repository's own insert, which also orders ids by commit.
 */
const FIELDS = `json_object(
  'uuid', n.uuid, 'name', n.name, 'provision_state', n.provision_state,
  'target_provision_state', n.target_provision_state, 'power_state', n.power_state,
  'target_power_state', n.target_power_state, 'last_error', n.last_error,
  'maintenance', json(CASE WHEN n.maintenance THEN 'true' ELSE 'false' END), 'maintenance_reason', n.maintenance_reason,
  'deploy_step', json(n.deploy_step), 'clean_step', json(n.clean_step), 'driver', n.driver, 'owner', n.owner,
  'resource_class', n.resource_class, 'updated_at', n.updated_at, 'fault', n.fault)`;

const WATCHED = [
  'name', 'provision_state', 'target_provision_state', 'power_state', 'target_power_state', 'last_error', 'maintenance',
  'maintenance_reason', 'deploy_step', 'clean_step', 'driver', 'owner', 'resource_class', 'fault',
];

const NOW = `strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')`;

export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'sqlite') return;
  const row = (alias: 'NEW' | 'OLD') => FIELDS.replaceAll('n.', `${alias}.`);
  await sql.raw(`CREATE TRIGGER node_events_created AFTER INSERT ON nodes BEGIN
    INSERT INTO node_events (node_uuid, kind, fields, created_at) VALUES (NEW.uuid, 'created', ${row('NEW')}, ${NOW}); END`).execute(db);
  await sql.raw(`CREATE TRIGGER node_events_updated AFTER UPDATE OF ${WATCHED.join(', ')} ON nodes BEGIN
    INSERT INTO node_events (node_uuid, kind, fields, created_at) VALUES (NEW.uuid, 'updated', ${row('NEW')}, ${NOW}); END`).execute(db);
  await sql.raw(`CREATE TRIGGER node_events_deleted AFTER DELETE ON nodes BEGIN
    INSERT INTO node_events (node_uuid, kind, fields, created_at) VALUES (OLD.uuid, 'deleted', ${row('OLD')}, ${NOW}); END`).execute(db);
}

export async function down(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'sqlite') return;
  for (const t of ['node_events_created', 'node_events_updated', 'node_events_deleted']) await sql.raw(`DROP TRIGGER IF EXISTS ${t}`).execute(db);
}
