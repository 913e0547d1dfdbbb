/**
 * The wasm backend's conv2d gradients (kernel/src/backends/wasm/grad.ts): that its `convBackward` computes on
 * the engine (reported as `wasm`, not handed to the reference loops) for every kind of conv the op takes, agrees
 * with PyTorch autograd, and declines what it does not take. The op-level sweeps of test/unit/ops/grad.test.ts
 * run on this path too (describeEachBackend), but the op's result does not say which backend computed it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { convInfo, setAllocationLimit, type ConvOptions } from '../../../kernel/src/index';
import { wasmBackend } from '../../../kernel/src/backends/wasm/backend';
import { WasmConv } from '../../../kernel/src/backends/wasm/conv';
import { conv2dGradients } from '../../../kernel/src/backends/wasm/grad';
import { host } from '../../../kernel/src/backends/backend';
import { expectClose, seededValues, torchReference, type OracleCase, type OracleResult } from '../../reference/torch';
import { ORACLE_TIMEOUT_MS } from '../support/sweep';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

interface GradCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  options: ConvOptions;
  why: string;
}

// Each case reaches one branch of grad.ts; sizes kept small so the reference side stays quick.
const cases: GradCase[] = [
  { x: [3, 4, 9, 8], w: [5, 4, 3, 3], options: {}, why: 'batch 3, no padding' },
  { x: [2, 3, 11, 10], w: [4, 3, 3, 2], options: { stride: [2, 3] }, why: 'strides: dy spread out, dw dilated by the stride; floor leaves extra offsets' },
  { x: [2, 2, 12, 13], w: [3, 2, 3, 3], options: { dilation: [2, 3], padding: 2 }, why: 'dilation: dw at stride d' },
  { x: [2, 3, 9, 9], w: [2, 3, 3, 3], options: { stride: 2, dilation: 2, padding: [[0, 3], [2, 1]] }, why: 'per-side pads with stride and dilation' },
  { x: [1, 2, 6, 7], w: [2, 2, 2, 2], options: { padding: [[3, 4], [2, 3]], stride: 2 }, why: 'pads beyond d·(k−1): dy cells that met only padding' },
  { x: [2, 4, 8, 8], w: [6, 2, 3, 3], options: { groups: 2, padding: 1 }, why: 'groups: one dw conv per group, grouped dx conv' },
  { x: [2, 6, 10, 9], w: [6, 1, 3, 3], options: { groups: 6, padding: 1 }, why: 'depthwise (the engine\'s direct loop for dx)' },
  { x: [2, 6, 10, 9], w: [12, 1, 5, 3], options: { groups: 6, stride: 2, padding: 'same' }, why: 'depthwise multiplier 2, strided' },
  { x: [1, 1, 5, 5], w: [1, 1, 5, 5], options: {}, why: 'one output pixel' },
  { x: [4, 1, 28, 28], w: [6, 1, 5, 5], options: { padding: 2 }, why: 'LeNet-5 C1' },
  { x: [4, 6, 14, 14], w: [16, 6, 5, 5], options: {}, why: 'LeNet-5 C3' },
];

function oracleCase(c: GradCase, data: { x: number[]; w: number[]; dy: number[]; yShape: number[] }): OracleCase {
  const info = convInfo('conv2d', c.x, c.w, c.options);
  const pads = info.axes.map((a) => [a.padBefore, a.padAfter]);
  const { stride = 1, dilation = 1, groups = 1 } = c.options;
  return {
    op: 'conv2d_backward',
    tensors: { x: { shape: c.x, data: data.x }, w: { shape: c.w, data: data.w }, dy: { shape: data.yShape, data: data.dy } },
    options: { stride, dilation, groups, pads },
  };
}

function expectOutput(actual: Float32Array, shape: readonly number[], result: OracleResult, name: string, label: string): void {
  if (!('outputs' in result)) throw new Error(`${label}: PyTorch returned ${JSON.stringify(result).slice(0, 200)}`);
  const want = result.outputs[name];
  if (!want) throw new Error(`${label}: PyTorch returned no ${name}`);
  expectClose({ shape, data: actual }, want, `${label} ${name}`);
}

describe('wasm convBackward', () => {
  afterEach(() => {
    setAllocationLimit(2 ** 31);
  });

  it(`computes on the engine and matches PyTorch autograd on ${cases.length} seeded cases`, { timeout: ORACLE_TIMEOUT_MS }, () => {
    const data = cases.map((c, i) => {
      const info = convInfo('conv2d', c.x, c.w, c.options);
      return {
        x: seededValues(size(c.x), 500 + i),
        w: seededValues(size(c.w), 600 + i),
        dy: seededValues(size(info.outShape), 700 + i),
        yShape: [...info.outShape],
      };
    });
    const expected = torchReference(cases.map((c, i) => oracleCase(c, data[i]!)));
    cases.forEach((c, i) => {
      const label = `x=[${c.x}] w=[${c.w}] ${JSON.stringify(c.options)} (${c.why})`;
      const d = data[i]!;
      const info = convInfo('conv2dBackward', c.x, c.w, c.options);
      const out = wasmBackend.convBackward(Float32Array.from(d.dy), Float32Array.from(d.x), Float32Array.from(d.w), info);
      expect(out.backend, label).toBe('wasm');
      expectOutput(host(out.values.dx), c.x, expected[i]!, 'dx', label);
      expectOutput(host(out.values.dw), c.w, expected[i]!, 'dw', label);
      expectOutput(host(out.values.db), [c.w[0]], expected[i]!, 'db', label);
    });
  });

  it('the worked example of conv2dGradients (grad.ts), as the op documents it', () => {
    const info = convInfo('conv2dBackward', [1, 1, 3, 3], [1, 1, 2, 2], {});
    const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
    const w = Float32Array.of(1, 0, 0, -1);
    const grads = conv2dGradients(new WasmConv(1), Float32Array.of(1, 1, 1, 1), x, w, info);
    expect(grads && Array.from(grads.dx)).toEqual([1, 1, 0, 1, 0, -1, 0, -1, -1]);
    expect(grads && Array.from(grads.dw)).toEqual([12, 16, 24, 28]);
    expect(grads && Array.from(grads.db)).toEqual([4]);
  });

  it('declines (reference loops, reported as cpu) 1-D and 3-D gradients: the engine is 2-D', () => {
    const conv1d = convInfo('conv1dBackward', [1, 1, 5], [1, 1, 3], {});
    expect(wasmBackend.convBackward(new Float32Array(3), new Float32Array(5), new Float32Array(3), conv1d).backend).toBe('cpu');
    const conv3d = convInfo('conv3dBackward', [1, 1, 3, 3, 3], [1, 1, 2, 2, 2], {});
    expect(wasmBackend.convBackward(new Float32Array(8), new Float32Array(27), new Float32Array(8), conv3d).backend).toBe('cpu');
  });

  it('declines (reference loops, reported as cpu) an empty batch, a padding mode, and arrays beyond the allocation limit', () => {
    const empty = convInfo('conv2dBackward', [0, 1, 4, 4], [1, 1, 3, 3], {});
    expect(wasmBackend.convBackward(new Float32Array(0), new Float32Array(0), new Float32Array(9), empty).backend).toBe('cpu');

    const reflect = convInfo('conv2dBackward', [1, 1, 4, 4], [1, 1, 3, 3], { padding: 1, paddingMode: 'reflect' });
    const dy16 = new Float32Array(16);
    expect(wasmBackend.convBackward(dy16, new Float32Array(16), new Float32Array(9), reflect).backend).toBe('cpu');

    // The spread dy of a 5×5 input and a 3×3 kernel is 7×7 = 196 bytes; the op's own tensors are at most 100, and
    // the reference loops' window table (2×2 outputs × 9 taps) 144.
    const info = convInfo('conv2dBackward', [1, 1, 5, 5], [1, 1, 3, 3], { stride: 2 });
    const dy = Float32Array.from(seededValues(4, 1));
    const x = Float32Array.from(seededValues(25, 2));
    const w = Float32Array.from(seededValues(9, 3));
    const fast = wasmBackend.convBackward(dy, x, w, info);
    setAllocationLimit(150);
    const declined = wasmBackend.convBackward(dy, x, w, info);
    expect([fast.backend, declined.backend]).toEqual(['wasm', 'cpu']);
    // Both paths compute the same gradients (the reference loops accumulate in float64).
    for (const key of ['dx', 'dw', 'db'] as const) {
      const want = Array.from(host(declined.values[key]));
      host(fast.values[key]).forEach((v, i) => expect(Math.abs(v - want[i]!), `${key}[${i}]`).toBeLessThan(1e-5));
    }
  });
});
