import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { TemporaryFailure } from '../domain/errors.js';
import type { Node } from '../domain/node.js';
import type { BootSettings } from '../drivers/pxe/boot-settings.js';
import {
  AGENT_KERNEL_SHIM, genericIpxeScript, ipxeRamdiskScript, pxelinuxRamdiskConfig,
} from '../drivers/pxe/boot-scripts.js';
import { recordedRamdiskBoot, type RamdiskBoot } from '../drivers/pxe/ramdisk-boot.js';
import type { Store } from '../store/store.js';

const HEXHYP_MAC = /^[0-9a-f]{2}(-[0-9a-f]{2}){5}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Where the agent program is: Ferrite's own bundle. Running from the bundle, this module is inside it
 * (dist/ferrite.js); running from source (src/conductor/), the bundle is built at <repo>/dist/ferrite.js.
 */
export function agentBundlePath(moduleUrl: string = import.meta.url): string {
  const here = fileURLToPath(moduleUrl);
  if (basename(here) === 'ferrite.js' && basename(dirname(here)) === 'dist') return here;
  return resolve(dirname(here), '..', '..', 'dist', 'ferrite.js');
}

export interface BootFileStream {
  stream: Readable;
  size: number;
}

/**
 * Ferrite's boot file server: the scripts firmware reads to boot a node's ramdisk, rendered on request from what
 * the node's boot interface recorded on it (so any conductor can answer and nothing goes stale), and the agent's
 * kernel shim and ramdisk. Answers null for what does not exist; names only nodes being booted.
 */
export class BootFiles {
  constructor(
    private readonly store: Store,
    private readonly settings: BootSettings,
    private readonly bundlePath: string = agentBundlePath(),
  ) {}

  /** `boot.ipxe`: the first script of every server. */
  genericScript(): string {
    return genericIpxeScript(this.settings.httpUrl);
  }

  /**
   * `pxelinux.cfg/<name>`: `<mac:hexhyp>` is the iPXE script of an `ipxe` node, `01-<mac:hexhyp>` the PXELINUX
   * configuration of a `pxe` node, each only while the node has a ramdisk boot prepared.
   */
  async pxeConfig(name: string): Promise<string | null> {
    const lower = name.toLowerCase();
    if (HEXHYP_MAC.test(lower)) {
      const boot = await this.bootOfMac(lower, 'ipxe');
      return boot && ipxeRamdiskScript(boot, true);
    }
    if (lower.startsWith('01-') && HEXHYP_MAC.test(lower.slice(3))) {
      const mac = lower.slice(3);
      const boot = await this.bootOfMac(mac, 'pxe');
      return boot && pxelinuxRamdiskConfig(boot, mac);
    }
    return null;
  }

  /** `vmedia/<uuid>.iso`: what the virtual CD of a `redfish-virtual-media` node holds (iPXE's embedded script). */
  async virtualMediaImage(file: string): Promise<string | null> {
    const m = /^(.+)\.iso$/.exec(file.toLowerCase());
    if (!m || !UUID.test(m[1])) return null;
    const boot = this.prepared(await this.store.nodes.getByUuid(m[1]), 'redfish-virtual-media');
    return boot && ipxeRamdiskScript(boot, false);
  }

  agentKernel(): string {
    return AGENT_KERNEL_SHIM;
  }

  /**
   * The agent program, opened once and measured through the same handle: a bundle rebuilt meanwhile replaces the
   * file by a rename, so the download is one whole version. TemporaryFailure when the bundle was never built.
   */
  async agentRamdisk(): Promise<BootFileStream> {
    let handle: FileHandle;
    try {
      handle = await open(this.bundlePath, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      throw new TemporaryFailure('The agent ramdisk (Ferrite\'s bundle dist/ferrite.js) is not built: build it with `node scripts/bundle.mjs`');
    }
    try {
      const { size } = await handle.stat();
      return { stream: handle.createReadStream(), size };
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  private async bootOfMac(macHexhyp: string, bootInterface: string): Promise<RamdiskBoot | null> {
    const port = await this.store.ports.getByAddress(macHexhyp.replaceAll('-', ':'));
    if (!port?.pxe_enabled) return null;
    return this.prepared(await this.store.nodes.getByUuid(port.node_uuid), bootInterface);
  }

  private prepared(node: Node | null | undefined, bootInterface: string): RamdiskBoot | null {
    if (!node || node.boot_interface !== bootInterface) return null;
    return recordedRamdiskBoot(node);
  }
}
