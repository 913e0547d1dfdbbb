/**
 * The layers, activations and loss of a small classifier, and their gradients (kernel/docs/semantics.md,
 * "Layers, losses and training"): what a traced CNN needs after its conv stack — `flatten`, `linear`,
 * `softmax`/`logSoftmax`, `sigmoid`, `tanh`, `crossEntropy` — with the same names, defaults and results as
 * PyTorch's `torch.flatten`, `F.linear`, `F.softmax`, `F.cross_entropy`.
 *
 * `linear` is a backend kernel (its matrix products are a training step's largest cost after the convs); the
 * activations, softmax and the loss are one pass over the values each, run in host memory on every backend as
 * `add` and `sum` are. Each backward takes the loss gradient `dy` (shaped like the forward output) and checks its
 * shape; an activation's backward takes what PyTorch's saves: the forward input for `relu`, the output for the rest.
 */
import { backend } from '../backends';
import { fail, formatShape } from '../errors';
import { checkAllocation, checkOptionKeys, checkRank, OPTION_KEYS, type Shape } from '../shapes';
import { Tensor, numel } from '../tensor';
import { traceOp } from '../trace';
import { checkDy } from './grad';

// ── Checks ───────────────────────────────────────────────────────────────────────────────────────────────────

/** `axis` (negative counts from the end) as an index in `0…rank−1`. */
function normalizeAxis(op: string, arg: string, axis: number, rank: number, shapes: Record<string, Shape>): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    fail({
      op,
      arg,
      expected: rank === 0 ? 'no axis (a scalar has none)' : `an integer axis in −${rank}…${rank - 1}`,
      actual: String(axis),
      shapes,
      hint: 'negative axes count from the end: -1 is the last axis',
    });
  }
  return a;
}

// ── flatten ──────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Merges axes `startDim…endDim` into one, as `torch.flatten` (negative dims count from the end); the default
 * `startDim = 1` keeps the batch axis, as `nn.Flatten`: `[batch, channels, height, width]` → `[batch, channels·height·width]`.
 * The result shares the values with `x` (nothing is copied).
 *
 * @param x any rank ≥ 1
 * @example
 * flatten(zeros([2, 16, 5, 5])).shape;       // [2, 400]
 * flatten(zeros([2, 3, 4, 5]), 0, 1).shape;  // [6, 4, 5]
 */
export function flatten(x: Tensor, startDim = 1, endDim = -1): Tensor {
  const op = 'flatten';
  const start = normalizeAxis(op, 'startDim', startDim, x.rank, { x: x.shape });
  const end = normalizeAxis(op, 'endDim', endDim, x.rank, { x: x.shape });
  if (start > end) {
    fail({
      op,
      arg: 'endDim',
      expected: `an axis at or after startDim (${start})`,
      actual: `${endDim} (axis ${end})`,
      shapes: { x: x.shape },
      hint: 'flatten merges the axes startDim…endDim; swap them',
    });
  }
  const merged = x.shape.slice(start, end + 1);
  const outShape = [...x.shape.slice(0, start), numel(merged), ...x.shape.slice(end + 1)];
  const out = new Tensor(x.values, outShape);
  traceOp({ op, inShape: x.shape, outShape, formula: [`${merged.join('·')} = ${numel(merged)}`] });
  return out;
}

// ── linear ───────────────────────────────────────────────────────────────────────────────────────────────────

