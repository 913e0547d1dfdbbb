/**
 * Backend selection: `useBackend` and `backend()` are the switch every op reads, so backends plug in here
 * without touching the ops. `'cpu'` is the reference loops (the ground truth), `'wasm'` the fast CPU path
 * (WebAssembly SIMD on every core), `'gpu'` gpu.js (optional), and `'auto'`, the default, picks per size
 * class by measurement.
 */
import type { Backend } from './backend';
import { createAutoBackend, type AutoChoice } from './auto';
import { cpuBackend } from './cpu';
import { wasmBackend } from './wasm/backend';
import { GPU_MODES, gpuBackend, gpuMode, gpuRenderer } from './gpu/backend';
import { gpuDeviceFiles, SOFTWARE_RENDERER } from './gpu/environment';

export type { Backend } from './backend';
export type { AutoChoice } from './auto';
export { gpuHeld, gpuMode, gpuRenderer, setGpuMode, setGpuPipeline } from './gpu/backend';
export { wasmThreads } from './wasm/backend';

/**
 * The gpu.js backend is a candidate of `'auto'` only where gpu.js loads, found a GPU context, and that
 * context is not a software renderer (Mesa's llvmpipe under Xvfb is one: the CPU paths beat it).
 * @example gpuOnHardware(); // false on a machine without a GPU
 */
export function gpuOnHardware(): boolean {
  // Without a GPU's device file there is nothing to probe: loading the drivers would only find a software renderer.
  if (gpuDeviceFiles() === false) return false;
  try {
    return GPU_MODES.includes(gpuMode()) && !SOFTWARE_RENDERER.test(gpuRenderer() ?? '');
  } catch {
    return false;
  }
}

const auto = createAutoBackend(() => [wasmBackend, cpuBackend, ...(gpuOnHardware() ? [gpuBackend] : [])]);
const backends = { cpu: cpuBackend, wasm: wasmBackend, gpu: gpuBackend, auto: auto.backend } as const;

/** A backend's name, as `useBackend` takes it. */
export type BackendName = keyof typeof backends;

/** Every name `useBackend` accepts: the test suites run their bodies once per name. */
export const backendNames = Object.keys(backends) as BackendName[];

let current: Backend = auto.backend;

/**
 * The backend ops run on now; each result it returns says which backend computed it (under `'auto'`, the one
 * it chose; `'cpu'` where a fast backend handed the call to the reference loops).
 * @example backend().name; // 'auto'
 */
export function backend(): Backend {
  return current;
}

/** Chooses the backend for later ops. @example useBackend('wasm').name; // 'wasm' */
export function useBackend(name: BackendName): Backend {
  current = backends[name];
  return current;
}

/**
 * What `'auto'` measured and chose, per size class.
 * @example
 * conv2d(tensor(new Float32Array(64 * 56 * 56), [1, 64, 56, 56]), tensor(new Float32Array(64 * 64 * 9), [64, 64, 3, 3]));
 * autoChoices(); // [{ sizeClass: 'conv2d dense ~2^27 MACs', choice: 'wasm', ms: { wasm: 9.8 } }]
 */
export function autoChoices(): AutoChoice[] {
  return auto.choices();
}
