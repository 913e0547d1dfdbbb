/**
 * Shape arithmetic for convolution, padding and the tensor constructors, pure and public: every op and every
 * backend reads the records built here, and every shape or option error is raised here, so all backends fail
 * with the same words.
 *
 * Per spatial axis, with input length `L`, kernel `k`, stride `s`, dilation `d` and pads `pL`, `pR`:
 * effective kernel `kE = d·(k−1)+1` and output `floor((L + pL + pR − kE) / s) + 1` (PyTorch, ONNX; the floor
 * drops a last window that would not fit, which is why 6×6 with a 3×3 kernel at stride 2 gives 2×2, not 3×3).
 */
import { fail, formatShape } from './errors';
import type { Shape } from './tensor';
import type { FeatureMapWindow } from '../../extension/src/schema';

type Shapes = Readonly<Record<string, readonly number[]>>;

/**
 * How cells outside the input are filled (conv-semantics §2.1, x = [1,2,3,4] padded by (2,3)):
 * - `'constant'`:  `0 0 | 1 2 3 4 | 0 0 0` (the value is `padValue` / `value`, default 0)
 * - `'reflect'`:   `3 2 | 1 2 3 4 | 3 2 1` (mirror about the edge element, which appears once; NumPy `reflect`)
 * - `'symmetric'`: `2 1 | 1 2 3 4 | 4 3 2` (mirror about the array edge, edge element repeated; NumPy `symmetric`)
 * - `'replicate'`: `1 1 | 1 2 3 4 | 4 4 4` (repeat the edge; NumPy `edge`)
 * - `'circular'`:  `3 4 | 1 2 3 4 | 1 2 3` (periodic; NumPy `wrap`)
 *
 * Pads longer than the axis keep reflecting or wrapping, as NumPy does (PyTorch refuses them).
 */
export type PadMode = 'constant' | 'reflect' | 'symmetric' | 'replicate' | 'circular';

/** The pad modes, in the order of {@link PadMode}'s doc comment. */
export const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'symmetric', 'replicate', 'circular'];

/** Pads of one axis: cells added before index 0 and after the last index. */
export type PadPair = readonly [before: number, after: number];

/**
 * Named paddings, per spatial axis with effective kernel `kE = d·(k−1)+1` and stride `s`:
 * - `'valid'`: no padding.
 * - `'same'`: output length `ceil(L / s)` for any stride; total pad `max(0, (ceil(L/s)−1)·s + kE − L)`, an odd
 *   total puts the extra cell at the **end** (TF, Keras, ONNX SAME_UPPER, and PyTorch for stride 1).
 * - `'same_lower'`: the same total with the extra cell at the **start** (ONNX SAME_LOWER).
 * - `'full'`: `kE − 1` on both sides, every window that touches the input (SciPy/NumPy `'full'`).
 * - `'causal'`: 1-D only: `kE − 1` before, 0 after, so output `t` reads inputs `≤ t` (Keras Conv1D). Rejected for
 *   2-D and 3-D, as Keras does: which axes are "time" is ambiguous there; write the pairs explicitly.
 */
export type PaddingKind = 'valid' | 'same' | 'same_lower' | 'full' | 'causal';

/**
 * A padding spec: a number (both sides of every spatial axis), one number per spatial axis (both sides),
 * one `[before, after]` pair per spatial axis, or a {@link PaddingKind}.
 */
export type Padding = number | readonly number[] | readonly PadPair[] | PaddingKind;

/** Options of every sliding-window op (convolutions, im2col). */
export interface WindowOptions {
  /** Step between windows: one number for every spatial axis, or one per axis. Default 1. */
  stride?: number | readonly number[];
  /** See {@link Padding}. Default 0. */
  padding?: Padding;
  /** Spacing between kernel taps: one number or one per axis. Default 1. */
  dilation?: number | readonly number[];
  /**
   * How the padding is filled: any {@link PadMode} (`'zeros'` is PyTorch's name for constant 0). Same result as
   * `pad(x, pads, { mode })` followed by an unpadded op, as PyTorch's `padding_mode`. Default `'constant'`.
   */
  paddingMode?: PadMode | 'zeros';
  /** The fill value of `'constant'` padding. Default 0. */
  padValue?: number;
}

/** Options shared by the convolutions. */
export interface ConvOptions extends WindowOptions {
  /** Channel groups: input and output channels are split into `groups` independent convolutions. Default 1. */
  groups?: number;
}

/** Output size and padding of one spatial axis. */
export interface AxisInfo {
  inSize: number;
  kernel: number;
  stride: number;
  dilation: number;
  /** `d·(k−1)+1`: the span of input the kernel touches. */
  effectiveKernel: number;
  padBefore: number;
  padAfter: number;
  /** Transposed convolutions only: extra cells at the end of the output (`< max(stride, dilation)`). */
  outputPadding?: number;
  outSize: number;
  /** The output-size formula with this axis' numbers filled in, e.g. `floor((4 + 0 + 0 − 3) / 1) + 1 = 2`. */
  formula: string;
}

/** The spatial part of a sliding-window op: one {@link AxisInfo} per axis, and how padding is filled. */
export interface WindowInfo {
  op: string;
  /** One entry per spatial axis (depth, height, width order). */
  axes: readonly AxisInfo[];
  padMode: PadMode;
  padValue: number;
}

/** Everything a backend needs to run a convolution: the flat record all backends read. */
export interface ConvInfo extends WindowInfo {
  batch: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  inShape: Shape;
  weightShape: Shape;
  outShape: Shape;
}

/** Row-major strides of a shape: `[W·H, W, 1]` for `[C, H, W]`. */
export function rowMajorStrides(shape: Shape): number[] {
  const strides = Array<number>(shape.length).fill(1);
  for (let axis = shape.length - 2; axis >= 0; axis--)
    strides[axis] = (strides[axis + 1] ?? 1) * (shape[axis + 1] ?? 1);
  return strides;
}

