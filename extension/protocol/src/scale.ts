/**
 * Colour-scale rules both sides must agree on: the kernel's PNG/HTML fallbacks and the extension's canvas draw
 * the same range the same way.
 */

/**
 * True when a value range reads as one value: equal ends, or a span within float noise of its magnitude (a
 * blur kernel of 1/9 stored as float32 spans about 1e-8). Such a range is drawn mid-scale, with a legend of its
 * one value, instead of stretching the noise over the whole scale.
 *
 * @example isConstantRange(1, 1); // true
 * @example isConstantRange(0.11111111, 0.11111112); // true
 * @example isConstantRange(0, 1e-9); // false: a tiny range that is not noise around a larger value
 */
export function isConstantRange(min: number, max: number): boolean {
  return max - min <= 1e-6 * Math.max(Math.abs(min), Math.abs(max));
}
