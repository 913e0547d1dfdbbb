/**
 * Pooling arithmetic: window sizes, ceil mode, adaptive bins and the records pooling ops and backends read;
 * every pooling shape error is raised here.
 */
import { fail } from '../errors';
import { checkAllocation, checkCount, checkTableAllocation, perAxis } from './checks';
import { checkKernelFits, outputSize, resolvePadding } from './conv';
import { checkOptionKeys } from './keys';
import { AVG_POOL_OPTION_KEYS, LP_POOL_OPTION_KEYS, MAX_POOL_OPTION_KEYS, MAX_UNPOOL_OPTION_KEYS } from './types';
import type { AdaptiveOutputSize, AdaptivePoolInfo, AxisInfo, MaxUnpoolInfo, MaxUnpoolOptions, PoolAxisInfo, PoolInfo, PoolWindowOptions, PoolWindows, Shape, Shapes } from './types';

/** The taps `j` of a window starting at `start` that land on a real cell: `lo ≤ j ≤ hi` (none when `lo > hi`). */
function realTaps(start: number, inSize: number, kernel: number, dilation: number): [lo: number, hi: number] {
  return [Math.max(0, Math.ceil(-start / dilation)), Math.min(kernel - 1, Math.floor((inSize - 1 - start) / dilation))];
}

/**
 * The real input cells of each window of one axis, and how many of its taps lie before `paddedEnd` (the
 * average's divisor when padding counts). Computed from the window's ends, not tap by tap, so a huge kernel
 * costs nothing; refuses tables beyond the allocation limit before building them.
 */
