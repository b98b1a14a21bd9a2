import { defineConfig } from 'vite';

// Static files for the coordinator to serve at /: hashed assets, no inline script (the
// coordinator's Content-Security-Policy forbids it), no module preload polyfill (inline).
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
});
