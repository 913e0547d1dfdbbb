/**
 * The typed Backend interface: one method per kernel. Backends receive checked inputs and the shape record
 * from `shapes.ts`; they never recompute a size and never validate arguments.
 */
import type { ConvInfo } from '../shapes';

export interface Backend {
  /** Name shown in every displayed result, e.g. `'cpu'`. */
  readonly name: string;
  /**
   * 2-D cross-correlation.
   * @param x input `[batch, inChannels, inHeight, inWidth]`, row-major
   * @param w weight `[outChannels, inChannels/groups, kernelHeight, kernelWidth]`
   * @param bias `[outChannels]` or undefined
   * @returns output `[batch, outChannels, outHeight, outWidth]` as `info.outShape` says
   */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, info: ConvInfo): Float32Array;
}
