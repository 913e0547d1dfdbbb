/**
 * The WebGPU engine (gpu.js `webgpu` mode on Dawn, in a worker, called synchronously). Where it opens (CI: test/
 * run-all.sh sources the software Vulkan driver setup.sh unpacks, and sets CONVLAB_REQUIRE_WEBGPU=1): kernels
 * agree with JavaScript, results chain on the GPU, errors from the worker arrive as thrown Errors, and the
 * shared buffer is reused, and a call that takes too long throws instead of hanging. Where it does not open:
 * it says why in one sentence.
 */
import { describe, expect, it, vi } from 'vitest';
import { openWebGpu, sharedBytes, type WebGpuEngine } from '../../../kernel/src/backends/gpu/webgpu/engine';
import { seededValues } from '../../reference/torch';

interface KernelThis<C> {
  thread: { x: number };
  constants: C;
}

// Written like the kernels in gpu.ts (constants, a loop, `!`), and passed as its compiled source text.
// x [n + k − 1], w [k], bias [1] → out [n]: a valid 1-D correlation plus bias.
function correlate(
  this: KernelThis<{ k: number }>,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array,
): number {
  let sum = bias[0]!;
  for (let j = 0; j < this.constants.k; j++) {
    sum += x[this.thread.x + j]! * w[j]!;
  }
  return sum;
}
function reluKernel(this: KernelThis<object>, x: Float32Array): number {
  return Math.max(x[this.thread.x]!, 0);
}

function correlateJs(x: Float32Array, w: Float32Array, bias: number): Float32Array {
  const out = new Float32Array(x.length - w.length + 1);
  out.forEach((_, i) => (out[i] = w.reduce((sum, wj, j) => sum + x[i + j]! * wj, bias)));
  return out;
}

const values = (length: number, seed: number): Float32Array => new Float32Array(seededValues(length, seed));

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - expected[i]!)));
  expect(worst).toBeLessThan(1e-4);
}

const opened = openWebGpu();
const engine: WebGpuEngine | undefined = 'unavailable' in opened ? undefined : opened;

describe('openWebGpu', () => {
  it('opens wherever CONVLAB_REQUIRE_WEBGPU=1, and is cached', () => {
    if (process.env['CONVLAB_REQUIRE_WEBGPU'] === '1')
      expect('unavailable' in opened ? opened.unavailable : '').toBe('');
    expect(openWebGpu()).toBe(opened);
  });
});

