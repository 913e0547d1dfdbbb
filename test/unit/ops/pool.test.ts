import { describe, expect, it } from 'vitest';
import {
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  avgPool1d,
  avgPool2d,
  globalAvgPool,
  globalMaxPool,
  lpPool1d,
  lpPool2d,
  maxPool1d,
  maxPool2d,
  poolInfo,
  poolOutputSize,
  tensor,
  type AvgPoolOptions,
  type MaxPoolOptions,
  type Tensor,
} from '../../../kernel/src/index';
import { expectClose, seededValues, torchReference, type OracleCase } from '../../reference/torch';
import { flat, row, workedExample } from '../support/helpers';

import { describeEachBackend } from '../support/sweep';

// § numbers in test names are sections of kernel/docs/semantics.md.

/** 1..16 as a 1×1×4×4 image. */
const image = (): Tensor => workedExample().x;

describe('pool output size (shapes/)', () => {
  it('stride defaults to the kernel, as PyTorch: MaxPool2d(3) on 6×6 → 2×2', () => {
    expect(poolInfo('maxPool2d', [1, 1, 6, 6], 3, {}).outShape).toEqual([1, 1, 2, 2]);
  });

  it('ceil mode drops a last window that would start in the right padding (§5.1)', () => {
    const dropped = poolOutputSize(5, 2, { stride: 2, padBefore: 1, padAfter: 1, ceilMode: true });
    expect(dropped.outSize).toBe(3);
    expect(dropped.formula).toBe('ceil((5 + 1 + 1 − 2) / 2) + 1 = 4, − 1: the last window would start in the right padding = 3');
    // 2×2, k1, s2, ceil → 1×1 (ONNX test_maxpool_2d_ceil_output_size_reduce_by_one), even with zero padding.
    expect(poolInfo('maxPool2d', [1, 1, 2, 2], 1, { stride: 2, ceilMode: true }).outShape).toEqual([1, 1, 1, 1]);
    // 6×7, k1, s2, ceil → 3×4 (PyTorch 2.13).
    expect(poolInfo('maxPool2d', [1, 1, 6, 7], 1, { stride: 2, ceilMode: true }).outShape).toEqual([1, 1, 3, 4]);
    // 2×2, k3, s3, p1 → 1×1 (ONNX test_averagepool_2d_ceil_last_window_starts_on_pad).
    expect(poolInfo('avgPool2d', [1, 1, 2, 2], 3, { stride: 3, padding: 1, ceilMode: true }).outShape).toEqual([1, 1, 1, 1]);
  });

  it('floor mode is the conv formula', () => {
    expect(poolOutputSize(6, 3, { stride: 2 }).formula).toBe('floor((6 + 0 + 0 − 3) / 2) + 1 = 2');
  });

  it("'same' pads so the output is ceil(L / s), extra at the end", () => {
    const [rows, cols] = poolInfo('maxPool2d', [1, 1, 5, 6], 2, { padding: 'same' }).axes;
    expect([rows?.outSize, rows?.padBefore, rows?.padAfter]).toEqual([3, 0, 1]);
    expect([cols?.outSize, cols?.padBefore, cols?.padAfter]).toEqual([3, 0, 0]);
  });
});

