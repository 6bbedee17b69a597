/**
 * Agent image pipeline benchmark (part (a) of the agent-based deploy issue): a raw image streamed from a loopback
 * HTTP server onto a disk file with sha256 verification by Ferrite's writeImage, against
 * `curl -s URL | tee FILE | sha256sum` on the same server in the same run. Target: ≥ 90 % of its throughput.
 *
 *   node --import tsx bench/deploy/pipeline.ts --dir DIR [--size-mib 2048] [--runs 3] [--chunk-mib 1]
 *
 * 1. Writes DIR/image.raw (a 64 MiB random block repeated: incompressible enough, cheap to make) and its sha256.
 * 2. Starts serve-file.py (sendfile, its PID in DIR/pids for pipeline.sh's clean-up).
 * 3. One untimed warm-up of each, then --runs timed runs of each, alternating (curl first). Before every run the
 *    target is deleted and recreated so that both allocate their blocks afresh: tee creates its file, writeImage
 *    gets an empty sparse file of the image's size (it never creates or grows a disk). Each writeImage run is a
 *    child process (write-once.ts) reporting its own time (fetch → fsync, checksum verified) and peak RSS.
 *    writeImage fsyncs; the pipeline does not, so the baseline is also timed with `sync FILE` (fsync of the file)
 *    after it: both figures are reported, the ratio against each. The same pipeline into `openssl dgst -sha256`
 *    runs too: sha256sum is the slowest stage of the baseline, OpenSSL's hash is the one node:crypto uses.
 * Prints a table and `RESULT {json}`. Page cache is not dropped (a shared machine): runs alternate, medians count.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const DIR = arg('dir', '');
const SIZE_MIB = Number(arg('size-mib', '2048'));
const RUNS = Number(arg('runs', '3'));
const CHUNK_MIB = Number(arg('chunk-mib', '1'));
if (!DIR || !(SIZE_MIB >= 64) || SIZE_MIB % 64 !== 0 || !(RUNS >= 1)) {
  process.stderr.write('usage: pipeline.ts --dir DIR [--size-mib 2048 (multiple of 64)] [--runs 3] [--chunk-mib 1]\n');
  process.exit(2);
}
const BYTES = SIZE_MIB * 2 ** 20;
const out = (line: string) => process.stdout.write(`${line}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mbps = (ms: number) => BYTES / 1e6 / (ms / 1000);

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    appendFileSync(join(DIR, 'pids'), `${child.pid}\n`);
    let text = '';
    child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

// 1. The image.
const image = join(DIR, 'image.raw');
const block = randomBytes(64 * 2 ** 20);
const blockHash = createHash('sha256');
const fd = openSync(image, 'w');
for (let i = 0; i < SIZE_MIB / 64; i++) {
  writeSync(fd, block);
  blockHash.update(block);
}
closeSync(fd);
const SHA = blockHash.digest('hex');
out(`image: ${SIZE_MIB} MiB, sha256 ${SHA}`);

// 2. The server.
const server = spawn('/usr/bin/python3', [join(import.meta.dirname, 'serve-file.py'), image], { stdio: ['ignore', 'pipe', 'inherit'] });
appendFileSync(join(DIR, 'pids'), `${server.pid}\n`);
const port = await new Promise<string>((resolve) => createInterface({ input: server.stdout }).once('line', resolve));
const URL = `http://127.0.0.1:${port.trim()}/image.raw`;

// 3. Runs.
const curlFile = join(DIR, 'curl.out');
const disk = join(DIR, 'disk.img');

/**
 * The issue's baseline pipes into coreutils' sha256sum, which has no SHA extensions (~300 MB/s here) and bounds
 * the pipeline; the same pipeline into `openssl dgst -sha256` (OpenSSL's SHA-NI code, as node:crypto) is the
 * stricter reference, measured next to it.
 */
const BASELINES = {
  sha256sum: 'set -o pipefail; curl -s "$URL" | tee "$FILE" | sha256sum',
  openssl: 'set -o pipefail; curl -s "$URL" | tee "$FILE" | openssl dgst -sha256 -r',
} as const;
type Baseline = keyof typeof BASELINES;

async function curlRun(kind: Baseline) {
  rmSync(curlFile, { force: true });
  const t0 = performance.now();
  const sum = await run('bash', ['-c', BASELINES[kind]], { URL, FILE: curlFile });
  const t1 = performance.now();
  await run('sync', [curlFile]);
  const t2 = performance.now();
  if (!sum.startsWith(SHA)) throw new Error(`curl pipeline (${kind}) got sha256 ${sum.trim()}, expected ${SHA}`);
  return { pipeMs: t1 - t0, withSyncMs: t2 - t0 };
}

