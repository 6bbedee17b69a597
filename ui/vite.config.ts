import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The UI is built to static files that `ferrite serve` serves: the page at `/`, its assets under `/ui/`.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
