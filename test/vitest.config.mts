import { defineConfig } from 'vitest/config';

// Unit tests: the library, the display formatter and the extension's pure builders. Fast, no servers.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
  },
});