/** `[rows, inFeatures, outFeatures]` of a linear layer, after checking `x` `[..., in]` against `w` `[out, in]`. */
function linearDims(op: string, x: Tensor, w: Tensor): [rows: number, inFeatures: number, outFeatures: number] {
  const shapes = { input: x.shape, weight: w.shape };
  checkRank(op, 'weight', w.shape, [2], '[outFeatures, inFeatures]', 'as nn.Linear.weight in PyTorch: one row of inFeatures weights per output, e.g. w.reshape([outFeatures, inFeatures])');
  if (x.rank === 0) {
    fail({ op, arg: 'input', expected: 'rank ≥ 1 ([..., inFeatures])', actual: 'rank 0', shapes, hint: 'reshape a scalar to [1]' });
  }
  const [outFeatures = 0, inFeatures = 0] = w.shape;
  if (x.shape.at(-1) !== inFeatures) {
    fail({
      op,
      arg: 'input',
      expected: `${inFeatures} features on its last axis (weight is [outFeatures, inFeatures] = ${formatShape(w.shape)})`,
      actual: `${x.shape.at(-1) ?? 0}`,
      shapes,
      hint: 'flatten the conv features first (flatten(x)), or make the weight [outFeatures, x.shape.at(-1)]',
    });
  }
  return [numel(x.shape.slice(0, -1)), inFeatures, outFeatures];
}

/**
 * A fully connected layer, as PyTorch's `F.linear`: `y = x·wᵀ + bias` on the last axis, any leading axes.
 * Multiply–adds: `rows · inFeatures · outFeatures`.
 *
 * @param x `[..., inFeatures]`
 * @param weight `[outFeatures, inFeatures]` (PyTorch's layout)
 * @param bias `[outFeatures]`, optional
 * @returns `[..., outFeatures]`
 * @example
 * linear(tensor([[1, 2, 3]]), tensor([[1, 0, -1], [0.5, 0.5, 0.5]]), tensor([10, 0])).toArray(); // [[8, 3]]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const op = 'linear';
  const [rows, inFeatures, outFeatures] = linearDims(op, x, weight);
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== outFeatures)) {
    fail({
      op,
      arg: 'bias',
      expected: `shape [${outFeatures}] (one value per output feature)`,
      actual: formatShape(bias.shape),
      shapes: { input: x.shape, weight: weight.shape, bias: bias.shape },
      hint: 'the bias of nn.Linear(in, out) has shape [out]',
    });
  }
  const outShape = [...x.shape.slice(0, -1), outFeatures];
  checkAllocation(op, outShape, { input: x.shape, weight: weight.shape });
  const y = backend().linear(x.values, weight.values, bias?.values, rows, inFeatures, outFeatures);
  traceOp({
    op,
    inShape: x.shape,
    outShape,
    formula: [`${inFeatures} → ${outFeatures} (weight [${outFeatures},${inFeatures}])`],
    params: weight.size + (bias?.size ?? 0),
    macs: rows * inFeatures * outFeatures,
  });
  return new Tensor(y.values, outShape, { op, backend: y.backend, input: x });
}

/** The gradients of {@link linearBackward}. */
export interface LinearGradients {
  /** `∂L/∂x = dy·w`, shaped like `x` `[..., inFeatures]`. */
  dx: Tensor;
  /** `∂L/∂w = dyᵀ·x` summed over every leading position, `[outFeatures, inFeatures]`. */
  dw: Tensor;
  /** `∂L/∂b = Σ dy` over every leading position, `[outFeatures]` (whether or not the forward used a bias). */
  db: Tensor;
}

/**
 * Gradients of {@link linear} w.r.t. its input, weight and bias.
 *
 * @param dy `[..., outFeatures]`, the forward output's shape
 * @param x the forward input `[..., inFeatures]`
 * @param weight the forward weight `[outFeatures, inFeatures]`
 * @example
 * const { dx, dw, db } = linearBackward(tensor([[1, 2]]), tensor([[1, 2, 3]]), tensor([[1, 0, -1], [0.5, 0.5, 0.5]]));
 * dx.toArray(); // [[2, 1, 0]]
 * dw.toArray(); // [[1, 2, 3], [2, 4, 6]]
 * db.toArray(); // [1, 2]
 */
export function linearBackward(dy: Tensor, x: Tensor, weight: Tensor): LinearGradients {
  const op = 'linearBackward';
  const [rows, inFeatures, outFeatures] = linearDims(op, x, weight);
  checkDy(op, dy, [...x.shape.slice(0, -1), outFeatures], { input: x.shape, weight: weight.shape });
  const grads = backend().linearBackward(dy.values, x.values, weight.values, rows, inFeatures, outFeatures).values;
  return {
    dx: new Tensor(grads.dx, x.shape),
    dw: new Tensor(grads.dw, weight.shape),
    db: new Tensor(grads.db, [outFeatures]),
  };
}

