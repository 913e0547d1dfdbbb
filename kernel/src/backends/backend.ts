/**
 * The typed Backend interface: one method per kernel. Backends receive checked inputs and the shape record
 * from `shapes.ts`; they never recompute a size and never validate arguments. All arrays are row-major.
 */
import type { ConvInfo, PoolWindowsInfo, WindowInfo } from '../shapes';

export interface Backend {
  /** Name shown in every displayed result, e.g. `'cpu'`. */
  readonly name: string;

  // -- convolution, transposed convolution, im2col/col2im (any number of spatial axes) --

  /**
   * N-D cross-correlation, `info.axes.length` spatial axes, padding filled as `info.padMode`/`padValue` say.
   * @param x input `[batch, inChannels, ...inSizes]`
   * @param w weight `[outChannels, inChannels/groups, ...kernel]`
   * @param bias `[outChannels]` or undefined
   * @returns output `info.outShape` = `[batch, outChannels, ...outSizes]`
   */
  conv(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, info: ConvInfo): Float32Array;
  /**
   * N-D transposed convolution (the adjoint of `conv` w.r.t. its input, plus bias).
   * @param x input `[batch, inChannels, ...inSizes]`
   * @param w weight `[inChannels, outChannels/groups, ...kernel]`
   * @param bias `[outChannels]` or undefined
   * @returns output `info.outShape`
   */
  convTranspose(
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | undefined,
    info: ConvInfo,
  ): Float32Array;
  /**
   * Unfolds windows into columns (PyTorch `F.unfold` layout).
   * @param x `[batch, channels, ...inSizes]`
   * @returns `[batch, channels·Πkernel, Πoutsizes]`, row `c·K + q`, column = output position (row-major)
   */
  im2col(x: Float32Array, batch: number, channels: number, info: WindowInfo): Float32Array;
  /**
   * Folds columns back, summing overlaps (PyTorch `F.fold`); the adjoint of `im2col`.
   * @param cols `[batch, channels·Πkernel, Πoutsizes]`
   * @returns `[batch, channels, ...inSizes]`
   */
  col2im(cols: Float32Array, batch: number, channels: number, info: WindowInfo): Float32Array;

  // ── Pooling and gradients. Pool kernels take 2 spatial axes (1-D ops add a unit height); each output reads
  // the real input cells `info.axes[a].taps[i]` lists, so backends never see padding or recompute a window.

  /**
   * Max over each window (padding is −∞, so it never wins; NaN propagates, as PyTorch).
   * @param x `[batch, channels, inHeight, inWidth]`
   * @returns `out` `[batch, channels, outHeight, outWidth]` and, per output, the flat `h·inWidth + w` index of its
   *   first maximum within the input plane (ties go to the first in row-major window order).
   */
  maxPool2d(x: Float32Array, info: PoolWindowsInfo): { out: Float32Array; argmax: Int32Array };
  /** Mean over each window; the divisor counts padding (`countIncludePad`) or only real cells. Shapes as `maxPool2d`. */
  avgPool2d(x: Float32Array, info: PoolWindowsInfo, countIncludePad: boolean): Float32Array;
  /** `(Σ |x|^p)^(1/p)` over the real cells of each window (ONNX LpPool). Shapes as `maxPool2d`. */
  lpPool2d(x: Float32Array, info: PoolWindowsInfo, p: number): Float32Array;
  /** Routes each `dy` to its window's argmax. @returns `dx` `[batch, channels, inHeight, inWidth]` */
  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, info: PoolWindowsInfo): Float32Array;
  /** Spreads each `dy / divisor` over its window's real cells (the forward divisor). @returns `dx` like the input */
  avgPool2dBackward(dy: Float32Array, info: PoolWindowsInfo, countIncludePad: boolean): Float32Array;
  /**
   * Gradients of `conv2d` (reference §4). `dy` is `info.outShape`.
   * @returns `dx` like `x` `[batch, inChannels, H, W]`, `dw` like `w` `[outChannels, inChannels/groups, kH, kW]`,
   *   `db` `[outChannels]`
   */
  conv2dBackward(
    dy: Float32Array,
    x: Float32Array,
    w: Float32Array,
    info: ConvInfo,
  ): { dx: Float32Array; dw: Float32Array; db: Float32Array };
}

/**
 * True for the convs the fast backends implement: two spatial axes and zero padding. The others (1-D, 3-D,
 * reflect/replicate/circular or a non-zero constant) run on the reference loops.
 */
export function isZeroPadded2d(info: ConvInfo): boolean {
  return info.axes.length === 2 && info.padMode === 'constant' && info.padValue === 0;
}
