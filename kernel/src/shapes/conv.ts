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
 * With `outputSize` (§6.3) the size is asked for and the pads or the output padding are derived. No pads given:
 * ONNX's `output_shape` rule (a smaller size crops the full output by total padding = full − size, the larger
 * half before; a larger one is output padding at the end). Pads given: PyTorch's `output_size` rule
 * (outputPadding = size − the smallest size). Either way an output padding stays `< max(stride, dilation)`, and
 * `outputPadding` cannot be given as well.
 *
 * @example
 * transposedOutputSize(3, 3, { stride: 2 }).outSize; // 7
 * transposedOutputSize(3, 3, { stride: 2 }).formula; // '(3 − 1)·2 − 0 − 0 + 1·(3 − 1) + 0 + 1 = 7'
 * transposedOutputSize(3, 3, { stride: 2, outputSize: 4 }).formula;
 * // '(3 − 1)·2 − 2 − 1 + 1·(3 − 1) + 0 + 1 = 4 (outputSize 4: total padding 7 − 4 = 3, split [2, 1] as ONNX output_shape)'
 * transposedOutputSize(6, 3, { stride: 2, padBefore: 1, padAfter: 1, outputSize: 12 }).outputPadding; // 1
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
    outputSize?: number;
  } = {},
): AxisInfo {
  const { stride = 1, dilation = 1, padBefore, padAfter, outputPadding, outputSize: size } = options;
  const given = padBefore !== undefined || padAfter !== undefined;
  const pads: PadPair | undefined = given ? [padBefore ?? 0, padAfter ?? 0] : undefined;
  return transposedAxis('transposedOutputSize', 0, {}, { inSize, kernel, stride, dilation, pads, outputPadding, size });
}

/** One transposed axis as given: pads and output padding undefined where the caller gave none. */
interface TransposedAxisSpec {
  inSize: number;
  kernel: number;
  stride: number;
  dilation: number;
  pads: PadPair | undefined;
  outputPadding: number | undefined;
  /** The `outputSize` asked for, if any. */
  size: number | undefined;
}

/**
 * The record of transposed axis `i`: validates the numbers, resolves an `outputSize` into pads (ONNX's rule) or
 * an output padding (PyTorch's, when pads are given), and writes the formula with the resolution appended.
 */
function transposedAxis(op: string, i: number, shapes: Shapes, spec: TransposedAxisSpec): AxisInfo {
  const { inSize, kernel, stride, dilation, size } = spec;
  const [givenBefore, givenAfter] = spec.pads ?? [0, 0];
  // The forward record validates the shared numbers; the transposed size replaces its output.
  const forward = outputSize(inSize, kernel, { stride, dilation, padBefore: givenBefore, padAfter: givenAfter });
  checkCount(op, 'options.outputPadding', spec.outputPadding ?? 0, 0, shapes);
  const limit = Math.max(stride, dilation);
  if (spec.outputPadding !== undefined && spec.outputPadding >= limit) {
    fail({
      op,
      arg: 'options.outputPadding',
      expected: `less than max(stride, dilation) = ${limit} on spatial axis ${i}`,
      actual: String(spec.outputPadding),
      shapes,
      hint: 'outputPadding only picks among the input sizes a strided conv maps to the same output size',
    });
  }
  const axis = (padBefore: number, padAfter: number, outputPadding: number, note: string): AxisInfo => {
    const outSize = (inSize - 1) * stride - padBefore - padAfter + forward.effectiveKernel + outputPadding;
    const formula =
      `(${inSize} − 1)·${stride} − ${padBefore} − ${padAfter} + ${dilation}·(${kernel} − 1) + ${outputPadding}` +
      ` + 1 = ${outSize}${note}`;
    return { ...forward, padBefore, padAfter, outputPadding, outSize, formula };
  };
  if (size === undefined) return axis(givenBefore, givenAfter, spec.outputPadding ?? 0, '');

  checkCount(op, 'options.outputSize', size, 1, shapes);
  if (spec.outputPadding !== undefined) {
    fail({
      op,
      arg: 'options.outputSize',
      expected: 'outputSize or outputPadding, not both (each sets the output size)',
      actual: `outputSize ${size} with outputPadding ${spec.outputPadding}`,
      shapes,
      hint: 'leave outputPadding out: outputSize derives it (with padding given) or the pads (without)',
    });
  }
  // The full output: every cell some input reaches, before any cropping.
  const full = (inSize - 1) * stride + forward.effectiveKernel;
  if (spec.pads) {
    // PyTorch's output_size: the pads stay, the output padding picks among the sizes they allow.
    const smallest = full - givenBefore - givenAfter;
    const outputPadding = size - smallest;
    if (outputPadding < 0 || outputPadding >= limit) {
      fail({
        op,
        arg: 'options.outputSize',
        expected: `a size in [${smallest} … ${smallest + limit - 1}] on spatial axis ${i} (with padding [${givenBefore}, ${givenAfter}] given, outputSize − ${smallest} is an output padding, < max(stride, dilation) = ${limit})`,
        actual: String(size),
        shapes,
        hint: `leave padding out for any size in [1 … ${full + limit - 1}] (ONNX output_shape: the full output ${full}, cropped or extended), or change the padding`,
      });
    }
    const note = ` (outputSize ${size}: outputPadding ${size} − ${smallest} = ${outputPadding})`;
    return axis(givenBefore, givenAfter, outputPadding, note);
  }
  // ONNX's output_shape: crop the total padding full − size, the larger half before (the schema's NOTSET and
  // SAME_LOWER split). A size past the full output is output padding, the extra cells at the end, as onnxruntime
  // and PyTorch place them (the schema's floor split would put one of every two before: semantics.md §6.4).
  const total = full - size;
  if (-total >= limit) {
    fail({
      op,
      arg: 'options.outputSize',
      expected: `a size in [1 … ${full + limit - 1}] on spatial axis ${i} (past the full output ${full} is an output padding, < max(stride, dilation) = ${limit})`,
      actual: String(size),
      shapes,
      hint: 'for more zero cells, pad the result: pad(y, widths)',
    });
  }
  if (total < 0) {
    return axis(0, 0, -total, ` (outputSize ${size}: ${-total} past the full output ${full}, as output padding)`);
  }
  const after = Math.floor(total / 2);
  const before = total - after;
  const note = ` (outputSize ${size}: total padding ${full} − ${size} = ${total}, split [${before}, ${after}] as ONNX output_shape)`;
  return axis(before, after, 0, note);
}

