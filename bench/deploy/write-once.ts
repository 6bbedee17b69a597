/**
 * One writeImage run in its own process, so that its peak RSS is the pipeline's and nothing else's:
 *   node --import tsx bench/deploy/write-once.ts URL TARGET SHA256 [CHUNK_BYTES]
 * Prints one JSON line: {ms, bytes, cpuMs, rssBeforeMiB, maxRssMiB}; cpuMs is the process's user+system CPU
 * during the call (the disk writes on libuv's threads included).
 */
import { writeImage } from '../../src/agent/image/write-image.js';

const [url, target, sha256, chunk] = process.argv.slice(2);
if (!url || !target || !sha256) {
  process.stderr.write('usage: write-once.ts URL TARGET SHA256 [CHUNK_BYTES]\n');
  process.exit(2);
}
const rssBefore = process.memoryUsage.rss();
const cpuBefore = process.cpuUsage();
const r = await writeImage({
  urls: [url], target, diskFormat: 'raw', checksum: { algo: 'sha256', value: sha256 },
  chunkBytes: chunk ? Number(chunk) : undefined,
});
process.stdout.write(`${JSON.stringify({
  ms: r.durationMs, bytes: r.bytesWritten,
  cpuMs: (({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpuBefore)),
  rssBeforeMiB: rssBefore / 2 ** 20,
  // getrusage's ru_maxrss is in KiB on Linux: the process's peak, including the moments between samples.
  maxRssMiB: process.resourceUsage().maxRSS / 1024,
})}\n`);
