/**
 * The one-pass pump: reads an HTTP body, hashes every byte, and writes it in large chunks at increasing offsets of
 * an open file or device, one write in flight while the next chunk fills (ChunkBuffers). Reading stops while both
 * buffers are busy, so a slow disk slows the download (TCP backpressure) instead of growing memory. A body that
 * sends nothing for stallTimeoutMs is abandoned; time spent waiting for the disk does not count as a stall.
 */
import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ChunkBuffers } from './chunk-buffers.js';
import { ImageDownloadError, ImageError, ImageWriteError } from './errors.js';
import { FORMAT_HEAD_BYTES } from './image-format.js';

export interface PumpOptions {
  /** The image URL, already redacted, for messages. */
  url: string;
  /** What is written to, for messages ("disk /dev/sda", "work file /tmp/..."). */
  sink: string;
  chunkBytes: number;
  hash: Hash;
  stallTimeoutMs: number;
  /** Content-Length when the server sent one: a body ending short of it is an error. */
  expectedLength?: number;
  /** Most bytes the target may receive; a body going past it fails through `tooLarge` before that chunk is written. */
  limit?: number;
  tooLarge?: (bytesReceived: number) => ImageError;
  /** Sees the first bytes (up to FORMAT_HEAD_BYTES) before anything is written; throws to refuse the image. */
  onHead?: (head: Buffer) => void;
  signal?: AbortSignal;
}

/** Shared with the caller so that, when the pump throws, it knows whether the target was touched. */
export interface PumpProgress {
  bytesReceived: number;
  bytesWritten: number;
  writeStarted: boolean;
}

export function newProgress(): PumpProgress {
  return { bytesReceived: 0, bytesWritten: 0, writeStarted: false };
}

class StallError extends Error {}

async function writeFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`short write at offset ${position + done}`);
    done += bytesWritten;
  }
}

export async function streamToFile(body: Readable, fh: FileHandle, opts: PumpOptions, progress: PumpProgress): Promise<void> {
  const buffers = new ChunkBuffers(opts.chunkBytes);
  let pending: Promise<void> | undefined;
  let pendingError: unknown;
  let headSeen = !opts.onHead;
  let timer: NodeJS.Timeout | undefined;

  const arm = () => {
    timer = setTimeout(() => body.destroy(new StallError(`no data for ${opts.stallTimeoutMs} ms`)), opts.stallTimeoutMs);
  };
  const disarm = () => clearTimeout(timer);
  const onAbort = () => body.destroy(opts.signal?.reason as Error);
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const flush = async (): Promise<void> => {
    if (pending) {
      await pending;
      pending = undefined;
    }
    if (pendingError) throw pendingError as Error;
    if (buffers.pending === 0) return;
    const chunk = buffers.take();
    const position = progress.bytesWritten;
    progress.writeStarted = true;
    // Not awaited: the next chunk fills while this one is written. Errors surface at the next flush.
    pending = writeFully(fh, chunk, position).then(
      () => { progress.bytesWritten += chunk.length; },
      (e: unknown) => { pendingError = e; },
    );
  };

  const checkHead = (atEnd: boolean) => {
    if (!headSeen && (buffers.pending >= FORMAT_HEAD_BYTES || atEnd)) {
      headSeen = true;
      opts.onHead?.(buffers.peek());
    }
  };

  const iterator = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  try {
    if (opts.signal?.aborted) throw opts.signal.reason;
    for (;;) {
      arm();
      const next = await iterator.next();
      disarm();
      if (next.done) break;
      const piece = next.value;
      opts.hash.update(piece);
      progress.bytesReceived += piece.length;
      if (opts.limit !== undefined && progress.bytesReceived > opts.limit) {
        throw opts.tooLarge?.(progress.bytesReceived) ?? new ImageWriteError(`Image exceeds the ${opts.limit} bytes of ${opts.sink}`);
      }
      let offset = 0;
      while (offset < piece.length) {
        offset += buffers.fill(piece, offset);
        checkHead(false);
        if (buffers.full) await flush();
      }
    }
    checkHead(true);
    if (opts.expectedLength !== undefined && progress.bytesReceived !== opts.expectedLength) {
      throw new ImageDownloadError(`Image download from ${opts.url} ended after ${progress.bytesReceived} of ` +
        `${opts.expectedLength} bytes`, opts.url);
    }
    await flush();
    await flush();
  } catch (e) {
    disarm();
    body.destroy();
    // Let the write in flight settle so that the caller's clean-up never races it.
    await pending;
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (e instanceof ImageError) throw e;
    if (e === pendingError) {
      throw new ImageWriteError(`Writing the image to ${opts.sink} failed at offset ${progress.bytesWritten}: ` +
        `${(e as Error).message}`, { cause: e });
    }
    const why = e instanceof StallError ? `stalled: ${e.message}` : `was interrupted: ${(e as Error).message}`;
    throw new ImageDownloadError(`Image download from ${opts.url} ${why} after ${progress.bytesReceived} bytes`,
      opts.url, undefined, { cause: e });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