function windowsOf(op: string, axisIndex: number, shapes: Shapes, inSize: number, outSize: number,
  start: (i: number) => number, kernel: number, dilation: number, paddedEnd: number): Pick<PoolWindows, 'taps' | 'paddedTaps'> {
  checkTableAllocation(op, 'input', outSize, `the window table of spatial axis ${axisIndex}`, shapes);
  let entries = 0;
  for (let i = 0; i < outSize; i++) {
    const [lo, hi] = realTaps(start(i), inSize, kernel, dilation);
    entries += Math.max(0, hi - lo + 1);
  }
  checkTableAllocation(op, 'kernel', entries, `the window taps of spatial axis ${axisIndex}`, shapes);
  const taps: number[][] = [];
  const paddedTaps: number[] = [];
  for (let i = 0; i < outSize; i++) {
    const [lo, hi] = realTaps(start(i), inSize, kernel, dilation);
    const real: number[] = [];
    for (let j = lo; j <= hi; j++) real.push(start(i) + j * dilation);
    taps.push(real);
    // Taps j with start + j·d < paddedEnd.
    paddedTaps.push(Math.min(kernel, Math.max(0, Math.ceil((paddedEnd - start(i)) / dilation))));
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

/** The keys a pool's options take: one function serves every sliding pool, and the op's name says which options
 * type it was given (`maxPool2d` and `maxPool2dBackward`: `MaxPoolOptions`; `avgPool…`; `lpPool…`). */
function poolOptionKeys(op: string): readonly string[] {
  if (op.startsWith('avgPool')) return AVG_POOL_OPTION_KEYS;
  if (op.startsWith('lpPool')) return LP_POOL_OPTION_KEYS;
  if (op.startsWith('maxPool')) return MAX_POOL_OPTION_KEYS;
  return [...new Set([...MAX_POOL_OPTION_KEYS, ...AVG_POOL_OPTION_KEYS, ...LP_POOL_OPTION_KEYS])];
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
  checkOptionKeys(op, 'options', options, poolOptionKeys(op));
  const n = inShape.length - 2;
  const shapes = { input: inShape };
  const [batch = 0, channels = 0, ...inSizes] = inShape;
  const kernels = perAxis(op, 'kernel', kernel, n, 1, shapes);
  const strides = perAxis(op, 'options.stride', options.stride ?? kernels, n, 1, shapes);
  const dilations = perAxis(op, 'options.dilation', options.dilation ?? 1, n, 1, shapes);
  const ceilMode = options.ceilMode ?? false;
  const pads = resolvePadding(op, options.padding ?? 0, inSizes, kernels, strides, dilations, shapes);
  const sized = inSizes.map((inSize, i) => {
    const [padBefore, padAfter] = pads[i] ?? [0, 0];
    const stride = strides[i] ?? 1;
    const dilation = dilations[i] ?? 1;
    const axis = poolOutputSize(inSize, kernels[i] ?? 1, { stride, dilation, padBefore, padAfter, ceilMode });
    // Every window must overlap the padded input's real span (kernel/docs/semantics.md §5.2): ONNX's and TF's rule,
    // wider than PyTorch's half kernel. A pad of kE or more would add windows made of padding only.
    const limit = axis.effectiveKernel - 1;
    if (padBefore > limit || padAfter > limit) {
      fail({
        op,
        arg: 'options.padding',
        expected: `at most the effective kernel − 1 on each side (${axis.effectiveKernel} − 1 = ${limit}) on spatial axis ${i}`,
        actual: `[${padBefore}, ${padAfter}]`,
        shapes,
        hint: 'a pad of the whole effective kernel adds windows that hold only padding; pad less or use a larger kernel',
      });
    }
    checkKernelFits(op, 'kernel', axis, i, kernels, shapes, 'use a smaller kernel, or a global pool to reduce the whole map');
    return axis;
  });
  const outShape = [batch, channels, ...sized.map((a) => a.outSize)];
  checkAllocation(op, outShape, shapes);
  const axes = sized.map((axis, i): PoolAxisInfo => {
    const windows = windowsOf(op, i, shapes, axis.inSize, axis.outSize, (o) => o * axis.stride - axis.padBefore,
      axis.kernel, axis.dilation, axis.inSize + axis.padAfter);
    return { ...axis, ...windows };
  });
  return { op, batch, channels, axes, ceilMode, inShape, outShape };
}

/**
 * Shape info of an adaptive pool: output bin `i` of `O` over length `L` reads `[floor(i·L/O), ceil((i+1)·L/O))`
 * (PyTorch and Keras; bins overlap when `L % O ≠ 0` and repeat when `O > L`).
 *
 * @param inShape input `[batch, channels, ...spatial]`
 * @param outSize output size: one number for every spatial axis, or one per axis, where `null` keeps that axis's
 *   input size (PyTorch's `None`)
 * @example
 * adaptivePoolInfo('adaptiveAvgPool2d', [1, 1, 1, 10], [1, 4]).axes[1]?.taps.map((t) => [t[0], t.at(-1)! + 1]);
 * // [[0, 3], [2, 5], [5, 8], [7, 10]]
 * adaptivePoolInfo('adaptiveAvgPool2d', [1, 1, 5, 10], [null, 4]).outShape; // [1, 1, 5, 4]
 */
export function adaptivePoolInfo(op: string, inShape: Shape, outSize: AdaptiveOutputSize): AdaptivePoolInfo {
  const n = inShape.length - 2;
  const [batch = 0, channels = 0, ...inSizes] = inShape;
  const shapes = { input: inShape };
  // `null` keeps the axis; a list of the wrong length goes to perAxis unchanged, which names the count.
  const kept = Array.isArray(outSize) && outSize.length === n
    ? (outSize as readonly (number | null)[]).map((size, i) => size ?? inSizes[i] ?? 1)
    : (outSize as number | readonly number[]);
  const outSizes = perAxis(op, 'outputSize', kept, n, 1, {});
  inSizes.forEach((inSize, i) => {
    if (inSize < 1) {
      fail({ op, arg: 'input', expected: `a non-empty spatial axis ${i}`, actual: `size ${inSize}`, shapes });
    }
  });
  const outShape = [batch, channels, ...outSizes];
  checkAllocation(op, outShape, shapes);
  const axes = inSizes.map((inSize, i): PoolWindows => {
    const out = outSizes[i] ?? 1;
    // Bin o holds at most L/O + 2 taps, so L + 2·O bounds the axis's taps; checked before any bin is built.
    checkTableAllocation(op, 'outputSize', inSize + 2 * out, `the bins of spatial axis ${i}`, shapes);
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
  return { op, batch, channels, axes, uniform, inShape, outShape };
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

/** Float32 holds every integer below 2^24 exactly; an index past it would round. */
const EXACT_INDICES = 2 ** 24;

/**
 * Checks that a max pool's indices fit float32 exactly: the input plane (`Π inSizes`) holds at most 2^24 cells.
 *
 * @example
 * checkIndexPlane('maxPool2d', [1, 1, 4096, 4097]); // throws: maxPool2d: options.returnIndices expected an input plane of at most 16777216 cells …
 */
export function checkIndexPlane(op: string, inShape: Shape): void {
  const plane = inShape.slice(2).reduce((a, b) => a * b, 1);
  if (plane > EXACT_INDICES) {
    fail({
      op,
      arg: 'options.returnIndices',
      expected: `an input plane of at most ${EXACT_INDICES} cells (indices are float32 values, exact below 2^24)`,
      actual: `${plane} cells`,
      shapes: { input: inShape },
      hint: 'pool without returnIndices, or split the input into smaller tiles',
    });
  }
}

/**
 * Cells per input plane (`Π inSizes`) and per output plane (`Π outSizes`) of a pool record, or of any record
 * with per-axis sizes (a conv's `WindowInfo` too: the reference loops size both from here).
 *
 * @example
 * poolPlanes(poolInfo('maxPool3d', [1, 1, 4, 4, 6], 2, {})); // [96, 12]
 */
export function poolPlanes(info: { readonly axes: readonly Pick<PoolWindows, 'inSize' | 'outSize'>[] }): [inPlane: number, outPlane: number] {
  return info.axes.reduce<[number, number]>(([i, o], a) => [i * a.inSize, o * a.outSize], [1, 1]);
}

/**
 * Shape info of a max unpool (PyTorch's `F.max_unpool*d`): each output axis is `(L − 1)·s − 2p + k` unless
 * `outputSize` picks a size strictly between that minus and plus the stride (PyTorch's check).
 *
 * @param inShape the pooled values `[batch, channels, ...spatial]`
 * @param kernel the forward pool's kernel: one number or one per axis
 * @example
 * maxUnpoolInfo('maxUnpool2d', [1, 1, 2, 2], 2, {}).outShape;                     // [1, 1, 4, 4]
 * maxUnpoolInfo('maxUnpool2d', [1, 1, 2, 2], 2, { outputSize: [5, 5] }).outShape; // [1, 1, 5, 5]
 */
export function maxUnpoolInfo(op: string, inShape: Shape, kernel: number | readonly number[], options: MaxUnpoolOptions): MaxUnpoolInfo {
  checkOptionKeys(op, 'options', options, MAX_UNPOOL_OPTION_KEYS);
  const n = inShape.length - 2;
  const shapes = { input: inShape };
  const [batch = 0, channels = 0, ...inSizes] = inShape;
  const kernels = perAxis(op, 'kernel', kernel, n, 1, shapes);
  const strides = perAxis(op, 'options.stride', options.stride ?? kernels, n, 1, shapes);
  const pads = perAxis(op, 'options.padding', options.padding ?? 0, n, 0, shapes);
  const defaults = inSizes.map((size, i) => (size - 1) * strides[i]! - 2 * pads[i]! + kernels[i]!);
  let outSizes = defaults;
  if (options.outputSize !== undefined) {
    // Checked before spreading: a number or an array-like with a huge length would throw or hang in `[...]`.
    const raw: unknown = options.outputSize;
    if (!Array.isArray(raw) || (raw.length !== n && raw.length !== n + 2)) {
      fail({
        op,
        arg: 'options.outputSize',
        expected: `${n} sizes (one per spatial axis) or ${n + 2} (the whole shape)`,
        actual: Array.isArray(raw) ? `${raw.length} numbers [${raw.join(',')}]` : (JSON.stringify(raw) ?? String(raw)),
        shapes,
        hint: `pass the forward pool's input size: its ${n} spatial sizes (x.shape.slice(2)) or its whole shape`,
      });
    }
    const given = [...(raw as readonly number[])];
    outSizes = given.slice(given.length - n);
    outSizes.forEach((size, i) => {
      checkCount(op, 'options.outputSize', size, 1, shapes);
      const [low, high] = [defaults[i]! - strides[i]!, defaults[i]! + strides[i]!];
      if (!(size > low && size < high)) {
        fail({
          op,
          arg: 'options.outputSize',
          expected: `a size strictly between ${low} and ${high} on spatial axis ${i} (the default ${defaults[i]} ± the stride ${strides[i]})`,
          actual: String(size),
          shapes,
          hint: 'outputSize picks among the input sizes the forward pool maps to this output size; pass the forward input\'s size',
        });
      }
    });
  }
  outSizes.forEach((size, i) => {
    if (size < 1) {
      fail({
        op,
        arg: 'options.padding',
        expected: `an output size ≥ 1 on spatial axis ${i}`,
        actual: `(${inSizes[i]} − 1)·${strides[i]} − 2·${pads[i]} + ${kernels[i]} = ${size}`,
        shapes,
        hint: 'pass the forward pool\'s kernel, stride and padding',
      });
    }
  });
  const outShape = [batch, channels, ...outSizes];
  checkAllocation(op, outShape, shapes);
  const [inPlane, outPlane] = poolPlanes({ axes: inSizes.map((inSize, i) => ({ inSize, outSize: outSizes[i]! })) });
  return { op, batch, channels, inPlane, outPlane, inShape, outShape };
}
