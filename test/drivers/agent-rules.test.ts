import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, Node } from '../../src/domain/node.js';
import { agentImageInfo, instanceImage } from '../../src/drivers/agent/instance-image.js';
import { planCleanSteps } from '../../src/drivers/agent/clean-plan.js';
import { findingsFromInventory, inventoryMacs, nicsToEnroll } from '../../src/drivers/agent/inventory-rules.js';

const node = (instance_info: Record<string, unknown>) => ({ uuid: '1be26c0b-03f2-4d2e-ae87-c02d7f33c123', instance_info } as unknown as Node);
const SHA = 'a'.repeat(64);

describe('instance image rules', () => {
  it('reads a raw image with os_hash and builds IPA image_info', () => {
    const n = node({ image_source: 'http://127.0.0.1:9/img.raw', image_os_hash_algo: 'SHA256', image_os_hash_value: SHA.toUpperCase() });
    const image = instanceImage(n);
    assert.deepEqual(image, { url: 'http://127.0.0.1:9/img.raw', diskFormat: 'raw', osHashAlgo: 'sha256', osHashValue: SHA });
    assert.deepEqual(agentImageInfo(n, image), {
      id: 'http://127.0.0.1:9/img.raw', urls: ['http://127.0.0.1:9/img.raw'], disk_format: 'raw', container_format: 'bare',
      stream_raw_images: true, image_type: 'whole-disk', node_uuid: n.uuid, os_hash_algo: 'sha256', os_hash_value: SHA,
    });
  });

  it('takes the format from image_disk_format, else from a .qcow2 name', () => {
    assert.equal(instanceImage(node({ image_source: 'https://h/x.QCOW2', image_checksum: SHA })).diskFormat, 'qcow2');
    assert.equal(instanceImage(node({ image_source: 'https://h/x', image_checksum: SHA, image_disk_format: 'qcow2' })).diskFormat, 'qcow2');
    assert.equal(instanceImage(node({ image_source: 'https://h/x.img', image_checksum: SHA })).diskFormat, 'raw');
    assert.throws(() => instanceImage(node({ image_source: 'https://h/x', image_checksum: SHA, image_disk_format: 'vmdk' })), /vmdk.*not supported/);
  });

  it('refuses what cannot be deployed, with the field to fix', () => {
    assert.throws(() => instanceImage(node({})), /Missing are: \['image_source'\]/);
    assert.throws(() => instanceImage(node({ image_source: '9b7c7c5e-1111-4444-8888-123456789abc', image_checksum: SHA })), /not an http\(s\) URL/);
    assert.throws(() => instanceImage(node({ image_source: 'http://h/x' })), /cannot be verified/);
    assert.throws(() => instanceImage(node({ image_source: 'http://h/x', image_os_hash_algo: 'sha256' })), /go together/);
    assert.throws(() => instanceImage(node({ image_source: 'http://h/x', image_os_hash_algo: 'crc32', image_os_hash_value: 'ab' })), /crc32/);
  });

  it('passes a legacy checksum (or checksum file URL) through for the agent to judge', () => {
    const n = node({ image_source: 'http://h/x', image_checksum: 'http://h/SHA256SUMS' });
    assert.equal(agentImageInfo(n, instanceImage(n)).checksum, 'http://h/SHA256SUMS');
  });
});

describe('clean step plan', () => {
  const offered = [
    { interface: 'deploy', step: 'erase_devices', priority: 10, abortable: true },
    { interface: 'deploy', step: 'erase_devices_metadata', priority: 99, abortable: true },
    { interface: 'raid', step: 'delete_configuration', priority: 0, abortable: false },
  ];

  it('runs the agent steps with priority above zero, highest first', () => {
    assert.deepEqual(planCleanSteps(offered, null, {}).map((s) => [s.step, s.priority]), [['erase_devices_metadata', 99], ['erase_devices', 10]]);
  });

  it('lets the operator reorder or disable steps by priority', () => {
    assert.deepEqual(planCleanSteps(offered, null, { erase_devices: 0 }).map((s) => s.step), ['erase_devices_metadata']);
    assert.deepEqual(planCleanSteps(offered, null, { erase_devices: 100 }).map((s) => s.step), ['erase_devices', 'erase_devices_metadata']);
  });

  it('runs exactly the manual steps, in order, and refuses ones the agent does not offer', () => {
    const plan = planCleanSteps(offered, [{ interface: 'deploy', step: 'erase_devices', args: { x: 1 } }, { interface: 'deploy', step: 'erase_devices_metadata' }], { erase_devices: 0 });
    assert.deepEqual(plan.map((s) => [s.step, s.args]), [['erase_devices', { x: 1 }], ['erase_devices_metadata', {}]]);
    assert.throws(() => planCleanSteps(offered, [{ interface: 'deploy', step: 'burn_in_cpu' }], {}), /burn_in_cpu is not offered.*erase_devices, erase_devices_metadata/);
  });
});

describe('inventory rules', () => {
  const data: JsonObject = {
    boot_interface: '01-52-54-00-00-00-03',
    inventory: {
      cpu: { count: 4, architecture: 'x86_64' },
      memory: { total: 8 * 1024 ** 3, physical_mb: 8192 },
      disks: [{ name: '/dev/sdb', size: 2 * 1024 ** 3 }, { name: '/dev/sda', size: 20 * 1024 ** 3 }, { name: '/dev/sdc', size: 100 * 1024 ** 3 }],
      interfaces: [
        { name: 'eth0', mac_address: '52:54:00:00:00:02', ipv4_address: null },
        { name: 'eth1', mac_address: '52:54:00:00:00:03', ipv4_address: '192.0.2.5' },
        { name: 'lo', mac_address: '', ipv4_address: null },
      ],
    },
  };

  it('maps cpu, memory and the smallest disk of 4 GiB or more (minus 1 GiB) to properties', () => {
    assert.deepEqual(findingsFromInventory(data).properties, { cpus: 4, cpu_arch: 'x86_64', memory_mb: 8192, local_gb: 19 });
    assert.equal(findingsFromInventory({ ...data, root_disk: { size: 50 * 1024 ** 3 } }).properties.local_gb, 49);
  });

  it('knows the boot NIC and which NICs have an address', () => {
    assert.deepEqual(findingsFromInventory(data).nics, [
      { mac: '52:54:00:00:00:02', pxe: false, hasAddress: false }, { mac: '52:54:00:00:00:03', pxe: true, hasAddress: true },
    ]);
    assert.deepEqual(inventoryMacs(data), ['52:54:00:00:00:02', '52:54:00:00:00:03']);
  });

  it('enrolls NICs by [inspector] add_ports', () => {
    const { nics } = findingsFromInventory(data);
    assert.deepEqual(nicsToEnroll(nics, 'pxe').map((n) => n.mac), ['52:54:00:00:00:03']);
    assert.deepEqual(nicsToEnroll(nics, 'all').map((n) => n.mac), ['52:54:00:00:00:02', '52:54:00:00:00:03']);
    assert.deepEqual(nicsToEnroll(nics, 'disabled'), []);
    const noBoot = findingsFromInventory({ inventory: data.inventory ?? null }).nics;
    assert.deepEqual(nicsToEnroll(noBoot, 'pxe').map((n) => n.mac), ['52:54:00:00:00:03'], 'pxe without a boot NIC falls back to active');
  });

  it('refuses data without an inventory', () => {
    assert.throws(() => findingsFromInventory({}), /no "inventory"/);
  });
});
