/**
 * Gradients, for teaching and for training tiny CNNs in a notebook (kernel/docs/semantics.md §10). Each backward op takes the
 * forward op's inputs and options plus `dy` (the loss gradient w.r.t. the forward output, same shape as it) and
 * checks `dy` against the shape the forward op would return, through the same shape functions.
 */
import { backend } from '../backends';
import { fail, formatShape } from '../errors';
import {
  adaptivePoolInfo,
  convInfo,
  checkLpOrder,
  checkRank,
  poolInfo,
  type AdaptiveOutputSize,
  type AdaptivePoolInfo,
  type AvgPoolOptions,
  type ConvOptions,
  type LpPoolOptions,
  type MaxPoolOptions,
  type PoolInfo,
  type Shape,
} from '../shapes';
import { Tensor } from '../tensor';
import { withBatch } from './batch';
import { preparePool, type Spatial } from './pool';

/** The gradients of {@link conv1dBackward}, {@link conv2dBackward} and {@link conv3dBackward}. */
export interface ConvGradients {
  /** `∂L/∂x`, shaped like `x`. */
  dx: Tensor;
  /** `∂L/∂w`, shaped like `w` `[outChannels, inChannels/groups, ...kernel]`. */
  dw: Tensor;
  /** `∂L/∂b` `[outChannels]`: `dy` summed over batch and space (whether or not the forward used a bias). */
  db: Tensor;
}

/** The gradients of {@link conv2dBackward} (the name before the 1-D and 3-D gradients came; {@link ConvGradients}). */
export type Conv2dGradients = ConvGradients;

/**
 * Fails unless `dy` has the forward output's shape; every backward op (here and in nn.ts) checks its `dy` with it.
 *
 * @example
 * checkDy('reluBackward', zeros([2]), [3], {}); // throws: reluBackward: dy expected shape [3] (the forward output's shape), got [2] …
 */
export function checkDy(op: string, dy: Tensor, expected: Shape, shapes: Record<string, Shape>): void {
  if (dy.rank !== expected.length || dy.shape.some((size, i) => size !== expected[i])) {
    fail({
      op,
      arg: 'dy',
      expected: `shape ${formatShape(expected)} (the forward output's shape)`,
      actual: formatShape(dy.shape),
      shapes: { dy: dy.shape, ...shapes },
      hint: 'dy is the loss gradient w.r.t. the forward output; pass the same tensors and options as the forward call',
    });
  }
}

/** The spatial axes of a conv's input, by name: the layouts the conv backwards name in their rank errors. */
const SPATIAL_AXES = { 1: ['length'], 2: ['height', 'width'], 3: ['depth', 'height', 'width'] } as const;

/** e.g. `'[batch, channels, length] or [channels, length]'` and `'[outChannels, inChannels/groups, kernelLength]'`. */
function convLayouts(spatial: Spatial): { x: string; w: string } {
  const axes = SPATIAL_AXES[spatial];
  const kernel = axes.map((a) => `kernel${a[0]!.toUpperCase()}${a.slice(1)}`);
  return {
    x: `[batch, channels, ${axes.join(', ')}] or [channels, ${axes.join(', ')}]`,
    w: `[outChannels, inChannels/groups, ${kernel.join(', ')}]`,
  };
}

/** The gradients of an N-D conv: checks as the forward op (zero padding only), then one backend kernel. */
function convBackward(op: string, spatial: Spatial, dy: Tensor, x: Tensor, w: Tensor, options: ConvOptions): ConvGradients {
  const layouts = convLayouts(spatial);
  const batched = withBatch(op, 'x', x, spatial + 2, layouts.x);
  checkRank(op, 'w', w.shape, [spatial + 2], layouts.w);
  const info = convInfo(op, batched.shape, w.shape, options);
  if (info.padMode !== 'constant' || info.padValue !== 0) {
    // The backward loops send gradients only to real input cells, which is right for zero padding only.
    fail({
      op,
      arg: 'options.paddingMode',
      expected: "zero padding ('zeros' or 'constant' with padValue 0)",
      actual: `'${info.padMode}'${info.padMode === 'constant' ? ` with padValue ${info.padValue}` : ''}`,
      shapes: { input: x.shape, weight: w.shape },
      hint: 'pad the input first with pad(x, widths, { mode }) and differentiate the unpadded conv of the result',
    });
  }
  checkDy(op, dy, x.rank === batched.rank ? info.outShape : info.outShape.slice(1), { input: x.shape, weight: w.shape });
  const grads = backend().convBackward(dy.values, batched.values, w.values, info).values;
  return {
    dx: new Tensor(grads.dx, x.shape),
    dw: new Tensor(grads.dw, w.shape),
    db: new Tensor(grads.db, [info.outChannels]),
  };
}

