/**
 * Map encodings and reductions for the feature-map payload: float32 or 8-bit quantized with the map's own
 * min/max (`'u8-base64'`: `value ≈ min + q / 255 · (max − min)`, error at most (max − min) / 510), and
 * block-mean downsampling.
 */
import type { FeatureMap } from '@convlab/protocol';
import { valueRange, type MapValues } from './panels';

/** Bytes one value takes in the JSON payload, base64 included. */
export const ENCODED_BYTES_PER_VALUE = { 'f32-base64': (4 * 4) / 3, 'u8-base64': 4 / 3 } as const;

/**
 * Encodes one map.
 *
 * @example
 * encodeMap({ label: '', height: 1, width: 3, values: Float32Array.of(0, 5, 10) }, 'u8-base64').data;
 * // 'AID/'  (bytes 0, 128, 255)
 */
export function encodeMap(map: MapValues, encoding: FeatureMap['encoding']): FeatureMap {
  const [min, max] = valueRange(map.values);
  let bytes: Buffer;
  if (encoding === 'f32-base64') {
    // Copy: `values` may be a view into a larger tensor, and Buffer.from(view.buffer) would take all of it.
    bytes = Buffer.from(Float32Array.from(map.values).buffer);
  } else {
    const span = max - min;
    bytes = Buffer.alloc(map.values.length);
    for (let i = 0; i < map.values.length; i++) {
      const v = map.values[i]!;
      // A non-finite value has no place on the scale; it is drawn as the minimum.
      bytes[i] = Number.isFinite(v) && span > 0 ? Math.round(((v - min) / span) * 255) : 0;
    }
  }
  return { label: map.label, height: map.height, width: map.width, encoding, data: bytes.toString('base64'), min, max };
}

/**
 * Shrinks a map by `factor` on each axis, each new cell the mean of its (up to) `factor × factor` block;
 * sizes round up, so no edge row is lost.
 *
 * @example
 * downsampleMap({ label: '', height: 2, width: 2, values: Float32Array.of(1, 2, 3, 4) }, 2).values;
 * // Float32Array [2.5]
 */
export function downsampleMap(map: MapValues, factor: number): MapValues {
  if (factor <= 1) return map;
  const height = Math.ceil(map.height / factor);
  const width = Math.ceil(map.width / factor);
  // No cells: nothing to visit, however long the other axis.
  if (height * width === 0) return { label: map.label, height, width, values: new Float32Array(0) };
  const sums = new Float64Array(height * width);
  const counts = new Uint32Array(height * width);
  const source = map.values;
  // One pass, row by row and block by block (no division per value); each block's sum takes its values in
  // the same order as a value-by-value loop, so the means are the same to the bit.
  for (let r = 0; r < map.height; r++) {
    const row = r * map.width;
    const cellRow = Math.floor(r / factor) * width;
    for (let block = 0; block < width; block++) {
      const end = Math.min(map.width, (block + 1) * factor);
      let sum = sums[cellRow + block]!;
      let count = 0;
      for (let c = block * factor; c < end; c++) {
        const v = source[row + c]!;
        // v − v is 0 for a finite v, NaN for NaN and ±Infinity: those are left out of the mean.
        if (v - v !== 0) continue;
        sum += v;
        count++;
      }
      sums[cellRow + block] = sum;
      counts[cellRow + block]! += count;
    }
  }
  const values = Float32Array.from(sums, (sum, i) => (counts[i] ? sum / counts[i]! : NaN));
  return { label: map.label, height, width, values };
}