// ── Activations ──────────────────────────────────────────────────────────────────────────────────────────────

/** `f` of every value of `x` (in float64, rounded once), traced as `op`. */
function elementwise(op: string, x: Tensor, f: (v: number) => number): Tensor {
  const v = x.data;
  const out = new Float32Array(v.length);
  // A plain loop: typed-array `from` with a map function is several times slower in V8.
  for (let i = 0; i < v.length; i++) out[i] = f(v[i]!);
  traceOp({ op, inShape: x.shape, outShape: x.shape });
  return new Tensor(out, x.shape);
}

/** `dy ⊙ f(saved)`, after checking that `dy` and the saved forward tensor have the same shape. */
function elementwiseBackward(op: string, dy: Tensor, saved: Tensor, arg: string, f: (g: number, s: number) => number): Tensor {
  checkDy(op, dy, saved.shape, { [arg]: saved.shape });
  const [g, s] = [dy.data, saved.data];
  const dx = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) dx[i] = f(g[i]!, s[i]!);
  return new Tensor(dx, saved.shape);
}

/**
 * The logistic function `1 / (1 + e^−x)`, elementwise (as `torch.sigmoid`): `(0, 1)`, 0.5 at 0.
 * @example sigmoid(tensor([0, 2])).toArray(); // [0.5, 0.8807971] (rounded here to 7 digits)
 */
export function sigmoid(x: Tensor): Tensor {
  return elementwise('sigmoid', x, (v) => 1 / (1 + Math.exp(-v)));
}

/**
 * Gradient of {@link sigmoid} from its output `y`: `dx = dy · y · (1 − y)` (as PyTorch, which saves the output).
 * @example sigmoidBackward(tensor([1, 1]), sigmoid(tensor([0, 2]))).toArray(); // [0.25, 0.1049936] (rounded)
 */
export function sigmoidBackward(dy: Tensor, y: Tensor): Tensor {
  return elementwiseBackward('sigmoidBackward', dy, y, 'y', (g, s) => g * s * (1 - s));
}

/**
 * The hyperbolic tangent, elementwise (as `torch.tanh`): `(−1, 1)`, 0 at 0.
 * @example tanh(tensor([0, 1])).toArray(); // [0, 0.7615942] (rounded here to 7 digits)
 */
export function tanh(x: Tensor): Tensor {
  return elementwise('tanh', x, Math.tanh);
}

/**
 * Gradient of {@link tanh} from its output `y`: `dx = dy · (1 − y²)`.
 * @example tanhBackward(tensor([2, 2]), tanh(tensor([0, 1]))).toArray(); // [2, 0.8399486] (rounded)
 */
export function tanhBackward(dy: Tensor, y: Tensor): Tensor {
  return elementwiseBackward('tanhBackward', dy, y, 'y', (g, s) => g * (1 - s * s));
}

/**
 * Gradient of `relu` from its input `x`: `dy` where `x > 0`, else 0 (0 at `x = 0` and for NaN, as PyTorch).
 * @example reluBackward(tensor([5, 5, 5]), tensor([-1, 0, 2])).toArray(); // [0, 0, 5]
 */
export function reluBackward(dy: Tensor, x: Tensor): Tensor {
  return elementwiseBackward('reluBackward', dy, x, 'x', (g, s) => (s > 0 ? g : 0));
}

// ── softmax and logSoftmax ───────────────────────────────────────────────────────────────────────────────────

/**
 * Calls `visit` once per line of `shape` along `axis`, with the line's first index, its stride and its length:
 * `[outer, size, inner]` → lines at `o·size·inner + i`, step `inner`.
 */
function eachLine(shape: Shape, axis: number, visit: (start: number, stride: number, size: number) => void): void {
  const size = shape[axis] ?? 1;
  const inner = numel(shape.slice(axis + 1));
  const outer = numel(shape.slice(0, axis));
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) visit(o * size * inner + i, inner, size);
}

