/**
 * The few elementwise ops and reductions that convolution work needs (adding a bias, ReLU, a loss).
 *
 * They are functions, not methods — `relu(add(conv2d(x, w), b))` — as tfjs's ops and NumPy's ufuncs are:
 * one way to call each, and the prelude makes them available in every cell. Structural ops that chain
 * naturally (`reshape`, `permute`, `slice`, `toArray`) are Tensor methods. Binary ops broadcast as NumPy does:
 * shapes are aligned at the last axis, and an axis of size 1 (or a missing one) repeats.
 */
import { fail } from '../errors';
import { backend } from '../backends';
import { checkAllocation, rowMajorStrides, type Shape } from '../shapes';
import { Tensor, numel, stridedIndices } from '../tensor';

/** A tensor, or a number (a scalar that broadcasts to any shape). */
export type Operand = Tensor | number;

function asTensor(value: Operand): Tensor {
  return typeof value === 'number' ? new Tensor(Float32Array.of(value), []) : value;
}

/**
 * The broadcast shape of two shapes (NumPy rules), e.g. `[2, 1, 4]` and `[3, 1]` → `[2, 3, 4]`.
 *
 * @example
 * broadcastShape('add', [1, 8, 5, 5], [8, 1, 1]); // [1, 8, 5, 5]
 */
export function broadcastShape(op: string, a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const sizeA = a[a.length - rank + i] ?? 1;
    const sizeB = b[b.length - rank + i] ?? 1;
    if (sizeA !== sizeB && sizeA !== 1 && sizeB !== 1) {
      fail({
        op,
        arg: 'b',
        expected: `a shape that broadcasts with a (axis ${i - rank} is ${sizeA}, so ${sizeA} or 1)`,
        actual: `${sizeB}`,
        shapes: { a, b },
        hint: 'align the shapes at the last axis; e.g. a per-channel bias for NCHW has shape [C, 1, 1]',
      });
    }
    return Math.max(sizeA, sizeB);
  });
}

/** Indices of `t`'s values for every position of the broadcast `shape` (stride 0 on repeated axes). */
function broadcastIndices(t: Tensor, shape: Shape): Int32Array {
  const strides = rowMajorStrides(t.shape);
  const offset = shape.length - t.rank;
  return stridedIndices(
    shape,
    shape.map((_, axis) =>
      axis < offset || t.shape[axis - offset] === 1 ? 0 : (strides[axis - offset] ?? 0),
    ),
    0,
  );
}

function binary(op: string, a: Operand, b: Operand, f: (x: number, y: number) => number): Tensor {
  const [ta, tb] = [asTensor(a), asTensor(b)];
  const shape = broadcastShape(op, ta.shape, tb.shape);
  checkAllocation(op, shape, { a: ta.shape, b: tb.shape });
  const [ia, ib] = [broadcastIndices(ta, shape), broadcastIndices(tb, shape)];
  const out = new Float32Array(numel(shape));
  for (let i = 0; i < out.length; i++) out[i] = f(ta.data[ia[i]!]!, tb.data[ib[i]!]!);
  return new Tensor(out, shape);
}

/** `a + b`, broadcasting. @example add(tensor([[1, 2], [3, 4]]), tensor([10, 20])).toArray(); // [[11, 22], [13, 24]] */
export function add(a: Operand, b: Operand): Tensor {
  return binary('add', a, b, (x, y) => x + y);
}

/** `a − b`, broadcasting. @example sub(tensor([5, 7]), 1).toArray(); // [4, 6] */
export function sub(a: Operand, b: Operand): Tensor {
  return binary('sub', a, b, (x, y) => x - y);
}

/** `a · b` elementwise, broadcasting. @example mul(tensor([1, 2, 3]), 2).toArray(); // [2, 4, 6] */
export function mul(a: Operand, b: Operand): Tensor {
  return binary('mul', a, b, (x, y) => x * y);
}

/** `a / b` elementwise, broadcasting. @example div(tensor([1, 2, 3]), 2).toArray(); // [0.5, 1, 1.5] */
export function div(a: Operand, b: Operand): Tensor {
  return binary('div', a, b, (x, y) => x / y);
}

