/**
 * Layers, activations and the loss (kernel/src/ops/nn.ts) against PyTorch on seeded sweeps, their gradients
 * against autograd, the doc comments' examples, the trace, and the error messages.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  crossEntropy,
  crossEntropyBackward,
  flatten,
  linear,
  linearBackward,
  logSoftmax,
  logSoftmaxBackward,
  recordShapes,
  reluBackward,
  sigmoid,
  sigmoidBackward,
  softmax,
  softmaxBackward,
  tanh,
  tanhBackward,
  tensor,
  zeros,
  type CrossEntropyOptions,
  type Tensor,
} from '../../../kernel/src/index';
import { OPTION_KEYS } from '../../../kernel/src/shapes';
import { expectClose, torchReference, type OracleCase, type OracleResult, type WireTensor } from '../../reference/torch';
import { flat, errorOf } from '../support/helpers';
import { describeEachBackend, seeded } from '../support/sweep';

const wire = (t: Tensor): WireTensor => ({ shape: [...t.shape], data: Array.from(t.data) });

/** A seeded tensor in [−scale, scale). */
function random(shape: number[], seed: number, scale = 1): Tensor {
  return tensor(
    seeded(shape, seed).map((v) => v * scale),
    shape,
  );
}

/** Seeded class indices in 0…classes−1. */
function labels(batch: number, classes: number, seed: number): number[] {
  return seeded([batch], seed).map((v) => Math.min(classes - 1, Math.floor(((v + 1) / 2) * classes)));
}

/** One differential case: what PyTorch computes, and the ConvLab call(s) that must agree, by output name. */
interface Case {
  family: string;
  label: string;
  oracle: OracleCase;
  run: () => Tensor | Record<string, Tensor>;
}

const cases: Case[] = [];
let seed = 1;

// flatten: torch.flatten's start/end dims, negative ones included.
for (const [shape, start, end] of [
  [[2, 3, 4, 5], 1, -1],
  [[2, 3, 4, 5], 0, 1],
  [[2, 3, 4, 5], 1, 2],
  [[2, 3, 4, 5], -3, -2],
  [[2, 3, 4, 5], 0, -1],
  [[7], 0, -1],
  [[2, 3], 1, 1],
] as [number[], number, number][]) {
  const x = random(shape, seed++);
  cases.push({
    family: 'flatten',
    label: `flatten [${shape}] ${start}…${end}`,
    oracle: { op: 'flatten', tensors: { x: wire(x) }, options: { startDim: start, endDim: end } },
    run: () => flatten(x, start, end),
  });
}

// linear and its gradients: leading axes of any number, with and without bias, and LeNet's [32, 400] → 120.
for (const [xShape, outFeatures] of [
  [[3, 5], 4],
  [[2, 3, 5], 4],
  [[5], 2],
  [[1, 4, 2, 5], 3],
  [[32, 400], 120],
] as [number[], number][]) {
  const inFeatures = xShape.at(-1)!;
  const x = random(xShape, seed++);
  const w = random([outFeatures, inFeatures], seed++, 1 / Math.sqrt(inFeatures));
  const b = random([outFeatures], seed++);
  const dy = random([...xShape.slice(0, -1), outFeatures], seed++);
  for (const withBias of [true, false]) {
    cases.push({
      family: 'linear',
      label: `linear [${xShape}] → ${outFeatures}${withBias ? ' + bias' : ''}`,
      oracle: { op: 'linear', tensors: { x: wire(x), w: wire(w), ...(withBias ? { b: wire(b) } : {}) } },
      run: () => linear(x, w, withBias ? b : undefined),
    });
  }
  cases.push({
    family: 'linearBackward',
    label: `linearBackward [${xShape}] → ${outFeatures}`,
    oracle: { op: 'linear_backward', tensors: { x: wire(x), w: wire(w), dy: wire(dy) } },
    run: () => ({ ...linearBackward(dy, x, w) }),
  });
}

