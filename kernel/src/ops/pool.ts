/**
 * Pooling. Each op reads like a paragraph: check → shape info (shapes/) → backend → trace → Tensor.
 *
 * Layout NCHW (or NCL for 1-D); unbatched input (CHW / CL) is accepted and gives unbatched output, as in PyTorch.
 * Choices where libraries disagree (kernel/docs/semantics.md §5.7), each tested in test/unit/ops/pool.test.ts:
 * - stride defaults to the kernel size (PyTorch; ONNX defaults to 1);
 * - max-pool padding is −∞: padding never wins;
 * - padding is at most `floor(kE / 2)` per side, so every window holds a real value (PyTorch's avg-pool rule; its
 *   max pool checks `floor(k / 2)`, stricter with dilation: ConvLab allows `[1..9]`, k3, d2, padding 2);
 * - `ceilMode` drops a last window that would start in the right padding (PyTorch, ONNX; not tfjs);
 * - average pooling counts padding in the divisor by default (`countIncludePad: true`, PyTorch); ONNX, TF, tfjs and
 *   Keras exclude it — pass `countIncludePad: false` to match them. A ceil-mode overhang never counts.
 */
import { backend } from '../backends';
import {
  adaptivePoolInfo,
  checkLpOrder,
  checkRank,
  poolInfo,
  windowOf,
  type AdaptivePoolInfo,
  type PoolInfo,
  type PoolWindows,
  type PoolWindowsInfo,
  type Shape,
  type MaxPoolOptions,
  type AvgPoolOptions,
  type LpPoolOptions,
} from '../shapes';
import type { Computed } from '../backends/backend';
import { Tensor, type Values } from '../tensor';
import { tracePool } from '../trace';
import { withBatch } from './batch';

/** A pooling call after its checks: the batched input, the shape info and the 2-D windows backends read. */
interface Prepared<Info> {
  batched: Tensor;
  info: Info;
  windows: PoolWindowsInfo;
  outShape: Shape;
}

/** A unit height axis, so 1-D pools run on the 2-D kernels. */
const UNIT_AXIS: PoolWindows = { inSize: 1, outSize: 1, taps: [[0]], paddedTaps: [1], formula: '1' };

const LAYOUTS = {
  1: '[batch, channels, length] or [channels, length]',
  2: '[batch, channels, height, width] or [channels, height, width]',
} as const;

/**
 * The checks and shape info of a pooling call (also for the backward ops in grad.ts): the input's rank, the batched
 * input, the info record from `shapeInfo`, and the 2-D windows the backend kernels read.
 *
 * @example
 * preparePool('maxPool2d', x, 2, (shape) => poolInfo('maxPool2d', shape, 2, {})).outShape; // for x [1,1,4,4]: [1,1,2,2]
 */
export function preparePool<Info extends PoolInfo | AdaptivePoolInfo>(
  op: string,
  input: Tensor,
  spatial: 1 | 2,
  shapeInfo: (batchedShape: Shape) => Info,
): Prepared<Info> {
  const unbatched = input.rank === spatial + 1;
  const batched = withBatch(op, 'input', input, spatial + 2, LAYOUTS[spatial]);
  const info = shapeInfo(batched.shape);
  const windows = spatial === 2 ? info : { ...info, axes: [UNIT_AXIS, ...info.axes] };
  return { batched, info, windows, outShape: unbatched ? info.outShape.slice(1) : info.outShape };
}

/**
 * Max or average pooling on the current backend, on its device where it keeps results there (gpu pipeline
 * mode). `windows` has two axes (see {@link Backend.maxPool2d}).
 */
function pooled(x: Tensor, windows: PoolWindowsInfo, kind: 'max' | 'avg', countIncludePad = false): Computed<Values> {
  if (kind === 'max') return backend().maxPool2d(x.values, windows);
  return backend().avgPool2d(x.values, windows, countIncludePad);
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
): Tensor {
  const { info, outShape } = prepared;
  tracePool(info, input.shape, outShape);
  const axes = 'ceilMode' in info ? info.axes : info.uniform;
  const window = axes ? windowOf({ axes, groups: info.channels }, padding) : undefined;
  return new Tensor(out.values, outShape, { op, backend: out.backend, input, ...(window ? { window } : {}) });
}

function maxPool(op: string, spatial: 1 | 2, input: Tensor, kernel: number | readonly number[], options: MaxPoolOptions): Tensor {
  const prepared = preparePool(op, input, spatial, (shape) => poolInfo(op, shape, kernel, options));
  return finish(op, input, prepared, pooled(prepared.batched, prepared.windows, 'max'), '-inf');
}

function avgPool(op: string, spatial: 1 | 2, input: Tensor, kernel: number | readonly number[], options: AvgPoolOptions): Tensor {
  const prepared = preparePool(op, input, spatial, (shape) => poolInfo(op, shape, kernel, options));
  const countIncludePad = options.countIncludePad ?? true;
  const out = pooled(prepared.batched, prepared.windows, 'avg', countIncludePad);
  return finish(op, input, prepared, out, countIncludePad ? 'zeros' : 'excluded');
}

