/**
 * Transposed convolutions ("deconvolution", fractionally strided convolution): the adjoint of a convolution
 * with respect to its input, the upsampling layer of decoders (kernel/docs/semantics.md §6).
 */
import { backend } from '../backends';
import { checkRank, convTransposeInfo, type ConvTransposeOptions } from '../shapes';
import { Tensor } from '../tensor';
import { traceConv } from '../trace';
import { batchedInput, checkBias, type SpatialRank } from './conv';

/** Options of the transposed convolutions: {@link ConvTransposeOptions} plus a bias. */
export interface ConvTranspose2dOptions extends ConvTransposeOptions {
  /** Added to every output channel: shape `[outChannels]`. */
  bias?: Tensor;
}
/** Options of {@link convTranspose1d}. */
export type ConvTranspose1dOptions = ConvTranspose2dOptions;
/** Options of {@link convTranspose3d}. */
export type ConvTranspose3dOptions = ConvTranspose2dOptions;

function convTransposeNd(
  op: string,
  spatial: SpatialRank,
  input: Tensor,
  weight: Tensor,
  options: ConvTranspose2dOptions,
): Tensor {
  const batched = batchedInput(op, input, spatial);
  checkRank(op, 'weight', weight.shape, [spatial + 2], '[inChannels, outChannels/groups, ...kernel]');
  const info = convTransposeInfo(op, batched.shape, weight.shape, options);
  checkBias(op, options.bias, info.outChannels, input, weight);
  const out = backend().convTranspose(batched.values, weight.values, options.bias?.values, info);
  const outShape = input.rank === batched.rank ? info.outShape : info.outShape.slice(1);
  traceConv(info, input.shape, outShape, options.bias !== undefined);
  // No `window`: output cells are not windows over the input, so the feature-map window overlay would mislead.
  return new Tensor(out.values, outShape, { op, backend: out.backend, input, weight });
}

/**
 * 1-D transposed convolution, as PyTorch's `F.conv_transpose1d`: each input cell adds `x·w` into the output
 * at `i·s + j·d − pL`. Output length `(L − 1)·s − pL − pR + d·(k − 1) + outputPadding + 1`; `outputPadding`
 * must be `< max(stride, dilation)`. Only zero padding (PyTorch's ConvTranspose has no padding modes).
 * `outputSize` asks for the length instead (kernel/docs/semantics.md §6.3): without `padding` it crops or
 * extends the full output as ONNX's `output_shape` does; with `padding` it picks the output padding, as
 * PyTorch's `output_size`.
 *
 * @param input `[batch, inChannels, length]`, or unbatched `[inChannels, length]`
 * @param weight `[inChannels, outChannels / groups, kernelLength]` (in and out swapped w.r.t. conv1d)
 * @returns `[batch, outChannels, outLength]`
 * @example
 * const x = tensor([1, 2, 3], [1, 1, 3]);
 * const w = tensor([1, 10, 100], [1, 1, 3]);
 * convTranspose1d(x, w, { stride: 2 }).toArray();                                // [[[1, 10, 102, 20, 203, 30, 300]]]
 * convTranspose1d(x, w, { stride: 2, padding: 1, outputPadding: 1 }).toArray(); // [[[10, 102, 20, 203, 30, 300]]]
 * convTranspose1d(x, w, { stride: 2, outputSize: 5 }).toArray();               // [[[10, 102, 20, 203, 30]]]
 * convTranspose1d(x, w, { stride: 2, outputSize: 8 }).toArray();               // [[[1, 10, 102, 20, 203, 30, 300, 0]]]
 * convTranspose1d(x, w, { stride: 2, padding: 1, outputSize: 6 }).toArray();   // [[[10, 102, 20, 203, 30, 300]]]
 */
export function convTranspose1d(input: Tensor, weight: Tensor, options: ConvTranspose1dOptions = {}): Tensor {
  return convTransposeNd('convTranspose1d', 1, input, weight, options);
}

/**
 * 2-D transposed convolution, as PyTorch's `F.conv_transpose2d`; see {@link convTranspose1d}.
 *
 * @param input `[batch, inChannels, height, width]`, or unbatched `[inChannels, height, width]`
 * @param weight `[inChannels, outChannels / groups, kernelHeight, kernelWidth]`
 * @returns `[batch, outChannels, outHeight, outWidth]`, per axis `(L − 1)·s − pL − pR + d·(k − 1) + op + 1`
 * @example
 * convTranspose2d(ones([1, 1, 2, 2]), ones([1, 1, 2, 2]), { stride: 1 }).toArray();
 * // [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]
 * convTranspose2d(ones([1, 1, 6, 6]), ones([1, 1, 3, 3]), { stride: 2, padding: 1, outputSize: [1, 1, 12, 11] }).shape;
 * // [1, 1, 12, 11]  (PyTorch's output_size: outputPadding 1 on the rows, 0 on the columns)
 */
export function convTranspose2d(input: Tensor, weight: Tensor, options: ConvTranspose2dOptions = {}): Tensor {
  return convTransposeNd('convTranspose2d', 2, input, weight, options);
}

/**
 * 3-D transposed convolution, as PyTorch's `F.conv_transpose3d`; see {@link convTranspose1d}. The fast backends
 * have no transposed kernels: it runs on the reference loops (reported as `cpu`) on every backend.
 *
 * @param input `[batch, inChannels, depth, height, width]`, or unbatched `[inChannels, depth, height, width]`
 * @param weight `[inChannels, outChannels / groups, kernelDepth, kernelHeight, kernelWidth]`
 * @returns `[batch, outChannels, outDepth, outHeight, outWidth]`, per axis `(L − 1)·s − pL − pR + d·(k − 1) + op + 1`
 * @example
 * convTranspose3d(ones([1, 1, 1, 1, 2]), ones([1, 1, 2, 1, 1]), { stride: 2 }).toArray();
 * // [[[[[1, 0, 1]], [[1, 0, 1]]]]]  (depth 2 from the 2-tap kernel; width 3: the two cells at stride 2)
 */
export function convTranspose3d(input: Tensor, weight: Tensor, options: ConvTranspose3dOptions = {}): Tensor {
  return convTransposeNd('convTranspose3d', 3, input, weight, options);
}