describeEachBackend('pooling worked values', () => {

  it('max pool 2×2 of 1..16 → [[6, 8], [14, 16]]', () => {
    expect(maxPool2d(image(), 2).toArray()).toEqual([[[[6, 8], [14, 16]]]]);
  });

  it('max-pool padding is −∞: the border of an all-negative map stays −1, not 0 (§5.3)', () => {
    const negative = tensor([[[[-1, -2], [-3, -4]]]]);
    expect(maxPool2d(negative, 3, { stride: 1, padding: 1 }).toArray()).toEqual([[[[-1, -1], [-1, -1]]]]);
  });

  it('max pool propagates NaN to the windows that hold it, as PyTorch ([1, NaN, 3, 4], k2 → [NaN, 4])', () => {
    expect(flat(maxPool2d(row([1, NaN, 3, 4]), [1, 2]))).toEqual([NaN, 4]);
    expect(flat(maxPool2d(row([NaN, 1, 3, 4]), [1, 2]))).toEqual([NaN, 4]);
  });

  it('avg pool divisor: 14/9 with countIncludePad (default, PyTorch), 14/4 without (ONNX, TF) (§5.4)', () => {
    const included = avgPool2d(image(), 3, { stride: 1, padding: 1 });
    const excluded = avgPool2d(image(), 3, { stride: 1, padding: 1, countIncludePad: false });
    expect(included.data[0]).toBeCloseTo(14 / 9, 6);
    expect(excluded.data[0]).toBeCloseTo(3.5, 6);
  });

  it('ceil mode: [1..5], k2, s2, p1 → max [1, 3, 5] (3 windows, tfjs gives 4) (§5.1)', () => {
    expect(flat(maxPool1d(tensor([[[1, 2, 3, 4, 5]]]), 2, { padding: 1, ceilMode: true }))).toEqual([1, 3, 5]);
  });

  it('the ceil overhang never counts: avg [1..5], k2, s2, ceil → [1.5, 3.5, 5] with or without countIncludePad', () => {
    const x = tensor([[[1, 2, 3, 4, 5]]]);
    expect(flat(avgPool1d(x, 2, { ceilMode: true }))).toEqual([1.5, 3.5, 5]);
    expect(flat(avgPool1d(x, 2, { ceilMode: true, countIncludePad: false }))).toEqual([1.5, 3.5, 5]);
  });

  it('explicit pads count inside [−pL, L+pR) only: [1..5], k3, s2, p1, ceil, include → [1, 3, 3]', () => {
    expect(flat(avgPool1d(tensor([[[1, 2, 3, 4, 5]]]), 3, { stride: 2, padding: 1, ceilMode: true }))).toEqual([1, 3, 3]);
  });

  it('dilated max pool: [1..6], k2, d2, s1 → [3, 4, 5, 6]', () => {
    expect(flat(maxPool1d(tensor([[[1, 2, 3, 4, 5, 6]]]), 2, { stride: 1, dilation: 2 }))).toEqual([3, 4, 5, 6]);
  });

  it('a dilated max-pool window that reads no input cell gives −∞, as PyTorch (§5.3)', () => {
    // Taps at −1 and 2 of a length-2 axis: both padding. The gpu kernel used to return 0 here.
    const y = maxPool2d(tensor([[[[5], [7]]]]), [2, 1], { stride: 1, padding: [1, 0], dilation: [3, 1] });
    expect(y.toArray()).toEqual([[[[-Infinity]]]]);
    // The same window in 1-D (the gpu kernel runs 1-D pools with a unit height), next to windows that read cells.
    expect(flat(maxPool1d(tensor([[[5, 7]]]), 2, { stride: 1, padding: 3, dilation: 3 }))).toEqual([5, 7, -Infinity, 5, 7]);
  });

  it('pads up to kE − 1 hold a real cell in every window without dilation: [1..3], k3, s1, p2 → [1, 2, 3, 3, 3] (§5.2)', () => {
    const x = tensor([[[1, 2, 3]]]);
    expect(flat(maxPool1d(x, 3, { stride: 1, padding: 2 }))).toEqual([1, 2, 3, 3, 3]);
    // Average: padding counts by default (1/3, 3/3, 6/3, 5/3, 3/3); without it, over the real cells only.
    flat(avgPool1d(x, 3, { stride: 1, padding: 2 })).forEach((v, i) => expect(v).toBeCloseTo([1, 3, 6, 5, 3][i]! / 3, 6));
    expect(flat(avgPool1d(x, 3, { stride: 1, padding: 2, countIncludePad: false }))).toEqual([1, 1.5, 2, 2.5, 3]);
    expect(flat(lpPool1d(x, 3, { stride: 1, padding: 2, p: 1 }))).toEqual([1, 3, 6, 5, 3]);
  });

  it("an adaptive output size of null keeps that axis (PyTorch's None): [null, 2] on 2×4 → 2×2", () => {
    const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8]]]]);
    expect(adaptiveAvgPool2d(x, [null, 2]).toArray()).toEqual([[[[1.5, 3.5], [5.5, 7.5]]]]);
    expect(adaptiveMaxPool2d(x, [1, null]).toArray()).toEqual([[[[5, 6, 7, 8]]]]);
    expect(adaptiveAvgPool2d(x, [null, null]).toArray()).toEqual(x.toArray());
  });

  it('adaptive bins [floor(iL/O), ceil((i+1)L/O)): 0..9 → 4 bins means [1, 3, 6, 8]; 3 → 5 [1, 1.5, 2, 2.5, 3] (§5.5)', () => {
    const tenValues = row([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(flat(adaptiveAvgPool2d(tenValues, [1, 4]))).toEqual([1, 3, 6, 8]);
    expect(flat(adaptiveAvgPool2d(row([1, 2, 3]), [1, 5]))).toEqual([1, 1.5, 2, 2.5, 3]);
    expect(flat(adaptiveMaxPool2d(row([1, 2, 3]), [1, 5]))).toEqual([1, 2, 2, 3, 3]);
  });

  it('global pools keep the spatial axes as size 1 and equal adaptive pooling to 1', () => {
    const x = image();
    expect(globalAvgPool(x).toArray()).toEqual([[[[8.5]]]]);
    expect(globalMaxPool(x).toArray()).toEqual([[[[16]]]]);
    expect(flat(globalAvgPool(x))).toEqual(flat(adaptiveAvgPool2d(x, 1)));
    expect(globalAvgPool(tensor([[[1, 2, 3]], [[4, 5, 9]]])).toArray()).toEqual([[[2]], [[6]]]);
  });

  it('LP pooling uses |x|^p as ONNX: [-1, -2, 3, -4], k2, s2 → p3 [2.080, 4.498], p1 [3, 7] (§5.6)', () => {
    const x = row([-1, -2, 3, -4]);
    const p3 = flat(lpPool2d(x, [1, 2], { p: 3 }));
    expect(p3[0]).toBeCloseTo(9 ** (1 / 3), 5);
    expect(p3[1]).toBeCloseTo(91 ** (1 / 3), 5);
    expect(flat(lpPool2d(x, [1, 2], { p: 1 }))).toEqual([3, 7]);
    // The ceil-mode overhang sums only its real cells: [1..5], p1, k2, s2 → [3, 7, 5] (PyTorch would scale to 10).
    expect(flat(lpPool2d(row([1, 2, 3, 4, 5]), [1, 2], { p: 1, ceilMode: true }))).toEqual([3, 7, 5]);
  });

  it('per-side padding (which PyTorch pools lack) equals pooling a map padded by hand: −∞ for max, 0 for a sum', () => {
    const [height, width] = [5, 6];
    const values = seededValues(height * width, 77);
    const pads = [[0, 1], [1, 0]] as [number, number][];
    const padded = (fill: number): Tensor => {
      const out: number[] = [];
      for (let r = -pads[0]![0]; r < height + pads[0]![1]; r++) {
        for (let c = -pads[1]![0]; c < width + pads[1]![1]; c++) {
          out.push(r >= 0 && r < height && c >= 0 && c < width ? values[r * width + c]! : fill);
        }
      }
      return tensor(out, [1, 1, height + 1, width + 1]);
    };
    const x = tensor(values, [1, 1, height, width]);
    const options = { stride: [2, 1], padding: pads };
    expect(flat(maxPool2d(x, 2, options))).toEqual(flat(maxPool2d(padded(-Infinity), 2, { stride: [2, 1] })));
    // countIncludePad: padded zeros count in the divisor, exactly as zeros in the map would.
    const included = flat(avgPool2d(x, 2, { ...options, countIncludePad: true }));
    flat(avgPool2d(padded(0), 2, { stride: [2, 1] })).forEach((want, i) => expect(included[i]).toBeCloseTo(want, 6));
  });

  it('accepts unbatched input and returns unbatched output', () => {
    expect(maxPool2d(image().reshape([1, 4, 4]), 2).shape).toEqual([1, 2, 2]);
    expect(avgPool1d(tensor([[1, 2, 3, 4]]), 2).toArray()).toEqual([[1.5, 3.5]]);
  });

  it('records provenance with the window, for display', () => {
    const y = maxPool2d(image(), 2, { stride: 1 });
    expect(y.provenance?.op).toBe('maxPool2d');
    expect(y.provenance?.input.shape).toEqual([1, 1, 4, 4]);
    expect(y.provenance?.window).toEqual({ kernel: [2, 2], stride: [1, 1], dilation: [1, 1], padding: [[0, 0], [0, 0]], groups: 1, paddingMode: '-inf' });
  });
});

