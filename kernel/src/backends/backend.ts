/**
 * The typed Backend interface: one method per kernel. Backends receive checked inputs and the shape record
 * from `shapes/`; they never recompute a size and never validate arguments. All arrays are row-major.
 */
import type { ConvInfo, MaxUnpoolInfo, PadAxis, PoolWindowsInfo, WindowInfo } from '../shapes';
import type { DeviceArray, Values } from '../tensor';

/**
 * The kernels, one method each, over values of type `V`: `Float32Array` for code that computes in host memory
 * (the reference loops), {@link Values} (host or device) for what the ops call. One declaration, so a kernel's
 * arguments are written once for every backend.
 */
export interface KernelsOver<V> {
  // -- convolution, transposed convolution, im2col/col2im (any number of spatial axes) --

  /**
   * N-D cross-correlation, `info.axes.length` spatial axes, padding filled as `info.padMode`/`padValue` say.
   * @param x input `[batch, inChannels, ...inSizes]`
   * @param w weight `[outChannels, inChannels/groups, ...kernel]`
   * @param bias `[outChannels]` or undefined
   * @returns output `info.outShape` = `[batch, outChannels, ...outSizes]`
   */
  conv(x: V, w: V, bias: V | undefined, info: ConvInfo): V;
  /**
   * N-D transposed convolution (the adjoint of `conv` w.r.t. its input, plus bias).
   * @param x input `[batch, inChannels, ...inSizes]`
   * @param w weight `[inChannels, outChannels/groups, ...kernel]`
   * @param bias `[outChannels]` or undefined
   * @returns output `info.outShape`
   */
  convTranspose(x: V, w: V, bias: V | undefined, info: ConvInfo): V;
  /**
   * Unfolds windows into columns (PyTorch `F.unfold` layout).
   * @param x `[batch, channels, ...inSizes]`
   * @returns `[batch, channels·Πkernel, Πoutsizes]`, row `c·K + q`, column = output position (row-major)
   */
  im2col(x: V, batch: number, channels: number, info: WindowInfo): V;
  /**
   * Folds columns back, summing overlaps (PyTorch `F.fold`); the adjoint of `im2col`.
   * @param cols `[batch, channels·Πkernel, Πoutsizes]`
   * @returns `[batch, channels, ...inSizes]`
   */
  col2im(cols: V, batch: number, channels: number, info: WindowInfo): V;

  /**
   * Pads (or crops) every axis: output cell `i` of axis `a` copies input cell `axes[a].source[i]`, or is
   * `value` where any axis says `-1`.
   * @param x `axes.map((a) => a.inSize)`, any rank (one PadAxis per axis)
   * @returns `axes.map((a) => a.outSize)`
   */
  pad(x: V, axes: readonly PadAxis[], value: number): V;

  /** `max(x, 0)` elementwise, any shape; NaN stays NaN (as PyTorch). */
  relu(x: V): V;

  // ── Pooling and gradients. Pool kernels take 1 to 3 spatial axes (`info.axes.length`); each output reads the
  // real input cells `info.axes[a].taps[i]` lists, so backends never see padding or recompute a window.

  /**
   * Max over each window (padding is −∞, so it never wins; NaN propagates, as PyTorch; a window with no real
   * cell, which only dilation makes, gives −∞).
   * @param x `[batch, channels, ...inSizes]`
   * @returns `[batch, channels, ...outSizes]`
   */
  maxPool(x: V, info: PoolWindowsInfo): V;
  /**
   * Where each window's maximum is: its flat index within the input plane (`h·W + w` in 2-D), as float32 values
   * holding integers (the ops check the plane holds at most 2^24 cells); −1 for a window with no real cell. The
   * same cell the gradient goes to: the first maximum in row-major window order, the last NaN (PyTorch's CPU
   * kernel updates on `v > max || isnan(v)`). Shapes as `maxPool`.
   */
  maxPoolIndices(x: V, info: PoolWindowsInfo): V;
  /** Mean over each window; the divisor counts padding (`countIncludePad`) or only real cells. Shapes as `maxPool`. */
  avgPool(x: V, info: PoolWindowsInfo, countIncludePad: boolean): V;
  /** `(Σ |x|^p)^(1/p)` over the real cells of each window (ONNX LpPool). Shapes as `maxPool`. */
  lpPool(x: V, info: PoolWindowsInfo, p: number): V;
  /**
   * Routes each `dy` to its window's maximum in `x`, the cell `maxPoolIndices` names.
   * @param dy `[batch, channels, ...outSizes]`
   * @param x the forward input `[batch, channels, ...inSizes]`
   * @returns `dx` like `x`
   */
  maxPoolBackward(dy: V, x: V, info: PoolWindowsInfo): V;
  /** Spreads each `dy / divisor` over its window's real cells (the forward divisor). @returns `dx` like the input */
  avgPoolBackward(dy: V, info: PoolWindowsInfo, countIncludePad: boolean): V;
  /**
   * Gradient of `lpPool`: `dx += dy · sign(x)·|x|^(p−1) · y^(1−p)` over each window's real cells, with `y` the
   * window's forward value; 0 where `y = 0` (the subgradient; autograd gives NaN there). Shapes as `maxPoolBackward`.
   */
  lpPoolBackward(dy: V, x: V, info: PoolWindowsInfo, p: number): V;
  /**
   * Scatters each value to the cell its index names in its output plane (PyTorch's `max_unpool`): the rest is 0;
   * of two values sent to one cell the later (row-major) stays; an index of −1 sends nothing.
   * @param x the pooled values `[batch, channels, ...inSizes]` (`info.inPlane` cells a plane)
   * @param indices like `x`: integers in `[−1, info.outPlane)` (the ops check them)
   * @returns `info.outShape`
   */
  maxUnpool(x: V, indices: V, info: MaxUnpoolInfo): V;
  /**
   * Gradients of `conv` with zero padding (kernel/docs/semantics.md §10.1), `info.axes.length` spatial axes (1 to 3).
   * @param dy `info.outShape` `[batch, outChannels, ...outSizes]`
   * @returns `dx` like `x` `[batch, inChannels, ...inSizes]`, `dw` like `w` `[outChannels, inChannels/groups,
   *   ...kernel]`, `db` `[outChannels]`
   */
  convBackward(dy: V, x: V, w: V, info: ConvInfo): { dx: V; dw: V; db: V };