/**
 * Gradients of {@link conv2d} w.r.t. its input, weight and bias (kernel/docs/semantics.md §10.1), for every stride, padding (numbers,
 * per-side pairs, `'same'`), dilation and groups the forward op takes.
 *
 * - `dx[n,c,i·s − pL + j·d] += Σ_o dy[n,o,i] · w[o,c,j]` (a transposed convolution of `dy`; cells that land in
 *   the padding are dropped, and input rows the floor skipped get 0);
 * - `dw[o,c,j] = Σ_n Σ_i dy[n,o,i] · xpad[n,c,i·s + j·d]` (a correlation of the padded input with `dy`);
 * - `db[o] = Σ_{n,i} dy[n,o,i]`.
 *
 * @param dy `[batch, outChannels, outHeight, outWidth]`, the forward output's shape (unbatched if `x` is)
 * @param x the forward input `[batch, inChannels, height, width]` or `[inChannels, height, width]`
 * @param w the forward weight `[outChannels, inChannels/groups, kH, kW]`
 * @param options the forward call's stride, padding, dilation, groups
 * @example
 * const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
 * const w = tensor([[[[1, 0], [0, -1]]]]);
 * const { dx, dw, db } = conv2dBackward(tensor([[[[1, 1], [1, 1]]]]), x, w);
 * dx.toArray(); // [[[[1, 1, 0], [1, 0, -1], [0, -1, -1]]]]
 * dw.toArray(); // [[[[12, 16], [24, 28]]]]
 * db.toArray(); // [4]
 */
export function conv2dBackward(dy: Tensor, x: Tensor, w: Tensor, options: ConvOptions = {}): ConvGradients {
  return convBackward('conv2dBackward', 2, dy, x, w, options);
}

/**
 * Gradients of {@link conv1d} w.r.t. its input, weight and bias (as {@link conv2dBackward}, one spatial axis;
 * `padding: 'causal'` included).
 *
 * @param dy `[batch, outChannels, outLength]`, the forward output's shape (unbatched if `x` is)
 * @param x the forward input `[batch, inChannels, length]` or `[inChannels, length]`
 * @param w the forward weight `[outChannels, inChannels/groups, kernelLength]`
 * @param options the forward call's stride, padding, dilation, groups
 * @returns `dx` like `x`, `dw` like `w`, `db` `[outChannels]`
 * @example
 * const { dx, dw, db } = conv1dBackward(tensor([[[1, 2]]]), tensor([[[1, 2, 3]]]), tensor([[[1, -1]]]));
 * dx.toArray(); // [[[1, 1, -2]]]  (dy[0]·w spread from 0, dy[1]·w from 1)
 * dw.toArray(); // [[[5, 8]]]      (1·1 + 2·2, 1·2 + 2·3)
 * db.toArray(); // [3]
 */
export function conv1dBackward(dy: Tensor, x: Tensor, w: Tensor, options: ConvOptions = {}): ConvGradients {
  return convBackward('conv1dBackward', 1, dy, x, w, options);
}

