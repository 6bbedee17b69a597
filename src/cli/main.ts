import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger, startService } from '../service.js';
import { seedDemo } from './demo.js';
import { migrateToLatest, openDatabase, parseConnection } from '../store/database.js';
import { MAX_VERSION, MIN_VERSION } from '../domain/api-version.js';
import { VERSION } from '../version.js';


function fatal(e: unknown): never {
  const message = e instanceof ConfigError ? `configuration error: ${e.message}` : e instanceof Error ? e.message : String(e);
  process.stderr.write(`ferrite: ${message}\n`);
  process.exit(2);
}

const program = new Command()
  .name('ferrite')
  .description('Bare-metal provisioning service with an OpenStack Ironic compatible API')
  .version(VERSION, '-V, --version-flag');

program
  .command('serve')
  .description('run the API and a conductor in one process')
  .option('-c, --config <file>', 'INI configuration file (Ironic section and option names)')
  .option('--demo', 'on an empty database, enroll a few fake-hardware nodes to look at')
  .action(async (opts: { config?: string; demo?: boolean }) => {
    let service;
    try {
      const config = loadConfig(opts.config);
      service = await startService(config, createLogger(config));
      if (opts.demo) {
        const seeded = await seedDemo(service);
        if (seeded > 0) service.log.info({ nodes: seeded }, 'demo nodes enrolled');
      }
      service.log.info(`try: openstack --os-auth-type none --os-endpoint ${service.url} baremetal node list`);
    } catch (e) {
      fatal(e);
    }
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      service.log.info({ signal }, 'shutting down');
      service.close().then(() => process.exit(0), (e: unknown) => {
        service.log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });

const db = program.command('db').description('database maintenance');
db.command('upgrade')
  .description('create or upgrade the database schema')
  .option('-c, --config <file>', 'INI configuration file')
  .action(async (opts: { config?: string }) => {
    try {
      const config = loadConfig(opts.config);
      const database = openDatabase(parseConnection(config.database.connection, config.statePath));
      try {
        const applied = await migrateToLatest(database);
        process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
      } finally {
        await database.close();
      }
    } catch (e) {
      fatal(e);
    }
  });

program
  .command('version')
  .description('print the version and the API microversion range')
  .action(() => {
    process.stdout.write(`ferrite ${VERSION} (Bare Metal API ${MIN_VERSION} - ${MAX_VERSION})\n`);
  });

await program.parseAsync(process.argv);
