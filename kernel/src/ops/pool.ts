/**
 * Pooling. Each op reads like a paragraph: check → shape info (shapes/) → backend → trace → Tensor.
 *
 * Layout NCL, NCHW or NCDHW for 1 to 3 spatial axes; unbatched input (CL / CHW / CDHW) is accepted and gives
 * unbatched output, as in PyTorch. One backend kernel per pool serves every spatial rank.
 * Choices where libraries disagree (kernel/docs/semantics.md §5.7), each tested in test/unit/ops/pool.test.ts:
 * - stride defaults to the kernel size (PyTorch; ONNX defaults to 1);
 * - max-pool padding is −∞: padding never wins; a dilated window whose taps all land in the padding gives −∞;
 * - padding is at most `kE − 1` per side (ONNX, TF: every window overlaps the input's real span), wider than
 *   PyTorch's `floor(k / 2)`;
 * - `ceilMode` drops a last window that would start in the right padding (PyTorch, ONNX; not tfjs);
 * - average pooling counts padding in the divisor by default (`countIncludePad: true`, PyTorch); ONNX, TF, tfjs and
 *   Keras exclude it — pass `countIncludePad: false` to match them. A ceil-mode overhang never counts.
 * - max-pool indices (`returnIndices`) are float32 Tensors holding integers, as every ConvLab tensor: the flat
 *   index within the input plane (PyTorch's layout), exact because a plane may hold at most 2^24 cells.
 */
import { backend } from '../backends';
import { fail, formatShape } from '../errors';
import {
  adaptivePoolInfo,
  checkIndexPlane,
  checkLpOrder,
  checkOptionKeys,
  checkRank,
  maxUnpoolInfo,
  poolInfo,
  windowOf,
  ADAPTIVE_MAX_POOL_OPTION_KEYS,
  type AdaptiveMaxPoolOptions,
  type AdaptiveOutputSize,
  type AdaptivePoolInfo,
  type PoolInfo,
  type Shape,
  type MaxPoolIndexOptions,
  type AvgPoolOptions,
  type LpPoolOptions,
  type MaxUnpoolOptions,
} from '../shapes';
import type { Computed } from '../backends/backend';
import { Tensor, type Values } from '../tensor';
import { traceOp, tracePool } from '../trace';
import { withBatch } from './batch';

/** The number of spatial axes of a pool. */
export type Spatial = 1 | 2 | 3;

/** A kernel size: one number for every axis, or one per axis. */
type Sizes<N extends Spatial> = number | (N extends 1 ? readonly [number] : N extends 2 ? readonly [number, number] : readonly [number, number, number]);

/** An adaptive output size: one number, or one per axis where `null` keeps the axis. */
type OutSizes<N extends Spatial> =
  | number
  | (N extends 1 ? readonly [number | null] : N extends 2 ? readonly [number | null, number | null] : readonly [number | null, number | null, number | null]);

/** A max pool's values and where each came from (`returnIndices: true`). */
export interface MaxPoolResult {
  /** The pooled values, as without `returnIndices`. */
  values: Tensor;
  /**
   * Like `values`: the flat index of each maximum within its input plane (`h·W + w` in 2-D, `(d·H + h)·W + w`
   * in 3-D), PyTorch's layout, as a float32 Tensor holding integers; −1 for a window with no real cell.
   */
  indices: Tensor;
}

/**
 * What a max pool returns for its options' type: `{ values, indices }` with `returnIndices: true`, the values
 * when `returnIndices` is absent or false, either when it is only known to be a boolean. One generic signature
 * rather than overloads, so a misspelt option is reported against the options type by name.
 */
export type MaxPoolOutput<O> = O extends { returnIndices: true }
  ? MaxPoolResult
  : 'returnIndices' extends keyof O
    ? true extends O['returnIndices' & keyof O]
      ? Tensor | MaxPoolResult
      : Tensor
    : Tensor;

/** The options type of a max pool called without options. */
type NoIndices = { returnIndices?: false };

/** A pooling call after its checks: the batched input, the shape info backends read, the output's shape. */
interface Prepared<Info> {
  batched: Tensor;
  info: Info;
  outShape: Shape;
}

const LAYOUTS = {
  1: '[batch, channels, length] or [channels, length]',
  2: '[batch, channels, height, width] or [channels, height, width]',
  3: '[batch, channels, depth, height, width] or [channels, depth, height, width]',
} as const;

