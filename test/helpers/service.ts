import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, startService, type Service } from '../../src/service.js';
import { createTestDatabase, type Dialect, type TestDatabase } from './databases.js';

export interface TestService {
  url: string;
  service: Service;
  db: TestDatabase;
  config: Config;
  close(): Promise<void>;
}

/**
 * Starts a whole Ferrite (API + conductor) in this process on a free loopback port over a fresh database.
 * `ini` adds configuration lines, e.g. `{ fake: { deploy_delay: '2' } }`.
 */
export async function startTestService(
  dialect: Dialect, ini: Record<string, Record<string, string>> = {},
  /** `log`: where the service's log lines go (level from `ini` DEFAULT log_level), to inspect what it logs. */
  opts: { log?: NodeJS.WritableStream } = {},
): Promise<TestService> {
  const db = await createTestDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-svc-'));
  const sections: Record<string, Record<string, string>> = {
    DEFAULT: { host: 'test-conductor', state_path: dir, log_level: process.env.FERRITE_TEST_LOG ?? 'silent' },
    api: { host_ip: '127.0.0.1', port: '0' },
    database: { connection: db.connection },
    conductor: { sync_power_state_interval: '0', check_provision_state_interval: '0' },
  };
  for (const [section, options] of Object.entries(ini)) sections[section] = { ...sections[section], ...options };
  const file = join(dir, 'ferrite.conf');
  writeFileSync(file, Object.entries(sections).map(([s, o]) => `[${s}]\n${Object.entries(o).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`).join('\n'));
  const config = loadConfig(file, {});
  const service = await startService(config, createLogger(config, opts.log));
  return {
    url: service.url, service, db, config,
    async close() {
      await service.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A tiny client for tests: JSON in, JSON (or text) out, microversion header when asked. */
export function apiClient(url: string, defaultVersion: string | null = 'latest') {
  async function call<T = any>(method: string, path: string, body?: unknown, opts: { version?: string | null; headers?: Record<string, string>; raw?: string } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    const version = opts.version === undefined ? defaultVersion : opts.version;
    if (version !== null) headers['X-OpenStack-Ironic-API-Version'] = version;
    let payload: string | undefined = opts.raw;
    if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${url}${path}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }
  return {
    call,
    get: <T = any>(path: string, opts?: { version?: string | null }) => call<T>('GET', path, undefined, opts),
    post: <T = any>(path: string, body: unknown, opts?: { version?: string | null }) => call<T>('POST', path, body, opts),
    put: <T = any>(path: string, body: unknown, opts?: { version?: string | null }) => call<T>('PUT', path, body, opts),
    patch: <T = any>(path: string, body: unknown, opts?: { version?: string | null }) => call<T>('PATCH', path, body, opts),
    delete: <T = any>(path: string, opts?: { version?: string | null }) => call<T>('DELETE', path, undefined, opts),
  };
}

/** Decodes Ironic's double-encoded error body to its faultstring. */
export function faultOf(body: unknown): string | undefined {
  const inner = (body as { error_message?: string } | undefined)?.error_message;
  if (typeof inner !== 'string') return undefined;
  const parsed = JSON.parse(inner) as { faultstring?: string; description?: string };
  return parsed.faultstring ?? parsed.description;
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
