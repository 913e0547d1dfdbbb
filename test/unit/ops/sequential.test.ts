/**
 * `sequential` and `sgd` (kernel/src/network.ts): the forward equals the same ops called by hand, a few SGD
 * steps (momentum, weight decay, Nesterov) from the same initial weights equal torch.optim.SGD's, nets of pool
 * layers and of conv1d/conv3d layers run and backpropagate as their ops and backward ops called by hand, the
 * initialisation follows PyTorch's bounds, and every error names the layer, the op and what is supported.
 */
import { describe, expect, it } from 'vitest';
import {
  conv1d,
  conv1dBackward,
  conv2d,
  conv3d,
  conv3dBackward,
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
  avgPool3d,
  avgPool3dBackward,
  crossEntropy,
  crossEntropyBackward,
  flatten,
  globalAvgPool,
  globalMaxPool,
  JUPYTER_DISPLAY,
  linear,
  linearBackward,
  lpPool1d,
  lpPool1dBackward,
  lpPool2d,
  lpPool2dBackward,
  lpPool3d,
  lpPool3dBackward,
  maxPool1d,
  maxPool1dBackward,
  maxPool2d,
  maxPool3d,
  maxPool3dBackward,
  relu,
  reluBackward,
  SHAPE_TRACE_MIME,
  sequential,
  sgd,
  sigmoid,
  tanh,
  tanhBackward,
  tensor,
  traceShapes,
  zeros,
  type ConvGradients,
  type ConvOptions,
  type LayerSpec,
  type Parameter,
  type SgdOptions,
  type Tensor,
} from '../../../kernel/src/index';
import { expectClose, torchReference, type OracleResult, type WireTensor } from '../../reference/torch';
import { describeEachBackend, seeded } from '../support/sweep';
import { errorOf } from '../support/helpers';

const wire = (t: Tensor): WireTensor => ({ shape: [...t.shape], data: Array.from(t.data) });

/** A LeNet-like net on 12×12 images: both pools, three activations, flatten, two linear layers. */
const LENET_LIKE: LayerSpec[] = [
  { op: 'conv2d', outChannels: 4, kernel: 3, padding: 1, name: 'c1' },
  { op: 'relu' },
  { op: 'maxPool2d', kernel: 2 },
  { op: 'conv2d', outChannels: 6, kernel: 3, bias: false },
  { op: 'tanh' },
  { op: 'avgPool2d', kernel: 2 },
  { op: 'flatten' },
  { op: 'linear', outFeatures: 10, name: 'fc1' },
  { op: 'sigmoid' },
  { op: 'linear', outFeatures: 5 },
];
const INPUT: number[] = [1, 1, 12, 12];

function images(batch: number, seed: number): Tensor {
  return tensor(seeded([batch, 1, 12, 12], seed), [batch, 1, 12, 12]);
}

function classes(batch: number, count: number, seed: number): number[] {
  return seeded([batch], seed).map((v) => Math.min(count - 1, Math.floor(((v + 1) / 2) * count)));
}

