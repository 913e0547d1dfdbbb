/**
 * Max-pool indices (`returnIndices: true`) and max unpooling, against PyTorch's `return_indices` and
 * `F.max_unpool*d` (kernel/docs/semantics.md §5.8).
 */
import { describe, expect, it } from 'vitest';
import {
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
  maxPool1d,
  maxPool2d,
  maxPool3d,
  maxUnpool1d,
  maxUnpool2d,
  maxUnpool3d,
  recordShapes,
  tensor,
  type MaxPoolIndexOptions,
  type MaxPoolResult,
  type MaxUnpoolOptions,
  type Tensor,
} from '../../../kernel/src/index';
import { checkIndexPlane, maxUnpoolInfo } from '../../../kernel/src/shapes';
import { expectClose, seededValues, torchReference, type OracleResult, type WireTensor } from '../../reference/torch';
import { flat } from '../support/helpers';
import { describeEachBackend, ORACLE_TIMEOUT_MS } from '../support/sweep';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The one output of several a PyTorch result holds, by name. */
function output(result: OracleResult, name: string, label: string): WireTensor {
  if (!('outputs' in result)) throw new Error(`${label}: PyTorch says ${JSON.stringify(result).slice(0, 300)}`);
  return result.outputs[name]!;
}

interface IndexCase {
  shape: number[];
  /** A kernel, or (adaptive) an output size. */
  kernel?: number | number[];
  outputSize?: number | number[];
  options: MaxPoolIndexOptions;
  ties: boolean;
}

function pooled(c: IndexCase, x: Tensor): MaxPoolResult {
  const spatial = c.shape.length - 2;
  if (c.outputSize !== undefined) {
    const adaptive = [adaptiveMaxPool1d, adaptiveMaxPool2d, adaptiveMaxPool3d][spatial - 1]!;
    return (adaptive as (x: Tensor, s: unknown, o: { returnIndices: true }) => MaxPoolResult)(x, c.outputSize, { returnIndices: true });
  }
  const pool = [maxPool1d, maxPool2d, maxPool3d][spatial - 1]!;
  return (pool as (x: Tensor, k: unknown, o: MaxPoolIndexOptions & { returnIndices: true }) => MaxPoolResult)(x, c.kernel, { ...c.options, returnIndices: true });
}

function indexSweep(): IndexCase[] {
  const cases: IndexCase[] = [];
  for (const shape of [[2, 3, 13], [1, 2, 7, 6], [1, 2, 5, 6, 6]]) {
    for (const kernel of [2, 3]) {
      for (const stride of [undefined, 1, 2]) {
        for (const padding of [0, 1]) {
          for (const ties of [false, true]) {
            cases.push({ shape, kernel, options: { stride, padding, ceilMode: stride === 2, dilation: stride === 1 ? 2 : 1 }, ties });
          }
        }
      }
    }
  }
  for (const [shape, outputSize] of [[[2, 3, 13], 4], [[1, 2, 7, 6], [3, 4]], [[1, 2, 4, 5, 6], [3, 2, 4]]] as const) {
    for (const ties of [false, true]) cases.push({ shape: [...shape], outputSize: outputSize as number | number[], options: {}, ties });
  }
  return cases;
}

