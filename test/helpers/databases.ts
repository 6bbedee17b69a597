import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type Dialect = 'sqlite' | 'postgres';

export interface TestDatabase {
  dialect: Dialect;
  /** `[database] connection` for Ferrite */
  connection: string;
  drop(): Promise<void>;
}

/** Dialects the suite runs against: both unless FERRITE_TEST_DIALECTS narrows it. */
export function testDialects(): Dialect[] {
  const raw = process.env.FERRITE_TEST_DIALECTS ?? 'sqlite,postgres';
  return raw.split(',').map((s) => s.trim()).filter((s): s is Dialect => s === 'sqlite' || s === 'postgres');
}

/** The PostgreSQL server tests use; scripts/test.sh makes sure it runs. */
export function postgresAdminUrl(): string {
  return process.env.FERRITE_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

/** A fresh, empty database of the given dialect; `drop()` removes it. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'ferrite-test-'));
    return {
      dialect,
      connection: `sqlite:///${join(dir, 'ferrite.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `ferrite_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return {
    dialect,
    connection: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: postgresAdminUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
