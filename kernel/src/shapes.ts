/**
 * Shape arithmetic for convolution, pure and public: every op and every backend reads the record that
 * {@link convInfo} returns, and every shape error is raised here, so all backends fail with the same words.
 *
 * Per spatial axis, with input length `L`, kernel `k`, stride `s`, dilation `d` and pads `pL`, `pR`:
 * effective kernel `kE = d·(k−1)+1` and output `floor((L + pL + pR − kE) / s) + 1` (PyTorch, ONNX; the floor
 * drops a last window that would not fit).
 */
import { fail, formatShape } from './errors';
import type { Shape } from './tensor';
import type { FeatureMapWindow } from '../../extension/src/schema';

/** A padding spec for one op call. See {@link ConvOptions.padding}. */
export type Padding = number | readonly number[] | readonly (readonly [number, number])[] | 'valid' | 'same';

/** Options shared by the convolutions. */
export interface ConvOptions {
  /** Step between windows: one number for every spatial axis, or one per axis. Default 1. */
  stride?: number | readonly number[];
  /**
   * Zero padding: a number (every side), one number per axis (both sides), `[before, after]` pairs per axis,
   * `'valid'` (none) or `'same'` (output size `ceil(L / s)`; an odd total pad puts the extra cell at the end,
   * as TF, Keras and ONNX SAME_UPPER do). Default 0.
   */
  padding?: Padding;
  /** Spacing between kernel taps: one number or one per axis. Default 1. */
  dilation?: number | readonly number[];
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
  outSize: number;
  /** The output-size formula with this axis' numbers filled in, e.g. `floor((4 + 0 + 0 − 3) / 1) + 1 = 2`. */
  formula: string;
}

/** Everything a backend needs to run a convolution: the flat record all backends read. */
export interface ConvInfo {
  op: string;
  batch: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  /** One entry per spatial axis (height then width for 2-D). */
  axes: readonly AxisInfo[];
  inShape: Shape;
  weightShape: Shape;
  outShape: Shape;
}

/**
 * Output size of one axis: `floor((L + pL + pR − kE) / s) + 1`, with the formula written out.
 *
 * @example
 * outputSize(6, 3, { stride: 2 }).outSize; // 2  (floor((6 + 0 + 0 − 3) / 2) + 1 = floor(1.5) + 1)
 */
export function outputSize(
  inSize: number,
  kernel: number,
  options: { stride?: number; dilation?: number; padBefore?: number; padAfter?: number } = {},
): AxisInfo {
  const { stride = 1, dilation = 1, padBefore = 0, padAfter = 0 } = options;
  const effectiveKernel = dilation * (kernel - 1) + 1;
  const span = inSize + padBefore + padAfter - effectiveKernel;
  const outSize = span < 0 ? 0 : Math.floor(span / stride) + 1;
  const kernelText = dilation === 1 ? `${kernel}` : `${effectiveKernel}`;
  const formula =
    `floor((${inSize} + ${padBefore} + ${padAfter} − ${kernelText}) / ${stride}) + 1 = ${outSize}` +
    (dilation === 1 ? '' : ` (effective kernel ${dilation}·(${kernel}−1)+1 = ${effectiveKernel})`);
  return { inSize, kernel, stride, dilation, effectiveKernel, padBefore, padAfter, outSize, formula };
}

function perAxis(op: string, arg: string, value: number | readonly number[], n: number, min: number): number[] {
  const values = typeof value === 'number' ? Array<number>(n).fill(value) : [...value];
  if (values.length !== n) {
    fail({
      op,
      arg,
      expected: `one number or ${n} numbers (one per spatial axis)`,
      actual: `${values.length} numbers [${values.join(',')}]`,
    });
  }
  for (const v of values) {
    if (!Number.isInteger(v) || v < min) {
      fail({
        op,
        arg,
        expected: `integers ≥ ${min}`,
        actual: String(typeof value === 'number' ? value : `[${values.join(',')}]`),
        hint: `${arg.replace('options.', '')} counts input cells, e.g. 1 or 2`,
      });
    }
  }
  return values;
}

function resolvePads(op: string, padding: Padding, n: number, kernels: number[], inSizes: number[],
  strides: number[], dilations: number[]): [number, number][] {
  if (padding === 'valid') return kernels.map(() => [0, 0]);
  if (padding === 'same') {
    return kernels.map((k, i) => {
      const s = strides[i] ?? 1;
      const effectiveKernel = (dilations[i] ?? 1) * (k - 1) + 1;
      const inSize = inSizes[i] ?? 0;
      const total = Math.max(0, (Math.ceil(inSize / s) - 1) * s + effectiveKernel - inSize);
      const before = Math.floor(total / 2);
      return [before, total - before];
    });
  }
  if (typeof padding === 'number' || (padding as readonly unknown[]).every((p) => typeof p === 'number')) {
    const symmetric = perAxis(op, 'options.padding', padding as number | readonly number[], n, 0);
    return symmetric.map((p) => [p, p]);
  }
  const pairs = padding as readonly (readonly [number, number])[];
  if (pairs.length !== n || pairs.some((p) => !Array.isArray(p) || p.length !== 2)) {
    fail({
      op,
      arg: 'options.padding',
      expected: `${n} [before, after] pairs (one per spatial axis)`,
      actual: JSON.stringify(padding),
      hint: "e.g. [[0, 1], [0, 1]] for one extra row and column at the end, or 'same'",
    });
  }
  return pairs.map(([before, after]) => {
    perAxis(op, 'options.padding', [before, after], 2, 0);
    return [before, after];
  });
}

