/**
 * The agent's image pipeline: writes a whole-disk image from its URL(s) onto the node's disk and verifies its
 * checksum before reporting success (IPA's standby.prepare_image / write_image for whole-disk images).
 *
 * - raw: streamed from the URL straight onto the disk in one pass, hashed on the way (memory: two 1 MiB chunks).
 * - qcow2: streamed into a work file (hashed on the way), checksum verified, inspected with qemu-img info, then
 *   `qemu-img convert -n` writes it as raw onto the disk. The work file is removed in every case.
 *
 * What a failure leaves on the disk:
 * - nothing was written yet (bad image_info, every URL failed, Content-Length or qcow2 virtual size larger than
 *   the disk, a raw image whose first bytes are another format, any qcow2 failure before convert): the disk is
 *   untouched, byte for byte.
 * - something was written (mid-stream error, stall, too large discovered mid-stream, checksum mismatch, convert
 *   or fsync failure): the first MiB and the last MiB of the disk are zeroed so it cannot boot (no MBR, no primary
 *   or backup GPT); bytes between hold whatever of the image was written, and no byte past the image's end other
 *   than the last MiB is ever touched. The thrown error has `diskMarkedUnbootable = true`.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checksumMatches, findInChecksumFile, imageFileName, isChecksumUrl, isHashAlgo, normaliseChecksum,
  type Checksum, type ChecksumSpec,
} from './checksum.js';
import { alignChunkSize, DEFAULT_CHUNK_BYTES } from './chunk-buffers.js';
import { markUnbootable, openDisk, type Disk } from './disk-target.js';
import {
  ImageChecksumError, ImageDownloadError, ImageError, ImageFormatError, ImageTooLargeError, ImageWriteError,
  InvalidImageInfoError,
} from './errors.js';
import { fetchText, openFirst, redactUrl, type HttpOptions, type ImageLog, type Proxies } from './http-source.js';
import { sniffFormat } from './image-format.js';
import { qemuImgConvert, qemuImgInfo } from './qemu-img.js';
import { newProgress, streamToFile } from './stream-to-file.js';

export type DiskFormat = 'raw' | 'qcow2';

export interface WriteImageOptions {
  /** Tried in order until one answers with a body (image_info.urls). */
  urls: readonly string[];
  /** The digest to verify, or the URL of a checksum file listing the image's file name (see checksum.ts). */
  checksum: ChecksumSpec | { algo: string; value: string };
  diskFormat: DiskFormat;
  /** The disk: a block device or a disk file. It must exist; it is never truncated or extended. */
  target: string;
  signal?: AbortSignal;
  log?: ImageLog;
  /** Connect / response-header limit, and the longest a body may send nothing (default 60 s). */
  fetchTimeoutMs?: number;
  proxies?: Proxies;
  /** CA bundle (PEM) for https image servers; `insecure` skips verification (labs only). */
  ca?: string | Buffer;
  insecure?: boolean;
  /** Where a qcow2 is downloaded before conversion (default: the OS temp dir); needs room for the qcow2 file. */
  workDir?: string;
  /** Disk write size (default 1 MiB, aligned to 4 KiB). */
  chunkBytes?: number;
}