/**
 * Gradients of {@link conv3d} w.r.t. its input, weight and bias (as {@link conv2dBackward}, three spatial axes).
 *
 * @param dy `[batch, outChannels, outDepth, outHeight, outWidth]`, the forward output's shape (unbatched if `x` is)
 * @param x the forward input `[batch, inChannels, depth, height, width]` or `[inChannels, depth, height, width]`
 * @param w the forward weight `[outChannels, inChannels/groups, kD, kH, kW]`
 * @param options the forward call's stride, padding, dilation, groups
 * @returns `dx` like `x`, `dw` like `w`, `db` `[outChannels]`
 * @example
 * const x = tensor([[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]]);
 * const { dx, dw, db } = conv3dBackward(tensor([[[[[2]]]]]), x, ones([1, 1, 2, 2, 2]));
 * dx.toArray(); // [[[[[2, 2], [2, 2]], [[2, 2], [2, 2]]]]]  (the one window, every tap weight 1)
 * dw.toArray(); // [[[[[2, 4], [6, 8]], [[10, 12], [14, 16]]]]]  (2·x)
 * db.toArray(); // [2]
 */
export function conv3dBackward(dy: Tensor, x: Tensor, w: Tensor, options: ConvOptions = {}): ConvGradients {
  return convBackward('conv3dBackward', 3, dy, x, w, options);
}

/** How a pool reduced its windows: which backward kernel routes `dy` back. */
type PoolReduce = 'max' | { countIncludePad: boolean } | { p: number };

/** The backward of a pool: checks as the forward op, then routes `dy` through the same windows. */
function poolBackward(
  op: string,
  spatial: Spatial,
  dy: Tensor,
  x: Tensor,
  reduce: PoolReduce,
  shapeInfo: (batchedShape: Shape) => PoolInfo | AdaptivePoolInfo,
): Tensor {
  const { batched, info, outShape } = preparePool(op, x, spatial, shapeInfo);
  checkDy(op, dy, outShape, { input: x.shape });
  const dx =
    reduce === 'max'
      ? backend().maxPoolBackward(dy.values, batched.values, info)
      : 'p' in reduce
        ? backend().lpPoolBackward(dy.values, batched.values, info, reduce.p)
        : backend().avgPoolBackward(dy.values, info, reduce.countIncludePad);
  return new Tensor(dx.values, x.shape);
}

function maxBackward(op: string, spatial: Spatial, dy: Tensor, x: Tensor, kernel: number | readonly number[], options: MaxPoolOptions): Tensor {
  return poolBackward(op, spatial, dy, x, 'max', (shape) => poolInfo(op, shape, kernel, options));
}

function avgBackward(op: string, spatial: Spatial, dy: Tensor, x: Tensor, kernel: number | readonly number[], options: AvgPoolOptions): Tensor {
  const countIncludePad = options.countIncludePad ?? true;
  return poolBackward(op, spatial, dy, x, { countIncludePad }, (shape) => poolInfo(op, shape, kernel, options));
}

function lpBackward(op: string, spatial: Spatial, dy: Tensor, x: Tensor, kernel: number | readonly number[], options: LpPoolOptions): Tensor {
  const p = options.p ?? 2;
  checkLpOrder(op, p);
  return poolBackward(op, spatial, dy, x, { p }, (shape) => poolInfo(op, shape, kernel, options));
}

function adaptiveBackward(op: string, spatial: Spatial, reduce: 'max' | 'avg', dy: Tensor, x: Tensor, outputSize: AdaptiveOutputSize): Tensor {
  const how = reduce === 'max' ? 'max' : { countIncludePad: false };
  return poolBackward(op, spatial, dy, x, how, (shape) => adaptivePoolInfo(op, shape, outputSize));
}

/**
 * Gradient of {@link maxPool2d} w.r.t. its input: each `dy` goes to its window's maximum; cells that are no
 * window's maximum get 0, and a cell that is the maximum of several windows gets the sum.
 *
 * Ties: the first maximum in row-major window order takes all of `dy`, as PyTorch's CPU kernel
 * (`[[1, 1], [1, 1]]`, kernel 2 → `dx = [[dy, 0], [0, 0]]`); tfjs picks the same cell. NaN: the last NaN of the
 * window takes it (PyTorch updates its argmax on `v > max || isnan(v)`). The cell is the one `returnIndices`
 * names.
 *
 * @param dy the forward output's shape `[batch, channels, outHeight, outWidth]` (unbatched if `x` is)
 * @param x the forward input; `kernel` and `options` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * maxPool2dBackward(tensor([[[[10]]]]), tensor([[[[1, 4], [3, 2]]]]), 2).toArray(); // [[[[0, 10], [0, 0]]]]
 * maxPool2dBackward(tensor([[[[1]]]]), tensor([[[[NaN, NaN], [1, 0]]]]), 2).toArray(); // [[[[0, 1], [0, 0]]]]
 */
