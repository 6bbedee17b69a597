#!/usr/bin/env -S node --max-semi-space-size=2
// (A small young generation keeps the service's resident memory low; see docs/performance.md.)
// Bundles the TypeScript sources into one ES module (esbuild, a few tens of milliseconds) and runs it. A bundle
// avoids keeping a TypeScript loader resident in a long-running service (it costs ~40 MiB of RSS), and
// rebuilding at every start means the command never runs stale code.
import { buildSync } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'ferrite.js');
buildSync({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'error',
});
await import(pathToFileURL(outfile).href);
