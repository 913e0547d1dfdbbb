/**
 * The parts of gpu.js (an optional package, loaded on first use) and of the WebGPU engine that the gpu backend
 * uses, as types: gpu.js ships no types of its own that fit its pipeline mode.
 */
import type { WebGpuEngine, WebGpuHandle } from './webgpu/engine';

/** A gpu.js texture: a kernel's output in pipeline mode. */
export interface GpuTexture {
  toArray(): Float32Array | number[];
  delete(): void;
}
/** What a kernel takes and returns: host arrays, or textures of the same gpu.js instance. */
export type KernelValue = Float32Array | GpuTexture;
/** A compiled kernel: gpu.js's (host arrays or its textures in, a texture or an array out) or the engine's. */
export type GpuKernel = ((...args: (KernelValue | WebGpuHandle)[]) => KernelValue | number[] | WebGpuHandle) & {
  destroy?(removeCanvasReferences?: boolean): void;
};
export interface GpuInstance {
  readonly mode: string;
  /** The kernel class gpu.js chose, e.g. `HeadlessGLKernel`. */
  readonly Kernel: { name: string } | null;
  createKernel(source: (...args: never[]) => number, settings: object): GpuKernel;
}
export interface GpuJs {
  GPU: new (settings: { mode?: string }) => GpuInstance;
}

/**
 * Where kernels run: a gpu.js instance called synchronously (WebGL/headless-gl, or its CPU modes), or the
 * WebGPU engine (gpu.js's `webgpu` mode in a worker, webgpu.ts).
 */
export type Device = { kind: 'gpujs'; gpu: GpuInstance } | { kind: 'webgpu'; engine: WebGpuEngine };
