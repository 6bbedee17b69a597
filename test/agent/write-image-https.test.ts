import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTlsMaterial } from '../../src/lab/tls-material.js';
import { writeImage, type WriteImageOptions } from '../../src/agent/image/write-image.js';
import { ImageDownloadError } from '../../src/agent/image/errors.js';

/* Images from an https server with a private CA, directly and through a CONNECT proxy, over real TLS. */

describe('agent image pipeline over https', () => {
  let dir: string;
  let ca: Buffer;
  let server: https.Server;
  let proxy: http.Server;
  let base: string;
  let proxyUrl: string;
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const image = randomBytes(2 * 1024 * 1024);
  const sha256 = createHash('sha256').update(image).digest('hex');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-write-image-https-'));
    const tlsDir = join(dir, 'tls');
    mkdirSync(tlsDir);
    const material = await ensureTlsMaterial(tlsDir, '127.0.0.1');
    ca = readFileSync(material.caPath);
    server = https.createServer({ cert: material.cert, key: material.key }, (_req, res) => {
      res.writeHead(200, { 'content-length': image.length }).end(image);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A CONNECT-only forward proxy: what an https image URL goes through when proxies.https is set.
    proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: Socket) => {
      connects.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const s of [client, upstream]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); }
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await new Promise((r) => proxy.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const newDisk = () => {
    const disk = join(dir, `disk-${Math.random().toString(36).slice(2)}.img`);
    writeFileSync(disk, Buffer.alloc(4 * 1024 * 1024));
    return disk;
  };
  const opts = (o: Partial<WriteImageOptions>): WriteImageOptions => ({
    urls: [`${base}/disk.raw`], checksum: { algo: 'sha256', value: sha256 }, diskFormat: 'raw', target: newDisk(),
    fetchTimeoutMs: 5000, ...o,
  });

  it('verifies the server against the given CA', async () => {
    const o = opts({ ca });
    await writeImage(o);
    assert.ok(readFileSync(o.target).subarray(0, image.length).equals(image));
  });

  it('refuses a server its CAs do not vouch for, naming the URL and the reason', async () => {
    const err = await writeImage(opts({})).catch((e: unknown) => e);
    assert.ok(err instanceof ImageDownloadError);
    assert.match(err.message, /Cannot download image from https:\/\/127\.0\.0\.1:\d+\/disk\.raw: .*certificate/);
  });

  it('tunnels through an https proxy with CONNECT', async () => {
    const o = opts({ ca, proxies: { https: proxyUrl } });
    await writeImage(o);
    assert.ok(readFileSync(o.target).subarray(0, image.length).equals(image));
    assert.deepEqual(connects, [base.slice('https://'.length)]);
  });
});

