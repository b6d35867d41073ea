// The bench page's Vite config (used by bench/run.ts and by `npx vite --config bench/vite.config.ts`).
// Root is the repository, so `/shaders/**/*.wgsl` globs (src/gpu/shaderSourceVite.ts) resolve
// as in the app; the page is /bench/index.html. Cross-origin isolation (COOP/COEP) gives the page
// SharedArrayBuffer, which TF.js-WASM needs for its threads.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root,
  // Its own dependency cache, so the app's dev server and this one never re-optimize each other's.
  cacheDir: 'node_modules/.vite-bench',
  // No HMR and no file watching: teammates edit the tree while a benchmark runs, and a reload
  // would destroy the page in the middle of a measurement.
  server: { headers: isolation, host: '127.0.0.1', hmr: false, watch: null },
  preview: { headers: isolation },
  // Pre-bundle TF.js up front: a dependency discovered at run time would make Vite reload the
  // page in the middle of a measurement.
  optimizeDeps: {
    entries: ['bench/index.html'],
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'],
  },
  build: { target: 'es2022' },
});
