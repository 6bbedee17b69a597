// Bundles the TypeScript sources and their libraries into dist/ferrite.js, one ES module; bin/ferrite.js runs it
// in a child process so that esbuild never stays resident in the service.
// One module instead of hundreds of library files costs ~20 MiB less resident memory, and a bundle avoids keeping a
// TypeScript loader resident (~40 MiB). Left outside: the native SQLite addon, and node-pg, which is loaded only when
// PostgreSQL is configured. Identifiers stay readable in stack traces; `node --enable-source-maps bin/ferrite.js`
// maps them to the sources.
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
buildSync({
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
});
