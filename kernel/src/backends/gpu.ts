/**
 * The `'gpu'` backend: gpu.js kernels, one thread per output element, reading the same index tables and
 * shape records as the reference loops (shapes.ts). It runs convolutions with 1–3 spatial axes and every
 * padding mode, pad, max/average pooling, relu and the conv2d gradients; the other ops run the reference
 * loops (and are reported as `cpu`).
 *
 * Pipeline mode ({@link setGpuPipeline}, on by default) keeps results on the GPU between chained ops: each
 * op returns a gpu.js texture (or WebGPU buffer) wrapped as a {@link DeviceArray}, and a Tensor reads it
 * back only when its `data` is read. Results are freed when their tensors are garbage-collected.
 *
 * Where the kernels run, by default: gpu.js's `webgpu` mode where WebGPU works here (the synchronous engine
 * of webgpu.ts: Dawn in a worker), else WebGL where gpu.js has a context (in Node: the optional `gl` package,
 * headless-gl), else gpu.js's `cpu` mode, which runs the same kernel source as plain JavaScript: the tests use
 * that mode on every machine, so the kernels' logic is checked everywhere. {@link gpuMode} says which mode is
 * in use, {@link setGpuMode} picks one; `'auto'` only considers this backend on a hardware GPU.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { layered, type Backend, type ResidentKernels } from './backend';
import { cpuBackend } from './cpu';
import { fail } from '../errors';
import { axes2d, axisTaps, type AxisInfo, type ConvInfo, type PadAxis, type PoolWindowsInfo } from '../shapes';
import type { DeviceArray, Values } from '../tensor';
import { inNode, openWebGpu, type WebGpuEngine, type WebGpuHandle } from './webgpu';

/** A gpu.js texture: a kernel's output in pipeline mode. */
interface GpuTexture {
  toArray(): Float32Array | number[];
  delete(): void;
}
/** What a kernel takes and returns: host arrays, or textures of the same gpu.js instance. */
type KernelValue = Float32Array | GpuTexture;
/** A compiled kernel: gpu.js's (host arrays or its textures in, a texture or an array out) or the engine's. */
type GpuKernel = ((...args: (KernelValue | WebGpuHandle)[]) => KernelValue | number[] | WebGpuHandle) & {
  destroy?(removeCanvasReferences?: boolean): void;
};
interface GpuInstance {
  readonly mode: string;
  /** The kernel class gpu.js chose, e.g. `HeadlessGLKernel`. */
  readonly Kernel: { name: string } | null;
  createKernel(source: (...args: never[]) => number, settings: object): GpuKernel;
}
interface GpuJs {
  GPU: new (settings: { mode?: string }) => GpuInstance;
}

/**
 * Where kernels run: a gpu.js instance called synchronously (WebGL/headless-gl, or its CPU modes), or the
 * WebGPU engine (gpu.js's `webgpu` mode in a worker, webgpu.ts).
 */
type Device = { kind: 'gpujs'; gpu: GpuInstance } | { kind: 'webgpu'; engine: WebGpuEngine };

let device: Device | undefined;
let requestedMode: string | undefined = (inNode && process.env['CONVLAB_GPU_MODE']) || undefined;
let pipeline = true;
const kernels = new Map<string, Compiled>();

/** gpu.js modes that run on a graphics processor (its others: `'webasm'`, `'cpu'`, run on the CPU). */
export const GPU_MODES: readonly string[] = ['webgl', 'webgl2', 'headlessgl', 'webgpu'];

/**
 * Picks the gpu.js mode for later `'gpu'` ops. `undefined` (the default): `'webgpu'` where WebGPU works here,
 * else the mode gpu.js picks (headless-gl in Node where `gl` is built). The tests run every body in `'cpu'`
 * mode too, where gpu.js runs the kernel source as JavaScript.
 * @example setGpuMode('cpu'); gpuMode(); // 'cpu'
 */
