// Redfish representations of a server's ComputerSystem and the read-only resources under it. Rendered on demand
// from the server's small state record instead of cached, so memory stays flat as the lab grows.
import type { VirtualServer } from './virtual-server.js';
import { RESET_TYPES, macsFor } from './virtual-server.js';

export const BOOT_TARGETS = ['None', 'Pxe', 'Cd', 'Usb', 'Hdd', 'BiosSetup', 'UefiHttp'] as const;
export const BOOT_ENABLED = ['Disabled', 'Once', 'Continuous'] as const;
export const BOOT_MODES = ['UEFI', 'Legacy'] as const;
export const INDICATOR_LEDS = ['Lit', 'Blinking', 'Off'] as const;

const CPU_MODEL = 'Ferrite Lab Virtual CPU @ 2.40GHz';
const CPU_COUNT = 2;
const CORES_PER_CPU = 4;
const THREADS_PER_CPU = 8;
const DIMM_MIB = 4096;
const DIMM_COUNT = 2;
export const MEMORY_GIB = (DIMM_MIB * DIMM_COUNT) / 1024;
// What inspection counts as cpus (Ironic sums the processors' threads), so nodes.json and inspection agree.
export const CPU_TOTAL = CPU_COUNT * THREADS_PER_CPU;

const ok = { State: 'Enabled', Health: 'OK' };
const ref = (id: string) => ({ '@odata.id': id });

function collection(path: string, type: string, name: string, members: string[]): object {
  return {
    '@odata.id': path,
    '@odata.type': `#${type}.${type}`,
    Name: name,
    Members: members.map(ref),
    'Members@odata.count': members.length,
  };
}

export function systemView(s: VirtualServer): object {
  const r = s.rec;
  const p = s.systemPath;
  return {
    '@odata.id': p,
    '@odata.type': '#ComputerSystem.v1_10_0.ComputerSystem',
    Id: r.uuid,
    Name: r.name,
    UUID: r.uuid,
    SystemType: 'Physical',
    Manufacturer: 'Ferrite Lab',
    Model: 'Virtual Server V1',
    SerialNumber: `FL${String(r.index).padStart(8, '0')}`,
    SKU: 'FERRITE-LAB-1',
    AssetTag: r.assetTag,
    HostName: r.name,
    PowerState: r.power === 'on' ? 'On' : 'Off',
    IndicatorLED: r.indicatorLed,
    BiosVersion: '1.0.0',
    Status: r.power === 'on' ? ok : { State: 'StandbyOffline', Health: 'OK' },
    ProcessorSummary: { Count: CPU_COUNT, Model: CPU_MODEL, Status: ok },
    MemorySummary: { TotalSystemMemoryGiB: MEMORY_GIB, Status: ok },
    Boot: {
      BootSourceOverrideTarget: r.boot.target,
      BootSourceOverrideEnabled: r.boot.enabled,
      BootSourceOverrideMode: r.boot.mode,
      'BootSourceOverrideTarget@Redfish.AllowableValues': BOOT_TARGETS,
    },
    Processors: ref(`${p}/Processors`),
    Memory: ref(`${p}/Memory`),
    EthernetInterfaces: ref(`${p}/EthernetInterfaces`),
    SimpleStorage: ref(`${p}/SimpleStorage`),
    Storage: ref(`${p}/Storage`),
    Bios: ref(`${p}/Bios`),
    Links: {
      ManagedBy: [ref(`/redfish/v1/Managers/${r.uuid}`)],
      Chassis: [ref(`/redfish/v1/Chassis/${r.uuid}`)],
    },
    Actions: {
      '#ComputerSystem.Reset': {
        target: `${p}/Actions/ComputerSystem.Reset`,
        'ResetType@Redfish.AllowableValues': RESET_TYPES,
      },
    },
  };
}