/**
 * The max and `Σ e^(v − max)` of a line (subtracting the max first keeps every exponent ≤ 0, so large logits
 * cannot overflow); the line's log-sum-exp is `max + log(sum)`.
 */
function lineExpSum(v: Float32Array, start: number, stride: number, size: number): { max: number; sum: number } {
  let max = -Infinity;
  for (let j = 0; j < size; j++) max = Math.max(max, v[start + j * stride]!);
  let sum = 0;
  for (let j = 0; j < size; j++) sum += Math.exp(v[start + j * stride]! - max);
  return { max, sum };
}

/** The values of softmax (`log = false`) or logSoftmax of `x` along axis `a` (checked). */
function softmaxValues(x: Tensor, a: number, log: boolean): Float32Array {
  const v = x.data;
  const out = new Float32Array(v.length);
  eachLine(x.shape, a, (start, stride, size) => {
    const { max, sum } = lineExpSum(v, start, stride, size);
    const logSum = Math.log(sum);
    for (let j = 0; j < size; j++) {
      const shifted = v[start + j * stride]! - max;
      out[start + j * stride] = log ? shifted - logSum : Math.exp(shifted) / sum;
    }
  });
  return out;
}

/** The op softmax or logSoftmax: checks the axis, computes, traces. */
function softmaxOp(op: string, x: Tensor, axis: number, log: boolean): Tensor {
  const out = softmaxValues(x, normalizeAxis(op, 'axis', axis, x.rank, { x: x.shape }), log);
  traceOp({ op, inShape: x.shape, outShape: x.shape });
  return new Tensor(out, x.shape);
}

/**
 * `e^x / Σ e^x` along `axis` (default the last), as `F.softmax`: every line sums to 1. Computed as
 * `e^(x − max)` so large logits do not overflow.
 *
 * @param x any rank ≥ 1, e.g. logits `[batch, classes]`
 * @example softmax(tensor([[1, 2, 3]])).toArray(); // [[0.0900306, 0.2447285, 0.6652409]] (float32, rounded here to 7 digits)
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp('softmax', x, axis, false);
}

/**
 * `x − log Σ e^x` along `axis` (default the last), as `F.log_softmax`: the log of {@link softmax}, computed as
 * `(x − max) − log Σ e^(x − max)`, so it stays finite where `log(softmax(x))` would give `−Infinity`.
 *
 * @example logSoftmax(tensor([[0, 0], [0, 1000]])).toArray(); // [[-0.6931472, -0.6931472], [-1000, 0]] (rounded)
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp('logSoftmax', x, axis, true);
}

/** The backward of softmax or logSoftmax along `axis`, from the forward output `y`. */
function softmaxGradient(op: string, dy: Tensor, y: Tensor, axis: number, log: boolean): Tensor {
  const a = normalizeAxis(op, 'axis', axis, y.rank, { y: y.shape });
  checkDy(op, dy, y.shape, { y: y.shape });
  const [g, s] = [dy.data, y.data];
  const dx = new Float32Array(g.length);
  eachLine(y.shape, a, (start, stride, size) => {
    // softmax: dx = y·(dy − Σ dy·y); logSoftmax: dx = dy − e^y·Σ dy.
    let dot = 0;
    for (let j = 0; j < size; j++) dot += g[start + j * stride]! * (log ? 1 : s[start + j * stride]!);
    for (let j = 0; j < size; j++) {
      const i = start + j * stride;
      dx[i] = log ? g[i]! - Math.exp(s[i]!) * dot : s[i]! * (g[i]! - dot);
    }
  });
  return new Tensor(dx, y.shape);
}

/**
 * Gradient of {@link softmax} from its output `y`: `dx = y ⊙ (dy − Σ_axis dy ⊙ y)`.
 * @example softmaxBackward(tensor([1, 0]), softmax(tensor([0, 0])), 0).toArray(); // [0.25, -0.25]
 */
