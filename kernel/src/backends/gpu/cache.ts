/**
 * The gpu backend's compiled kernels and its results on the device: `launch` compiles a kernel once per op,
 * sizes and constants (at most {@link MOST_KERNELS}, oldest evicted) and runs it; a result is a DeviceArray that is
 * freed when no tensor holds it any more, or at once when read back with `readBack`.
 */
import type { DeviceArray, Values } from '../../tensor';
import { gpuMode, loadDevice } from './device';
import type { GpuKernel, KernelValue } from './gpujs';
import type { KernelThis } from './sources';
import type { WebGpuEngine, WebGpuHandle } from './webgpu/engine';

const kernels = new Map<string, Compiled>();

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
export function launch<C extends object>(
  name: string,
  source: (this: KernelThis<C>, ...args: never[]) => number,
  size: number,
  constants: C,
  loop: number,
  inputs: readonly Values[],
): DeviceArray {
  const loaded = loadDevice();
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
export function readBack(array: DeviceArray | undefined): Float32Array | undefined {
  if (!array) return undefined;
  const values = array.read();
  const result = held.get(array);
  if (result?.free) {
    freeing.unregister(array);
    result.free();
  }
  return values;
}

/** Drops every compiled kernel (a mode change: the next launch compiles for the new device). */
export function forgetKernels(): void {
  for (const compiled of kernels.values()) evict(compiled);
  kernels.clear();
}