/** The read-only resources below a System, by their path segments; undefined when there is no such resource. */
export function systemSubresource(s: VirtualServer, rest: readonly string[]): object | undefined {
  const p = s.systemPath;
  const [kind, member, sub, subMember] = rest;
  if (sub !== undefined && !(kind === 'Storage' && sub === 'Drives')) return undefined;
  switch (kind) {
    case 'EthernetInterfaces': {
      const macs = macsFor(s.rec.index);
      const ids = macs.map((_, i) => `NIC${i}`);
      if (member === undefined) return collection(`${p}/EthernetInterfaces`, 'EthernetInterfaceCollection', 'Ethernet Interfaces', ids.map((i) => `${p}/EthernetInterfaces/${i}`));
      const i = ids.indexOf(member);
      if (i < 0) return undefined;
      return {
        '@odata.id': `${p}/EthernetInterfaces/${member}`,
        '@odata.type': '#EthernetInterface.v1_5_1.EthernetInterface',
        Id: member,
        Name: `Ethernet Interface ${i}`,
        MACAddress: macs[i],
        PermanentMACAddress: macs[i],
        SpeedMbps: 10000,
        FullDuplex: true,
        LinkStatus: s.rec.power === 'on' ? 'LinkUp' : 'LinkDown',
        Status: ok,
      };
    }
    case 'Processors': {
      const ids = Array.from({ length: CPU_COUNT }, (_, i) => `CPU${i}`);
      if (member === undefined) return collection(`${p}/Processors`, 'ProcessorCollection', 'Processors', ids.map((i) => `${p}/Processors/${i}`));
      const i = ids.indexOf(member);
      if (i < 0) return undefined;
      return {
        '@odata.id': `${p}/Processors/${member}`,
        '@odata.type': '#Processor.v1_7_0.Processor',
        Id: member,
        Name: `Processor ${i}`,
        Socket: `CPU ${i}`,
        ProcessorType: 'CPU',
        ProcessorArchitecture: 'x86',
        InstructionSet: 'x86-64',
        Manufacturer: 'Ferrite Lab',
        Model: CPU_MODEL,
        MaxSpeedMHz: 2400,
        TotalCores: CORES_PER_CPU,
        TotalThreads: THREADS_PER_CPU,
        Status: ok,
      };
    }
    case 'Memory': {
      const ids = Array.from({ length: DIMM_COUNT }, (_, i) => `DIMM${i}`);
      if (member === undefined) return collection(`${p}/Memory`, 'MemoryCollection', 'Memory', ids.map((i) => `${p}/Memory/${i}`));
      const i = ids.indexOf(member);
      if (i < 0) return undefined;
      return {
        '@odata.id': `${p}/Memory/${member}`,
        '@odata.type': '#Memory.v1_7_0.Memory',
        Id: member,
        Name: `DIMM ${i}`,
        MemoryType: 'DRAM',
        MemoryDeviceType: 'DDR4',
        CapacityMiB: DIMM_MIB,
        OperatingSpeedMhz: 2666,
        Status: ok,
      };
    }
    case 'SimpleStorage': {
      if (member === undefined) return collection(`${p}/SimpleStorage`, 'SimpleStorageCollection', 'Simple Storage', [`${p}/SimpleStorage/1`]);
      if (member !== '1') return undefined;
      return {
        '@odata.id': `${p}/SimpleStorage/1`,
        '@odata.type': '#SimpleStorage.v1_2_0.SimpleStorage',
        Id: '1',
        Name: 'Simple Storage Controller',
        Devices: [{ Name: 'Disk0', Manufacturer: 'Ferrite Lab', Model: 'Virtual Disk', CapacityBytes: s.diskBytes, Status: ok }],
        Status: ok,
      };
    }
    case 'Storage':
      return storageView(s, member, sub, subMember);
    default:
      return undefined;
  }
}

function storageView(s: VirtualServer, member?: string, sub?: string, drive?: string): object | undefined {
  const p = `${s.systemPath}/Storage`;
  if (member === undefined) return collection(p, 'StorageCollection', 'Storage', [`${p}/1`]);
  if (member !== '1') return undefined;
  const drivePath = `${p}/1/Drives/Disk0`;
  if (sub === undefined) {
    return {
      '@odata.id': `${p}/1`,
      '@odata.type': '#Storage.v1_7_0.Storage',
      Id: '1',
      Name: 'Storage Controller',
      Drives: [ref(drivePath)],
      'Drives@odata.count': 1,
      StorageControllers: [{ MemberId: '0', Name: 'Virtual SATA', SupportedDeviceProtocols: ['SATA'], Status: ok }],
      Status: ok,
    };
  }
  if (drive === undefined) return collection(`${p}/1/Drives`, 'DriveCollection', 'Drives', [drivePath]);
  if (drive !== 'Disk0') return undefined;
  return {
    '@odata.id': drivePath,
    '@odata.type': '#Drive.v1_7_0.Drive',
    Id: 'Disk0',
    Name: 'Disk0',
    Manufacturer: 'Ferrite Lab',
    Model: 'Virtual Disk',
    SerialNumber: `FLD${String(s.rec.index).padStart(8, '0')}`,
    CapacityBytes: s.diskBytes,
    MediaType: 'HDD',
    Protocol: 'SATA',
    BlockSizeBytes: 512,
    Status: ok,
  };
}

export function biosView(s: VirtualServer): object {
  const p = `${s.systemPath}/Bios`;
  return {
    '@odata.id': p,
    '@odata.type': '#Bios.v1_1_0.Bios',
    Id: 'Bios',
    Name: 'BIOS Configuration Current Settings',
    AttributeRegistry: 'FerriteLabBiosRegistry.v1_0_0',
    Attributes: s.rec.bios.current,
    '@Redfish.Settings': {
      '@odata.type': '#Settings.v1_3_0.Settings',
      SettingsObject: ref(`${p}/Settings`),
      SupportedApplyTimes: ['OnReset'],
    },
    Actions: { '#Bios.ResetBios': { target: `${p}/Actions/Bios.ResetBios` } },
  };
}

export function biosSettingsView(s: VirtualServer): object {
  return {
    '@odata.id': `${s.systemPath}/Bios/Settings`,
    '@odata.type': '#Bios.v1_1_0.Bios',
    Id: 'Settings',
    Name: 'BIOS Configuration Pending Settings',
    AttributeRegistry: 'FerriteLabBiosRegistry.v1_0_0',
    Attributes: s.rec.bios.pending,
  };
}
