/**
 * Disk erasure for the clean steps. erase_devices_metadata zeroes the first and last MiB: MBR, primary GPT and
 * the start-of-disk signatures of filesystems/LVM/RAID, plus the backup GPT at the end (IPA's destroy_disk_metadata
 * removes the same structures with wipefs, dd and sgdisk). erase_devices overwrites every byte with zeros in large
 * writes, checking the abort signal between writes so an aborted clean stops within one chunk.
 */
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

export async function eraseAll(path: string, signal: AbortSignal): Promise<{ bytes: number }> {
  const disk = await openDisk(path);
  try {
    const zeros = Buffer.alloc(ERASE_CHUNK);
    let at = 0;
    while (at < disk.size) {
      signal.throwIfAborted();
      const n = Math.min(ERASE_CHUNK, disk.size - at);
      const { bytesWritten } = await disk.fh.write(zeros, 0, n, at);
      at += bytesWritten;
    }
    await disk.fh.sync();
    return { bytes: at };
  } finally {
    await disk.fh.close();
  }
}
