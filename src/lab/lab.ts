// startLab: loads (or creates) the servers in the state directory and serves them behind one Redfish endpoint.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join, resolve } from 'node:path';
import { biosDefaults } from './bios-attributes.js';
import { ensureDiskImage } from './disk-image.js';
import { startIpmiLab, type IpmiLab } from './ipmi-lab.js';
import { startLabHook, type LabHook } from './lab-hook.js';
import type { LabRuntime } from './lab-runtime.js';
import type { Lab, LabOptions, LabServerState } from './lab-types.js';
import { writeNodesFile } from './nodes-file.js';
import { createRequestHandler } from './request-router.js';
import { collectionJson } from './service-routes.js';
import { Sessions } from './sessions.js';
import { BatchedWriter, writeJsonAtomic } from './state-files.js';
import { Tasks } from './tasks.js';
import { ensureTlsMaterial } from './tls-material.js';
import { listenTracked } from './tracked-listener.js';
import { VirtualServer, newServerRecord, type LabSettings, type ServerContext, type ServerRecord } from './virtual-server.js';

const GIB = 1024 ** 3;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function startLab(opts: LabOptions): Promise<Lab> {
  const dir = resolve(opts.dir);
  const log = opts.log ?? (() => {});
  const username = opts.username ?? 'admin';
  const password = opts.password ?? 'password';
  const settings: LabSettings = { powerDelayMs: opts.powerDelayMs ?? 1000, bootDelayMs: opts.bootDelayMs ?? 1000 };
  mkdirSync(dir, { recursive: true });

  const writer = new BatchedWriter();
  const ctx: ServerContext = { settings, writer, boot: { bootUrl: opts.bootUrl } };
  const serviceUuid = loadServiceUuid(dir);
  const records = loadRecords(dir, log);
  const wanted = opts.servers ?? 8;
  let nextIndex = records.reduce((m, r) => Math.max(m, r.index + 1), 0);
  const created: ServerRecord[] = [];
  while (records.length + created.length < wanted) created.push(newServerRecord(nextIndex++, randomUUID()));

  const diskSize = opts.diskSizeBytes ?? 10 * GIB;
  const servers: VirtualServer[] = [];
  for (const rec of records) {
    const sdir = join(dir, rec.uuid);
    servers.push(new VirtualServer(rec, sdir, ensureDiskImage(join(sdir, 'disk.img'), diskSize), ctx));
  }
  for (const rec of created) {
    const sdir = join(dir, rec.uuid);
    mkdirSync(sdir, { recursive: true });
    const s = new VirtualServer(rec, sdir, ensureDiskImage(join(sdir, 'disk.img'), diskSize), ctx);
    writeJsonAtomic(s.statePath, rec);
    servers.push(s);
  }
  if (created.length > 0) log(`created ${created.length} server(s) in ${dir}`);

  const rt: LabRuntime = {
    serviceUuid,
    username,
    password,
    servers,
    byId: new Map(servers.map((s) => [s.id, s])),
    byName: new Map(servers.map((s) => [s.rec.name, s])),
    sessions: new Sessions(),
    tasks: new Tasks(),
    settings,
    log,
    collectionJson: {
      Systems: collectionJson('/redfish/v1/Systems', 'ComputerSystemCollection', 'Computer System Collection', servers.map((s) => s.systemPath)),
      Managers: collectionJson('/redfish/v1/Managers', 'ManagerCollection', 'Manager Collection', servers.map((s) => `/redfish/v1/Managers/${s.id}`)),
      Chassis: collectionJson('/redfish/v1/Chassis', 'ChassisCollection', 'Chassis Collection', servers.map((s) => `/redfish/v1/Chassis/${s.id}`)),
    },
  };

  // The hook serves both the IPMI BMCs' chassis programs and the agents' power commands.
  const hook = await startLabHook(rt.byId, log);
  ctx.boot.hook = { port: hook.port, token: hook.token };
  // IPMI BMCs next: a port that is taken fails the start before anything listens.
  let ipmi: IpmiLab | undefined;
  try {
    if (opts.ipmi) {
      ipmi = await startIpmiLab(servers, hook, { basePort: opts.ipmiBasePort ?? 6230, username, password, log });
    }
    return await serve(opts, dir, rt, writer, ipmi, hook);
  } catch (e) {
    await ipmi?.close();
    await hook.close();
    throw e;
  }
}

async function serve(
  opts: LabOptions, dir: string, rt: LabRuntime, writer: BatchedWriter, ipmi: IpmiLab | undefined, hook: LabHook,
): Promise<Lab> {
  const { servers, username, password, log } = rt;
  const host = opts.host ?? '127.0.0.1';
  const handler = createRequestHandler(rt);
  let server: Server;
  let caPath = '';
  if (opts.http) {
    server = createHttpServer(handler);
  } else {
    const tls = await ensureTlsMaterial(dir, host);
    caPath = tls.caPath;
    server = createHttpsServer({ cert: tls.cert, key: tls.key }, handler);
  }
  const listener = await listenTracked(server, opts.port ?? 8000, host);
  const port = listener.port;
  const url = `${opts.http ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  writeNodesFile(dir, url, username, password, servers, opts.ipmi === true);
  log(`lab listening on ${url} with ${servers.length} server(s), state in ${dir}`);

  let closed: Promise<void> | undefined;
  return {
    url,
    caPath,
    servers: servers.map((s) => s.info()),
    server(id: string): LabServerState {
      const s = rt.byId.get(id) ?? rt.byName.get(id);
      if (s === undefined) throw new Error(`no lab server ${id}`);
      return s.snapshot();
    },
    close(): Promise<void> {
      closed ??= (async () => {
        const httpClosed = listener.close();
        // The BMC processes go before the servers stop, so no IPMI request changes a server after its last write.
        await ipmi?.close();
        // Agents are killed and waited for: none outlives the lab, and none calls the hook after it closed.
        await Promise.all(servers.map((s) => s.stop()));
        await hook.close();
        rt.tasks.stop();
        writer.flush();
        await httpClosed;
      })();
      return closed;
    },
  };
}

function loadServiceUuid(dir: string): string {
  const path = join(dir, 'lab.json');
  try {
    const meta = JSON.parse(readFileSync(path, 'utf8')) as { serviceUuid?: unknown };
    if (typeof meta.serviceUuid === 'string') return meta.serviceUuid;
  } catch {
    // first start, or an unreadable file: a new identity is all it costs
  }
  const serviceUuid = randomUUID();
  writeJsonAtomic(path, { serviceUuid });
  return serviceUuid;
}

/** Servers already in the directory, in creation order; fields added since they were written get their defaults. */
function loadRecords(dir: string, log: (msg: string) => void): ServerRecord[] {
  const records: ServerRecord[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !UUID_RE.test(entry.name)) continue;
    let saved: Partial<ServerRecord>;
    try {
      saved = JSON.parse(readFileSync(join(dir, entry.name, 'state.json'), 'utf8')) as Partial<ServerRecord>;
    } catch (e) {
      log(`skipping ${entry.name}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (typeof saved.index !== 'number') continue;
    const rec = { ...newServerRecord(saved.index, entry.name), ...saved, uuid: entry.name };
    rec.bios = { current: { ...biosDefaults(), ...rec.bios.current }, pending: { ...rec.bios.pending } };
    records.push(rec);
  }
  return records.sort((a, b) => a.index - b.index);
}
