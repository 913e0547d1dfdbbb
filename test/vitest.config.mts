import { defineConfig } from 'vitest/config';

// Unit tests: the library, the display formatter and the extension's pure builders. Fast, no servers.
export default defineConfig({
  // The payload contract runs from its source, as the kernel and the extension under test do.
  resolve: { alias: { '@convlab/protocol': new URL('../extension/protocol/src/index.ts', import.meta.url).pathname } },
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    // The PyTorch differential sweeps start Python (torch import ≈ 3 s) and run beside each other; on a loaded
    // 2-core machine one can exceed vitest's 5 s default.
    testTimeout: 120_000,
  },
});