/**
 * 2-D max pooling, as PyTorch's `F.max_pool2d` (padding is −∞; NaN propagates).
 *
 * @param input `[batch, channels, height, width]` or unbatched `[channels, height, width]`
 * @param kernel window size: one number or `[kernelHeight, kernelWidth]`
 * @param options stride (default: the kernel), padding (≤ half the effective kernel per side), dilation, ceilMode
 * @returns `[batch, channels, outHeight, outWidth]`, `out = floor((L + pL + pR − d(k−1) − 1) / s) + 1` (ceil in
 *   ceil mode, minus a last window that would start in the right padding)
 * @example
 * maxPool2d(tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]), 2).toArray();
 * // [[[[6, 8], [14, 16]]]]
 */
export function maxPool2d(input: Tensor, kernel: number | readonly [number, number], options: MaxPoolOptions = {}): Tensor {
  return maxPool('maxPool2d', 2, input, kernel, options);
}

/**
 * 1-D max pooling, as PyTorch's `F.max_pool1d`.
 *
 * @param input `[batch, channels, length]` or unbatched `[channels, length]`
 * @param kernel window length
 * @returns `[batch, channels, outLength]`
 * @example
 * maxPool1d(tensor([[[1, 2, 3, 4, 5, 6]]]), 2, { stride: 1, dilation: 2 }).toArray(); // [[[3, 4, 5, 6]]]
 */
export function maxPool1d(input: Tensor, kernel: number, options: MaxPoolOptions = {}): Tensor {
  return maxPool('maxPool1d', 1, input, kernel, options);
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
export function avgPool2d(input: Tensor, kernel: number | readonly [number, number], options: AvgPoolOptions = {}): Tensor {
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
export function avgPool1d(input: Tensor, kernel: number, options: AvgPoolOptions = {}): Tensor {
  return avgPool('avgPool1d', 1, input, kernel, options);
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
export function lpPool2d(input: Tensor, kernel: number | readonly [number, number], options: LpPoolOptions = {}): Tensor {
  const op = 'lpPool2d';
  const p = options.p ?? 2;
  checkLpOrder(op, p);
  const prepared = preparePool(op, input, 2, (shape) => poolInfo(op, shape, kernel, options));
  return finish(op, input, prepared, backend().lpPool2d(prepared.batched.values, prepared.windows, p), 'excluded');
}

function adaptive(op: string, kind: 'avg' | 'max', input: Tensor, outputSize: number | readonly number[]): Tensor {
  const prepared = preparePool(op, input, 2, (shape) => adaptivePoolInfo(op, shape, outputSize));
  return finish(op, input, prepared, pooled(prepared.batched, prepared.windows, kind), kind === 'max' ? '-inf' : 'excluded');
}

/**
 * Adaptive average pooling to a fixed output size, as PyTorch's `F.adaptive_avg_pool2d` (and Keras 3): output bin
 * `i` of `O` over length `L` averages `[floor(i·L/O), ceil((i+1)·L/O))`; bins overlap when `L % O ≠ 0`.
 *
 * @param input `[batch, channels, height, width]` or unbatched `[channels, height, width]`
 * @param outputSize `[outHeight, outWidth]` or one number for both
 * @returns `[batch, channels, outHeight, outWidth]`
 * @example
 * adaptiveAvgPool2d(tensor([[[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]]]), [1, 4]).toArray(); // [[[[2, 4, 7, 9]]]]  (bins (0,3) (2,5) (5,8) (7,10))
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly [number, number]): Tensor {
  return adaptive('adaptiveAvgPool2d', 'avg', input, outputSize);
}

/**
 * Adaptive max pooling to a fixed output size, as PyTorch's `F.adaptive_max_pool2d` (bins as
 * {@link adaptiveAvgPool2d}).
 *
 * @param input `[batch, channels, height, width]` or unbatched `[channels, height, width]`
 * @param outputSize `[outHeight, outWidth]` or one number for both
 * @returns `[batch, channels, outHeight, outWidth]`
 * @example
 * adaptiveMaxPool2d(tensor([[[[1, 2, 3]]]]), [1, 5]).toArray(); // [[[[1, 2, 2, 3, 3]]]]
 */
export function adaptiveMaxPool2d(input: Tensor, outputSize: number | readonly [number, number]): Tensor {
  return adaptive('adaptiveMaxPool2d', 'max', input, outputSize);
}

function globalPool(op: string, kind: 'avg' | 'max', input: Tensor): Tensor {
  checkRank(op, 'input', input.shape, [3, 4, 5], '[batch, channels, ...spatial] with 1 to 3 spatial axes');
  // One bin over all spatial axes at once: the 2-D kernels see each plane as one row.
  const [batch = 0, channels = 0, ...spatial] = input.shape;
  const flat = input.reshape([batch, channels, 1, spatial.reduce((a, b) => a * b, 1)]);
  const info = adaptivePoolInfo(op, input.shape, 1);
  const windows = adaptivePoolInfo(op, flat.shape, 1);
  const out = pooled(flat, windows, kind);
  return finish(op, input, { batched: flat, info, windows, outShape: info.outShape }, out, kind === 'max' ? '-inf' : 'excluded');
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

