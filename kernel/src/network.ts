/**
 * A small network from the layer specs {@link traceShapes} takes, run on data and trained, as PyTorch's
 * `nn.Sequential` with `torch.optim.SGD` (kernel/docs/semantics.md, "Layers, losses and training"):
 *
 * ```ts
 * const net = sequential(lenet5, { inputShape: [1, 1, 28, 28], seed: 0 });
 * const opt = sgd(net.parameters(), { lr: 0.05, momentum: 0.9 });
 * const logits = net.forward(images);                       // net.trace: the shapes of what ran
 * net.backward(crossEntropyBackward(logits, labels));      // accumulates every parameter's grad
 * opt.step(); opt.zeroGrad();
 * ```
 *
 * Each layer runs the library's public op (conv2d, maxPool2d, lpPool1d, adaptiveAvgPool3d, linear, …) and
 * backpropagates through that op's backward (conv2dBackward, maxPool2dBackward, lpPool1dBackward, linearBackward,
 * …), so the network computes exactly what the same calls made by hand compute, on whichever backend is selected.
 * Every conv and pool layer in 1 to 3 spatial axes trains; leakyRelu and gelu layers have shapes in traceShapes
 * but no op to run.
 */
import { JUPYTER_DISPLAY, type MimeBundle } from './display/protocol';
import { ConvLabError, fail, formatShape } from './errors';
import { conv1d, conv2d, conv3d } from './ops/conv';
import { relu } from './ops/elementwise';
import {
  adaptiveAvgPool1dBackward,
  adaptiveAvgPool2dBackward,
  adaptiveAvgPool3dBackward,
  adaptiveMaxPool1dBackward,
  adaptiveMaxPool2dBackward,
  adaptiveMaxPool3dBackward,
  avgPool1dBackward,
  avgPool2dBackward,
  avgPool3dBackward,
  conv1dBackward,
  conv2dBackward,
  conv3dBackward,
  lpPool1dBackward,
  lpPool2dBackward,
  lpPool3dBackward,
  maxPool1dBackward,
  maxPool2dBackward,
  maxPool3dBackward,
} from './ops/grad';
import {
  flatten,
  linear,
  linearBackward,
  logSoftmax,
  logSoftmaxBackward,
  reluBackward,
  sigmoid,
  sigmoidBackward,
  softmax,
  softmaxBackward,
  tanh,
  tanhBackward,
} from './ops/nn';
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  globalAvgPool,
  globalMaxPool,
  lpPool1d,
  lpPool2d,
  lpPool3d,
  maxPool1d,
  maxPool2d,
  maxPool3d,
} from './ops/pool';
import {
  checkCount,
  checkFinite,
  checkOptionKeys,
  checkShape,
  OPTION_KEYS,
  type AdaptiveOutputSize,
  type AvgPoolOptions,
  type ConvOptions,
  type LpPoolOptions,
  type MaxPoolOptions,
  type Shape,
} from './shapes';
import { Tensor, numel, rand, zeros } from './tensor';
import { recordShapes, ShapeTrace, traceOp, traceShapes, type LayerSpec } from './trace';
import type { AdaptivePoolLayerSpec, AvgPoolLayerSpec, ConvLayerSpec, GlobalPoolLayerSpec, LpPoolLayerSpec, MaxPoolLayerSpec } from './trace';

/** A trainable tensor: its PyTorch `state_dict` name (`'0.weight'`), its value, and its accumulated gradient. */
export interface Parameter {
  /** `'<layer index>.weight'` or `'<layer index>.bias'`, as PyTorch's `state_dict` of an `nn.Sequential`. */
  readonly name: string;
  /** The current value; the optimizer replaces it with a new tensor at each step (tensors are never written). */
  value: Tensor;
  /** `∂loss/∂value` summed over the backward calls since the last `zeroGrad()`; shaped like `value`. */
  grad: Tensor;
}

/** Options of {@link sequential}. */
export interface SequentialOptions {
  /**
   * The input shape with a batch size, e.g. `[1, 1, 28, 28]` (the batch may differ at `forward`). Given, the
   * parameters are made at once; omitted, on the first `forward` (the input channels of a conv and the
   * features of a linear layer come from the shapes).
   */
  inputShape?: Shape;
  /** Seed of the parameters' initial values (default 0): the same seed gives the same network everywhere. */
  seed?: number;
  /** Title of `summary()` and `trace`. */
  title?: string;
}