// softmax and logSoftmax along every axis, with large logits (×40) that overflow an unshifted exp in float32.
for (const [shape, axis, scale] of [
  [[4, 10], -1, 1],
  [[4, 10], 0, 1],
  [[2, 3, 4], 0, 3],
  [[2, 3, 4], 1, 3],
  [[2, 3, 4], 2, 3],
  [[2, 3, 4], -2, 3],
  [[6], 0, 1],
  [[3, 5], -1, 40],
] as [number[], number, number][]) {
  const x = random(shape, seed++, scale);
  const dy = random(shape, seed++);
  const options = { axis };
  const label = `[${shape}] axis ${axis} ×${scale}`;
  cases.push(
    { family: 'softmax', label: `softmax ${label}`, oracle: { op: 'softmax', tensors: { x: wire(x) }, options }, run: () => softmax(x, axis) },
    {
      family: 'softmax',
      label: `logSoftmax ${label}`,
      oracle: { op: 'log_softmax', tensors: { x: wire(x) }, options },
      run: () => logSoftmax(x, axis),
    },
    {
      family: 'softmaxBackward',
      label: `softmaxBackward ${label}`,
      oracle: { op: 'softmax_backward', tensors: { x: wire(x), dy: wire(dy) }, options },
      run: () => softmaxBackward(dy, softmax(x, axis), axis),
    },
    {
      family: 'softmaxBackward',
      label: `logSoftmaxBackward ${label}`,
      oracle: { op: 'log_softmax_backward', tensors: { x: wire(x), dy: wire(dy) }, options },
      run: () => logSoftmaxBackward(dy, logSoftmax(x, axis), axis),
    },
  );
}

// The activations and their gradients, over a range that saturates them (×6).
for (const shape of [[3, 4, 5], [7]]) {
  const x = random(shape, seed++, 6);
  const dy = random(shape, seed++);
  const label = `[${shape}]`;
  cases.push(
    { family: 'activation', label: `sigmoid ${label}`, oracle: { op: 'sigmoid', tensors: { x: wire(x) } }, run: () => sigmoid(x) },
    { family: 'activation', label: `tanh ${label}`, oracle: { op: 'tanh', tensors: { x: wire(x) } }, run: () => tanh(x) },
    {
      family: 'activation',
      label: `sigmoidBackward ${label}`,
      oracle: { op: 'sigmoid_backward', tensors: { x: wire(x), dy: wire(dy) } },
      run: () => sigmoidBackward(dy, sigmoid(x)),
    },
    {
      family: 'activation',
      label: `tanhBackward ${label}`,
      oracle: { op: 'tanh_backward', tensors: { x: wire(x), dy: wire(dy) } },
      run: () => tanhBackward(dy, tanh(x)),
    },
    {
      family: 'activation',
      label: `reluBackward ${label}`,
      oracle: { op: 'relu_backward', tensors: { x: wire(x), dy: wire(dy) } },
      run: () => reluBackward(dy, x),
    },
  );
}

// crossEntropy: every reduction, label smoothing off, typical and full, targets as a tensor and as a list.
for (const [batch, classes, scale] of [
  [4, 10, 3],
  [1, 3, 1],
  [7, 2, 20],
] as [number, number, number][]) {
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    for (const labelSmoothing of [0, 0.1, 1]) {
      const logits = random([batch, classes], seed++, scale);
      const target = labels(batch, classes, seed++);
      const dy = random(reduction === 'none' ? [batch] : [], seed++);
      const options: CrossEntropyOptions = { reduction, labelSmoothing };
      const tensors = { logits: wire(logits), target: { shape: [batch], data: target } };
      const label = `[${batch}, ${classes}] ×${scale} ${reduction} ε=${labelSmoothing}`;
      const asTensor = labelSmoothing === 0.1;
      cases.push(
        {
          family: 'crossEntropy',
          label: `crossEntropy ${label}`,
          oracle: { op: 'cross_entropy', tensors, options },
          run: () => crossEntropy(logits, asTensor ? tensor(target) : target, options),
        },
        {
          family: 'crossEntropyBackward',
          label: `crossEntropyBackward ${label}`,
          oracle: { op: 'cross_entropy_backward', tensors: { ...tensors, dy: wire(dy) }, options },
          run: () => crossEntropyBackward(logits, asTensor ? tensor(target) : target, options, dy),
        },
      );
    }
  }
}

