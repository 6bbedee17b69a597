// Builds the browser UI (ui/, Vite) into dist/ui when its sources are newer than the last build. bin/ferrite.js runs
// it before every command, so `ferrite serve` never serves a stale UI; an unchanged UI costs a few file stats.
// The build goes to a fresh directory that then replaces dist/ui: a running service never sees half a build.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ui = join(root, 'ui');
const out = join(root, 'dist', 'ui');
const stamp = join(out, 'index.html');

function newestMtime(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const inputs = [join(ui, 'src'), join(ui, 'index.html'), join(ui, 'vite.config.ts'), join(root, 'package-lock.json')];
const force = process.argv.includes('--force');
if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...inputs.map(newestMtime))) process.exit(0);

let vite;
try {
  vite = await import('vite');
} catch {
  console.error('build-ui: vite is not installed (npm ci); the service runs without its browser UI');
  process.exit(existsSync(stamp) ? 0 : 1);
}
const temporary = `${out}.${process.pid}.tmp`;
await vite.build({ configFile: join(ui, 'vite.config.ts'), build: { outDir: temporary }, logLevel: 'warn' });
const old = `${out}.${process.pid}.old`;
if (existsSync(out)) renameSync(out, old);
renameSync(temporary, out);
rmSync(old, { recursive: true, force: true });
