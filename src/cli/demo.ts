import { join } from 'node:path';
import type { Service } from '../service.js';
import { checkProvisionRequest } from '../domain/provision-request.js';
import { MAX_MINOR } from '../domain/api-version.js';
import { startLab, type Lab } from '../lab/index.js';

const DEMO_NODES = [
  { name: 'demo-compute-1', target: 'active' },
  { name: 'demo-compute-2', target: 'available' },
  { name: 'demo-compute-3', target: 'manageable' },
  { name: 'demo-storage-1', target: 'enroll' },
] as const;

/** What the demo's lab servers are walked to: each verb runs against the lab's emulated BMC. */
const LAB_TARGETS = ['active', 'available', 'inspected', 'enroll'] as const;

const PATHS: Record<string, string[]> = {
  enroll: [], manageable: ['manage'], inspected: ['manage', 'inspect'], available: ['manage', 'inspect', 'provide'],
  active: ['manage', 'inspect', 'provide', 'active'],
};

export const DEMO_LAB_SERVERS = LAB_TARGETS.length;

/**
 * `ferrite serve --demo` runs a small virtual lab next to the service (its state in `<state_path>/lab`, kept
 * across restarts, so enrolled lab nodes keep working); it is closed with the service.
 */
export async function startDemoLab(service: Service, statePath: string, port: number): Promise<Lab> {
  try {
    return await startLab({
      dir: join(statePath, 'lab'), servers: DEMO_LAB_SERVERS, port, powerDelayMs: 500, bootDelayMs: 1000,
      log: (msg) => service.log.debug({ lab: true }, msg),
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`the demo lab cannot listen on 127.0.0.1:${port}, which is in use; choose another port with --lab-port`);
    }
    throw e;
  }
}

async function walk(service: Service, uuid: string, target: string): Promise<void> {
  const { conductor } = service;
  for (const verb of PATHS[target]) {
    const current = await conductor.core.getNode(uuid);
    await conductor.provision(uuid, checkProvisionRequest(current, { target: verb }, MAX_MINOR));
    await conductor.core.drain();
  }
}

/**
 * On an empty database, enrolls a few fake-hardware nodes and the lab's servers as redfish nodes, and walks them
 * to different states through the conductor, so a first start has something to look at.
 */
export async function seedDemo(service: Service, lab: Lab): Promise<number> {
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
    await walk(service, node.uuid, demo.target);
  }
  for (const [i, server] of lab.servers.entries()) {
    const node = await conductor.nodes.create({
      driver: 'redfish', name: server.name, resource_class: 'lab',
      // The demo stages its states in seconds: boot and deploy are fake here, the BMC work (power, boot devices,
      // inspection, BIOS) is real. The agent deploy against the lab is shown in docs/lab.md.
      boot_interface: 'fake', deploy_interface: 'fake',
      driver_info: {
        redfish_address: lab.url, redfish_system_id: server.systemPath, redfish_username: 'admin',
        redfish_password: 'password', redfish_verify_ca: lab.caPath,
      },
    }, MAX_MINOR);
    await walk(service, node.uuid, LAB_TARGETS[i]);
    // The fake deploy leaves power alone; a deployed server is expected to run, so the demo switches it on.
    if (LAB_TARGETS[i] === 'active') {
      await conductor.power.changePowerState(node.uuid, 'power on', undefined);
      await conductor.core.drain();
    }
  }
  return DEMO_NODES.length + lab.servers.length;
}
