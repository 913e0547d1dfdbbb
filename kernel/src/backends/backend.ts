/**
 * The typed Backend interface: one method per kernel. Backends receive checked inputs and the shape record
 * from `shapes.ts`; they never recompute a size and never validate arguments. All arrays are row-major.
 */
import type { ConvInfo, PadAxis, PoolWindowsInfo, WindowInfo } from '../shapes';
import type { DeviceArray, Values } from '../tensor';

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

  /**
   * Pads (or crops) every axis: output cell `i` of axis `a` copies input cell `axes[a].source[i]`, or is
   * `value` where any axis says `-1`.
   * @param x `axes.map((a) => a.inSize)`, any rank (one PadAxis per axis)
   * @returns `axes.map((a) => a.outSize)`
   */
  pad(x: Float32Array, axes: readonly PadAxis[], value: number): Float32Array;

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

  /** Only on backends with a device (the gpu backend in pipeline mode): ops whose results stay there. */
  readonly resident?: ResidentKernels;
}

/**
 * The ops a device backend runs without reading results back (gpu.js pipeline mode): inputs are host or
 * device values, results are {@link DeviceArray}s a Tensor reads back only when `data` is read. Shapes as the
 * host methods of {@link Backend}. A method returns `undefined` for a call it does not take (the op then
 * runs the host method).
 */
export interface ResidentKernels {
  conv(x: Values, w: Values, bias: Values | undefined, info: ConvInfo): DeviceArray | undefined;
  pad(x: Values, axes: readonly PadAxis[], value: number): DeviceArray | undefined;
  /** The pooled values only (the forward op needs no argmax). */
  maxPool2d(x: Values, info: PoolWindowsInfo): DeviceArray | undefined;
  avgPool2d(x: Values, info: PoolWindowsInfo, countIncludePad: boolean): DeviceArray | undefined;
  /** `max(x, 0)` elementwise, any shape. */
  relu(x: Values): DeviceArray | undefined;
}

/** The compute methods of a {@link Backend}. */
export type Kernels = Omit<Backend, 'name' | 'resident'>;

/** Methods a fast backend implements; each may return `undefined` to hand a call to the reference loops. */
export type FastKernels = {
  [K in keyof Kernels]?: (...args: Parameters<Kernels[K]>) => ReturnType<Kernels[K]> | undefined;
};

/**
 * A backend made of `fast` methods over the `reference` loops: a call `fast` does not implement, or declines
 * with `undefined`, runs on `reference`. `name` is the backend that computed the last result (`name()` after
 * a fast or resident call, `reference.name` otherwise), so a result's provenance never claims a backend
 * that did not run. Before any call it is `name()`.
 * @example
 * const b = layered(() => 'wasm', { conv: (x, w, bias, info) => (isZeroPadded2d(info) ? fastConv(x, w, bias, info) : undefined) }, cpuBackend);
 * b.conv(x, w, undefined, conv1dInfo); b.name; // 'cpu'
 */
export function layered(name: () => string, fast: FastKernels, reference: Backend, resident?: ResidentKernels): Backend {
  let last: string | undefined;
  const report = <T>(out: T | undefined, by: () => string): T | undefined => {
    if (out !== undefined) last = by();
    return out;
  };
  const kernels = Object.fromEntries(
    (Object.keys(reference) as (keyof Backend)[])
      .filter((key): key is keyof Kernels => key !== 'name' && key !== 'resident')
      .map((key) => {
        const own = fast[key] as ((...args: unknown[]) => unknown) | undefined;
        const base = reference[key] as (...args: unknown[]) => unknown;
        const run = (...args: unknown[]): unknown =>
          report(own?.(...args), name) ?? report(base.apply(reference, args), () => reference.name);
        return [key, run];
      }),
  ) as unknown as Kernels;
  const onDevice =
    resident &&
    (Object.fromEntries(
      Object.entries(resident).map(([key, kernel]) => [
        key,
        (...args: unknown[]) => report((kernel as (...a: unknown[]) => unknown)(...args), name),
      ]),
    ) as unknown as ResidentKernels);
  return {
    ...kernels,
    get name() {
      return last ?? name();
    },
    ...(onDevice ? { resident: onDevice } : {}),
  };
}

/**
 * True for the convs the fast backends implement: two spatial axes and zero padding. The others (1-D, 3-D,
 * reflect/replicate/circular or a non-zero constant) run on the reference loops.
 */
export function isZeroPadded2d(info: ConvInfo): boolean {
  return info.axes.length === 2 && info.padMode === 'constant' && info.padValue === 0;
}
