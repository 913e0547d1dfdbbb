/**
 * Map encodings and reductions for the feature-map payload: float32 or 8-bit quantized with the map's own
 * min/max (`'u8-base64'`: `value ≈ min + q / 255 · (max − min)`, error at most (max − min) / 510), and
 * block-mean downsampling that keeps each block's range.
 */
import type { Downsampling, FeatureMap, MapData } from '@convlab/protocol';
import { valueRange, type MapValues } from './panels';

/** Bytes one value takes in the JSON payload, base64 included. */
export const ENCODED_BYTES_PER_VALUE = { 'f32-base64': (4 * 4) / 3, 'u8-base64': 4 / 3 } as const;

/**
 * Encodes one map; a downsampled map also carries its blocks' smallest and largest values (`downsampled.low`,
 * `.high`), each in the same encoding with its own min and max.
 *
 * @example
 * encodeMap({ label: '', height: 1, width: 3, values: Float32Array.of(0, 5, 10) }, 'u8-base64').data;
 * // 'AID/'  (bytes 0, 128, 255)
 */
export function encodeMap(map: MapValues, encoding: FeatureMap['encoding']): FeatureMap {
  const encoded: FeatureMap = { label: map.label, height: map.height, width: map.width, ...encodeValues(map.values, encoding) };
  const blocks = map.downsampled;
  if (!blocks) return encoded;
  const { factor, sourceHeight, sourceWidth } = blocks;
  const downsampled: Downsampling = {
    factor,
    sourceHeight,
    sourceWidth,
    low: encodeValues(blocks.low, encoding),
    high: encodeValues(blocks.high, encoding),
  };
  return { ...encoded, downsampled };
}

/** Values in one encoding, with the range they are quantized against. */
function encodeValues(values: Float32Array, encoding: MapData['encoding']): MapData {
  const [min, max] = valueRange(values);
  let bytes: Buffer;
  if (encoding === 'f32-base64') {
    // Copy: `values` may be a view into a larger tensor, and Buffer.from(view.buffer) would take all of it.
    bytes = Buffer.from(Float32Array.from(values).buffer);
  } else {
    const span = max - min;
    const perUnit = span > 0 ? 255 / span : 0;
    bytes = Buffer.alloc(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      // round((v − min) / span · 255); a non-finite value has no place on the scale: drawn as the minimum (0).
      // Rounding can push the top value past 255, and a Buffer wraps rather than clamps: hence the min.
      if (v - v === 0) bytes[i] = Math.min(255, Math.floor((v - min) * perUnit + 0.5));
    }
  }
  return { encoding, data: bytes.toString('base64'), min, max };
}

/**
 * Shrinks a map by `factor` on each axis, each new cell the mean of its (up to) `factor × factor` block;
 * sizes round up, so no edge row is lost. The same pass keeps each block's smallest and largest value
 * (`downsampled.low`, `.high`), so the view can say what range a mean stands for. Non-finite values are left
 * out; a block without a finite value is NaN in all three. With `keepRanges` false (a picture's cells), the means
 * alone, without `downsampled`.
 *
 * @example
 * const small = downsampleMap({ label: '', height: 2, width: 2, values: Float32Array.of(1, 2, 3, 4) }, 2);
 * small.values;              // Float32Array [2.5]
 * small.downsampled?.low;    // Float32Array [1]
 * small.downsampled?.high;   // Float32Array [4]
 */
export function downsampleMap(map: MapValues, factor: number, keepRanges = true): MapValues {
  if (factor <= 1) return map;
  const height = Math.ceil(map.height / factor);
  const width = Math.ceil(map.width / factor);
  const cells = height * width;
  const values = new Float32Array(cells);
  const low = new Float32Array(keepRanges ? cells : 0);
  const high = new Float32Array(keepRanges ? cells : 0);
  const ranges = { factor, sourceHeight: map.height, sourceWidth: map.width, low, high };
  // No cells: nothing to visit, however long the other axis.
  if (cells === 0) return keepRanges ? { label: map.label, height, width, values, downsampled: ranges } : { label: map.label, height, width, values };
  const source = map.values;
  const columns = map.width;
  // Block by block, each block's values row by row: the sum takes them in the same order as a value-by-value
  // loop, so the means are the same to the bit. Math.min/max rather than branches: on noise, which value is the
  // lowest so far is unpredictable, and a mispredicted branch per value cost more than the rest of the loop.
  for (let blockRow = 0; blockRow < height; blockRow++) {
    const rowEnd = Math.min(map.height, (blockRow + 1) * factor);
    for (let block = 0; block < width; block++) {
      const columnEnd = Math.min(columns, (block + 1) * factor);
      let sum = 0;
      let count = 0;
      let lowest = Infinity;
      let highest = -Infinity;
      for (let r = blockRow * factor; r < rowEnd; r++) {
        const row = r * columns;
        for (let c = block * factor; c < columnEnd; c++) {
          const v = source[row + c]!;
          // v − v is 0 for a finite v, NaN for NaN and ±Infinity: those are left out.
          if (v - v !== 0) continue;
          sum += v;
          count++;
          if (keepRanges) {
            lowest = Math.min(lowest, v);
            highest = Math.max(highest, v);
          }
        }
      }
      const cell = blockRow * width + block;
      values[cell] = count ? sum / count : NaN;
      if (keepRanges) {
        low[cell] = count ? lowest : NaN;
        high[cell] = count ? highest : NaN;
      }
    }
  }
  if (!keepRanges) return { label: map.label, height, width, values };
  return { label: map.label, height, width, values, downsampled: ranges };
}