export function maxPool2dBackward(dy: Tensor, x: Tensor, kernel: number | readonly [number, number], options: MaxPoolOptions = {}): Tensor {
  return maxBackward('maxPool2dBackward', 2, dy, x, kernel, options);
}

/**
 * Gradient of {@link maxPool1d} w.r.t. its input (as {@link maxPool2dBackward}).
 *
 * @param dy `[batch, channels, outLength]` (unbatched if `x` is)
 * @param x the forward input `[batch, channels, length]`; `kernel` and `options` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * maxPool1dBackward(tensor([[[1, 2]]]), tensor([[[3, 1, 0, 5]]]), 2).toArray(); // [[[1, 0, 0, 2]]]
 */
export function maxPool1dBackward(dy: Tensor, x: Tensor, kernel: number | readonly [number], options: MaxPoolOptions = {}): Tensor {
  return maxBackward('maxPool1dBackward', 1, dy, x, kernel, options);
}

/**
 * Gradient of {@link maxPool3d} w.r.t. its input (as {@link maxPool2dBackward}).
 *
 * @param dy `[batch, channels, outDepth, outHeight, outWidth]` (unbatched if `x` is)
 * @param x the forward input `[batch, channels, depth, height, width]`; `kernel` and `options` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * maxPool3dBackward(tensor([[[[[5]]]]]), tensor([[[[[1, 2], [3, 4]], [[8, 6], [7, 0]]]]]), 2).toArray();
 * // [[[[[0, 0], [0, 0]], [[5, 0], [0, 0]]]]]
 */
export function maxPool3dBackward(dy: Tensor, x: Tensor, kernel: number | readonly [number, number, number], options: MaxPoolOptions = {}): Tensor {
  return maxBackward('maxPool3dBackward', 3, dy, x, kernel, options);
}

/**
 * Gradient of {@link avgPool2d} w.r.t. its input: each `dy / divisor` is spread over its window's real cells, with
 * the forward divisor (padding counted when `countIncludePad`, the default; a ceil-mode overhang never).
 *
 * @param dy the forward output's shape `[batch, channels, outHeight, outWidth]` (unbatched if `x` is)
 * @param x the forward input; `kernel` and `options` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * avgPool2dBackward(tensor([[[[4]]]]), tensor([[[[1, 4], [3, 2]]]]), 2).toArray(); // [[[[1, 1], [1, 1]]]]
 */
export function avgPool2dBackward(dy: Tensor, x: Tensor, kernel: number | readonly [number, number], options: AvgPoolOptions = {}): Tensor {
  return avgBackward('avgPool2dBackward', 2, dy, x, kernel, options);
}

/**
 * Gradient of {@link avgPool1d} w.r.t. its input (as {@link avgPool2dBackward}).
 *
 * @param dy `[batch, channels, outLength]` (unbatched if `x` is)
 * @param x the forward input `[batch, channels, length]`; `kernel` and `options` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * avgPool1dBackward(tensor([[[2, 4]]]), tensor([[[1, 2, 3, 4]]]), 2).toArray(); // [[[1, 1, 2, 2]]]
 */
export function avgPool1dBackward(dy: Tensor, x: Tensor, kernel: number | readonly [number], options: AvgPoolOptions = {}): Tensor {
  return avgBackward('avgPool1dBackward', 1, dy, x, kernel, options);
}

