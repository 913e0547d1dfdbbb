/**
 * Colour scales for feature maps: a diverging blue–white–red scale centred on 0 for signed data, a sequential
 * one for data ≥ 0. The PNG fallback is drawn with them, and the payload carries the same stops to the
 * extension, so both views agree.
 */

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

/** Picks the scale and maps a value to 0..1 on it: signed data is centred so that 0 is white. */
export function scaleFor(
  min: number,
  max: number,
): { stops: ColorStops; centered: boolean; position: (v: number) => number } {
  if (min < 0) {
    const bound = Math.max(Math.abs(min), Math.abs(max)) || 1;
    return { stops: DIVERGING, centered: true, position: (v) => 0.5 + v / (2 * bound) };
  }
  const span = max - min || 1;
  return { stops: SEQUENTIAL, centered: false, position: (v) => (v - min) / span };
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
