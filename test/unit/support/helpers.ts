/** Small helpers shared by the unit tests. */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { ConvLabError, tensor, type Tensor } from '../../../kernel/src/index';
import { backendNames, setGpuMode, useBackend, type BackendName } from '../../../kernel/src/backends';

/**
 * One test body, every backend, so all backends meet the same checks: `describe('<title> on <backend>')` per
 * backend name, with that backend selected for its tests and the default (`'auto'`) restored after. The gpu.js backend runs
 * twice: in gpu.js's `cpu` mode (its kernel source as JavaScript, on every machine) and in the mode gpu.js
 * picks here (a GL or WebGPU context where there is one, e.g. headless-gl under Xvfb); `gpuModes` narrows that.
 */
export function onEveryBackend(
  title: string,
  body: (name: BackendName) => void,
  names: readonly BackendName[] = backendNames,
  gpuModes: readonly (string | undefined)[] = ['cpu', undefined],
): void {
  for (const name of names) {
    for (const gpuMode of name === 'gpu' ? gpuModes : [undefined]) {
      // gpu.js compiles a shader per conv geometry: seconds for a sweep on a software GL (Xvfb).
      const options = name === 'gpu' ? { timeout: 120_000 } : {};
      describe(`${title} on ${name}${gpuMode ? ` (gpu.js ${gpuMode} mode)` : ''}`, options, () => {
        beforeAll(() => {
          setGpuMode(gpuMode);
          useBackend(name);
        });
        afterAll(() => {
          setGpuMode(undefined);
          useBackend('auto');
        });
        body(name);
      });
    }
  }
}

/** `[1, 2, …, n]` as a 1×1×1×n tensor: the 1-D probes of kernel/docs/semantics.md (§1.3, §3) as a 2-D conv with height 1. */
export function row(values: number[]): Tensor {
  return tensor(values, [1, 1, 1, values.length]);
}

/** A tensor's values as a plain array, for `toEqual`. */
export function flat(t: Tensor): number[] {
  return Array.from(t.data);
}

/** 1..16 as a 1×1×4×4 image and 1..9 as a 1×1×3×3 kernel: the hello-notebook worked example. */
export function workedExample(): { x: Tensor; w: Tensor } {
  return {
    x: tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]),
    w: tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]),
  };
}

/** The ConvLabError `run` throws (a test fails if it throws anything else, or nothing). */
export function errorOf(run: () => unknown): ConvLabError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConvLabError);
    return error as ConvLabError;
  }
  throw new Error('expected a ConvLabError, nothing was thrown');
}
