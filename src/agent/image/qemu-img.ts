/**
 * The two qemu-img calls a qcow2 image needs (Debian's qemu-utils): `info` to learn its real format, virtual size
 * and whether it points at other files, and `convert -n` to write it as raw into the existing disk.
 */
import { execFile } from 'node:child_process';
import { ImageFormatError, ImageWriteError } from './errors.js';

export interface QemuImageInfo {
  format: string;
  virtualSize: number;
  backingFile?: string;
  dataFile?: string;
}

class QemuImgFailure extends Error {}

function run(args: string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('qemu-img', args, { signal, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        reject(new ImageWriteError('qemu-img is not installed (Debian package qemu-utils); it is needed for qcow2 images'));
      } else {
        reject(new QemuImgFailure(stderr.trim() || err.message));
      }
    });
  });
}

export async function qemuImgInfo(path: string, signal?: AbortSignal): Promise<QemuImageInfo> {
  let out: string;
  try {
    // -U: no lock needed, the file is ours alone. No -f: we want qemu-img's own probe of what the file is.
    out = await run(['info', '-U', '--output=json', path], signal);
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    if (e instanceof ImageWriteError) throw e;
    throw new ImageFormatError(`qemu-img cannot read the image: ${(e as Error).message}`);
  }
  const info = JSON.parse(out) as {
    format: string; 'virtual-size': number; 'backing-filename'?: string;
    'format-specific'?: { data?: { 'data-file'?: string } };
  };
  return {
    format: info.format,
    virtualSize: info['virtual-size'],
    backingFile: info['backing-filename'],
    dataFile: info['format-specific']?.data?.['data-file'],
  };
}

/**
 * Writes a qcow2 as raw into `target`, which must exist and be large enough (-n: do not create it). The target's
 * cache mode stays qemu-img's default for convert ("unsafe": no flushes); the caller fsyncs once at the end.
 */
export async function qemuImgConvert(source: string, target: string, signal?: AbortSignal): Promise<void> {
  try {
    await run(['convert', '-q', '-n', '-W', '-f', 'qcow2', '-O', 'raw', source, target], signal);
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    if (e instanceof ImageWriteError) throw e;
    throw new ImageWriteError(`qemu-img convert failed: ${(e as Error).message}`);
  }
}
