import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startKeystoneStub } from './keystone-stub.js';

const run = promisify(execFile);

/**
 * Runs OpenStack's Bare Metal API tests (Debian's ironic-tempest-plugin) against a noauth endpoint. Tempest
 * insists on Keystone, so a stub answers its token calls; its workspace, accounts and configuration live in a
 * temporary directory that is removed afterwards.
 */

export interface TempestResult {
  passed: string[];
  failed: string[];
  skipped: { id: string; reason: string }[];
  /** Tempest's own output, for diagnosing failures. */
  log: string;
  seconds: number;
}

/** Makes sure the tempest CLI and the plugin are installed (installs Debian's package as root). */
export async function ensureTempest(): Promise<void> {
  try {
    await run('tempest', ['--version']);
    return;
  } catch {
    if (process.getuid?.() !== 0) throw new Error('tempest is not installed: install Debian\'s ironic-tempest-plugin');
  }
  await run('apt-get', ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=900', 'ironic-tempest-plugin'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 << 20,
  });
}

function accounts(): string {
  // The plugin's base class asks for project-scoped and system-scoped admins; concurrency 2 needs several.
  let out = '';
  for (let i = 0; i < 6; i++) {
    out += `- username: admin${i}\n  project_name: admin${i}\n  password: secret\n  roles: [admin]\n`;
    out += `- username: sysadmin${i}\n  system: all\n  password: secret\n  roles: [admin]\n`;
  }
  return out;
}

function tempestConf(ws: string, identityUrl: string, maxMicroversion: string): string {
  return `[DEFAULT]
log_dir = ${ws}/logs
log_file = tempest.log

[auth]
use_dynamic_credentials = false
test_accounts_file = ${ws}/etc/accounts.yaml
default_credentials_domain_name = Default
admin_domain_scope = false

[identity]
auth_version = v3
uri_v3 = ${identityUrl}
region = RegionOne
disable_ssl_certificate_validation = true

[identity-feature-enabled]
api_v2 = false
api_v3 = true

[service_available]
ironic = true
nova = false
glance = false
neutron = false
cinder = false
swift = false
ironic_inspector = false

[enforce_scope]
ironic = false

[baremetal]
driver = fake-hardware
min_microversion = 1.1
max_microversion = ${maxMicroversion}
enabled_hardware_types = fake-hardware
enabled_deploy_interfaces = fake
enabled_boot_interfaces = fake
enabled_rescue_interfaces = fake,no-rescue
enabled_bios_interfaces = fake,no-bios
enabled_raid_interfaces = fake,no-raid
enabled_management_interfaces = fake
enabled_power_interfaces = fake
power_timeout = 60
unprovision_timeout = 120
deploywait_timeout = 120
active_timeout = 120
`;
}

const RESULT_LINE = /^\{\d+\}\s+(\S+?)(?:\[[^\]]*\])?\s+(?:\[[\d.]+s\]\s+)?\.\.\.\s+(ok|FAILED|SKIPPED)(?::\s*(.*))?$/;
/** A whole test class skipped or failed in its class fixture: `{0} setUpClass (module.Class) ... SKIPPED: why`. */
const CLASS_LINE = /^\{\d+\}\s+(?:setUpClass|tearDownClass)\s+\((\S+)\)\s+\.\.\.\s+(FAILED|SKIPPED)(?::\s*(.*))?$/;

export function parseTempestOutput(output: string): Omit<TempestResult, 'log' | 'seconds'> {
  const passed: string[] = [];
  const failed: string[] = [];
  const skipped: { id: string; reason: string }[] = [];
  for (const line of output.split('\n')) {
    const m = RESULT_LINE.exec(line.trim()) ?? CLASS_LINE.exec(line.trim());
    if (!m) continue;
    const [, id, outcome, reason] = m;
    if (outcome === 'ok') passed.push(id);
    else if (outcome === 'FAILED') failed.push(id);
    else skipped.push({ id: id, reason: reason ?? '' });
  }
  return { passed: passed.sort(), failed: failed.sort(), skipped };
}

export async function runTempest(baremetalUrl: string, maxMicroversion: string): Promise<TempestResult> {
  await ensureTempest();
  const work = mkdtempSync(join(tmpdir(), 'ferrite-tempest-'));
  const ws = join(work, 'workspace');
  const stub = await startKeystoneStub(baremetalUrl);
  const started = Date.now();
  try {
    // A private workspace registry: tempest refuses a workspace name another run already registered.
    await run('tempest', ['init', '--workspace-path', join(work, 'workspaces.yaml'), '--name', `ferrite-${process.pid}-${Date.now()}`, ws]);
    writeFileSync(join(ws, 'etc', 'accounts.yaml'), accounts());
    writeFileSync(join(ws, 'etc', 'tempest.conf'), tempestConf(ws, stub.url, maxMicroversion));
    const log = await new Promise<string>((resolve, reject) => {
      const child = spawn('tempest', [
        'run', '--config-file', join(ws, 'etc', 'tempest.conf'), '--concurrency', '2',
        '--regex', '^ironic_tempest_plugin\\.tests\\.api',
      ], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      // tempest exits non-zero when a test fails; the parsed results say which.
      child.on('close', () => resolve(out));
    });
    return { ...parseTempestOutput(log), log, seconds: (Date.now() - started) / 1000 };
  } finally {
    await stub.close();
    rmSync(work, { recursive: true, force: true });
  }
}
