/**
 * The gpu backend's device: which gpu.js mode (or the WebGPU engine) its kernels run in, and what renders for
 * it. gpu.js is optional and loaded on first use; in Node, a mode that may draw with headless-gl gets an X
 * display first (display.ts).
 */
import { fail } from '../../errors';
import { displayIsXvfb, ensureDisplay } from './display';
import { inNode } from './environment';
import type { Device, GpuJs } from './gpujs';
import { openWebGpu } from './webgpu/engine';

let device: Device | undefined;
let requestedMode: string | undefined = (inNode && process.env['CONVLAB_GPU_MODE']) || undefined;

/** gpu.js modes that run on a graphics processor (its others: `'webasm'`, `'cpu'`, run on the CPU). */
export const GPU_MODES: readonly string[] = ['webgl', 'webgl2', 'headlessgl', 'webgpu'];

/** Asks for `mode` (see `setGpuMode`, which also drops the compiled kernels): opened on the next use. */
export function requestMode(mode: string | undefined): void {
  requestedMode = mode;
  device = undefined;
}

/**
 * Where the gpu backend's kernels run now, opened on first use: the WebGPU engine, else a gpu.js instance in
 * the requested mode (or gpu.js's pick). Throws a ConvLab error when the requested mode cannot run here.
 */
export function loadDevice(): Device {
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
  const loaded = loadDevice();
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

/**
 * What renders for the gpu backend: the WebGPU adapter (e.g. `'llvmpipe (Mesa 25.0.7), software'`), or
 * `'software (Xvfb)'` for headless-gl on Xvfb (Xvfb has no GPU: Mesa's llvmpipe draws), else headless-gl's
 * renderer string; undefined in gpu.js's CPU modes. `'auto'` leaves
 * the gpu backend out where the renderer is software.
 * @example gpuRenderer(); // 'software (Xvfb)' on a machine without a GPU, after setup.sh --gpu
 */
export function gpuRenderer(): string | undefined {
  const loaded = loadDevice();
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