describe('pooling errors name op, argument, expected vs actual, shapes and a hint', () => {
  it('padding of the whole effective kernel or more (ONNX/TF rule: at most kE − 1; §5.2)', () => {
    expect(() => maxPool2d(image(), 2, { padding: 2 })).toThrow(
      /^maxPool2d: options\.padding expected at most the effective kernel − 1 on each side \(2 − 1 = 1\) on spatial axis 0, got \[2, 2\] \(input \[1,1,4,4\]\); hint: a pad of the whole effective kernel adds windows that hold only padding/,
    );
    // Dilation widens the limit: k2, d3 → kE 4, pads up to 3.
    expect(() => maxPool1d(tensor([[[1, 2, 3]]]), 2, { dilation: 3, padding: 4 })).toThrow(/\(4 − 1 = 3\)/);
    expect(() => avgPool2d(image(), 1, { padding: [[0, 1], [0, 0]] })).toThrow(/\(1 − 1 = 0\) on spatial axis 0, got \[0, 1\]/);
  });

  it('a kernel larger than the padded input', () => {
    expect(() => avgPool2d(image(), 5)).toThrow(
      /^avgPool2d: kernel expected an effective kernel \(5\) no larger than the padded input \(4 \+ 0 \+ 0 = 4\) on spatial axis 0, got kernel \[5,5\] \(input \[1,1,4,4\]\); hint: .*global pool/,
    );
  });

  it('a size that is neither a number nor a list is refused by name, before it is read as one', () => {
    const huge = { length: 1e9 } as unknown as number;
    expect(() => maxPool2d(image(), 2, { stride: huge })).toThrow(
      /^maxPool2d: options\.stride expected a number or 2 numbers, got \{"length":1000000000\} \(input \[1,1,4,4\]\); hint: one number for every axis, e\.g\. 2, or one per spatial axis, e\.g\. \[2, 2\]$/,
    );
    expect(() => avgPool2d(image(), '22' as unknown as number)).toThrow(/^avgPool2d: kernel expected a number or 2 numbers, got "22"/);
  });

  it('non-positive, non-integer and NaN sizes', () => {
    expect(() => maxPool2d(image(), 0)).toThrow(/^maxPool2d: kernel expected an integer ≥ 1, got 0 \(input \[1,1,4,4\]\); hint/);
    expect(() => maxPool2d(image(), 2, { stride: 1.5 })).toThrow(/^maxPool2d: options\.stride expected an integer ≥ 1, got 1\.5/);
    expect(() => maxPool2d(image(), 2, { dilation: NaN })).toThrow(/^maxPool2d: options\.dilation expected a finite number, got NaN/);
    expect(() => avgPool2d(image(), [2, Infinity] as unknown as [number, number])).toThrow(
      /^avgPool2d: kernel expected a finite number, got Infinity/,
    );
    expect(() => adaptiveAvgPool2d(image(), [0, 2])).toThrow(/^adaptiveAvgPool2d: outputSize expected an integer ≥ 1, got 0; hint/);
  });

  it('wrong per-axis lengths and wrong rank', () => {
    expect(() => maxPool2d(image(), [2, 2, 2] as unknown as [number, number])).toThrow(
      /^maxPool2d: kernel expected one number or 2 numbers \(one per spatial axis\), got 3 numbers \[2,2,2\]/,
    );
    expect(() => maxPool2d(tensor([1, 2, 3]), 2)).toThrow(
      /^maxPool2d: input expected rank 3 or 4 \(\[batch, channels, height, width\] or \[channels, height, width\]\), got rank 1 \(input \[3\]\); hint: reshape/,
    );
    expect(() => globalAvgPool(tensor([1, 2]))).toThrow(/^globalAvgPool: input expected rank 3 or 4 or 5 .*got rank 1/);
  });

  it('an LP order below 1 or not finite', () => {
    expect(() => lpPool2d(image(), 2, { p: 0.5 })).toThrow(/^lpPool2d: options\.p expected a finite number ≥ 1, got 0\.5; hint: .*maxPool2d/);
    expect(() => lpPool2d(image(), 2, { p: Infinity })).toThrow(/^lpPool2d: options\.p expected a finite number ≥ 1, got Infinity/);
  });
});