/**
 * One layer of a {@link Sequential}: its spec and, for conv and linear layers, its parameters.
 * @example
 * const net = sequential([{ op: 'conv2d', outChannels: 6, kernel: 5 }, { op: 'relu' }], { inputShape: [1, 1, 28, 28] });
 * net.layers[0].weight?.shape; // [6, 1, 5, 5]: the filters, e.g. display(net.layers[0].weight)
 * net.layers[1].weight;        // undefined
 */
export class Layer {
  /** The layer's position, the prefix of its parameters' names. */
  readonly index: number;
  readonly spec: LayerSpec;
  /** The weight parameter (conv, linear), with its gradient. */
  readonly weightParameter: Parameter | undefined;
  /** The bias parameter, when the layer has one. */
  readonly biasParameter: Parameter | undefined;

  constructor(index: number, spec: LayerSpec, weight?: Parameter, bias?: Parameter) {
    this.index = index;
    this.spec = spec;
    this.weightParameter = weight;
    this.biasParameter = bias;
  }

  /** The current weight: `[outChannels, inChannels/groups, ...kernel]` (conv) or `[outFeatures, inFeatures]` (linear). */
  get weight(): Tensor | undefined {
    return this.weightParameter?.value;
  }

  /** The current bias `[outChannels]` / `[outFeatures]`. */
  get bias(): Tensor | undefined {
    return this.biasParameter?.value;
  }
}

/** What a layer's backward needs from its forward: its input and output. */
interface Saved {
  x: Tensor;
  y: Tensor;
}

/** The conv options of a conv layer spec: what is left after the layer's own keys. */
function convOptions(spec: ConvLayerSpec): ConvOptions {
  const { op: _op, name: _name, outChannels: _out, kernel: _kernel, bias: _bias, ...options } = spec;
  return options;
}

// ── Pool layers: one table per family, from op name to the public op and its backward ───────────────────────

/** A pool layer with a window (max, average, LP) in 1 to 3 spatial axes. */
type WindowPoolLayerSpec = MaxPoolLayerSpec | AvgPoolLayerSpec | LpPoolLayerSpec;

/** Every pool layer. */
type PoolLayerSpec = WindowPoolLayerSpec | AdaptivePoolLayerSpec | GlobalPoolLayerSpec;

/**
 * A windowed pool's op and backward, called with its spec's kernel and options. Method syntax on purpose: each
 * entry's op types its kernel for its rank (`readonly [number]` in 1-D) and its options for its family, which
 * method parameters accept; the spec the entry is picked by is that op's spec, so the arguments fit, and the op
 * checks the kernel's length as it checks any caller's.
 */
interface WindowPool {
  forward(x: Tensor, kernel: number | readonly number[], options: AnyPoolOptions): Tensor;
  backward(dy: Tensor, x: Tensor, kernel: number | readonly number[], options: AnyPoolOptions): Tensor;
}

/** Every windowed pool's options at once: each entry reads its family's keys from its own spec's options. */
type AnyPoolOptions = MaxPoolOptions & AvgPoolOptions & LpPoolOptions;

/** An adaptive pool's op and backward, called with its spec's `outputSize` (method syntax as {@link WindowPool}). */
interface AdaptivePool {
  forward(x: Tensor, outputSize: AdaptiveOutputSize): Tensor;
  backward(dy: Tensor, x: Tensor, outputSize: AdaptiveOutputSize): Tensor;
}

const WINDOW_POOLS: Record<WindowPoolLayerSpec['op'], WindowPool> = {
  maxPool1d: { forward: maxPool1d, backward: maxPool1dBackward },
  maxPool2d: { forward: maxPool2d, backward: maxPool2dBackward },
  maxPool3d: { forward: maxPool3d, backward: maxPool3dBackward },
  avgPool1d: { forward: avgPool1d, backward: avgPool1dBackward },
  avgPool2d: { forward: avgPool2d, backward: avgPool2dBackward },
  avgPool3d: { forward: avgPool3d, backward: avgPool3dBackward },
  lpPool1d: { forward: lpPool1d, backward: lpPool1dBackward },
  lpPool2d: { forward: lpPool2d, backward: lpPool2dBackward },
  lpPool3d: { forward: lpPool3d, backward: lpPool3dBackward },
};

