/**
 * Shape traces: tensor shapes layer by layer with the output-size arithmetic, pads per side, parameters, MACs and
 * receptive field — like Keras' `summary()`. Made two ways, both ending in a {@link ShapeTrace}:
 *
 * - {@link traceShapes}`(inputShape, layers)` computes the shapes without data, from small typed layer specs;
 * - {@link recordShapes}`(() => { … })` runs a block and records the real op calls made inside it: every op calls
 *   {@link traceOp} (through {@link traceConv} / {@link tracePool}) as its last step: check → info → backend → trace.
 *
 * Both use the same shape functions as the ops (shapes/), so a layer that does not fit fails with the library's own
 * message, and the trace stops at that row.
 */
import type { ShapeTracePayload, ShapeTraceRow } from '@convlab/protocol';
import { backend } from './backends';
import { JUPYTER_DISPLAY, type MimeBundle } from './display/protocol';
import { ConvLabError, fail } from './errors';
import {
  adaptivePoolInfo,
  checkLpOrder,
  convInfo,
  checkRank,
  checkOptionKeys,
  OPTION_KEYS,
  poolInfo,
  didYouMean,
  receptiveStart,
  receptiveStep,
  type AdaptivePoolInfo,
  type AxisInfo,
  type ConvInfo,
  type ConvOptions,
  type PoolInfo,
  type ReceptiveInfo,
  type Shape,
  type MaxPoolOptions,
  type AvgPoolOptions,
  type LpPoolOptions,
  checkShape,
} from './shapes';
import { numel } from './tensor';
import { shapeTraceBundle, shapeTraceText } from './display/shapetrace';


/** Bytes per value: tensors are float32. */
const BYTES_PER_VALUE = 4;

// ── Layer specs for traceShapes ──────────────────────────────────────────────────────────────────────────────

interface Named {
  /** Optional layer name shown in the trace. */
  name?: string;
}

/** A convolution layer: weight `[outChannels, inChannels/groups, ...kernel]`, bias `[outChannels]` (default on). */
export interface ConvLayerSpec extends Named, ConvOptions {
  op: 'conv1d' | 'conv2d' | 'conv3d';
  outChannels: number;
  kernel: number | readonly number[];
  /** Default true (PyTorch, Keras). */
  bias?: boolean;
}

/** A max-pool layer: `{ op: 'maxPool2d', kernel: 2 }` (stride defaults to the kernel). */
export interface MaxPoolLayerSpec extends Named, MaxPoolOptions {
  op: 'maxPool1d' | 'maxPool2d' | 'maxPool3d';
  kernel: number | readonly number[];
}

/** An average-pool layer: `{ op: 'avgPool2d', kernel: 3, stride: 1, padding: 1 }`. */
export interface AvgPoolLayerSpec extends Named, AvgPoolOptions {
  op: 'avgPool1d' | 'avgPool2d' | 'avgPool3d';
  kernel: number | readonly number[];
}

/** An LP-pool layer: `{ op: 'lpPool2d', kernel: 2, p: 2 }`. */
export interface LpPoolLayerSpec extends Named, LpPoolOptions {
  op: 'lpPool1d' | 'lpPool2d' | 'lpPool3d';
  kernel: number | readonly number[];
}

/** An adaptive pool to a fixed size: `{ op: 'adaptiveAvgPool2d', outputSize: [6, 6] }`. */
export interface AdaptivePoolLayerSpec extends Named {
  op: 'adaptiveAvgPool1d' | 'adaptiveAvgPool2d' | 'adaptiveAvgPool3d' | 'adaptiveMaxPool1d' | 'adaptiveMaxPool2d' | 'adaptiveMaxPool3d';
  /** One number, or one per axis where `null` keeps the axis. */
  outputSize: number | readonly (number | null)[];
}

/** A global pool: `[batch, channels, ...spatial]` → `[batch, channels, 1, …]`. */
export interface GlobalPoolLayerSpec extends Named {
  op: 'globalAvgPool' | 'globalMaxPool';
}

