import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { bootSettings, type Config } from './config.js';
import { LOG_REDACT_PATHS } from './domain/secrets.js';
import { migrateToLatest, openDatabase, parseConnection } from './store/database.js';
import { Store } from './store/store.js';
import { DriverRegistry } from './drivers/registry.js';
import { Conductor } from './conductor/conductor-service.js';
import { buildApp } from './api/app.js';

export interface Service {
  app: FastifyInstance;
  conductor: Conductor;
  store: Store;
  log: Logger;
  /** The address the API listens on. */
  url: string;
  close(): Promise<void>;
}

export function createLogger(config: Config, destination?: NodeJS.WritableStream): Logger {
  return pino({ level: config.logLevel, redact: { paths: LOG_REDACT_PATHS, censor: '***' } }, destination as never);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Opens the database (migrating it), starts the conductor and the API: `ferrite serve`, all roles in one process. */
export async function startService(config: Config, log: Logger = createLogger(config)): Promise<Service> {
  if (config.authStrategy === 'noauth' && !LOOPBACK.test(config.api.hostIp) && !config.api.allowInsecureNoauth) {
    throw new Error(
      `refusing to serve without authentication on ${config.api.hostIp}: use [DEFAULT] auth_strategy = http_basic, ` +
        'bind [api] host_ip to a loopback address, or set [api] allow_insecure_noauth = true',
    );
  }
  // How long power actions may take, the same for every BMC protocol.
  const powerTimeouts = {
    powerStateChangeTimeoutMs: config.conductor.powerStateChangeTimeout * 1000,
    softPowerOffTimeoutMs: config.conductor.softPowerOffTimeout * 1000,
    powerPollIntervalMs: 1000,
  };
  // Filled in again once the API listens when [api] port = 0 left the port to the system.
  const boot = bootSettings(config);
  const registry = new DriverRegistry({
    ...config.drivers,
    redfish: {
      ...powerTimeouts,
      authType: config.redfish.authType,
      connectionAttempts: config.redfish.connectionAttempts,
      connectionRetryIntervalMs: config.redfish.connectionRetryInterval * 1000,
      requestTimeoutMs: config.redfish.requestTimeout * 1000,
      maxRetryAfterMs: config.redfish.maxRetryAfter * 1000,
      taskTimeoutMs: config.conductor.powerStateChangeTimeout * 1000,
    },
    ipmi: {
      ...powerTimeouts,
      client: config.ipmi.client,
      commandRetryTimeoutMs: config.ipmi.commandRetryTimeout * 1000,
      minCommandIntervalMs: config.ipmi.minCommandInterval * 1000,
      requestTimeoutMs: config.ipmi.requestTimeout * 1000,
    },
    console: { address: config.console.socatAddress, terminalTimeoutSeconds: config.console.terminalTimeout },
    boot,
    agent: {
      commandTimeoutMs: config.agent.commandTimeout * 1000,
      pollIntervalMs: config.agent.commandPollInterval * 1000,
      stepTimeoutMs: config.agent.stepTimeout > 0 ? config.agent.stepTimeout * 1000 : Infinity,
      erasePriorities: config.deploy.erasePriorities,
      addPorts: config.inspector.addPorts,
    },
  });
  const database = openDatabase(parseConnection(config.database.connection, config.statePath),
    (err) => log.warn({ err: err.message }, 'database connection lost; it will be re-established'));
  const store = new Store(database);
  try {
    const applied = await migrateToLatest(database);
    if (applied.length > 0) log.info({ migrations: applied }, 'database schema upgraded');
    const conductor = new Conductor(store, registry, config, log);
    await conductor.start();
    const app = await buildApp(store, conductor, config, log);
    const address = await app.listen({ host: config.api.hostIp, port: config.api.port });
    log.info({ address }, 'Ferrite API listening');
    const bound = app.server.address();
    if (config.api.port === 0 && bound !== null && typeof bound === 'object') Object.assign(boot, bootSettings(config, bound.port));
    let closed = false;
    return {
      app, conductor, store, log, url: address,
      async close() {
        if (closed) return;
        closed = true;
        await app.close();
        await conductor.stop();
        await registry.close();
        await store.close();
      },
    };
  } catch (e) {
    await registry.close();
    await store.close();
    throw e;
  }
}
