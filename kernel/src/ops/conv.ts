/**
 * Convolutions. Each op reads like a paragraph: check → shape info → backend → result with provenance.
 * conv1d, conv2d and conv3d are one function with the number of spatial axes as a parameter.
 */
import { fail, formatShape } from '../errors';
import { backend } from '../backends';
import { checkRank, convInfo, paddingModeName, windowOf, type ConvOptions } from '../shapes';
import { Tensor } from '../tensor';
import { withBatch } from './batch';
import { traceConv } from '../trace';

/** Options of {@link conv1d}, {@link conv2d} and {@link conv3d}: {@link ConvOptions} plus a bias. */
export interface Conv2dOptions extends ConvOptions {
  /** Added to every output channel: shape `[outChannels]`. */
  bias?: Tensor;
}
/** Options of {@link conv1d}. */
export type Conv1dOptions = Conv2dOptions;
/** Options of {@link conv3d}. */
export type Conv3dOptions = Conv2dOptions;

const LAYOUTS = {
  1: { input: '[batch, channels, length]', weight: '[outChannels, inChannels/groups, kernelLength]' },
  2: {
    input: '[batch, channels, height, width]',
    weight: '[outChannels, inChannels/groups, kernelHeight, kernelWidth]',
  },
  3: {
    input: '[batch, channels, depth, height, width]',
    weight: '[outChannels, inChannels/groups, kernelDepth, kernelHeight, kernelWidth]',
  },
} as const;

/** Spatial axes of a convolution: 1, 2 or 3. */
export type SpatialRank = keyof typeof LAYOUTS;

/**
 * Checks the ranks (accepting an unbatched input, one axis fewer) and returns the input with a batch axis.
 * Shared by the convolutions, the transposed convolutions and im2col.
 */
export function batchedInput(op: string, input: Tensor, spatial: SpatialRank): Tensor {
  return withBatch(op, 'input', input, spatial + 2, `${LAYOUTS[spatial].input} or unbatched without batch`);
}

/** Checks a bias against the output channels. */
export function checkBias(
  op: string,
  bias: Tensor | undefined,
  outChannels: number,
  input: Tensor,
  weight: Tensor,
): void {
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outChannels)) {
    fail({
      op,
      arg: 'options.bias',
      expected: `shape [${outChannels}] (one value per output channel)`,
      actual: formatShape(bias.shape),
      shapes: { input: input.shape, weight: weight.shape, bias: bias.shape },
    });
  }
}

function convNd(
  op: string,
  spatial: SpatialRank,
  input: Tensor,
  weight: Tensor,
  options: Conv2dOptions,
): Tensor {
  const batched = batchedInput(op, input, spatial);
  checkRank(op, 'weight', weight.shape, [spatial + 2], LAYOUTS[spatial].weight);
  const info = convInfo(op, batched.shape, weight.shape, options);
  checkBias(op, options.bias, info.outChannels, input, weight);
  const out = backend().conv(batched.values, weight.values, options.bias?.values, info);
  const outShape = input.rank === batched.rank ? info.outShape : info.outShape.slice(1);
  traceConv(info, input.shape, outShape, options.bias !== undefined);
  const window = windowOf(info, paddingModeName(info));
  // The bias tensor, not its values: reading them here would copy a device-resident bias back on every call;
  // the display reads it only when the result is shown (window.bias, for the hover's Σ x·w + b).
  return new Tensor(out.values, outShape, { op, backend: out.backend, input, weight, ...(options.bias ? { bias: options.bias } : {}), window });
}

/**
 * 1-D cross-correlation (no kernel flip), as PyTorch's `F.conv1d` and ONNX `Conv`.
 *
 * @param input `[batch, inChannels, length]` (NCL), or unbatched `[inChannels, length]`
 * @param weight `[outChannels, inChannels / groups, kernelLength]`
 * @param options stride, padding (incl. `'causal'`: left pad `d·(k−1)`), dilation, groups, paddingMode, padValue, bias
 * @returns `[batch, outChannels, outLength]`, `outLength = floor((L + pL + pR − d(k−1) − 1) / s) + 1`
 * @example
 * const x = tensor([1, 2, 3, 4, 5, 6], [1, 1, 6]);
 * conv1d(x, tensor([1, 10, 100], [1, 1, 3])).toArray();                        // [[[321, 432, 543, 654]]]
 * conv1d(x, tensor([1, 10, 100], [1, 1, 3]), { padding: 'causal' }).toArray(); // [[[100, 210, 321, 432, 543, 654]]]
 */
export function conv1d(input: Tensor, weight: Tensor, options: Conv1dOptions = {}): Tensor {
  return convNd('conv1d', 1, input, weight, options);
}

/**
 * 2-D cross-correlation (no kernel flip), as PyTorch's `F.conv2d` and ONNX `Conv`.
 *
 * `padding` takes a number, one per axis, `[before, after]` pairs, `'valid'`, `'same'` (any stride, extra
 * cell at the end), `'same_lower'` or `'full'`; `paddingMode` fills it as `pad` would (PyTorch's
 * `padding_mode`, plus `'symmetric'`, and pads longer than the input keep reflecting).
 *
 * @param input `[batch, inChannels, height, width]` (NCHW), or unbatched `[inChannels, height, width]`
 * @param weight `[outChannels, inChannels / groups, kernelHeight, kernelWidth]` (OIHW)
 * @returns `[batch, outChannels, outHeight, outWidth]` with `out = floor((L + pL + pR − d(k−1) − 1) / s) + 1`
 *   (unbatched in, unbatched out); displaying it shows input, kernel and output side by side.
 * @example
 * const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
 * const w = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
 * conv2d(x, w).toArray(); // [[[[348, 393], [528, 573]]]]
 */
export function conv2d(input: Tensor, weight: Tensor, options: Conv2dOptions = {}): Tensor {
  return convNd('conv2d', 2, input, weight, options);
}

/**
 * 3-D cross-correlation (no kernel flip), as PyTorch's `F.conv3d`; options as {@link conv2d}.
 *
 * @param input `[batch, inChannels, depth, height, width]` (NCDHW), or unbatched `[inChannels, depth, height, width]`
 * @param weight `[outChannels, inChannels / groups, kernelDepth, kernelHeight, kernelWidth]`
 * @returns `[batch, outChannels, outDepth, outHeight, outWidth]`
 * @example
 * conv3d(ones([1, 1, 3, 3, 3]), ones([1, 1, 2, 2, 2])).toArray();
 * // [[[[[8, 8], [8, 8]], [[8, 8], [8, 8]]]]]
 */
export function conv3d(input: Tensor, weight: Tensor, options: Conv3dOptions = {}): Tensor {
  return convNd('conv3d', 3, input, weight, options);
}