async function oursRun() {
  rmSync(disk, { force: true });
  closeSync(openSync(disk, 'w'));
  truncateSync(disk, BYTES);
  const line = await run('node', ['--import', 'tsx', join(import.meta.dirname, 'write-once.ts'), URL, disk, SHA, String(CHUNK_MIB * 2 ** 20)]);
  return JSON.parse(line) as { ms: number; bytes: number; cpuMs: number; rssBeforeMiB: number; maxRssMiB: number };
}

try {
  await curlRun('sha256sum');
  await curlRun('openssl');
  await oursRun();
  out('warm-up done');
  const curl: Record<Baseline, Array<{ pipeMs: number; withSyncMs: number }>> = { sha256sum: [], openssl: [] };
  const ours: Array<Awaited<ReturnType<typeof oursRun>>> = [];
  for (let i = 0; i < RUNS; i++) {
    for (const kind of Object.keys(BASELINES) as Baseline[]) {
      const c = await curlRun(kind);
      curl[kind].push(c);
      out(`run ${i + 1} curl|tee|${kind.padEnd(9)}: ${mbps(c.pipeMs).toFixed(0)} MB/s (${(c.pipeMs / 1000).toFixed(2)} s), ` +
        `then sync FILE: ${mbps(c.withSyncMs).toFixed(0)} MB/s (${(c.withSyncMs / 1000).toFixed(2)} s)`);
    }
    const o = await oursRun();
    ours.push(o);
    out(`run ${i + 1} writeImage:              ${mbps(o.ms).toFixed(0)} MB/s (${(o.ms / 1000).toFixed(2)} s, fsync and ` +
      `checksum included; CPU ${(o.cpuMs / 1000).toFixed(2)} s), peak RSS ${o.maxRssMiB.toFixed(0)} MiB (${o.rssBeforeMiB.toFixed(0)} MiB before)`);
  }
  const oursMbps = median(ours.map((o) => mbps(o.ms)));
  const figures = Object.fromEntries((Object.keys(BASELINES) as Baseline[]).map((kind) => [kind, {
    pipeMBps: median(curl[kind].map((c) => mbps(c.pipeMs))),
    withSyncMBps: median(curl[kind].map((c) => mbps(c.withSyncMs))),
  }])) as Record<Baseline, { pipeMBps: number; withSyncMBps: number }>;
  const peak = Math.max(...ours.map((o) => o.maxRssMiB));
  const growth = Math.max(...ours.map((o) => o.maxRssMiB - o.rssBeforeMiB));
  out('');
  out(`| ${SIZE_MIB} MiB, median of ${RUNS} | MB/s | writeImage ÷ it | with sync FILE: MB/s | writeImage ÷ it |`);
  out('|---|---|---|---|---|');
  for (const kind of Object.keys(BASELINES) as Baseline[]) {
    const f = figures[kind];
    out(`| curl -s URL \\| tee FILE \\| ${kind === 'openssl' ? 'openssl dgst -sha256' : 'sha256sum'} | ${f.pipeMBps.toFixed(0)} | ` +
      `${(oursMbps / f.pipeMBps).toFixed(2)} | ${f.withSyncMBps.toFixed(0)} | ${(oursMbps / f.withSyncMBps).toFixed(2)} |`);
  }
  out(`| writeImage (sha256 verified, fsync) | ${oursMbps.toFixed(0)} | — | — | — |`);
  out(`peak RSS of the writeImage process: ${peak.toFixed(0)} MiB (growth during the write ≤ ${growth.toFixed(0)} MiB)`);
  out(`RESULT ${JSON.stringify({
    sizeMiB: SIZE_MIB, runs: RUNS, chunkMiB: CHUNK_MIB, oursMBps: oursMbps, baselines: figures,
    ratioVsSha256sum: oursMbps / figures.sha256sum.pipeMBps, ratioVsSha256sumWithSync: oursMbps / figures.sha256sum.withSyncMBps,
    ratioVsOpenssl: oursMbps / figures.openssl.pipeMBps, ratioVsOpensslWithSync: oursMbps / figures.openssl.withSyncMBps,
    peakRssMiB: peak, rssGrowthMiB: growth,
  })}`);
} finally {
  server.kill();
}
