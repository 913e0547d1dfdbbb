/**
 * The `'gpu'` backend: gpu.js kernels, one thread per output element, reading the same index tables and
 * shape records as the reference loops (shapes/). It runs convolutions with 1–3 spatial axes and every
 * padding mode, pad, 1-D and 2-D max/average pooling, relu and the conv2d gradients; the other ops run the reference
 * loops (and are reported as `cpu`).
 *
 * Pipeline mode ({@link setGpuPipeline}, on by default) keeps results on the GPU between chained ops: each
 * op returns a gpu.js texture (or WebGPU buffer) wrapped as a {@link DeviceArray}, and a Tensor reads it
 * back only when its `data` is read. Results are freed when their tensors are garbage-collected.
 *
 * Where the kernels run, by default: gpu.js's `webgpu` mode where WebGPU works here (the synchronous engine
 * of webgpu/engine.ts: Dawn in a worker), else WebGL where gpu.js has a context (in Node: the optional `gl` package,
 * headless-gl), else gpu.js's `cpu` mode, which runs the same kernel source as plain JavaScript: the tests use
 * that mode on every machine, so the kernels' logic is checked everywhere. {@link gpuMode} says which mode is
 * in use, {@link setGpuMode} picks one; `'auto'` only considers this backend on a hardware GPU.
 */
import { layered, type Backend } from '../backend';
import { cpuBackend } from '../cpu';
import { axes2d, axisTaps, type AxisInfo, type ConvInfo, type PadAxis, type PoolWindows, type PoolWindowsInfo } from '../../shapes';
import type { DeviceArray, Values } from '../../tensor';
import { forgetKernels, launch, readBack } from './cache';
import { requestMode } from './device';
import {
  biasGradKernel,
  convKernel,
  inputGradKernel,
  padKernel,
  poolKernel,
  reluKernel,
  weightGradKernel,
  type ConvConstants,
  type GradConstants,
  type PadConstants,
  type PoolConstants,
} from './sources';

export { gpuHeld } from './cache';
export { GPU_MODES, gpuMode, gpuRenderer, webgpuStatus } from './device';

let pipeline = true;

/**
 * Picks the gpu.js mode for later `'gpu'` ops. `undefined` (the default): `'webgpu'` where WebGPU works here,
 * else the mode gpu.js picks (headless-gl in Node where `gl` is built). The tests run every body in `'cpu'`
 * mode too, where gpu.js runs the kernel source as JavaScript.
 * @example setGpuMode('cpu'); gpuMode(); // 'cpu'
 */
export function setGpuMode(mode: string | undefined): void {
  requestMode(mode);
  forgetKernels();
}

/**
 * Pipeline mode (on by default): the gpu backend's conv, pad, pools and relu leave their results on the
 * GPU, and the next op reads them there; a result is read back only when something reads `Tensor.data`
 * (printing, display, an op the GPU does not run). Off: every result is read back at once.
 * @example setGpuPipeline(false); useBackend('gpu'); relu(conv2d(x, w)).device; // 'host'
 */
export function setGpuPipeline(on: boolean): void {
  pipeline = on;
}

/** gpu.js computes in float32 and indexes with floats: exact only below 2^24. Larger tensors run elsewhere. */
const LARGEST = 2 ** 24;
const fits = (...sizes: number[]): boolean => sizes.every((n) => n > 0 && n < LARGEST);
const table = (values: ArrayLike<number>): Float32Array => Float32Array.from(values);

function conv(x: Values, w: Values, bias: Values | undefined, info: ConvInfo): DeviceArray | undefined {
  const size = info.outShape.reduce((a, b) => a * b, 1);
  if (info.axes.length > 3 || !Number.isFinite(info.padValue) || !fits(size, x.length, w.length)) return undefined;
  // Fewer than 3 spatial axes: leading unit axes whose one tap reads cell 0.
  const unit: AxisInfo = { ...info.axes[0]!, inSize: 1, outSize: 1, kernel: 1, stride: 1, dilation: 1, padBefore: 0, padAfter: 0 };
  const [d, h, ww] = [...Array<AxisInfo>(3 - info.axes.length).fill(unit), ...info.axes] as [AxisInfo, AxisInfo, AxisInfo];
  const gather = info.padMode !== 'constant';
  const [tapsD, tapsH, tapsW] = [d, h, ww].map((a) => (gather ? table(axisTaps(a, info.padMode)) : table([0])));
  const inPerGroup = info.inChannels / info.groups;
  const constants: ConvConstants = {
    inChannels: info.inChannels, outChannels: info.outChannels, inPerGroup, outPerGroup: info.outChannels / info.groups,
    inD: d.inSize, inH: h.inSize, inW: ww.inSize, outD: d.outSize, outH: h.outSize, outW: ww.outSize,
    kd: d.kernel, kh: h.kernel, kw: ww.kernel, sd: d.stride, sh: h.stride, sw: ww.stride,
    dd: d.dilation, dh: h.dilation, dw: ww.dilation, pd: d.padBefore, ph: h.padBefore, pw: ww.padBefore,
    padValue: info.padValue, gather: gather ? 1 : 0,
  };
  const loop = Math.max(inPerGroup, d.kernel, h.kernel, ww.kernel);
  return launch('conv', convKernel, size, constants, loop, [
    x, w, bias ?? new Float32Array(info.outChannels), tapsD!, tapsH!, tapsW!,
  ]);
}

