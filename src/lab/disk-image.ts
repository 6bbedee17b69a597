// The server's only disk is a sparse file: its size is what inventory reports, and its first sectors decide
// whether booting from it finds an operating system (so writing an image into it makes the server "boot").
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync, ftruncateSync } from 'node:fs';

/** Creates the file at the given size without allocating blocks, or leaves an existing one alone; returns its size. */
export function ensureDiskImage(path: string, sizeBytes: number): number {
  try {
    return statSync(path).size;
  } catch {
    const fd = openSync(path, 'wx', 0o644);
    try {
      ftruncateSync(fd, sizeBytes);
    } finally {
      closeSync(fd);
    }
    return sizeBytes;
  }
}

/** An MBR boot signature at the end of sector 0 or a GPT header in sector 1 counts as an installed OS. */
export function diskLooksBootable(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const buf = Buffer.alloc(520);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const mbr = n >= 512 && buf[510] === 0x55 && buf[511] === 0xaa;
    const gpt = n >= 520 && buf.toString('latin1', 512, 520) === 'EFI PART';
    return mbr || gpt;
  } finally {
    closeSync(fd);
  }
}

const MIB = 1024 * 1024;

/** sha256 of the disk's first MiB (less if the file is smaller): what a disk boot "loaded", so tests can tell images apart. */
export function diskBootHash(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(MIB);
    let n = 0;
    for (let got = -1; got !== 0 && n < MIB; n += got) got = readSync(fd, buf, n, MIB - n, n);
    return createHash('sha256').update(buf.subarray(0, n)).digest('hex');
  } finally {
    closeSync(fd);
  }
}
