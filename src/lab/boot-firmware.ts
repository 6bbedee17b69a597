// The lab server's boot firmware for the network and for virtual media: it fetches over HTTP what DHCP (the lab's
// bootUrl) or the inserted CD names, runs it with the iPXE interpreter, and downloads the kernel and initrd the script
// selects into the server's directory (kernel.bin, initrd.js; overwritten at every boot). Everything it fetches is
// bounded (time, size, chain depth, commands), and every failure says what failed on the server's console.
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatMac, runBootDocument, type NetbootImages, type ScriptIo } from './ipxe-script.js';

const DOCUMENT_TIMEOUT_MS = 10_000;
const DOCUMENT_MAX_BYTES = 1024 * 1024;
const IMAGE_TIMEOUT_MS = 120_000;
const IMAGE_MAX_BYTES = 512 * 1024 * 1024;

export interface FirmwareEnv {
  serverDir: string;
  uuid: string;
  /** 'efi' or 'pcbios', for ${platform}. */
  platform: string;
  console(line: string): void;
  /** Aborted when the power goes away (off or reset) during the boot. */
  signal: AbortSignal;
}

/** What the firmware hands to the "kernel": downloaded files and the command line. */
export interface LoadedRamdisk {
  images: NetbootImages;
  kernelPath: string;
  /** The first initrd: the agent program. */
  initrdPath: string;
  /** The NIC that booted; undefined for virtual media. */
  mac?: string;
}

export type FirmwareResult = { kind: 'ramdisk'; ramdisk: LoadedRamdisk } | { kind: 'nothing' };

/**
 * Network boot: the bootUrl script once per NIC, in order, until one boots. A script that fails or leaves (`exit`,
 * `sanboot`) hands over to the next NIC, as iPXE hands back to the firmware's boot order; after the last, the caller
 * goes on to the disk. So Ferrite's generic script, which exits when a NIC has no configuration, tries every NIC.
 */
export async function netboot(env: FirmwareEnv, bootUrl: string | undefined, macs: string[], label: string): Promise<FirmwareResult> {
  if (bootUrl === undefined) {
    env.console(`${label}: no boot server answers (the lab has no boot URL; start it with --boot-url): nothing to boot`);
    return { kind: 'nothing' };
  }
  for (let nic = 0; nic < macs.length; nic++) {
    if (env.signal.aborted) return { kind: 'nothing' };
    const prefix = `${label}: net${nic} ${macs[nic]}`;
    env.console(`${prefix}: fetching ${bootUrl}`);
    const r = await runFrom(env, bootUrl, macs, nic, prefix);
    if (r.kind === 'ramdisk') return { kind: 'ramdisk', ramdisk: { ...r.ramdisk, mac: macs[nic] } };
    env.console(`${prefix}: ${r.reason}${r.kind === 'exit' ? ': next boot device' : ''}`);
  }
  return { kind: 'nothing' };
}

/** Virtual media boot: the inserted image is an iPXE image whose embedded script the lab fetches and runs. */
export async function mediaBoot(env: FirmwareEnv, url: string, macs: string[], label: string): Promise<FirmwareResult> {
  env.console(`${label}: starting the iPXE image ${url}`);
  const r = await runFrom(env, url, macs, 0, label);
  if (r.kind === 'ramdisk') return r;
  env.console(`${label}: ${r.reason}`);
  return { kind: 'nothing' };
}

async function runFrom(env: FirmwareEnv, url: string, macs: string[], nic: number, prefix: string): Promise<
  { kind: 'ramdisk'; ramdisk: LoadedRamdisk } | { kind: 'exit' | 'failed'; reason: string }
> {
  const kernelPath = join(env.serverDir, 'kernel.bin');
  const initrdPath = join(env.serverDir, 'initrd.js');
  const io: ScriptIo = {
    fetchDocument: (u) => fetchDocument(u, env.signal),
    fetchImage: (u, role, index) => {
      const to = role === 'kernel' ? kernelPath : index === 0 ? initrdPath : join(env.serverDir, `initrd-${index}.bin`);
      env.console(`${prefix}: ${role} ${u}`);
      return fetchImage(u, to, env.signal);
    },
    print: (line) => {
      if (!env.signal.aborted) env.console(`${prefix}: ${line}`);
    },
  };
  const settings = { uuid: env.uuid, buildarch: 'x86_64', platform: env.platform, 'net0/mac': formatMac(macs[0] ?? '', undefined) };
  const out = await runBootDocument(url, { macs, nic, settings }, io);
  if (out.kind !== 'boot') return out;
  if (out.images.initrds.length === 0) return { kind: 'failed', reason: `${out.images.kernel.url} booted without an initrd: no agent to run` };
  return { kind: 'ramdisk', ramdisk: { images: out.images, kernelPath, initrdPath } };
}

function checkedUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`not a URL: ${url}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${u.protocol.slice(0, -1)} is not supported (http and https are): ${url}`);
  return u;
}

async function open(url: string, signal: AbortSignal, timeoutMs: number): Promise<Response> {
  checkedUrl(url);
  signal.throwIfAborted();
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]), redirect: 'follow' });
  } catch (e) {
    if (signal.aborted) throw e;
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (err.cause?.code ?? err.cause?.message ?? err.message);
    throw new Error(`${why} from ${url}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status} from ${url}`);
  }
  return res;
}

async function fetchDocument(url: string, signal: AbortSignal): Promise<string> {
  const res = await open(url, signal, DOCUMENT_TIMEOUT_MS);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body ?? []) {
      size += (chunk as Uint8Array).length;
      if (size > DOCUMENT_MAX_BYTES) throw new Error(`${url} is larger than ${DOCUMENT_MAX_BYTES} bytes: not a boot script`);
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
  } catch (e) {
    await res.body?.cancel().catch(() => {});
    throw e;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Streams the image into `path` (through a temporary file, so a failed download leaves no half image behind). */
async function fetchImage(url: string, path: string, signal: AbortSignal): Promise<void> {
  const res = await open(url, signal, IMAGE_TIMEOUT_MS);
  const tmp = `${path}.part`;
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > IMAGE_MAX_BYTES) done(new Error(`${url} is larger than ${IMAGE_MAX_BYTES} bytes`));
      else done(null, chunk);
    },
  });
  try {
    const body = res.body === null ? Readable.from([]) : Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]);
    await pipeline(body, limit, createWriteStream(tmp, { mode: 0o644 }), { signal });
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    if (signal.aborted) throw e;
    throw new Error(`download of ${url} failed: ${(e as Error).message}`);
  }
}
