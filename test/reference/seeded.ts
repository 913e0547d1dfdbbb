/**
 * Seeded inputs, the same on every machine: pure (no Node, no vitest), so browser bundles of tests use it too.
 */

/** Seeded uniform values in [-1, 1): mulberry32, the same sequence on every machine. */
export function seededValues(count: number, seed: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  });
}