/** PyTorch's answers, asked once (one Python start-up) and shared by every backend's run. */
let answers: OracleResult[] | undefined;
function torchAnswers(): OracleResult[] {
  answers ??= torchReference(cases.map((c) => c.oracle));
  return answers;
}

function check(c: Case, expected: OracleResult): void {
  const got = c.run();
  if (got instanceof Object && !('shape' in got)) {
    if (!('outputs' in expected)) throw new Error(`${c.label}: PyTorch returned ${JSON.stringify(expected).slice(0, 200)}`);
    for (const [name, tensor] of Object.entries(got)) expectClose(tensor, expected.outputs[name]!, `${c.label} ${name}`);
  } else {
    expectClose(got as Tensor, expected, c.label);
  }
}

describeEachBackend('nn ops against PyTorch', () => {
  for (const family of [...new Set(cases.map((c) => c.family))]) {
    it(`${family}: ${cases.filter((c) => c.family === family).length} seeded cases`, () => {
      const expected = torchAnswers();
      cases.forEach((c, i) => {
        if (c.family === family) check(c, expected[i]!);
      });
    });
  }
});

describeEachBackend('nn ops: the doc comments’ examples', () => {
  const rounded = (t: Tensor): number[] => flat(t).map((v) => Number(v.toFixed(7)));
  it('flatten', () => {
    expect(flatten(zeros([2, 16, 5, 5])).shape).toEqual([2, 400]);
    expect(flatten(zeros([2, 3, 4, 5]), 0, 1).shape).toEqual([6, 4, 5]);
  });
  it('linear and linearBackward', () => {
    const w = tensor([[1, 0, -1], [0.5, 0.5, 0.5]]);
    expect(linear(tensor([[1, 2, 3]]), w, tensor([10, 0])).toArray()).toEqual([[8, 3]]);
    const { dx, dw, db } = linearBackward(tensor([[1, 2]]), tensor([[1, 2, 3]]), w);
    expect(dx.toArray()).toEqual([[2, 1, 0]]);
    expect(dw.toArray()).toEqual([[1, 2, 3], [2, 4, 6]]);
    expect(db.toArray()).toEqual([1, 2]);
  });
  it('activations', () => {
    expect(rounded(sigmoid(tensor([0, 2])))).toEqual([0.5, 0.8807971]);
    expect(rounded(sigmoidBackward(tensor([1, 1]), sigmoid(tensor([0, 2]))))).toEqual([0.25, 0.1049936]);
    expect(rounded(tanh(tensor([0, 1])))).toEqual([0, 0.7615942]);
    expect(rounded(tanhBackward(tensor([2, 2]), tanh(tensor([0, 1]))))).toEqual([2, 0.8399486]);
    expect(reluBackward(tensor([5, 5, 5]), tensor([-1, 0, 2])).toArray()).toEqual([0, 0, 5]);
  });
  it('softmax, logSoftmax and their backwards', () => {
    expect(rounded(softmax(tensor([[1, 2, 3]])))).toEqual([0.0900306, 0.2447285, 0.6652409]);
    expect(rounded(logSoftmax(tensor([[0, 0], [0, 1000]])))).toEqual([-0.6931472, -0.6931472, -1000, 0]);
    expect(softmaxBackward(tensor([1, 0]), softmax(tensor([0, 0])), 0).toArray()).toEqual([0.25, -0.25]);
    expect(logSoftmaxBackward(tensor([1, 0]), logSoftmax(tensor([0, 0])), 0).toArray()).toEqual([0.5, -0.5]);
  });
  it('crossEntropy and crossEntropyBackward', () => {
    expect(rounded(crossEntropy(tensor([[2, 0], [0, 0]]), [0, 1]))).toEqual([0.4100376]);
    expect(rounded(crossEntropy(tensor([[2, 0], [0, 0]]), [0, 1], { reduction: 'none' }))).toEqual([0.126928, 0.6931472]);
    expect(crossEntropyBackward(tensor([[0, 0]]), [1]).toArray()).toEqual([[0.5, -0.5]]);
  });
});

