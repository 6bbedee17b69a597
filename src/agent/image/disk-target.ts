/**
 * The disk an image is written to: a block device on a real server, a disk file in the lab and in tests. Opened
 * read-write *without* truncation (a disk is never shrunk or recreated), its size read once, and, when a write went
 * wrong, made unbootable by zeroing its first and last MiB: the MBR / primary GPT at the start and the backup GPT
 * header at the end, so firmware finds no partition table and no boot sector instead of booting half an image.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { MIB } from './chunk-buffers.js';
import { ImageWriteError } from './errors.js';

export interface Disk {
  path: string;
  fh: FileHandle;
  /** Bytes the disk holds: a file's size, a block device's capacity. */
  size: number;
  blockDevice: boolean;
}

/** Linux's dev_t encoding (glibc's gnu_dev_major/minor), to find a block device in /sys. */
export function majorMinor(rdev: number): string {
  const dev = BigInt(rdev);
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** A block device's capacity: fstat says 0 for devices and Node has no BLKGETSIZE64, but sysfs counts 512-byte sectors. */
async function blockDeviceSize(rdev: number): Promise<number> {
  const sectors = await readFile(`/sys/dev/block/${majorMinor(rdev)}/size`, 'utf8');
  return Number(sectors.trim()) * 512;
}

export async function openDisk(path: string): Promise<Disk> {
  let fh: FileHandle;
  try {
    // 'r+': read-write, no O_CREAT, no O_TRUNC — a missing target is an error, not a new file.
    fh = await open(path, 'r+');
  } catch (e) {
    throw new ImageWriteError(`Cannot open target disk ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = await fh.stat();
    if (st.isBlockDevice()) return { path, fh, size: await blockDeviceSize(st.rdev), blockDevice: true };
    if (!st.isFile()) throw new ImageWriteError(`Target ${path} is neither a block device nor a disk file`);
    return { path, fh, size: st.size, blockDevice: false };
  } catch (e) {
    await fh.close();
    if (e instanceof ImageWriteError) throw e;
    throw new ImageWriteError(`Cannot read the size of target disk ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** The byte ranges markUnbootable zeroes: [0, 1 MiB) and the last MiB, clipped to the disk (pure, for tests). */
export function unbootableRanges(size: number): Array<[start: number, end: number]> {
  const head: [number, number] = [0, Math.min(MIB, size)];
  const tailStart = Math.max(head[1], size - MIB);
  return tailStart < size ? [head, [tailStart, size]] : [head];
}

/** Zeroes the first and last MiB and flushes them. Best effort by design: it runs while another error is reported. */
export async function markUnbootable(disk: Disk): Promise<boolean> {
  try {
    const zeros = Buffer.alloc(MIB);
    for (const [start, end] of unbootableRanges(disk.size)) {
      await disk.fh.write(zeros, 0, end - start, start);
    }
    await disk.fh.sync();
    return true;
  } catch {
    return false;
  }
}
