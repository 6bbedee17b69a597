import type { Service } from '../service.js';
import { checkProvisionRequest } from '../domain/provision-request.js';
import { MAX_MINOR } from '../domain/api-version.js';

const DEMO_NODES = [
  { name: 'demo-compute-1', target: 'active' },
  { name: 'demo-compute-2', target: 'available' },
  { name: 'demo-compute-3', target: 'manageable' },
  { name: 'demo-storage-1', target: 'enroll' },
] as const;

const PATHS: Record<string, string[]> = {
  enroll: [], manageable: ['manage'], available: ['manage', 'provide'], active: ['manage', 'provide', 'active'],
};

/**
 * `ferrite serve --demo`: on an empty database, enrolls a few fake-hardware nodes and walks them to different
 * states through the conductor, so a first start has something to look at.
 */
export async function seedDemo(service: Service): Promise<number> {
  const { conductor, store } = service;
  if ((await store.nodes.count()) > 0) return 0;
  for (const demo of DEMO_NODES) {
    const node = await conductor.nodes.create({
      driver: 'fake-hardware', name: demo.name, resource_class: 'demo',
      properties: { cpus: 8, memory_mb: 16384, local_gb: 100, cpu_arch: 'x86_64' },
    }, MAX_MINOR);
    await conductor.ports.createPort({
      address: `52:54:00:00:00:${(DEMO_NODES.indexOf(demo) + 1).toString(16).padStart(2, '0')}`, node_uuid: node.uuid,
    });
    for (const verb of PATHS[demo.target]) {
      const current = await conductor.core.getNode(node.uuid);
      await conductor.provision(node.uuid, checkProvisionRequest(current, { target: verb }, MAX_MINOR));
      await conductor.core.drain();
    }
  }
  return DEMO_NODES.length;
}
