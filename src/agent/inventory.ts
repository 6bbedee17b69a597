/**
 * The hardware inventory in ironic-python-agent's shape (hardware.py: list_hardware_info and the serializable
 * fields of NetworkInterface, CPU, BlockDevice, Memory, SystemVendorInfo, BootInfo), as inspection sends it.
 *
 * It describes the machine the agent runs on — a server's ramdisk, or a lab server on a shared host — from what
 * that machine tells without extra tools: os.cpus(), /proc and /sys. The disk is the target disk the agent was
 * given, the interfaces are the MACs it was given. Whatever cannot be read is null, never a guess; IPA's lshw,
 * lsblk, udev and ipmitool sources have no stand-in here (bmc_address stays null, for one).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import { basename, join } from 'node:path';
import { majorMinor } from './image/disk-target.js';
import { macFromBootif } from './kernel-cmdline.js';

export interface InventoryInterface {
  name: string;
  mac_address: string;
  ipv4_address: string | null;
  ipv6_address: string | null;
  has_carrier: boolean | null;
  lldp: null;
  vendor: string | null;
  product: string | null;
  client_id: null;
  biosdevname: null;
  speed_mbps: number | null;
  pci_address: string | null;
  driver: string | null;
}

export interface InventoryCpu {
  model_name: string | null;
  /** MHz as a string, as IPA passes lscpu's value on. */
  frequency: string | null;
  count: number;
  architecture: string;
  flags: string[];
  socket_count: number | null;
}

export interface InventoryDisk {
  name: string;
  model: string | null;
  /** Bytes. */
  size: number;
  rotational: boolean | null;
  wwn: string | null;
  serial: string | null;
  vendor: string | null;
  wwn_with_extension: string | null;
  wwn_vendor_extension: string | null;
  hctl: string | null;
  by_path: string | null;
  logical_sectors: number | null;
  physical_sectors: number | null;
  tran: string | null;
}

export interface Inventory {
  interfaces: InventoryInterface[];
  cpu: InventoryCpu;
  disks: InventoryDisk[];
  memory: { total: number; physical_mb: number | null };
  bmc_address: string | null;
  bmc_v6address: string | null;
  system_vendor: {
    product_name: string | null;
    serial_number: string | null;
    manufacturer: string | null;
    firmware: { vendor: string | null; version: string | null; build_date: string | null };
  };
  boot: { current_boot_mode: 'uefi' | 'bios'; pxe_interface: string | null };
  hostname: string;
}

export interface InventorySource {
  /** The target disk: a block device or a disk file. */
  disk: string;
  macs: readonly string[];
  /** BOOTIF from the kernel command line (`01-aa-bb-..`). */
  bootInterface?: string;
}

/** A sysfs/procfs value, trimmed; null when the file is missing, unreadable or empty. */
async function readText(path: string): Promise<string | null> {
  try {
    const v = (await readFile(path, 'utf8')).trim();
    return v === '' ? null : v;
  } catch {
    return null;
  }
}

async function readInt(path: string): Promise<number | null> {
  const v = await readText(path);
  const n = v === null ? NaN : Number(v);
  return Number.isInteger(n) ? n : null;
}

async function linkName(path: string): Promise<string | null> {
  try {
    return basename(await readlink(path));
  } catch {
    return null;
  }
}

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/**
 * One NIC. A MAC this machine's kernel knows (a real server) gets its kernel name, addresses and /sys facts;
 * a MAC it does not (a lab server's NIC on a shared host) gets ethN and nulls.
 */
async function describeInterface(mac: string, index: number): Promise<InventoryInterface> {
  const wanted = mac.toLowerCase();
  const known = Object.entries(os.networkInterfaces())
    .find(([, addrs]) => addrs?.some((a) => a.mac.toLowerCase() === wanted));
  const base: InventoryInterface = {
    name: `eth${index}`, mac_address: wanted, ipv4_address: null, ipv6_address: null, has_carrier: null, lldp: null,
    vendor: null, product: null, client_id: null, biosdevname: null, speed_mbps: null, pci_address: null, driver: null,
  };
  if (!known) return base;
  const [name, addrs = []] = known;
  const sys = `/sys/class/net/${name}`;
  const ipv6 = addrs.filter((a) => a.family === 'IPv6');
  const carrier = await readText(`${sys}/carrier`);
  const speed = await readInt(`${sys}/speed`);
  const device = await linkName(`${sys}/device`);
  return {
    ...base,
    name,
    ipv4_address: addrs.find((a) => a.family === 'IPv4')?.address ?? null,
    // IPA takes the first address; a global one says more than a link-local one when there is a choice.
    ipv6_address: (ipv6.find((a) => !a.address.startsWith('fe80:')) ?? ipv6[0])?.address ?? null,
    has_carrier: carrier === null ? null : carrier === '1',
    // The kernel reports -1 (or nothing) while the link is down or the speed unknown.
    speed_mbps: speed !== null && speed > 0 ? speed : null,
    vendor: await readText(`${sys}/device/vendor`),
    product: await readText(`${sys}/device/device`),
    pci_address: device !== null && PCI_ADDRESS.test(device) ? device : null,
    driver: await linkName(`${sys}/device/driver`),
  };
}