export function setGpuMode(mode: string | undefined): void {
  requestedMode = mode;
  device = undefined;
  for (const compiled of kernels.values()) evict(compiled);
  kernels.clear();
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

/** The display of the Xvfb this process started, if it did. */
let ownXvfb: string | undefined;

/**
 * Xvfb under a watchdog shell: the server lives exactly as long as the process that asked for it, even one
 * killed without running exit handlers (a kernel shut down, a test worker torn down). `-terminate` would not
 * do: it ends the server only after a client has come and gone, so a process that never made a GL context
 * left its Xvfb running for ever.
 */
// The shell watches its own parent pid (field 4 of /proc/$$/stat): it changes the moment the process dies, while
// `kill -0` would still find the dead process until its own parent reaps it.
const WATCHED_XVFB =
  'Xvfb "$@" & x=$!; while read -r _ _ _ p _ < /proc/$$/stat && [ "$p" = "$PPID" ] && kill -0 "$x" 2>/dev/null; ' +
  'do sleep 1; done; kill "$x" 2>/dev/null';

/**
 * headless-gl needs an X display on Linux. With none set, start Xvfb (installed by `setup.sh --gpu`) for the life
 * of this process, on a display number it picks itself. Sockets already in /tmp/.X11-unix are not trusted: a
 * server killed without cleaning up leaves its socket behind, and a context on it fails (seen in CI). Does
 * nothing when `gl` or Xvfb is not installed: gpu.js then picks a CPU mode anyway.
 */
function ensureDisplay(): void {
  if (!inNode || process.platform !== 'linux' || process.env['DISPLAY']) return;
  try {
    require.resolve('gl');
  } catch {
    return;
  }
  const onPath = (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'Xvfb')));
  if (!onPath) return;
  // -displayfd: Xvfb chooses a free display and writes its number to that descriptor once it accepts
  // connections, so the file's content is both the answer and the readiness signal.
  const dir = mkdtempSync(join(tmpdir(), 'convlab-x-'));
  const answer = join(dir, 'display');
  const fd = openSync(answer, 'w');
  const args = ['-displayfd', '3', '-screen', '0', '64x64x24', '-nolisten', 'tcp'];
  // detached: the shell leads its own process group, so one signal at exit ends it and its Xvfb.
  const xvfb = spawn('sh', ['-c', WATCHED_XVFB, 'sh', ...args], { stdio: ['ignore', 'ignore', 'ignore', fd], detached: true });
  closeSync(fd);
  xvfb.on('error', () => undefined); // no shell: gl fails to make a context and gpu.js falls back
  xvfb.unref();
  process.on('exit', () => {
    try {
      if (xvfb.pid) process.kill(-xvfb.pid);
    } catch {
      // already gone
    }
  });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let display = '';
  for (let waited = 0; waited < 5000 && !display.endsWith('\n'); waited += 20) {
    Atomics.wait(pause, 0, 0, 20);
    display = readFileSync(answer, 'utf8');
  }
  rmSync(dir, { recursive: true, force: true });
  if (display.trim()) process.env['DISPLAY'] = ownXvfb = `:${display.trim()}`;
}

function load(): Device {
  if (device) return device;
  // In a browser, gpu.js's own pick (WebGL2): its webgpu mode is asynchronous there, and ops are synchronous.
  if (requestedMode === 'webgpu' || (requestedMode === undefined && inNode)) {
    const engine = openWebGpu();
    if (!('unavailable' in engine)) return (device = { kind: 'webgpu', engine });
    if (requestedMode === 'webgpu') {
      return fail({
        op: 'setGpuMode',
        arg: 'mode',
        expected: "a gpu.js mode that works here ('webgpu' needs a WebGPU adapter)",
        actual: `'webgpu': ${engine.unavailable}`,
        hint: "setGpuMode(undefined) lets gpu.js pick (headless-gl, or its CPU modes); bash kernel/scripts/setup.sh --gpu sets WebGPU up",
      });
    }
  }
  // Only a mode that may draw with headless-gl needs a display (not gpu.js's CPU modes).
  if (requestedMode === undefined || requestedMode === 'gpu' || requestedMode === 'headlessgl') ensureDisplay();
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
  return (device = { kind: 'gpujs', gpu: new gpujs.GPU(requestedMode ? { mode: requestedMode } : {}) });
}

