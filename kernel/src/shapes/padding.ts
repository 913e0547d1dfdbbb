/**
 * Where a padded cell reads from: the index tables of every padding mode, shared by pad, the convolutions
 * (their `paddingMode`) and the pools, so no backend recomputes a source index.
 */
import { padSource } from '@convlab/protocol';
import { fail } from '../errors';
import { checkAllocation, checkFinite, checkTableAllocation } from './checks';
import type { AxisInfo, ConvInfo, PadAxis, PadMode, PadPair, Shape, Shapes, WindowInfo } from './types';

// Where one padded cell reads from is the payload contract's rule too (the extension names a padding cell's
// source by it): it lives there, and is part of this module's API.
export { padSource };

/** The pad modes, in the order of {@link PadMode}'s doc comment. */
export const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'symmetric', 'replicate', 'circular'];

/**
 * The source index of every (output position, kernel tap) pair of one axis: entry `o·k + j` is the input
 * cell that output `o` reads with tap `j`, or `-1` where it reads the constant pad value. Backends read
 * these tables instead of re-deriving `o·s + j·d − pL`.
 *
 * @example
 * Array.from(axisTaps(outputSize(3, 2, { padBefore: 1 }), 'constant')); // [-1, 0, 0, 1, 1, 2]
 */
export function axisTaps(axis: AxisInfo, mode: PadMode): Int32Array {
  const taps = new Int32Array(axis.outSize * axis.kernel);
  for (let o = 0; o < axis.outSize; o++) {
    for (let j = 0; j < axis.kernel; j++) {
      taps[o * axis.kernel + j] = padSource(
        o * axis.stride + j * axis.dilation - axis.padBefore,
        axis.inSize,
        mode,
      );
    }
  }
  return taps;
}

/**
 * Joins per-axis index tables into one: entry `p·K + q` (p over positions, q over kernel taps, both row-major
 * over the axes) is the row-major index into a plane of `planeSizes`, or `-1` if any axis says `-1`.
 * Building it axis by axis keeps each step a plain 2-D loop (Horner's rule on the plane index).
 */
function combineAxes(
  tables: readonly Int32Array[],
  positions: readonly number[],
  kernels: readonly number[],
  planeSizes: readonly number[],
): Int32Array {
  let combined = Int32Array.of(0);
  let [P, K] = [1, 1];
  tables.forEach((table, a) => {
    const [n, k, size] = [positions[a]!, kernels[a]!, planeSizes[a]!];
    const next = new Int32Array(P * n * K * k);
    for (let p = 0; p < P; p++) {
      for (let i = 0; i < n; i++) {
        for (let q = 0; q < K; q++) {
          for (let j = 0; j < k; j++) {
            const [before, t] = [combined[p * K + q]!, table[i * k + j]!];
            next[(p * n + i) * K * k + q * k + j] = before < 0 || t < 0 ? -1 : before * size + t;
          }
        }
      }
    }
    [combined, P, K] = [next, P * n, K * k];
  });
  return combined;
}

/**
 * The gather table of a sliding-window op, shared by all channels: entry `p·K + q` is the index into one
 * input channel plane that output position `p` reads with kernel tap `q` (`K = Πkernel`, both row-major),
 * or `-1` where it reads the constant pad value. im2col is exactly this table applied to each channel.
 *
 * @example
 * Array.from(windowSources(windowInfo('conv1d', [3], [2], { padding: 1 }))); // [-1, 0, 0, 1, 1, 2, 2, -1]
 */
export function windowSources(info: WindowInfo): Int32Array {
  const { axes } = info;
  const entries = axes.reduce((n, a) => n * a.outSize * a.kernel, 1);
  checkTableAllocation(info.op, 'input', entries, 'the window table (output positions × kernel taps)');
  // No entries: build no per-axis table either (one axis's table can be long while another axis is empty).
  if (entries === 0) return new Int32Array(0);
  return combineAxes(
    axes.map((a) => axisTaps(a, info.padMode)),
    axes.map((a) => a.outSize),
    axes.map((a) => a.kernel),
    axes.map((a) => a.inSize),
  );
}

/**
 * The scatter table of a transposed convolution: entry `p·K + q` is the output-plane index that input
 * position `p` adds to with kernel tap `q` (`i·s + j·d − pL` per axis), or `-1` where that lands in the
 * cropped padding.
 *
 * @example
 * Array.from(transposedTargets(convTransposeInfo('convTranspose1d', [1, 1, 2], [1, 1, 2], { stride: 2, padding: 1 })));
 * // [-1, 0, 1, -1]  (output length (2 − 1)·2 − 1 − 1 + 1 + 1 = 2; the last tap lands in the cropped end)
 */
export function transposedTargets(info: ConvInfo): Int32Array {
  const { axes } = info;
  const entries = axes.reduce((n, a) => n * a.inSize * a.kernel, 1);
  checkTableAllocation(info.op, 'input', entries, 'the scatter table (input positions × kernel taps)');
  // No entries: build no per-axis table either (one axis's table can be long while another axis is empty).
  if (entries === 0) return new Int32Array(0);
  const tables = axes.map((a) => {
    const table = new Int32Array(a.inSize * a.kernel);
    for (let i = 0; i < a.inSize; i++) {
      for (let j = 0; j < a.kernel; j++) {
        const t = i * a.stride + j * a.dilation - a.padBefore;
        table[i * a.kernel + j] = t >= 0 && t < a.outSize ? t : -1;
      }
    }
    return table;
  });
  return combineAxes(
    tables,
    axes.map((a) => a.inSize),
    axes.map((a) => a.kernel),
    axes.map((a) => a.outSize),
  );
}