async function describeCpu(): Promise<InventoryCpu> {
  const cpus = os.cpus();
  // IPA prefers the maximum frequency to the current one, which varies with load.
  const maxKhz = await readInt('/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq');
  const mhz = maxKhz !== null ? maxKhz / 1000 : (cpus[0]?.speed ?? 0);
  const cpuinfo = (await readText('/proc/cpuinfo')) ?? '';
  // x86 names them "flags", ARM "Features"; every core lists the same set.
  const flagsLine = /^(?:flags|Features)\s*:(.*)$/m.exec(cpuinfo);
  const packages = new Set<number>();
  for (let i = 0; i < cpus.length; i++) {
    const id = await readInt(`/sys/devices/system/cpu/cpu${i}/topology/physical_package_id`);
    if (id !== null && id >= 0) packages.add(id);
  }
  return {
    model_name: cpus[0]?.model.trim() || null,
    frequency: mhz > 0 ? String(mhz) : null,
    count: cpus.length,
    // uname's machine name is what lscpu, and so IPA, reports: x86_64, aarch64, ppc64le, ...
    architecture: os.machine(),
    flags: flagsLine ? flagsLine[1].trim().split(/\s+/).filter(Boolean) : [],
    socket_count: packages.size > 0 ? packages.size : null,
  };
}

async function byPathOf(device: string): Promise<string | null> {
  try {
    for (const entry of (await readdir('/dev/disk/by-path')).sort()) {
      const link = join('/dev/disk/by-path', entry);
      if ((await realpath(link)) === device) return link;
    }
  } catch {
    // no udev links on this system
  }
  return null;
}

async function describeDisk(path: string): Promise<InventoryDisk> {
  const st = await stat(path);
  const disk: InventoryDisk = {
    name: path, model: null, size: st.size, rotational: null, wwn: null, serial: null, vendor: null,
    wwn_with_extension: null, wwn_vendor_extension: null, hctl: null, by_path: null, logical_sectors: null,
    physical_sectors: null, tran: null,
  };
  if (!st.isBlockDevice()) return disk;
  // /sys/dev/block/<major:minor> is the device's sysfs directory whatever name or link the path uses.
  const sys = `/sys/dev/block/${majorMinor(st.rdev)}`;
  const sectors = await readInt(`${sys}/size`);
  const rotational = await readText(`${sys}/queue/rotational`);
  const hctl = await linkName(`${sys}/device`);
  return {
    ...disk,
    size: (sectors ?? 0) * 512,
    model: await readText(`${sys}/device/model`),
    vendor: await readText(`${sys}/device/vendor`),
    serial: await readText(`${sys}/device/serial`),
    rotational: rotational === null ? null : rotational === '1',
    hctl: hctl !== null && /^\d+:\d+:\d+:\d+$/.test(hctl) ? hctl : null,
    by_path: await byPathOf(await realpath(path)),
    logical_sectors: await readInt(`${sys}/queue/logical_block_size`),
    physical_sectors: await readInt(`${sys}/queue/physical_block_size`),
  };
}

/**
 * The installed RAM in MiB, summed over the SMBIOS memory devices (type 17) as IPA sums lshw's memory banks;
 * null when the firmware tables are not readable (not root, no SMBIOS). os.totalmem() is what the kernel can use,
 * less than what is installed, so it is not a stand-in.
 */
export async function physicalMemoryMb(entriesDir = '/sys/firmware/dmi/entries'): Promise<number | null> {
  let entries: string[];
  try {
    entries = (await readdir(entriesDir)).filter((e) => e.startsWith('17-'));
  } catch {
    return null;
  }
  let mb = 0;
  let found = false;
  for (const entry of entries) {
    let raw: Buffer;
    try {
      raw = await readFile(join(entriesDir, entry, 'raw'));
    } catch {
      return null;
    }
    const length = raw[1] ?? 0;
    if (length < 0x0e || raw.length < 0x0e) continue;
    const size = raw.readUInt16LE(0x0c);
    // 0: empty slot; 0xffff: size unknown.
    if (size === 0 || size === 0xffff) continue;
    found = true;
    if (size === 0x7fff && length >= 0x20 && raw.length >= 0x20) mb += raw.readUInt32LE(0x1c) & 0x7fffffff;
    else if (size & 0x8000) mb += Math.floor((size & 0x7fff) / 1024);
    else mb += size;
  }
  return found ? mb : null;
}

async function systemVendor(): Promise<Inventory['system_vendor']> {
  const dmi = (name: string) => readText(`/sys/class/dmi/id/${name}`);
  return {
    product_name: await dmi('product_name'),
    serial_number: await dmi('product_serial'),
    manufacturer: await dmi('sys_vendor'),
    firmware: { vendor: await dmi('bios_vendor'), version: await dmi('bios_version'), build_date: await dmi('bios_date') },
  };
}

export async function collectInventory(src: InventorySource): Promise<Inventory> {
  return {
    interfaces: await Promise.all(src.macs.map((mac, i) => describeInterface(mac, i))),
    cpu: await describeCpu(),
    disks: [await describeDisk(src.disk)],
    memory: { total: os.totalmem(), physical_mb: await physicalMemoryMb() },
    bmc_address: null,
    bmc_v6address: null,
    system_vendor: await systemVendor(),
    boot: {
      current_boot_mode: existsSync('/sys/firmware/efi') ? 'uefi' : 'bios',
      pxe_interface: macFromBootif(src.bootInterface) ?? null,
    },
    hostname: os.hostname(),
  };
}
