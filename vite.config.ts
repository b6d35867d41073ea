import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Cross-origin isolation (COOP/COEP) gives the page SharedArrayBuffer and precise timers; the
// benchmark needs it for TF.js-WASM threads, and it costs the app nothing (no third-party assets).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 6000 },
});