const ADAPTIVE_POOLS: Record<AdaptivePoolLayerSpec['op'], AdaptivePool> = {
  adaptiveAvgPool1d: { forward: adaptiveAvgPool1d, backward: adaptiveAvgPool1dBackward },
  adaptiveAvgPool2d: { forward: adaptiveAvgPool2d, backward: adaptiveAvgPool2dBackward },
  adaptiveAvgPool3d: { forward: adaptiveAvgPool3d, backward: adaptiveAvgPool3dBackward },
  adaptiveMaxPool1d: { forward: adaptiveMaxPool1d, backward: adaptiveMaxPool1dBackward },
  adaptiveMaxPool2d: { forward: adaptiveMaxPool2d, backward: adaptiveMaxPool2dBackward },
  adaptiveMaxPool3d: { forward: adaptiveMaxPool3d, backward: adaptiveMaxPool3dBackward },
};

/**
 * A global pool's op, and the adaptive pool whose backward is its backward: a global pool is the adaptive pool
 * to size 1 (kernel/docs/semantics.md §5.5) of whichever rank its input has (1 to 3 spatial axes), and one bin
 * over a whole plane picks the same maximum whether the plane is read flat (the forward) or axis by axis.
 */
const GLOBAL_POOLS: Record<GlobalPoolLayerSpec['op'], { forward(x: Tensor): Tensor; adaptive: readonly AdaptivePool[] }> = {
  globalAvgPool: { forward: globalAvgPool, adaptive: [ADAPTIVE_POOLS.adaptiveAvgPool1d, ADAPTIVE_POOLS.adaptiveAvgPool2d, ADAPTIVE_POOLS.adaptiveAvgPool3d] },
  globalMaxPool: { forward: globalMaxPool, adaptive: [ADAPTIVE_POOLS.adaptiveMaxPool1d, ADAPTIVE_POOLS.adaptiveMaxPool2d, ADAPTIVE_POOLS.adaptiveMaxPool3d] },
};

function isPool(spec: LayerSpec): spec is PoolLayerSpec {
  return Object.hasOwn(WINDOW_POOLS, spec.op) || Object.hasOwn(ADAPTIVE_POOLS, spec.op) || Object.hasOwn(GLOBAL_POOLS, spec.op);
}

/** A pool layer's forward and backward, bound to its spec's arguments. */
interface PoolLayer {
  forward(x: Tensor): Tensor;
  backward(dy: Tensor, x: Tensor): Tensor;
}

/** The op and backward of a pool layer, from its family's table. */
function poolLayer(spec: PoolLayerSpec): PoolLayer {
  if ('kernel' in spec) {
    const pool = WINDOW_POOLS[spec.op];
    // The window options: what is left after `op`, `name` and `kernel`.
    const { op: _op, name: _name, kernel, ...options } = spec;
    return { forward: (x) => pool.forward(x, kernel, options), backward: (dy, x) => pool.backward(dy, x, kernel, options) };
  }
  if ('outputSize' in spec) {
    const pool = ADAPTIVE_POOLS[spec.op];
    return { forward: (x) => pool.forward(x, spec.outputSize), backward: (dy, x) => pool.backward(dy, x, spec.outputSize) };
  }
  const pool = GLOBAL_POOLS[spec.op];
  // The forward took only inputs with 1 to 3 spatial axes (rank 3 to 5), so the adaptive pool of the rank exists.
  return { forward: pool.forward, backward: (dy, x) => pool.adaptive[x.rank - 3]!.backward(dy, x, 1) };
}

/**
 * The ops whose layer can backpropagate: every conv and pool, the activations but leakyRelu and gelu (which the
 * network cannot run yet), flatten, linear, dropout and identity. Every layer `forwardLayer` runs is here now;
 * `backward` still checks against it first, so an op added to the forward alone is refused before any gradient
 * changes rather than half-way through.
 */