/** A layer that keeps the shape (activations, dropout). */
export interface ElementwiseLayerSpec extends Named {
  op: 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'gelu' | 'softmax' | 'logSoftmax' | 'dropout' | 'identity';
}

/** `[batch, ...rest]` → `[batch, Π rest]`. */
export interface FlattenLayerSpec extends Named {
  op: 'flatten';
}

/** A fully connected layer on the last axis, as PyTorch's `nn.Linear`: weight `[outFeatures, inFeatures]`. */
export interface LinearLayerSpec extends Named {
  op: 'linear';
  outFeatures: number;
  /** Default true. */
  bias?: boolean;
}

/** The `op` of every layer {@link traceShapes} knows (a missing or an extra name does not compile). */
const LAYER_OPS = Object.keys({
  conv1d: true,
  conv2d: true,
  conv3d: true,
  maxPool1d: true,
  maxPool2d: true,
  maxPool3d: true,
  avgPool1d: true,
  avgPool2d: true,
  avgPool3d: true,
  lpPool1d: true,
  lpPool2d: true,
  lpPool3d: true,
  adaptiveAvgPool1d: true,
  adaptiveAvgPool2d: true,
  adaptiveAvgPool3d: true,
  adaptiveMaxPool1d: true,
  adaptiveMaxPool2d: true,
  adaptiveMaxPool3d: true,
  globalAvgPool: true,
  globalMaxPool: true,
  relu: true,
  leakyRelu: true,
  sigmoid: true,
  tanh: true,
  gelu: true,
  softmax: true,
  logSoftmax: true,
  dropout: true,
  identity: true,
  flatten: true,
  linear: true,
} satisfies Record<LayerSpec['op'], true>);

/** One layer of {@link traceShapes}. */
export type LayerSpec =
  | ConvLayerSpec
  | MaxPoolLayerSpec
  | AvgPoolLayerSpec
  | LpPoolLayerSpec
  | AdaptivePoolLayerSpec
  | GlobalPoolLayerSpec
  | ElementwiseLayerSpec
  | FlattenLayerSpec
  | LinearLayerSpec;

// ── Steps: what one layer contributes to a trace ─────────────────────────────────────────────────────────────

/** What an op reports to the trace: its shapes and, for windowed ops, the per-axis window records. */
export interface TraceStep {
  op: string;
  name?: string;
  inShape: Shape;
  outShape: Shape;
  /**
   * The uniform sliding window per spatial axis (conv, pool). Without one, an op that keeps the shape keeps the
   * receptive field (activations); any other loses it (flatten, linear, uneven adaptive bins).
   */
  window?: readonly AxisInfo[];
  /** The output-size arithmetic, one line per spatial axis (or one line for flatten and linear). */
  formula?: readonly string[];
  groups?: number;
  params?: number;
  /** Multiply–accumulates with weights (conv, linear); pooling and activations count 0. */
  macs?: number;
  /**
   * False when `window` is not a sliding window over the input (a transposed conv scatters instead): the row
   * shows kernel, stride and padding, and the receptive field becomes unknown.
   */
  slides?: boolean;
}

/** The step of a convolution, or a transposed one (`convTranspose…`), from its shape record. */
function convStep(info: ConvInfo, inShape: Shape, outShape: Shape, hasBias: boolean, name?: string): TraceStep {
  const weightSize = numel(info.weightShape);
  const transposed = info.op.startsWith('convTranspose');
  return {
    op: info.op,
    ...(name === undefined ? {} : { name }),
    inShape,
    outShape,
    window: info.axes,
    formula: info.axes.map((a) => a.formula),
    groups: info.groups,
    params: weightSize + (hasBias ? info.outChannels : 0),
    // Every output value takes (inChannels/groups)·Πkernel products: numel(out) · numel(weight) / outChannels.
    // Transposed: every input value sends (outChannels/groups)·Πkernel: numel(in) · numel(weight) / inChannels.
    macs: transposed
      ? (numel(info.inShape) * weightSize) / Math.max(1, info.inChannels)
      : (numel(info.outShape) * weightSize) / Math.max(1, info.outChannels),
    ...(transposed ? { slides: false } : {}),
  };
}

