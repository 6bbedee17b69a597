#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2
// (Fewer malloc arenas and a small young generation keep the resident memory low; see docs/performance.md.)
// Rebuilds the bundle at every start (so the command never runs stale code) and runs it. The build runs in a
// child process: esbuild's module would otherwise stay resident in the service (~12 MiB).
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
await import(pathToFileURL(join(root, 'dist', 'ferrite.js')).href);
