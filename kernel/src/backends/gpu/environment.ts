/**
 * Facts about where the gpu backend runs, shared by its device probing, its X display and the WebGPU engine.
 */

/** True in Node (the kernel); false in a browser page that bundled the library, where Xvfb and the WebGPU
 *  engine cannot run (gpu.js then uses the page's WebGL). */
export const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;

/**
 * Renderers and adapters that are CPU emulations of a GPU: Mesa's llvmpipe/lavapipe/softpipe, SwiftShader, and
 * what Dawn or a driver calls a software or CPU device. `'auto'` never times the gpu backend on one.
 * @example SOFTWARE_RENDERER.test('llvmpipe (Mesa 25.0.7)'); // true
 */
export const SOFTWARE_RENDERER = /llvmpipe|lavapipe|softpipe|swiftshader|software|\bcpu\b/i;