function pad(x: Values, axes: readonly PadAxis[], value: number): DeviceArray | undefined {
  const size = axes.reduce((n, a) => n * a.outSize, 1);
  if (axes.length > 4 || !Number.isFinite(value) || !fits(size, x.length)) return undefined;
  const unit: Pick<PadAxis, 'inSize' | 'outSize' | 'source'> = { inSize: 1, outSize: 1, source: Int32Array.of(0) };
  const [a0, a1, a2, a3] = [...Array<typeof unit>(4 - axes.length).fill(unit), ...axes];
  const constants: PadConstants = {
    in1: a1!.inSize, in2: a2!.inSize, in3: a3!.inSize, out1: a1!.outSize, out2: a2!.outSize, out3: a3!.outSize, value,
  };
  return launch('pad', padKernel, size, constants, 1, [x, table(a0!.source), table(a1!.source), table(a2!.source), table(a3!.source)]);
}

/**
 * Max or average pooling over dense window tables (−1 past each window's real cells). The kernel has two
 * spatial axes: a 1-D pool runs with a unit height added here; 3-D pools decline (→ reference loops). A max
 * pool with a window that reads no real cell (dilation makes that possible) declines too: its answer is −∞,
 * which the kernel source cannot write portably (GLSL ES 1.0 has no infinity literal and leaves `−1.0 / 0.0`
 * undefined), so the reference loops give it.
 */
function pool(x: Values, info: PoolWindowsInfo, max: boolean, countIncludePad: boolean): DeviceArray | undefined {
  if (info.axes.length > 2) return undefined;
  if (max && info.axes.some((a) => a.taps.some((t) => t.length === 0))) return undefined;
  const unit: PoolWindows = { inSize: 1, outSize: 1, taps: [[0]], paddedTaps: [1], formula: '1' };
  const [rows, cols] = (info.axes.length === 1 ? [unit, info.axes[0]!] : info.axes) as [PoolWindows, PoolWindows];
  const size = info.batch * info.channels * rows.outSize * cols.outSize;
  if (!fits(size, x.length)) return undefined;
  const dense = (taps: readonly (readonly number[])[], most: number): Float32Array => {
    const out = new Float32Array(taps.length * most).fill(-1);
    taps.forEach((window, o) => out.set(window, o * most));
    return out;
  };
  const mostH = Math.max(1, ...rows.taps.map((t) => t.length));
  const mostW = Math.max(1, ...cols.taps.map((t) => t.length));
  const constants: PoolConstants = {
    inH: rows.inSize, inW: cols.inSize, outH: rows.outSize, outW: cols.outSize, mostH, mostW,
    max: max ? 1 : 0, countIncludePad: countIncludePad ? 1 : 0,
  };
  return launch('pool', poolKernel, size, constants, Math.max(mostH, mostW), [
    x, dense(rows.taps, mostH), dense(cols.taps, mostW), table(rows.paddedTaps), table(cols.paddedTaps),
  ]);
}

function relu(x: Values): DeviceArray | undefined {
  return fits(x.length) ? launch('relu', reluKernel, x.length, {}, 1, [x]) : undefined;
}

function gradConstants(info: ConvInfo): GradConstants {
  const [rows, cols] = axes2d(info);
  return {
    batch: info.batch, inChannels: info.inChannels, outChannels: info.outChannels,
    inPerGroup: info.inChannels / info.groups, outPerGroup: info.outChannels / info.groups,
    inH: rows.inSize, inW: cols.inSize, outH: rows.outSize, outW: cols.outSize, kh: rows.kernel, kw: cols.kernel,
    sh: rows.stride, sw: cols.stride, dh: rows.dilation, dw: cols.dilation, padTop: rows.padBefore, padLeft: cols.padBefore,
  };
}

/** A result as pipeline mode wants it: on the device (on), or read back at once (off). */
function kept(array: DeviceArray | undefined): Values | undefined {
  return pipeline ? array : readBack(array);
}

/**
 * The gpu.js backend (see the module comment); {@link gpuMode} says where its kernels run.
 * @example
 * useBackend('gpu');
 * conv2d(tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]),
 *        tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]])).toArray(); // [[[[348, 393], [528, 573]]]]
 */
export const gpuBackend: Backend = layered(
  'gpu',
  {
    conv: (x, w, bias, info) => kept(conv(x, w, bias, info)),
    pad: (x, axes, value) => kept(pad(x, axes, value)),
    maxPool: (x, info) => kept(pool(x, info, true, false)),
    avgPool: (x, info, countIncludePad) => kept(pool(x, info, false, countIncludePad)),
    relu: (x) => kept(relu(x)),
    convBackward(dy, x, w, info) {
      // The kernels are 2-D (gradConstants); 1-D and 3-D gradients decline to the reference loops.
      if (info.axes.length !== 2 || info.padMode !== 'constant' || info.padValue !== 0) return undefined;
      if (!fits(dy.length, x.length, w.length)) return undefined;
      const constants = gradConstants(info);
      const { batch, outH, outW, outPerGroup, kh, kw } = constants;
      const dx = readBack(launch('dx', inputGradKernel, x.length, constants, Math.max(outPerGroup, kh, kw), [dy, w]));
      const dw = readBack(launch('dw', weightGradKernel, w.length, constants, Math.max(batch, outH, outW), [dy, x]));
      const db = readBack(launch('db', biasGradKernel, info.outChannels, constants, Math.max(batch, outH * outW), [dy]));
      return { dx: dx!, dw: dw!, db: db! };
    },
  },
  cpuBackend,
);