describe('nn ops: properties', () => {
  it('flatten shares the values (nothing copied)', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(flatten(x, 0).values).toBe(x.values);
  });
  it('softmax lines sum to 1 on every axis', () => {
    const x = random([3, 4, 5], 99, 5);
    for (const axis of [0, 1, 2]) {
      const s = softmax(x, axis);
      const sums = new Map<string, number>();
      const [, b, c] = x.shape as [number, number, number];
      s.data.forEach((v, i) => {
        const key = [Math.floor(i / (b * c)), Math.floor(i / c) % b, i % c].map((k, a) => (a === axis ? '*' : k)).join(',');
        sums.set(key, (sums.get(key) ?? 0) + v);
      });
      for (const total of sums.values()) expect(total).toBeCloseTo(1, 6);
    }
  });
  it('recordShapes lists every forward op with linear’s parameters and MACs', () => {
    const x = random([2, 3, 4], 5);
    const w = random([5, 12], 6);
    const trace = recordShapes(() => crossEntropy(logSoftmax(tanh(sigmoid(linear(flatten(x), w, zeros([5]))))), [0, 4]));
    expect(trace.rows.map((r) => r.op)).toEqual(['flatten', 'linear', 'sigmoid', 'tanh', 'logSoftmax', 'crossEntropy']);
    expect(trace.rows.map((r) => r.outShape)).toEqual([[2, 12], [2, 5], [2, 5], [2, 5], [2, 5], []]);
    expect(trace.rows[1]).toMatchObject({ params: 65, macs: 2 * 12 * 5 });
    // Backward ops are not forward layers: they record nothing, as conv2dBackward.
    const features = flatten(x);
    expect(recordShapes(() => linearBackward(zeros([2, 5]), features, w)).rows).toEqual([]);
  });
  it('CrossEntropyOptions lists its keys', () => {
    expectTypeOf<(typeof OPTION_KEYS.CrossEntropyOptions)[number]>().toEqualTypeOf<keyof CrossEntropyOptions>();
  });
});

