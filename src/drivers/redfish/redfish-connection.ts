import { createHash } from 'node:crypto';
import { RedfishClient } from '../../clients/redfish/client.js';
import { RedfishError, RedfishHttpError } from '../../clients/redfish/errors.js';
import type { Collection, ComputerSystem } from '../../clients/redfish/wire-types.js';
import { DriverError, InvalidParameterValue } from '../../domain/errors.js';
import type { TaskContext } from '../interfaces.js';
import type { PowerTimeouts } from '../generic/bmc-power.js';
import { parseRedfishDriverInfo, type RedfishDriverInfo } from './driver-info.js';

/** How Ferrite talks to Redfish BMCs: `[redfish]` and the power timeouts of `[conductor]`. */
export interface RedfishSettings extends PowerTimeouts {
  authType: 'basic' | 'session' | 'auto';
  connectionAttempts: number;
  connectionRetryIntervalMs: number;
  requestTimeoutMs: number;
  maxRetryAfterMs: number;
  /** How long an asynchronous BMC task (a BIOS reset) may take. */
  taskTimeoutMs: number;
}

export interface SystemHandle {
  client: RedfishClient;
  info: RedfishDriverInfo;
  /** Path of the ComputerSystem resource. */
  path: string;
}

const MAX_CACHED_CLIENTS = 20_000;

/**
 * Hands out one Redfish client per BMC and set of credentials, so sessions and sockets are reused across tasks
 * and across the power sync, and turns client errors into driver errors that name the node.
 */
export class RedfishConnector {
  private readonly clients = new Map<string, RedfishClient>();
  /** System paths found for nodes that did not name one (BMCs with a single system). */
  private readonly foundSystems = new Map<string, string>();

  constructor(readonly settings: RedfishSettings) {}

  info(task: TaskContext): RedfishDriverInfo {
    return parseRedfishDriverInfo(task.node, this.settings.authType);
  }

  client(info: RedfishDriverInfo, task?: TaskContext): RedfishClient {
    // The password is part of the identity (a changed password needs a new session) but only as a hash, so no
    // secret sits in a map key that might show up in a heap dump or a debug log.
    const key = createHash('sha256')
      .update(JSON.stringify([info.address, info.username, info.password, info.verify, info.authType]))
      .digest('base64');
    let client = this.clients.get(key);
    if (client) {
      // Refresh recency: the map's order is its eviction order.
      this.clients.delete(key);
      this.clients.set(key, client);
      return client;
    }
    if (info.verify === false) {
      // Said once per BMC and credentials (clients are cached), so the log carries it without repeating it.
      task?.log.warn({ bmc: info.address }, 'TLS certificate verification of this BMC is disabled by driver_info redfish_verify_ca=False');
    }
    client = new RedfishClient({
      address: info.address, username: info.username, password: info.password, authType: info.authType,
      verify: info.verify, timeoutMs: this.settings.requestTimeoutMs,
      retry: {
        attempts: this.settings.connectionAttempts, intervalMs: this.settings.connectionRetryIntervalMs,
        maxRetryAfterMs: this.settings.maxRetryAfterMs,
      },
    });
    this.clients.set(key, client);
    if (this.clients.size > MAX_CACHED_CLIENTS) {
      const oldest = this.clients.keys().next().value as string;
      this.clients.delete(oldest);
    }
    return client;
  }

  /** The node's client and system path; finds the system when the BMC has exactly one and none was named. */
  async system(task: TaskContext, action: string): Promise<SystemHandle> {
    const info = this.info(task);
    const client = this.client(info, task);
    if (info.systemId) return { client, info, path: info.systemId };
    const cacheKey = `${info.address} ${task.node.uuid}`;
    const found = this.foundSystems.get(cacheKey);
    if (found) return { client, info, path: found };
    const collection = await this.call(task, action, () => client.get<Collection>('/redfish/v1/Systems'));
    const members = collection.body.Members ?? [];
    if (members.length !== 1) {
      throw new InvalidParameterValue(
        `The Redfish service at ${info.address} manages ${members.length} systems; set driver_info/redfish_system_id on node ${task.node.uuid} to choose one`,
      );
    }
    const path = members[0]['@odata.id'].replace(/\/+$/, '');
    this.foundSystems.set(cacheKey, path);
    return { client, info, path };
  }

  async getSystem(task: TaskContext, action: string): Promise<SystemHandle & { system: ComputerSystem; etag: string | undefined }> {
    const handle = await this.system(task, action);
    const res = await this.call(task, action, () => handle.client.get<ComputerSystem>(handle.path));
    return { ...handle, system: res.body, etag: res.etag ?? res.body['@odata.etag'] };
  }

  /** Runs one Redfish exchange; a failure becomes a DriverError naming the node and the action. */
  async call<T>(task: TaskContext, action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.wrap(task, action, e);
    }
  }

  wrap(task: TaskContext, action: string, e: unknown): Error {
    if (!(e instanceof RedfishError)) return e as Error;
    if (e instanceof RedfishHttpError && e.status === 404) {
      return new DriverError(`Redfish ${action} failed for node ${task.node.uuid}: the BMC has no resource at ${e.url} (check redfish_system_id)`);
    }
    return new DriverError(`Redfish ${action} failed for node ${task.node.uuid}: ${e.message}`);
  }
}