/**
 * The checks and shape info of a pooling call (also for the backward ops in grad.ts): the input's rank, the batched
 * input, the info record from `shapeInfo` (which backends read as it is) and the output's shape.
 *
 * @example
 * preparePool('maxPool2d', x, 2, (shape) => poolInfo('maxPool2d', shape, 2, {})).outShape; // for x [1,1,4,4]: [1,1,2,2]
 */
export function preparePool<Info extends PoolInfo | AdaptivePoolInfo>(
  op: string,
  input: Tensor,
  spatial: Spatial,
  shapeInfo: (batchedShape: Shape) => Info,
): Prepared<Info> {
  const unbatched = input.rank === spatial + 1;
  const batched = withBatch(op, 'input', input, spatial + 2, LAYOUTS[spatial]);
  const info = shapeInfo(batched.shape);
  return { batched, info, outShape: unbatched ? info.outShape.slice(1) : info.outShape };
}

/**
 * What a pool's padding cells stand for, in the view's words: `'-inf'` (max: never wins), `'zeros'` (average
 * counting padding), `'excluded'` (average or LP over real cells only).
 */
type PoolPadding = '-inf' | 'zeros' | 'excluded';

function finish(
  op: string,
  input: Tensor,
  prepared: Prepared<PoolInfo | AdaptivePoolInfo>,
  out: Computed<Values>,
  padding: PoolPadding,
  power?: number,
): Tensor {
  const { info, outShape } = prepared;
  tracePool(info, input.shape, outShape);
  const axes = 'ceilMode' in info ? info.axes : info.uniform;
  // An Lp pool's p rides along in the window, for the hover's (Σ xᵖ)^(1/p).
  const window = axes ? { ...windowOf({ axes, groups: info.channels }, padding), ...(power !== undefined ? { power } : {}) } : undefined;
  return new Tensor(out.values, outShape, { op, backend: out.backend, input, ...(window ? { window } : {}) });
}

/** The values of a max pool, with their indices when asked (checked first: a plane of at most 2^24 cells). */
function maxResult(op: string, input: Tensor, prepared: Prepared<PoolInfo | AdaptivePoolInfo>, returnIndices: boolean): Tensor | MaxPoolResult {
  const { batched, info, outShape } = prepared;
  // The flag picks the return type, so a truthy non-boolean (1, 'yes') must not pass for `true` at run time.
  if (typeof returnIndices !== 'boolean') {
    fail({
      op,
      arg: 'options.returnIndices',
      expected: 'true or false',
      actual: JSON.stringify(returnIndices) ?? String(returnIndices),
      shapes: { input: input.shape },
      hint: 'returnIndices: true returns { values, indices }; leave it out for the values alone',
    });
  }
  if (returnIndices) checkIndexPlane(op, batched.shape);
  const values = finish(op, input, prepared, backend().maxPool(batched.values, info), '-inf');
  if (!returnIndices) return values;
  const indices = backend().maxPoolIndices(batched.values, info);
  return { values, indices: new Tensor(indices.values, outShape, { op, backend: indices.backend, input }) };
}

function maxPool(op: string, spatial: Spatial, input: Tensor, kernel: number | readonly number[], options: MaxPoolIndexOptions): Tensor | MaxPoolResult {
  // returnIndices is the forward op's own option; the window options are checked (unknown keys too) by poolInfo.
  const { returnIndices = false, ...window } = options;
  const prepared = preparePool(op, input, spatial, (shape) => poolInfo(op, shape, kernel, window));
  return maxResult(op, input, prepared, returnIndices);
}

function avgPool(op: string, spatial: Spatial, input: Tensor, kernel: number | readonly number[], options: AvgPoolOptions): Tensor {
  const prepared = preparePool(op, input, spatial, (shape) => poolInfo(op, shape, kernel, options));
  const countIncludePad = options.countIncludePad ?? true;
  const out = backend().avgPool(prepared.batched.values, prepared.info, countIncludePad);
  return finish(op, input, prepared, out, countIncludePad ? 'zeros' : 'excluded');
}

function lpPool(op: string, spatial: Spatial, input: Tensor, kernel: number | readonly number[], options: LpPoolOptions): Tensor {
  const p = options.p ?? 2;
  checkLpOrder(op, p);
  const prepared = preparePool(op, input, spatial, (shape) => poolInfo(op, shape, kernel, options));
  return finish(op, input, prepared, backend().lpPool(prepared.batched.values, prepared.info, p), 'excluded', p);
}

