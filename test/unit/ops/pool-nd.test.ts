/**
 * 1-D, 2-D and 3-D pools on one N-D reference loop (kernel/docs/semantics.md §5): the 3-D pools, LP pools of every
 * rank, adaptive 1-D/3-D (with `null` axes), their gradients against autograd, pads wider than PyTorch allows
 * against ONNX, and the trace of the new ops.
 */
import { describe, expect, it } from 'vitest';
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool1dBackward,
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  adaptiveAvgPool3d,
  adaptiveAvgPool3dBackward,
  adaptiveMaxPool1d,
  adaptiveMaxPool1dBackward,
  adaptiveMaxPool2d,
  adaptiveMaxPool2dBackward,
  adaptiveMaxPool3d,
  adaptiveMaxPool3dBackward,
  avgPool1d,
  avgPool1dBackward,
  avgPool2d,
  avgPool2dBackward,
  avgPool3d,
  avgPool3dBackward,
  lpPool1d,
  lpPool1dBackward,
  lpPool2d,
  lpPool2dBackward,
  lpPool3d,
  lpPool3dBackward,
  maxPool1d,
  maxPool1dBackward,
  maxPool2d,
  maxPool2dBackward,
  maxPool3d,
  maxPool3dBackward,
  recordShapes,
  tensor,
  traceShapes,
  type LayerSpec,
  type Tensor,
} from '../../../kernel/src/index';
import { expectClose, seededValues, torchReference, type OracleCase } from '../../reference/torch';
import { adaptivePoolInfo, poolInfo, poolPlanes } from '../../../kernel/src/shapes';
import { flat } from '../support/helpers';
import { describeEachBackend, ORACLE_TIMEOUT_MS } from '../support/sweep';

// § numbers in test names are sections of kernel/docs/semantics.md.

/** 1..8 as a 1×1×2×2×2 volume. */
const cube = (): Tensor => tensor([[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]]);

type Kind = 'max' | 'avg' | 'lp' | 'adaptiveAvg' | 'adaptiveMax';
type Sizes = number | readonly number[];
// The ops' own parameter types differ per rank; the sweeps call them through one loose signature (and pass no
// returnIndices, so every forward returns a Tensor).
type Forward = (x: Tensor, size: never, options?: never) => unknown;
type Backward = (dy: Tensor, x: Tensor, size: never, options?: never) => Tensor;

/** The forward and backward op of each kind, by spatial rank (index 0: 1-D). */
const OPS: Record<Kind, [forward: Forward, backward: Backward][]> = {
  max: [[maxPool1d, maxPool1dBackward], [maxPool2d, maxPool2dBackward], [maxPool3d, maxPool3dBackward]],
  avg: [[avgPool1d, avgPool1dBackward], [avgPool2d, avgPool2dBackward], [avgPool3d, avgPool3dBackward]],
  lp: [[lpPool1d, lpPool1dBackward], [lpPool2d, lpPool2dBackward], [lpPool3d, lpPool3dBackward]],
  adaptiveAvg: [
    [adaptiveAvgPool1d, adaptiveAvgPool1dBackward],
    [adaptiveAvgPool2d, adaptiveAvgPool2dBackward],
    [adaptiveAvgPool3d, adaptiveAvgPool3dBackward],
  ],
  adaptiveMax: [
    [adaptiveMaxPool1d, adaptiveMaxPool1dBackward],
    [adaptiveMaxPool2d, adaptiveMaxPool2dBackward],
    [adaptiveMaxPool3d, adaptiveMaxPool3dBackward],
  ],
};

/** The oracle op (test/reference/oracle_pool.py) of each kind. */
const ORACLE: Record<Kind, string> = {
  max: 'max_pool_nd',
  avg: 'avg_pool_nd',
  lp: 'lp_pool_nd',
  adaptiveAvg: 'adaptive_avg_pool_nd',
  adaptiveMax: 'adaptive_max_pool_nd',
};

interface NdCase {
  kind: Kind;
  shape: number[];
  /** The kernel, or the adaptive output size. */
  size: Sizes | readonly (number | null)[];
  options: Record<string, unknown>;
}