export function softmaxBackward(dy: Tensor, y: Tensor, axis = -1): Tensor {
  return softmaxGradient('softmaxBackward', dy, y, axis, false);
}

/**
 * Gradient of {@link logSoftmax} from its output `y`: `dx = dy − e^y ⊙ Σ_axis dy`.
 * @example logSoftmaxBackward(tensor([1, 0]), logSoftmax(tensor([0, 0])), 0).toArray(); // [0.5, -0.5]
 */
export function logSoftmaxBackward(dy: Tensor, y: Tensor, axis = -1): Tensor {
  return softmaxGradient('logSoftmaxBackward', dy, y, axis, true);
}

// ── crossEntropy ─────────────────────────────────────────────────────────────────────────────────────────────

/** Options of {@link crossEntropy} (PyTorch's `F.cross_entropy` names, camel-cased). */
export interface CrossEntropyOptions {
  /** `'mean'` (default) over the batch, `'sum'`, or `'none'`: one loss per sample `[batch]`. */
  reduction?: 'mean' | 'sum' | 'none';
  /** ε in `[0, 1]`: the target becomes `(1 − ε)·onehot + ε/classes` (default 0). */
  labelSmoothing?: number;
}

/** Class indices: a tensor `[batch]` of integers, or a plain list. */
export type ClassTargets = Tensor | readonly number[];

interface CheckedLoss {
  batch: number;
  classes: number;
  labels: Int32Array;
  reduction: 'mean' | 'sum' | 'none';
  smoothing: number;
  lossShape: Shape;
}

const REDUCTIONS = ['mean', 'sum', 'none'] as const;

/** Checks logits `[batch, classes]`, the targets (count, integrality, range) and the options. */
function checkLoss(op: string, logits: Tensor, target: ClassTargets, options: CrossEntropyOptions): CheckedLoss {
  checkOptionKeys(op, 'options', options, OPTION_KEYS.CrossEntropyOptions);
  checkRank(op, 'logits', logits.shape, [2], '[batch, classes]', 'one row of class scores per example: flatten(logits) or logits.reshape([batch, classes])');
  const [batch = 0, classes = 0] = logits.shape;
  if (!(target instanceof Tensor) && !Array.isArray(target)) {
    fail({
      op,
      arg: 'target',
      expected: `${batch} class indices: a tensor [${batch}] or a list of integers`,
      actual: target === null ? 'null' : typeof target,
      shapes: { logits: logits.shape },
      hint: 'pass the class index of each sample, e.g. [3, 0, 7]',
    });
  }
  const values = target instanceof Tensor ? target.data : target;
  const targetShape = target instanceof Tensor ? target.shape : [target.length];
  const shapes = { logits: logits.shape, target: targetShape };
  if (targetShape.length !== 1 || values.length !== batch) {
    fail({
      op,
      arg: 'target',
      expected: `${batch} class indices, shape [${batch}] (one per row of logits)`,
      actual: `shape ${formatShape(targetShape)}`,
      shapes,
      hint: 'pass the class index of each sample, e.g. [3, 0, 7], not one-hot rows',
    });
  }
  const labels = new Int32Array(batch);
  for (let n = 0; n < batch; n++) {
    const t = values[n]!;
    if (!Number.isInteger(t) || t < 0 || t >= classes) {
      fail({
        op,
        arg: `target[${n}]`,
        expected: `an integer class index in 0…${classes - 1}`,
        actual: String(t),
        shapes,
        hint: Number.isInteger(t) ? `logits has ${classes} classes; labels count from 0` : 'targets are class indices, not probabilities',
      });
    }
    labels[n] = t;
  }
  const { reduction = 'mean', labelSmoothing = 0 } = options;
  if (!REDUCTIONS.includes(reduction)) {
    fail({
      op,
      arg: 'options.reduction',
      expected: "'mean', 'sum' or 'none'",
      actual: JSON.stringify(reduction) ?? String(reduction),
      shapes,
      hint: "'mean' (the default) averages over the batch, 'sum' adds, 'none' keeps one loss per sample",
    });
  }
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    fail({
      op,
      arg: 'options.labelSmoothing',
      expected: 'a number in 0…1',
      actual: String(labelSmoothing),
      shapes,
      hint: 'typical values are 0 (off) to 0.1',
    });
  }
  return { batch, classes, labels, reduction, smoothing: labelSmoothing, lossShape: reduction === 'none' ? [batch] : [] };
}

