import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as m001 from './001-initial.js';
import * as m002 from './002-bios-settings.js';
import * as m003 from './003-node-inventory.js';
import * as m004 from './004-node-events.js';
import * as m005 from './005-node-event-triggers.js';
import * as m006 from './006-node-event-triggers-postgres.js';

export type Dialect = 'sqlite' | 'postgres';
export interface MigrationContext {
  dialect: Dialect;
}

interface MigrationModule {
  up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
  down?(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
}

/** Migrations are listed here, in order, so a bundle or a single-file install carries them all. */
const MIGRATIONS: Record<string, MigrationModule> = {
  '001-initial': m001,
  '002-bios-settings': m002,
  '003-node-inventory': m003,
  '004-node-events': m004,
  '005-node-event-triggers': m005,
  '006-node-event-triggers-postgres': m006,
};

export function migrationProvider(ctx: MigrationContext): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, mod] of Object.entries(MIGRATIONS)) {
        out[name] = {
          up: (db) => mod.up(db, ctx),
          down: mod.down ? (db) => mod.down!(db, ctx) : undefined,
        };
      }
      return out;
    },
  };
}