describeEachBackend('max-pool indices match PyTorch', () => {
  const sweep = indexSweep();
  it(`on ${sweep.length} seeded cases (1-D, 2-D, 3-D, adaptive; padding, dilation, ceil mode, ties)`, { timeout: ORACLE_TIMEOUT_MS }, () => {
    const inputs = sweep.map((c, i) => {
      const raw = seededValues(size(c.shape), 31000 + i);
      return c.ties ? raw.map((v) => Math.round(v * 2) / 2) : raw;
    });
    const expected = torchReference(sweep.map((c, i) => ({
      op: 'max_pool_indices',
      tensors: { x: { shape: c.shape, data: inputs[i]! } },
      options: c.outputSize !== undefined ? { outputSize: c.outputSize } : { kernel: c.kernel, ...c.options },
    })));
    sweep.forEach((c, i) => {
      const label = `x=[${c.shape}] ${JSON.stringify({ kernel: c.kernel, outputSize: c.outputSize, ...c.options })} ties=${c.ties}`;
      const { values, indices } = pooled(c, tensor(inputs[i]!, c.shape));
      expectClose(values, output(expected[i]!, 'values', label), `${label} values`);
      // Indices are integers: they must agree exactly (ties included).
      expectClose(indices, output(expected[i]!, 'indices', label), `${label} indices`, { atol: 0, rtol: 0 });
    });
  });

  interface UnpoolCase {
    shape: number[];
    kernel: number;
    options: MaxUnpoolOptions;
  }
  const unpoolCases: UnpoolCase[] = [
    { shape: [2, 3, 13], kernel: 2, options: {} },
    { shape: [2, 3, 13], kernel: 3, options: { stride: 2, padding: 1 } },
    { shape: [2, 3, 13], kernel: 2, options: { outputSize: [13] } },
    { shape: [1, 2, 7, 6], kernel: 2, options: {} },
    { shape: [1, 2, 7, 6], kernel: 3, options: { stride: 2, padding: 1, outputSize: [7, 6] } },
    { shape: [1, 2, 7, 6], kernel: 2, options: { stride: 1, outputSize: [1, 2, 7, 6] } },
    { shape: [1, 2, 4, 4, 6], kernel: 2, options: {} },
    { shape: [1, 2, 4, 5, 6], kernel: 2, options: { outputSize: [5, 5, 7] } },
  ];
  it(`maxUnpool of the pool's own indices on ${unpoolCases.length} cases (default and given output sizes)`, { timeout: ORACLE_TIMEOUT_MS }, () => {
    const data = unpoolCases.map((c, i) => {
      const x = tensor(seededValues(size(c.shape), 32000 + i), c.shape);
      const { stride, padding } = c.options;
      const pool = [maxPool1d, maxPool2d, maxPool3d][c.shape.length - 3]! as (x: Tensor, k: number, o: MaxPoolIndexOptions & { returnIndices: true }) => MaxPoolResult;
      return pool(x, c.kernel, { stride, padding, returnIndices: true });
    });
    const expected = torchReference(unpoolCases.map((c, i) => ({
      op: 'max_unpool_nd',
      tensors: { x: { shape: [...data[i]!.values.shape], data: flat(data[i]!.values) }, indices: { shape: [...data[i]!.indices.shape], data: flat(data[i]!.indices) } },
      options: { kernel: c.kernel, ...c.options },
    })));
    unpoolCases.forEach((c, i) => {
      const unpool = [maxUnpool1d, maxUnpool2d, maxUnpool3d][c.shape.length - 3]! as (x: Tensor, i: Tensor, k: number, o: MaxUnpoolOptions) => Tensor;
      expectClose(unpool(data[i]!.values, data[i]!.indices, c.kernel, c.options), expected[i]!, `x=[${c.shape}] k=${c.kernel} ${JSON.stringify(c.options)}`);
    });
  });

  it("refuses an output size PyTorch refuses, naming the range (default ± stride, exclusive)", { timeout: ORACLE_TIMEOUT_MS }, () => {
    const { values, indices } = maxPool2d(tensor(seededValues(36, 33), [1, 1, 6, 6]), 2, { returnIndices: true });
    // 5×5 would fit the range but not the indices (up to 35): PyTorch refuses those on another ground.
    const sizes = [[4, 4], [6, 6], [7, 7], [8, 8]];
    const expected = torchReference(sizes.map((outputSize) => ({
      op: 'max_unpool_nd',
      tensors: { x: { shape: [1, 1, 3, 3], data: flat(values) }, indices: { shape: [1, 1, 3, 3], data: flat(indices) } },
      options: { kernel: 2, outputSize },
    })));
    sizes.forEach((outputSize, i) => {
      const run = (): Tensor => maxUnpool2d(values, indices, 2, { outputSize });
      if ('error' in expected[i]!) {
        expect(run, `outputSize ${outputSize}`).toThrow(/^maxUnpool2d: options\.outputSize expected a size strictly between 4 and 8 on spatial axis 0 \(the default 6 ± the stride 2\)/);
      } else {
        expectClose(run(), expected[i]!, `outputSize ${outputSize}`);
      }
    });
    expect(expected.filter((e) => 'error' in e).length, 'PyTorch refuses 4 and 8').toBe(2);
  });
});