/**
 * The cross-entropy loss of logits against class indices, as `F.cross_entropy` (log-softmax and negative
 * log-likelihood in one stable pass): per sample `−(1 − ε)·logp[target] − ε/C·Σ_c logp[c]`, then the mean over
 * the batch (default), the sum, or each sample's loss.
 *
 * @param logits `[batch, classes]`, unnormalised scores (no softmax before it)
 * @param target `[batch]` integer class indices in `0…classes−1`, a tensor or a list
 * @returns a scalar `[]` (`'mean'`, `'sum'`) or `[batch]` (`'none'`)
 * @example
 * crossEntropy(tensor([[2, 0], [0, 0]]), [0, 1]).toArray();                       // 0.4100376 (rounded)
 * crossEntropy(tensor([[2, 0], [0, 0]]), [0, 1], { reduction: 'none' }).toArray(); // [0.1269280, 0.6931472] (rounded)
 */
export function crossEntropy(logits: Tensor, target: ClassTargets, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const { batch, classes, labels, reduction, smoothing, lossShape } = checkLoss(op, logits, target, options);
  const v = logits.data;
  const losses = new Float64Array(batch);
  for (let n = 0; n < batch; n++) {
    const { max, sum } = lineExpSum(v, n * classes, 1, classes);
    const logSumExp = max + Math.log(sum);
    let meanLogp = 0;
    for (let c = 0; c < classes; c++) meanLogp += v[n * classes + c]! - logSumExp;
    const targetLogp = v[n * classes + labels[n]!]! - logSumExp;
    losses[n] = -(1 - smoothing) * targetLogp - (smoothing * meanLogp) / classes;
  }
  const total = losses.reduce((a, b) => a + b, 0);
  const out = reduction === 'none' ? Float32Array.from(losses) : Float32Array.of(reduction === 'sum' ? total : total / batch);
  traceOp({ op, inShape: logits.shape, outShape: lossShape });
  return new Tensor(out, lossShape);
}

/**
 * Gradient of {@link crossEntropy} w.r.t. the logits: `dlogits[n, c] = g_n · (softmax[n, c] − (1 − ε)·[c = target_n] − ε/C)`,
 * with `g_n` the loss gradient of sample `n` (`dy/batch` for `'mean'`). The first step of backpropagation.
 *
 * @param dy the loss gradient, shaped like the loss (`[]`, or `[batch]` for `'none'`); default 1 everywhere
 * @returns `[batch, classes]`, like `logits`
 * @example
 * crossEntropyBackward(tensor([[0, 0]]), [1]).toArray(); // [[0.5, -0.5]]
 */
export function crossEntropyBackward(logits: Tensor, target: ClassTargets, options: CrossEntropyOptions = {}, dy?: Tensor): Tensor {
  const op = 'crossEntropyBackward';
  const { batch, classes, labels, reduction, smoothing, lossShape } = checkLoss(op, logits, target, options);
  if (dy !== undefined) checkDy(op, dy, lossShape, { logits: logits.shape });
  const g = dy?.data;
  const probabilities = softmaxValues(logits, 1, false);
  const dx = new Float32Array(batch * classes);
  for (let n = 0; n < batch; n++) {
    const scale = (g ? g[reduction === 'none' ? n : 0]! : 1) / (reduction === 'mean' ? batch : 1);
    for (let c = 0; c < classes; c++) {
      const wanted = (c === labels[n] ? 1 - smoothing : 0) + smoothing / classes;
      dx[n * classes + c] = scale * (probabilities[n * classes + c]! - wanted);
    }
  }
  return new Tensor(dx, logits.shape);
}