const BACKWARD_OPS: readonly string[] = [
  'conv1d',
  'conv2d',
  'conv3d',
  ...Object.keys(WINDOW_POOLS),
  ...Object.keys(ADAPTIVE_POOLS),
  ...Object.keys(GLOBAL_POOLS),
  'relu',
  'sigmoid',
  'tanh',
  'softmax',
  'logSoftmax',
  'dropout',
  'identity',
  'flatten',
  'linear',
];

/** Runs one layer's op. */
function forwardLayer(layer: Layer, x: Tensor): Tensor {
  const { spec } = layer;
  if (isPool(spec)) return poolLayer(spec).forward(x);
  switch (spec.op) {
    case 'conv1d':
    case 'conv2d':
    case 'conv3d': {
      const conv = { conv1d, conv2d, conv3d }[spec.op];
      const bias = layer.bias;
      return conv(x, layer.weight!, { ...convOptions(spec), ...(bias ? { bias } : {}) });
    }
    case 'relu':
      return relu(x);
    case 'sigmoid':
      return sigmoid(x);
    case 'tanh':
      return tanh(x);
    case 'softmax':
      return softmax(x);
    case 'logSoftmax':
      return logSoftmax(x);
    case 'dropout':
    case 'identity':
      // The dropout spec has no rate: the network runs it as PyTorch's eval mode does (the identity).
      return x;
    case 'flatten':
      return flatten(x);
    case 'linear':
      return linear(x, layer.weight!, layer.bias);
    default:
      // leakyRelu, gelu: traceShapes knows their shapes, but the library has no op to run them yet.
      return fail({
        op: 'sequential',
        arg: `layers[${layer.index}].op`,
        expected: 'a layer the network can run (conv, pools, activations, softmax, flatten, linear, dropout, identity)',
        actual: `'${spec.op}' (traceShapes knows its shape, but sequential has no op to run it)`,
        shapes: { input: x.shape },
        hint: "use { op: 'relu' } or { op: 'tanh' } for an activation",
      });
  }
}

/** Adds `g` to a parameter's gradient (a new tensor: the old one may be held by the notebook). */
function accumulate(parameter: Parameter | undefined, g: Tensor): void {
  if (!parameter) return;
  const [sum, add] = [parameter.grad.data, g.data];
  const next = new Float32Array(sum.length);
  for (let i = 0; i < next.length; i++) next[i] = sum[i]! + add[i]!;
  parameter.grad = new Tensor(next, parameter.grad.shape);
}

/** One layer's backward: `dx` from `dy`, accumulating its parameters' gradients. */
function backwardLayer(layer: Layer, dy: Tensor, { x, y }: Saved): Tensor {
  const { spec } = layer;
  if (isPool(spec)) return poolLayer(spec).backward(dy, x);
  switch (spec.op) {
    case 'conv1d':
    case 'conv2d':
    case 'conv3d': {
      const convBackward = { conv1d: conv1dBackward, conv2d: conv2dBackward, conv3d: conv3dBackward }[spec.op];
      const grads = convBackward(dy, x, layer.weight!, convOptions(spec));
      accumulate(layer.weightParameter, grads.dw);
      accumulate(layer.biasParameter, grads.db);
      return grads.dx;
    }
    case 'linear': {
      const grads = linearBackward(dy, x, layer.weight!);
      accumulate(layer.weightParameter, grads.dw);
      accumulate(layer.biasParameter, grads.db);
      return grads.dx;
    }
    case 'relu':
      return reluBackward(dy, x);
    case 'sigmoid':
      return sigmoidBackward(dy, y);
    case 'tanh':
      return tanhBackward(dy, y);
    case 'softmax':
      return softmaxBackward(dy, y);
    case 'logSoftmax':
      return logSoftmaxBackward(dy, y);
    case 'dropout':
    case 'identity':
      return dy;
    case 'flatten':
      return dy.reshape(x.shape);
    default:
      throw new Error(`internal: no backward for '${spec.op}', yet it is in BACKWARD_OPS`);
  }
}