describeEachBackend('max-pool indices and unpool worked values (the doc comments’ examples)', () => {
  it('indices are flat within the input plane (h·W + w), as float32 values', () => {
    const { values, indices } = maxPool2d(tensor([[[[1, 9, 2, 3], [4, 5, 8, 6]]]]), 2, { returnIndices: true });
    expect(values.toArray()).toEqual([[[[9, 8]]]]);
    expect(indices.toArray()).toEqual([[[[1, 6]]]]);
    expect(indices.data).toBeInstanceOf(Float32Array);
    expect(adaptiveMaxPool2d(tensor([[[[1, 5, 3]]]]), [1, 2], { returnIndices: true }).indices.toArray()).toEqual([[[[1, 1]]]]);
    // 3-D: (d·H + h)·W + w; 8 sits at d1 h1 w1 of a 2×2×2 volume.
    expect(maxPool3d(tensor([[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]]), 2, { returnIndices: true }).indices.toArray()).toEqual([[[[[7]]]]]);
  });

  it('NaN: the last NaN of a window (as the gradient); a window without a real cell: −∞ at index −1', () => {
    expect(flat(maxPool2d(tensor([[[[NaN, NaN], [1, 0]]]]), 2, { returnIndices: true }).indices)).toEqual([1]);
    const empty = maxPool1d(tensor([[[5, 7]]]), 2, { stride: 1, padding: 3, dilation: 3, returnIndices: true });
    expect(flat(empty.values)).toEqual([5, 7, -Infinity, 5, 7]);
    expect(flat(empty.indices)).toEqual([0, 1, -1, 0, 1]);
    // Unpooling sends nothing for −1 (the later 5 and 7 overwrite the earlier ones in place); output (5 − 1)·1 + 2.
    expect(flat(maxUnpool1d(empty.values, empty.indices, 2, { stride: 1 }))).toEqual([5, 7, 0, 0, 0, 0]);
  });

  it('maxUnpool puts each value back where it came from; every other cell is 0', () => {
    const { values, indices } = maxPool2d(tensor([[[[1, 9, 2, 3], [4, 5, 8, 6]]]]), 2, { returnIndices: true });
    expect(maxUnpool2d(values, indices, 2).toArray()).toEqual([[[[0, 9, 0, 0], [0, 0, 8, 0]]]]);
    expect(maxUnpool1d(tensor([[[7, 5]]]), tensor([[[1, 3]]]), 2, { outputSize: [5] }).toArray()).toEqual([[[0, 7, 0, 5, 0]]]);
    expect(maxUnpool3d(tensor([[[[[8]]]]]), tensor([[[[[7]]]]]), 2).toArray()).toEqual([[[[[0, 0], [0, 0]], [[0, 0], [0, 8]]]]]);
    // Unbatched in, unbatched out.
    expect(maxUnpool1d(tensor([[7, 5]]), tensor([[1, 3]]), 2).toArray()).toEqual([[0, 7, 0, 5]]);
  });
});