/**
 * Shape info of a convolution with `n` spatial axes (n = 2 for conv2d).
 *
 * @param inShape input `[batch, inChannels, ...spatial]` (NCHW for 2-D)
 * @param weightShape weight `[outChannels, inChannels / groups, ...kernel]` (OIHW for 2-D)
 * @example
 * convInfo('conv2d', [1, 1, 4, 4], [1, 1, 3, 3], {}).outShape; // [1, 1, 2, 2]
 */
export function convInfo(op: string, inShape: Shape, weightShape: Shape, options: ConvOptions): ConvInfo {
  const n = inShape.length - 2;
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
  if (!Number.isInteger(groups) || groups < 1) {
    fail({ op, arg: 'options.groups', expected: 'a positive integer', actual: String(groups), shapes });
  }
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    fail({
      op,
      arg: 'options.groups',
      expected: `a divisor of input channels (${inChannels}) and output channels (${outChannels})`,
      actual: String(groups),
      shapes,
      hint: 'each group convolves inChannels/groups input channels into outChannels/groups outputs',
    });
  }
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
  const strides = perAxis(op, 'options.stride', options.stride ?? 1, n, 1);
  const dilations = perAxis(op, 'options.dilation', options.dilation ?? 1, n, 1);
  const pads = resolvePads(op, options.padding ?? 0, n, kernels, inSizes, strides, dilations);
  const axes = inSizes.map((inSize, i) => {
    const [padBefore, padAfter] = pads[i] ?? [0, 0];
    const axis = outputSize(inSize, kernels[i] ?? 1, {
      stride: strides[i] ?? 1,
      dilation: dilations[i] ?? 1,
      padBefore,
      padAfter,
    });
    if (axis.effectiveKernel > inSize + padBefore + padAfter) {
      fail({
        op,
        arg: 'weight',
        expected: `an effective kernel (${axis.effectiveKernel}) no larger than the padded input (${inSize} + ${padBefore} + ${padAfter} = ${inSize + padBefore + padAfter}) on spatial axis ${i}`,
        actual: `kernel ${formatShape(kernels)}`,
        shapes,
        hint: "pad the input (e.g. padding: 'same') or use a smaller kernel",
      });
    }
    return axis;
  });
  return {
    op,
    batch,
    inChannels,
    outChannels,
    groups,
    axes,
    inShape,
    weightShape,
    outShape: [batch, outChannels, ...axes.map((a) => a.outSize)],
  };
}

/** The two spatial axes of a 2-D op's info record: `[rows (height), cols (width)]`. */
export function axes2d(info: ConvInfo): [AxisInfo, AxisInfo] {
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
  const kernels = perAxis(op, 'kernel', kernel, n, 1);
  const strides = perAxis(op, 'options.stride', options.stride ?? kernels, n, 1);
  const dilations = perAxis(op, 'options.dilation', options.dilation ?? 1, n, 1);
  const ceilMode = options.ceilMode ?? false;
  const pads = resolvePads(op, options.padding ?? 0, n, kernels, inSizes, strides, dilations);
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
    if (axis.effectiveKernel > inSize + padBefore + padAfter) {
      fail({
        op,
        arg: 'kernel',
        expected: `an effective kernel (${axis.effectiveKernel}) no larger than the padded input (${inSize} + ${padBefore} + ${padAfter} = ${inSize + padBefore + padAfter}) on spatial axis ${i}`,
        actual: `kernel ${formatShape(kernels)}`,
        shapes,
        hint: 'use a smaller kernel, or a global pool to reduce the whole map',
      });
    }
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
  const outSizes = perAxis(op, 'outputSize', outSize, n, 1);
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
    const kernels = perAxis(op, where('kernel'), layer.kernel, n, 1);
    const strides = perAxis(op, where('stride'), layer.stride ?? 1, n, 1);
    const dilations = perAxis(op, where('dilation'), layer.dilation ?? 1, n, 1);
    const pads = perAxis(op, where('padding'), layer.padding ?? 0, n, 0);
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
 * Checks a tensor's rank against the ranks an op takes, naming the layout.
 *
 * @example
 * expectRank('maxPool2d', 'input', [3], [3, 4], '[batch, channels, height, width] or [channels, height, width]');
 * // throws: maxPool2d: input expected rank 3 or 4 ([batch, channels, height, width] or …), got rank 1 (input [3]); hint: …
 */
export function expectRank(op: string, arg: string, shape: Shape, ranks: readonly number[], layout: string): void {
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