/** Adds where a failing layer sits to an op's error; other errors pass unchanged. */
function inLayer(error: unknown, layer: Layer): unknown {
  if (!(error instanceof ConvLabError)) return error;
  const where = `raised by layer ${layer.index} ('${layer.spec.op}') of the sequential`;
  return new ConvLabError({ ...error, shapes: error.shapes, hint: error.hint ? `${error.hint}; ${where}` : where });
}

/**
 * A network of layers run in order: `forward`, `backward`, its `parameters()` for an optimizer, `summary()`,
 * and the shapes of the last forward (`trace`). Made by {@link sequential}.
 * @example
 * const net = sequential([{ op: 'flatten' }, { op: 'linear', outFeatures: 2 }], { inputShape: [1, 3] });
 * const logits = net.forward(tensor([[1, 2, 3]]));          // [1, 2]
 * net.backward(crossEntropyBackward(logits, [1])).shape;    // [1, 3]: the input's gradient
 * net.parameters().map((p) => p.grad.shape);                // [[2, 3], [2]]
 */
export class Sequential {
  /** The layer specs, as given. */
  readonly specs: readonly LayerSpec[];
  readonly title: string;
  readonly #seed: number;
  #layers: Layer[] | undefined;
  #inputShape: Shape | undefined;
  #saved: Saved[] | undefined;
  #trace: ShapeTrace | undefined;

  constructor(specs: readonly LayerSpec[], options: SequentialOptions) {
    this.specs = [...specs];
    this.title = options.title ?? '';
    this.#seed = options.seed ?? 0;
    if (options.inputShape !== undefined) this.#build(options.inputShape);
  }

  /** The shape trace of the last `forward`: one row per op that ran, named as its layer (undefined before). */
  get trace(): ShapeTrace | undefined {
    return this.#trace;
  }

  /** The layers with their parameters (`net.layers[0].weight` is the first conv's filters). */
  get layers(): readonly Layer[] {
    return this.#built('layers');
  }