/**
 * 2-D max pooling, as PyTorch's `F.max_pool2d` (padding is −∞; NaN propagates).
 *
 * @param input `[batch, channels, height, width]` or unbatched `[channels, height, width]`
 * @param kernel window size: one number or `[kernelHeight, kernelWidth]`
 * @param options stride (default: the kernel), padding (at most `kE − 1` per side), dilation, ceilMode,
 *   returnIndices (→ `{ values, indices }`, see {@link MaxPoolResult})
 * @returns `[batch, channels, outHeight, outWidth]`, `out = floor((L + pL + pR − d(k−1) − 1) / s) + 1` (ceil in
 *   ceil mode, minus a last window that would start in the right padding)
 * @example
 * maxPool2d(tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]), 2).toArray();
 * // [[[[6, 8], [14, 16]]]]
 * maxPool2d(tensor([[[[1, 9, 2, 3], [4, 5, 8, 6]]]]), 2, { returnIndices: true }).indices.toArray();
 * // [[[[1, 6]]]]  (9 at h0·W + w1 = 1, 8 at 1·4 + 2 = 6)
 */
export function maxPool2d<O extends MaxPoolIndexOptions = NoIndices>(input: Tensor, kernel: Sizes<2>, options?: O): MaxPoolOutput<O> {
  return maxPool('maxPool2d', 2, input, kernel, options ?? {}) as MaxPoolOutput<O>;
}

/**
 * 1-D max pooling, as PyTorch's `F.max_pool1d`.
 *
 * @param input `[batch, channels, length]` or unbatched `[channels, length]`
 * @param kernel window length
 * @param options as {@link maxPool2d}
 * @returns `[batch, channels, outLength]`
 * @example
 * maxPool1d(tensor([[[1, 2, 3, 4, 5, 6]]]), 2, { stride: 1, dilation: 2 }).toArray(); // [[[3, 4, 5, 6]]]
 */
export function maxPool1d<O extends MaxPoolIndexOptions = NoIndices>(input: Tensor, kernel: Sizes<1>, options?: O): MaxPoolOutput<O> {
  return maxPool('maxPool1d', 1, input, kernel, options ?? {}) as MaxPoolOutput<O>;
}

/**
 * 3-D max pooling, as PyTorch's `F.max_pool3d`.
 *
 * @param input `[batch, channels, depth, height, width]` or unbatched `[channels, depth, height, width]`
 * @param kernel window size: one number or `[kernelDepth, kernelHeight, kernelWidth]`
 * @param options as {@link maxPool2d}
 * @returns `[batch, channels, outDepth, outHeight, outWidth]`
 * @example
 * maxPool3d(tensor([[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]]), 2).toArray(); // [[[[[8]]]]]
 * maxPool3d(tensor([[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]]), [2, 1, 2]).toArray(); // [[[[[6], [8]]]]]
 */
export function maxPool3d<O extends MaxPoolIndexOptions = NoIndices>(input: Tensor, kernel: Sizes<3>, options?: O): MaxPoolOutput<O> {
  return maxPool('maxPool3d', 3, input, kernel, options ?? {}) as MaxPoolOutput<O>;
}

/**
 * 2-D average pooling, as PyTorch's `F.avg_pool2d` (`countIncludePad` default true; see the module comment).
 *
 * @param input `[batch, channels, height, width]` or unbatched `[channels, height, width]`
 * @param kernel window size: one number or `[kernelHeight, kernelWidth]`
 * @returns `[batch, channels, outHeight, outWidth]`
 * @example
 * const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
 * avgPool2d(x, 3, { stride: 1, padding: 1 }).data[0];                          // 1.5556 (14/9, the corner)
 * avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false }).data[0];  // 3.5    (14/4)
 */
export function avgPool2d(input: Tensor, kernel: Sizes<2>, options: AvgPoolOptions = {}): Tensor {
  return avgPool('avgPool2d', 2, input, kernel, options);
}

/**
 * 1-D average pooling, as PyTorch's `F.avg_pool1d`.
 *
 * @param input `[batch, channels, length]` or unbatched `[channels, length]`
 * @returns `[batch, channels, outLength]`
 * @example
 * avgPool1d(tensor([[[1, 2, 3, 4, 5]]]), 2, { ceilMode: true }).toArray(); // [[[1.5, 3.5, 5]]]  (overhang not counted)
 */