/**
 * Validates a pad mode, accepting PyTorch's `'zeros'` for `'constant'`.
 *
 * @example
 * resolvePadMode('conv2d', 'options.paddingMode', 'zeros'); // 'constant'
 */
export function resolvePadMode(op: string, arg: string, mode: unknown): PadMode {
  if (mode === undefined || mode === 'zeros') return 'constant';
  if (!PAD_MODES.includes(mode as PadMode)) {
    fail({
      op,
      arg,
      expected: `one of ${PAD_MODES.map((m) => `'${m}'`).join(', ')} (or 'zeros')`,
      actual: JSON.stringify(mode) ?? String(mode),
      hint: "NumPy's 'edge' is 'replicate' and 'wrap' is 'circular'",
    });
  }
  return mode as PadMode;
}

function checkWidth(op: string, arg: string, width: number, shapes: Shapes): void {
  checkFinite(op, arg, width, shapes);
  if (!Number.isInteger(width)) {
    fail({ op, arg, expected: 'an integer (negative crops)', actual: String(width), shapes });
  }
}

/**
 * Resolves `pad`'s widths against a shape. A number pads every *spatial* axis: the axes after batch and
 * channels (`[N, C, ...spatial]`) for rank ≥ 3, every axis for rank 1 and 2. A list of `[before, after]`
 * pairs covers the trailing axes, in axis order (NumPy's order, not PyTorch's last-axis-first). Negative
 * widths crop first (as PyTorch 2.13), then the cropped axis is padded. Refuses an output (or one axis's index
 * table) beyond the allocation limit before building any table.
 *
 * @example
 * padAxes('pad', [1, 1, 4], [[2, 3]], 'reflect')[2].source; // Int32Array [2, 1, 0, 1, 2, 3, 2, 1, 0]
 */
export function padAxes(
  op: string,
  shape: Shape,
  widths: number | readonly PadPair[],
  mode: PadMode,
): PadAxis[] {
  const shapes = { input: shape };
  const spatialFrom = typeof widths === 'number' ? (shape.length >= 3 ? 2 : 0) : shape.length - widths.length;
  if (typeof widths === 'number') {
    checkWidth(op, 'widths', widths, shapes);
  } else if (
    !Array.isArray(widths) ||
    spatialFrom < 0 ||
    widths.some((w) => !Array.isArray(w) || w.length !== 2)
  ) {
    fail({
      op,
      arg: 'widths',
      expected: `a number or at most ${shape.length} [before, after] pairs (one per trailing axis)`,
      actual: JSON.stringify(widths) ?? String(widths),
      shapes,
      hint: 'e.g. [[1, 1], [2, 2]] pads the last two axes; [[2, 3]] pads only the last one',
    });
  }
  const geometry = shape.map((inSize, axis) => {
    const [before, after] =
      axis < spatialFrom
        ? [0, 0]
        : typeof widths === 'number'
          ? [widths, widths]
          : (widths[axis - spatialFrom] ?? [0, 0]);
    checkWidth(op, `widths[${axis - spatialFrom}]`, before, shapes);
    checkWidth(op, `widths[${axis - spatialFrom}]`, after, shapes);
    const [cropBefore, cropAfter] = [Math.max(0, -before), Math.max(0, -after)];
    const kept = inSize - cropBefore - cropAfter;
    const [padBefore, padAfter] = [Math.max(0, before), Math.max(0, after)];
    if (kept < 0 || (mode !== 'constant' && kept === 0 && padBefore + padAfter > 0)) {
      fail({
        op,
        arg: 'widths',
        expected:
          kept < 0
            ? `crops of at most ${inSize} cells in total on axis ${axis}`
            : `a non-empty axis ${axis} to copy from in '${mode}' mode`,
        actual: `[${before}, ${after}]`,
        shapes,
        hint:
          kept < 0
            ? 'negative widths crop; they cannot remove more than the axis has'
            : "use mode 'constant'",
      });
    }
    return { before, after, inSize, outSize: kept + padBefore + padAfter, kept, cropBefore, padBefore };
  });
  // Sizes first, then the limit, then the tables: each table is as long as its output axis, even when
  // another axis is empty and the output holds no values.
  checkAllocation(op, geometry.map((g) => g.outSize), shapes);
  geometry.forEach((g, axis) => checkTableAllocation(op, 'widths', g.outSize, `the index table of axis ${axis}`, shapes));
  return geometry.map(({ before, after, inSize, outSize, kept, cropBefore, padBefore }) => {
    const source = new Int32Array(outSize);
    for (let i = 0; i < outSize; i++) {
      const t = padSource(i - padBefore, kept, mode);
      source[i] = t < 0 ? -1 : t + cropBefore;
    }
    return { before, after, inSize, outSize, source };
  });
}
