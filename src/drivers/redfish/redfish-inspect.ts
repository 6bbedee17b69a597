import type { RedfishClient } from '../../clients/redfish/client.js';
import type { ComputerSystem, Drive, EthernetInterface, Processor, SimpleStorage, Storage } from '../../clients/redfish/wire-types.js';
import type { InspectInterface, StepOutcome, TaskContext } from '../interfaces.js';
import { REDFISH_PROPERTIES } from './driver-info.js';
import type { RedfishConnector } from './redfish-connection.js';

const GiB = 1024 ** 3;

/** Ironic's cpu_arch names from a Redfish processor's architecture and instruction set. */
function cpuArch(processors: Processor[]): string | null {
  for (const p of processors) {
    const set = p.InstructionSet ?? '';
    if (set === 'x86-64') return 'x86_64';
    if (set === 'x86') return 'i686';
    if (set === 'ARM-A64') return 'aarch64';
    if (set === 'ARM-A32') return 'armhf';
    if (set === 'PowerISA') return 'ppc64le';
    if (p.ProcessorArchitecture === 'x86') return 'x86_64';
    if (p.ProcessorArchitecture === 'ARM') return 'aarch64';
  }
  return null;
}

/**
 * Out-of-band inspection: the node's CPUs, memory and largest disk from the BMC's inventory, and a port for
 * each network interface it reports. Like Ironic, local_gb is the largest disk less 1 GiB left for partitioning.
 */
export function redfishInspect(connector: RedfishConnector): InspectInterface {
  const largestDiskBytes = async (task: TaskContext, system: ComputerSystem, handle: { client: RedfishClient }) => {
    const sizes: number[] = [];
    if (system.Storage) {
      const storages = await connector.call(task, 'inspection', () => handle.client.members<Storage>(system.Storage!['@odata.id']));
      for (const s of storages) {
        for (const link of s.Drives ?? []) {
          const drive = await connector.call(task, 'inspection', () => handle.client.get<Drive>(link['@odata.id']));
          if (typeof drive.body.CapacityBytes === 'number') sizes.push(drive.body.CapacityBytes);
        }
      }
    }
    if (sizes.length === 0 && system.SimpleStorage) {
      const simple = await connector.call(task, 'inspection', () => handle.client.members<SimpleStorage>(system.SimpleStorage!['@odata.id']));
      for (const s of simple) for (const d of s.Devices ?? []) if (typeof d.CapacityBytes === 'number') sizes.push(d.CapacityBytes);
    }
    return sizes.length > 0 ? Math.max(...sizes) : null;
  };

  return {
    name: 'redfish',
    properties: () => ({ ...REDFISH_PROPERTIES }),
    validate: async (task) => {
      connector.info(task);
    },
    inspect: async (task): Promise<StepOutcome> => {
      const handle = await connector.getSystem(task, 'inspection');
      const { client, system } = handle;
      const processors = system.Processors
        ? await connector.call(task, 'inspection', () => client.members<Processor>(system.Processors!['@odata.id']))
        : [];
      const threads = processors.reduce((n, p) => n + (p.TotalThreads ?? p.TotalCores ?? 0), 0);
      const cpus = threads > 0 ? threads : system.ProcessorSummary?.Count ?? null;
      const memoryGiB = system.MemorySummary?.TotalSystemMemoryGiB;
      const disk = await largestDiskBytes(task, system, handle);

      const properties = { ...task.node.properties };
      const missing: string[] = [];
      if (cpus) properties.cpus = cpus; else missing.push('cpus');
      const arch = cpuArch(processors);
      if (arch) properties.cpu_arch = arch; else missing.push('cpu_arch');
      if (typeof memoryGiB === 'number' && memoryGiB > 0) properties.memory_mb = Math.round(memoryGiB * 1024); else missing.push('memory_mb');
      if (disk !== null && disk >= 2 * GiB) properties.local_gb = Math.floor(disk / GiB) - 1; else missing.push('local_gb');
      if (missing.length > 0) task.log.warn({ missing }, 'the BMC did not report every inspected property');
      await task.save({ properties });

      if (system.EthernetInterfaces) {
        const nics = await connector.call(task, 'inspection', () => client.members<EthernetInterface>(system.EthernetInterfaces!['@odata.id']));
        for (const nic of nics) {
          const mac = nic.MACAddress ?? nic.PermanentMACAddress;
          if (!mac || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) continue;
          const port = await task.addPort(mac);
          if (port) task.log.info({ port: port.uuid, address: port.address }, 'port created from inspection');
        }
      }
      return 'done';
    },
  };
}