// ---------------------------------------------------------------------------------------------------------
// Validation of numbers, shapes and allocations

const NON_FINITE_HINT = 'NaN or Infinity usually comes from a division by zero or an undefined size';

/**
 * Checks that `value` is finite, then an integer ≥ `min` (sizes, strides, dilations, pads, groups).
 *
 * @example
 * checkCount('conv2d', 'options.stride', 0, 1); // throws "conv2d: options.stride expected an integer ≥ 1, got 0"
 */
export function checkCount(op: string, arg: string, value: number, min: number, shapes?: Shapes): void {
  checkFinite(op, arg, value, shapes);
  if (!Number.isInteger(value) || value < min) {
    fail({
      op,
      arg,
      expected: `an integer ≥ ${min}`,
      actual: String(value),
      ...(shapes ? { shapes } : {}),
      hint: `${arg.replace('options.', '')} counts cells, e.g. ${Math.max(min, 1)} or ${Math.max(min, 1) + 1}`,
    });
  }
}

/**
 * Checks that `value` is a finite number (not NaN, not ±Infinity).
 *
 * @example
 * checkFinite('pad', 'options.value', NaN); // throws "pad: options.value expected a finite number, got NaN; hint: …"
 */
export function checkFinite(op: string, arg: string, value: unknown, shapes?: Shapes): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail({
      op,
      arg,
      expected: 'a finite number',
      actual: typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value)),
      ...(shapes ? { shapes } : {}),
      hint: NON_FINITE_HINT,
    });
  }
}

/**
 * Validates a shape: every size a finite non-negative integer.
 *
 * @example
 * checkShape('zeros', 'shape', [2, NaN]); // throws "zeros: shape expected finite non-negative integer sizes, got NaN at axis 1 of [2,NaN]"
 */
export function checkShape(op: string, arg: string, shape: Shape): void {
  shape.forEach((size, axis) => {
    if (!Number.isInteger(size) || size < 0) {
      fail({
        op,
        arg,
        expected: 'finite non-negative integer sizes',
        actual: `${String(size)} at axis ${axis} of [${shape.join(',')}]`,
        hint: Number.isFinite(size) ? 'sizes are counts of elements, e.g. [1, 3, 28, 28]' : NON_FINITE_HINT,
      });
    }
  });
}

const DEFAULT_ALLOCATION_LIMIT = 2 ** 31;
let allocationLimitBytes = DEFAULT_ALLOCATION_LIMIT;

/**
 * Sets the largest tensor, in bytes, an op may allocate (default 2 GiB = 2 ** 31); returns the previous limit.
 * Ops check it before taking any memory, so a typo such as `zeros([100000, 100000])` fails at once instead of
 * taking the kernel down.
 *
 * @example
 * setAllocationLimit(1024); // 2147483648 (the previous limit)
 * zeros([1000]);            // throws "zeros: shape expected at most 1024 bytes (256 float32 values) …"
 */
export function setAllocationLimit(bytes: number): number {
  checkCount('setAllocationLimit', 'bytes', bytes, 0);
  const previous = allocationLimitBytes;
  allocationLimitBytes = bytes;
  return previous;
}

/** The current allocation limit in bytes. @example allocationLimit(); // 2147483648 */
export function allocationLimit(): number {
  return allocationLimitBytes;
}

/**
 * Refuses a float32 allocation of `shape` beyond the limit; called by every op before it allocates.
 *
 * @example
 * checkAllocation('zeros', [2, 3]); // passes: 24 bytes
 */