export function avgPool1d(input: Tensor, kernel: Sizes<1>, options: AvgPoolOptions = {}): Tensor {
  return avgPool('avgPool1d', 1, input, kernel, options);
}

/**
 * 3-D average pooling, as PyTorch's `F.avg_pool3d`.
 *
 * @param input `[batch, channels, depth, height, width]` or unbatched `[channels, depth, height, width]`
 * @param kernel window size: one number or `[kernelDepth, kernelHeight, kernelWidth]`
 * @returns `[batch, channels, outDepth, outHeight, outWidth]`
 * @example
 * avgPool3d(tensor([[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]]), 2).toArray(); // [[[[[4.5]]]]]
 */
export function avgPool3d(input: Tensor, kernel: Sizes<3>, options: AvgPoolOptions = {}): Tensor {
  return avgPool('avgPool3d', 3, input, kernel, options);
}

/**
 * 2-D power-average (LP) pooling, `(Σ |x|^p)^(1/p)` over each window, as ONNX `LpPool`.
 *
 * Differs from PyTorch's `LPPool2d` on purpose: PyTorch raises `x^p` without the absolute value, so negative inputs
 * give NaN (odd p) or a sign flip, which PyTorch's own tracker calls a bug (pytorch/pytorch#184037). On inputs ≥ 0
 * the two agree. Padding cells are 0 and add nothing; a ceil-mode overhang sums only the real cells (the plain
 * definition, as onnxruntime; PyTorch and onnx.reference scale the overhanging window's average by the kernel).
 *
 * @param input `[batch, channels, height, width]` or unbatched `[channels, height, width]`
 * @param options p (default 2), stride (default: the kernel), padding, ceilMode
 * @returns `[batch, channels, outHeight, outWidth]`
 * @example
 * lpPool2d(tensor([[[[-1, -2, 3, -4]]]]), [1, 2], { p: 3 }).toArray(); // [[[[2.0801, 4.4979]]]]
 * lpPool2d(tensor([[[[-1, -2, 3, -4]]]]), [1, 2], { p: 1 }).toArray(); // [[[[3, 7]]]]
 */
export function lpPool2d(input: Tensor, kernel: Sizes<2>, options: LpPoolOptions = {}): Tensor {
  return lpPool('lpPool2d', 2, input, kernel, options);
}

/**
 * 1-D LP pooling, `(Σ |x|^p)^(1/p)` over each window (as {@link lpPool2d}).
 *
 * @param input `[batch, channels, length]` or unbatched `[channels, length]`
 * @returns `[batch, channels, outLength]`
 * @example
 * lpPool1d(tensor([[[3, -4, 6, 8]]]), 2).toArray(); // [[[5, 10]]]  (p 2: √(9 + 16), √(36 + 64))
 */
export function lpPool1d(input: Tensor, kernel: Sizes<1>, options: LpPoolOptions = {}): Tensor {
  return lpPool('lpPool1d', 1, input, kernel, options);
}

/**
 * 3-D LP pooling, `(Σ |x|^p)^(1/p)` over each window (as {@link lpPool2d}).
 *
 * @param input `[batch, channels, depth, height, width]` or unbatched `[channels, depth, height, width]`
 * @returns `[batch, channels, outDepth, outHeight, outWidth]`
 * @example
 * lpPool3d(tensor([[[[[1, -1], [1, 1]], [[-1, 1], [1, 1]]]]]), 2, { p: 1 }).toArray(); // [[[[[8]]]]]
 */
export function lpPool3d(input: Tensor, kernel: Sizes<3>, options: LpPoolOptions = {}): Tensor {
  return lpPool('lpPool3d', 3, input, kernel, options);
}

function adaptive(op: string, spatial: Spatial, input: Tensor, outputSize: AdaptiveOutputSize): Prepared<AdaptivePoolInfo> {
  return preparePool(op, input, spatial, (shape) => adaptivePoolInfo(op, shape, outputSize));
}

function adaptiveAvg(op: string, spatial: Spatial, input: Tensor, outputSize: AdaptiveOutputSize): Tensor {
  const prepared = adaptive(op, spatial, input, outputSize);
  return finish(op, input, prepared, backend().avgPool(prepared.batched.values, prepared.info, false), 'excluded');
}