/** The step of a pool from its shape record. */
function poolStep(info: PoolInfo | AdaptivePoolInfo, inShape: Shape, outShape: Shape, name?: string): TraceStep {
  const window = 'ceilMode' in info ? info.axes : info.uniform;
  return {
    op: info.op,
    ...(name === undefined ? {} : { name }),
    inShape,
    outShape,
    ...(window ? { window } : {}),
    formula: info.axes.map((a) => a.formula),
  };
}

// ── The recorder hook ────────────────────────────────────────────────────────────────────────────────────────

const recorders: TraceBuilder[] = [];

/**
 * Called by every op as its last step; records into every active {@link recordShapes} block. Cheap when none is.
 * A notebook's own layer can call it too, so it shows in recorded traces.
 *
 * @example
 * // the last line of an elementwise op such as relu:
 * traceOp({ op: 'relu', inShape: x.shape, outShape: x.shape });
 */
export function traceOp(step: TraceStep): void {
  for (const recorder of recorders) recorder.add(step);
}

/**
 * The trace hook of a convolution or a transposed convolution: one line at the end of the op.
 *
 * @example
 * traceConv(info, input.shape, outShape, bias !== undefined); // in conv2d, after the backend call
 */
export function traceConv(info: ConvInfo, inShape: Shape, outShape: Shape, hasBias: boolean): void {
  if (recorders.length > 0) traceOp(convStep(info, inShape, outShape, hasBias));
}

/**
 * The trace hook of a pool: one line at the end of the op.
 *
 * @example
 * tracePool(info, input.shape, outShape); // in maxPool2d, after the backend call
 */
export function tracePool(info: PoolInfo | AdaptivePoolInfo, inShape: Shape, outShape: Shape): void {
  if (recorders.length > 0) traceOp(poolStep(info, inShape, outShape));
}

// ── Building rows ────────────────────────────────────────────────────────────────────────────────────────────

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}

/** Turns steps into rows, carrying the receptive field along the chain. */
class TraceBuilder {
  readonly rows: ShapeTraceRow[] = [];
  private field: ReceptiveInfo | undefined;
  private lastOut: Shape | undefined;

  add(step: TraceStep): void {
    if (this.lastOut === undefined) {
      this.field = receptiveStart(Math.max(0, step.inShape.length - 2));
    } else if (!sameShape(this.lastOut, step.inShape)) {
      // Not fed by the previous row (a branch, or a recorded op on another tensor): the field is unknown.
      this.field = undefined;
    }
    const { window } = step;
    if (window && step.slides === false) {
      this.field = undefined;
    } else if (window) {
      this.field = this.field && this.field.size.length === window.length ? receptiveStep(this.field, window) : undefined;
    } else if (!sameShape(step.inShape, step.outShape)) {
      this.field = undefined;
    }
    this.lastOut = step.outShape;
    this.rows.push({
      ...this.baseRow(step.op, step.name, step.inShape),
      outShape: [...step.outShape],
      kernel: window ? window.map((a) => a.kernel) : [],
      stride: window ? window.map((a) => a.stride) : [],
      dilation: window ? window.map((a) => a.dilation) : [],
      padding: window ? window.map((a): [number, number] => [a.padBefore, a.padAfter]) : [],
      groups: step.groups ?? 1,
      params: step.params ?? 0,
      macs: step.macs ?? 0,
      outBytes: numel(step.outShape) * BYTES_PER_VALUE,
      receptiveField: this.field ? [...this.field.size] : [],
      jump: this.field ? [...this.field.jump] : [],
      formula: [...(step.formula ?? [])],
    });
  }

  /** The failing layer: its input shape and the library's error message. */
  addError(op: string, name: string | undefined, inShape: Shape, error: ConvLabError): void {
    this.rows.push({
      ...this.baseRow(op, name, inShape),
      outShape: [],
      kernel: [],
      stride: [],
      dilation: [],
      padding: [],
      groups: 1,
      params: 0,
      macs: 0,
      outBytes: 0,
      receptiveField: [],
      jump: [],
      formula: [],
      error: error.message,
    });
  }