  // ── Layers (ops/nn.ts): the matrix products behind `linear`. Rows are every leading position of the input.

  /**
   * `y = x·wᵀ + bias` (PyTorch `F.linear`).
   * @param x `[rows, inFeatures]`
   * @param w `[outFeatures, inFeatures]`
   * @param bias `[outFeatures]` or undefined
   * @returns `[rows, outFeatures]`
   */
  linear(x: V, w: V, bias: V | undefined, rows: number, inFeatures: number, outFeatures: number): V;
  /**
   * Gradients of `linear`: `dx = dy·w` `[rows, inFeatures]`, `dw = dyᵀ·x` `[outFeatures, inFeatures]`,
   * `db = Σ_rows dy` `[outFeatures]`.
   * @param dy `[rows, outFeatures]`
   */
  linearBackward(dy: V, x: V, w: V, rows: number, inFeatures: number, outFeatures: number): { dx: V; dw: V; db: V };
}

/** A kernel's name, e.g. `'conv'`. */
export type KernelName = keyof KernelsOver<Values>;

/** The kernels in host memory: the reference loops. */
export type HostKernels = KernelsOver<Float32Array>;

/** What a kernel computed, and the backend that computed it: an op's provenance comes from here. */
export interface Computed<T> {
  readonly values: T;
  /** e.g. `'wasm'`, or `'cpu'` where a fast backend handed the call to the reference loops. */
  readonly backend: string;
}

/**
 * A backend: every kernel takes host or device values and returns its result (which may stay on the device,
 * as the gpu backend's do in pipeline mode) with the name of the backend that computed it. An op makes one
 * call and builds its Tensor from the answer.
 * @example
 * const out = backend().conv(x.values, w.values, undefined, info);
 * new Tensor(out.values, info.outShape, { op: 'conv2d', backend: out.backend, input: x, weight: w });
 */
export type Backend = { readonly name: string } & {
  readonly [K in KernelName]: (...args: Parameters<KernelsOver<Values>[K]>) => Computed<ReturnType<KernelsOver<Values>[K]>>;
};

/** Kernels a fast backend implements; each may return `undefined` to hand a call to the reference loops. */
export type FastKernels = {
  [K in KernelName]?: (...args: Parameters<KernelsOver<Values>[K]>) => ReturnType<KernelsOver<Values>[K]> | undefined;
};

/** The values in host memory: `x` itself, or a device array read back. */
export function host(x: Values): Float32Array {
  return x instanceof Float32Array ? x : x.read();
}

/**
 * The backend of host kernels: device inputs are read back first, results are reported as `name`'s.
 * @example const cpu = hostBackend('cpu', loops); cpu.relu(Float32Array.of(-1, 2)); // { values: [0, 2], backend: 'cpu' }
 */
export function hostBackend(name: string, kernels: HostKernels): Backend {
  const methods = Object.fromEntries(
    (Object.keys(kernels) as KernelName[]).map((key) => {
      const kernel = kernels[key] as (...args: unknown[]) => unknown;
      const onHost = (arg: unknown): unknown => (isDevice(arg) ? arg.read() : arg);
      return [key, (...args: unknown[]) => ({ values: kernel.apply(kernels, args.map(onHost)), backend: name })];
    }),
  );
  return { name, ...methods } as Backend;
}

/** True for a {@link DeviceArray} (a kernel argument that is neither host values nor a number or record). */
function isDevice(arg: unknown): arg is DeviceArray {
  return typeof arg === 'object' && arg !== null && typeof (arg as DeviceArray).read === 'function';
}

/**
 * A backend made of `fast` kernels over a `reference` backend: a call `fast` does not implement, or declines
 * with `undefined`, runs on `reference` and says so in its result.
 * @example
 * const b = layered('wasm', { conv: (x, w, bias, info) => (isZeroPadded2d(info) ? fastConv(x, w, bias, info) : undefined) }, cpuBackend);
 * b.conv(x, w, undefined, conv1dInfo).backend; // 'cpu'
 */
export function layered(name: string, fast: FastKernels, reference: Backend): Backend {
  const methods = Object.fromEntries(
    (Object.keys(reference) as (keyof Backend)[])
      .filter((key): key is KernelName => key !== 'name')
      .map((key) => {
        const own = fast[key] as ((...args: unknown[]) => unknown) | undefined;
        const base = reference[key] as (...args: unknown[]) => Computed<unknown>;
        const run = (...args: unknown[]): Computed<unknown> => {
          const values = own?.(...args);
          return values === undefined ? base(...args) : { values, backend: name };
        };
        return [key, run];
      }),
  );
  return { name, ...methods } as Backend;
}

/**
 * True for the convs the fast backends implement: two spatial axes and zero padding. The others (1-D, 3-D,
 * reflect/replicate/circular or a non-zero constant) run on the reference loops.
 */
export function isZeroPadded2d(info: ConvInfo): boolean {
  return info.axes.length === 2 && info.padMode === 'constant' && info.padValue === 0;
}