function adaptiveMax(op: string, spatial: Spatial, input: Tensor, outputSize: AdaptiveOutputSize, options: AdaptiveMaxPoolOptions): Tensor | MaxPoolResult {
  checkOptionKeys(op, 'options', options, ADAPTIVE_MAX_POOL_OPTION_KEYS);
  return maxResult(op, input, adaptive(op, spatial, input, outputSize), options.returnIndices ?? false);
}

/**
 * Adaptive average pooling to a fixed output size, as PyTorch's `F.adaptive_avg_pool2d` (and Keras 3): output bin
 * `i` of `O` over length `L` averages `[floor(i·L/O), ceil((i+1)·L/O))`; bins overlap when `L % O ≠ 0`.
 *
 * @param input `[batch, channels, height, width]` or unbatched `[channels, height, width]`
 * @param outputSize `[outHeight, outWidth]` or one number for both; `null` keeps that axis (PyTorch's `None`)
 * @returns `[batch, channels, outHeight, outWidth]`
 * @example
 * adaptiveAvgPool2d(tensor([[[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]]]), [1, 4]).toArray(); // [[[[2, 4, 7, 9]]]]  (bins (0,3) (2,5) (5,8) (7,10))
 * adaptiveAvgPool2d(tensor([[[[1, 2, 3, 4], [5, 6, 7, 8]]]]), [null, 2]).toArray();   // [[[[1.5, 3.5], [5.5, 7.5]]]]
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: OutSizes<2>): Tensor {
  return adaptiveAvg('adaptiveAvgPool2d', 2, input, outputSize);
}

/**
 * 1-D adaptive average pooling, as PyTorch's `F.adaptive_avg_pool1d` (bins as {@link adaptiveAvgPool2d}).
 *
 * @param input `[batch, channels, length]` or unbatched `[channels, length]`
 * @param outputSize the output length
 * @returns `[batch, channels, outputSize]`
 * @example
 * adaptiveAvgPool1d(tensor([[[1, 2, 3, 4, 5]]]), 2).toArray(); // [[[2, 4]]]  (bins (0,3) (2,5))
 */
export function adaptiveAvgPool1d(input: Tensor, outputSize: OutSizes<1>): Tensor {
  return adaptiveAvg('adaptiveAvgPool1d', 1, input, outputSize);
}

/**
 * 3-D adaptive average pooling, as PyTorch's `F.adaptive_avg_pool3d` (bins as {@link adaptiveAvgPool2d}).
 *
 * @param input `[batch, channels, depth, height, width]` or unbatched `[channels, depth, height, width]`
 * @param outputSize `[outDepth, outHeight, outWidth]` (`null` keeps an axis) or one number for all three
 * @returns `[batch, channels, ...outputSize]`
 * @example
 * adaptiveAvgPool3d(tensor([[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]]), [1, null, 1]).toArray(); // [[[[[3.5], [5.5]]]]]
 */
export function adaptiveAvgPool3d(input: Tensor, outputSize: OutSizes<3>): Tensor {
  return adaptiveAvg('adaptiveAvgPool3d', 3, input, outputSize);
}

/**
 * Adaptive max pooling to a fixed output size, as PyTorch's `F.adaptive_max_pool2d` (bins as
 * {@link adaptiveAvgPool2d}).
 *
 * @param input `[batch, channels, height, width]` or unbatched `[channels, height, width]`
 * @param outputSize `[outHeight, outWidth]` or one number for both; `null` keeps that axis
 * @param options returnIndices (→ `{ values, indices }`, see {@link MaxPoolResult})
 * @returns `[batch, channels, outHeight, outWidth]`
 * @example
 * adaptiveMaxPool2d(tensor([[[[1, 2, 3]]]]), [1, 5]).toArray(); // [[[[1, 2, 2, 3, 3]]]]
 * adaptiveMaxPool2d(tensor([[[[1, 5, 3]]]]), [1, 2], { returnIndices: true }).indices.toArray(); // [[[[1, 1]]]]
 */
export function adaptiveMaxPool2d<O extends AdaptiveMaxPoolOptions = NoIndices>(input: Tensor, outputSize: OutSizes<2>, options?: O): MaxPoolOutput<O> {
  return adaptiveMax('adaptiveMaxPool2d', 2, input, outputSize, options ?? {}) as MaxPoolOutput<O>;
}

