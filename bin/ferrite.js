#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2
// (Fewer malloc arenas and a small young generation keep the resident memory low; see docs/performance.md.)
// Rebuilds the bundle at every start (so the command never runs stale code), and the UI when it changed, then runs
// it. The builds run in child processes: esbuild's module would otherwise stay resident in the service (~12 MiB).
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
// The browser UI is rebuilt only when its sources changed; without Vite the service still runs, without the UI.
try {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-ui.mjs')], { stdio: 'inherit' });
} catch {
  // build-ui.mjs said why.
}
await import(pathToFileURL(join(root, 'dist', 'ferrite.js')).href);