  /** Every parameter in PyTorch's `state_dict` order: `'0.weight'`, `'0.bias'`, `'3.weight'`, … */
  parameters(): Parameter[] {
    return this.#built('parameters').flatMap((layer) =>
      [layer.weightParameter, layer.biasParameter].filter((p): p is Parameter => p !== undefined),
    );
  }

  /** Sets every parameter's gradient to zeros. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = zeros(p.value.shape);
  }

  /**
   * Runs the layers on `x` with the current backend, keeps each layer's input and output for `backward`, and
   * records the shapes of what ran in `trace`. An op's error names the layer that raised it.
   *
   * @param x `[batch, ...]` as `inputShape` (any batch size)
   * @returns the last layer's output, e.g. logits `[batch, classes]`
   */
  forward(x: Tensor): Tensor {
    const layers = this.#layers ?? this.#build(x.shape);
    const saved: Saved[] = [];
    const rowNames: string[] = [];
    let failure: { error: unknown } | undefined;
    let out = x;
    const recorded = recordShapes(
      () => {
        for (const layer of layers) {
          const input = out;
          let output: Tensor | undefined;
          const rows = recordShapes(() => {
            try {
              output = forwardLayer(layer, input);
            } catch (error) {
              failure = { error: inLayer(error, layer) };
            }
          }).rows.length;
          if (failure || !output) return;
          // Ops that record no row of their own (relu, identity) still get one, so every layer shows.
          if (rows === 0) traceOp({ op: layer.spec.op, inShape: input.shape, outShape: output.shape });
          rowNames.push(...Array<string>(Math.max(rows, 1)).fill(layer.spec.name ?? ''));
          saved.push({ x: input, y: output });
          out = output;
        }
      },
      { title: this.title },
    );
    if (failure) throw failure.error;
    this.#saved = saved;
    this.#trace = new ShapeTrace({
      source: recorded.source,
      title: recorded.title,
      inputShape: x.shape,
      rows: recorded.rows.map((row, i) => ({ ...row, name: rowNames[i] || row.name })),
      backend: recorded.backend,
    });
    return out;
  }

  /**
   * Backpropagates `dOut` (the loss gradient w.r.t. the last `forward`'s output) through every layer, adding
   * each parameter's gradient to its `grad` (as PyTorch, gradients accumulate until `zeroGrad()`).
   *
   * @param dOut shaped like the last forward's output, e.g. `crossEntropyBackward(logits, labels)`
   * @returns the gradient w.r.t. the forward's input (a saliency map for images)
   */
  backward(dOut: Tensor): Tensor {
    const op = 'Sequential.backward';
    const saved = this.#saved;
    const layers = this.#layers;
    if (!saved || !layers) {
      return fail({ op, arg: 'dOut', expected: 'a forward call before backward', actual: 'no forward yet', hint: 'call net.forward(x) first' });
    }
    const outShape = saved.at(-1)?.y.shape ?? [];
    if (dOut.rank !== outShape.length || dOut.shape.some((size, i) => size !== outShape[i])) {
      fail({
        op,
        arg: 'dOut',
        expected: `shape ${formatShape(outShape)} (the last forward output's shape)`,
        actual: formatShape(dOut.shape),
        shapes: { dOut: dOut.shape, output: outShape },
        hint: 'pass the loss gradient w.r.t. the output, e.g. crossEntropyBackward(logits, labels)',
      });
    }
    // Checked before any gradient is touched, so a failing backward leaves every grad as it was.
    for (const layer of layers) {
      if (!BACKWARD_OPS.includes(layer.spec.op)) {
        const { x, y } = saved[layer.index]!;
        fail({
          op,
          arg: `layers[${layer.index}]`,
          expected: `a layer with a backward: ${BACKWARD_OPS.join(', ')}`,
          actual: `'${layer.spec.op}'`,
          shapes: { input: x.shape, output: y.shape },
          hint: `replace layer ${layer.index} with one of those`,
        });
      }
    }
    let dy = dOut;
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i]!;
      try {
        dy = backwardLayer(layer, dy, saved[i]!);
      } catch (error) {
        throw inLayer(error, layer);
      }
    }
    return dy;
  }

  /** The shapes layer by layer without data (`traceShapes` of the specs on the input shape), like Keras' `summary()`. */
  summary(): ShapeTrace {
    const inputShape = this.#inputShape;
    if (!inputShape) {
      return fail({
        op: 'Sequential.summary',
        arg: 'inputShape',
        expected: 'a known input shape',
        actual: 'none yet',
        hint: 'pass { inputShape } to sequential, or call forward once',
      });
    }
    return traceShapes(inputShape, this.specs, { title: this.title });
  }

  /** The summary as a text table. */
  toString(): string {
    return this.#inputShape ? this.summary().toString() : this.#pending();
  }

  /** Jupyter display: the summary's table (the extension draws it as a shape trace). */
  [JUPYTER_DISPLAY](): MimeBundle {
    return this.#inputShape
      ? this.summary()[JUPYTER_DISPLAY]()
      : { data: { 'text/plain': this.#pending() }, metadata: {} };
  }

  #pending(): string {
    return `Sequential of ${this.specs.length} layers (${this.specs.map((s) => s.op).join(', ')}); shapes and parameters are known after the first forward`;
  }

  #built(what: string): Layer[] {
    if (this.#layers) return this.#layers;
    return fail({
      op: 'Sequential',
      arg: what,
      expected: 'a network whose input shape is known',
      actual: 'no inputShape and no forward yet',
      hint: 'pass { inputShape: [1, channels, height, width] } to sequential, or call forward once first',
    });
  }

  /**
   * Makes the layers and their parameters for `inputShape`: checks every spec through traceShapes, then draws
   * every parameter, in `state_dict` order, from one seeded uniform stream, scaled to PyTorch's default
   * `U(−1/√fanIn, 1/√fanIn)` (kaiming_uniform with a = √5 for weights, the same bound for biases).
   */
  #build(inputShape: Shape): Layer[] {
    checkShape('sequential', 'options.inputShape', inputShape);
    const trace = traceShapes(inputShape, this.specs);
    const failed = trace.rows.find((row) => row.error !== undefined);
    if (failed) {
      fail({
        op: 'sequential',
        arg: `layers[${failed.index}]`,
        expected: `a '${failed.op}' layer that fits its input ${formatShape(failed.inShape)}`,
        actual: failed.error ?? '',
        shapes: { inputShape },
        hint: 'summary() or traceShapes(inputShape, layers) shows the shapes up to that layer',
      });
    }
    const wanted = trace.rows.map((row, i) => {
      const spec = this.specs[i]!;
      if (spec.op === 'linear') {
        const inFeatures = row.inShape.at(-1) ?? 0;
        return { spec, weight: [spec.outFeatures, inFeatures], bias: spec.bias ?? true, fanIn: inFeatures };
      }
      if (spec.op === 'conv1d' || spec.op === 'conv2d' || spec.op === 'conv3d') {
        const weight = [spec.outChannels, (row.inShape[1] ?? 0) / row.groups, ...row.kernel];
        return { spec, weight, bias: spec.bias ?? true, fanIn: numel(weight.slice(1)) };
      }
      return { spec, weight: undefined, bias: false, fanIn: 0 };
    });
    const total = wanted.reduce((n, w) => n + (w.weight ? numel(w.weight) : 0) + (w.bias ? (w.weight?.[0] ?? 0) : 0), 0);
    const stream = rand([total], { seed: this.#seed, low: -1, high: 1 }).data;
    let next = 0;
    const parameter = (name: string, shape: Shape, bound: number): Parameter => {
      const value = Float32Array.from(stream.subarray(next, next + numel(shape)), (u) => u * bound);
      next += numel(shape);
      return { name, value: new Tensor(value, shape), grad: zeros(shape) };
    };
    this.#layers = wanted.map(({ spec, weight, bias, fanIn }, i) => {
      if (!weight) return new Layer(i, spec);
      const bound = 1 / Math.sqrt(Math.max(1, fanIn));
      const w = parameter(`${i}.weight`, weight, bound);
      return new Layer(i, spec, w, bias ? parameter(`${i}.bias`, [weight[0] ?? 0], bound) : undefined);
    });
    this.#inputShape = [...inputShape];
    return this.#layers;
  }
}

