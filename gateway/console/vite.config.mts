/**
 * Vite build of the web console: `gateway/console/` -> `gateway/dist/console/`, served by the gateway at /console/
 * (gateway/src/plugins/console.ts). Part of the root `npm run build`; no dev server is needed to use it.
 * Each emitted text file over 1 KiB also gets a .gz and a .br beside it (node:zlib), which @fastify/static serves to
 * clients that accept them.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = resolve(root, '..', 'dist', 'console');

/** Files of `dir`, recursively. */
function filesOf(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesOf(path) : [path];
  });
}

/** Write pre-compressed copies of the text files of the bundle. */
function precompress(): Plugin {
  return {
    name: 'hainan-precompress',
    apply: 'build',
    closeBundle() {
      for (const file of filesOf(outDir)) {
        if (!/\.(?:html|js|css|svg|json)$/.test(file)) continue;
        const bytes = readFileSync(file);
        if (bytes.length < 1024) continue;
        writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
        writeFileSync(`${file}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

export default defineConfig({
  root,
  base: '/console/',
  logLevel: 'warn',
  plugins: [precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    assetsInlineLimit: 0, // no inline data: URLs for scripts; the CSP allows only 'self'
  },
});
