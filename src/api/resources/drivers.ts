import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidParameterValue, NotAcceptable, NotFound } from '../../domain/errors.js';
import type { ApiDeps } from '../app.js';
import { parseBoolParam, type Query } from '../collection.js';
import { isConductorAlive } from '../views/conductor-view.js';
import {
  DRIVER_FIELDS_MINOR, DYNAMIC_DRIVERS_MINOR, RAID_LOGICAL_DISK_PROPERTIES, driverView, selectDriverFields,
  type DriverViewContext,
} from '../views/driver-view.js';

const LIST_PARAMS = new Set(['type', 'detail', 'fields']);

const driverNotFound = (name: string) =>
  new NotFound(`Could not find the following driver(s) or hardware type(s): ${name}.`);

function parseDriverFields(raw: string | undefined, minor: number): string[] | undefined {
  if (raw === undefined) return undefined;
  if (minor < DRIVER_FIELDS_MINOR) {
    throw new NotAcceptable(`The "fields" parameter of drivers requires API version 1.${DRIVER_FIELDS_MINOR} or later.`);
  }
  return raw.split(',').map((f) => f.trim()).filter(Boolean);
}

function requireDynamicDrivers(minor: number): void {
  if (minor < DYNAMIC_DRIVERS_MINOR) {
    throw new NotAcceptable(`Request not acceptable. The minimal required API version should be 1.${DYNAMIC_DRIVERS_MINOR}`);
  }
}

/**
 * `/v1/drivers`: the hardware types that live conductors serve. Every driver is a hardware type ("dynamic");
 * classic drivers no longer exist, so asking for them lists nothing.
 */
export function registerDrivers(app: FastifyInstance, deps: ApiDeps): void {
  const { store, config, conductor } = deps;

  /** Hardware type → hostnames of the live conductors that registered it. */
  async function activeHardwareTypes(): Promise<Map<string, string[]>> {
    const types = new Map<string, string[]>();
    const now = Date.now();
    for (const c of await store.conductors.list()) {
      if (!isConductorAlive(c, config.conductor.heartbeatTimeout, now)) continue;
      for (const name of c.drivers) {
        const hosts = types.get(name) ?? [];
        hosts.push(c.hostname);
        types.set(name, hosts);
      }
    }
    for (const hosts of types.values()) hosts.sort();
    return types;
  }

  /** The hosts serving `name`, or 404: a hardware type is usable only while some conductor serves it. */
  async function activeDriver(name: string): Promise<string[]> {
    const hosts = (await activeHardwareTypes()).get(name);
    if (!hosts) throw driverNotFound(name);
    return hosts;
  }

  const viewContext = (request: FastifyRequest): DriverViewContext => ({
    minor: request.minor, base: deps.base(request), registry: conductor.core.registry,
  });

  app.get('/v1/drivers', async (request) => {
    const q = request.query as Query;
    const minor = request.minor;
    for (const key of Object.keys(q)) {
      if (!LIST_PARAMS.has(key)) throw new InvalidParameterValue(`Unknown argument: "${key}"`);
    }
    const detail = q.detail === undefined ? undefined : parseBoolParam('detail', q.detail);
    if (q.fields !== undefined && detail) {
      throw new InvalidParameterValue('Can not specify ?detail=True and fields in the same request.');
    }
    if (detail !== undefined) requireDynamicDrivers(minor);
    if (q.type !== undefined) requireDynamicDrivers(minor);
    const fields = parseDriverFields(q.fields, minor);
    if (q.type !== undefined && q.type !== 'classic' && q.type !== 'dynamic') {
      throw new InvalidParameterValue('"type" filter must be one of "classic" or "dynamic", if specified.');
    }
    const types = q.type === 'classic' ? new Map<string, string[]>() : await activeHardwareTypes();
    const ctx = viewContext(request);
    const drivers = [...types.keys()].sort().map((name) =>
      selectDriverFields(driverView(name, types.get(name)!, ctx, detail ?? false), fields));
    return { drivers };
  });

  app.get('/v1/drivers/:name', async (request) => {
    const { name } = request.params as { name: string };
    const fields = parseDriverFields((request.query as Query).fields, request.minor);
    const hosts = await activeDriver(name);
    return selectDriverFields(driverView(name, hosts, viewContext(request), true), fields);
  });

  app.get('/v1/drivers/:name/properties', async (request) => {
    const { name } = request.params as { name: string };
    await activeDriver(name);
    const registry = conductor.core.registry;
    if (!registry.hasHardwareType(name)) throw driverNotFound(name);
    return registry.properties(name);
  });

  app.get('/v1/drivers/:name/raid/logical_disk_properties', async (request) => {
    const { name } = request.params as { name: string };
    if (request.minor < 12) throw new NotAcceptable('RAID configuration requires API version 1.12 or later.');
    await activeDriver(name);
    const registry = conductor.core.registry;
    if (!registry.hasHardwareType(name)) throw driverNotFound(name);
    // Ironic answers 404 when the hardware type's default RAID interface cannot configure RAID.
    if (registry.defaultInterface(name, 'raid') === 'no-raid') {
      throw new NotFound(`Driver ${name} does not support raid (disabled or not implemented).`);
    }
    return { ...RAID_LOGICAL_DISK_PROPERTIES };
  });
}
