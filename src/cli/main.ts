import { Command } from 'commander';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger, startService } from '../service.js';
import { seedDemo, startDemo, type Demo } from './demo.js';
import { migrateToLatest, openDatabase, parseConnection } from '../store/database.js';
import { MAX_VERSION, MIN_VERSION } from '../domain/api-version.js';
import { VERSION } from '../version.js';
import { startLab } from '../lab/index.js';


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
  .option('--demo', 'run a small virtual Redfish lab alongside, and on an empty database enroll demo nodes to look at')
  .option('--lab-port <port>', 'port of the demo lab\'s Redfish service', '8000')
  .action(async (opts: { config?: string; demo?: boolean; labPort: string }) => {
    let service;
    let demo: Demo | undefined;
    try {
      const config = loadConfig(opts.config);
      service = await startService(config, createLogger(config));
      if (opts.demo) {
        const port = Number(opts.labPort);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--lab-port: not a port number: ${opts.labPort}`);
        demo = await startDemo(service, config.statePath, port);
        service.log.info({ url: demo.lab.url, ca: demo.lab.caPath, servers: demo.lab.servers.length }, 'demo lab running');
      }
    } catch (e) {
      fatal(e);
    }
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      service.log.info({ signal }, 'shutting down');
      service.close().then(() => demo?.close()).then(() => process.exit(0), (e: unknown) => {
        service.log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    service.log.info(`try: openstack --os-auth-type none --os-endpoint ${service.url} baremetal node list`);
    if (demo) {
      // The nodes appear at once and move through their states while the service already answers.
      try {
        const seeded = await seedDemo(service, demo);
        if (seeded > 0) service.log.info({ nodes: seeded }, 'demo nodes enrolled');
      } catch (e) {
        if (!stopping) service.log.error({ err: e }, 'enrolling the demo nodes failed');
      }
    }
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
  .command('lab')
  .description('run the virtual Redfish lab: emulated servers behind one Redfish service (and IPMI BMCs with --ipmi)')
  .requiredOption('--dir <dir>', 'state directory (created if missing; servers persist there)')
  .option('--servers <n>', 'number of servers', '8')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on (0 = any free port)', '8000')
  .option('--http', 'plain HTTP instead of HTTPS')
  .option('--username <user>', 'BMC user name', 'admin')
  .option('--password <password>', 'BMC password', 'password')
  .option('--power-delay-ms <ms>', 'how long a power transition takes', '1000')
  .option('--boot-delay-ms <ms>', 'how long from power-on until the OS runs', '1000')
  .option('--disk-size <gib>', 'size of each server\'s sparse disk file in GiB', '10')
  .option('--ipmi', 'give every server an IPMI BMC too (Debian\'s ipmi_sim, one per server, UDP on 127.0.0.1)')
  .option('--ipmi-base-port <port>', 'UDP port of the first IPMI BMC, the others follow (0 = any free ports)', '6230')
  .option('--boot-url <url>', 'the iPXE script servers network-boot from (what DHCP would hand out), e.g. http://127.0.0.1:6385/boot/boot.ipxe')
  .action(async (opts: {
    dir: string; servers: string; host: string; port: string; http?: boolean; username: string; password: string;
    powerDelayMs: string; bootDelayMs: string; diskSize: string; ipmi?: boolean; ipmiBasePort: string; bootUrl?: string;
  }) => {
    const number = (name: string, value: string, integer = false) => {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
        fatal(new Error(`--${name} must be a non-negative ${integer ? 'integer' : 'number'}, not ${value}`));
      }
      return n;
    };
    let lab;
    try {
      lab = await startLab({
        dir: opts.dir,
        servers: number('servers', opts.servers, true),
        host: opts.host,
        port: number('port', opts.port, true),
        http: opts.http === true,
        username: opts.username,
        password: opts.password,
        powerDelayMs: number('power-delay-ms', opts.powerDelayMs),
        bootDelayMs: number('boot-delay-ms', opts.bootDelayMs),
        diskSizeBytes: Math.round(number('disk-size', opts.diskSize) * 1024 ** 3),
        ipmi: opts.ipmi === true,
        ipmiBasePort: number('ipmi-base-port', opts.ipmiBasePort, true),
        bootUrl: opts.bootUrl,
        log: (msg) => process.stderr.write(`ferrite lab: ${msg}\n`),
      });
    } catch (e) {
      fatal(e);
    }
    // Exactly one JSON line on stdout, so scripts and tests can wait for it and learn the URL and CA.
    process.stdout.write(JSON.stringify({
      event: 'ready', url: lab.url, ca: lab.caPath, nodes: join(resolve(opts.dir), 'nodes.json'), servers: lab.servers.length,
      ...(opts.ipmi ? { ipmi: lab.servers.map((s) => s.ipmiPort) } : {}),
    }) + '\n');
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`ferrite lab: ${signal}, shutting down\n`);
      lab.close().then(() => process.exit(0), (e: unknown) => {
        process.stderr.write(`ferrite lab: shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });

program
  .command('enroll')
  .description('enroll the nodes of an instackenv.json or Ironic create file (JSON or YAML); re-running updates them')
  .argument('<file>', 'the enrollment file')
  .option('--manage', 'move enrolled nodes to manageable')
  .option('--provide', 'move enrolled nodes on to available (implies --manage)')
  .option('--dry-run', 'show what would change, change nothing')
  .option('--wait <seconds>', 'how long to wait for each node\'s manage/provide', '300')
  .option('--url <url>', 'the API (default: FERRITE_URL, else OS_ENDPOINT, else http://127.0.0.1:6385)')
  .option('--user <user>', 'http_basic user (default: FERRITE_USER, else OS_USERNAME)')
  .option('--password <password>', 'http_basic password (default: FERRITE_PASSWORD, else OS_PASSWORD)')
  .action(async (file: string, opts: import('./enroll.js').EnrollCliOptions) => {
    const { runEnroll } = await import('./enroll.js');
    process.exitCode = await runEnroll(file, opts);
  });

program
  .command('version')
  .description('print the version and the API microversion range')
  .action(() => {
    process.stdout.write(`ferrite ${VERSION} (Bare Metal API ${MIN_VERSION} - ${MAX_VERSION})\n`);
  });

program
  .command('agent')
  .description('run the deploy agent on a server: look its node up, heartbeat, serve the agent command API')
  .option('--api-url <url>', 'the Bare Metal API, e.g. http://192.0.2.1:6385 (default: ipa-api-url from --cmdline)')
  .option('--cmdline <words>', 'the kernel command line the server booted with (ipa-api-url, ipa-inspection-callback-url, BOOTIF)', '')
  .requiredOption('--mac <mac...>', "the server's MAC addresses")
  .requiredOption('--disk <path>', 'the disk to deploy onto (a block device, or a disk file in the lab)')
  .option('--listen <host:port>', 'where the command API listens', '0.0.0.0:9999')
  .option('--advertise-host <host>', 'the address the conductor reaches this agent at (default: the listen host)')
  .option('--lookup-timeout <seconds>', 'how long to look for the node', '600')
  .option('--power-command <path>', 'an executable the agent runs as "<path> off" / "<path> reboot" for standby.power_off / standby.run_image (without it those commands fail: the host\'s own poweroff/reboot is never run)')
  .action(async (opts: {
    apiUrl?: string; cmdline: string; mac: string[]; disk: string; listen: string; advertiseHost?: string; lookupTimeout: string;
    powerCommand?: string;
  }) => {
    try {
      const { parseKernelCmdline } = await import('../agent/kernel-cmdline.js');
      const boot = parseKernelCmdline(opts.cmdline);
      const apiUrl = opts.apiUrl ?? boot.apiUrl;
      if (!apiUrl) throw new Error('the API is unknown: give --api-url, or ipa-api-url=... in --cmdline');
      const m = /^(.+):(\d+)$/.exec(opts.listen);
      if (!m) throw new Error(`--listen: expected host:port, got ${opts.listen}`);
      const timeout = Number(opts.lookupTimeout);
      if (!Number.isFinite(timeout) || timeout <= 0) throw new Error(`--lookup-timeout: not a number of seconds: ${opts.lookupTimeout}`);
      const { runAgent } = await import('../agent/agent-runtime.js');
      const running = await runAgent({
        apiUrl: apiUrl.replace(/\/+$/, ''), macs: opts.mac, disk: opts.disk, listen: { host: m[1], port: Number(m[2]) },
        advertiseHost: opts.advertiseHost, lookupTimeoutMs: timeout * 1000,
        inspectionCallbackUrl: boot.inspectionCallbackUrl, bootInterface: boot.bootInterface, powerCommand: opts.powerCommand,
      });
      process.stdout.write(`${JSON.stringify({ event: 'ready', node: running.nodeUuid, callback_url: running.callbackUrl })}\n`);
      const stop = () => void running.stop().then(() => process.exit(0), () => process.exit(1));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    } catch (e) {
      fatal(e);
    }
  });

await program.parseAsync(process.argv);