/**
 * A network of `layers` (the specs {@link traceShapes} takes) with PyTorch's default initialisation, seeded.
 * Conv and linear layers read their input channels / features from the shapes: from `inputShape`, or from the
 * first `forward` when it is omitted (then `parameters()` waits for that forward).
 *
 * @example
 * const net = sequential(
 *   [{ op: 'flatten' }, { op: 'linear', outFeatures: 3 }, { op: 'relu' }, { op: 'linear', outFeatures: 2 }],
 *   { inputShape: [1, 1, 2, 2], seed: 0 },
 * );
 * net.parameters().map((p) => `${p.name} ${p.value.shape.join('×')}`); // ['1.weight 3×4', '1.bias 3', '3.weight 2×3', '3.bias 2']
 * net.forward(zeros([5, 1, 2, 2])).shape;                              // [5, 2]
 * net.trace?.rows.map((r) => r.op);                                     // ['flatten', 'linear', 'relu', 'linear']
 */
export function sequential(layers: readonly LayerSpec[], options: SequentialOptions = {}): Sequential {
  checkOptionKeys('sequential', 'options', options, OPTION_KEYS.SequentialOptions);
  if (!Array.isArray(layers)) {
    fail({ op: 'sequential', arg: 'layers', expected: 'an array of layer specs', actual: typeof layers, hint: "e.g. [{ op: 'flatten' }, { op: 'linear', outFeatures: 10 }]" });
  }
  if (options.seed !== undefined) checkCount('sequential', 'options.seed', options.seed, 0);
  return new Sequential(layers, options);
}

// ── The optimizer ────────────────────────────────────────────────────────────────────────────────────────────

/** Options of {@link sgd}, as `torch.optim.SGD`'s (camel-cased). */
export interface SgdOptions {
  /** Learning rate (required). */
  lr: number;
  /** Momentum factor (default 0: plain SGD). */
  momentum?: number;
  /** Dampening of the momentum (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient as `weightDecay · value` (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent over parameters, step for step as `torch.optim.SGD`. Made by {@link sgd}.
 * @example
 * const opt = sgd(net.parameters(), { lr: 0.01, momentum: 0.9 });
 * opt.zeroGrad(); net.backward(crossEntropyBackward(net.forward(x), labels)); opt.step();
 */
export class SGD {
  readonly parameters: readonly Parameter[];
  readonly options: Readonly<Required<SgdOptions>>;
  readonly #buffers = new Map<Parameter, Float32Array>();
  #lr: number;

