import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * PostgreSQL writes the node change log by triggers too, as SQLite does since migration 005: the event is written
 * by the writing statement itself. The repository's own insert cost every node write an explicit transaction and two
 * more round trips (node creation ~15 % slower, 100 fake deploys ~1.7x longer than before the change log).
 * Event ids still follow commit order: the trigger takes the transaction-scoped advisory lock before drawing an id,
 * so a transaction that drew a lower id has committed before a later one can draw a higher one. The lock is held
 * to the commit, which for a single-statement write is the end of that statement. The fields, their order and the
 * watched columns are the event stream's (src/domain/node-event.ts), frozen here as a migration must be.
 */
const EVENT_ORDER_LOCK = 0x46_45_52_52_45_56; // "FERREV": any key, as long as it is Ferrite's alone

const WATCHED = [
  'name', 'provision_state', 'target_provision_state', 'power_state', 'target_power_state', 'last_error', 'maintenance',
  'maintenance_reason', 'deploy_step', 'clean_step', 'driver', 'owner', 'resource_class', 'fault',
];

const FUNCTION = `CREATE FUNCTION ferrite_node_event() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  n nodes;
  kind text;
BEGIN
  IF TG_OP = 'DELETE' THEN n := OLD; kind := 'deleted';
  ELSIF TG_OP = 'INSERT' THEN n := NEW; kind := 'created';
  ELSE n := NEW; kind := 'updated';
  END IF;
  PERFORM pg_advisory_xact_lock(${EVENT_ORDER_LOCK});
  INSERT INTO node_events (node_uuid, kind, fields, created_at) VALUES (n.uuid, kind, json_build_object(
    'uuid', n.uuid, 'name', n.name, 'provision_state', n.provision_state,
    'target_provision_state', n.target_provision_state, 'power_state', n.power_state,
    'target_power_state', n.target_power_state, 'last_error', n.last_error,
    'maintenance', n.maintenance, 'maintenance_reason', n.maintenance_reason,
    'deploy_step', n.deploy_step::json, 'clean_step', n.clean_step::json, 'driver', n.driver, 'owner', n.owner,
    'resource_class', n.resource_class, 'updated_at', n.updated_at, 'fault', n.fault)::text,
    to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"'));
  RETURN NULL;
END
$fn$`;

export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'postgres') return;
  await sql.raw(FUNCTION).execute(db);
  await sql.raw(`CREATE TRIGGER node_events_created AFTER INSERT ON nodes FOR EACH ROW EXECUTE FUNCTION ferrite_node_event()`).execute(db);
  await sql.raw(`CREATE TRIGGER node_events_updated AFTER UPDATE OF ${WATCHED.join(', ')} ON nodes FOR EACH ROW EXECUTE FUNCTION ferrite_node_event()`).execute(db);
  await sql.raw(`CREATE TRIGGER node_events_deleted AFTER DELETE ON nodes FOR EACH ROW EXECUTE FUNCTION ferrite_node_event()`).execute(db);
}

export async function down(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'postgres') return;
  for (const t of ['node_events_created', 'node_events_updated', 'node_events_deleted']) await sql.raw(`DROP TRIGGER IF EXISTS ${t} ON nodes`).execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS ferrite_node_event()').execute(db);
}