/**
 * The gpu.js mode the `'gpu'` backend runs in (loading gpu.js on first call): one of {@link GPU_MODES} on a
 * GPU; `'webasm'` or `'cpu'` where gpu.js found no GPU context. `CONVLAB_GPU_MODE` in the environment, or
 * {@link setGpuMode}, forces one; {@link webgpuStatus} says why the default is not `'webgpu'`.
 * @example gpuMode(); // 'webasm' (on a machine without WebGL)
 */
export function gpuMode(): string {
  const loaded = load();
  if (loaded.kind === 'webgpu') return 'webgpu';
  const instance = loaded.gpu;
  // gpu.js calls every GL kernel 'gpu'; its kernel class says which.
  const kernel = instance.Kernel?.name ?? '';
  const modes: [RegExp, string][] = [[/HeadlessGL/, 'headlessgl'], [/WebGL2/, 'webgl2'], [/WebGL/, 'webgl'], [/WebGPU/, 'webgpu']];
  return instance.mode === 'gpu' ? (modes.find(([pattern]) => pattern.test(kernel))?.[1] ?? 'gpu') : instance.mode;
}

/**
 * Whether WebGPU works here: `'available'`, or why not (one sentence). The engine's answer is cached, so this
 * is what the default mode found (or will find) on the gpu backend's first use.
 * @example webgpuStatus(); // 'WebGPU is unavailable: the Vulkan loader libvulkan.so.1 is not installed, …'
 */
export function webgpuStatus(): string {
  const engine = openWebGpu();
  return 'unavailable' in engine ? engine.unavailable : 'available';
}