  constructor(parameters: readonly Parameter[], options: Required<SgdOptions>) {
    this.parameters = [...parameters];
    this.options = { ...options };
    this.#lr = options.lr;
  }

  /**
   * The learning rate of the next steps (`options.lr` at first). Set it to schedule the rate, as PyTorch's
   * `optimizer.param_groups[0]['lr'] = …` or a `StepLR` does; the momentum buffers carry on.
   * @example
   * const optimizer = sgd(net.parameters(), { lr: 0.1, momentum: 0.9 });
   * optimizer.lr *= 0.5; // optimizer.lr: 0.05 from the next step
   */
  get lr(): number {
    return this.#lr;
  }

  set lr(value: number) {
    checkRate('sgd', 'lr', value);
    this.#lr = value;
  }

  /**
   * One update of every parameter from its `grad`: `g = grad + weightDecay·value`; with momentum,
   * `buf = g` on the first step, then `buf = momentum·buf + (1 − dampening)·g`, and `g = buf` (or
   * `g + momentum·buf` with Nesterov); finally `value = value − lr·g`.
   */
  step(): void {
    const { momentum, dampening, weightDecay, nesterov } = this.options;
    const lr = this.#lr;
    for (const p of this.parameters) {
      const [w, grad] = [p.value.data, p.grad.data];
      const first = !this.#buffers.has(p);
      const buffer = momentum === 0 ? undefined : (this.#buffers.get(p) ?? new Float32Array(w.length));
      if (buffer) this.#buffers.set(p, buffer);
      const next = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) {
        let g = grad[i]! + weightDecay * w[i]!;
        if (buffer) {
          buffer[i] = first ? g : momentum * buffer[i]! + (1 - dampening) * g;
          g = nesterov ? g + momentum * buffer[i]! : buffer[i]!;
        }
        next[i] = w[i]! - lr * g;
      }
      p.value = new Tensor(next, p.value.shape);
    }
  }

  /** Sets every parameter's gradient to zeros. */
  zeroGrad(): void {
    for (const p of this.parameters) p.grad = zeros(p.value.shape);
  }
}

/** An optimizer's rate or factor: a finite number ≥ 0, as torch.optim.SGD requires. */
function checkRate(op: string, arg: string, value: number): void {
  checkFinite(op, arg, value);
  if (value < 0) fail({ op, arg, expected: 'a number ≥ 0', actual: String(value), hint: 'torch.optim.SGD refuses negative values too' });
}

/**
 * An SGD optimizer over `parameters` (usually `net.parameters()`), as `torch.optim.SGD`: the momentum buffer is
 * the gradient itself on the first step.
 *
 * @example
 * const p = { name: 'w', value: tensor([1, 2]), grad: tensor([0.5, -1]) };
 * const opt = sgd([p], { lr: 0.1, momentum: 0.9 });
 * opt.step(); p.value.toArray(); // [0.95, 2.1] (float32, shown rounded)
 * opt.step(); p.value.toArray(); // [0.855, 2.29] (buf = 0.9·buf + grad; rounded)
 */
export function sgd(parameters: readonly Parameter[], options: SgdOptions): SGD {
  const op = 'sgd';
  checkOptionKeys(op, 'options', options, OPTION_KEYS.SgdOptions);
  if (options === undefined) {
    fail({ op, arg: 'options', expected: 'an options object with lr', actual: 'undefined', hint: 'e.g. sgd(net.parameters(), { lr: 0.01, momentum: 0.9 })' });
  }
  const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = options;
  for (const [arg, value] of [
    ['lr', lr],
    ['momentum', momentum],
    ['dampening', dampening],
    ['weightDecay', weightDecay],
  ] as const) {
    checkRate(op, `options.${arg}`, value);
  }
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    fail({
      op,
      arg: 'options.nesterov',
      expected: 'momentum > 0 and dampening 0 with Nesterov momentum',
      actual: `momentum ${momentum}, dampening ${dampening}`,
      hint: 'set momentum, e.g. 0.9, or drop nesterov',
    });
  }
  return new SGD(parameters, { lr, momentum, dampening, weightDecay, nesterov });
}
