/**
 * Where a padding cell reads from, by mode: the one rule the kernel's pad, convolutions and pools index by and the
 * extension's hover names a padding cell's source by.
 */

/** How padding cells are filled (the kernel's `PadMode`, whose doc comment shows each mode on `1 2 3 4`). */
export type PadMode = 'constant' | 'reflect' | 'symmetric' | 'replicate' | 'circular';

/**
 * The input index that position `t` of a padded axis reads, for an axis of `length` cells: `t` counts from
 * the first real cell (negative in the front padding, `≥ length` in the back padding). Returns `-1` for
 * constant padding. Larger-than-axis pads keep reflecting / wrapping (NumPy).
 *
 * @example
 * [-2, -1, 4, 5, 6].map((t) => padSource(t, 4, 'reflect'));   // [2, 1, 2, 1, 0]
 * [-2, -1, 4, 5, 6].map((t) => padSource(t, 4, 'symmetric')); // [1, 0, 3, 2, 1]
 */
export function padSource(t: number, length: number, mode: PadMode): number {
  if (t >= 0 && t < length) return t;
  const mod = (a: number, m: number): number => ((a % m) + m) % m;
  switch (mode) {
    case 'constant':
      return -1;
    case 'replicate':
      return t < 0 ? 0 : length - 1;
    case 'circular':
      return mod(t, length);
    case 'reflect': {
      if (length === 1) return 0;
      const period = 2 * (length - 1);
      const m = mod(t, period);
      return m < length ? m : period - m;
    }
    case 'symmetric': {
      const period = 2 * length;
      const m = mod(t, period);
      return m < length ? m : period - 1 - m;
    }
  }
}