/**
 * 1-D adaptive max pooling, as PyTorch's `F.adaptive_max_pool1d`.
 *
 * @param input `[batch, channels, length]` or unbatched `[channels, length]`
 * @param outputSize the output length
 * @param options as {@link adaptiveMaxPool2d}
 * @returns `[batch, channels, outputSize]`
 * @example
 * adaptiveMaxPool1d(tensor([[[1, 7, 3, 4, 5]]]), 2).toArray(); // [[[7, 5]]]  (bins (0,3) (2,5))
 */
export function adaptiveMaxPool1d<O extends AdaptiveMaxPoolOptions = NoIndices>(input: Tensor, outputSize: OutSizes<1>, options?: O): MaxPoolOutput<O> {
  return adaptiveMax('adaptiveMaxPool1d', 1, input, outputSize, options ?? {}) as MaxPoolOutput<O>;
}

/**
 * 3-D adaptive max pooling, as PyTorch's `F.adaptive_max_pool3d`.
 *
 * @param input `[batch, channels, depth, height, width]` or unbatched `[channels, depth, height, width]`
 * @param outputSize `[outDepth, outHeight, outWidth]` (`null` keeps an axis) or one number for all three
 * @param options as {@link adaptiveMaxPool2d}
 * @returns `[batch, channels, ...outputSize]`
 * @example
 * adaptiveMaxPool3d(tensor([[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]]), [null, 1, 1]).toArray(); // [[[[[4]], [[8]]]]]
 */
export function adaptiveMaxPool3d<O extends AdaptiveMaxPoolOptions = NoIndices>(input: Tensor, outputSize: OutSizes<3>, options?: O): MaxPoolOutput<O> {
  return adaptiveMax('adaptiveMaxPool3d', 3, input, outputSize, options ?? {}) as MaxPoolOutput<O>;
}

function globalPool(op: string, kind: 'avg' | 'max', input: Tensor): Tensor {
  checkRank(op, 'input', input.shape, [3, 4, 5], '[batch, channels, ...spatial] with 1 to 3 spatial axes');
  // One bin over all spatial axes at once: the kernels see each plane as one row (which the gpu kernel takes).
  const [batch = 0, channels = 0, ...spatial] = input.shape;
  const flat = input.reshape([batch, channels, spatial.reduce((a, b) => a * b, 1)]);
  const info = adaptivePoolInfo(op, input.shape, 1);
  const bins = adaptivePoolInfo(op, flat.shape, 1);
  const out = kind === 'max' ? backend().maxPool(flat.values, bins) : backend().avgPool(flat.values, bins, false);
  return finish(op, input, { batched: flat, info, outShape: info.outShape }, out, kind === 'max' ? '-inf' : 'excluded');
}

/**
 * Mean over all spatial axes, keeping them as size 1, as ONNX `GlobalAveragePool` (= `adaptive_avg_pool(x, 1)`).
 *
 * @param input `[batch, channels, ...spatial]` with 1 to 3 spatial axes
 * @returns `[batch, channels, 1, …]`
 * @example
 * globalAvgPool(tensor([[[[1, 2], [3, 6]]]])).toArray(); // [[[[3]]]]
 */
export function globalAvgPool(input: Tensor): Tensor {
  return globalPool('globalAvgPool', 'avg', input);
}

/**
 * Maximum over all spatial axes, keeping them as size 1, as ONNX `GlobalMaxPool`.
 *
 * @param input `[batch, channels, ...spatial]` with 1 to 3 spatial axes
 * @returns `[batch, channels, 1, …]`
 * @example
 * globalMaxPool(tensor([[[[1, 2], [3, 6]]]])).toArray(); // [[[[6]]]]
 */
export function globalMaxPool(input: Tensor): Tensor {
  return globalPool('globalMaxPool', 'max', input);
}


