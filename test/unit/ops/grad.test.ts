import { describe, expect, it } from 'vitest';
import {
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  adaptiveMaxPool2d,
  adaptiveMaxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  conv1d,
  conv1dBackward,
  conv2d,
  conv2dBackward,
  conv3d,
  conv3dBackward,
  convInfo,
  maxPool2d,
  maxPool1dBackward,
  maxPool2dBackward,
  ones,
  tensor,
  type AvgPoolOptions,
  type Conv2dOptions,
  type ConvOptions,
  type MaxPoolOptions,
  type Padding,
  type Tensor,
} from '../../../kernel/src/index';
import { expectClose, seededValues, torchReference, type OracleCase, type OracleResult } from '../../reference/torch';
import { flat } from '../support/helpers';

import { describeEachBackend } from '../support/sweep';

// § numbers in test names are sections of kernel/docs/semantics.md.

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Compares one named output of a multi-output oracle result. */
function expectOutput(actual: Tensor, result: OracleResult, name: string, label: string): void {
  if (!('outputs' in result)) throw new Error(`${label}: PyTorch returned ${JSON.stringify(result).slice(0, 200)}`);
  const want = result.outputs[name];
  if (!want) throw new Error(`${label}: PyTorch returned no ${name}`);
  expectClose(actual, want, `${label} ${name}`);
}

/**
 * Central differences of `loss(values) = Σ dy · f(values)` in float64, one coordinate at a time. `f` is linear (conv,
 * avg pool) or piecewise linear away from ties (max pool), so a step that crosses no kink gives the exact slope.
 */
function numericGradient(values: number[], step: number, loss: (values: number[]) => number): number[] {
  return values.map((_, i) => {
    const plus = [...values];
    const minus = [...values];
    plus[i]! += step;
    minus[i]! -= step;
    return (loss(plus) - loss(minus)) / (2 * step);
  });
}

function dot(dy: Tensor, y: Tensor): number {
  let sum = 0;
  for (let i = 0; i < y.size; i++) sum += (dy.data[i] ?? 0) * (y.data[i] ?? 0);
  return sum;
}