  private baseRow(op: string, name: string | undefined, inShape: Shape): Pick<ShapeTraceRow, 'index' | 'op' | 'name' | 'inShape'> {
    return { index: this.rows.length, op, name: name ?? '', inShape: [...inShape] };
  }
}

// ── traceShapes ──────────────────────────────────────────────────────────────────────────────────────────────

function positiveInteger(op: string, arg: string, value: number, hint: string): void {
  if (!Number.isInteger(value) || value < 1) fail({ op, arg, expected: 'a positive integer', actual: String(value), hint });
}

/** The spatial rank an op name implies: `'conv2d'` → 2. */
function spatialRank(op: string): number {
  return Number(/([123])d$/.exec(op)?.[1] ?? 2);
}

function layoutOf(spatial: number): string {
  return `[batch, channels, ${['length', 'height, width', 'depth, height, width'][spatial - 1] ?? '...spatial'}]`;
}

/** The step of one spec on an input shape; throws the op's ConvLabError when the layer does not fit. */
function specStep(spec: LayerSpec, inShape: Shape): TraceStep {
  const { op, name } = spec;
  switch (spec.op) {
    case 'conv1d':
    case 'conv2d':
    case 'conv3d': {
      checkOptionKeys(op, 'layer', spec, OPTION_KEYS.ConvLayerSpec);
      const spatial = spatialRank(spec.op);
      checkRank(op, 'input', inShape, [spatial + 2], layoutOf(spatial));
      positiveInteger(op, 'outChannels', spec.outChannels, 'the number of filters, e.g. 8');
      // What is left after the layer's own keys are the conv options convInfo checks.
      const { op: _op, name: _name, outChannels, kernel, bias = true, ...options } = spec;
      const kernels = typeof kernel === 'number' ? Array<number>(spatial).fill(kernel) : [...kernel];
      const groups = options.groups ?? 1;
      const inChannels = inShape[1] ?? 0;
      const weightShape = [outChannels, Number.isInteger(groups) && groups > 0 ? Math.floor(inChannels / groups) : inChannels, ...kernels];
      const info = convInfo(op, inShape, weightShape, options);
      return convStep(info, inShape, info.outShape, bias, name);
    }
    case 'maxPool1d':
    case 'maxPool2d':
    case 'maxPool3d':
    case 'avgPool1d':
    case 'avgPool2d':
    case 'avgPool3d':
    case 'lpPool1d':
    case 'lpPool2d':
    case 'lpPool3d': {
      const family = spec.op.startsWith('max') ? 'MaxPoolLayerSpec' : spec.op.startsWith('avg') ? 'AvgPoolLayerSpec' : 'LpPoolLayerSpec';
      checkOptionKeys(op, 'layer', spec, OPTION_KEYS[family]);
      const spatial = spatialRank(spec.op);
      checkRank(op, 'input', inShape, [spatial + 2], layoutOf(spatial));
      if (family === 'LpPoolLayerSpec') checkLpOrder(op, (spec as LpPoolLayerSpec).p ?? 2);
      const { op: _op, name: _name, kernel, ...options } = spec;
      const info = poolInfo(op, inShape, kernel, options);
      return poolStep(info, inShape, info.outShape, name);
    }
    case 'adaptiveAvgPool1d':
    case 'adaptiveAvgPool2d':
    case 'adaptiveAvgPool3d':
    case 'adaptiveMaxPool1d':
    case 'adaptiveMaxPool2d':
    case 'adaptiveMaxPool3d': {
      checkOptionKeys(op, 'layer', spec, OPTION_KEYS.AdaptivePoolLayerSpec);
      const spatial = spatialRank(spec.op);
      checkRank(op, 'input', inShape, [spatial + 2], layoutOf(spatial));
      const info = adaptivePoolInfo(op, inShape, spec.outputSize);
      return poolStep(info, inShape, info.outShape, name);
    }
    case 'globalAvgPool':
    case 'globalMaxPool': {
      checkOptionKeys(op, 'layer', spec, OPTION_KEYS.GlobalPoolLayerSpec);
      checkRank(op, 'input', inShape, [3, 4, 5], '[batch, channels, ...spatial] with 1 to 3 spatial axes');
      const info = adaptivePoolInfo(op, inShape, 1);
      return poolStep(info, inShape, info.outShape, name);
    }
    case 'flatten': {
      checkOptionKeys(op, 'layer', spec, OPTION_KEYS.FlattenLayerSpec);
      checkRank(op, 'input', inShape, [2, 3, 4, 5], '[batch, ...features]');
      const [batch = 0, ...rest] = inShape;
      const features = numel(rest);
      return { op, name, inShape, outShape: [batch, features], formula: [`${rest.join('·')} = ${features}`] };
    }
    case 'linear': {
      checkOptionKeys(op, 'layer', spec, OPTION_KEYS.LinearLayerSpec);
      positiveInteger(op, 'outFeatures', spec.outFeatures, 'the number of output units, e.g. 10');
      checkRank(op, 'input', inShape, [2, 3, 4, 5], '[batch, ..., inFeatures]');
      const inFeatures = inShape.at(-1) ?? 0;
      const weights = inFeatures * spec.outFeatures;
      return {
        op,
        name,
        inShape,
        outShape: [...inShape.slice(0, -1), spec.outFeatures],
        formula: [`${inFeatures} → ${spec.outFeatures} (weight [${spec.outFeatures},${inFeatures}])`],
        params: weights + (spec.bias ?? true ? spec.outFeatures : 0),
        macs: (numel(inShape) / Math.max(1, inFeatures)) * weights,
      };
    }
    default: {
      // Activations and dropout keep the shape; a name not in the list (a spec built at run time, Keras'
      // `Conv2D`) fails here instead of passing through as an identity layer.
      if (!LAYER_OPS.includes(op)) {
        const hint = didYouMean(String(op), LAYER_OPS);
        fail({
          op: 'traceShapes',
          arg: 'layer.op',
          expected: `one of ${LAYER_OPS.join(', ')}`,
          actual: typeof op === 'string' ? `'${op}'` : typeof op,
          ...(hint === undefined ? {} : { hint }),
        });
      }
      checkOptionKeys(op, 'layer', spec, OPTION_KEYS.ElementwiseLayerSpec);
      return { op, name, inShape, outShape: inShape };
    }
  }
}