/** True when the X display `DISPLAY` names is served by Xvfb (ours, or found by its command line in /proc). */
function displayIsXvfb(): boolean {
  const display = process.env['DISPLAY'] ?? '';
  if (display === ownXvfb) return true;
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
 * What renders for the gpu backend: the WebGPU adapter (e.g. `'llvmpipe (Mesa 25.0.7), software'`), or
 * `'software (Xvfb)'` for headless-gl on Xvfb (Xvfb has no GPU: Mesa's llvmpipe draws), else headless-gl's
 * renderer string; undefined in gpu.js's CPU modes. `'auto'` leaves
 * the gpu backend out where the renderer is software.
 * @example gpuRenderer(); // 'software (Xvfb)' on a machine without a GPU, after setup.sh --gpu
 */
export function gpuRenderer(): string | undefined {
  const loaded = load();
  if (loaded.kind === 'webgpu') return loaded.engine.adapter;
  const mode = gpuMode();
  if (mode === 'webgl2' || mode === 'webgl') return browserRenderer(mode);
  if (mode !== 'headlessgl') return undefined;
  if (process.platform === 'linux' && displayIsXvfb()) return 'software (Xvfb)';
  const gl = (require('gl') as (w: number, h: number) => { getParameter(p: number): string; RENDERER: number } | null)(1, 1);
  return gl ? gl.getParameter(gl.RENDERER) : undefined;
}

/** The parts of a browser's WebGL this module reads (the kernel's TypeScript has no DOM types). */
interface BrowserGl {
  RENDERER: number;
  getParameter(name: number): unknown;
  getExtension(name: 'WEBGL_debug_renderer_info'): { UNMASKED_RENDERER_WEBGL: number } | null;
}

/** A browser's WebGL renderer, e.g. 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device …), SwiftShader driver)'. */
function browserRenderer(mode: 'webgl2' | 'webgl'): string | undefined {
  const page = globalThis as { document?: { createElement(tag: 'canvas'): { getContext(kind: string): BrowserGl | null } } };
  const gl = page.document?.createElement('canvas').getContext(mode);
  if (!gl) return undefined;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

/** Renderers that are CPU emulations of a GPU. */
export const SOFTWARE_RENDERER = /llvmpipe|softpipe|swiftshader|software|lavapipe/i;

// ── Kernel sources ────────────────────────────────────────────────────────────────────────────────────────
// gpu.js translates these functions' source to GLSL, so they use only arithmetic, loops, `this.thread` and
// `this.constants` (baked into the shader). Every output is flat: thread.x is the output's row-major index.
// Index tables (from shapes.ts) arrive as Float32Arrays: entry = source index, or −1 for padding.

interface KernelThis<C> {
  thread: { x: number };
  constants: C;
}

/** Numbers of a conv with up to 3 spatial axes (fewer axes: leading unit axes). */
interface ConvConstants {
  inChannels: number; outChannels: number; inPerGroup: number; outPerGroup: number;
  inD: number; inH: number; inW: number; outD: number; outH: number; outW: number;
  kd: number; kh: number; kw: number; sd: number; sh: number; sw: number; dd: number; dh: number; dw: number;
  pd: number; ph: number; pw: number; padValue: number;
  /** 1: read the tap tables (reflect, replicate, circular); 0: `o·s + k·d − p`, outside the input = pad value. */
  gather: number;
}

// x [batch][inChannels][inD][inH][inW], w [outChannels][inPerGroup][kd][kh][kw], bias [outChannels],
// tapsD [outD·kd] (and H, W): the input cell each (output, tap) pair reads (axisTaps), −1 for the pad value;
// only read when `gather` is 1 (arithmetic is cheaper than a texture read, where the padding is a constant).
function convKernel(
  this: KernelThis<ConvConstants>,
  x: Float32Array, w: Float32Array, bias: Float32Array, tapsD: Float32Array, tapsH: Float32Array, tapsW: Float32Array,
): number {
  const ow = this.thread.x % this.constants.outW;
  const oh = Math.floor(this.thread.x / this.constants.outW) % this.constants.outH;
  const od = Math.floor(this.thread.x / (this.constants.outW * this.constants.outH)) % this.constants.outD;
  const plane = Math.floor(this.thread.x / (this.constants.outW * this.constants.outH * this.constants.outD));
  const oc = plane % this.constants.outChannels;
  const n = Math.floor(plane / this.constants.outChannels);
  const firstInChannel = Math.floor(oc / this.constants.outPerGroup) * this.constants.inPerGroup;
  let sum = bias[oc]!;
  for (let c = 0; c < this.constants.inPerGroup; c++) {
    const xPlane = n * this.constants.inChannels + firstInChannel + c;
    for (let a = 0; a < this.constants.kd; a++) {
      let d = od * this.constants.sd + a * this.constants.dd - this.constants.pd;
      if (this.constants.gather > 0) d = tapsD[od * this.constants.kd + a]!;
      if (d >= this.constants.inD) d = -1;
      for (let b = 0; b < this.constants.kh; b++) {
        let r = oh * this.constants.sh + b * this.constants.dh - this.constants.ph;
        if (this.constants.gather > 0) r = tapsH[oh * this.constants.kh + b]!;
        if (r >= this.constants.inH) r = -1;
        for (let e = 0; e < this.constants.kw; e++) {
          let s = ow * this.constants.sw + e * this.constants.dw - this.constants.pw;
          if (this.constants.gather > 0) s = tapsW[ow * this.constants.kw + e]!;
          if (s >= this.constants.inW) s = -1;
          const weight = w[(((oc * this.constants.inPerGroup + c) * this.constants.kd + a) * this.constants.kh + b) * this.constants.kw + e]!;
          if (d < 0 || r < 0 || s < 0) {
            sum += this.constants.padValue * weight;
          } else {
            sum += x[((xPlane * this.constants.inD + d) * this.constants.inH + r) * this.constants.inW + s]! * weight;
          }
        }
      }
    }
  }
  return sum;
}

/** Numbers of a pad of up to 4 axes (fewer: leading unit axes). */
interface PadConstants {
  in1: number; in2: number; in3: number; out1: number; out2: number; out3: number; value: number;
}

// x [in0][in1][in2][in3], s0 [out0] … s3 [out3]: the input cell each output cell copies (PadAxis.source).
function padKernel(
  this: KernelThis<PadConstants>,
  x: Float32Array, s0: Float32Array, s1: Float32Array, s2: Float32Array, s3: Float32Array,
): number {
  const i3 = this.thread.x % this.constants.out3;
  const i2 = Math.floor(this.thread.x / this.constants.out3) % this.constants.out2;
  const i1 = Math.floor(this.thread.x / (this.constants.out3 * this.constants.out2)) % this.constants.out1;
  const i0 = Math.floor(this.thread.x / (this.constants.out3 * this.constants.out2 * this.constants.out1));
  const a = s0[i0]!;
  const b = s1[i1]!;
  const c = s2[i2]!;
  const d = s3[i3]!;
  if (a < 0 || b < 0 || c < 0 || d < 0) return this.constants.value;
  return x[((a * this.constants.in1 + b) * this.constants.in2 + c) * this.constants.in3 + d]!;
}

/** Numbers of a 2-D pool: window tables are `[out · most]`, −1 past a window's real cells. */
interface PoolConstants {
  inH: number; inW: number; outH: number; outW: number; mostH: number; mostW: number;
  /** 1: max pooling; 0: average. */
  max: number;
  /** 1: the average's divisor counts padding. */
  countIncludePad: number;
}

// x [planes][inH][inW]; rows [outH·mostH], cols [outW·mostW]: the real input rows/cols of each window;
// paddedRows [outH], paddedCols [outW]: window sizes counting padding (the divisor when it counts).
// Max: the first maximum in window order wins, and a NaN wins and stays (as PyTorch).
function poolKernel(
  this: KernelThis<PoolConstants>,
  x: Float32Array, rows: Float32Array, cols: Float32Array, paddedRows: Float32Array, paddedCols: Float32Array,
): number {
  const j = this.thread.x % this.constants.outW;
  const i = Math.floor(this.thread.x / this.constants.outW) % this.constants.outH;
  const plane = Math.floor(this.thread.x / (this.constants.outW * this.constants.outH));
  let sum = 0;
  let best = 0;
  let seen = 0;
  let sawNaN = 0;
  let realRows = 0;
  let realCols = 0;
  for (let a = 0; a < this.constants.mostH; a++) {
    const r = rows[i * this.constants.mostH + a]!;
    if (r >= 0) {
      realRows += 1;
      realCols = 0;
      for (let b = 0; b < this.constants.mostW; b++) {
        const c = cols[j * this.constants.mostW + b]!;
        if (c >= 0) {
          realCols += 1;
          const v = x[(plane * this.constants.inH + r) * this.constants.inW + c]!;
          sum += v;
          // NaN: neither below nor at-or-above `best` (a value read at run time: WGSL compilers may fold
          // `v !== v` to false, and GLSL ES 1.0 has no isnan). Once a NaN is kept, nothing replaces it.
          if (sawNaN === 0) {
            if (!(v < best) && !(v >= best)) {
              best = v;
              sawNaN = 1;
            } else if (seen === 0 || v > best) {
              best = v;
            }
          }
          seen = 1;
        }
      }
    }
  }
  if (this.constants.max > 0) return best;
  if (this.constants.countIncludePad > 0) return sum / (paddedRows[i]! * paddedCols[j]!);
  return sum / (realRows * realCols);
}

function reluKernel(this: KernelThis<object>, x: Float32Array): number {
  const v = x[this.thread.x]!;
  if (v < 0) return 0;
  return v; // NaN stays NaN, as PyTorch
}

/** Numbers of conv2d's gradients (zero padding; `conv2dBackward` refuses other modes). */
interface GradConstants {
  batch: number; inChannels: number; outChannels: number; inPerGroup: number; outPerGroup: number;
  inH: number; inW: number; outH: number; outW: number; kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number; padTop: number; padLeft: number;
}

// dx [batch][inChannels][inH][inW]: Σ over the outputs whose windows read this cell, dy · w (the gather
// form of reference §4: output i reads row r with tap ki when i·sh = r + padTop − ki·dh).
function inputGradKernel(this: KernelThis<GradConstants>, dy: Float32Array, w: Float32Array): number {
  const s = this.thread.x % this.constants.inW;
  const r = Math.floor(this.thread.x / this.constants.inW) % this.constants.inH;
  const ci = Math.floor(this.thread.x / (this.constants.inW * this.constants.inH)) % this.constants.inChannels;
  const n = Math.floor(this.thread.x / (this.constants.inW * this.constants.inH * this.constants.inChannels));
  const group = Math.floor(ci / this.constants.inPerGroup);
  const c = ci - group * this.constants.inPerGroup;
  let sum = 0;
  for (let k = 0; k < this.constants.outPerGroup; k++) {
    const oc = group * this.constants.outPerGroup + k;
    for (let ki = 0; ki < this.constants.kh; ki++) {
      const rowSpan = r + this.constants.padTop - ki * this.constants.dh;
      const i = Math.floor(rowSpan / this.constants.sh);
      if (rowSpan >= 0 && i * this.constants.sh === rowSpan && i < this.constants.outH) {
        for (let kj = 0; kj < this.constants.kw; kj++) {
          const colSpan = s + this.constants.padLeft - kj * this.constants.dw;
          const j = Math.floor(colSpan / this.constants.sw);
          if (colSpan >= 0 && j * this.constants.sw === colSpan && j < this.constants.outW) {
            sum +=
              dy[((n * this.constants.outChannels + oc) * this.constants.outH + i) * this.constants.outW + j]! *
              w[((oc * this.constants.inPerGroup + c) * this.constants.kh + ki) * this.constants.kw + kj]!;
          }
        }
      }
    }
  }
  return sum;
}

// dw [outChannels][inPerGroup][kh][kw]: Σ over batch and output cells of dy · the input cell that tap read.
function weightGradKernel(this: KernelThis<GradConstants>, dy: Float32Array, x: Float32Array): number {
  const kj = this.thread.x % this.constants.kw;
  const ki = Math.floor(this.thread.x / this.constants.kw) % this.constants.kh;
  const c = Math.floor(this.thread.x / (this.constants.kw * this.constants.kh)) % this.constants.inPerGroup;
  const oc = Math.floor(this.thread.x / (this.constants.kw * this.constants.kh * this.constants.inPerGroup));
  const ci = Math.floor(oc / this.constants.outPerGroup) * this.constants.inPerGroup + c;
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) {
    for (let i = 0; i < this.constants.outH; i++) {
      const r = i * this.constants.sh + ki * this.constants.dh - this.constants.padTop;
      if (r >= 0 && r < this.constants.inH) {
        for (let j = 0; j < this.constants.outW; j++) {
          const s = j * this.constants.sw + kj * this.constants.dw - this.constants.padLeft;
          if (s >= 0 && s < this.constants.inW) {
            sum +=
              dy[((n * this.constants.outChannels + oc) * this.constants.outH + i) * this.constants.outW + j]! *
              x[((n * this.constants.inChannels + ci) * this.constants.inH + r) * this.constants.inW + s]!;
          }
        }
      }
    }
  }
  return sum;
}

// db [outChannels]: Σ of dy over batch and output cells.
function biasGradKernel(this: KernelThis<GradConstants>, dy: Float32Array): number {
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) {
    for (let p = 0; p < this.constants.outH * this.constants.outW; p++) {
      sum += dy[(n * this.constants.outChannels + this.thread.x) * this.constants.outH * this.constants.outW + p]!;
    }
  }
  return sum;
}

// ── Running kernels ───────────────────────────────────────────────────────────────────────────────────────

/**
 * A compiled kernel and how many of its results are alive: reading a GL texture needs its kernel, so an
 * evicted kernel is destroyed only once its last result is freed.
 */
interface Compiled {
  kernel: GpuKernel;
  live: number;
  evicted: boolean;
}

/** What a DeviceArray stands for: a result on `owner` (a gpu.js instance or the WebGPU engine). */
interface Held {
  value: KernelValue | WebGpuHandle;
  owner: object;
  /** Frees the result (undefined for gpu.js's CPU modes: nothing on a device). */
  free: (() => void) | undefined;
}
const held = new WeakMap<DeviceArray, Held>();
/** Frees a result once no tensor holds its DeviceArray. */
const freeing = new FinalizationRegistry<() => void>((free) => free());
let liveResults = 0;

/** Takes a kernel out of use: destroyed now if no result of it is alive, else by its last result's release. */
function evict(compiled: Compiled): void {
  compiled.evicted = true;
  if (compiled.live === 0) compiled.kernel.destroy?.();
}

/**
 * What the gpu backend holds on the GPU now: results not yet freed (tensors alive, or not yet collected)
 * and compiled kernels (one per op and shape).
 * @example useBackend('gpu'); const y = relu(x); gpuHeld().results; // 1 more than before
 */
export function gpuHeld(): { results: number; kernels: number } {
  return { results: liveResults, kernels: kernels.size };
}

/**
 * gpu.js computes in float32 and indexes with floats: exact only below 2^24. Larger tensors run elsewhere.
 */
const LARGEST = 2 ** 24;

/** Compiled kernels kept (a shader each); the least recently compiled goes first. */
const MOST_KERNELS = 64;

/** What a kernel gets for one input: the owner's own result as is, host values (read back if need be). */
function argument(value: Values, owner: object): KernelValue | WebGpuHandle {
  if (value instanceof Float32Array) return value;
  const result = held.get(value);
  return result && result.owner === owner ? result.value : value.read();
}

/**
 * Runs `source` over `size` threads and returns the result on the device. One compiled kernel per
 * `name`, constants and argument kinds and lengths: gpu.js bakes them into the shader.
 */
function launch<C extends object>(
  name: string,
  source: (this: KernelThis<C>, ...args: never[]) => number,
  size: number,
  constants: C,
  loop: number,
  inputs: readonly Values[],
): DeviceArray {
  const loaded = load();
  const owner = loaded.kind === 'webgpu' ? loaded.engine : loaded.gpu;
  const args = inputs.map((value) => argument(value, owner));
  const kinds = args.map((a, i) => `${a instanceof Float32Array ? 'a' : 't'}${inputs[i]!.length}`);
  const key = `${name}|${size}|${JSON.stringify(constants)}|${kinds.join(',')}`;
  let compiled = kernels.get(key);
  if (!compiled) {
    const text = source.toString();
    const kernel: GpuKernel =
      loaded.kind === 'webgpu'
        ? // The engine compiles per key in its worker, from the function's source.
          Object.assign(
            (...values: (KernelValue | WebGpuHandle)[]) =>
              loaded.engine.run(key, text, size, constants, loop + 1, values as (Float32Array | WebGpuHandle)[]),
            { destroy: () => loaded.engine.forget(key) },
          )
        : loaded.gpu.createKernel(source as unknown as (...args: never[]) => number, {
            output: [size],
            constants,
            precision: 'single',
            tactic: 'precision',
            loopMaxIterations: loop + 1,
            // Textures out, and a fresh one per call, so one result is never overwritten by the next call.
            pipeline: true,
            immutable: true,
          });
    compiled = { kernel, live: 0, evicted: false };
    kernels.set(key, compiled);
    // A notebook that tries many shapes compiles a shader per shape: keep the most recent ones only.
    if (kernels.size > MOST_KERNELS) {
      const [oldest, evicted] = kernels.entries().next().value as [string, Compiled];
      kernels.delete(oldest);
      evict(evicted);
    }
  }
  const out = compiled.kernel(...args);
  const where = `gpu (${gpuMode()})`;
  if (out instanceof Float32Array || Array.isArray(out)) {
    // gpu.js's CPU modes have no device memory: the "texture" is an array already (fresh per call).
    const values = out instanceof Float32Array ? out : Float32Array.from(out);
    const array: DeviceArray = { length: size, device: where, read: () => values };
    held.set(array, { value: values, owner, free: undefined });
    return array;
  }
  const result = out;
  const read =
    'toArray' in result
      ? (): Float32Array => {
          const host = result.toArray();
          return host instanceof Float32Array ? host : Float32Array.from(host);
        }
      : (): Float32Array => (owner as WebGpuEngine).read(result);
  const kept = compiled;
  const free = (): void => {
    if ('toArray' in result) result.delete();
    else (owner as WebGpuEngine).free(result);
    liveResults--;
    kept.live--;
    if (kept.evicted) evict(kept);
  };
  const array: DeviceArray = { length: size, device: where, read };
  held.set(array, { value: result, owner, free });
  compiled.live++;
  liveResults++;
  freeing.register(array, free, array);
  return array;
}

/** A host method's result: the device result read back (and freed at once). */
function readBack(array: DeviceArray | undefined): Float32Array | undefined {
  if (!array) return undefined;
  const values = array.read();
  const result = held.get(array);
  if (result?.free) {
    freeing.unregister(array);
    result.free();
  }
  return values;
}

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

/** Max or average pooling over dense window tables (−1 past each window's real cells). */
function pool(x: Values, info: PoolWindowsInfo, max: boolean, countIncludePad: boolean): DeviceArray | undefined {
  const [rows, cols] = info.axes;
  const size = info.batch * info.channels * rows!.outSize * cols!.outSize;
  if (!fits(size, x.length)) return undefined;
  const dense = (taps: readonly (readonly number[])[], most: number): Float32Array => {
    const out = new Float32Array(taps.length * most).fill(-1);
    taps.forEach((window, o) => out.set(window, o * most));
    return out;
  };
  const mostH = Math.max(1, ...rows!.taps.map((t) => t.length));
  const mostW = Math.max(1, ...cols!.taps.map((t) => t.length));
  const constants: PoolConstants = {
    inH: rows!.inSize, inW: cols!.inSize, outH: rows!.outSize, outW: cols!.outSize, mostH, mostW,
    max: max ? 1 : 0, countIncludePad: countIncludePad ? 1 : 0,
  };
  return launch('pool', poolKernel, size, constants, Math.max(mostH, mostW), [
    x, dense(rows!.taps, mostH), dense(cols!.taps, mostW), table(rows!.paddedTaps), table(cols!.paddedTaps),
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

/** Results kept on the GPU (pipeline mode); each declines while pipeline mode is off. */
const resident: ResidentKernels = {
  conv: (x, w, bias, info) => (pipeline ? conv(x, w, bias, info) : undefined),
  pad: (x, axes, value) => (pipeline ? pad(x, axes, value) : undefined),
  maxPool2d: (x, info) => (pipeline ? pool(x, info, true, false) : undefined),
  avgPool2d: (x, info, countIncludePad) => (pipeline ? pool(x, info, false, countIncludePad) : undefined),
  relu: (x) => (pipeline ? relu(x) : undefined),
};

/**
 * The gpu.js backend (see the module comment); {@link gpuMode} says where its kernels run.
 * @example
 * useBackend('gpu');
 * conv2d(tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]),
 *        tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]])).toArray(); // [[[[348, 393], [528, 573]]]]
 */
export const gpuBackend: Backend = layered(
  () => 'gpu',
  {
    conv: (x, w, bias, info) => readBack(conv(x, w, bias, info)),
    pad: (x, axes, value) => readBack(pad(x, axes, value)),
    avgPool2d: (x, info, countIncludePad) => readBack(pool(x, info, false, countIncludePad)),
    conv2dBackward(dy, x, w, info) {
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
  resident,
);
