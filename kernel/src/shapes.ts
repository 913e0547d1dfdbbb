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
export function windowOf(info: ConvInfo): FeatureMapWindow {
  return {
    kernel: info.axes.map((a) => a.kernel),
    stride: info.axes.map((a) => a.stride),
    dilation: info.axes.map((a) => a.dilation),
    padding: info.axes.map((a) => [a.padBefore, a.padAfter]),
    groups: info.groups,
  };
}
