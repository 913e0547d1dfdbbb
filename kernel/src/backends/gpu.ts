/**
 * The `'gpu'` backend: conv2d as a gpu.js kernel, one thread per output element, reading the same
 * {@link ConvInfo} record as the reference loops. gpu.js (an optional dependency) is loaded on first use.
 *
 * gpu.js runs the kernel on WebGL where it has a context (in Node: the optional `gl` package, headless-gl),
 * and otherwise in its `cpu` mode, which runs the same kernel source as plain JavaScript: the tests use that
 * mode on every machine, so the kernel's logic is checked everywhere. {@link gpuMode} says which mode is in
 * use; `'auto'` only considers this backend where the mode is a GPU one. Other ops run the reference loops.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isZeroPadded2d, type Backend } from './backend';
import { cpuBackend } from './cpu';
import { fail } from '../errors';
import { axes2d, type ConvInfo } from '../shapes';

/** The part of gpu.js's API this backend uses. */
interface GpuKernel {
  (x: Float32Array, w: Float32Array, bias: Float32Array): Float32Array | number[];
}
interface GpuInstance {
  readonly mode: string;
  /** The kernel class gpu.js chose, e.g. `HeadlessGLKernel`. */
  readonly Kernel: { name: string } | null;
  createKernel(source: (...args: never[]) => number, settings: object): GpuKernel;
}
interface GpuJs {
  GPU: new (settings: { mode?: string }) => GpuInstance;
}

/** The names a conv kernel reads from `this.constants`: a flat copy of the info record's numbers. */
interface ConvConstants {
  inChannels: number; outChannels: number; inPerGroup: number; outPerGroup: number;
  inH: number; inW: number; outH: number; outW: number; kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number; padTop: number; padLeft: number;
}

interface KernelThis {
  thread: { x: number };
  constants: ConvConstants;
}

// Shape legend: x [batch][inChannels][inH][inW], w [outChannels][inPerGroup][kh][kw], bias [outChannels],
// output flat [batch][outChannels][outH][outW], one thread per output element (thread.x = its flat index).
// gpu.js translates this function's source to GLSL, so it uses only arithmetic, loops and `this`.
function convKernel(this: KernelThis, x: Float32Array, w: Float32Array, bias: Float32Array): number {
  const j = this.thread.x % this.constants.outW;
  const i = Math.floor(this.thread.x / this.constants.outW) % this.constants.outH;
  const plane = Math.floor(this.thread.x / (this.constants.outW * this.constants.outH));
  const oc = plane % this.constants.outChannels;
  const n = Math.floor(plane / this.constants.outChannels);
  const firstInChannel = Math.floor(oc / this.constants.outPerGroup) * this.constants.inPerGroup;
  let sum = bias[oc]!;
  for (let c = 0; c < this.constants.inPerGroup; c++) {
    for (let ki = 0; ki < this.constants.kh; ki++) {
      const r = i * this.constants.sh + ki * this.constants.dh - this.constants.padTop;
      if (r >= 0 && r < this.constants.inH) {
        for (let kj = 0; kj < this.constants.kw; kj++) {
          const s = j * this.constants.sw + kj * this.constants.dw - this.constants.padLeft;
          if (s >= 0 && s < this.constants.inW) {
            sum +=
              x[((n * this.constants.inChannels + firstInChannel + c) * this.constants.inH + r) * this.constants.inW + s]! *
              w[((oc * this.constants.inPerGroup + c) * this.constants.kh + ki) * this.constants.kw + kj]!;
          }
        }
      }
    }
  }
  return sum;
}

let gpu: GpuInstance | undefined;
let requestedMode: string | undefined = process.env['CONVLAB_GPU_MODE'] || undefined;
const kernels = new Map<string, GpuKernel>();

/** gpu.js modes that run on a graphics processor (its others: `'webasm'`, `'cpu'`, run on the CPU). */
export const GPU_MODES: readonly string[] = ['webgl', 'webgl2', 'headlessgl', 'webgpu'];

/**
 * Picks the gpu.js mode for later `'gpu'` convs (`undefined`: let gpu.js choose, the default). The tests run
 * every body in `'cpu'` mode too, where gpu.js runs the kernel source as JavaScript.
 * @example setGpuMode('cpu'); gpuMode(); // 'cpu'
 */
export function setGpuMode(mode: string | undefined): void {
  requestedMode = mode;
  gpu = undefined;
  kernels.clear();
}

/**
 * headless-gl needs an X display on Linux. With none set, use a running X server's socket if there is one,
 * else start Xvfb (installed by `setup.sh --gpu`) for the life of this process. Does nothing when `gl` is not
 * installed: gpu.js then picks a CPU mode anyway.
 */
function ensureDisplay(): void {
  if (process.platform !== 'linux' || process.env['DISPLAY']) return;
  try {
    require.resolve('gl');
  } catch {
    return;
  }
  const socket = (n: number): string => `/tmp/.X11-unix/X${n}`;
  const found = [99, 98, 97, 0, 1].find((n) => existsSync(socket(n)));
  if (found !== undefined) {
    process.env['DISPLAY'] = `:${found}`;
    return;
  }
  // -terminate: Xvfb exits when its last client (this process's GL context) goes, even if this process is
  // killed without running its exit handlers.
  const xvfb = spawn('Xvfb', [':99', '-screen', '0', '64x64x24', '-nolisten', 'tcp', '-terminate'], { stdio: 'ignore' });
  xvfb.on('error', () => undefined); // no Xvfb: gl fails to make a context and gpu.js falls back
  xvfb.unref();
  process.on('exit', () => xvfb.kill());
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < 3000 && !existsSync(socket(99)); waited += 50) Atomics.wait(pause, 0, 0, 50);
  process.env['DISPLAY'] = ':99';
}

