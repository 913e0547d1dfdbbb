import { describe, expect, it } from 'vitest';
import { conv2d, conv2dBackward, receptiveField, tensor } from '../../../kernel/src/index';

// The worked stack of kernel/docs/semantics.md §9.2, as (kernel, stride, padding, dilation).
const stack = [
  { kernel: 3, stride: 1, padding: 1, dilation: 1 },
  { kernel: 3, stride: 2, padding: 1, dilation: 1 },
  { kernel: 2, stride: 2, padding: 0, dilation: 1 },
  { kernel: 3, stride: 1, padding: 2, dilation: 2 },
  { kernel: 5, stride: 2, padding: 2, dilation: 1 },
];

describe('receptiveField (kernel/docs/semantics.md §9)', () => {
  it('the worked stack: RF 3, 5, 7, 23, 39; jumps 1, 2, 4, 4, 8', () => {
    const fields = receptiveField(stack);
    expect(fields.map((f) => f.size)).toEqual([[3], [5], [7], [23], [39]]);
    expect(fields.map((f) => f.jump)).toEqual([[1], [2], [4], [4], [8]]);
  });

  it('matches the closed form r = 1 + Σ (kE − 1)·Π earlier strides (Araujo et al.)', () => {
    let product = 1;
    let closed = 1;
    const expected = stack.map((l) => {
      closed += (l.dilation * (l.kernel - 1)) * product;
      product *= l.stride;
      return closed;
    });
    expect(receptiveField(stack).map((f) => f.size[0])).toEqual(expected);
  });

  it('start: the field of output unit u spans input [centre − 0.5 ± (RF−1)/2]: unit 3 → [6, 44], unit 4 → [14, 52]', () => {
    const last = receptiveField(stack).at(-1)!;
    const span = (unit: number): [number, number] => {
      const centre = last.start[0]! + unit * last.jump[0]! - 0.5;
      return [centre - (last.size[0]! - 1) / 2, centre + (last.size[0]! - 1) / 2];
    };
    expect(span(3)).toEqual([6, 44]);
    expect(span(4)).toEqual([14, 52]);
  });

  it('agrees with the gradient support of a real stack of convolutions (ones weights, one output unit)', () => {
    // The stack as 1-D convs (height 1), pooling replaced by a 2-tap conv of the same geometry: the input cells whose
    // gradient is non-zero for output unit 3 are exactly its receptive field.
    const length = 64;
    const shapes: number[][] = [];
    let x = tensor(new Float32Array(length).fill(1), [1, 1, 1, length]);
    const weights = stack.map((l) => tensor(new Float32Array(l.kernel).fill(1), [1, 1, 1, l.kernel]));
    const inputs = stack.map((l, i) => {
      const input = x;
      x = conv2d(x, weights[i]!, { stride: [1, l.stride], padding: [0, l.padding], dilation: [1, l.dilation] });
      shapes.push([...x.shape]);
      return input;
    });
    // Back-propagate a one-hot dy at unit 3 through every layer.
    const outShape = shapes.at(-1)!;
    let dy = tensor(Array.from({ length: outShape[3]! }, (_, i) => (i === 3 ? 1 : 0)), outShape);
    for (let i = stack.length - 1; i >= 0; i--) {
      const l = stack[i]!;
      dy = conv2dBackward(dy, inputs[i]!, weights[i]!, { stride: [1, l.stride], padding: [0, l.padding], dilation: [1, l.dilation] }).dx;
    }
    const support = Array.from(dy.data).flatMap((v, i) => (v !== 0 ? [i] : []));
    expect([support[0], support.at(-1)]).toEqual([6, 44]);
  });

  it('per-axis values and arrays', () => {
    const [field] = receptiveField([{ kernel: [3, 5], stride: 2, padding: [1, 2] }]);
    expect(field).toEqual({ jump: [2, 2], size: [3, 5], start: [0.5, 0.5] });
  });

  it('rejects bad layer values with the layer index', () => {
    expect(() => receptiveField([{ kernel: 3 }, { kernel: 3, stride: 0 }])).toThrow(
      /^receptiveField: layers\[1\]\.stride expected an integer ≥ 1, got 0; hint/,
    );
    expect(() => receptiveField([{ kernel: [3, 3], padding: [1, 1, 1] }])).toThrow(
      /^receptiveField: layers\[0\]\.kernel expected one number or 3 numbers \(one per spatial axis\), got 2 numbers \[3,3\]/,
    );
  });
});