if (!engine) {
  describe('openWebGpu where WebGPU does not work', () => {
    it('says why in one readable sentence', () => {
      const { unavailable } = opened as { unavailable: string };
      // e.g. 'WebGPU is unavailable: the Vulkan loader libvulkan.so.1 is not installed, so Dawn has no adapter (…).'
      expect(unavailable).toMatch(
        /^WebGPU is unavailable: [^\n]*(Vulkan|Dawn|adapter|webgpu|gpu\.js|timed out|did not answer)[^\n]*\.$/,
      );
    });
  });
} else {
  const gpu = engine;
  describe(`WebGPU engine on ${gpu.adapter}`, () => {
    it('names its adapter and whether it is software', () => {
      expect(gpu.adapter).toMatch(/\w/);
      expect(gpu.software).toBe(/llvmpipe|lavapipe|swiftshader|software/i.test(gpu.adapter));
    });

    it('runs a kernel given as compiled source text, with constants and a loop, like JavaScript', () => {
      const [x, w, bias] = [values(1029, 1), values(6, 2), values(1, 3)];
      const out = gpu.run('correlate', correlate.toString(), 1024, { k: 6 }, 7, [x, w, bias]);
      expect(out.length).toBe(1024);
      expectClose(gpu.read(out), correlateJs(x, w, bias[0]!));
      gpu.free(out);
    });

    it('chains kernels on the GPU: a handle is the next kernel input, and stays readable', () => {
      const [x, w, bias] = [values(40, 4), values(3, 5), values(1, 6)];
      const first = gpu.run('correlate-38', correlate.toString(), 38, { k: 3 }, 4, [x, w, bias]);
      const second = gpu.run('relu-38', reluKernel.toString(), 38, {}, 1, [first]);
      const expected = correlateJs(x, w, bias[0]!);
      expectClose(
        gpu.read(second),
        expected.map((v) => Math.max(v, 0)),
      );
      expectClose(gpu.read(first), expected);
      expect(expected.some((v) => v < 0)).toBe(true); // relu changed something
      gpu.free(first);
      gpu.free(second);
    });

    it('refuses a freed handle, to read or as an input', () => {
      const out = gpu.run('relu-4', reluKernel.toString(), 4, {}, 1, [Float32Array.of(-1, 2, -3, 4)]);
      expect(Array.from(gpu.read(out))).toEqual([0, 2, 0, 4]);
      gpu.free(out);
      expect(() => gpu.read(out)).toThrow(/^Error in webgpu read: handle \d+ was freed/);
      expect(() => gpu.run('relu-4', reluKernel.toString(), 4, {}, 1, [out])).toThrow(
        /input 0 \(handle \d+\) was freed/,
      );
    });

    it("throws the worker's message for a kernel that does not compile, and keeps working", () => {
      const broken = 'function (x) { return x[this.thread.x] +* 1; }';
      expect(() => gpu.run('broken', broken, 4, {}, 1, [new Float32Array(4)])).toThrow(
        /^Error in webgpu run 'broken': Unexpected token/,
      );
      const out = gpu.run('relu-4', reluKernel.toString(), 4, {}, 1, [Float32Array.of(1, -1, 1, -1)]);
      expect(Array.from(gpu.read(out))).toEqual([1, 0, 1, 0]);
      gpu.free(out);
    });

    it("refuses a key's kernel for another size or other inputs (gpu.js would run the first call's)", () => {
      const out = gpu.run('relu-2', reluKernel.toString(), 2, {}, 1, [Float32Array.of(-1, 1)]);
      expect(() => gpu.run('relu-2', reluKernel.toString(), 3, {}, 1, [Float32Array.of(-1, 1)])).toThrow(
        /^Error in webgpu run 'relu-2': kernel 'relu-2' was compiled for output \[2\], constants \{\}, inputs \[host 2\], but got output \[3\]/,
      );
      expect(() => gpu.run('relu-2', reluKernel.toString(), 2, {}, 1, [out])).toThrow(
        /but got .* inputs \[handle 2\]; give each variant its own key/,
      );
      gpu.free(out);
    });

    it("forgets a key's kernel: the key then compiles afresh, for another size", () => {
      const first = gpu.run('relu-f', reluKernel.toString(), 2, {}, 1, [Float32Array.of(-1, 1)]);
      gpu.free(first);
      gpu.forget('relu-f');
      // Had the worker kept the 2-thread kernel, this would come back with 2 values (or be refused as above).
      const second = gpu.run('relu-f', reluKernel.toString(), 3, {}, 1, [Float32Array.of(-1, 1, -2)]);
      expect(Array.from(gpu.read(second))).toEqual([0, 1, 0]);
      gpu.free(second);
    });

    it('reuses its shared buffer when sizes repeat, and grows it for a larger one', () => {
      const run = (n: number): void => {
        const out = gpu.run(`relu-${n}`, reluKernel.toString(), n, {}, 1, [values(n, n)]);
        gpu.read(out);
        gpu.free(out);
      };
      const before = sharedBytes(gpu);
      const larger = before / 2; // floats: twice the buffer's bytes
      run(larger);
      const grown = sharedBytes(gpu);
      expect(grown).toBeGreaterThan(before);
      for (let i = 0; i < 50; i++) run(i % 2 ? larger : 1000);
      expect(sharedBytes(gpu)).toBe(grown);
    });

    it('throws "timed out" for a call slower than CONVLAB_WEBGPU_TIMEOUT_MS, and closes that engine', async () => {
      // A second engine, from a fresh copy of the module (its own cache), with a 100 ms limit per call.
      process.env['CONVLAB_WEBGPU_TIMEOUT_MS'] = '100';
      vi.resetModules();
      const fresh = await import('../../../kernel/src/backends/gpu/webgpu/engine');
      delete process.env['CONVLAB_WEBGPU_TIMEOUT_MS'];
      const slowEngine = fresh.openWebGpu();
      if ('unavailable' in slowEngine) throw new Error(slowEngine.unavailable);
      expect(slowEngine).not.toBe(gpu);
      // About a second on llvmpipe: 2000 sines per thread, 2^18 threads.
      const slow =
        'function (x) { let s = 0; for (let i = 0; i < 2000; i++) { s += Math.sin(x[this.thread.x] + i); } return s; }';
      const x = new Float32Array(1 << 18);
      let out: { id: number; length: number } | undefined;
      expect(() => {
        out = slowEngine.run('slow', slow, x.length, {}, 2001, [x]);
        slowEngine.read(out);
      }).toThrow(/^Error in webgpu (run 'slow'|read): the worker did not answer within 100 ms \(timed out;/);
      expect(() => slowEngine.run('slow', slow, x.length, {}, 2001, [x])).toThrow(
        /a call timed out after 100 ms, so the engine was closed/,
      );
      // The first engine is untouched.
      const check = gpu.run('relu-4', reluKernel.toString(), 4, {}, 1, [Float32Array.of(-2, 2, -2, 2)]);
      expect(Array.from(gpu.read(check))).toEqual([0, 2, 0, 2]);
      gpu.free(check);
    });
  });
}
