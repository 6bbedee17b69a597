/**
 * Disk erasure for the clean steps. erase_devices_metadata zeroes the first and last MiB: MBR, primary GPT and
 * the start-of-disk signatures of filesystems/LVM/RAID, plus the backup GPT at the end (IPA's destroy_disk_metadata
 * removes the same structures with wipefs, dd and sgdisk). erase_devices overwrites every byte of a block device
 * with zeros in large writes, checking the abort signal between writes so an aborted clean stops within one chunk.
 * A disk file (the lab's, usually sparse and far larger than what it holds) is emptied instead: truncated to nothing
 * and back to its size, it reads as zeros and holds no blocks, where writing zeros would make it a real file of
 * its full size.
 */
import type { FileHandle } from 'node:fs/promises';
import { openDisk, unbootableRanges } from '../image/disk-target.js';

const MIB = 1024 * 1024;
const ERASE_CHUNK = 8 * MIB;

export async function eraseMetadata(path: string): Promise<{ bytes: number }> {
  const disk = await openDisk(path);
  try {
    // The same ranges a failed image write zeroes; unlike that best-effort path, a failure here fails the step.
    const zeros = Buffer.alloc(MIB);
    let bytes = 0;
    for (const [start, end] of unbootableRanges(disk.size)) {
      await disk.fh.write(zeros, 0, end - start, start);
      bytes += end - start;
    }
    await disk.fh.sync();
    return { bytes };
  } finally {
    await disk.fh.close();
  }
}

/** Writes zeros over [0, size) in chunks; resolves to the bytes written. Exported to test it on a file. */
export async function writeZeros(fh: FileHandle, size: number, signal: AbortSignal): Promise<number> {
  const zeros = Buffer.alloc(ERASE_CHUNK);
  let at = 0;
  while (at < size) {
    signal.throwIfAborted();
    const n = Math.min(ERASE_CHUNK, size - at);
    const { bytesWritten } = await fh.write(zeros, 0, n, at);
    at += bytesWritten;
  }
  return at;
}

export async function eraseAll(path: string, signal: AbortSignal): Promise<{ bytes: number; method: 'zeroed' | 'emptied' }> {
  const disk = await openDisk(path);
  try {
    signal.throwIfAborted();
    let method: 'zeroed' | 'emptied' = 'zeroed';
    let bytes: number;
    if (disk.blockDevice) {
      bytes = await writeZeros(disk.fh, disk.size, signal);
    } else {
      await disk.fh.truncate(0);
      await disk.fh.truncate(disk.size);
      bytes = disk.size;
      method = 'emptied';
    }
    await disk.fh.sync();
    return { bytes, method };
  } finally {
    await disk.fh.close();
  }
}
