import { IpmiClient } from '../../clients/ipmi/client.js';
import { IpmiError } from '../../clients/ipmi/errors.js';
import { DriverError } from '../../domain/errors.js';
import type { TaskContext } from '../interfaces.js';
import { parseIpmiDriverInfo, type IpmiDriverInfo } from './driver-info.js';

/** How Ferrite talks to IPMI BMCs: `[ipmi]` and the power timeouts of `[conductor]`. */
export interface IpmiSettings {
  /** Bound of one IPMI operation, session setup and retries included (Ironic's `command_retry_timeout`). */
  commandRetryTimeoutMs: number;
  /** Least gap between two commands to one BMC (Ironic's `min_command_interval`). */
  minCommandIntervalMs: number;
  /** Wait for one answer before sending again. */
  requestTimeoutMs: number;
  powerStateChangeTimeoutMs: number;
  softPowerOffTimeoutMs: number;
  powerPollIntervalMs: number;
}

/**
 * One native IPMI client for the whole process (one UDP socket, one queue and one session per BMC), and the
 * translation of its errors into driver errors that name the node and the action.
 */
export class IpmiConnector {
  readonly client: IpmiClient;

  constructor(readonly settings: IpmiSettings) {
    this.client = new IpmiClient({
      operationTimeoutMs: settings.commandRetryTimeoutMs, minIntervalMs: settings.minCommandIntervalMs,
      requestTimeoutMs: settings.requestTimeoutMs,
    });
  }

  info(task: TaskContext): IpmiDriverInfo {
    return parseIpmiDriverInfo(task.node);
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
