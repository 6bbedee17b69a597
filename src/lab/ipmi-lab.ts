// IPMI for the lab: every server gets an ipmi_sim BMC on its own UDP port of 127.0.0.1, wired through the chassis hook
// to the same VirtualServer the Redfish service shows (one server, two management protocols, as on real hardware).
import dgram from 'node:dgram';
import { IpmiBmcs } from './ipmi-bmcs.js';
import { writeIpmiFiles } from './ipmi-config.js';
import type { LabHook } from './lab-hook.js';
import type { VirtualServer } from './virtual-server.js';

export interface IpmiLabOptions {
  /** First UDP port; server i gets basePort + i. 0 picks free ports. */
  basePort: number;
  username: string;
  password: string;
  log: (msg: string) => void;
}

export interface IpmiLab {
  close(): Promise<void>;
}

/** `hook` is the lab's loopback hook (lab-hook.ts), which the chassis_control programs call; the caller owns it. */
export async function startIpmiLab(servers: VirtualServer[], hook: LabHook, opts: IpmiLabOptions): Promise<IpmiLab> {
  const t0 = Date.now();
  const ports = await allocatePorts(servers.length, opts.basePort);
  const bmcs = new IpmiBmcs(opts.log);
  const close = async () => {
    await bmcs.close();
    for (const s of servers) s.ipmi = undefined;
  };
  try {
    servers.forEach((s, i) => {
      const port = ports[i];
      const files = writeIpmiFiles({
        serverDir: s.dir, uuid: s.rec.uuid, name: s.rec.name, port, username: opts.username, password: opts.password, hook,
      });
      s.ipmi = bmcs.add(s.rec.name, port, files);
    });
    await bmcs.start();
  } catch (e) {
    await close();
    throw e;
  }
  opts.log(`IPMI: ${servers.length} ipmi_sim BMC(s) on 127.0.0.1 ports ${describePorts(ports)}, ready in ${Date.now() - t0} ms`);
  return { close };
}

/** Consecutive ports from `base`, each checked free; or, with base 0, ports the kernel hands out (held until all are picked). */
async function allocatePorts(count: number, base: number): Promise<number[]> {
  if (base !== 0 && (!Number.isInteger(base) || base < 1 || base + count - 1 > 65535)) {
    throw new Error(`IPMI: ports ${base}..${base + count - 1} are not all valid UDP ports`);
  }
  const sockets: dgram.Socket[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const want = base === 0 ? 0 : base + i;
      const s = dgram.createSocket('udp4');
      sockets.push(s);
      // ipmi_sim binds with SO_REUSEADDR, so a second one on a taken port would start without error and share it:
      // this exclusive bind is the only check.
      await new Promise<void>((ok, fail) => {
        s.once('error', (e) => fail(new Error(`IPMI: UDP port ${want} on 127.0.0.1 is in use (${e.message})`)));
        s.bind({ port: want, address: '127.0.0.1', exclusive: true }, () => ok());
      });
      ports.push(s.address().port);
    }
    return ports;
  } finally {
    await Promise.all(sockets.map((s) => new Promise<void>((done) => {
      try {
        s.close(() => done());
      } catch {
        done(); // never bound
      }
    })));
  }
}

function describePorts(ports: number[]): string {
  if (ports.length === 0) return '(none)';
  const consecutive = ports.every((p, i) => p === ports[0] + i);
  if (consecutive && ports.length > 1) return `${ports[0]}-${ports.at(-1)}`;
  return ports.length <= 8 ? ports.join(', ') : `${ports.slice(0, 8).join(', ')}, ... (see nodes.json)`;
}
