// Bundles the TypeScript sources and their libraries into dist/ferrite.js, one ES module; bin/ferrite.js runs it
// in a child process so that esbuild never stays resident in the service.
// One module instead of hundreds of library files costs ~20 MiB less resident memory, and a bundle avoids keeping a
// TypeScript loader resident (~40 MiB). Left outside: the native SQLite addon, and node-pg, which is loaded only when
// PostgreSQL is configured. Identifiers stay readable in stack traces; `node --enable-source-maps bin/ferrite.js`
// maps them to the sources.
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Written to temporary files and renamed into place: the boot file server streams dist/ferrite.js to servers as the
// agent's ramdisk, and another process may rebuild the bundle meanwhile; a rename never shows a half-written file.
const { outputFiles } = buildSync({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outfile: join(root, 'dist', 'ferrite.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'pg-native', 'esbuild'],
  // CommonJS libraries inside an ES module still call require() for Node's built-in modules.
  banner: { js: "import { createRequire as __ferriteRequire } from 'node:module'; const require = __ferriteRequire(import.meta.url);" },
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  logLevel: 'error',
  write: false,
});
mkdirSync(join(root, 'dist'), { recursive: true });
// The map first, so the bundle's sourceMappingURL never points at a map of another build for long.
for (const file of [...outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')))) {
  const temporary = `${file.path}.${process.pid}.tmp`;
  writeFileSync(temporary, file.contents);
  renameSync(temporary, file.path);
}