describe('nn ops: errors name op, argument, expected and actual, shapes and a hint', () => {
  it.each([
    ['flatten: a start axis beyond the rank', () => flatten(zeros([2, 3]), 2), 'flatten', 'startDim', /−2…1/, '2'],
    ['flatten: start after end', () => flatten(zeros([2, 3, 4]), 2, 1), 'flatten', 'endDim', /at or after startDim \(2\)/, '1 (axis 1)'],
    ['linear: features do not match', () => linear(zeros([2, 400]), zeros([120, 256])), 'linear', 'input', /256 features/, '400'],
    ['linear: a bias of the wrong size', () => linear(zeros([2, 4]), zeros([3, 4]), zeros([4])), 'linear', 'bias', /\[3\]/, '[4]'],
    ['linear: a 1-D weight', () => linear(zeros([2, 4]), zeros([4])), 'linear', 'weight', /rank 2/, 'rank 1'],
    ['softmax: an axis beyond the rank', () => softmax(zeros([2, 3]), 2), 'softmax', 'axis', /−2…1/, '2'],
    ['crossEntropy: a label out of range', () => crossEntropy(zeros([2, 10]), [3, 10]), 'crossEntropy', 'target[1]', /0…9/, '10'],
    ['crossEntropy: a negative label', () => crossEntropy(zeros([2, 10]), [-1, 0]), 'crossEntropy', 'target[0]', /0…9/, '-1'],
    ['crossEntropy: a fractional label', () => crossEntropy(zeros([2, 3]), tensor([0.5, 1])), 'crossEntropy', 'target[0]', /integer/, '0.5'],
    ['crossEntropy: one-hot targets', () => crossEntropy(zeros([2, 3]), tensor([[1, 0, 0], [0, 1, 0]])), 'crossEntropy', 'target', /\[2\]/, 'shape [2,3]'],
    ['crossEntropy: too few labels', () => crossEntropy(zeros([3, 3]), [0, 1]), 'crossEntropy', 'target', /3 class indices/, 'shape [2]'],
    ['crossEntropy: no targets at all (null from an untyped caller)', () => crossEntropy(zeros([2, 3]), null as never), 'crossEntropy', 'target', /a tensor \[2\] or a list of integers/, 'null'],
    ['crossEntropy: an unknown reduction', () => crossEntropy(zeros([1, 3]), [0], { reduction: 'avg' as never }), 'crossEntropy', 'options.reduction', /'mean', 'sum' or 'none'/, '"avg"'],
    ['crossEntropy: 4-D logits', () => crossEntropy(zeros([2, 3, 4, 4]), [0, 1]), 'crossEntropy', 'logits', /rank 2/, 'rank 4'],
    [
      'crossEntropy: smoothing above 1',
      () => crossEntropy(zeros([1, 3]), [0], { labelSmoothing: 1.5 }),
      'crossEntropy',
      'options.labelSmoothing',
      /0…1/,
      '1.5',
    ],
    [
      'crossEntropyBackward: dy of the wrong shape',
      () => crossEntropyBackward(zeros([2, 3]), [0, 1], { reduction: 'none' }, zeros([])),
      'crossEntropyBackward',
      'dy',
      /\[2\]/,
      '[]',
    ],
    ['sigmoidBackward: dy of the wrong shape', () => sigmoidBackward(zeros([3]), zeros([4])), 'sigmoidBackward', 'dy', /\[4\]/, '[3]'],
    ['linearBackward: dy of the wrong shape', () => linearBackward(zeros([2, 4]), zeros([2, 5]), zeros([3, 5])), 'linearBackward', 'dy', /\[2,3\]/, '[2,4]'],
  ])('%s', (_label, run, op, arg, expected, actual) => {
    const error = errorOf(run);
    expect(error.op).toBe(op);
    expect(error.arg).toBe(arg);
    expect(error.expected).toMatch(expected);
    expect(error.actual).toBe(actual);
    expect(Object.keys(error.shapes).length).toBeGreaterThan(0);
    expect(error.hint).toBeTruthy();
  });

  it("a wrong rank's hint fits the argument: a linear weight, a loss's logits (not an image's reshape)", () => {
    expect(errorOf(() => linear(zeros([2, 4]), zeros([3, 4, 1]))).hint).toBe(
      'as nn.Linear.weight in PyTorch: one row of inFeatures weights per output, e.g. w.reshape([outFeatures, inFeatures])',
    );
    expect(errorOf(() => crossEntropy(zeros([2, 3, 1]), [0, 1])).hint).toBe(
      'one row of class scores per example: flatten(logits) or logits.reshape([batch, classes])',
    );
  });

  it('an unknown option names the key meant', () => {
    const error = errorOf(() => crossEntropy(zeros([1, 2]), [0], { label_smoothing: 0.1 } as unknown as CrossEntropyOptions));
    expect(error.message).toMatch(/crossEntropy: options expected only the keys reduction, labelSmoothing, got the unknown key 'label_smoothing'; hint: did you mean 'labelSmoothing'\?/);
  });
});
