import { createRequire } from 'node:module';
import { isAbsolute, resolve, dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type SQLite from 'better-sqlite3';
import type PgModule from 'pg';
import type { Schema } from './schema.js';
import { migrationProvider, type Dialect } from './migrations/index.js';

/** A query's result as column names and one array of values per row. */
export interface RowTable {
  columns: string[];
  rows: unknown[][];
}

export interface Database {
  readonly db: Kysely<Schema>;
  readonly dialect: Dialect;
  /**
   * Runs a read query and returns its rows as arrays, without building an object per row; only where the driver
   * can (SQLite). Large listings use it.
   */
  readonly selectTable?: (sql: string, parameters: readonly unknown[]) => RowTable;
  close(): Promise<void>;
}

export type ConnectionTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

/**
 * Parses `[database] connection` in the URL forms operators know from Ironic (SQLAlchemy URLs):
 * `sqlite:////abs/path.db`, `sqlite:///relative.db` (relative to `baseDir`), `postgresql://user:pass@host/db`
 * (a `+driver` suffix such as `postgresql+psycopg2` is accepted and ignored).
 */
export function parseConnection(connection: string, baseDir: string): ConnectionTarget {
  const sqlite = /^sqlite(\+\w+)?:\/\/(\/(.*))?$/.exec(connection);
  if (sqlite) {
    const path = sqlite[3];
    if (!path) return { dialect: 'sqlite', path: ':memory:' };
    return { dialect: 'sqlite', path: isAbsolute(path) ? path : resolve(baseDir, path) };
  }
  const postgres = /^postgres(?:ql)?(?:\+\w+)?:\/\/(.*)$/.exec(connection);
  if (postgres) return { dialect: 'postgres', url: `postgresql://${postgres[1]}` };
  throw new Error(
    `unsupported [database] connection "${connection.replace(/:[^:@/]*@/, ':***@')}": ` +
      'use sqlite:////absolute/path.db, sqlite:///relative.db or postgresql://user:pass@host:port/db',
  );
}

const requireModule = createRequire(import.meta.url);
let pgModule: typeof PgModule | undefined;

/** node-pg, loaded when PostgreSQL is first configured: the embedded (SQLite) service never pays for it. */
function loadPg(): typeof PgModule {
  if (!pgModule) {
    pgModule = requireModule('pg') as typeof PgModule;
    // node-pg returns int8 and numeric as strings; counts and ids are safe integers here.
    pgModule.types.setTypeParser(20, (v) => Number(v));
  }
  return pgModule;
}

/**
 * better-sqlite3, loaded when a database is opened: the same program runs as the deploy agent on servers, where
 * neither the native module nor a database exists.
 */
function loadSqlite(): typeof SQLite {
  return requireModule('better-sqlite3') as typeof SQLite;
}

/** better-sqlite3 wrapped so that Kysely's per-query `prepare()` reuses compiled statements. */
function cachedStatements(db: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'prepare') {
        return (sql: string) => {
          let stmt = cache.get(sql);
          if (!stmt) {
            stmt = target.prepare(sql);
            if (cache.size > 2000) cache.clear();
            cache.set(sql, stmt);
          }
          return stmt;
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export function openDatabase(target: ConnectionTarget, onIdleError?: (err: Error) => void): Database {
  if (target.dialect === 'sqlite') {
    if (target.path !== ':memory:') mkdirSync(dirname(target.path), { recursive: true });
    const Sqlite = loadSqlite();
    const raw = new Sqlite(target.path);
    raw.pragma('journal_mode = WAL');
    raw.pragma('busy_timeout = 5000');
    raw.pragma('synchronous = NORMAL');
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: cachedStatements(raw) }) });
    // Separate statements from Kysely's: raw mode is a property of a prepared statement.
    const rawStatements = new Map<string, SQLite.Statement>();
    const selectTable = (sql: string, parameters: readonly unknown[]): RowTable => {
      let stmt = rawStatements.get(sql);
      if (!stmt) {
        stmt = raw.prepare(sql).raw(true);
        if (rawStatements.size > 500) rawStatements.clear();
        rawStatements.set(sql, stmt);
      }
      return { columns: stmt.columns().map((c) => c.name), rows: stmt.all(...parameters) as unknown[][] };
    };
    return { db, dialect: 'sqlite', selectTable, close: () => db.destroy() };
  }
  const pool = new (loadPg().Pool)({ connectionString: target.url, max: 10 });
  // An idle connection the server drops (restart, failover) must not take the process down; the pool
  // replaces it on the next query.
  pool.on('error', (err) => onIdleError?.(err));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** Brings the schema to the newest version; safe to run from several processes at once on PostgreSQL. */
export async function migrateToLatest(database: Database): Promise<string[]> {
  const migrator = new Migrator({
    db: database.db,
    provider: migrationProvider({ dialect: database.dialect }),
    migrationTableName: 'ferrite_migrations',
    migrationLockTableName: 'ferrite_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(JSON.stringify(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