// ── Differential sweeps against PyTorch ─────────────────────────────────────────────────────────────────────

interface PoolCase {
  op: 'max_pool' | 'avg_pool' | 'lp_pool2d' | 'adaptive_avg_pool2d' | 'adaptive_max_pool2d';
  shape: number[];
  kernel?: number | [number, number];
  options: MaxPoolOptions & AvgPoolOptions & { p?: number; outputSize?: [number, number] };
  /** Tells the oracle to pad with −∞ itself (a padding PyTorch's max pool refuses but ConvLab allows). */
  padWithInfinity?: boolean;
}

function poolSweep(): PoolCase[] {
  const cases: PoolCase[] = [];
  const shapes = [[2, 3, 7, 6], [1, 2, 5, 8]];
  for (const shape of shapes) {
    for (const kernel of [1, 2, 3, [2, 3]] as const) {
      for (const stride of [undefined, 1, 2, 3]) {
        for (const padding of [0, 1]) {
          for (const ceilMode of [false, true]) {
            const k = typeof kernel === 'number' ? kernel : ([...kernel] as [number, number]);
            cases.push({ op: 'max_pool', shape, kernel: k, options: { stride, padding, ceilMode, dilation: stride === 1 ? 2 : 1 } });
            cases.push({ op: 'avg_pool', shape, kernel: k, options: { stride, padding, ceilMode, countIncludePad: stride !== 2 } });
          }
        }
      }
    }
  }
  // 1-D pools, including padding of the whole kernel (both must refuse it).
  for (const kernel of [2, 3, 4]) {
    for (const stride of [1, 2, 3]) {
      for (const padding of [0, 1, 2]) {
        for (const ceilMode of [false, true]) {
          const dilation = 1 + (kernel % 2);
          // PyTorch's max pool allows only half the kernel; within half the effective kernel the oracle pads by hand.
          const beyondTorch = padding > Math.floor(kernel / 2) && padding <= Math.floor((dilation * (kernel - 1) + 1) / 2);
          if (!(beyondTorch && ceilMode)) {
            cases.push({ op: 'max_pool', shape: [2, 3, 9], kernel, options: { stride, padding, ceilMode, dilation }, padWithInfinity: beyondTorch });
          }
          cases.push({ op: 'avg_pool', shape: [2, 3, 9], kernel, options: { stride, padding, ceilMode, countIncludePad: ceilMode } });
        }
      }
    }
  }
  for (const p of [1, 2, 3]) {
    for (const kernel of [2, 3]) {
      for (const stride of [undefined, 1]) {
        for (const ceilMode of [false, true]) {
          cases.push({ op: 'lp_pool2d', shape: [2, 2, 7, 6], kernel, options: { p, stride, padding: kernel === 3 ? 1 : 0, ceilMode } });
        }
      }
    }
  }
  for (const outputSize of [[1, 1], [2, 3], [3, 3], [4, 6], [5, 7], [7, 10], [10, 4]] as [number, number][]) {
    cases.push({ op: 'adaptive_avg_pool2d', shape: [2, 3, 7, 6], options: { outputSize } });
    cases.push({ op: 'adaptive_max_pool2d', shape: [2, 3, 7, 6], options: { outputSize } });
  }
  return cases;
}