describe('max-pool indices and unpool errors', () => {
  it('returnIndices refuses a plane above 2^24 cells (float32 holds integers exactly only below)', () => {
    expect(() => checkIndexPlane('maxPool2d', [1, 1, 4096, 4097])).toThrow(
      /^maxPool2d: options\.returnIndices expected an input plane of at most 16777216 cells .*got 16781312 cells \(input \[1,1,4096,4097\]\); hint: pool without returnIndices/,
    );
    expect(() => checkIndexPlane('maxPool2d', [8, 3, 4096, 4096])).not.toThrow();
  });

  it('the unpool output size: (L − 1)·s − 2p + k, or outputSize (the shapes/ doc examples)', () => {
    expect(maxUnpoolInfo('maxUnpool2d', [1, 1, 2, 2], 2, {}).outShape).toEqual([1, 1, 4, 4]);
    expect(maxUnpoolInfo('maxUnpool2d', [1, 1, 2, 2], 2, { outputSize: [5, 5] }).outShape).toEqual([1, 1, 5, 5]);
    expect(maxUnpoolInfo('maxUnpool1d', [1, 1, 4], 3, { stride: 2, padding: 1 }).outShape).toEqual([1, 1, 7]);
    expect(() => maxUnpoolInfo('maxUnpool1d', [1, 1, 1], 1, { padding: 1 })).toThrow(
      /^maxUnpool1d: options\.padding expected an output size ≥ 1 on spatial axis 0, got \(1 − 1\)·1 − 2·1 \+ 1 = -1/,
    );
  });

  it('indices of another shape, or naming no cell of the output plane', () => {
    const values = tensor([[[[9, 8]]]]);
    expect(() => maxUnpool2d(values, tensor([[[[1]]]]), 2)).toThrow(/^maxUnpool2d: indices expected the input's shape \[1,1,1,2\], got \[1,1,1,1\]/);
    expect(() => maxUnpool2d(values, tensor([[[[1, 8]]]]), 2)).toThrow(
      /^maxUnpool2d: indices expected integers in \[0, 8\) .*got 8 at flat position 1 .*hint: .*outputSize/,
    );
    expect(() => maxUnpool2d(values, tensor([[[[1, 0.5]]]]), 2)).toThrow(/got 0\.5 at flat position 1/);
  });

  it('outputSize of the wrong length; unknown options', () => {
    const values = tensor([[[[9, 8]]]]);
    const indices = tensor([[[[1, 6]]]]);
    expect(() => maxUnpool2d(values, indices, 2, { outputSize: [2, 4, 4] })).toThrow(
      /^maxUnpool2d: options\.outputSize expected 2 sizes \(one per spatial axis\) or 4 \(the whole shape\), got 3 numbers/,
    );
    expect(() => maxUnpool2d(values, indices, 2, { output_size: [2, 4] } as never)).toThrow(/^maxUnpool2d: options/);
    expect(() => maxPool2d(values, 1, { returnIndex: true } as never)).toThrow(/^maxPool2d: options/);
    expect(() => adaptiveMaxPool2d(values, 1, { indices: true } as never)).toThrow(/^adaptiveMaxPool2d: options/);
  });

  it('outputSize that is not a list, and a returnIndices that is not a boolean, fail by name (no TypeError)', () => {
    const values = tensor([[[[9, 8]]]]);
    const indices = tensor([[[[1, 6]]]]);
    expect(() => maxUnpool2d(values, indices, 2, { outputSize: 4 } as never)).toThrow(
      /^maxUnpool2d: options\.outputSize expected 2 sizes \(one per spatial axis\) or 4 \(the whole shape\), got 4 .*hint: pass the forward pool's input size/,
    );
    expect(() => maxUnpool2d(values, indices, 2, { outputSize: { length: 1e9 } } as never)).toThrow(
      /^maxUnpool2d: options\.outputSize expected 2 sizes .*got \{"length":1000000000\}/,
    );
    // The flag picks the return type: a truthy 1 or 'yes' must not stand in for true.
    expect(() => maxPool2d(values, 1, { returnIndices: 1 } as never)).toThrow(/^maxPool2d: options\.returnIndices expected true or false, got 1/);
    expect(() => adaptiveMaxPool1d(tensor([[[1, 2]]]), 1, { returnIndices: 'yes' } as never)).toThrow(
      /^adaptiveMaxPool1d: options\.returnIndices expected true or false, got "yes"/,
    );
    // An index that is no integer gets the hint to pass the pool's indices unchanged, not the outputSize one.
    expect(() => maxUnpool2d(values, tensor([[[[1, -2]]]]), 2)).toThrow(/got -2 at flat position 1 .*hint: pass the indices a max pool returned/);
  });

  it('maxUnpool is in the trace', () => {
    const trace = recordShapes(() => maxUnpool2d(tensor([[[[9, 8]]]]), tensor([[[[1, 6]]]]), 2));
    expect(trace.rows.map((r) => [r.op, r.inShape, r.outShape])).toEqual([['maxUnpool2d', [1, 1, 1, 2], [1, 1, 2, 4]]]);
  });
});
