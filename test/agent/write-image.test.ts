import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeImage, type WriteImageOptions } from '../../src/agent/image/write-image.js';
import {
  ImageChecksumError, ImageDownloadError, ImageFormatError, ImageTooLargeError, ImageWriteError,
} from '../../src/agent/image/errors.js';

/*
 * The agent's image pipeline against a real loopback HTTP server, real disk files and real qemu-img: what lands on
 * the disk when it works, and what is left of the disk when it does not (untouched if nothing was written; first
 * and last MiB zeroed otherwise, the rest beyond the image untouched).
 */

const MIB = 1024 * 1024;
const DISK_BYTES = 8 * MIB;
const FILL = 0xab; // a fresh disk's pattern: anything left with it was never written

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A 3 MiB whole-disk image: an MBR with its 0x55AA signature, "EFI PART" at LBA 1, random bytes after. */
function gptImage(): Buffer {
  const img = randomBytes(3 * MIB);
  img.fill(0, 0, 1024);
  img[510] = 0x55;
  img[511] = 0xaa;
  img.write('EFI PART', 512, 'latin1');
  return img;
}

describe('agent image pipeline (writeImage)', () => {
  let dir: string;
  let server: http.Server;
  let base: string;
  let refusedUrl: string;
  const sockets = new Set<Socket>();
  const files = new Map<string, Buffer>();
  let disk: string;
  let image: Buffer;
  let qcow2: Buffer;
  let bigQcow2: Buffer;
  const hits: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-write-image-'));
    image = gptImage();
    writeFileSync(join(dir, 'src.raw'), image);
    execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', join(dir, 'src.raw'), join(dir, 'src.qcow2')]);
    qcow2 = readFileSync(join(dir, 'src.qcow2'));
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'big.qcow2'), '64M']);
    bigQcow2 = readFileSync(join(dir, 'big.qcow2'));
    files.set('disk.raw', image);
    files.set('disk.qcow2', qcow2);
    files.set('big.qcow2', bigQcow2);
    files.set('large.raw', randomBytes(DISK_BYTES + MIB));

    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      hits.push(url.pathname);
      const [, kind, name] = url.pathname.split('/');
      const body = files.get(name ?? '');
      if (kind === 'redirect') {
        res.writeHead(302, { location: `/img/${name}` }).end();
      } else if (kind === 'sums') {
        const text = `${'0'.repeat(64)}  other.raw\n${sha256(image)}  disk.raw\n`;
        res.writeHead(200, { 'content-type': 'text/plain' }).end(text);
      } else if (kind === 'auth') {
        const ok = req.headers.authorization === `Basic ${Buffer.from('user:s3cret').toString('base64')}`;
        res.writeHead(ok ? 200 : 401).end(ok ? image : undefined);
      } else if (!body) {
        res.writeHead(404).end('not found');
      } else if (kind === 'img') {
        res.writeHead(200, { 'content-length': body.length }).end(body);
      } else if (kind === 'chunked') {
        // No Content-Length: the size is only known as the bytes arrive.
        res.writeHead(200);
        for (let i = 0; i < body.length; i += 256 * 1024) res.write(body.subarray(i, i + 256 * 1024));
        res.end();
      } else if (kind === 'stall') {
        // Two MiB, then nothing (socket left open) until the test ends.
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 2 * MIB));
      } else if (kind === 'repeat') {
        // 256 MiB of a repeated 1 MiB block, streamed with backpressure; never held in memory.
        const count = 256;
        res.writeHead(200, { 'content-length': count * MIB });
        let sent = 0;
        const more = () => {
          while (sent < count) {
            sent++;
            if (!res.write(body.subarray(0, MIB))) return void res.once('drain', more);
          }
          res.end();
        };
        more();
      } else {
        res.writeHead(404).end();
      }
    });
    server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A port that refuses connections: one we held and released.
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/img/disk.raw`;
    await new Promise((r) => closed.close(r));
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    disk = join(dir, `disk-${Math.random().toString(36).slice(2)}.img`);
    writeFileSync(disk, Buffer.alloc(DISK_BYTES, FILL));
    hits.length = 0;
  });

  const opts = (o: Partial<WriteImageOptions>): WriteImageOptions => ({
    urls: [`${base}/img/disk.raw`], checksum: { algo: 'sha256', value: sha256(image) }, diskFormat: 'raw',
    target: disk, fetchTimeoutMs: 5000, chunkBytes: 256 * 1024, ...o,
  });
  const diskBytes = () => readFileSync(disk);
  const isFill = (b: Buffer) => b.every((x) => x === FILL);
  const isZero = (b: Buffer) => b.every((x) => x === 0);
  const assertUntouched = () => assert.ok(isFill(diskBytes()), 'the disk is untouched');
  const assertUnbootable = (imageEnd: number) => {
    const d = diskBytes();
    assert.equal(d.length, DISK_BYTES, 'the disk keeps its size');
    assert.ok(isZero(d.subarray(0, MIB)), 'first MiB zeroed');
    assert.ok(isZero(d.subarray(DISK_BYTES - MIB)), 'last MiB zeroed');
    assert.ok(isFill(d.subarray(imageEnd, DISK_BYTES - MIB)), 'nothing past the written image but the last MiB touched');
  };

  it('writes a raw image byte for byte, reports its hash, and leaves the rest of the disk alone', async () => {
    const r = await writeImage(opts({}));
    assert.equal(r.bytesWritten, image.length);
    assert.deepEqual(r.hash, { algo: 'sha256', value: sha256(image) });
    assert.ok(r.durationMs > 0);
    const d = diskBytes();
    assert.equal(d.length, DISK_BYTES, 'never truncated');
    assert.ok(d.subarray(0, image.length).equals(image));
    assert.ok(isFill(d.subarray(image.length)));
  });

  it('follows redirects, takes bodies without Content-Length, and verifies sha512', async () => {
    const sha512 = createHash('sha512').update(image).digest('hex');
    await writeImage(opts({ urls: [`${base}/redirect/disk.raw`], checksum: { algo: 'sha512', value: sha512 } }));
    assert.ok(diskBytes().subarray(0, image.length).equals(image));
    await writeImage(opts({ urls: [`${base}/chunked/disk.raw`], checksum: { algo: 'SHA512', value: sha512.toUpperCase() } }));
    assert.ok(diskBytes().subarray(0, image.length).equals(image));
  });

  it('sends URL credentials as Basic auth', async () => {
    await writeImage(opts({ urls: [`http://user:s3cret@${base.slice(7)}/auth/disk.raw`] }));
    assert.ok(diskBytes().subarray(0, image.length).equals(image));
  });

  it('wrong checksum: ImageChecksumError with both digests, and the disk made unbootable', async () => {
    const wrong = 'f'.repeat(64);
    const err = await writeImage(opts({ checksum: { algo: 'sha256', value: wrong } })).catch((e: unknown) => e);
    assert.ok(err instanceof ImageChecksumError);
    assert.equal(err.expected, wrong);
    assert.equal(err.actual, sha256(image));
    assert.match(err.message, /checksum mismatch .*disk\.raw: expected sha256 f{64}, got [0-9a-f]{64}/);
    assert.equal(err.diskMarkedUnbootable, true);
    assertUnbootable(image.length);
    assert.ok(diskBytes().subarray(MIB, image.length).equals(image.subarray(MIB)), 'between the zeroed ends: the image');
  });

  it('404: ImageDownloadError naming the URL without its credentials, disk untouched', async () => {
    const err = await writeImage(opts({ urls: [`http://admin:topsecret@${base.slice(7)}/img/nope.raw?sig=abc123`] }))
      .catch((e: unknown) => e);
    assert.ok(err instanceof ImageDownloadError);
    assert.equal(err.status, 404);
    assert.match(err.message, /\/img\/nope\.raw\?sig=\*\*\* failed: HTTP 404/);
    assert.doesNotMatch(err.message, /topsecret|admin|abc123/);
    assert.equal(err.diskMarkedUnbootable, false);
    assertUntouched();
  });

  it('uses the second URL when the first is refused', async () => {
    const r = await writeImage(opts({ urls: [refusedUrl, `${base}/img/disk.raw`] }));
    assert.equal(r.url, `${base}/img/disk.raw`);
    assert.ok(diskBytes().subarray(0, image.length).equals(image));
  });

  it('every URL failing: one error listing each', async () => {
    const err = await writeImage(opts({ urls: [refusedUrl, `${base}/img/gone.raw`] })).catch((e: unknown) => e);
    assert.ok(err instanceof ImageDownloadError);
    assert.match(err.message, /All 2 image URLs failed: .*ECONNREFUSED.*HTTP 404/);
    assertUntouched();
  });

  it('image larger than the disk: refused before writing when Content-Length says so', async () => {
    const large = files.get('large.raw')!;
    const err = await writeImage(opts({ urls: [`${base}/img/large.raw`], checksum: { algo: 'sha256', value: sha256(large) } }))
      .catch((e: unknown) => e);
    assert.ok(err instanceof ImageTooLargeError);
    assert.equal(err.imageBytes, DISK_BYTES + MIB);
    assert.match(err.message, /larger than the disk/);
    assertUntouched();
  });

  it('image larger than the disk without Content-Length: stopped at the disk end, disk made unbootable', async () => {
    const large = files.get('large.raw')!;
    const err = await writeImage(opts({ urls: [`${base}/chunked/large.raw`], checksum: { algo: 'sha256', value: sha256(large) } }))
      .catch((e: unknown) => e);
    assert.ok(err instanceof ImageTooLargeError);
    assert.equal(err.diskMarkedUnbootable, true);
    assert.equal(statSync(disk).size, DISK_BYTES, 'the disk file did not grow');
    assertUnbootable(DISK_BYTES - MIB);
  });

  it('qcow2: converted onto the disk, equal to the original raw image; the work file removed', async () => {
    const work = mkdtempSync(join(dir, 'work-'));
    const r = await writeImage(opts({
      urls: [`${base}/img/disk.qcow2`], diskFormat: 'qcow2', checksum: { algo: 'sha256', value: sha256(qcow2) }, workDir: work,
    }));
    assert.equal(r.bytesWritten, image.length);
    assert.equal(r.hash.value, sha256(qcow2), 'the digest is the qcow2 file\'s, as Glance records it');
    const d = diskBytes();
    assert.ok(d.subarray(0, image.length).equals(image));
    assert.ok(isFill(d.subarray(image.length)), 'nothing past the virtual size written');
    assert.deepEqual(readdirSync(work), []);
  });

  it('qcow2 with a virtual size larger than the disk: ImageTooLargeError, disk untouched, work file removed', async () => {
    const work = mkdtempSync(join(dir, 'work-'));
    const err = await writeImage(opts({
      urls: [`${base}/img/big.qcow2`], diskFormat: 'qcow2', checksum: { algo: 'sha256', value: sha256(bigQcow2) }, workDir: work,
    })).catch((e: unknown) => e);
    assert.ok(err instanceof ImageTooLargeError);
    assert.match(err.message, /virtual size of 67108864 bytes/);
    assertUntouched();
    assert.deepEqual(readdirSync(work), []);
  });

  it('qcow2 with a wrong checksum: ImageChecksumError, disk untouched (nothing was converted)', async () => {
    const err = await writeImage(opts({ urls: [`${base}/img/disk.qcow2`], diskFormat: 'qcow2' })).catch((e: unknown) => e);
    assert.ok(err instanceof ImageChecksumError);
    assert.equal(err.diskMarkedUnbootable, false);
    assertUntouched();
  });

  it('qcow2 declared raw, and raw declared qcow2: ImageFormatError before anything is written', async () => {
    const err = await writeImage(opts({ urls: [`${base}/img/disk.qcow2`], checksum: { algo: 'sha256', value: sha256(qcow2) } }))
      .catch((e: unknown) => e);
    assert.ok(err instanceof ImageFormatError);
    assert.match(err.message, /declared raw but its content is qcow2/);
    assertUntouched();
    const err2 = await writeImage(opts({ diskFormat: 'qcow2' })).catch((e: unknown) => e);
    assert.ok(err2 instanceof ImageFormatError);
    assert.match(err2.message, /declared qcow2 but its content is not qcow2/);
    assertUntouched();
  });

  it('checksum given as a checksum file URL: the image\'s entry is found and verified', async () => {
    await writeImage(opts({ checksum: { url: `${base}/sums/SHA256SUMS` } }));
    assert.ok(diskBytes().subarray(0, image.length).equals(image));
    const err = await writeImage(opts({ urls: [`${base}/img/large.raw`], checksum: { url: `${base}/sums/SHA256SUMS` } }))
      .catch((e: unknown) => e);
    assert.ok(err instanceof ImageDownloadError);
    assert.match(err.message, /has no entry for large\.raw/);
  });

  it('a server that stalls mid-stream: timeout error and the disk made unbootable', async () => {
    const started = Date.now();
    const err = await writeImage(opts({ urls: [`${base}/stall/disk.raw`], fetchTimeoutMs: 300 })).catch((e: unknown) => e);
    assert.ok(err instanceof ImageDownloadError);
    assert.match(err.message, /stalled: no data for 300 ms after 2097152 bytes/);
    assert.ok(Date.now() - started < 4000);
    assert.equal(err.diskMarkedUnbootable, true);
    assertUnbootable(2 * MIB);
  });

  it('a missing target disk is an error and is not created', async () => {
    const missing = join(dir, 'no-such-disk');
    await assert.rejects(writeImage(opts({ target: missing })), ImageWriteError);
    assert.equal(existsSync(missing), false);
  });

  it('goes through an HTTP proxy unless no_proxy names the host', async () => {
    const seen: string[] = [];
    const proxy = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      http.get(req.url ?? '', (up) => { res.writeHead(up.statusCode ?? 502, up.headers); up.pipe(res); });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      await writeImage(opts({ proxies: { http: proxyUrl } }));
      assert.ok(diskBytes().subarray(0, image.length).equals(image));
      assert.deepEqual(seen, [`${base}/img/disk.raw`], 'the proxy got the absolute URL');
      await writeImage(opts({ proxies: { http: proxyUrl, no_proxy: 'example.com,127.0.0.1' } }));
      assert.equal(seen.length, 1, 'no_proxy bypasses the proxy');
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('an abort stops the write with the signal\'s reason', async () => {
    const ac = new AbortController();
    const p = writeImage(opts({ urls: [`${base}/stall/disk.raw`], signal: ac.signal }));
    setTimeout(() => ac.abort(new Error('deploy cancelled')), 200);
    await assert.rejects(p, /deploy cancelled/);
    assertUnbootable(2 * MIB);
  });

  it('streams a 256 MiB image (memory is measured by bench/deploy, not here)', async () => {
    const block = files.get('large.raw')!.subarray(0, MIB);
    files.set('block', block);
    const big = join(dir, 'big-disk.img');
    writeFileSync(big, '');
    execFileSync('truncate', ['-s', `${300 * MIB}`, big]);
    const h = createHash('sha256');
    for (let i = 0; i < 256; i++) h.update(block);
    const r = await writeImage(opts({ urls: [`${base}/repeat/block`], target: big, chunkBytes: 4 * MIB,
      checksum: { algo: 'sha256', value: h.digest('hex') } }));
    assert.equal(r.bytesWritten, 256 * MIB);
    const back = createHash('sha256');
    for await (const piece of createReadStream(big, { end: 256 * MIB - 1 })) back.update(piece as Buffer);
    assert.equal(back.digest('hex'), r.hash.value, 'read back from the disk, the same bytes');
    rmSync(big);
  });
});