export function checkAllocation(op: string, shape: Shape, shapes?: Shapes): void {
  const count = shape.reduce((product, size) => product * size, 1);
  const bytes = count * Float32Array.BYTES_PER_ELEMENT;
  if (bytes > allocationLimitBytes) {
    fail({
      op,
      arg: 'shape',
      expected: `at most ${allocationLimitBytes} bytes (${allocationLimitBytes / 4} float32 values)`,
      actual: `${formatShape(shape)} = ${count} values = ${bytes} bytes`,
      ...(shapes ? { shapes } : {}),
      hint: 'make the tensor smaller, or raise the limit with setAllocationLimit(bytes)',
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Padding: where a padded cell reads from

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
  checkAllocation(info.op, [axes.reduce((n, a) => n * a.outSize * a.kernel, 1)]);
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
  checkAllocation(info.op, [axes.reduce((n, a) => n * a.inSize * a.kernel, 1)]);
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

/** One axis of a `pad` call: the widths as given, and what the output axis reads. */
export interface PadAxis {
  /** Cells added before (negative: cropped from the start). */
  before: number;
  /** Cells added after (negative: cropped from the end). */
  after: number;
  inSize: number;
  /** `inSize + before + after`. */
  outSize: number;
  /** For each output cell, the input cell it copies, or `-1` for the constant value. */
  source: Int32Array;
}

/**
 * Resolves `pad`'s widths against a shape. A number pads every *spatial* axis: the axes after batch and
 * channels (`[N, C, ...spatial]`) for rank ≥ 3, every axis for rank 1 and 2. A list of `[before, after]`
 * pairs covers the trailing axes, in axis order (NumPy's order, not PyTorch's last-axis-first). Negative
 * widths crop first (as PyTorch 2.13), then the cropped axis is padded.
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
  return shape.map((inSize, axis) => {
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
    const outSize = kept + padBefore + padAfter;
    const source = new Int32Array(outSize);
    for (let i = 0; i < outSize; i++) {
      const t = padSource(i - padBefore, kept, mode);
      source[i] = t < 0 ? -1 : t + cropBefore;
    }
    return { before, after, inSize, outSize, source };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Output sizes

/**
 * Output size of one axis: `floor((L + pL + pR − kE) / s) + 1`, with the formula written out.
 *
 * @example
 * outputSize(6, 3, { stride: 2 }).outSize; // 2  (floor((6 + 0 + 0 − 3) / 2) + 1 = floor(1.5) + 1)
 * outputSize(6, 3, { stride: 2 }).formula; // 'floor((6 + 0 + 0 − 3) / 2) + 1 = 2'
 */
export function outputSize(
  inSize: number,
  kernel: number,
  options: { stride?: number; dilation?: number; padBefore?: number; padAfter?: number } = {},
): AxisInfo {
  const { stride = 1, dilation = 1, padBefore = 0, padAfter = 0 } = options;
  const op = 'outputSize';
  checkCount(op, 'inSize', inSize, 0);
  checkCount(op, 'kernel', kernel, 1);
  checkCount(op, 'options.stride', stride, 1);
  checkCount(op, 'options.dilation', dilation, 1);
  checkCount(op, 'options.padBefore', padBefore, 0);
  checkCount(op, 'options.padAfter', padAfter, 0);
  const effectiveKernel = dilation * (kernel - 1) + 1;
  const span = inSize + padBefore + padAfter - effectiveKernel;
  const outSize = span < 0 ? 0 : Math.floor(span / stride) + 1;
  const kernelText = dilation === 1 ? `${kernel}` : `${effectiveKernel}`;
  const formula =
    `floor((${inSize} + ${padBefore} + ${padAfter} − ${kernelText}) / ${stride}) + 1 = ${outSize}` +
    (dilation === 1 ? '' : ` (effective kernel ${dilation}·(${kernel}−1)+1 = ${effectiveKernel})`);
  return { inSize, kernel, stride, dilation, effectiveKernel, padBefore, padAfter, outSize, formula };
}

/**
 * Output size of one axis of a transposed convolution (conv-semantics §1.7):
 * `(L − 1)·s − pL − pR + d·(k − 1) + outputPadding + 1`.
 *
 * @example
 * transposedOutputSize(3, 3, { stride: 2 }).outSize; // 7
 * transposedOutputSize(3, 3, { stride: 2 }).formula; // '(3 − 1)·2 − 0 − 0 + 1·(3 − 1) + 0 + 1 = 7'
 */
export function transposedOutputSize(
  inSize: number,
  kernel: number,
  options: {
    stride?: number;
    dilation?: number;
    padBefore?: number;
    padAfter?: number;
    outputPadding?: number;
  } = {},
): AxisInfo {
  const { stride = 1, dilation = 1, padBefore = 0, padAfter = 0, outputPadding = 0 } = options;
  // The forward record validates the shared numbers; the transposed size replaces its output.
  const forward = outputSize(inSize, kernel, { stride, dilation, padBefore, padAfter });
  checkCount('transposedOutputSize', 'options.outputPadding', outputPadding, 0);
  const outSize = (inSize - 1) * stride - padBefore - padAfter + forward.effectiveKernel + outputPadding;
  const formula =
    `(${inSize} − 1)·${stride} − ${padBefore} − ${padAfter} + ${dilation}·(${kernel} − 1) + ${outputPadding} + 1` +
    ` = ${outSize}`;
  return { ...forward, outputPadding, outSize, formula };
}

function perAxis(
  op: string,
  arg: string,
  value: number | readonly number[],
  n: number,
  min: number,
  shapes: Shapes,
): number[] {
  const values = typeof value === 'number' ? Array<number>(n).fill(value) : [...value];
  if (!Array.isArray(value) && typeof value !== 'number') {
    fail({
      op,
      arg,
      expected: `a number or ${n} numbers`,
      actual: JSON.stringify(value) ?? String(value),
      shapes,
    });
  }
  if (values.length !== n) {
    fail({
      op,
      arg,
      expected: `one number or ${n} numbers (one per spatial axis)`,
      actual: `${values.length} numbers [${values.join(',')}]`,
      shapes,
    });
  }
  values.forEach((v) => checkCount(op, arg, v, min, shapes));
  return values;
}

function namedPads(
  op: string,
  kind: PaddingKind,
  n: number,
  sizes: number[],
  kernels: number[],
  strides: number[],
  dilations: number[],
  shapes: Shapes,
): [number, number][] {
  if (kind === 'causal' && n !== 1) {
    fail({
      op,
      arg: 'options.padding',
      expected: "'causal' only for 1-D convolutions (left pad d·(k−1))",
      actual: `'causal' with ${n} spatial axes`,
      shapes,
      hint: `write the pads explicitly, e.g. [${kernels.map((k) => `[${k - 1}, 0]`).join(', ')}] for causal on every axis`,
    });
  }
  return kernels.map((k, i) => {
    const s = strides[i] ?? 1;
    const effectiveKernel = (dilations[i] ?? 1) * (k - 1) + 1;
    const size = sizes[i] ?? 0;
    switch (kind) {
      case 'valid':
        return [0, 0];
      case 'full':
        return [effectiveKernel - 1, effectiveKernel - 1];
      case 'causal':
        return [effectiveKernel - 1, 0];
      case 'same':
      case 'same_lower': {
        const total = Math.max(0, (Math.ceil(size / s) - 1) * s + effectiveKernel - size);
        const small = Math.floor(total / 2);
        return kind === 'same' ? [small, total - small] : [total - small, small];
      }
    }
  });
}

const PADDING_KINDS: readonly PaddingKind[] = ['valid', 'same', 'same_lower', 'full', 'causal'];

/**
 * The `[before, after]` pads of every spatial axis from a {@link Padding} spec.
 *
 * @example
 * resolvePadding('conv1d', 'same', [6], [2], [1], [1]); // [[0, 1]]
 */
export function resolvePadding(
  op: string,
  padding: Padding,
  sizes: number[],
  kernels: number[],
  strides: number[],
  dilations: number[],
  shapes: Shapes = {},
): [number, number][] {
  const n = sizes.length;
  if (typeof padding === 'string') {
    if (!PADDING_KINDS.includes(padding)) {
      fail({
        op,
        arg: 'options.padding',
        expected: `a number, numbers, [before, after] pairs or one of ${PADDING_KINDS.map((k) => `'${k}'`).join(', ')}`,
        actual: `'${padding}'`,
        shapes,
      });
    }
    return namedPads(op, padding, n, sizes, kernels, strides, dilations, shapes);
  }
  if (
    typeof padding === 'number' ||
    (Array.isArray(padding) && padding.every((p) => typeof p === 'number'))
  ) {
    return perAxis(op, 'options.padding', padding as number | readonly number[], n, 0, shapes).map((p) => [
      p,
      p,
    ]);
  }
  const pairs = padding as readonly PadPair[];
  if (!Array.isArray(pairs) || pairs.length !== n || pairs.some((p) => !Array.isArray(p) || p.length !== 2)) {
    fail({
      op,
      arg: 'options.padding',
      expected: `${n} [before, after] pairs (one per spatial axis)`,
      actual: JSON.stringify(padding) ?? String(padding),
      shapes,
      hint: `e.g. ${JSON.stringify(Array(n).fill([0, 1]))} for one extra cell at the end of each axis, or 'same'`,
    });
  }
  return pairs.map(([before, after]) => {
    perAxis(op, 'options.padding', [before, after], 2, 0, shapes);
    return [before, after];
  });
}


/** Rejects a window larger than the padded input (PyTorch's policy; tfjs would return an empty output). */
function checkKernelFits(
  op: string,
  arg: string,
  axis: AxisInfo,
  i: number,
  kernels: readonly number[],
  shapes: Shapes,
  hint: string,
): void {
  const padded = axis.inSize + axis.padBefore + axis.padAfter;
  if (axis.effectiveKernel > padded) {
    fail({
      op,
      arg,
      expected: `an effective kernel (${axis.effectiveKernel}) no larger than the padded input (${axis.inSize} + ${axis.padBefore} + ${axis.padAfter} = ${padded}) on spatial axis ${i}`,
      actual: `kernel ${formatShape(kernels)}`,
      shapes,
      hint,
    });
  }
}

/**
 * The spatial record of a sliding-window op: validated strides, dilations and pads, and the output size of
 * each axis. Rejects a kernel larger than the padded input (PyTorch's policy; tfjs returns an empty tensor).
 *
 * @param sizes input sizes of the spatial axes, e.g. `[height, width]`
 * @param kernels kernel sizes of the same axes
 * @example
 * windowInfo('conv2d', [6, 6], [3, 3], { stride: 2 }).axes.map((a) => a.outSize); // [2, 2]
 */
export function windowInfo(
  op: string,
  sizes: number[],
  kernels: number[],
  options: WindowOptions,
  shapes: Shapes = {},
): WindowInfo {
  const n = sizes.length;
  kernels.forEach((k) => checkCount(op, 'kernel size', k, 1, shapes));
  const strides = perAxis(op, 'options.stride', options.stride ?? 1, n, 1, shapes);
  const dilations = perAxis(op, 'options.dilation', options.dilation ?? 1, n, 1, shapes);
  const pads = resolvePadding(op, options.padding ?? 0, sizes, kernels, strides, dilations, shapes);
  const padMode = resolvePadMode(op, 'options.paddingMode', options.paddingMode);
  const padValue = options.padValue ?? 0;
  checkFinite(op, 'options.padValue', padValue, shapes);
  const axes = sizes.map((inSize, i) => {
    const [padBefore, padAfter] = pads[i] ?? [0, 0];
    const axis = outputSize(inSize, kernels[i] ?? 1, {
      stride: strides[i],
      dilation: dilations[i],
      padBefore,
      padAfter,
    });
    checkKernelFits(op, 'weight', axis, i, kernels, shapes, "pad the input (e.g. padding: 'same') or use a smaller kernel");
    if (padMode !== 'constant' && inSize === 0 && padBefore + padAfter > 0) {
      fail({
        op,
        arg: 'options.paddingMode',
        expected: `'constant' padding for an empty axis (${padMode} has nothing to copy)`,
        actual: `'${padMode}' on spatial axis ${i} of size 0`,
        shapes,
      });
    }
    return axis;
  });
  return { op, axes, padMode, padValue };
}

/**
 * Checks a tensor's rank against the layouts an op accepts.
 *
 * @example
 * checkRank('conv1d', 'input', [3, 8], [2, 3], '[batch, channels, length] or [channels, length]'); // passes
 */
export function checkRank(
  op: string,
  arg: string,
  shape: Shape,
  ranks: readonly number[],
  layout: string,
): void {
  if (!ranks.includes(shape.length)) {
    fail({
      op,
      arg,
      expected: `rank ${ranks.join(' or ')} (${layout})`,
      actual: `rank ${shape.length}`,
      shapes: { [arg]: shape },
      hint: 'reshape it, e.g. x.reshape([1, 1, height, width]) for a single-channel image',
    });
  }
}

function checkGroupsDivide(
  op: string,
  which: string,
  channels: number,
  groups: number,
  shapes: Shapes,
): void {
  checkCount(op, 'options.groups', groups, 1, shapes);
  if (channels % groups !== 0) {
    fail({
      op,
      arg: 'options.groups',
      expected: `a divisor of ${which} channels (${channels})`,
      actual: String(groups),
      shapes,
      hint: 'each group convolves inChannels/groups input channels into outChannels/groups outputs',
    });
  }
}

/**
 * Shape info of a convolution with `n = inShape.length − 2` spatial axes.
 *
 * @param inShape input `[batch, inChannels, ...spatial]` (NCL, NCHW, NCDHW)
 * @param weightShape weight `[outChannels, inChannels / groups, ...kernel]` (OIL, OIHW, OIDHW)
 * @example
 * convInfo('conv2d', [1, 1, 4, 4], [1, 1, 3, 3], {}).outShape;                   // [1, 1, 2, 2]
 * convInfo('conv2d', [1, 1, 4, 4], [1, 1, 3, 3], {}).axes[0].formula;           // 'floor((4 + 0 + 0 − 3) / 1) + 1 = 2'
 * convInfo('conv1d', [1, 1, 6], [1, 1, 2], { padding: 'same' }).axes[0].padAfter; // 1
 */
export function convInfo(op: string, inShape: Shape, weightShape: Shape, options: ConvOptions): ConvInfo {
  const shapes = { input: inShape, weight: weightShape };
  if (weightShape.length !== inShape.length) {
    fail({
      op,
      arg: 'weight',
      expected: `rank ${inShape.length} [outChannels, inChannels/groups, ...kernel] to match the input`,
      actual: `rank ${weightShape.length}`,
      shapes,
    });
  }
  const [batch = 0, inChannels = 0, ...inSizes] = inShape;
  const [outChannels = 0, weightInChannels = 0, ...kernels] = weightShape;
  const groups = options.groups ?? 1;
  checkGroupsDivide(op, 'input', inChannels, groups, shapes);
  checkGroupsDivide(op, 'output', outChannels, groups, shapes);
  if (weightInChannels * groups !== inChannels) {
    fail({
      op,
      arg: 'weight',
      expected: `${inChannels / groups} input channels per group (input has ${inChannels}, groups ${groups})`,
      actual: `${weightInChannels} (weight axis 1)`,
      shapes,
      hint: 'weight is [outChannels, inChannels/groups, ...kernel]',
    });
  }
  const window = windowInfo(op, inSizes, kernels, options, shapes);
  const outShape = [batch, outChannels, ...window.axes.map((a) => a.outSize)];
  checkAllocation(op, outShape, shapes);
  return { ...window, batch, inChannels, outChannels, groups, inShape, weightShape, outShape };
}

/** Options of the transposed convolutions. */
export interface ConvTransposeOptions {
  /** Step between input cells in the output: one number or one per axis. Default 1. */
  stride?: number | readonly number[];
  /**
   * Cells cropped from the full output: a number, one per axis, `[before, after]` pairs (ONNX's `pads`), or
   * `'valid'` (none). Default 0. Only zeros: PyTorch's ConvTranspose has no padding modes either.
   */
  padding?: number | readonly number[] | readonly PadPair[] | 'valid';
  /** Extra cells at the end of each output axis, `< max(stride, dilation)`. Default 0. */
  outputPadding?: number | readonly number[];
  /** Spacing between kernel taps: one number or one per axis. Default 1. */
  dilation?: number | readonly number[];
  /** Channel groups. Default 1. */
  groups?: number;
}

/**
 * Shape info of a transposed convolution (conv-semantics §1.7). The record has the same fields as
 * {@link convInfo}'s; `axes[i].inSize` is the input length and `outSize` the (larger) output length.
 *
 * @param inShape input `[batch, inChannels, ...spatial]`
 * @param weightShape weight `[inChannels, outChannels / groups, ...kernel]` (PyTorch's layout, in and out swapped)
 * @example
 * convTransposeInfo('convTranspose1d', [1, 1, 3], [1, 1, 3], { stride: 2 }).outShape; // [1, 1, 7]
 */
export function convTransposeInfo(
  op: string,
  inShape: Shape,
  weightShape: Shape,
  options: ConvTransposeOptions,
): ConvInfo {
  const shapes = { input: inShape, weight: weightShape };
  if (weightShape.length !== inShape.length) {
    fail({
      op,
      arg: 'weight',
      expected: `rank ${inShape.length} [inChannels, outChannels/groups, ...kernel] to match the input`,
      actual: `rank ${weightShape.length}`,
      shapes,
    });
  }
  const [batch = 0, inChannels = 0, ...inSizes] = inShape;
  const [weightInChannels = 0, outPerGroup = 0, ...kernels] = weightShape;
  const groups = options.groups ?? 1;
  if (weightInChannels !== inChannels) {
    fail({
      op,
      arg: 'weight',
      expected: `${inChannels} input channels on axis 0 (as the input has)`,
      actual: `${weightInChannels} (weight axis 0)`,
      shapes,
      hint: 'a transposed-conv weight is [inChannels, outChannels/groups, ...kernel], in and out swapped',
    });
  }
  checkGroupsDivide(op, 'input', inChannels, groups, shapes);
  const n = inSizes.length;
  kernels.forEach((k) => checkCount(op, 'kernel size', k, 1, shapes));
  const strides = perAxis(op, 'options.stride', options.stride ?? 1, n, 1, shapes);
  const dilations = perAxis(op, 'options.dilation', options.dilation ?? 1, n, 1, shapes);
  const outputPaddings = perAxis(op, 'options.outputPadding', options.outputPadding ?? 0, n, 0, shapes);
  const padding = options.padding ?? 0;
  if (typeof padding === 'string' && padding !== 'valid') {
    fail({
      op,
      arg: 'options.padding',
      expected: "a number, numbers, [before, after] pairs or 'valid'",
      actual: `'${String(padding)}'`,
      shapes,
      hint: "for TF's 'same' (output L·s) use padding [[p, q]] with p + q = d·(k−1) + 1 − s and the extra cell in q",
    });
  }
  const pads = resolvePadding(op, padding, inSizes, kernels, strides, dilations, shapes);
  const axes = inSizes.map((inSize, i) => {
    const [padBefore, padAfter] = pads[i] ?? [0, 0];
    const stride = strides[i] ?? 1;
    const dilation = dilations[i] ?? 1;
    const outputPadding = outputPaddings[i] ?? 0;
    if (outputPadding >= Math.max(stride, dilation)) {
      fail({
        op,
        arg: 'options.outputPadding',
        expected: `less than max(stride, dilation) = ${Math.max(stride, dilation)} on spatial axis ${i}`,
        actual: String(outputPadding),
        shapes,
        hint: 'outputPadding only picks among the input sizes a strided conv maps to the same output size',
      });
    }
    const axis = transposedOutputSize(inSize, kernels[i] ?? 1, {
      stride,
      dilation,
      padBefore,
      padAfter,
      outputPadding,
    });
    if (axis.outSize < 1) {
      fail({
        op,
        arg: 'options.padding',
        expected: `pads that leave at least 1 output cell on spatial axis ${i}`,
        actual: `[${padBefore}, ${padAfter}]: ${axis.formula}`,
        shapes,
        hint: 'padding crops the transposed output; use less of it',
      });
    }
    return axis;
  });
  const outShape = [batch, outPerGroup * groups, ...axes.map((a) => a.outSize)];
  checkAllocation(op, outShape, shapes);
  return {
    op,
    axes,
    padMode: 'constant',
    padValue: 0,
    batch,
    inChannels,
    outChannels: outPerGroup * groups,
    groups,
    inShape,
    weightShape,
    outShape,
  };
}

/** The two spatial axes of a 2-D op's info record: `[rows (height), cols (width)]`. */
export function axes2d(info: WindowInfo): [AxisInfo, AxisInfo] {
  const [rows, cols] = info.axes;
  if (!rows || !cols || info.axes.length !== 2) {
    throw new Error(`internal: ${info.op} expected 2 spatial axes, got ${info.axes.length}`);
  }
  return [rows, cols];
}

/** The sliding-window parameters of an info record, as feature-map payloads carry them. */
export function windowOf(info: Pick<ConvInfo, 'axes' | 'groups'>): FeatureMapWindow {
  return {
    kernel: info.axes.map((a) => a.kernel),
    stride: info.axes.map((a) => a.stride),
    dilation: info.axes.map((a) => a.dilation),
    padding: info.axes.map((a) => [a.padBefore, a.padAfter]),
    groups: info.groups,
  };
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Pooling and receptive-field arithmetic (conv-semantics §3 and §5). Pure, like everything above: pooling ops
// and backends read the records built here, and every pooling shape error is raised here.
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Options shared by the sliding-window pools (`maxPool*`, `avgPool*`, `lpPool2d`). */
export interface PoolWindowOptions {
  /** Step between windows: one number or one per axis. Default: the kernel size (as PyTorch; ONNX defaults to 1). */
  stride?: number | readonly number[];
  /**
   * Padding, in the forms conv takes (a number, one per axis, `[before, after]` pairs, `'valid'`, `'same'`).
   * Each side may be at most `floor(kE / 2)`, so every window holds a real input value (PyTorch's avg-pool rule;
   * PyTorch 2.13's max pool checks `floor(k / 2)`, which is stricter only with dilation).
   * Default 0.
   */
  padding?: Padding;
  /**
   * Round the output size up instead of down. A window that would start in the right padding is dropped
   * (PyTorch, ONNX): `[1..5]`, k2, s2, p1 gives 3 windows, not 4. Default false.
   */
  ceilMode?: boolean;
}

/** The windows of one pooled axis, as backends read them. */
export interface PoolWindows {
  inSize: number;
  outSize: number;
  /** For output `i`: the input indices its window reads that are real (not padding), ascending. */
  taps: readonly (readonly number[])[];
  /**
   * For output `i`: the window taps inside `[−pL, L + pR)` — the average's divisor when padding counts.
   * A ceil-mode overhang beyond `L + pR` never counts (PyTorch, ONNX; reference §3.3).
   */
  paddedTaps: readonly number[];
  /** The output-size formula (or the adaptive bins) with this axis' numbers filled in. */
  formula: string;
}

/** One axis of a sliding-window pool: the conv axis record plus its windows. */
export interface PoolAxisInfo extends AxisInfo, PoolWindows {}

/** What a pooling backend kernel reads: planes (`batch × channels`) and per-axis windows. */
export interface PoolWindowsInfo {
  batch: number;
  channels: number;
  axes: readonly PoolWindows[];
}

/** Shape info of a sliding-window pool with `n` spatial axes: the flat record every backend reads. */
export interface PoolInfo extends PoolWindowsInfo {
  op: string;
  axes: readonly PoolAxisInfo[];
  ceilMode: boolean;
  inShape: Shape;
  outShape: Shape;
}

/** Shape info of an adaptive (or global) pool: output bins instead of a kernel. */
export interface AdaptivePoolInfo extends PoolWindowsInfo {
  op: string;
  inShape: Shape;
  outShape: Shape;
  /**
   * The equivalent sliding window per axis when every bin has the same size (`L % O == 0`: kernel = stride =
   * `L / O`), else undefined: uneven bins have no single kernel or jump.
   */
  uniform: readonly AxisInfo[] | undefined;
}

function windowsOf(inSize: number, outSize: number, start: (i: number) => number, kernel: number,
  dilation: number, paddedEnd: number): Pick<PoolWindows, 'taps' | 'paddedTaps'> {
  const taps: number[][] = [];
  const paddedTaps: number[] = [];
  for (let i = 0; i < outSize; i++) {
    const real: number[] = [];
    let counted = 0;
    for (let j = 0; j < kernel; j++) {
      const t = start(i) + j * dilation;
      if (t < paddedEnd) counted++;
      if (t >= 0 && t < inSize) real.push(t);
    }
    taps.push(real);
    paddedTaps.push(counted);
  }
  return { taps, paddedTaps };
}

/**
 * Output size of one pooled axis: `floor` (or `ceil`) `((L + pL + pR − kE) / s) + 1`; in ceil mode a last
 * window that would start in the right padding (`(out − 1)·s ≥ L + pL`) is dropped (PyTorch `Pool.h`, ONNX).
 *
 * @example
 * poolOutputSize(5, 2, { stride: 2, padBefore: 1, padAfter: 1, ceilMode: true }).outSize; // 3
 * // formula: 'ceil((5 + 1 + 1 − 2) / 2) + 1 = 4, − 1: the last window would start in the right padding = 3'
 */
export function poolOutputSize(
  inSize: number,
  kernel: number,
  options: { stride?: number; dilation?: number; padBefore?: number; padAfter?: number; ceilMode?: boolean } = {},
): AxisInfo {
  const { ceilMode = false, ...rest } = options;
  const floorAxis = outputSize(inSize, kernel, rest);
  if (!ceilMode) return floorAxis;
  const { stride, padBefore, padAfter, effectiveKernel } = floorAxis;
  const span = inSize + padBefore + padAfter - effectiveKernel;
  const rounded = span < 0 ? 0 : Math.ceil(span / stride) + 1;
  const dropLast = rounded > 0 && (rounded - 1) * stride >= inSize + padBefore;
  const outSize = dropLast ? rounded - 1 : rounded;
  const formula =
    `ceil((${inSize} + ${padBefore} + ${padAfter} − ${effectiveKernel}) / ${stride}) + 1 = ${rounded}` +
    (dropLast ? `, − 1: the last window would start in the right padding = ${outSize}` : '');
  return { ...floorAxis, outSize, formula };
}

/**
 * Shape info of a sliding-window pool.
 *
 * @param inShape input `[batch, channels, ...spatial]` (NCHW for 2-D)
 * @param kernel window size: one number or one per spatial axis
 * @example
 * poolInfo('maxPool2d', [1, 1, 6, 6], 3, {}).outShape; // [1, 1, 2, 2]  (stride defaults to the kernel)
 */
export function poolInfo(
  op: string,
  inShape: Shape,
  kernel: number | readonly number[],
  options: PoolWindowOptions & { dilation?: number | readonly number[] },
): PoolInfo {
  const n = inShape.length - 2;
  const shapes = { input: inShape };
  const [batch = 0, channels = 0, ...inSizes] = inShape;
  const kernels = perAxis(op, 'kernel', kernel, n, 1, shapes);
  const strides = perAxis(op, 'options.stride', options.stride ?? kernels, n, 1, shapes);
  const dilations = perAxis(op, 'options.dilation', options.dilation ?? 1, n, 1, shapes);
  const ceilMode = options.ceilMode ?? false;
  const pads = resolvePadding(op, options.padding ?? 0, inSizes, kernels, strides, dilations, shapes);
  const axes = inSizes.map((inSize, i): PoolAxisInfo => {
    const [padBefore, padAfter] = pads[i] ?? [0, 0];
    const stride = strides[i] ?? 1;
    const dilation = dilations[i] ?? 1;
    const axis = poolOutputSize(inSize, kernels[i] ?? 1, { stride, dilation, padBefore, padAfter, ceilMode });
    const limit = Math.floor(axis.effectiveKernel / 2);
    if (padBefore > limit || padAfter > limit) {
      fail({
        op,
        arg: 'options.padding',
        expected: `at most half the effective kernel on each side (floor(${axis.effectiveKernel} / 2) = ${limit}) on spatial axis ${i}`,
        actual: `[${padBefore}, ${padAfter}]`,
        shapes,
        hint: 'a window must hold at least one real input value; pad less or use a larger kernel',
      });
    }
    checkKernelFits(op, 'kernel', axis, i, kernels, shapes, 'use a smaller kernel, or a global pool to reduce the whole map');
    const windows = windowsOf(inSize, axis.outSize, (o) => o * stride - padBefore, axis.kernel, dilation,
      inSize + padAfter);
    return { ...axis, ...windows };
  });
  return {
    op,
    batch,
    channels,
    axes,
    ceilMode,
    inShape,
    outShape: [batch, channels, ...axes.map((a) => a.outSize)],
  };
}

/**
 * Shape info of an adaptive pool: output bin `i` of `O` over length `L` reads `[floor(i·L/O), ceil((i+1)·L/O))`
 * (PyTorch and Keras; bins overlap when `L % O ≠ 0` and repeat when `O > L`).
 *
 * @param inShape input `[batch, channels, ...spatial]`
 * @param outSize output size: one number for every spatial axis, or one per axis
 * @example
 * adaptivePoolInfo('adaptiveAvgPool2d', [1, 1, 1, 10], [1, 4]).axes[1]?.taps.map((t) => [t[0], t.at(-1)! + 1]);
 * // [[0, 3], [2, 5], [5, 8], [7, 10]]
 */
export function adaptivePoolInfo(op: string, inShape: Shape, outSize: number | readonly number[]): AdaptivePoolInfo {
  const n = inShape.length - 2;
  const [batch = 0, channels = 0, ...inSizes] = inShape;
  const outSizes = perAxis(op, 'outputSize', outSize, n, 1, {});
  const axes = inSizes.map((inSize, i): PoolWindows => {
    const out = outSizes[i] ?? 1;
    if (inSize < 1) {
      fail({ op, arg: 'input', expected: `a non-empty spatial axis ${i}`, actual: `size ${inSize}`, shapes: { input: inShape } });
    }
    const start = (o: number): number => Math.floor((o * inSize) / out);
    const bins = Array.from({ length: out }, (_, o) => {
      const begin = start(o);
      const taps = Array.from({ length: Math.ceil(((o + 1) * inSize) / out) - begin }, (__, j) => begin + j);
      return taps;
    });
    const shown = bins.slice(0, 6).map((t) => `(${t[0] ?? 0},${(t.at(-1) ?? 0) + 1})`).join(' ');
    return {
      inSize,
      outSize: out,
      taps: bins,
      paddedTaps: bins.map((t) => t.length),
      formula: `bins [floor(i·${inSize}/${out}), ceil((i+1)·${inSize}/${out})): ${shown}${out > 6 ? ' …' : ''}`,
    };
  });
  const uniform = axes.every((a) => a.inSize % a.outSize === 0)
    ? axes.map((a) => outputSize(a.inSize, a.inSize / a.outSize, { stride: a.inSize / a.outSize }))
    : undefined;
  return { op, batch, channels, axes, uniform, inShape, outShape: [batch, channels, ...outSizes] };
}

/** One layer of a receptive-field computation. Numbers apply to every axis; arrays give one value per axis. */
export interface ReceptiveLayer {
  kernel: number | readonly number[];
  /** Default 1. */
  stride?: number | readonly number[];
  /** Default 1. */
  dilation?: number | readonly number[];
  /** Padding before (left/top) per axis; only the position of the field depends on it. Default 0. */
  padding?: number | readonly number[];
}

/** The receptive field after one layer, per spatial axis (reference §5). */
export interface ReceptiveInfo {
  /** Input-pixel distance between adjacent outputs: `j_out = j_in · s`. */
  jump: number[];
  /** Receptive-field size in input pixels: `r_out = r_in + (kE − 1) · j_in`. */
  size: number[];
  /**
   * Centre of the first output's field in input coordinates (pixel `p` spans `[p, p+1)`, so 0.5 is the centre of
   * pixel 0): `start_out = start_in + ((kE − 1)/2 − pL) · j_in`.
   */
  start: number[];
}

/**
 * The field of the input itself: one pixel, jump 1, centred on pixel 0.
 *
 * @example
 * receptiveStart(2); // { jump: [1, 1], size: [1, 1], start: [0.5, 0.5] }
 */
export function receptiveStart(axes: number): ReceptiveInfo {
  return { jump: Array<number>(axes).fill(1), size: Array<number>(axes).fill(1), start: Array<number>(axes).fill(0.5) };
}

/**
 * One step of the recurrence of reference §5, per axis, from the axis records of a windowed op.
 *
 * @example
 * receptiveStep(receptiveStart(1), [{ stride: 2, effectiveKernel: 3, padBefore: 1 }]); // { jump: [2], size: [3], start: [0.5] }
 */
export function receptiveStep(
  previous: ReceptiveInfo,
  axes: readonly Pick<AxisInfo, 'stride' | 'effectiveKernel' | 'padBefore'>[],
): ReceptiveInfo {
  return {
    jump: axes.map((a, i) => (previous.jump[i] ?? 1) * a.stride),
    size: axes.map((a, i) => (previous.size[i] ?? 1) + (a.effectiveKernel - 1) * (previous.jump[i] ?? 1)),
    start: axes.map(
      (a, i) => (previous.start[i] ?? 0.5) + ((a.effectiveKernel - 1) / 2 - a.padBefore) * (previous.jump[i] ?? 1),
    ),
  };
}

/**
 * Receptive field of a stack of conv/pool layers, per layer and per axis (reference §5, Dang Ha The Hien's
 * recurrence). The number of axes is the longest array among the layers' values, or 1.
 *
 * @example
 * receptiveField([
 *   { kernel: 3, padding: 1 }, { kernel: 3, stride: 2, padding: 1 }, { kernel: 2, stride: 2 },
 *   { kernel: 3, padding: 2, dilation: 2 }, { kernel: 5, stride: 2, padding: 2 },
 * ]).map((r) => r.size[0]); // [3, 5, 7, 23, 39]   (jumps 1, 2, 4, 4, 8)
 */
export function receptiveField(layers: readonly ReceptiveLayer[]): ReceptiveInfo[] {
  const op = 'receptiveField';
  const lengthOf = (v: number | readonly number[] | undefined): number => (typeof v === 'object' ? v.length : 1);
  const n = Math.max(1, ...layers.map((l) => Math.max(lengthOf(l.kernel), lengthOf(l.stride), lengthOf(l.dilation), lengthOf(l.padding))));
  let field = receptiveStart(n);
  return layers.map((layer, index) => {
    const where = (name: string): string => `layers[${index}].${name}`;
    const kernels = perAxis(op, where('kernel'), layer.kernel, n, 1, {});
    const strides = perAxis(op, where('stride'), layer.stride ?? 1, n, 1, {});
    const dilations = perAxis(op, where('dilation'), layer.dilation ?? 1, n, 1, {});
    const pads = perAxis(op, where('padding'), layer.padding ?? 0, n, 0, {});
    const axes = kernels.map((k, i) => ({
      stride: strides[i] ?? 1,
      effectiveKernel: (dilations[i] ?? 1) * (k - 1) + 1,
      padBefore: pads[i] ?? 0,
    }));
    field = receptiveStep(field, axes);
    return field;
  });
}

/**
 * Checks the order `p` of an LP pool: a finite number ≥ 1 (ONNX takes integers; fractional orders work the same).
 *
 * @example
 * checkLpOrder('lpPool2d', 0); // throws: lpPool2d: options.p expected a finite number ≥ 1, got 0; hint: …
 */
export function checkLpOrder(op: string, p: number): void {
  if (!Number.isFinite(p) || p < 1) {
    fail({
      op,
      arg: 'options.p',
      expected: 'a finite number ≥ 1',
      actual: String(p),
      hint: 'p = 1 sums |x|, p = 2 is the Euclidean norm; for p = ∞ take maxPool2d of the absolute values',
    });
  }
}