function load(): GpuInstance {
  if (gpu) return gpu;
  ensureDisplay();
  let gpujs: GpuJs;
  try {
    // Lazy and optional: only `useBackend('gpu')` needs gpu.js.
    gpujs = require('gpu.js') as GpuJs;
  } catch (error) {
    return fail({
      op: 'useBackend',
      arg: 'name',
      expected: "the optional package gpu.js installed, for backend 'gpu'",
      actual: `gpu.js does not load (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
      hint: "npm install gpu.js, or useBackend('auto') / useBackend('wasm')",
    });
  }
  gpu = new gpujs.GPU(requestedMode ? { mode: requestedMode } : {});
  return gpu;
}

/**
 * The gpu.js mode the `'gpu'` backend runs in (loading gpu.js on first call): one of {@link GPU_MODES} on a
 * GPU; `'webasm'` or `'cpu'` where gpu.js found no GPU context. `CONVLAB_GPU_MODE` in the environment, or
 * {@link setGpuMode}, forces one.
 * @example gpuMode(); // 'webasm' (on a machine without WebGL)
 */
export function gpuMode(): string {
  const instance = load();
  // gpu.js calls every GL kernel 'gpu'; its kernel class says which.
  const kernel = instance.Kernel?.name ?? '';
  const modes: [RegExp, string][] = [[/HeadlessGL/, 'headlessgl'], [/WebGL2/, 'webgl2'], [/WebGL/, 'webgl'], [/WebGPU/, 'webgpu']];
  return instance.mode === 'gpu' ? (modes.find(([pattern]) => pattern.test(kernel))?.[1] ?? 'gpu') : instance.mode;
}

/** True when the X display `DISPLAY` names is served by Xvfb (found by its command line in /proc). */
function displayIsXvfb(): boolean {
  const display = process.env['DISPLAY'] ?? '';
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (/Xvfb$/.test(args[0] ?? '') && args.includes(display)) return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}

/**
 * What renders for the gpu backend: `'software (Xvfb)'` for headless-gl on Xvfb (Xvfb has no GPU: Mesa's
 * llvmpipe draws), else headless-gl's renderer string; undefined in gpu.js's other modes. `'auto'` leaves
 * the gpu backend out where the renderer is software.
 * @example gpuRenderer(); // 'software (Xvfb)' on a machine without a GPU, after setup.sh --gpu
 */
export function gpuRenderer(): string | undefined {
  if (gpuMode() !== 'headlessgl') return undefined;
  if (process.platform === 'linux' && displayIsXvfb()) return 'software (Xvfb)';
  const gl = (require('gl') as (w: number, h: number) => { getParameter(p: number): string; RENDERER: number } | null)(1, 1);
  return gl ? gl.getParameter(gl.RENDERER) : undefined;
}

/** Renderers that are CPU emulations of a GPU. */
export const SOFTWARE_RENDERER = /llvmpipe|softpipe|swiftshader|software|lavapipe/i;

function constantsOf(info: ConvInfo): ConvConstants {
  const [rows, cols] = axes2d(info);
  return {
    inChannels: info.inChannels, outChannels: info.outChannels,
    inPerGroup: info.inChannels / info.groups, outPerGroup: info.outChannels / info.groups,
    inH: rows.inSize, inW: cols.inSize, outH: rows.outSize, outW: cols.outSize,
    kh: rows.kernel, kw: cols.kernel, sh: rows.stride, sw: cols.stride, dh: rows.dilation, dw: cols.dilation,
    padTop: rows.padBefore, padLeft: cols.padBefore,
  };
}

/**
 * The gpu.js backend: conv2d on the GPU (or gpu.js's cpu mode, see {@link gpuMode}); other ops on the reference loops.
 * @example
 * useBackend('gpu');
 * conv2d(tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]),
 *        tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]])).toArray(); // [[[[348, 393], [528, 573]]]]
 */
export const gpuBackend: Backend = {
  ...cpuBackend,
  name: 'gpu',
  conv(x, w, bias, info) {
    if (!isZeroPadded2d(info)) return cpuBackend.conv(x, w, bias, info);
    const size = info.outShape.reduce((a, b) => a * b, 1);
    if (size === 0) return new Float32Array(0);
    const constants = constantsOf(info);
    // One compiled kernel per geometry: gpu.js bakes constants and the output size into the shader.
    const key = `${JSON.stringify(constants)}|${info.batch}|${x.length}|${w.length}`;
    let kernel = kernels.get(key);
    if (!kernel) {
      kernel = load().createKernel(convKernel as unknown as (...args: never[]) => number, {
        output: [size],
        constants,
        precision: 'single',
        tactic: 'precision',
        loopMaxIterations: Math.max(constants.inPerGroup, constants.kh, constants.kw) + 1,
      });
      kernels.set(key, kernel);
    }
    const out = kernel(x, w, bias ?? new Float32Array(info.outChannels));
    return out instanceof Float32Array ? out : Float32Array.from(out);
  },
};
