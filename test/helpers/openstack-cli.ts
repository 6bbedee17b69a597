import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

/**
 * The real OpenStack CLI as Debian packages it (python3-openstackclient + python3-ironicclient), for tests that
 * drive a running Ferrite the way an operator would. Debian's `openstack` runs with /usr/bin/python3, whatever
 * `python3` on PATH is.
 */
export const OPENSTACK = '/usr/bin/openstack';
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const CLI_PACKAGES = ['python3-openstackclient', 'python3-ironicclient'] as const;

const run = promisify(execFile);

async function missingPackages(): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of CLI_PACKAGES) {
    try {
      const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', pkg]);
      if (!stdout.includes('install ok installed')) missing.push(pkg);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error(`dpkg-query not found: the OpenStack CLI test needs Debian's ${CLI_PACKAGES.join(' and ')}`);
      }
      missing.push(pkg); // dpkg-query exits 1 for a package it has never heard of
    }
  }
  return missing;
}

let ensured: Promise<void> | undefined;

/**
 * Makes sure Debian's OpenStack CLI with the bare metal plugin is installed: installs the packages with apt-get when
 * they are missing and we are root, and otherwise fails with a message saying what to install. Never skips.
 */
export function ensureOpenstackCli(): Promise<void> {
  ensured ??= (async () => {
    let missing = await missingPackages();
    if (missing.length > 0) {
      if (process.getuid?.() !== 0) {
        throw new Error(`The OpenStack CLI is missing (Debian packages ${missing.join(', ')}); install them as root ` +
          `(apt-get install ${missing.join(' ')}, or scripts/setup.sh) or run this test as root so it installs them.`);
      }
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const opts = { env, maxBuffer: 64 << 20, timeout: 1_200_000 };
      try {
        await run('apt-get', ['update', '-qq'], opts);
        await run('apt-get', ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=900', ...missing], opts);
      } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw new Error(`apt-get could not install ${missing.join(' ')}: ${err.stderr || err.message}`);
      }
      missing = await missingPackages();
      if (missing.length > 0) throw new Error(`apt-get ran but ${missing.join(', ')} still not installed`);
    }
    if (!existsSync(OPENSTACK)) throw new Error(`${CLI_PACKAGES.join(' and ')} are installed but ${OPENSTACK} is missing`);
  })();
  return ensured;
}

/** One resource's detailed fields as the installed python-ironicclient knows them, with its column labels. */
export interface ClientResource {
  fields: string[];
  labels: string[];
}
export type ClientResources = Record<'node' | 'port' | 'portgroup' | 'chassis' | 'conductor', ClientResource>;

/**
 * The detailed field lists of the installed python-ironicclient (what `show` prints and `--long` lists): a server
 * that answers the client's negotiated microversion returns exactly these fields.
 */
export async function ironicclientResources(): Promise<ClientResources> {
  const script = [
    'import json',
    'from ironicclient.v1 import resource_fields as r',
    'res = {"node": r.NODE_DETAILED_RESOURCE, "port": r.PORT_DETAILED_RESOURCE,',
    '       "portgroup": r.PORTGROUP_DETAILED_RESOURCE, "chassis": r.CHASSIS_DETAILED_RESOURCE,',
    '       "conductor": r.CONDUCTOR_DETAILED_RESOURCE}',
    'print(json.dumps({k: {"fields": list(v.fields), "labels": list(v.labels)} for k, v in res.items()}))',
  ].join('\n');
  const { stdout } = await run(SYSTEM_PYTHON, ['-c', script]);
  return JSON.parse(stdout) as ClientResources;
}

export interface CliOutput {
  stdout: string;
  stderr: string;
}

export class CliFailure extends Error {
  constructor(message: string, readonly exitCode: number | string | undefined, readonly output: CliOutput) {
    super(message);
  }
}

/**
 * `openstack --os-auth-type none --os-endpoint <endpoint> baremetal ...` against one server. The environment carries
 * the same two settings (OS_AUTH_TYPE, OS_ENDPOINT) and none of the caller's other OS_* variables.
 */
export function baremetalCli(endpoint: string, timeoutMs = 120_000) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_')) env[k] = v;
  Object.assign(env, { OS_AUTH_TYPE: 'none', OS_ENDPOINT: endpoint, PYTHONWARNINGS: 'ignore' });

  async function exec(args: string[]): Promise<CliOutput & { code: number | string | undefined }> {
    try {
      const { stdout, stderr } = await run(OPENSTACK, ['--os-auth-type', 'none', '--os-endpoint', endpoint, 'baremetal', ...args], {
        env, maxBuffer: 16 << 20, timeout: timeoutMs,
      });
      return { stdout, stderr, code: 0 };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; code?: number | string; signal?: string; message: string };
      if (err.stdout === undefined) throw e; // could not run at all
      return { stdout: err.stdout, stderr: err.stderr ?? '', code: err.code ?? err.signal };
    }
  }

  const show = (args: string[], out: CliOutput) =>
    `openstack baremetal ${args.join(' ')}\n--- stdout:\n${out.stdout}--- stderr:\n${out.stderr}`;

  /** Runs a command that must succeed; also fails if the CLI had to retry (the server answered 409 or 503). */
  async function ok(...args: string[]): Promise<CliOutput> {
    const out = await exec(args);
    if (out.code !== 0) throw new CliFailure(`exit ${String(out.code)}: ${show(args, out)}`, out.code, out);
    if (out.stderr.includes('Error contacting Ironic server')) {
      throw new CliFailure(`the CLI had to retry (409/503 from the server): ${show(args, out)}`, out.code, out);
    }
    return out;
  }

  return {
    ok,
    /** `-f json` output, parsed. */
    async json<T = any>(...args: string[]): Promise<T> {
      const out = await ok(...args, '-f', 'json');
      try {
        return JSON.parse(out.stdout) as T;
      } catch {
        throw new Error(`not JSON: ${show(args, out)}`);
      }
    },
    /** `-f value` output, one string per line. */
    async lines(...args: string[]): Promise<string[]> {
      const out = await ok(...args, '-f', 'value');
      return out.stdout.split('\n').filter((l) => l !== '');
    },
    /** Runs a command that must fail (non-zero exit, no retries) and returns what it printed. */
    async fails(...args: string[]): Promise<CliOutput> {
      const out = await exec(args);
      if (out.code === 0) throw new Error(`expected a failure: ${show(args, out)}`);
      if (out.stderr.includes('Error contacting Ironic server')) throw new Error(`the CLI had to retry: ${show(args, out)}`);
      return out;
    },
  };
}

export type BaremetalCli = ReturnType<typeof baremetalCli>;
