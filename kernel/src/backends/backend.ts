/**
 * The typed Backend interface: one method per kernel. Backends receive checked inputs and the shape record
 * from `shapes.ts`; they never recompute a size and never validate arguments. All arrays are row-major.
 */
import type { ConvInfo, WindowInfo } from '../shapes';

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
}