describe('sequential: parameters', () => {
  it("are named and shaped as PyTorch's state_dict", () => {
    const net = sequential(LENET_LIKE, { inputShape: INPUT });
    expect(net.parameters().map((p) => [p.name, p.value.shape])).toEqual([
      ['0.weight', [4, 1, 3, 3]],
      ['0.bias', [4]],
      ['3.weight', [6, 4, 3, 3]],
      ['7.weight', [10, 24]],
      ['7.bias', [10]],
      ['9.weight', [5, 10]],
      ['9.bias', [5]],
    ]);
    expect(net.layers[0]!.weight).toBe(net.parameters()[0]!.value);
    expect(net.layers[3]!.bias).toBeUndefined();
    expect(net.layers[1]!.weight).toBeUndefined();
    for (const p of net.parameters()) expect(Array.from(p.grad.data).every((v) => v === 0)).toBe(true);
  });

  it('are drawn from U(−1/√fanIn, 1/√fanIn), seeded', () => {
    const net = sequential(LENET_LIKE, { inputShape: INPUT, seed: 3 });
    const fanIn: Record<string, number> = { '0': 9, '3': 36, '7': 24, '9': 10 };
    for (const p of net.parameters()) {
      const bound = 1 / Math.sqrt(fanIn[p.name.split('.')[0]!]!);
      const values = Array.from(p.value.data);
      expect(Math.max(...values.map(Math.abs)), p.name).toBeLessThanOrEqual(bound);
      // Uniform over the whole interval: the extremes reach near both ends (216 draws for '3.weight').
      if (values.length > 100) {
        expect(Math.max(...values), p.name).toBeGreaterThan(0.9 * bound);
        expect(Math.min(...values), p.name).toBeLessThan(-0.9 * bound);
      }
    }
    const again = sequential(LENET_LIKE, { inputShape: INPUT, seed: 3 }).parameters();
    const other = sequential(LENET_LIKE, { inputShape: INPUT, seed: 4 }).parameters();
    net.parameters().forEach((p, i) => {
      expect(Array.from(again[i]!.value.data)).toEqual(Array.from(p.value.data));
      expect(Array.from(other[i]!.value.data)).not.toEqual(Array.from(p.value.data));
    });
  });

  it('wait for the first forward without inputShape, then equal the eager ones', () => {
    const lazy = sequential(LENET_LIKE, { seed: 5 });
    const error = errorOf(() => lazy.parameters());
    expect(error.message).toMatch(/Sequential: parameters expected a network whose input shape is known.*hint: pass \{ inputShape/);
    expect(String(lazy)).toMatch(/after the first forward/);
    lazy.forward(images(3, 1));
    const eager = sequential(LENET_LIKE, { inputShape: INPUT, seed: 5 });
    expect(lazy.parameters().map((p) => Array.from(p.value.data))).toEqual(eager.parameters().map((p) => Array.from(p.value.data)));
  });
});

describeEachBackend('sequential: forward', () => {
  it('equals the same ops called by hand, and traces what ran', () => {
    const net = sequential(LENET_LIKE, { inputShape: INPUT, seed: 1 });
    const x = images(3, 2);
    const w = (i: number): Tensor => net.layers[i]!.weight!;
    const b = (i: number): Tensor => net.layers[i]!.bias!;
    let y = maxPool2d(relu(conv2d(x, w(0), { padding: 1, bias: b(0) })), 2);
    y = avgPool2d(tanh(conv2d(y, w(3))), 2);
    y = linear(sigmoid(linear(flatten(y), w(7), b(7))), w(9), b(9));
    const out = net.forward(x);
    expect(out.shape).toEqual([3, 5]);
    expect(Array.from(out.data)).toEqual(Array.from(y.data));

    const summary = traceShapes([3, 1, 12, 12], LENET_LIKE);
    expect(net.trace!.rows.map((r) => [r.op, r.name, r.outShape])).toEqual(summary.rows.map((r) => [r.op, r.name, r.outShape]));
    expect(net.trace!.totals.params).toBe(summary.totals.params);
    expect(net.trace!.totals.macs).toBe(summary.totals.macs);
    expect(net.trace!.rows[0]!.receptiveField).toEqual(summary.rows[0]!.receptiveField);
  });
});

/**
 * A net of pool layers (and activations) followed by flatten and a linear layer, with the same layers' ops and
 * backward ops written out by hand: `hand[i]` is layer i's forward and its backward (given the layer's input and
 * output). Every option differs from its default, so a layer that dropped or swapped an option would show.
 */
interface PoolNetCase {
  label: string;
  input: number[];
  layers: LayerSpec[];
  hand: [forward: (x: Tensor) => Tensor, backward: (dy: Tensor, x: Tensor, y: Tensor) => Tensor][];
}

const MAX1 = { stride: 1, padding: 2, dilation: 2 };
const LP1 = { p: 3, ceilMode: true };
const AVG1 = { stride: 1, padding: 1, countIncludePad: false };
const AVG3 = { stride: [1, 2, 1], padding: [1, 1, 0] } as const;
const MAX3 = { stride: [2, 1, 2], ceilMode: true } as const;
const LP2 = { p: 3, stride: 1, padding: 1 };

const POOL_NETS: PoolNetCase[] = [
  {
    label: '1-D: max, LP, average, adaptive max and average, global average',
    input: [2, 3, 17],
    layers: [
      { op: 'maxPool1d', kernel: 3, ...MAX1 },
      { op: 'tanh' },
      { op: 'lpPool1d', kernel: 2, ...LP1 },
      { op: 'avgPool1d', kernel: 3, ...AVG1 },
      { op: 'adaptiveMaxPool1d', outputSize: 4 },
      { op: 'adaptiveAvgPool1d', outputSize: [3] },
      { op: 'globalAvgPool' },
    ],
    hand: [
      [(x) => maxPool1d(x, 3, MAX1), (dy, x) => maxPool1dBackward(dy, x, 3, MAX1)],
      [tanh, (dy, _x, y) => tanhBackward(dy, y)],
      [(x) => lpPool1d(x, 2, LP1), (dy, x) => lpPool1dBackward(dy, x, 2, LP1)],
      [(x) => avgPool1d(x, 3, AVG1), (dy, x) => avgPool1dBackward(dy, x, 3, AVG1)],
      [(x) => adaptiveMaxPool1d(x, 4), (dy, x) => adaptiveMaxPool1dBackward(dy, x, 4)],
      [(x) => adaptiveAvgPool1d(x, [3]), (dy, x) => adaptiveAvgPool1dBackward(dy, x, [3])],
      [globalAvgPool, (dy, x) => adaptiveAvgPool1dBackward(dy, x, 1)],
    ],
  },
  {
    label: '3-D: average, max, LP, adaptive max and average, global max',
    input: [2, 2, 6, 7, 5],
    layers: [
      { op: 'avgPool3d', kernel: [2, 3, 2], ...AVG3 },
      { op: 'relu' },
      { op: 'maxPool3d', kernel: 2, ...MAX3 },
      { op: 'lpPool3d', kernel: [2, 1, 1], p: 1 },
      { op: 'adaptiveMaxPool3d', outputSize: [null, 2, 2] },
      { op: 'adaptiveAvgPool3d', outputSize: [1, 2, null] },
      { op: 'globalMaxPool' },
    ],
    hand: [
      [(x) => avgPool3d(x, [2, 3, 2], AVG3), (dy, x) => avgPool3dBackward(dy, x, [2, 3, 2], AVG3)],
      [relu, (dy, x) => reluBackward(dy, x)],
      [(x) => maxPool3d(x, 2, MAX3), (dy, x) => maxPool3dBackward(dy, x, 2, MAX3)],
      [(x) => lpPool3d(x, [2, 1, 1], { p: 1 }), (dy, x) => lpPool3dBackward(dy, x, [2, 1, 1], { p: 1 })],
      [(x) => adaptiveMaxPool3d(x, [null, 2, 2]), (dy, x) => adaptiveMaxPool3dBackward(dy, x, [null, 2, 2])],
      [(x) => adaptiveAvgPool3d(x, [1, 2, null]), (dy, x) => adaptiveAvgPool3dBackward(dy, x, [1, 2, null])],
      [globalMaxPool, (dy, x) => adaptiveMaxPool3dBackward(dy, x, 1)],
    ],
  },
  {
    label: '2-D: LP, adaptive max and average, global max',
    input: [2, 2, 8, 7],
    layers: [
      { op: 'lpPool2d', kernel: [3, 2], ...LP2 },
      { op: 'adaptiveMaxPool2d', outputSize: [3, null] },
      { op: 'adaptiveAvgPool2d', outputSize: 2 },
      { op: 'globalMaxPool' },
    ],
    hand: [
      [(x) => lpPool2d(x, [3, 2], LP2), (dy, x) => lpPool2dBackward(dy, x, [3, 2], LP2)],
      [(x) => adaptiveMaxPool2d(x, [3, null]), (dy, x) => adaptiveMaxPool2dBackward(dy, x, [3, null])],
      [(x) => adaptiveAvgPool2d(x, 2), (dy, x) => adaptiveAvgPool2dBackward(dy, x, 2)],
      [globalMaxPool, (dy, x) => adaptiveMaxPool2dBackward(dy, x, 1)],
    ],
  },
];

describeEachBackend('sequential: pool layers in 1 to 3 spatial axes', () => {
  POOL_NETS.forEach((c, k) => {
    it(`${c.label}: forward and backward equal the ops and backward ops called by hand`, () => {
      const layers: LayerSpec[] = [...c.layers, { op: 'flatten' }, { op: 'linear', outFeatures: 3 }];
      const net = sequential(layers, { inputShape: c.input, seed: k });
      const x = tensor(seeded(c.input, 20 + k), c.input);
      const out = net.forward(x);

      // By hand: every activation, then the linear layer with the net's own weights.
      const acts = [x];
      for (const [forward] of c.hand) acts.push(forward(acts.at(-1)!));
      const pooled = acts.at(-1)!;
      const flat = flatten(pooled);
      const linearLayer = net.layers[layers.length - 1]!;
      const expected = linear(flat, linearLayer.weight!, linearLayer.bias);
      expect(out.shape).toEqual(expected.shape);
      expect(Array.from(out.data)).toEqual(Array.from(expected.data));
      expect(net.trace!.rows.map((r) => r.op)).toEqual(layers.map((l) => l.op));

      const dOut = tensor(seeded(out.shape, 40 + k), out.shape);
      const dx = net.backward(dOut);
      const grads = linearBackward(dOut, flat, linearLayer.weight!);
      let dy = grads.dx.reshape(pooled.shape);
      for (let i = c.hand.length - 1; i >= 0; i--) dy = c.hand[i]![1](dy, acts[i]!, acts[i + 1]!);
      expect(dx.shape).toEqual(x.shape);
      expect(Array.from(dx.data)).toEqual(Array.from(dy.data));
      // The gradient reaches the input: a net whose pools dropped it would give zeros.
      expect(Array.from(dx.data).some((v) => v !== 0)).toBe(true);
      expect(Array.from(linearLayer.weightParameter!.grad.data)).toEqual(Array.from(grads.dw.data));
      expect(Array.from(linearLayer.biasParameter!.grad.data)).toEqual(Array.from(grads.db.data));
    });
  });
});

/**
 * A net of two convs of one rank (the second grouped and bias-free) around a tanh, then flatten and a linear
 * layer; `first` and `second` are the convs' options, all off their defaults so a dropped option would show.
 */
interface ConvNetCase {
  label: string;
  input: number[];
  op: 'conv1d' | 'conv3d';
  first: ConvOptions & { outChannels: number; kernel: number | number[] };
  second: ConvOptions & { outChannels: number; kernel: number | number[] };
}

const CONV_NETS: ConvNetCase[] = [
  {
    label: '1-D: a strided causal conv, tanh, a grouped dilated conv with per-side padding and no bias',
    input: [2, 2, 13],
    op: 'conv1d',
    first: { outChannels: 4, kernel: 3, stride: 2, padding: 'causal' },
    second: { outChannels: 6, kernel: 2, dilation: 2, groups: 2, padding: [[2, 1]] },
  },
  {
    label: "3-D: a strided padded conv, tanh, a grouped dilated 'same' conv with no bias",
    input: [2, 2, 5, 6, 4],
    op: 'conv3d',
    first: { outChannels: 4, kernel: [2, 3, 2], stride: [1, 2, 1], padding: 1 },
    second: { outChannels: 2, kernel: [2, 1, 2], dilation: [1, 1, 2], groups: 2, padding: 'same' },
  },
];

describeEachBackend('sequential: conv1d and conv3d layers', () => {
  const ops = { conv1d: { forward: conv1d, backward: conv1dBackward }, conv3d: { forward: conv3d, backward: conv3dBackward } };
  /** A case's conv options as the op takes them (without the layer's outChannels and kernel). */
  const optionsOf = ({ outChannels: _o, kernel: _k, ...options }: ConvNetCase['first']): ConvOptions => options;
  CONV_NETS.forEach((c, k) => {
    it(`${c.label}: forward and backward equal the ops and backward ops called by hand`, () => {
      const layers: LayerSpec[] = [
        { op: c.op, ...c.first },
        { op: 'tanh' },
        { op: c.op, ...c.second, bias: false },
        { op: 'flatten' },
        { op: 'linear', outFeatures: 3 },
      ];
      const net = sequential(layers, { inputShape: c.input, seed: 5 + k });
      const [first, , second, , head] = net.layers;
      const { forward, backward } = ops[c.op];
      const x = tensor(seeded(c.input, 60 + k), c.input);
      const out = net.forward(x);

      const y0 = forward(x, first!.weight!, { ...optionsOf(c.first), bias: first!.bias! });
      const a1 = tanh(y0);
      const y2 = forward(a1, second!.weight!, optionsOf(c.second));
      const flat = flatten(y2);
      const expected = linear(flat, head!.weight!, head!.bias);
      expect(out.shape).toEqual(expected.shape);
      expect(Array.from(out.data)).toEqual(Array.from(expected.data));
      expect(second!.bias).toBeUndefined();

      const dOut = tensor(seeded(out.shape, 80 + k), out.shape);
      const dx = net.backward(dOut);
      const g4 = linearBackward(dOut, flat, head!.weight!);
      const g2: ConvGradients = backward(g4.dx.reshape(y2.shape), a1, second!.weight!, optionsOf(c.second));
      const g0: ConvGradients = backward(tanhBackward(g2.dx, a1), x, first!.weight!, optionsOf(c.first));
      expect(dx.shape).toEqual(x.shape);
      expect(Array.from(dx.data)).toEqual(Array.from(g0.dx.data));
      // Every conv parameter gets a gradient, and a non-zero one: a layer that skipped its backward would leave 0.
      for (const [parameter, grad] of [
        [first!.weightParameter, g0.dw],
        [first!.biasParameter, g0.db],
        [second!.weightParameter, g2.dw],
      ] as const) {
        expect(Array.from(parameter!.grad.data)).toEqual(Array.from(grad.data));
        expect(Array.from(grad.data).some((v) => v !== 0)).toBe(true);
      }
      expect(second!.biasParameter).toBeUndefined();
      expect(Array.from(head!.weightParameter!.grad.data)).toEqual(Array.from(g4.dw.data));
    });
  });
});

/** A training run compared with torch.optim.SGD: layers, optimizer, label smoothing, seed. */
interface TrainingCase {
  label: string;
  layers: LayerSpec[];
  options: SgdOptions;
  labelSmoothing: number;
  seed: number;
}

const TRAINING: TrainingCase[] = [
  { label: 'momentum and weight decay', layers: LENET_LIKE, options: { lr: 0.5, momentum: 0.9, weightDecay: 0.01 }, labelSmoothing: 0, seed: 1 },
  {
    label: 'Nesterov, label smoothing, a logSoftmax head and a bias-free linear',
    layers: [
      { op: 'conv2d', outChannels: 3, kernel: 5, stride: 2, padding: 2 },
      { op: 'relu' },
      { op: 'avgPool2d', kernel: 3, stride: 1, padding: 1, countIncludePad: false },
      { op: 'flatten' },
      { op: 'identity' },
      { op: 'linear', outFeatures: 5, bias: false },
      { op: 'logSoftmax' },
    ],
    options: { lr: 0.2, momentum: 0.8, nesterov: true, weightDecay: 0.001 },
    labelSmoothing: 0.1,
    seed: 2,
  },
  {
    label: 'plain SGD with dampening through a softmax head',
    layers: [{ op: 'flatten' }, { op: 'linear', outFeatures: 7 }, { op: 'tanh' }, { op: 'linear', outFeatures: 5 }, { op: 'softmax' }],
    options: { lr: 1, momentum: 0.5, dampening: 0.3 },
    labelSmoothing: 0,
    seed: 3,
  },
];
const [STEPS, BATCH] = [3, 4];

/** A case's batches: STEPS·BATCH images and labels; step k trains on rows k·BATCH…(k+1)·BATCH−1. */
function batches(c: TrainingCase): { x: Tensor; target: number[] } {
  return { x: images(STEPS * BATCH, c.seed + 10), target: classes(STEPS * BATCH, 5, c.seed + 11) };
}

/** PyTorch's runs from each case's initial parameters, asked once (one Python start-up) for every backend. */
let torchRuns: OracleResult[] | undefined;
function torchTraining(): OracleResult[] {
  torchRuns ??= torchReference(
    TRAINING.map((c) => {
      const initial = sequential(c.layers, { inputShape: INPUT, seed: c.seed }).parameters();
      const { x, target } = batches(c);
      return {
        op: 'sequential_train',
        tensors: { x: wire(x), target: { shape: [target.length], data: target }, ...Object.fromEntries(initial.map((p) => [p.name, wire(p.value)])) },
        options: { layers: c.layers, sgd: c.options, steps: STEPS, labelSmoothing: c.labelSmoothing },
      };
    }),
  );
  return torchRuns;
}

describeEachBackend('sequential: training steps against torch.optim.SGD', () => {
  TRAINING.forEach((c, i) => {
    it(c.label, () => {
      const expected = torchTraining()[i]!;
      if (!('outputs' in expected)) throw new Error(`PyTorch: ${JSON.stringify(expected).slice(0, 300)}`);
      const net = sequential(c.layers, { inputShape: INPUT, seed: c.seed });
      const { x, target } = batches(c);
      const opt = sgd(net.parameters(), c.options);
      const options = { labelSmoothing: c.labelSmoothing };
      const losses: number[] = [];
      for (let k = 0; k < STEPS; k++) {
        const xs = x.slice([[k * BATCH, (k + 1) * BATCH], null, null, null]);
        const ys = target.slice(k * BATCH, (k + 1) * BATCH);
        opt.zeroGrad();
        const logits = net.forward(xs);
        if (k === 0) expectClose(logits, expected.outputs['output']!, 'first forward');
        losses.push(crossEntropy(logits, ys, options).data[0]!);
        net.backward(crossEntropyBackward(logits, ys, options));
        opt.step();
      }
      expectClose({ shape: [STEPS], data: losses }, expected.outputs['loss']!, 'losses');
      for (const p of net.parameters()) expectClose(p.value, expected.outputs[p.name]!, `${p.name} after ${STEPS} steps`);
    });
  });
});

describe('sequential: gradients', () => {
  it('accumulate over backward calls until zeroGrad, and backward returns the input gradient', () => {
    const net = sequential(LENET_LIKE, { inputShape: INPUT });
    const x = images(2, 7);
    const logits = net.forward(x);
    const dOut = crossEntropyBackward(logits, [1, 3]);
    const dx = net.backward(dOut);
    expect(dx.shape).toEqual(x.shape);
    const once = net.parameters().map((p) => Array.from(p.grad.data));
    expect(once.some((g) => g.some((v) => v !== 0))).toBe(true);
    net.backward(dOut);
    net.parameters().forEach((p, i) => p.grad.data.forEach((v, j) => expect(v).toBeCloseTo(2 * once[i]![j]!, 6)));
    net.zeroGrad();
    for (const p of net.parameters()) expect(Array.from(p.grad.data).every((v) => v === 0)).toBe(true);
  });

  it('the optimizer replaces values, so a tensor taken before training keeps its values', () => {
    const net = sequential([{ op: 'flatten' }, { op: 'linear', outFeatures: 2 }], { inputShape: [1, 3] });
    const before = net.layers[1]!.weight!;
    const copy = Array.from(before.data);
    const opt = sgd(net.parameters(), { lr: 0.1 });
    net.forward(tensor([[1, 2, 3]]));
    net.backward(tensor([[1, -1]]));
    opt.step();
    expect(Array.from(before.data)).toEqual(copy);
    expect(Array.from(net.layers[1]!.weight!.data)).not.toEqual(copy);
  });
});

describe('sequential and sgd: the doc comments’ examples', () => {
  it('Layer and Sequential', () => {
    const conv = sequential([{ op: 'conv2d', outChannels: 6, kernel: 5 }, { op: 'relu' }], { inputShape: [1, 1, 28, 28] });
    expect(conv.layers[0]!.weight?.shape).toEqual([6, 1, 5, 5]);
    expect(conv.layers[1]!.weight).toBeUndefined();
    const net = sequential([{ op: 'flatten' }, { op: 'linear', outFeatures: 2 }], { inputShape: [1, 3] });
    const logits = net.forward(tensor([[1, 2, 3]]));
    expect(logits.shape).toEqual([1, 2]);
    expect(net.backward(crossEntropyBackward(logits, [1])).shape).toEqual([1, 3]);
    expect(net.parameters().map((p) => p.grad.shape)).toEqual([[2, 3], [2]]);
  });
  it('sequential', () => {
    const net = sequential(
      [{ op: 'flatten' }, { op: 'linear', outFeatures: 3 }, { op: 'relu' }, { op: 'linear', outFeatures: 2 }],
      { inputShape: [1, 1, 2, 2], seed: 0 },
    );
    expect(net.parameters().map((p) => `${p.name} ${p.value.shape.join('×')}`)).toEqual(['1.weight 3×4', '1.bias 3', '3.weight 2×3', '3.bias 2']);
    expect(net.forward(zeros([5, 1, 2, 2])).shape).toEqual([5, 2]);
    expect(net.trace?.rows.map((r) => r.op)).toEqual(['flatten', 'linear', 'relu', 'linear']);
  });
  it('sgd', () => {
    const p: Parameter = { name: 'w', value: tensor([1, 2]), grad: tensor([0.5, -1]) };
    const opt = sgd([p], { lr: 0.1, momentum: 0.9 });
    opt.step();
    expect(Array.from(p.value.data).map((v) => Number(v.toFixed(6)))).toEqual([0.95, 2.1]);
    opt.step();
    expect(Array.from(p.value.data).map((v) => Number(v.toFixed(6)))).toEqual([0.855, 2.29]);
  });
  it('SGD.lr: a schedule sets the rate of the next steps, momentum buffers carry on; a bad rate is refused', () => {
    const p: Parameter = { name: 'w', value: tensor([1, 2]), grad: tensor([0.5, -1]) };
    const opt = sgd([p], { lr: 0.1, momentum: 0.9 });
    opt.step(); // buf = grad: w = [0.95, 2.1]
    opt.lr *= 0.5;
    expect(opt.lr).toBe(0.05);
    opt.step(); // buf = 0.9·buf + grad = [0.95, −1.9]; w −= 0.05·buf
    expect(Array.from(p.value.data).map((v) => Number(v.toFixed(6)))).toEqual([0.9025, 2.195]);
    expect(() => {
      opt.lr = -1;
    }).toThrow(/^sgd: lr expected a number ≥ 0, got -1; hint: torch\.optim\.SGD refuses negative values too$/);
    expect(() => {
      opt.lr = NaN;
    }).toThrow(/^sgd: lr expected a finite number, got NaN/);
    expect(opt.lr).toBe(0.05);
  });
});

describe('sequential: display', () => {
  it('shows the summary as a shape trace', () => {
    const net = sequential(LENET_LIKE, { inputShape: INPUT, title: 'LeNet-like' });
    const bundle = net[JUPYTER_DISPLAY]();
    expect(Object.keys(bundle.data)).toContain(SHAPE_TRACE_MIME);
    expect(String(bundle.data['text/plain'])).toMatch(/LeNet-like/);
    expect(net.summary().totals.params).toBe(net.parameters().reduce((n, p) => n + p.value.size, 0));
  });
  it('says what it waits for before its input shape is known', () => {
    const bundle = sequential(LENET_LIKE)[JUPYTER_DISPLAY]();
    expect(bundle.data['text/plain']).toMatch(/^Sequential of 10 layers \(conv2d, relu, .*after the first forward/);
  });
});

describe('sequential and sgd: errors name the layer, the op, what is supported, and a hint', () => {
  it('a layer that does not fit its input', () => {
    const error = errorOf(() => sequential([{ op: 'conv2d', outChannels: 4, kernel: 5 }, { op: 'conv2d', outChannels: 4, kernel: 5 }], { inputShape: [1, 1, 6, 6] }));
    expect(error.op).toBe('sequential');
    expect(error.arg).toBe('layers[1]');
    expect(error.expected).toMatch(/'conv2d' layer that fits its input \[1,4,2,2\]/);
    expect(error.actual).toMatch(/conv2d/);
    expect(error.hint).toMatch(/summary\(\)/);
    expect(error.shapes).toEqual({ inputShape: [1, 1, 6, 6] });
  });
  it('a misspelled layer option', () => {
    const error = errorOf(() => sequential([{ op: 'linear', units: 3 } as unknown as LayerSpec], { inputShape: [1, 4] }));
    expect(error.message).toMatch(/layers\[0\].*units.*outFeatures/);
  });
  it('a layer with no op to run', () => {
    const net = sequential([{ op: 'flatten' }, { op: 'gelu' }], { inputShape: [1, 4] });
    const error = errorOf(() => net.forward(zeros([1, 4])));
    expect(error.arg).toBe('layers[1].op');
    expect(error.actual).toMatch(/'gelu'/);
    expect(error.shapes).toEqual({ input: [1, 4] });
    expect(error.hint).toBeTruthy();
  });
  it("an op's own error says which layer raised it", () => {
    const net = sequential([{ op: 'conv2d', outChannels: 2, kernel: 3 }], { inputShape: [1, 1, 5, 5] });
    const error = errorOf(() => net.forward(zeros([1, 3, 5, 5])));
    expect(error.op).toBe('conv2d');
    expect(error.hint).toMatch(/raised by layer 0 \('conv2d'\) of the sequential/);
  });
  it('backward before forward, and a dOut of the wrong shape', () => {
    const net = sequential([{ op: 'flatten' }, { op: 'linear', outFeatures: 2 }], { inputShape: [1, 3] });
    expect(errorOf(() => net.backward(zeros([1, 2]))).message).toMatch(/Sequential.backward: dOut expected a forward call before backward/);
    net.forward(zeros([4, 3]));
    const error = errorOf(() => net.backward(zeros([1, 2])));
    expect(error.message).toMatch(/dOut expected shape \[4,2\] \(the last forward output's shape\), got \[1,2\].*hint: pass the loss gradient/);
  });
  it.each([
    [{ lr: -1 }, 'options.lr', /≥ 0/],
    [{ lr: NaN }, 'options.lr', /finite/],
    [{ lr: 0.1, nesterov: true }, 'options.nesterov', /momentum > 0/],
    [{ lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }, 'options.nesterov', /dampening 0/],
  ] as [SgdOptions, string, RegExp][])('sgd(%j)', (options, arg, expected) => {
    const error = errorOf(() => sgd([], options));
    expect(error.arg).toBe(arg);
    expect(error.expected).toMatch(expected);
    expect(error.hint).toBeTruthy();
  });
  it("sgd with Keras' learning_rate names lr", () => {
    const error = errorOf(() => sgd([], { learning_rate: 0.1 } as unknown as SgdOptions));
    expect(error.message).toMatch(/unknown key 'learning_rate'; hint: did you mean 'lr'\?/);
  });
});