function runPool(c: PoolCase, x: Tensor): Tensor {
  const { outputSize, p, countIncludePad, dilation, ...window } = c.options;
  const kernel = c.kernel ?? 1;
  const spatial = c.shape.length - 2;
  switch (c.op) {
    case 'max_pool':
      return spatial === 1 ? maxPool1d(x, kernel as number, { ...window, dilation }) : maxPool2d(x, kernel, { ...window, dilation });
    case 'avg_pool':
      return spatial === 1 ? avgPool1d(x, kernel as number, { ...window, countIncludePad }) : avgPool2d(x, kernel, { ...window, countIncludePad });
    case 'lp_pool2d':
      return lpPool2d(x, kernel, { ...window, p });
    case 'adaptive_avg_pool2d':
      return adaptiveAvgPool2d(x, outputSize ?? 1);
    case 'adaptive_max_pool2d':
      return adaptiveMaxPool2d(x, outputSize ?? 1);
  }
}

/** Whether every pad of a case is at most `kE − 1` (ConvLab's rule, kernel/docs/semantics.md §5.2). */
function withinEffectiveKernel(c: PoolCase): boolean {
  const kernels = typeof c.kernel === 'number' || c.kernel === undefined ? [c.kernel ?? 1] : c.kernel;
  const dilation = (c.options.dilation as number | undefined) ?? 1;
  return kernels.every((k) => (c.options.padding as number) <= dilation * (k - 1));
}