/**
 * The spatial output sizes an `outputSize` option asks for: one number for every axis, one per axis, or the full
 * output shape `[batch, outChannels, ...spatial]` (as PyTorch's `output_size`), whose leading two must match.
 */
function requestedSizes(
  op: string,
  outputSize: number | readonly number[] | undefined,
  leading: readonly [batch: number, outChannels: number],
  n: number,
  shapes: Shapes,
): (number | undefined)[] {
  if (outputSize === undefined) return Array<undefined>(n).fill(undefined);
  // Refused here, by name: perAxis would spread an array-like object (TypeError) before looking at its type.
  if (typeof outputSize !== 'number' && !Array.isArray(outputSize)) {
    fail({
      op,
      arg: 'options.outputSize',
      expected: `one number, ${n} spatial sizes, or the full output shape (${n + 2} numbers)`,
      actual: JSON.stringify(outputSize) ?? String(outputSize),
      shapes,
      hint: 'pass the output\'s spatial sizes as a list, e.g. [12, 11]',
    });
  }
  if (Array.isArray(outputSize) && outputSize.length === n + 2) {
    const [batch, channels, ...spatial] = outputSize as readonly number[];
    if (batch !== leading[0] || channels !== leading[1]) {
      fail({
        op,
        arg: 'options.outputSize',
        expected: `[${leading[0]}, ${leading[1]}, …] (batch and output channels) as the leading 2 entries of a full output shape`,
        actual: formatShape(outputSize as readonly number[]),
        shapes,
        hint: `give the ${n} spatial sizes only, e.g. ${formatShape(spatial)}`,
      });
    }
    return perAxis(op, 'options.outputSize', spatial, n, 1, shapes);
  }
  if (Array.isArray(outputSize) && outputSize.length !== n) {
    fail({
      op,
      arg: 'options.outputSize',
      expected: `one number, ${n} spatial sizes, or the full output shape (${n + 2} numbers)`,
      actual: `${outputSize.length} numbers ${formatShape(outputSize as readonly number[])}`,
      shapes,
      hint: `give the ${n} spatial sizes, e.g. [${Array<string>(n).fill('size').join(', ')}], or the whole output shape`,
    });
  }
  return perAxis(op, 'options.outputSize', outputSize as number | readonly number[], n, 1, shapes);
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
  const outputPaddings =
    options.outputPadding === undefined
      ? undefined
      : perAxis(op, 'options.outputPadding', options.outputPadding, n, 0, shapes);
  const sizes = requestedSizes(op, options.outputSize, [batch, outPerGroup * groups], n, shapes);
  const padding = options.padding ?? 0;
  if (typeof padding === 'string' && padding !== 'valid') {
    fail({
      op,
      arg: 'options.padding',
      expected: "a number, numbers, [before, after] pairs or 'valid'",
      actual: `'${String(padding)}'`,
      shapes,
      hint: "for TF's 'same' (output L·s) use padding [[p, q]] with p + q = d·(k−1) + 1 − s and the extra cell in q, or outputSize",
    });
  }
  const pads = resolvePadding(op, padding, inSizes, kernels, strides, dilations, shapes);
  const axes = inSizes.map((inSize, i) => {
    const stride = strides[i] ?? 1;
    const dilation = dilations[i] ?? 1;
    const outputPadding = outputPaddings?.[i];
    const axis = transposedAxis(op, i, shapes, {
      inSize,
      kernel: kernels[i] ?? 1,
      stride,
      dilation,
      // Padding left out is no padding, but with outputSize it selects ONNX's rule over PyTorch's (§6.3).
      pads: options.padding === undefined ? undefined : (pads[i] ?? [0, 0]),
      outputPadding,
      size: sizes[i],
    });
    if (axis.outSize < 1) {
      fail({
        op,
        arg: 'options.padding',
        expected: `pads that leave at least 1 output cell on spatial axis ${i}`,
        actual: `[${axis.padBefore}, ${axis.padAfter}]: ${axis.formula}`,
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