/** Checks that the indices fit the input and name cells of the output plane (or −1: no cell), as PyTorch checks. */
function checkUnpoolIndices(op: string, input: Tensor, indices: Tensor, outPlane: number): void {
  const shapes = { input: input.shape, indices: indices.shape };
  if (indices.rank !== input.rank || indices.shape.some((size, i) => size !== input.shape[i])) {
    fail({
      op,
      arg: 'indices',
      expected: `the input's shape ${formatShape(input.shape)}`,
      actual: formatShape(indices.shape),
      shapes,
      hint: 'pass the indices the max pool returned with the values: maxPool2d(x, k, { returnIndices: true })',
    });
  }
  const data = indices.data;
  for (let i = 0; i < data.length; i++) {
    const at = data[i]!;
    if (!Number.isInteger(at) || at < -1 || at >= outPlane) {
      fail({
        op,
        arg: 'indices',
        expected: `integers in [0, ${outPlane}) (flat indices within an output plane of ${outPlane} cells; −1: none)`,
        actual: `${at} at flat position ${i}`,
        shapes,
        hint: Number.isInteger(at) && at >= outPlane
          ? 'the output is smaller than the pooled input was: pass outputSize with the forward input\'s spatial size'
          : 'pass the indices a max pool returned (returnIndices: true), unchanged',
      });
    }
  }
}

function maxUnpool(
  op: string,
  spatial: Spatial,
  input: Tensor,
  indices: Tensor,
  kernel: number | readonly number[],
  options: MaxUnpoolOptions,
): Tensor {
  const unbatched = input.rank === spatial + 1;
  const batched = withBatch(op, 'input', input, spatial + 2, LAYOUTS[spatial]);
  const info = maxUnpoolInfo(op, batched.shape, kernel, options);
  checkUnpoolIndices(op, input, indices, info.outPlane);
  const out = backend().maxUnpool(batched.values, indices.values, info);
  const outShape = unbatched ? info.outShape.slice(1) : info.outShape;
  traceOp({ op, inShape: input.shape, outShape });
  return new Tensor(out.values, outShape, { op, backend: out.backend, input });
}

/**
 * The partial inverse of {@link maxPool2d}, as PyTorch's `F.max_unpool2d`: each value goes to the cell its index
 * names in its output plane; every other cell is 0.
 *
 * @param input the pooled values `[batch, channels, height, width]` or `[channels, height, width]`
 * @param indices the pool's indices (`returnIndices: true`), shaped like `input`
 * @param kernel the forward pool's kernel; `options` its stride (default: the kernel) and padding, and `outputSize`
 * @returns `[batch, channels, outHeight, outWidth]`, each `(L − 1)·s − 2p + k` unless `outputSize` says
 *   otherwise (strictly within the stride of that size, as PyTorch checks)
 * @example
 * const { values, indices } = maxPool2d(tensor([[[[1, 9, 2, 3], [4, 5, 8, 6]]]]), 2, { returnIndices: true });
 * maxUnpool2d(values, indices, 2).toArray(); // [[[[0, 9, 0, 0], [0, 0, 8, 0]]]]
 */
export function maxUnpool2d(input: Tensor, indices: Tensor, kernel: Sizes<2>, options: MaxUnpoolOptions = {}): Tensor {
  return maxUnpool('maxUnpool2d', 2, input, indices, kernel, options);
}

/**
 * The partial inverse of {@link maxPool1d}, as PyTorch's `F.max_unpool1d` (see {@link maxUnpool2d}).
 *
 * @param input the pooled values `[batch, channels, length]` or `[channels, length]`
 * @param indices the pool's indices, shaped like `input`
 * @returns `[batch, channels, outLength]`
 * @example
 * maxUnpool1d(tensor([[[7, 5]]]), tensor([[[1, 3]]]), 2, { outputSize: [5] }).toArray(); // [[[0, 7, 0, 5, 0]]]
 */
export function maxUnpool1d(input: Tensor, indices: Tensor, kernel: Sizes<1>, options: MaxUnpoolOptions = {}): Tensor {
  return maxUnpool('maxUnpool1d', 1, input, indices, kernel, options);
}

/**
 * The partial inverse of {@link maxPool3d}, as PyTorch's `F.max_unpool3d` (see {@link maxUnpool2d}).
 *
 * @param input the pooled values `[batch, channels, depth, height, width]` or `[channels, depth, height, width]`
 * @param indices the pool's indices, shaped like `input`
 * @returns `[batch, channels, outDepth, outHeight, outWidth]`
 * @example
 * maxUnpool3d(tensor([[[[[8]]]]]), tensor([[[[[7]]]]]), 2).toArray(); // [[[[[0, 0], [0, 0]], [[0, 0], [0, 8]]]]]
 */
export function maxUnpool3d(input: Tensor, indices: Tensor, kernel: Sizes<3>, options: MaxUnpoolOptions = {}): Tensor {
  return maxUnpool('maxUnpool3d', 3, input, indices, kernel, options);
}