/**
 * Shapes layer by layer without any data, like Keras' `model.summary()`: each row has the op's parameters, pads per
 * side, the output-size formula, parameters, MACs, output bytes, receptive field and jump. Rows stop at the first
 * layer that does not fit; that row carries the library's error message (the same text the op would throw).
 *
 * @param inputShape the first layer's input, with the batch: `[batch, channels, height, width]`
 * @param layers the layers in order, e.g. `{ op: 'conv2d', outChannels: 6, kernel: 5 }`, `{ op: 'maxPool2d', kernel: 2 }`
 * @example
 * const t = traceShapes([1, 1, 32, 32], [
 *   { op: 'conv2d', outChannels: 6, kernel: 5 }, { op: 'relu' }, { op: 'maxPool2d', kernel: 2 },
 *   { op: 'conv2d', outChannels: 16, kernel: 5 }, { op: 'relu' }, { op: 'maxPool2d', kernel: 2 },
 *   { op: 'flatten' }, { op: 'linear', outFeatures: 120 }, { op: 'relu' },
 *   { op: 'linear', outFeatures: 84 }, { op: 'relu' }, { op: 'linear', outFeatures: 10 },
 * ], { title: 'LeNet-5' });
 * t.rows.map((r) => r.outShape.join('×')); // ['1×6×28×28', '1×6×28×28', '1×6×14×14', '1×16×10×10', …, '1×10']
 * t.totals; // { params: 61706, macs: 416520, outBytes: … }
 */