const isAdaptive = (kind: Kind): boolean => kind.startsWith('adaptive');

function forward(c: NdCase, x: Tensor): Tensor {
  const [run] = OPS[c.kind][c.shape.length - 3]!;
  return (isAdaptive(c.kind) ? run(x, c.size as never) : run(x, c.size as never, c.options as never)) as Tensor;
}

function backward(c: NdCase, dy: Tensor, x: Tensor): Tensor {
  const [, run] = OPS[c.kind][c.shape.length - 3]!;
  return isAdaptive(c.kind) ? run(dy, x, c.size as never) : run(dy, x, c.size as never, c.options as never);
}

function oracleOptions(c: NdCase): object {
  return isAdaptive(c.kind) ? { outputSize: c.size } : { kernel: c.size, ...c.options };
}

const label = (c: NdCase): string => `${c.kind} x=[${c.shape}] size=${JSON.stringify(c.size)} ${JSON.stringify(c.options)}`;

/** Sliding pools of every kind over 1-D and 3-D shapes (2-D is pool.test.ts' sweep), and LP in 2-D. */
function ndSweep(): NdCase[] {
  const cases: NdCase[] = [];
  const shapes: [number[], Sizes[]][] = [
    [[2, 3, 11], [2, 3, 4]],
    [[1, 2, 5, 6, 7], [2, 3, [2, 3, 1], [3, 2, 2]]],
  ];
  for (const [shape, kernels] of shapes) {
    for (const kernel of kernels) {
      const k = typeof kernel === 'number' ? kernel : Math.min(...kernel);
      for (const stride of [undefined, 1, 2]) {
        // PyTorch's half-kernel rule (wider pads: the ONNX sweep below).
        for (const padding of [0, Math.floor(k / 2)]) {
          for (const ceilMode of [false, true]) {
            cases.push({ kind: 'max', shape, size: kernel, options: { stride, padding, ceilMode, dilation: stride === 1 ? 2 : 1 } });
            cases.push({ kind: 'avg', shape, size: kernel, options: { stride, padding, ceilMode, countIncludePad: stride !== 2 } });
            cases.push({ kind: 'lp', shape, size: kernel, options: { stride, padding, ceilMode, p: stride === 2 ? 3 : 1.5 } });
          }
        }
      }
    }
  }
  for (const p of [1, 2, 3]) cases.push({ kind: 'lp', shape: [2, 2, 7, 6], size: [2, 3], options: { p, stride: 1, padding: 1 } });
  const adaptiveSizes: [number[], (number | readonly (number | null)[])[]][] = [
    // PyTorch's 1-D adaptive pools take no None (ConvLab's [null] is in the worked values).
    [[2, 3, 11], [1, 3, 4, 11, 15]],
    [[2, 3, 7, 6], [[null, 4], [3, null]]],
    [[1, 2, 5, 6, 7], [1, [2, 3, 4], [5, 4, 9], [null, 2, null], [3, null, 1]]],
  ];
  for (const [shape, sizes] of adaptiveSizes) {
    for (const size of sizes) {
      cases.push({ kind: 'adaptiveAvg', shape, size, options: {} });
      cases.push({ kind: 'adaptiveMax', shape, size, options: {} });
    }
  }
  return cases;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Stands for NaN on the wire to the oracle (JSON has no NaN). */
const NAN_SENTINEL = 1e30;

/** Values rounded to halves: windows hold equal maxima (ties). */
const halves = (values: number[]): number[] => values.map((v) => Math.round(v * 2) / 2);

describeEachBackend('N-D pools match PyTorch', () => {
  const sweep = ndSweep();
  it(`on ${sweep.length} seeded cases (1-D, 3-D: max, avg, LP; adaptive 1-D/2-D/3-D with null axes)`, { timeout: ORACLE_TIMEOUT_MS }, () => {
    const inputs = sweep.map((c, i) => seededValues(size(c.shape), 21000 + i));
    const expected = torchReference(sweep.map((c, i) => ({
      op: ORACLE[c.kind],
      tensors: { x: { shape: c.shape, data: inputs[i]! } },
      options: oracleOptions(c),
    })));
    sweep.forEach((c, i) => expectClose(forward(c, tensor(inputs[i]!, c.shape)), expected[i]!, label(c)));
  });

  it(`their gradients on the same cases match autograd (max with and without ties; LP with p 1, 1.5, 2, 3)`, { timeout: ORACLE_TIMEOUT_MS }, () => {
    // Max cases run twice: distinct values and halves (ties, where the first maximum takes dy).
    const grads = sweep.flatMap((c) => (c.kind === 'max' || c.kind === 'adaptiveMax' ? [{ c, ties: false }, { c, ties: true }] : [{ c, ties: false }]));
    const data = grads.map(({ c, ties }, i) => {
      const raw = seededValues(size(c.shape), 23000 + i);
      const x = ties ? halves(raw) : raw;
      const y = forward(c, tensor(x, c.shape));
      return { x, dy: seededValues(y.size, 24000 + i), yShape: [...y.shape] };
    });
    const cases: OracleCase[] = grads.map(({ c }, i) => ({
      op: `${ORACLE[c.kind]}_backward`,
      tensors: { x: { shape: c.shape, data: data[i]!.x }, dy: { shape: data[i]!.yShape, data: data[i]!.dy } },
      options: oracleOptions(c),
    }));
    const expected = torchReference(cases);
    grads.forEach(({ c, ties }, i) => {
      const dx = backward(c, tensor(data[i]!.dy, data[i]!.yShape), tensor(data[i]!.x, c.shape));
      expectClose(dx, expected[i]!, `${label(c)} ties=${ties}`);
    });
  });

  it('max-pool gradients with NaNs in the windows match autograd (the last NaN takes dy)', { timeout: ORACLE_TIMEOUT_MS }, () => {
    const nanCases: NdCase[] = [
      { kind: 'max', shape: [1, 2, 9], size: 3, options: { stride: 1 } },
      { kind: 'max', shape: [1, 2, 6, 5], size: [3, 2], options: { stride: 1, padding: 1 } },
      { kind: 'max', shape: [1, 1, 4, 4, 4], size: 2, options: { stride: 1 } },
      { kind: 'adaptiveMax', shape: [1, 2, 7, 6], size: [3, 2], options: {} },
      { kind: 'adaptiveMax', shape: [1, 1, 4, 5, 3], size: [2, 2, 1], options: {} },
    ];
    const data = nanCases.map((c, i) => {
      // About a third NaN, so windows hold one, two or more.
      const x = seededValues(size(c.shape), 25000 + i).map((v) => (v > 0.35 ? NaN : v));
      const y = forward(c, tensor(x, c.shape));
      return { x, dy: seededValues(y.size, 26000 + i), yShape: [...y.shape] };
    });
    // JSON has no NaN: the oracle turns the sentinel back into one.
    const expected = torchReference(nanCases.map((c, i) => ({
      op: `${ORACLE[c.kind]}_backward`,
      tensors: { x: { shape: c.shape, data: data[i]!.x.map((v) => (Number.isNaN(v) ? NAN_SENTINEL : v)) }, dy: { shape: data[i]!.yShape, data: data[i]!.dy } },
      options: { ...oracleOptions(c), nanSentinel: NAN_SENTINEL },
    })));
    nanCases.forEach((c, i) => {
      const dx = backward(c, tensor(data[i]!.dy, data[i]!.yShape), tensor(data[i]!.x, c.shape));
      expectClose(dx, expected[i]!, `${label(c)} with NaNs`);
    });
  });
});

// ── Pads wider than PyTorch's half kernel: ONNX as the oracle (§5.2, §5.7) ─────────────────────────────────────

interface WideCase extends NdCase {
  /** onnxruntime (pads below the kernel) or onnx.reference (below the effective kernel, dilated). */
  engine: 'ort' | 'reference';
}

const ONNX_OPS: Partial<Record<Kind, string>> = { max: 'MaxPool', avg: 'AveragePool', lp: 'LpPool' };

/**
 * Dilated max pools padded by the kernel or more, on axes so short that some windows read no input cell
 * (`[1, 2, 2]`, k2, d3, p3: the taps of the window starting at −1 are −1 and 2).
 */
const EMPTY_WINDOWS = [
  { shape: [1, 2, 2], kernel: 2, dilation: 3, padding: 3 },
  { shape: [1, 2, 3], kernel: 2, dilation: 4, padding: 3 },
  { shape: [1, 1, 2, 3], kernel: 2, dilation: 3, padding: 2 },
];

/** Pads in (floor(k / 2), kE − 1]: PyTorch refuses them all. */
function wideSweep(): WideCase[] {
  const cases: WideCase[] = [];
  const shapes: [number[], number[]][] = [[[2, 2, 9], [3, 4, 5]], [[1, 2, 6, 7], [3, 4]], [[1, 2, 4, 5, 6], [3]]];
  for (const [shape, kernels] of shapes) {
    for (const k of kernels) {
      for (let padding = Math.floor(k / 2) + 1; padding <= k - 1; padding++) {
        for (const stride of [1, 2, 3]) {
          for (const ceilMode of [false, true]) {
            const options = { stride, padding, ceilMode };
            cases.push({ kind: 'max', shape, size: k, options, engine: 'ort' });
            cases.push({ kind: 'avg', shape, size: k, options: { ...options, countIncludePad: stride !== 2 }, engine: 'ort' });
            // LP: onnxruntime sums the real cells of a ceil-mode overhang, as ConvLab (onnx.reference scales it).
            cases.push({ kind: 'lp', shape, size: k, options: { ...options, p: 1 + (stride % 2) }, engine: 'ort' });
          }
        }
      }
    }
  }
  // Dilated max pools with pads ≥ the kernel (onnxruntime refuses those, onnx.reference takes them).
  for (const { shape, kernel, dilation, padding } of EMPTY_WINDOWS) {
    for (const [stride, ceilMode] of [[1, false], [2, true]] as const) {
      cases.push({ kind: 'max', shape, size: kernel, options: { stride, padding, dilation, ceilMode }, engine: 'reference' });
    }
  }
  return cases;
}

describeEachBackend('pads up to kE − 1 match ONNX', () => {
  const sweep = wideSweep();
  it(`on ${sweep.length} cases PyTorch refuses (1-D, 2-D, 3-D; max, avg both divisors, LP; floor and ceil)`, { timeout: ORACLE_TIMEOUT_MS }, () => {
    const inputs = sweep.map((c, i) => seededValues(size(c.shape), 27000 + i));
    const cases: OracleCase[] = sweep.map((c, i) => ({
      op: 'onnx_pool',
      tensors: { x: { shape: c.shape, data: inputs[i]! } },
      options: {
        onnxOp: ONNX_OPS[c.kind],
        kernel: c.size,
        ...c.options,
        pads: c.shape.slice(2).map(() => [c.options['padding'], c.options['padding']]),
        engine: c.engine,
      },
    }));
    const expected = torchReference(cases);
    // And PyTorch does refuse each of them (the reason these pads need another oracle).
    const torch = torchReference(sweep.map((c, i) => ({ op: ORACLE[c.kind], tensors: cases[i]!.tensors, options: oracleOptions(c) })));
    let empty = 0;
    sweep.forEach((c, i) => {
      expect(torch[i], label(c)).toHaveProperty('error');
      const got = forward(c, tensor(inputs[i]!, c.shape));
      const want = expected[i]!;
      if ('data' in want) {
        // A dilated window whose taps all land in the padding: ConvLab gives −∞ (PyTorch's value, checked below);
        // onnx.reference leaves such a window undefined (NaN or 0). Compare the other windows.
        const data = Array.from(got.data, (v, j) => (v === -Infinity ? want.data[j]! : v));
        empty += Array.from(got.data).filter((v) => v === -Infinity).length;
        expectClose({ shape: got.shape, data }, want, `${label(c)} (${c.engine === 'ort' ? 'onnxruntime' : 'onnx.reference'})`);
      } else {
        expectClose(got, want, label(c));
      }
    });
    expect(empty, 'the dilated cases include windows without a real cell').toBeGreaterThan(0);
  });

  it('a dilated window without a real cell is −∞: PyTorch on an input padded with −∞ by hand agrees', { timeout: ORACLE_TIMEOUT_MS }, () => {
    // The oracle pads with −∞ itself (floor mode), pools without padding and sends −∞ as −1e30 (JSON has no ∞).
    const cases = EMPTY_WINDOWS;
    const inputs = cases.map((c, i) => seededValues(size(c.shape), 28000 + i));
    const expected = torchReference(cases.map((c, i) => ({
      op: 'max_pool_padded_by_hand',
      tensors: { x: { shape: c.shape, data: inputs[i]! } },
      options: { kernel: c.kernel, stride: 1, padding: c.padding, dilation: c.dilation, infSentinel: 1e30 },
    })));
    cases.forEach((c, i) => {
      const x = tensor(inputs[i]!, c.shape);
      const options = { stride: 1, padding: c.padding, dilation: c.dilation };
      const got = c.shape.length === 3 ? maxPool1d(x, c.kernel, options) : maxPool2d(x, c.kernel, options);
      expect(flat(got).some((v) => v === -Infinity), `${JSON.stringify(c)} has an empty window`).toBe(true);
      const want = expected[i]!;
      if (!('data' in want)) throw new Error(`PyTorch: ${JSON.stringify(want)}`);
      expect(got.shape).toEqual(want.shape);
      // −∞ compares exactly; expectClose's |got − want| is NaN there.
      flat(got).forEach((v, j) => (v === -Infinity ? expect(want.data[j]).toBe(-1e30) : expect(v).toBeCloseTo(want.data[j]!, 5)));
      expect(want.data.filter((v) => v === -1e30).length).toBe(flat(got).filter((v) => v === -Infinity).length);
    });
  });
});

// ── Worked values: the doc comments' examples ──────────────────────────────────────────────────────────────

describeEachBackend('N-D pool worked values (the doc comments’ examples)', () => {
  it('3-D pools', () => {
    expect(maxPool3d(cube(), 2).toArray()).toEqual([[[[[8]]]]]);
    expect(maxPool3d(cube(), [2, 1, 2]).toArray()).toEqual([[[[[6], [8]]]]]);
    expect(avgPool3d(cube(), 2).toArray()).toEqual([[[[[4.5]]]]]);
    expect(lpPool3d(tensor([[[[[1, -1], [1, 1]], [[-1, 1], [1, 1]]]]]), 2, { p: 1 }).toArray()).toEqual([[[[[8]]]]]);
    expect(maxPool3d(cube().reshape([1, 2, 2, 2]), 2).shape).toEqual([1, 1, 1, 1]);
  });

  it('1-D LP and adaptive pools', () => {
    expect(lpPool1d(tensor([[[3, -4, 6, 8]]]), 2).toArray()).toEqual([[[5, 10]]]);
    expect(adaptiveAvgPool1d(tensor([[[1, 2, 3, 4, 5]]]), 2).toArray()).toEqual([[[2, 4]]]);
    expect(adaptiveMaxPool1d(tensor([[[1, 7, 3, 4, 5]]]), 2).toArray()).toEqual([[[7, 5]]]);
    expect(adaptiveAvgPool2d(tensor([[[[1, 2, 3, 4], [5, 6, 7, 8]]]]), [null, 2]).toArray()).toEqual([[[[1.5, 3.5], [5.5, 7.5]]]]);
    expect(adaptiveAvgPool3d(cube(), [1, null, 1]).toArray()).toEqual([[[[[3.5], [5.5]]]]]);
    expect(adaptiveMaxPool3d(cube(), [null, 1, 1]).toArray()).toEqual([[[[[4]], [[8]]]]]);
  });

  it('gradients', () => {
    expect(maxPool2dBackward(tensor([[[[1]]]]), tensor([[[[NaN, NaN], [1, 0]]]]), 2).toArray()).toEqual([[[[0, 1], [0, 0]]]]);
    expect(maxPool1dBackward(tensor([[[1, 2]]]), tensor([[[3, 1, 0, 5]]]), 2).toArray()).toEqual([[[1, 0, 0, 2]]]);
    expect(maxPool3dBackward(tensor([[[[[5]]]]]), tensor([[[[[1, 2], [3, 4]], [[8, 6], [7, 0]]]]]), 2).toArray()).toEqual([
      [[[[0, 0], [0, 0]], [[5, 0], [0, 0]]]],
    ]);
    expect(avgPool1dBackward(tensor([[[2, 4]]]), tensor([[[1, 2, 3, 4]]]), 2).toArray()).toEqual([[[1, 1, 2, 2]]]);
    expect(avgPool3dBackward(tensor([[[[[8]]]]]), cube(), 2).toArray()).toEqual([[[[[1, 1], [1, 1]], [[1, 1], [1, 1]]]]]);
    expect(lpPool2dBackward(tensor([[[[10]]]]), tensor([[[[3, -4]]]]), [1, 2]).toArray()).toEqual([[[[6, -8]]]]);
    expect(lpPool1dBackward(tensor([[[1, 1]]]), tensor([[[-1, 2, 0, 3]]]), 2, { p: 1 }).toArray()).toEqual([[[-1, 1, 0, 1]]]);
    flat(lpPool3dBackward(tensor([[[[[2]]]]]), tensor(new Float32Array(8).fill(1), [1, 1, 2, 2, 2]), 2)).forEach((v) =>
      expect(v).toBeCloseTo(2 / Math.sqrt(8), 6),
    );
    expect(adaptiveAvgPool1dBackward(tensor([[[3, 6]]]), tensor([[[1, 2, 3]]]), 2).toArray()).toEqual([[[1.5, 4.5, 3]]]);
    expect(adaptiveAvgPool3dBackward(tensor([[[[[8]]]]]), cube(), 1).toArray()).toEqual([[[[[1, 1], [1, 1]], [[1, 1], [1, 1]]]]]);
    expect(adaptiveMaxPool1dBackward(tensor([[[1, 1]]]), tensor([[[1, 5, 3]]]), 2).toArray()).toEqual([[[0, 2, 0]]]);
    expect(adaptiveMaxPool3dBackward(tensor([[[[[3]]]]]), tensor([[[[[1, 2], [3, 4]], [[5, 9], [7, 8]]]]]), 1).toArray()).toEqual([
      [[[[0, 0], [0, 0]], [[0, 3], [0, 0]]]],
    ]);
  });

  it('an LP window of zeros sends no gradient (the subgradient 0; autograd gives NaN there)', () => {
    expect(flat(lpPool1dBackward(tensor([[[1, 1]]]), tensor([[[0, 0, 2, 0]]]), 2))).toEqual([0, 0, 1, 0]);
  });
});

describe('N-D pool shape records (the shapes/ doc examples)', () => {
  it('null keeps an adaptive axis; plane sizes of a 3-D record', () => {
    expect(adaptivePoolInfo('adaptiveAvgPool2d', [1, 1, 5, 10], [null, 4]).outShape).toEqual([1, 1, 5, 4]);
    expect(poolPlanes(poolInfo('maxPool3d', [1, 1, 4, 4, 6], 2, {}))).toEqual([96, 12]);
  });
});

describe('N-D pool errors', () => {
  it('wrong rank names the layout of the op', () => {
    expect(() => maxPool3d(tensor([[[1, 2]]]), 2)).toThrow(
      /^maxPool3d: input expected rank 4 or 5 \(\[batch, channels, depth, height, width\] or \[channels, depth, height, width\]\)/,
    );
  });

  it('avg and LP pools take no dilation (avgPool2d refuses it, as before)', () => {
    const x = tensor(new Float32Array(16), [1, 1, 4, 4]);
    expect(() => avgPool2d(x, 2, { dilation: 2 } as never)).toThrow(/^avgPool2d: options has no key 'dilation'|^avgPool2d: .*dilation/);
    expect(() => lpPool3d(cube(), 2, { dilation: 2 } as never)).toThrow(/^lpPool3d: .*dilation/);
  });

  it('an LP order below 1, under every rank', () => {
    expect(() => lpPool1d(tensor([[[1, 2]]]), 2, { p: 0 })).toThrow(/^lpPool1d: options\.p expected a finite number ≥ 1, got 0/);
    expect(() => lpPool3dBackward(tensor([[[[[1]]]]]), cube(), 2, { p: NaN })).toThrow(/^lpPool3dBackward: options\.p expected/);
  });

  it('a null output size per axis only: a wrong count is still named', () => {
    expect(() => adaptiveAvgPool2d(tensor(new Float32Array(4), [1, 1, 2, 2]), [null] as never)).toThrow(
      /^adaptiveAvgPool2d: outputSize expected one number or 2 numbers \(one per spatial axis\), got 1 numbers/,
    );
  });
});

// ── Trace ──────────────────────────────────────────────────────────────────────────────────────────────────────

describe('the new pools in traces', () => {
  it('recordShapes sees every new pool, with its formula', () => {
    const x3 = tensor(new Float32Array(2 * 6 * 6 * 6), [1, 2, 6, 6, 6]);
    const x1 = tensor(new Float32Array(2 * 10), [1, 2, 10]);
    const trace = recordShapes(() => {
      maxPool3d(x3, 2);
      avgPool3d(x3, 3, { stride: 1, padding: 2 });
      lpPool3d(x3, [1, 2, 3]);
      lpPool1d(x1, 3, { ceilMode: true });
      adaptiveAvgPool1d(x1, 4);
      adaptiveMaxPool3d(x3, [null, 3, 1]);
    });
    expect(trace.rows.map((r) => [r.op, r.outShape])).toEqual([
      ['maxPool3d', [1, 2, 3, 3, 3]],
      ['avgPool3d', [1, 2, 8, 8, 8]],
      ['lpPool3d', [1, 2, 6, 3, 2]],
      ['lpPool1d', [1, 2, 4]],
      ['adaptiveAvgPool1d', [1, 2, 4]],
      ['adaptiveMaxPool3d', [1, 2, 6, 3, 1]],
    ]);
    expect(trace.rows[1]?.formula?.[0]).toBe('floor((6 + 2 + 2 − 3) / 1) + 1 = 8');
  });

  it('traceShapes takes the new pools as layer specs and agrees with the ops', () => {
    const layers: LayerSpec[] = [
      { op: 'maxPool3d', kernel: 2 },
      { op: 'avgPool3d', kernel: [1, 2, 2], padding: [0, 1, 1] },
      { op: 'lpPool3d', kernel: 2, p: 3, ceilMode: true },
      { op: 'adaptiveAvgPool3d', outputSize: [null, 2, 2] },
      { op: 'adaptiveMaxPool3d', outputSize: 1 },
    ];
    const trace = traceShapes([1, 4, 8, 10, 12], layers);
    expect(trace.error).toBeUndefined();
    expect(trace.rows.map((r) => r.outShape)).toEqual([[1, 4, 4, 5, 6], [1, 4, 4, 3, 4], [1, 4, 2, 2, 2], [1, 4, 2, 2, 2], [1, 4, 1, 1, 1]]);
    const oneD = traceShapes([1, 3, 20], [{ op: 'lpPool1d', kernel: 4 }, { op: 'adaptiveMaxPool1d', outputSize: 3 }, { op: 'adaptiveAvgPool1d', outputSize: [null] }]);
    expect(oneD.rows.map((r) => r.outShape)).toEqual([[1, 3, 5], [1, 3, 3], [1, 3, 3]]);
    expect(traceShapes([1, 3, 20], [{ op: 'maxPool3d', kernel: 2 }]).error).toMatch(/^maxPool3d: input expected rank 5/);
    expect(traceShapes([1, 3, 20], [{ op: 'lpPool1d', kernel: 2, p: 0 }]).error).toMatch(/^lpPool1d: options\.p expected/);
  });
});
