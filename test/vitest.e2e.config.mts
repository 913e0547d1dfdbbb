import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: a real JupyterLab from .venv, the installed kernel and extension, and Debian's
// Chromium driven by playwright-core. One at a time: each starts its own server.
export default defineConfig({
  // The payload contract runs from its source, as the kernel and the extension under test do.
  resolve: { alias: { '@convlab/protocol': new URL('../extension/protocol/src/index.ts', import.meta.url).pathname } },
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
