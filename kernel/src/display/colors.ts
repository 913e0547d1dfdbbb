/**
 * Colour scales for feature maps: a diverging blue–white–red scale centred on 0 for signed data, a sequential
 * one for data ≥ 0. The PNG fallback is drawn with them, and the payload carries the same stops to the
 * extension, so both views agree.
 */
import { isConstantRange } from '@convlab/protocol';

/** `[position 0..1, [r, g, b]]` stops. */
export type ColorStops = readonly (readonly [number, readonly [number, number, number]])[];

/** Blue (negative) – white (zero) – red (positive). */
export const DIVERGING: ColorStops = [
  [0, [33, 102, 172]],
  [0.25, [103, 169, 207]],
  [0.5, [247, 247, 247]],
  [0.75, [239, 138, 98]],
  [1, [178, 24, 43]],
];

/** Dark purple (low) – teal – yellow (high), perceptually ordered (viridis' end points). */
export const SEQUENTIAL: ColorStops = [
  [0, [68, 1, 84]],
  [0.25, [59, 82, 139]],
  [0.5, [33, 145, 140]],
  [0.75, [94, 201, 98]],
  [1, [253, 231, 37]],
];

/** The stops as plotly wants them: `[[0, '#2166ac'], …]`. */
export function toHexStops(stops: ColorStops): [number, string][] {
  return stops.map(([p, rgb]) => [p, '#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('')]);
}

/**
 * A panel's colour scale and where a value falls on it: `position(v) = offset + slope · v`, in 0..1 (a linear
 * map, so a renderer can apply it in a tight loop without a call per value).
 */
export interface Scale {
  stops: ColorStops;
  /** Signed data: diverging, 0 at the middle (white), spanning ±max(|min|, |max|). */
  centered: boolean;
  /**
   * A range that reads as one value ({@link isConstantRange}) and is not centred: every value is drawn at the
   * scale's middle and the legend shows the one value (a kernel of ones must not read as the darkest colour).
   */
  constant: boolean;
  offset: number;
  slope: number;
  position: (v: number) => number;
}

/**
 * Picks the scale and maps a value to 0..1 on it: signed data is centred so that 0 is white; a constant range
 * sits mid-scale.
 *
 * @example
 * scaleFor(1, 1).position(1);   // 0.5 (constant: the middle, not the darkest colour)
 * scaleFor(-2, 1).position(-2); // 0   (centred: ±2)
 * scaleFor(0, 4).position(1);   // 0.25
 */
export function scaleFor(min: number, max: number): Scale {
  const linear = (stops: ColorStops, centered: boolean, constant: boolean, offset: number, slope: number): Scale => ({
    stops,
    centered,
    constant,
    offset,
    slope,
    position: (v) => offset + slope * v,
  });
  if (min < 0) {
    const bound = Math.max(Math.abs(min), Math.abs(max)) || 1;
    return linear(DIVERGING, true, false, 0.5, 1 / (2 * bound));
  }
  if (isConstantRange(min, max)) return linear(SEQUENTIAL, false, true, 0.5, 0);
  const span = max - min;
  return linear(SEQUENTIAL, false, false, -min / span, 1 / span);
}

/** The colour at `t` in 0..1 (clamped), linearly interpolated between stops. */
export function colorAt(stops: ColorStops, t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  for (let i = 1; i < stops.length; i++) {
    const [p1, c1] = stops[i]!;
    const [p0, c0] = stops[i - 1]!;
    if (x <= p1) {
      const f = (x - p0) / (p1 - p0 || 1);
      return [0, 1, 2].map((k) => Math.round(c0[k]! + f * (c1[k]! - c0[k]!))) as [number, number, number];
    }
  }
  const last = stops[stops.length - 1]![1];
  return [last[0], last[1], last[2]];
}