/** The ONNX node of a sweep case (symmetric pads), for onnxruntime in test/reference/oracle_pool.py. */
function onnxCase(c: PoolCase, x: number[]): OracleCase {
  const onnxOp = { max_pool: 'MaxPool', avg_pool: 'AveragePool', lp_pool2d: 'LpPool' }[c.op as 'max_pool' | 'avg_pool' | 'lp_pool2d'];
  const spatial = c.shape.length - 2;
  const padding = c.options.padding as number;
  return {
    op: 'onnx_pool',
    tensors: { x: { shape: c.shape, data: x } },
    options: { onnxOp, kernel: c.kernel, ...c.options, pads: Array.from({ length: spatial }, () => [padding, padding]) },
  };
}

describeEachBackend('pools match PyTorch', () => {

  const sweep = poolSweep();
  it(`on ${sweep.length} seeded random cases (max, avg with ceilMode/countIncludePad/dilation, 1-D, LP, adaptive)`, () => {
    const inputs = sweep.map((c, i) => seededValues(c.shape.reduce((a, b) => a * b), 5000 + i));
    const cases: OracleCase[] = sweep.map((c, i) => ({
      op: c.op,
      tensors: { x: { shape: c.shape, data: inputs[i]! } },
      options: { kernel: c.kernel, ...c.options, padWithInfinity: c.padWithInfinity },
    }));
    const expected = torchReference(cases);
    let refused = 0;
    const wider: number[] = [];
    sweep.forEach((c, i) => {
      const label = `${c.op} x=[${c.shape}] k=${JSON.stringify(c.kernel)} ${JSON.stringify(c.options)}`;
      const want = expected[i]!;
      const run = (): Tensor => runPool(c, tensor(inputs[i]!, c.shape));
      if ('error' in want) {
        // PyTorch refuses pads above half the kernel. ConvLab refuses a pad of the whole effective kernel too;
        // a pad between the two rules is compared with ONNX below.
        if (withinEffectiveKernel(c)) wider.push(i);
        else expect(run, `${label}: PyTorch raised ${want.error}`).toThrow(/padding expected at most the effective kernel − 1/);
        refused++;
      } else {
        expectClose(run(), want, label);
      }
    });
    // Pads PyTorch refuses but ONNX takes: onnxruntime is the oracle.
    const onnx = torchReference(wider.map((i) => onnxCase(sweep[i]!, inputs[i]!)));
    wider.forEach((i, j) => expectClose(runPool(sweep[i]!, tensor(inputs[i]!, sweep[i]!.shape)), onnx[j]!, `${sweep[i]!.op} (onnxruntime)`));
    expect(wider.length, 'the sweep includes pads between half the kernel and kE − 1').toBeGreaterThan(0);
    expect(refused, 'the sweep includes refused paddings').toBeGreaterThan(0);
    expect(refused, 'and mostly valid cases').toBeLessThan(sweep.length / 4);
  });
});