/**
 * Gradient of {@link avgPool3d} w.r.t. its input (as {@link avgPool2dBackward}).
 *
 * @param dy `[batch, channels, outDepth, outHeight, outWidth]` (unbatched if `x` is)
 * @param x the forward input `[batch, channels, depth, height, width]`; `kernel` and `options` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * avgPool3dBackward(tensor([[[[[8]]]]]), tensor([[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]]), 2).toArray();
 * // [[[[[1, 1], [1, 1]], [[1, 1], [1, 1]]]]]
 */
export function avgPool3dBackward(dy: Tensor, x: Tensor, kernel: number | readonly [number, number, number], options: AvgPoolOptions = {}): Tensor {
  return avgBackward('avgPool3dBackward', 3, dy, x, kernel, options);
}

/**
 * Gradient of {@link lpPool2d} w.r.t. its input: `dx += dy · sign(x)·|x|^(p−1) / y^(p−1)` over each window's real
 * cells, `y` the window's output; a window whose output is 0 sends nothing (the subgradient 0, where autograd
 * through `(Σ |x|^p)^(1/p)` gives NaN for p > 1).
 *
 * @param dy the forward output's shape `[batch, channels, outHeight, outWidth]` (unbatched if `x` is)
 * @param x the forward input; `kernel` and `options` (p, stride, padding, ceilMode) as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * lpPool2dBackward(tensor([[[[10]]]]), tensor([[[[3, -4]]]]), [1, 2]).toArray(); // [[[[6, -8]]]]  (y = 5: 10·3/5, 10·(−4)/5)
 */
export function lpPool2dBackward(dy: Tensor, x: Tensor, kernel: number | readonly [number, number], options: LpPoolOptions = {}): Tensor {
  return lpBackward('lpPool2dBackward', 2, dy, x, kernel, options);
}

/**
 * Gradient of {@link lpPool1d} w.r.t. its input (as {@link lpPool2dBackward}).
 *
 * @param dy `[batch, channels, outLength]` (unbatched if `x` is)
 * @param x the forward input `[batch, channels, length]`; `kernel` and `options` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * lpPool1dBackward(tensor([[[1, 1]]]), tensor([[[-1, 2, 0, 3]]]), 2, { p: 1 }).toArray(); // [[[-1, 1, 0, 1]]]
 */
export function lpPool1dBackward(dy: Tensor, x: Tensor, kernel: number | readonly [number], options: LpPoolOptions = {}): Tensor {
  return lpBackward('lpPool1dBackward', 1, dy, x, kernel, options);
}

/**
 * Gradient of {@link lpPool3d} w.r.t. its input (as {@link lpPool2dBackward}).
 *
 * @param dy `[batch, channels, outDepth, outHeight, outWidth]` (unbatched if `x` is)
 * @param x the forward input `[batch, channels, depth, height, width]`; `kernel` and `options` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * lpPool3dBackward(tensor([[[[[2]]]]]), tensor([[[[[1, 1], [1, 1]], [[1, 1], [1, 1]]]]]), 2).toArray();
 * // [[[[[0.7071, 0.7071], [0.7071, 0.7071]], [[0.7071, 0.7071], [0.7071, 0.7071]]]]]  (y = √8: 2·1/√8)
 */
export function lpPool3dBackward(dy: Tensor, x: Tensor, kernel: number | readonly [number, number, number], options: LpPoolOptions = {}): Tensor {
  return lpBackward('lpPool3dBackward', 3, dy, x, kernel, options);
}

/**
 * Gradient of {@link adaptiveAvgPool2d} w.r.t. its input: each `dy / binSize` over its bin (overlapping bins add).
 *
 * @param dy `[batch, channels, ...outputSize]` (unbatched if `x` is)
 * @param x the forward input `[batch, channels, height, width]`; `outputSize` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * adaptiveAvgPool2dBackward(tensor([[[[3, 6]]]]), tensor([[[[1, 2, 3]]]]), [1, 2]).toArray(); // [[[[1.5, 4.5, 3]]]]
 */
export function adaptiveAvgPool2dBackward(dy: Tensor, x: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  return adaptiveBackward('adaptiveAvgPool2dBackward', 2, 'avg', dy, x, outputSize);
}