function expectAllClose(actual: ArrayLike<number>, expected: readonly number[], label: string, tolerance = 2e-3): void {
  expect(actual.length, label).toBe(expected.length);
  expected.forEach((want, i) => {
    expect(Math.abs((actual[i] ?? NaN) - want), `${label}[${i}]: ${actual[i]} vs ${want}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(want)));
  });
}

describeEachBackend('gradients, worked values', () => {

  it('conv2d: 3×3 input, 2×2 kernel, dy of ones → dx, dw (sums of the windows), db = 4', () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    const w = tensor([[[[1, 0], [0, -1]]]]);
    const { dx, dw, db } = conv2dBackward(tensor([[[[1, 1], [1, 1]]]]), x, w);
    expect(dx.toArray()).toEqual([[[[1, 1, 0], [1, 0, -1], [0, -1, -1]]]]);
    expect(dw.toArray()).toEqual([[[[12, 16], [24, 28]]]]);
    expect(db.toArray()).toEqual([4]);
  });

  it('conv1d and conv3d: the doc examples (§10.1)', () => {
    const g1 = conv1dBackward(tensor([[[1, 2]]]), tensor([[[1, 2, 3]]]), tensor([[[1, -1]]]));
    expect(g1.dx.toArray()).toEqual([[[1, 1, -2]]]);
    expect(g1.dw.toArray()).toEqual([[[5, 8]]]);
    expect(g1.db.toArray()).toEqual([3]);
    const g3 = conv3dBackward(tensor([[[[[2]]]]]), tensor([[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]]), ones([1, 1, 2, 2, 2]));
    expect(g3.dx.toArray()).toEqual([[[[[2, 2], [2, 2]], [[2, 2], [2, 2]]]]]);
    expect(g3.dw.toArray()).toEqual([[[[[2, 4], [6, 8]], [[10, 12], [14, 16]]]]]);
    expect(g3.db.toArray()).toEqual([2]);
  });

  it('9×8 input, k3, s2, p1, d2 (§10.1): taps reach only odd rows and columns, so dx is 0 elsewhere', () => {
    const x = tensor(seededValues(72, 7), [1, 1, 9, 8]);
    const w = tensor(seededValues(9, 8), [1, 1, 3, 3]);
    const options = { stride: 2, padding: 1, dilation: 2 };
    const y = conv2d(x, w, options);
    expect(y.shape).toEqual([1, 1, 4, 3]);
    const { dx } = conv2dBackward(tensor(seededValues(12, 9), y.shape), x, w, options);
    const nonZero = flat(dx).flatMap((v, i) => (v === 0 ? [] : [[Math.floor(i / 8), i % 8]]));
    expect(nonZero.length).toBeGreaterThan(0);
    expect(nonZero.every(([r, c]) => r! % 2 === 1 && c! % 2 === 1)).toBe(true);
  });

  it('max pool: dy goes to the argmax; ties go to the first maximum in row-major window order', () => {
    expect(maxPool2dBackward(tensor([[[[10]]]]), tensor([[[[1, 4], [3, 2]]]]), 2).toArray()).toEqual([[[[0, 10], [0, 0]]]]);
    expect(maxPool2dBackward(tensor([[[[5]]]]), tensor([[[[1, 1], [1, 1]]]]), 2).toArray()).toEqual([[[[5, 0], [0, 0]]]]);
    // Overlapping windows (stride 1) that share a maximum add up at it.
    const shared = maxPool2dBackward(tensor([[[[1, 2]]]]), tensor([[[[0, 9, 0], [0, 0, 0]]]]), 2, { stride: 1 });
    expect(shared.toArray()).toEqual([[[[0, 3, 0], [0, 0, 0]]]]);
  });

  it('max pool: with NaNs in a window, dy goes to the last NaN (PyTorch updates on `v > max || isnan(v)`)', () => {
    const x = tensor([[[[NaN, NaN], [1, 0]]]]);
    expect(maxPool2dBackward(tensor([[[[1]]]]), x, 2).toArray()).toEqual([[[[0, 1], [0, 0]]]]);
    expect(adaptiveMaxPool2dBackward(tensor([[[[1]]]]), x, 1).toArray()).toEqual([[[[0, 1], [0, 0]]]]);
    // A value after the NaN does not take it back: [NaN, 1, 9, NaN, 2] → the second NaN.
    expect(maxPool1dBackward(tensor([[[1]]]), tensor([[[NaN, 1, 9, NaN, 2]]]), 5).toArray()).toEqual([[[0, 0, 0, 1, 0]]]);
  });

  it('adaptive pools: overlapping bins add up; max goes to the bin maximum', () => {
    expect(adaptiveAvgPool2dBackward(tensor([[[[3, 6]]]]), tensor([[[[1, 2, 3]]]]), [1, 2]).toArray()).toEqual([[[[1.5, 4.5, 3]]]]);
    expect(adaptiveMaxPool2dBackward(tensor([[[[1, 1]]]]), tensor([[[[1, 5, 3]]]]), [1, 2]).toArray()).toEqual([[[[0, 2, 0]]]]);
  });

  it('avg pool: dy / divisor over the window, with the forward divisor (padding counted by default)', () => {
    expect(avgPool2dBackward(tensor([[[[4]]]]), tensor([[[[1, 4], [3, 2]]]]), 2).toArray()).toEqual([[[[1, 1], [1, 1]]]]);
    const x = tensor(new Float32Array(4), [1, 1, 2, 2]);
    const dy = tensor([[[[9, 0], [0, 0]]]]);
    // k3, s1, p1: the top-left window holds 4 real cells of 9 → each gets 9/9 = 1 with padding counted, 9/4 without.
    expect(flat(avgPool2dBackward(dy, x, 3, { stride: 1, padding: 1 }))).toEqual([1, 1, 1, 1]);
    expect(flat(avgPool2dBackward(dy, x, 3, { stride: 1, padding: 1, countIncludePad: false }))).toEqual([2.25, 2.25, 2.25, 2.25]);
  });
});

describeEachBackend('gradients match central finite differences (float64)', () => {

  const convCases: { x: number[]; w: number[]; options: ConvOptions }[] = [
    { x: [1, 2, 5, 4], w: [3, 2, 2, 3], options: {} },
    { x: [1, 4, 6, 5], w: [4, 2, 3, 2], options: { stride: 2, padding: [[0, 1], [1, 0]], groups: 2 } },
    { x: [2, 1, 6, 7], w: [2, 1, 3, 3], options: { stride: 2, padding: 'same', dilation: 2 } },
  ];
  convCases.forEach(({ x: xShape, w: wShape, options }, k) => {
    it(`conv2d x=[${xShape}] w=[${wShape}] ${JSON.stringify(options)}`, () => {
      const xs = seededValues(size(xShape), 100 + k);
      const ws = seededValues(size(wShape), 200 + k);
      const bs = seededValues(wShape[0]!, 300 + k);
      const forward = (xv: number[], wv: number[], bv: number[]): Tensor =>
        conv2d(tensor(xv, xShape), tensor(wv, wShape), { ...options, bias: tensor(bv) } as Conv2dOptions);
      const y = forward(xs, ws, bs);
      const dy = tensor(seededValues(y.size, 400 + k), y.shape);
      const { dx, dw, db } = conv2dBackward(dy, tensor(xs, xShape), tensor(ws, wShape), options);
      // The loss is linear in each argument, so a large step is exact up to float32 rounding of the outputs.
      expectAllClose(dx.data, numericGradient(xs, 0.5, (v) => dot(dy, forward(v, ws, bs))), 'dx');
      expectAllClose(dw.data, numericGradient(ws, 0.5, (v) => dot(dy, forward(xs, v, bs))), 'dw');
      expectAllClose(db.data, numericGradient(bs, 0.5, (v) => dot(dy, forward(xs, ws, v))), 'db');
    });
  });

  it('max pool (distinct values, a step smaller than their gaps) and avg pool', () => {
    const shape = [1, 2, 5, 6];
    // A seeded shuffle of 0, 0.1, 0.2, …: no ties, gaps of 0.1.
    const order = seededValues(size(shape), 11).map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    const xs = Array<number>(size(shape)).fill(0);
    order.forEach(([, i], rank) => (xs[i] = rank / 10));
    const maxOptions: MaxPoolOptions = { stride: 2, padding: 1, ceilMode: true };
    const avgOptions: AvgPoolOptions = { stride: [1, 2], padding: 1, ceilMode: true, countIncludePad: true };
    const dyMax = tensor(seededValues(size(maxPool2d(tensor(xs, shape), 3, maxOptions).shape), 12), maxPool2d(tensor(xs, shape), 3, maxOptions).shape);
    const dyAvg = tensor(seededValues(size(avgPool2d(tensor(xs, shape), 3, avgOptions).shape), 13), avgPool2d(tensor(xs, shape), 3, avgOptions).shape);
    expectAllClose(
      maxPool2dBackward(dyMax, tensor(xs, shape), 3, maxOptions).data,
      numericGradient(xs, 0.01, (v) => dot(dyMax, maxPool2d(tensor(v, shape), 3, maxOptions))),
      'max dx',
    );
    expectAllClose(
      avgPool2dBackward(dyAvg, tensor(xs, shape), 3, avgOptions).data,
      numericGradient(xs, 0.5, (v) => dot(dyAvg, avgPool2d(tensor(v, shape), 3, avgOptions))),
      'avg dx',
    );
  });
});

describe('gradient errors', () => {
  const x = tensor(new Float32Array(16), [1, 1, 4, 4]);
  const w = tensor(new Float32Array(9), [1, 1, 3, 3]);

  it('a dy whose shape is not the forward output', () => {
    expect(() => conv2dBackward(tensor(new Float32Array(9), [1, 1, 3, 3]), x, w)).toThrow(
      /^conv2dBackward: dy expected shape \[1,1,2,2\] \(the forward output's shape\), got \[1,1,3,3\] \(dy \[1,1,3,3\], input \[1,1,4,4\], weight \[1,1,3,3\]\); hint: dy is the loss gradient/,
    );
    expect(() => maxPool2dBackward(tensor([1]), x, 2)).toThrow(/^maxPool2dBackward: dy expected shape \[1,1,2,2\] .*got \[1\] \(dy \[1\], input \[1,1,4,4\]\)/);
    expect(() => avgPool2dBackward(tensor([1]), x, 2)).toThrow(/^avgPool2dBackward: dy expected shape \[1,1,2,2\]/);
  });

  it('the forward checks, under the backward op name', () => {
    expect(() => conv2dBackward(tensor([1]), tensor(new Float32Array(32), [1, 2, 4, 4]), w)).toThrow(
      /^conv2dBackward: weight expected 2 input channels per group .*got 1 \(weight axis 1\) \(input \[1,2,4,4\], weight \[1,1,3,3\]\); hint/,
    );
    expect(() => maxPool2dBackward(tensor([1]), x, 2, { padding: 2 })).toThrow(/^maxPool2dBackward: options\.padding expected at most the effective kernel − 1/);
    expect(() => conv2dBackward(tensor([1]), tensor([1, 2]), w)).toThrow(/^conv2dBackward: x expected rank 3 or 4/);
  });

  it('conv1dBackward and conv3dBackward: the same checks, in their layouts and under their names', () => {
    const x1 = tensor(new Float32Array(8), [1, 2, 4]);
    expect(() => conv1dBackward(tensor([1]), tensor([1, 2]), tensor(new Float32Array(2), [1, 1, 2]))).toThrow(
      /^conv1dBackward: x expected rank 2 or 3 \(\[batch, channels, length\] or \[channels, length\]\)/,
    );
    expect(() => conv1dBackward(tensor([1]), x1, tensor(new Float32Array(4), [2, 2]))).toThrow(
      /^conv1dBackward: w expected rank 3 \(\[outChannels, inChannels\/groups, kernelLength\]\)/,
    );
    expect(() => conv1dBackward(tensor(new Float32Array(4), [1, 1, 4]), x1, tensor(new Float32Array(4), [1, 2, 2]))).toThrow(
      /^conv1dBackward: dy expected shape \[1,1,3\] \(the forward output's shape\), got \[1,1,4\]/,
    );
    // Unbatched x: dy is unbatched too.
    expect(() => conv1dBackward(tensor(new Float32Array(3), [1, 1, 3]), tensor(new Float32Array(8), [2, 4]), tensor(new Float32Array(4), [1, 2, 2]))).toThrow(
      /^conv1dBackward: dy expected shape \[1,3\]/,
    );
    expect(() => conv1dBackward(tensor(new Float32Array(5), [1, 1, 5]), x1, tensor(new Float32Array(4), [1, 2, 2]), { padding: 1, paddingMode: 'circular' })).toThrow(
      /^conv1dBackward: options.paddingMode expected zero padding .* got 'circular' .*hint: pad the input first/,
    );
    const x3 = tensor(new Float32Array(27), [1, 1, 3, 3, 3]);
    expect(() => conv3dBackward(tensor([1]), tensor(new Float32Array(9), [1, 3, 3]), ones([1, 1, 2, 2, 2]))).toThrow(
      /^conv3dBackward: x expected rank 4 or 5 \(\[batch, channels, depth, height, width\] or \[channels, depth, height, width\]\)/,
    );
    expect(() => conv3dBackward(tensor([1]), tensor(new Float32Array(54), [1, 2, 3, 3, 3]), ones([1, 1, 2, 2, 2]))).toThrow(
      /^conv3dBackward: weight expected 2 input channels per group .*got 1 \(weight axis 1\)/,
    );
    expect(() => conv3dBackward(ones([1, 1, 3, 3, 3]), x3, ones([1, 1, 2, 2, 2]), { padding: 1, paddingMode: 'constant', padValue: 1 })).toThrow(
      /^conv3dBackward: options.paddingMode expected zero padding .* got 'constant' with padValue 1/,
    );
  });
});

// ── Differential sweeps against PyTorch autograd ────────────────────────────────────────────────────────────

interface ConvGradCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  options: ConvOptions & { padding: Padding };
}

function convGradSweep(): ConvGradCase[] {
  const cases: ConvGradCase[] = [{ x: [1, 1, 9, 8], w: [1, 1, 3, 3], options: { stride: 2, padding: 1, dilation: 2 } }];
  const paddings: Padding[] = [0, 1, 'same', [[0, 1], [2, 1]]];
  for (const [c, o, groups] of [[1, 1, 1], [3, 4, 1], [4, 6, 2], [4, 4, 4]] as const) {
    for (const k of [1, 2, 3]) {
      for (const stride of [1, 2, 3]) {
        for (const padding of paddings) {
          for (const dilation of [1, 2]) {
            cases.push({ x: [2, c, 7, 6], w: [o, c / groups, k, k + (stride === 3 && dilation === 1 ? 1 : 0)], options: { stride, padding, dilation, groups } });
          }
        }
      }
    }
  }
  return cases;
}

/** The oracle's options: PyTorch takes numbers and stride-1 'same' itself; other pads go through F.pad explicitly. */
function oracleConvOptions(c: ConvGradCase): object {
  const { padding, ...rest } = c.options;
  if (typeof padding === 'number' || (padding === 'same' && rest.stride === 1)) return { ...rest, padding };
  const pads = convInfo('conv2d', c.x, c.w, c.options).axes.map((a) => [a.padBefore, a.padAfter]);
  return { ...rest, pads };
}

interface ConvNdGradCase {
  spatial: 1 | 3;
  x: number[];
  w: number[];
  options: ConvOptions & { padding: Padding };
}

/**
 * conv1d and conv3d cases: strides, dilations, numeric/'same'/per-side (and 1-D 'causal') padding, groups, batch 2,
 * and unbatched inputs. 3-D kernels differ per axis so an axis mix-up cannot pass.
 */
function convNdGradSweep(): ConvNdGradCase[] {
  const cases: ConvNdGradCase[] = [];
  const paddings1d: Padding[] = [0, 2, 'same', 'causal', [[2, 1]]];
  for (const [c, o, groups] of [[1, 1, 1], [3, 4, 1], [4, 6, 2], [4, 4, 4]] as const) {
    for (const k of [1, 2, 3]) {
      for (const stride of [1, 2, 3]) {
        for (const padding of paddings1d) {
          for (const dilation of [1, 2]) {
            cases.push({ spatial: 1, x: [2, c, 11], w: [o, c / groups, k], options: { stride, padding, dilation, groups } });
          }
        }
      }
    }
  }
  const paddings3d: Padding[] = [0, 1, 'same', [[0, 1], [1, 0], [2, 1]]];
  for (const [c, o, groups] of [[1, 2, 1], [4, 6, 2]] as const) {
    for (const k of [1, 2]) {
      for (const stride of [1, 2, [2, 1, 3]]) {
        for (const padding of paddings3d) {
          for (const dilation of [1, [2, 1, 2]]) {
            cases.push({ spatial: 3, x: [2, c, 5, 4, 6], w: [o, c / groups, k, k + 1, k], options: { stride, padding, dilation, groups } as ConvOptions & { padding: Padding } });
          }
        }
      }
    }
  }
  // Unbatched inputs: dx comes back unbatched, dw and db as batched.
  cases.push({ spatial: 1, x: [3, 9], w: [2, 3, 3], options: { stride: 2, padding: [[1, 2]], dilation: 2 } });
  cases.push({ spatial: 1, x: [4, 7], w: [4, 1, 2], options: { padding: 'causal', groups: 4 } });
  cases.push({ spatial: 3, x: [2, 4, 5, 3], w: [4, 1, 2, 3, 2], options: { stride: [1, 2, 1], padding: 'same', groups: 2 } });
  cases.push({ spatial: 3, x: [1, 3, 3, 3], w: [2, 1, 3, 1, 2], options: { padding: [[1, 1], [0, 2], [1, 0]], dilation: [1, 1, 2] } });
  return cases;
}

/** The N-D oracle's options: numeric padding as PyTorch takes it, every other padding as explicit per-side pads. */
function oracleConvNdOptions(c: ConvNdGradCase): object {
  const { padding, ...rest } = c.options;
  if (typeof padding === 'number') return { ...rest, padding };
  const batchedX = c.x.length === c.spatial + 2 ? c.x : [1, ...c.x];
  const pads = convInfo(`conv${c.spatial}d`, batchedX, c.w, c.options).axes.map((a) => [a.padBefore, a.padAfter]);
  return { ...rest, pads };
}

interface PoolGradCase {
  op: 'max_pool_backward' | 'avg_pool_backward' | 'adaptive_avg_pool2d_backward' | 'adaptive_max_pool2d_backward';
  kernel: number | [number, number];
  options: MaxPoolOptions & AvgPoolOptions & { outputSize?: [number, number] };
  ties: boolean;
}

/** The forward and backward ops of a pool-gradient case. */
function poolPair(c: PoolGradCase): { forward: (x: Tensor) => Tensor; backward: (dy: Tensor, x: Tensor) => Tensor } {
  const { outputSize = [1, 1], ...options } = c.options;
  switch (c.op) {
    case 'max_pool_backward':
      return { forward: (x) => maxPool2d(x, c.kernel, options), backward: (dy, x) => maxPool2dBackward(dy, x, c.kernel, options) };
    case 'avg_pool_backward':
      return { forward: (x) => avgPool2d(x, c.kernel, options), backward: (dy, x) => avgPool2dBackward(dy, x, c.kernel, options) };
    case 'adaptive_avg_pool2d_backward':
      return { forward: (x) => adaptiveAvgPool2d(x, outputSize), backward: (dy, x) => adaptiveAvgPool2dBackward(dy, x, outputSize) };
    case 'adaptive_max_pool2d_backward':
      return { forward: (x) => adaptiveMaxPool2d(x, outputSize), backward: (dy, x) => adaptiveMaxPool2dBackward(dy, x, outputSize) };
  }
}

function poolGradSweep(): PoolGradCase[] {
  const cases: PoolGradCase[] = [];
  for (const kernel of [2, 3, [2, 3]] as const) {
    for (const stride of [undefined, 1, 2]) {
      for (const padding of [0, 1]) {
        for (const ceilMode of [false, true]) {
          const k = typeof kernel === 'number' ? kernel : ([...kernel] as [number, number]);
          for (const ties of [false, true]) {
            cases.push({ op: 'max_pool_backward', kernel: k, options: { stride, padding, ceilMode, dilation: stride === 1 ? 2 : 1 }, ties });
          }
          cases.push({ op: 'avg_pool_backward', kernel: k, options: { stride, padding, ceilMode, countIncludePad: padding === 1 && stride !== 2 }, ties: false });
        }
      }
    }
  }
  for (const outputSize of [[1, 1], [3, 4], [4, 4], [5, 6], [9, 8]] as [number, number][]) {
    for (const ties of [false, true]) {
      cases.push({ op: 'adaptive_max_pool2d_backward', kernel: 1, options: { outputSize }, ties });
    }
    cases.push({ op: 'adaptive_avg_pool2d_backward', kernel: 1, options: { outputSize }, ties: false });
  }
  return cases;
}

describeEachBackend('gradients match PyTorch autograd', () => {

  const convSweep = convGradSweep();
  it(`conv2dBackward on ${convSweep.length} seeded cases (stride, numeric/'same'/per-side padding, dilation, groups)`, () => {
    const data = convSweep.map((c, i) => {
      const y = conv2d(tensor(new Float32Array(size(c.x)), c.x), tensor(new Float32Array(size(c.w)), c.w), c.options);
      return { x: seededValues(size(c.x), 7000 + i), w: seededValues(size(c.w), 8000 + i), dy: seededValues(y.size, 9000 + i), yShape: [...y.shape] };
    });
    const cases: OracleCase[] = convSweep.map((c, i) => ({
      op: 'conv2d_backward',
      tensors: { x: { shape: c.x, data: data[i]!.x }, w: { shape: c.w, data: data[i]!.w }, dy: { shape: data[i]!.yShape, data: data[i]!.dy } },
      options: oracleConvOptions(c),
    }));
    const expected = torchReference(cases);
    convSweep.forEach((c, i) => {
      const label = `x=[${c.x}] w=[${c.w}] ${JSON.stringify(c.options)}`;
      const { dx, dw, db } = conv2dBackward(tensor(data[i]!.dy, data[i]!.yShape), tensor(data[i]!.x, c.x), tensor(data[i]!.w, c.w), c.options);
      expectOutput(dx, expected[i]!, 'dx', label);
      expectOutput(dw, expected[i]!, 'dw', label);
      expectOutput(db, expected[i]!, 'db', label);
    });
  });

  const convNdSweep = convNdGradSweep();
  it(`conv1dBackward and conv3dBackward on ${convNdSweep.length} seeded cases (stride, padding, dilation, groups, unbatched)`, () => {
    const ops = { 1: { forward: conv1d, backward: conv1dBackward }, 3: { forward: conv3d, backward: conv3dBackward } };
    const data = convNdSweep.map((c, i) => {
      const y = ops[c.spatial].forward(tensor(new Float32Array(size(c.x)), c.x), tensor(new Float32Array(size(c.w)), c.w), c.options);
      return { x: seededValues(size(c.x), 12000 + i), w: seededValues(size(c.w), 13000 + i), dy: seededValues(y.size, 14000 + i), yShape: [...y.shape] };
    });
    const cases: OracleCase[] = convNdSweep.map((c, i) => ({
      op: `conv${c.spatial}d_backward`,
      tensors: { x: { shape: c.x, data: data[i]!.x }, w: { shape: c.w, data: data[i]!.w }, dy: { shape: data[i]!.yShape, data: data[i]!.dy } },
      options: oracleConvNdOptions(c),
    }));
    const expected = torchReference(cases);
    convNdSweep.forEach((c, i) => {
      const label = `conv${c.spatial}d x=[${c.x}] w=[${c.w}] ${JSON.stringify(c.options)}`;
      const { dx, dw, db } = ops[c.spatial].backward(tensor(data[i]!.dy, data[i]!.yShape), tensor(data[i]!.x, c.x), tensor(data[i]!.w, c.w), c.options);
      expect(dx.shape, label).toEqual(c.x);
      expectOutput(dx, expected[i]!, 'dx', label);
      expectOutput(dw, expected[i]!, 'dw', label);
      expectOutput(db, expected[i]!, 'db', label);
    });
  });

  const poolSweep = poolGradSweep();
  it(`max/avg/adaptive pool backward on ${poolSweep.length} seeded cases (ceilMode, padding, dilation, ties)`, () => {
    const xShape = [2, 3, 7, 6];
    const data = poolSweep.map((c, i) => {
      const raw = seededValues(size(xShape), 10000 + i);
      // Ties: values rounded to halves, so windows hold equal maxima.
      const x = c.ties ? raw.map((v) => Math.round(v * 2) / 2) : raw;
      const forward = poolPair(c).forward(tensor(x, xShape));
      return { x, dy: seededValues(forward.size, 11000 + i), yShape: [...forward.shape] };
    });
    const cases: OracleCase[] = poolSweep.map((c, i) => ({
      op: c.op,
      tensors: { x: { shape: xShape, data: data[i]!.x }, dy: { shape: data[i]!.yShape, data: data[i]!.dy } },
      options: { kernel: c.kernel, ...c.options },
    }));
    const expected = torchReference(cases);
    poolSweep.forEach((c, i) => {
      const x = tensor(data[i]!.x, xShape);
      const dy = tensor(data[i]!.dy, data[i]!.yShape);
      const dx = poolPair(c).backward(dy, x);
      expectClose(dx, expected[i]!, `${c.op} k=${JSON.stringify(c.kernel)} ${JSON.stringify(c.options)} ties=${c.ties}`);
    });
  });
});

describe('conv2dBackward padding modes', () => {
  it('refuses a non-zero padding mode instead of returning wrong gradients', () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    const w = tensor([[[[1, 0], [0, -1]]]]);
    const dy = tensor([[[[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]]]);
    expect(() => conv2dBackward(dy, x, w, { padding: 1, paddingMode: 'reflect' })).toThrow(
      /conv2dBackward: options.paddingMode expected zero padding .* got 'reflect' .*hint: pad the input first/,
    );
  });
});
