import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** The demo's surroundings: the lab, and a small web server holding the image the demo deploys. */
export interface Demo {
  lab: Lab;
  image: { url: string; sha256: string };
  close(): Promise<void>;
}

/**
 * `ferrite serve --demo` runs a small virtual lab next to the service (its state in `<state_path>/lab`, kept
 * across restarts, so enrolled lab nodes keep working) whose servers network-boot from this Ferrite, and serves a
 * small whole-disk image on loopback for them to be deployed with; both close with the service.
 */
export async function startDemo(service: Service, statePath: string, port: number): Promise<Demo> {
  const image = await serveDemoImage(join(statePath, 'demo-image.raw'));
  let lab: Lab;
  try {
    lab = await startLab({
      dir: join(statePath, 'lab'), servers: DEMO_LAB_SERVERS, port, powerDelayMs: 500, bootDelayMs: 1000,
      bootUrl: `${service.conductor.core.registry.bootSettings.httpUrl}/boot.ipxe`,
      log: (msg) => service.log.debug({ lab: true }, msg),
    });
  } catch (e) {
    await image.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`the demo lab cannot listen on 127.0.0.1:${port}, which is in use; choose another port with --lab-port`);
    }
    throw e;
  }
  return {
    lab, image: { url: image.url, sha256: image.sha256 },
    async close() {
      await lab.close();
      await image.close();
    },
  };
}

/**
 * The demo's image: 8 MiB that a lab server's firmware takes for an installed system (a boot signature) and that
 * tells what it is in its first sector. Written once, served over HTTP on loopback as any image server would.
 */
async function serveDemoImage(path: string): Promise<{ url: string; sha256: string; close(): Promise<void> }> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    bytes = Buffer.alloc(8 * 1024 * 1024);
    bytes.write('Ferrite demo image: deployed by the agent, booted by the lab server\n', 0, 'latin1');
    bytes[510] = 0x55;
    bytes[511] = 0xaa;
    writeFileSync(path, bytes);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const server = createServer((req, res) => {
    if (req.url !== '/demo-image.raw') {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length }).end(bytes);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/demo-image.raw`, sha256,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** Moves a node along `target`'s path through the conductor, each step waited for until the node rests. */
async function walk(service: Service, uuid: string, target: string): Promise<void> {
  const { conductor } = service;
  for (const verb of PATHS[target]) {
    const current = await conductor.core.getNode(uuid);
    await conductor.provision(uuid, checkProvisionRequest(current, { target: verb }, MAX_MINOR));
    // Agent-driven steps (cleaning, the deploy) go on after the background task ends, on the agent's heartbeats.
    const deadline = Date.now() + 180_000;
    for (;;) {
      await conductor.core.drain();
      const node = await conductor.core.getNode(uuid);
      if (node.target_provision_state === null && node.reservation === null) {
        if (node.last_error) service.log.warn({ node: node.name, error: node.last_error }, 'demo step failed');
        break;
      }
      if (Date.now() > deadline) {
        service.log.warn({ node: node.name, state: node.provision_state }, 'demo node did not settle; leaving it as it is');
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * On an empty database, enrolls a few fake-hardware nodes and the lab's servers as redfish nodes, and walks them
 * to different states through the conductor, so a first start has something to look at.
 */
export async function seedDemo(service: Service, demo: Demo): Promise<number> {
  const { conductor, store } = service;
  const { lab, image } = demo;
  if ((await store.nodes.count()) > 0) return 0;
  for (const [i, fake] of DEMO_NODES.entries()) {
    const node = await conductor.nodes.create({
      driver: 'fake-hardware', name: fake.name, resource_class: 'demo',
      properties: { cpus: 8, memory_mb: 16384, local_gb: 100, cpu_arch: 'x86_64' },
    }, MAX_MINOR);
    // Outside the lab's MAC range (52:54:00:00:…), so no lab server network-boots as a fake node.
    await conductor.ports.createPort({ address: `52:54:00:fe:00:${(i + 1).toString(16).padStart(2, '0')}`, node_uuid: node.uuid });
    await walk(service, node.uuid, fake.target);
  }
  for (const [i, server] of lab.servers.entries()) {
    // Real from end to end: verification and inspection through the BMC, cleaning and the deploy through the agent
    // the server network-boots from this Ferrite. Every lab node knows the demo image, so `baremetal node deploy`
    // works on any of them once it is available.
    const node = await conductor.nodes.create({
      driver: 'redfish', name: server.name, resource_class: 'lab',
      driver_info: {
        redfish_address: lab.url, redfish_system_id: server.systemPath, redfish_username: 'admin',
        redfish_password: 'password', redfish_verify_ca: lab.caPath,
      },
      instance_info: { image_source: image.url, image_os_hash_algo: 'sha256', image_os_hash_value: image.sha256 },
    }, MAX_MINOR);
    await walk(service, node.uuid, LAB_TARGETS[i]);
  }
  return DEMO_NODES.length + lab.servers.length;
}