/**
 * Gradient of {@link adaptiveAvgPool1d} w.r.t. its input (as {@link adaptiveAvgPool2dBackward}).
 *
 * @param dy `[batch, channels, outputSize]` (unbatched if `x` is)
 * @param x the forward input `[batch, channels, length]`; `outputSize` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * adaptiveAvgPool1dBackward(tensor([[[3, 6]]]), tensor([[[1, 2, 3]]]), 2).toArray(); // [[[1.5, 4.5, 3]]]
 */
export function adaptiveAvgPool1dBackward(dy: Tensor, x: Tensor, outputSize: number | readonly [number | null]): Tensor {
  return adaptiveBackward('adaptiveAvgPool1dBackward', 1, 'avg', dy, x, outputSize);
}

/**
 * Gradient of {@link adaptiveAvgPool3d} w.r.t. its input (as {@link adaptiveAvgPool2dBackward}).
 *
 * @param dy `[batch, channels, ...outputSize]` (unbatched if `x` is)
 * @param x the forward input `[batch, channels, depth, height, width]`; `outputSize` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * adaptiveAvgPool3dBackward(tensor([[[[[8]]]]]), tensor([[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]]), 1).toArray();
 * // [[[[[1, 1], [1, 1]], [[1, 1], [1, 1]]]]]
 */
export function adaptiveAvgPool3dBackward(dy: Tensor, x: Tensor, outputSize: number | readonly [number | null, number | null, number | null]): Tensor {
  return adaptiveBackward('adaptiveAvgPool3dBackward', 3, 'avg', dy, x, outputSize);
}

/**
 * Gradient of {@link adaptiveMaxPool2d} w.r.t. its input: each `dy` to its bin's maximum (ties and NaN as
 * {@link maxPool2dBackward}).
 *
 * @param dy `[batch, channels, ...outputSize]` (unbatched if `x` is)
 * @param x the forward input `[batch, channels, height, width]`; `outputSize` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * adaptiveMaxPool2dBackward(tensor([[[[1, 1]]]]), tensor([[[[1, 5, 3]]]]), [1, 2]).toArray(); // [[[[0, 2, 0]]]]
 */
export function adaptiveMaxPool2dBackward(dy: Tensor, x: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  return adaptiveBackward('adaptiveMaxPool2dBackward', 2, 'max', dy, x, outputSize);
}

/**
 * Gradient of {@link adaptiveMaxPool1d} w.r.t. its input (as {@link adaptiveMaxPool2dBackward}).
 *
 * @param dy `[batch, channels, outputSize]` (unbatched if `x` is)
 * @param x the forward input `[batch, channels, length]`; `outputSize` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * adaptiveMaxPool1dBackward(tensor([[[1, 1]]]), tensor([[[1, 5, 3]]]), 2).toArray(); // [[[0, 2, 0]]]
 */
export function adaptiveMaxPool1dBackward(dy: Tensor, x: Tensor, outputSize: number | readonly [number | null]): Tensor {
  return adaptiveBackward('adaptiveMaxPool1dBackward', 1, 'max', dy, x, outputSize);
}

/**
 * Gradient of {@link adaptiveMaxPool3d} w.r.t. its input (as {@link adaptiveMaxPool2dBackward}).
 *
 * @param dy `[batch, channels, ...outputSize]` (unbatched if `x` is)
 * @param x the forward input `[batch, channels, depth, height, width]`; `outputSize` as the forward call
 * @returns `dx`, shaped like `x`
 * @example
 * adaptiveMaxPool3dBackward(tensor([[[[[3]]]]]), tensor([[[[[1, 2], [3, 4]], [[5, 9], [7, 8]]]]]), 1).toArray();
 * // [[[[[0, 0], [0, 0]], [[0, 3], [0, 0]]]]]
 */
export function adaptiveMaxPool3dBackward(dy: Tensor, x: Tensor, outputSize: number | readonly [number | null, number | null, number | null]): Tensor {
  return adaptiveBackward('adaptiveMaxPool3dBackward', 3, 'max', dy, x, outputSize);
}
