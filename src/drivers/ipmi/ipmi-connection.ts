import { IpmiClient } from '../../clients/ipmi/client.js';
import { IpmiError } from '../../clients/ipmi/errors.js';
import type { IpmiBackend } from '../../clients/ipmi/ipmi-backend.js';
import { IpmitoolClient } from '../../clients/ipmi/ipmitool-client.js';
import { DriverError } from '../../domain/errors.js';
import type { TaskContext } from '../interfaces.js';
import type { PowerTimeouts } from '../generic/bmc-power.js';
import { parseIpmiDriverInfo, type IpmiDriverInfo } from './driver-info.js';

/** How Ferrite talks to IPMI BMCs: `[ipmi]` and the power timeouts of `[conductor]`. */
export interface IpmiSettings extends PowerTimeouts {
  /** `[ipmi] client`: Ferrite's own RMCP+ client, or Ironic's ipmitool command line (which also bridges). */
  client?: 'native' | 'ipmitool';
  /** Bound of one IPMI operation, session setup and retries included (Ironic's `command_retry_timeout`). */
  commandRetryTimeoutMs: number;
  /** Least gap between two commands to one BMC (Ironic's `min_command_interval`). */
  minCommandIntervalMs: number;
  /** Wait for one answer before sending again. */
  requestTimeoutMs: number;
}

/**
 * One IPMI backend for the whole process — the native client (one UDP socket, one queue and one session per BMC)
 * or ipmitool (one queue per BMC, a child per command) — and the translation of its errors into driver errors
 * that name the node and the action.
 */
export class IpmiConnector {
  readonly client: IpmiBackend;

  constructor(readonly settings: IpmiSettings) {
    const options = {
      operationTimeoutMs: settings.commandRetryTimeoutMs, minIntervalMs: settings.minCommandIntervalMs,
      requestTimeoutMs: settings.requestTimeoutMs,
    };
    this.client = settings.client === 'ipmitool' ? new IpmitoolClient(options) : new IpmiClient(options);
  }

  info(task: TaskContext): IpmiDriverInfo {
    // driver_info is checked against what the configured backend can do: only ipmitool bridges.
    return parseIpmiDriverInfo(task.node, { bridging: this.settings.client === 'ipmitool' });
  }

  /** Runs one IPMI exchange for the node; a failure becomes a DriverError naming the node and the action. */
  async call<T>(task: TaskContext, action: string, fn: (info: IpmiDriverInfo) => Promise<T>): Promise<T> {
    const info = this.info(task);
    try {
      return await fn(info);
    } catch (e) {
      if (e instanceof IpmiError) throw new DriverError(`IPMI ${action} failed for node ${task.node.uuid}: ${e.message}`);
      throw e;
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
