/**
 * Output sizes and the info records of the convolutions and transposed convolutions (and of im2col's windows).
 *
 * Per spatial axis, with input length `L`, kernel `k`, stride `s`, dilation `d` and pads `pL`, `pR`:
 * effective kernel `kE = d·(k−1)+1` and output `floor((L + pL + pR − kE) / s) + 1` (PyTorch, ONNX; the floor
 * drops a last window that would not fit, which is why 6×6 with a 3×3 kernel at stride 2 gives 2×2, not 3×3).
 */
import type { FeatureMapWindow } from '@convlab/protocol';
import { fail, formatShape } from '../errors';
import { checkAllocation, checkCount, checkFinite, perAxis } from './checks';
import { checkOptionKeys, OPTION_KEYS } from './keys';
import { resolvePadMode } from './padding';
import { WINDOW_OPTION_KEYS, type AxisInfo, type ConvInfo, type ConvOptions, type ConvTransposeOptions, type Padding, type PaddingKind, type PadPair, type Shape, type Shapes, type WindowInfo, type WindowOptions } from './types';

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
 * Output size of one axis of a transposed convolution (kernel/docs/semantics.md §6.2):
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
export function checkKernelFits(
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
  checkOptionKeys(op, 'options', options, WINDOW_OPTION_KEYS);
  return windowRecord(op, sizes, kernels, options, shapes);
}

/** {@link windowInfo} without the key check: `convInfo` passes its wider options (groups, bias), checked there. */
function windowRecord(op: string, sizes: number[], kernels: number[], options: WindowOptions, shapes: Shapes): WindowInfo {
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
  // The ops pass their whole options here, bias included (ops/conv.ts reads it).
  checkOptionKeys(op, 'options', options, OPTION_KEYS.Conv2dOptions);
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
  const window = windowRecord(op, inSizes, kernels, options, shapes);
  const outShape = [batch, outChannels, ...window.axes.map((a) => a.outSize)];
  checkAllocation(op, outShape, shapes);
  return { ...window, batch, inChannels, outChannels, groups, inShape, weightShape, outShape };
}

/**
 * Shape info of a transposed convolution (kernel/docs/semantics.md §6). The record has the same fields as
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
  // The ops pass their whole options here, bias included (ops/transpose.ts reads it).
  checkOptionKeys(op, 'options', options, OPTION_KEYS.ConvTranspose2dOptions);
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
export function windowOf(info: Pick<ConvInfo, 'axes' | 'groups'>, paddingMode: string): FeatureMapWindow {
  return {
    kernel: info.axes.map((a) => a.kernel),
    stride: info.axes.map((a) => a.stride),
    dilation: info.axes.map((a) => a.dilation),
    padding: info.axes.map((a) => [a.padBefore, a.padAfter]),
    groups: info.groups,
    paddingMode,
  };
}

/**
 * What a conv's padding cells hold, in the words the view shows: `'zeros'`, `'constant 5'`, `'reflect'`, …
 * @example paddingModeName({ padMode: 'constant', padValue: 0 }); // 'zeros'
 */
export function paddingModeName(info: Pick<WindowInfo, 'padMode' | 'padValue'>): string {
  if (info.padMode !== 'constant') return info.padMode;
  return info.padValue === 0 ? 'zeros' : `constant ${info.padValue}`;
}
