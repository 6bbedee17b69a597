import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DriverError, InvalidParameterValue, MissingParameterValue } from '../../domain/errors.js';
import type { ConsoleInterface, TaskContext } from '../interfaces.js';
import type { ConsoleProcesses } from './console-processes.js';
import { IPMI_PROPERTIES, parseIpmiDriverInfo, type IpmiDriverInfo } from './driver-info.js';

const run = promisify(execFile);

export interface ConsoleSettings {
  /** Address the relays listen on (Ironic's `[console] socat_address`). */
  address: string;
  /** A console client silent this long is disconnected (Ironic's `[console] terminal_timeout`). */
  terminalTimeoutSeconds: number;
}

/** ipmitool's arguments for a node's SOL session; the password travels in IPMI_PASSWORD (-E), never in argv. */
function ipmitoolArgs(info: IpmiDriverInfo): string[] {
  const t = info.target;
  return ['-I', 'lanplus', '-H', t.host, '-p', String(t.port ?? 623), '-U', t.username, '-L', (t.privilege ?? 'administrator').toUpperCase(),
    '-C', String(t.cipherSuite ?? 3), '-E'];
}

/**
 * `ipmitool-socat`: the node's serial console over IPMI Serial-over-LAN, served on `ipmi_terminal_port` by a
 * socat relay that runs `ipmitool sol activate` for each client, as Ironic does.
 */
export function ipmiSocatConsole(processes: ConsoleProcesses, settings: ConsoleSettings): ConsoleInterface {
  const info = (task: TaskContext) => {
    const parsed = parseIpmiDriverInfo(task.node);
    if (parsed.terminalPort === null) {
      throw new MissingParameterValue(`Missing 'ipmi_terminal_port' parameter in node's driver_info (node ${task.node.uuid}).`);
    }
    // socat's EXEC address splits on spaces and interprets quotes; such names cannot be passed safely.
    if (/[\s"'\\!,:]/.test(parsed.target.username) || /[\s"'\\!,:]/.test(parsed.target.host)) {
      throw new InvalidParameterValue(`ipmi_username and ipmi_address of node ${task.node.uuid} must not contain spaces, quotes or socat separators for the console.`);
    }
    return parsed as IpmiDriverInfo & { terminalPort: number };
  };
  const env = (i: IpmiDriverInfo) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', IPMI_PASSWORD: i.target.password });
  return {
    name: 'ipmitool-socat',
    properties: () => ({ ...IPMI_PROPERTIES }),
    validate: async (task) => {
      info(task);
    },
    startConsole: async (task) => {
      const i = info(task);
      // A session left active by an earlier relay would refuse ours; ending it first is what Ironic does too.
      await run('ipmitool', [...ipmitoolArgs(i), 'sol', 'deactivate'], { env: env(i), timeout: 10_000 }).catch(() => undefined);
      const exec = ['ipmitool', ...ipmitoolArgs(i), 'sol', 'activate'].join(' ');
      try {
        await processes.start(task.node.uuid, [
          '-T', String(settings.terminalTimeoutSeconds),
          `TCP4-LISTEN:${i.terminalPort},bind=${settings.address},reuseaddr,fork,max-children=1`,
          `EXEC:${exec},pty,stderr,setsid,sane`,
        ], env(i));
      } catch (e) {
        throw new DriverError(`Could not start the console of node ${task.node.uuid} on ${settings.address}:${i.terminalPort}: ${(e as Error).message}`);
      }
    },
    stopConsole: async (task) => {
      await processes.stop(task.node.uuid);
    },
    getConsole: (task) => ({ type: 'socat', url: `tcp://${settings.address}:${info(task).terminalPort}` }),
  };
}