export function traceShapes(inputShape: Shape, layers: readonly LayerSpec[], options: { title?: string } = {}): ShapeTrace {
  checkShape('traceShapes', 'inputShape', inputShape);
  const builder = new TraceBuilder();
  let shape = inputShape;
  for (const spec of layers) {
    try {
      const step = specStep(spec, shape);
      builder.add(step);
      shape = step.outShape;
    } catch (error) {
      if (!(error instanceof ConvLabError)) throw error;
      builder.addError(spec.op, spec.name, shape, error);
      break;
    }
  }
  return new ShapeTrace({ source: 'traceShapes', title: options.title ?? '', inputShape, rows: builder.rows, backend: 'none' });
}

/**
 * Runs `block` and records the shapes of the real op calls made inside it (conv, pools). If an op throws a
 * ConvLabError, the trace ends with a row carrying that message instead of throwing; other errors propagate.
 * The receptive field is chained while each op consumes the previous op's output, and unknown (empty) after.
 *
 * @param block a synchronous function making op calls
 * @example
 * const x = tensor(new Float32Array(28 * 28), [1, 1, 28, 28]);
 * const w = tensor(new Float32Array(8 * 9), [8, 1, 3, 3]);
 * const t = recordShapes(() => maxPool2d(conv2d(x, w, { padding: 'same' }), 2));
 * t.rows.map((r) => r.outShape); // [[1, 8, 28, 28], [1, 8, 14, 14]]
 */
export function recordShapes(block: () => unknown, options: { title?: string } = {}): ShapeTrace {
  const builder = new TraceBuilder();
  recorders.push(builder);
  try {
    const result = block();
    if (typeof (result as { then?: unknown } | null)?.then === 'function') {
      fail({
        op: 'recordShapes',
        arg: 'block',
        expected: 'a synchronous function',
        actual: 'a function returning a Promise',
        hint: 'record the synchronous part; ops awaited later run after the recorder has closed',
      });
    }
  } catch (error) {
    if (!(error instanceof ConvLabError) || error.op === 'recordShapes') throw error;
    builder.addError(error.op, undefined, error.shapes['input'] ?? [], error);
  } finally {
    recorders.splice(recorders.lastIndexOf(builder), 1);
  }
  const inputShape = builder.rows[0]?.inShape ?? [];
  return new ShapeTrace({ source: 'recorded', title: options.title ?? '', inputShape, rows: builder.rows, backend: backend().name });
}

// ── The result ───────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A shape trace: `rows` (one per layer), totals, a text table (`toString()`), and the Jupyter display bundle (the
 * vendor JSON drawn by the extension, plus `text/plain`).
 */
export class ShapeTrace {
  readonly source: ShapeTracePayload['source'];
  readonly title: string;
  readonly inputShape: Shape;
  readonly rows: readonly ShapeTraceRow[];
  readonly backend: string;

  constructor(fields: Pick<ShapeTrace, 'source' | 'title' | 'inputShape' | 'rows' | 'backend'>) {
    this.source = fields.source;
    this.title = fields.title;
    this.inputShape = Object.freeze([...fields.inputShape]);
    this.rows = Object.freeze([...fields.rows]);
    this.backend = fields.backend;
  }

  /** The failing layer's message, if a layer failed. */
  get error(): string | undefined {
    return this.rows.at(-1)?.error;
  }

  /** Sums over the rows. */
  get totals(): ShapeTracePayload['totals'] {
    const sum = (key: 'params' | 'macs' | 'outBytes'): number => this.rows.reduce((total, row) => total + row[key], 0);
    return { params: sum('params'), macs: sum('macs'), outBytes: sum('outBytes') };
  }

  /** The `application/vnd.convlab.shapetrace.v1+json` payload (plain JSON). */
  toPayload(): ShapeTracePayload {
    return {
      version: 1,
      source: this.source,
      title: this.title,
      inputShape: [...this.inputShape],
      rows: this.rows.map((row) => ({ ...row })),
      totals: this.totals,
      backend: this.backend,
    };
  }

  /** The text table of the display bundle (`display/shapetrace.ts`): a row per layer, the error under its row. */
  toString(): string {
    return shapeTraceText(this.toPayload());
  }

  /** Jupyter display: the vendor JSON for the extension, an HTML table and a text table. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return shapeTraceBundle(this.toPayload());
  }
}
