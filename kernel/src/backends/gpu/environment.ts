/**
 * Facts about where the gpu backend runs, shared by its device probing, its X display and the WebGPU engine.
 */
import { existsSync, readdirSync } from 'node:fs';

/** True in Node (the kernel); false in a browser page that bundled the library, where Xvfb and the WebGPU
 *  engine cannot run (gpu.js then uses the page's WebGL). */
export const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;

/**
 * Renderers and adapters that are CPU emulations of a GPU: Mesa's llvmpipe/lavapipe/softpipe, SwiftShader, and
 * what Dawn or a driver calls a software or CPU device. `'auto'` never times the gpu backend on one.
 * @example SOFTWARE_RENDERER.test('llvmpipe (Mesa 25.0.7)'); // true
 */
export const SOFTWARE_RENDERER = /llvmpipe|lavapipe|softpipe|swiftshader|software|\bcpu\b/i;

/**
 * Whether this machine has a device file a GPU driver opens, known without loading one: on Linux a GL or Vulkan
 * driver reaches a GPU through a DRM device (`/dev/dri/renderD*`, or `card*` alone on old kernels), NVIDIA's
 * `/dev/nvidia*` or WSL's `/dev/dxg`; with none of them, any context gpu.js or Dawn can make is a software renderer. Trying one costs
 * about 0.4 s (a worker, Dawn, Xvfb and headless-gl), which the first conv of a session would pay for nothing.
 * `undefined` elsewhere (another system, a page): only trying tells.
 * @example gpuDeviceFiles(); // false on a Linux machine (or container) without a GPU
 */
export function gpuDeviceFiles(): boolean | undefined {
  if (!inNode || process.platform !== 'linux') return undefined;
  try {
    if (existsSync('/dev/dri') && readdirSync('/dev/dri').some((name) => name.startsWith('renderD') || name.startsWith('card'))) return true;
    return readdirSync('/dev').some((name) => name.startsWith('nvidia') || name === 'dxg');
  } catch {
    return undefined;
  }
}
