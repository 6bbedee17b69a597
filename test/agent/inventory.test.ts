import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectInventory, physicalMemoryMb } from '../../src/agent/inventory.js';

/*
 * The inventory the agent sends for inspection, in IPA's shape, collected on this machine against a disk file and
 * given MACs: the fields IPA serialises, the facts the machine tells, and null for what it cannot tell.
 */

// IPA's serializable_fields (hardware.py) and list_hardware_info keys.
const INVENTORY_KEYS = ['bmc_address', 'bmc_v6address', 'boot', 'cpu', 'disks', 'hostname', 'interfaces', 'memory', 'system_vendor'];
const INTERFACE_KEYS = ['biosdevname', 'client_id', 'driver', 'has_carrier', 'ipv4_address', 'ipv6_address', 'lldp',
  'mac_address', 'name', 'pci_address', 'product', 'speed_mbps', 'vendor'];
const CPU_KEYS = ['architecture', 'count', 'flags', 'frequency', 'model_name', 'socket_count'];
const DISK_KEYS = ['by_path', 'hctl', 'logical_sectors', 'model', 'name', 'physical_sectors', 'rotational', 'serial', 'size',
  'tran', 'vendor', 'wwn', 'wwn_vendor_extension', 'wwn_with_extension'];
const keys = (o: object) => Object.keys(o).sort();

describe('hardware inventory', () => {
  let dir: string;
  let disk: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-inventory-'));
    disk = join(dir, 'disk.img');
    writeFileSync(disk, '');
    truncateSync(disk, 10 * 1024 ** 3); // sparse, like the lab's disks
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has IPA\'s fields, the disk file, the given MACs and this machine\'s CPU, memory and boot facts', async () => {
    const inv = await collectInventory({
      disk, macs: ['52:54:00:AA:00:01', '52:54:00:aa:00:02'], bootInterface: '01-52-54-00-aa-00-02',
    });
    assert.deepEqual(keys(inv), INVENTORY_KEYS);

    assert.equal(inv.interfaces.length, 2);
    for (const i of inv.interfaces) assert.deepEqual(keys(i), INTERFACE_KEYS);
    // MACs no NIC of this machine has: named in order, every other fact unknown.
    assert.deepEqual(inv.interfaces[0], {
      name: 'eth0', mac_address: '52:54:00:aa:00:01', ipv4_address: null, ipv6_address: null, has_carrier: null, lldp: null,
      vendor: null, product: null, client_id: null, biosdevname: null, speed_mbps: null, pci_address: null, driver: null,
    });
    assert.equal(inv.interfaces[1].name, 'eth1');
    assert.equal(inv.interfaces[1].mac_address, '52:54:00:aa:00:02');

    assert.deepEqual(keys(inv.cpu), CPU_KEYS);
    assert.equal(inv.cpu.count, os.cpus().length);
    assert.equal(inv.cpu.architecture, os.machine());
    assert.ok(['x86_64', 'aarch64', 'ppc64le', 's390x', 'riscv64'].includes(inv.cpu.architecture), inv.cpu.architecture);
    assert.ok(Array.isArray(inv.cpu.flags));
    if (inv.cpu.architecture === 'x86_64' && existsSync('/proc/cpuinfo')) assert.ok(inv.cpu.flags.includes('fpu'), 'x86 CPUs list fpu');
    assert.ok(inv.cpu.frequency === null || /^\d+(\.\d+)?$/.test(inv.cpu.frequency));
    assert.ok(inv.cpu.socket_count === null || inv.cpu.socket_count >= 1);

    assert.equal(inv.disks.length, 1);
    assert.deepEqual(keys(inv.disks[0]), DISK_KEYS);
    assert.deepEqual(inv.disks[0], {
      name: disk, model: null, size: 10 * 1024 ** 3, rotational: null, wwn: null, serial: null, vendor: null,
      wwn_with_extension: null, wwn_vendor_extension: null, hctl: null, by_path: null, logical_sectors: null,
      physical_sectors: null, tran: null,
    });

    assert.equal(inv.memory.total, os.totalmem());
    assert.ok(inv.memory.physical_mb === null || inv.memory.physical_mb > 0);
    assert.equal(inv.bmc_address, null);
    assert.equal(inv.bmc_v6address, null);
    assert.deepEqual(keys(inv.system_vendor), ['firmware', 'manufacturer', 'product_name', 'serial_number']);
    assert.deepEqual(keys(inv.system_vendor.firmware), ['build_date', 'vendor', 'version']);
    assert.deepEqual(inv.boot, {
      current_boot_mode: existsSync('/sys/firmware/efi') ? 'uefi' : 'bios', pxe_interface: '52:54:00:aa:00:02',
    });
    assert.equal(inv.hostname, os.hostname());
    // It travels as JSON.
    assert.deepEqual(JSON.parse(JSON.stringify(inv)), inv);
  });

  it('without BOOTIF the PXE interface is unknown', async () => {
    const inv = await collectInventory({ disk, macs: ['52:54:00:aa:00:03'] });
    assert.equal(inv.boot.pxe_interface, null);
  });

  it('a MAC of one of this machine\'s NICs is described by that NIC', async (t) => {
    const nic = Object.entries(os.networkInterfaces())
      .find(([, a]) => a?.some((x) => !x.internal && x.mac !== '00:00:00:00:00:00'));
    if (!nic) return t.skip('this machine has no external NIC');
    const [name, addrs = []] = nic;
    const inv = await collectInventory({ disk, macs: [addrs[0].mac.toUpperCase()] });
    assert.equal(inv.interfaces[0].name, name);
    assert.equal(inv.interfaces[0].mac_address, addrs[0].mac.toLowerCase());
    assert.equal(inv.interfaces[0].ipv4_address, addrs.find((a) => a.family === 'IPv4')?.address ?? null);
  });

  it('physical memory is the sum of the SMBIOS memory devices, null without them', async () => {
    const entries = join(dir, 'dmi');
    // SMBIOS type 17 records: size word at 0x0c (MiB; bit 15 = KiB; 0x7fff = see the dword at 0x1c; 0 = empty slot).
    const record = (size: number, extended = 0) => {
      const b = Buffer.alloc(0x28);
      b[0] = 17;
      b[1] = 0x28;
      b.writeUInt16LE(size, 0x0c);
      b.writeUInt32LE(extended, 0x1c);
      return b;
    };
    const put = (name: string, b: Buffer) => {
      mkdirSync(join(entries, name), { recursive: true });
      writeFileSync(join(entries, name, 'raw'), b);
    };
    put('17-0', record(16384));
    put('17-1', record(0x7fff, 65536));
    put('17-2', record(0));
    put('17-3', record(0x8000 | 2048)); // 2048 KiB
    put('16-0', record(9999)); // not a memory device
    assert.equal(await physicalMemoryMb(entries), 16384 + 65536 + 2);
    assert.equal(await physicalMemoryMb(join(dir, 'no-such-dir')), null);
    rmSync(entries, { recursive: true });
    put('17-0', record(0));
    assert.equal(await physicalMemoryMb(entries), null, 'only empty slots');
  });
});