export interface WriteImageResult {
  /** Bytes written to the disk: the raw image's size, or the qcow2's virtual size. */
  bytesWritten: number;
  /** The verified digest of the image as downloaded. */
  hash: Checksum;
  durationMs: number;
  /** The URL that served the image, redacted. */
  url: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

async function resolveChecksum(spec: WriteImageOptions['checksum'], firstUrl: string, http: HttpOptions): Promise<Checksum> {
  if ('url' in spec && isChecksumUrl(spec)) {
    const name = imageFileName(firstUrl);
    const text = await fetchText(spec.url, http);
    const found = findInChecksumFile(text, name, spec.algo);
    if (!found) throw new ImageDownloadError(`Checksum file ${redactUrl(spec.url)} has no entry for ${name}`, redactUrl(spec.url));
    return found;
  }
  const algo = spec.algo.toLowerCase();
  if (!isHashAlgo(algo)) throw new InvalidImageInfoError(`Unsupported checksum algorithm "${spec.algo}"`);
  return normaliseChecksum(algo, spec.value);
}

/** Zeroes the disk's ends after a failure that wrote to it, and records that on the error. */
async function failWritten(disk: Disk, e: unknown, log?: ImageLog): Promise<never> {
  const marked = await markUnbootable(disk);
  if (e instanceof ImageError) e.diskMarkedUnbootable = marked;
  log?.warn({ target: disk.path, marked, error: (e as Error).message }, 'image write failed; disk marked unbootable');
  throw e;
}

function verify(expected: Checksum, actual: string, url: string): void {
  if (!checksumMatches(expected, actual)) throw new ImageChecksumError(expected.algo, expected.value, actual, url);
}

async function sync(disk: Disk): Promise<void> {
  try {
    await disk.fh.sync();
  } catch (e) {
    throw new ImageWriteError(`Flushing ${disk.path} failed: ${(e as Error).message}`, { cause: e });
  }
}

async function writeRaw(o: WriteImageOptions, disk: Disk, expected: Checksum, http: HttpOptions, chunkBytes: number) {
  const res = await openFirst(o.urls, http);
  const url = redactUrl(res.url);
  if (res.contentLength !== undefined && res.contentLength > disk.size) {
    res.body.destroy();
    throw new ImageTooLargeError(`Image ${url} (${res.contentLength} bytes) is larger than the disk ${disk.path} ` +
      `(${disk.size} bytes)`, res.contentLength, disk.size);
  }
  const hash = createHash(expected.algo);
  const progress = newProgress();
  try {
    await streamToFile(res.body, disk.fh, {
      url, sink: `disk ${disk.path}`, chunkBytes, hash, stallTimeoutMs: http.timeoutMs, signal: o.signal,
      expectedLength: res.contentLength, limit: disk.size,
      tooLarge: (n) => new ImageTooLargeError(`Image ${url} is larger than the disk ${disk.path} (${disk.size} bytes): ` +
        `${n} bytes received and more coming`, n, disk.size),
      onHead: (head) => {
        const format = sniffFormat(head);
        if (format !== 'unknown') {
          throw new ImageFormatError(`Image ${url} is declared raw but its content is ${format}; ` +
            'writing it as is would leave an unbootable disk (set disk_format to its real format)');
        }
      },
    }, progress);
    const actual = hash.digest('hex');
    verify(expected, actual, url);
    await sync(disk);
    return { bytesWritten: progress.bytesWritten, hash: { algo: expected.algo, value: actual }, url };
  } catch (e) {
    if (progress.writeStarted) return failWritten(disk, e, o.log);
    throw e;
  }
}

async function writeQcow2(o: WriteImageOptions, disk: Disk, expected: Checksum, http: HttpOptions, chunkBytes: number) {
  const dir = await mkdtemp(join(o.workDir ?? tmpdir(), 'ferrite-image-'));
  try {
    const res = await openFirst(o.urls, http);
    const url = redactUrl(res.url);
    const file = join(dir, 'image.qcow2');
    const hash = createHash(expected.algo);
    const fh = await open(file, 'wx');
    try {
      await streamToFile(res.body, fh, {
        url, sink: `work file ${file}`, chunkBytes, hash, stallTimeoutMs: http.timeoutMs, signal: o.signal,
        expectedLength: res.contentLength,
        onHead: (head) => {
          const format = sniffFormat(head);
          if (format !== 'qcow2') {
            throw new ImageFormatError(`Image ${url} is declared qcow2 but its content is ` +
              `${format === 'unknown' ? 'not qcow2 (raw?)' : format}`);
          }
        },
      }, newProgress());
    } finally {
      await fh.close();
    }
    const actual = hash.digest('hex');
    verify(expected, actual, url);
    const info = await qemuImgInfo(file, o.signal);
    if (info.format !== 'qcow2') throw new ImageFormatError(`Image ${url} is declared qcow2 but qemu-img reads it as ${info.format}`);
    // A backing or external data file would make qemu-img read files of the agent's own host into the disk.
    if (info.backingFile || info.dataFile) {
      throw new ImageFormatError(`Image ${url} refers to another file (${info.backingFile ? 'backing file' : 'data file'}); ` +
        'only self-contained qcow2 images are written');
    }
    if (info.virtualSize > disk.size) {
      throw new ImageTooLargeError(`Image ${url} has a virtual size of ${info.virtualSize} bytes, larger than the disk ` +
        `${disk.path} (${disk.size} bytes)`, info.virtualSize, disk.size);
    }
    try {
      await qemuImgConvert(file, disk.path, o.signal);
      await sync(disk);
    } catch (e) {
      return failWritten(disk, e, o.log);
    }
    return { bytesWritten: info.virtualSize, hash: { algo: expected.algo, value: actual }, url };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function writeImage(o: WriteImageOptions): Promise<WriteImageResult> {
  const started = performance.now();
  if (o.urls.length === 0) throw new InvalidImageInfoError('Image info has no URL');
  if (o.diskFormat !== 'raw' && o.diskFormat !== 'qcow2') {
    throw new ImageFormatError(`Unsupported disk_format "${String(o.diskFormat)}": only raw and qcow2 images are written`);
  }
  const http: HttpOptions = {
    timeoutMs: o.fetchTimeoutMs ?? DEFAULT_TIMEOUT_MS, proxies: o.proxies, signal: o.signal, log: o.log, ca: o.ca,
    insecure: o.insecure,
  };
  const chunkBytes = alignChunkSize(o.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const expected = await resolveChecksum(o.checksum, o.urls[0], http);
  const disk = await openDisk(o.target);
  try {
    o.log?.info({ urls: o.urls.map(redactUrl), format: o.diskFormat, target: disk.path, diskBytes: disk.size }, 'writing image');
    const r = o.diskFormat === 'raw'
      ? await writeRaw(o, disk, expected, http, chunkBytes)
      : await writeQcow2(o, disk, expected, http, chunkBytes);
    const durationMs = performance.now() - started;
    o.log?.info({ url: r.url, target: disk.path, bytes: r.bytesWritten, [r.hash.algo]: r.hash.value, ms: Math.round(durationMs) },
      'image written and verified');
    return { ...r, durationMs };
  } finally {
    await disk.fh.close();
  }
}