/**
 * `max(x, 0)` elementwise; NaN stays NaN (as PyTorch). On the gpu backend in pipeline mode the result stays
 * on the GPU. @example relu(tensor([-2, 0, 3])).toArray(); // [0, 0, 3]
 */
export function relu(x: Tensor): Tensor {
  return new Tensor(backend().relu(x.values).values, x.shape);
}

/** Options of the reductions. */
export interface ReduceOptions {
  /** Keep reduced axes as size 1 (so the result broadcasts against the input). Default false. */
  keepDims?: boolean;
}

/** How a reduction folds values: start value, one step per value, and the result from the total and count. */
interface Reduction {
  initial: number;
  step: (acc: number, value: number) => number;
  finish: (acc: number, count: number) => number;
}

const SUM: Reduction = { initial: 0, step: (acc, v) => acc + v, finish: (acc) => acc };
const MEAN: Reduction = { ...SUM, finish: (acc, count) => acc / count };
const MAX: Reduction = {
  initial: -Infinity,
  step: (acc, v) => (v > acc || Number.isNaN(v) ? v : acc),
  finish: (acc) => acc,
};

function reduce(
  op: string,
  x: Tensor,
  axis: number | readonly number[] | undefined,
  options: ReduceOptions,
  { initial, step, finish }: Reduction,
): Tensor {
  const requested =
    axis === undefined ? x.shape.map((_, i) => i) : typeof axis === 'number' ? [axis] : [...axis];
  const axes = requested.map((a) => (a < 0 ? a + x.rank : a));
  axes.forEach((a, i) => {
    if (!Number.isInteger(a) || a < 0 || a >= x.rank || axes.indexOf(a) !== i) {
      fail({
        op,
        arg: 'axis',
        expected: `distinct axes in −${x.rank}…${x.rank - 1}`,
        actual: JSON.stringify(axis) ?? String(axis),
        shapes: { x: x.shape },
      });
    }
  });
  const reduced = new Set(axes);
  const count = numel(axes.map((a) => x.shape[a] ?? 0));
  if (count === 0 && op === 'max') {
    fail({
      op,
      arg: 'x',
      expected: 'a non-empty reduction',
      actual: `an empty axis`,
      shapes: { x: x.shape },
    });
  }
  const keptShape = x.shape.map((size, a) => (reduced.has(a) ? 1 : size));
  // Where each input value lands: the kept axes' strides in the output, 0 on the reduced axes.
  const outStrides = rowMajorStrides(keptShape).map((s, a) => (reduced.has(a) ? 0 : s));
  const target = stridedIndices(x.shape, outStrides, 0);
  const acc = new Float64Array(numel(keptShape)).fill(initial);
  for (let i = 0; i < x.size; i++) acc[target[i]!] = step(acc[target[i]!]!, x.data[i]!);
  const out = Float32Array.from(acc, (v) => finish(v, count));
  const shape = options.keepDims ? keptShape : x.shape.filter((_, a) => !reduced.has(a));
  return new Tensor(out, shape);
}

/**
 * Sum over `axis` (one axis, several, or all when omitted), accumulated in float64.
 *
 * @example
 * sum(tensor([[1, 2], [3, 4]])).toArray();                   // 10
 * sum(tensor([[1, 2], [3, 4]]), 0).toArray();                // [4, 6]
 * sum(tensor([[1, 2], [3, 4]]), 1, { keepDims: true }).shape; // [2, 1]
 */
export function sum(x: Tensor, axis?: number | readonly number[], options: ReduceOptions = {}): Tensor {
  return reduce('sum', x, axis, options, SUM);
}

/** Mean over `axis` (all axes when omitted). @example mean(tensor([[1, 2], [3, 4]]), 1).toArray(); // [1.5, 3.5] */
export function mean(x: Tensor, axis?: number | readonly number[], options: ReduceOptions = {}): Tensor {
  return reduce('mean', x, axis, options, MEAN);
}

/** Maximum over `axis` (all axes when omitted); NaN wins. @example max(tensor([[1, 5], [3, 4]]), 0).toArray(); // [3, 5] */
export function max(x: Tensor, axis?: number | readonly number[], options: ReduceOptions = {}): Tensor {
  return reduce('max', x, axis, options, MAX);
}
