/**
 * The Tensor: float32 values in row-major (C) order with a readonly shape.
 *
 * Convolution layouts follow PyTorch and ONNX: inputs NCHW, weights OIHW. Displaying a tensor is the display
 * layer's (display/tensor-display.ts registers it), so this module imports no display code.
 */
import type { FeatureMapWindow } from '@convlab/protocol';
import { fail, formatShape } from './errors';
import { checkAllocation, checkCount, checkFinite, checkShape, checkTableAllocation, rowMajorStrides, type Shape } from './shapes';

/** Nested arrays of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | readonly NestedArray[];

/** Where a tensor came from, when an op made it: lets `display` show input, kernel and output together. */
export interface Provenance {
  /** The op, e.g. `'conv2d'`. */
  readonly op: string;
  /** The backend that computed it, e.g. `'cpu'`. */
  readonly backend: string;
  readonly input: Tensor;
  readonly weight?: Tensor;
  /** A conv's bias, shown with the window (`window.bias`) when the result is displayed. */
  readonly bias?: Tensor;
  /** The op's sliding-window parameters (from its shape info), for highlighting windows in the view. */
  readonly window?: FeatureMapWindow;
}

/** Number of elements of a shape: the product of its sizes (1 for a scalar `[]`). */
export function numel(shape: Shape): number {
  return shape.reduce((product, size) => product * size, 1);
}

/**
 * Values that live on a device, such as a gpu.js texture: what the gpu backend returns in pipeline mode so
 * that chained ops pass results along without reading them back. A tensor holding one copies it to host
 * memory on the first read of {@link Tensor.data}.
 */
export interface DeviceArray {
  /** Number of values. */
  readonly length: number;
  /** Where they live, e.g. `'gpu (headlessgl)'`. */
  readonly device: string;
  /** Copies the values to host memory (a read-back; the device copy stays). */
  read(): Float32Array;
}

/** A tensor's values as backends take them: in host memory, or on a device. */
export type Values = Float32Array | DeviceArray;

/**
 * A dense float32 tensor.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]]);
 * x.shape;     // [2, 2]
 * x.toArray(); // [[1, 2], [3, 4]]
 */
export class Tensor {
  /** Sizes of the axes, outermost first. */
  readonly shape: Shape;
  /** Set by the op that produced this tensor. */
  readonly provenance: Provenance | undefined;
  #host: Float32Array | undefined;
  readonly #device: DeviceArray | undefined;

  /**
   * @param values row-major, `numel(shape)` of them: a Float32Array, or a {@link DeviceArray} (read back
   *   when `data` is first read)
   */
  constructor(values: Values, shape: Shape, provenance?: Provenance) {
    checkShape('Tensor', 'shape', shape);
    if (values.length !== numel(shape)) {
      fail({
        op: 'Tensor',
        arg: 'data',
        expected: `${numel(shape)} values for shape ${formatShape(shape)}`,
        actual: `${values.length} values`,
        hint: 'the product of the shape must equal the number of values',
      });
    }
    if (values instanceof Float32Array) this.#host = values;
    else this.#device = values;
    this.shape = Object.freeze([...shape]);
    this.provenance = provenance;
  }

  /** The values, row-major; `data.length === numel(shape)`. Reads a device-resident tensor back once. */
  get data(): Float32Array {
    this.#host ??= this.#device!.read();
    return this.#host;
  }

  /** The values as backends take them: the device copy when there is one (no read-back), else `data`. */
  get values(): Values {
    return this.#device ?? this.#host!;
  }

  /**
   * Where the values live: `'host'`, or the device of a result the gpu backend kept there (pipeline mode).
   * @example useBackend('gpu'); relu(conv2d(x, w)).device; // 'gpu (headlessgl)'
   */
  get device(): string {
    return this.#device?.device ?? 'host';
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return numel(this.shape);
  }

  /**
   * The values as nested arrays (a number for a scalar). Refuses more entries (numbers and inner arrays) than
   * the allocation limit allows before building any: `zeros([1e9, 0])` has no values but a billion rows.
   *
   * @example
   * arange(4).reshape([2, 2]).toArray(); // [[0, 1], [2, 3]]
   */
  toArray(): NestedArray {
    // Entries at each depth: shape[0] at the first, shape[0]·shape[1] at the next, …, the values at the last.
    let [atDepth, entries] = [1, 0];
    for (const size of this.shape) {
      atDepth *= size;
      entries += atDepth;
    }
    checkTableAllocation('toArray', 'tensor', entries, 'the nested arrays', { tensor: this.shape });
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.shape.length) return this.data[offset] ?? 0;
      const size = this.shape[axis] ?? 0;
      const stride = numel(this.shape.slice(axis + 1));
      return Array.from({ length: size }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /**
   * The same values with another shape of the same size; one size may be `-1` (inferred). Like PyTorch's
   * `view`, the result shares the values (host or device) with this tensor (no op writes into a tensor, so sharing is safe).
   *
   * @example
   * tensor([1, 2, 3, 4, 5, 6]).reshape([2, -1]).shape; // [2, 3]
   */
  reshape(shape: Shape): Tensor {
    return new Tensor(this.values, inferShape('reshape', shape, this.size, this.shape));
  }

  /**
   * The axes reordered: axis `i` of the result is axis `axes[i]` of this tensor (NumPy `transpose`, PyTorch
   * `permute`). Returns a contiguous copy.
   *
   * @param axes a permutation of `0 … rank−1`
   * @example
   * tensor([[1, 2, 3], [4, 5, 6]]).permute([1, 0]).toArray(); // [[1, 4], [2, 5], [3, 6]]
   * zeros([1, 28, 28, 3]).permute([0, 3, 1, 2]).shape;       // [1, 3, 28, 28]  (NHWC → NCHW)
   */
  permute(axes: readonly number[]): Tensor {
    const sorted = [...axes].sort((a, b) => a - b);
    if (axes.length !== this.rank || sorted.some((axis, i) => axis !== i)) {
      fail({
        op: 'permute',
        arg: 'axes',
        expected: `a permutation of 0…${this.rank - 1} (one entry per axis)`,
        actual: `[${axes.join(',')}]`,
        shapes: { tensor: this.shape },
        hint: 'e.g. [0, 3, 1, 2] turns NHWC into NCHW',
      });
    }
    const strides = rowMajorStrides(this.shape);
    const shape = axes.map((axis) => this.shape[axis] ?? 0);
    const source = stridedIndices(
      shape,
      axes.map((axis) => strides[axis] ?? 0),
      0,
    );
    return new Tensor(gather(this.data, source), shape);
  }

  /**
   * A contiguous copy of a box: one `[start, end)` range per leading axis (`null` keeps the whole axis);
   * negative indices count from the end and ranges are clamped to the axis, as Python slices are.
   *
   * @example
   * const x = arange(12).reshape([3, 4]);
   * x.slice([[1, 3], [0, 2]]).toArray(); // [[4, 5], [8, 9]]
   * x.slice([null, [-1, 4]]).toArray();  // [[3], [7], [11]]
   */
  slice(ranges: readonly (readonly [start: number, end: number] | null)[]): Tensor {
    if (ranges.length > this.rank) {
      fail({
        op: 'slice',
        arg: 'ranges',
        expected: `at most ${this.rank} ranges (one per axis)`,
        actual: `${ranges.length}`,
        shapes: { tensor: this.shape },
      });
    }
    const starts: number[] = [];
    const shape = this.shape.map((size, axis) => {
      const range = ranges[axis] ?? null;
      const [start, end] = range === null ? [0, size] : range;
      checkFinite('slice', `ranges[${axis}]`, start, { tensor: this.shape });
      checkFinite('slice', `ranges[${axis}]`, end, { tensor: this.shape });
      const clamp = (i: number): number =>
        Math.min(size, Math.max(0, i < 0 ? size + Math.trunc(i) : Math.trunc(i)));
      starts.push(clamp(start));
      return Math.max(0, clamp(end) - clamp(start));
    });
    const strides = rowMajorStrides(this.shape);
    const offset = starts.reduce((sum, start, axis) => sum + start * (strides[axis] ?? 0), 0);
    return new Tensor(gather(this.data, stridedIndices(shape, strides, offset)), shape);
  }

  /**
   * `Tensor [1,1,2,2] float32` followed by the values, like PyTorch's repr. When any depth of the nesting has
   * more than 1000 entries (more than 1000 values, or many rows of an empty tensor), each axis longer than 6
   * shows its first and last 3 entries around `...`, as PyTorch and NumPy summarise; the shape is in the header.
   *
   * @example
   * String(zeros([1e7, 0])); // 'Tensor [10000000,0] float32\n[[],\n [],\n [],\n ...,\n [],\n [],\n []]'
   */
  toString(): string {
    return `Tensor ${formatShape(this.shape)} float32\n${formatValues(this.data, this.shape)}`;
  }
}

/** Above this many entries at one depth of the nesting, printing summarises (PyTorch's and NumPy's threshold). */
const PRINT_THRESHOLD = 1000;
/** Entries kept at each end of a summarised axis (PyTorch's and NumPy's `edgeitems`). */
const EDGE_ITEMS = 3;
/** At most this many entries are printed in all, whatever the rank; the rest is one `...` (a high-rank guard). */
const MAX_PRINTED_ENTRIES = 5000;

/**
 * The values as nested brackets, read straight from `data` (no nested arrays are built), so the cost is that of
 * the printed text. Summarises when some depth holds more than {@link PRINT_THRESHOLD} entries: for a tensor with
 * values that is `numel > 1000`; for an empty one, e.g. `[1e7, 0]`, it is the ten million empty rows.
 */
function formatValues(data: Float32Array, shape: Shape): string {
  let entries = 1;
  let summarise = false;
  for (const size of shape) {
    entries *= size;
    summarise ||= entries > PRINT_THRESHOLD;
  }
  const strides = rowMajorStrides(shape);
  let printed = 0;
  const format = (axis: number, offset: number, indent: string): string => {
    if (axis === shape.length) return formatNumber(data[offset] ?? 0);
    const size = shape[axis] ?? 0;
    const shown =
      summarise && size > 2 * EDGE_ITEMS
        ? [...range(0, EDGE_ITEMS), -1, ...range(size - EDGE_ITEMS, size)]
        : range(0, size);
    const parts: string[] = [];
    for (const i of shown) {
      if (printed >= MAX_PRINTED_ENTRIES) {
        parts.push('...');
        break;
      }
      printed++;
      parts.push(i < 0 ? '...' : format(axis + 1, offset + i * (strides[axis] ?? 0), indent + ' '));
    }
    return axis === shape.length - 1 ? `[${parts.join(', ')}]` : `[${parts.join(`,\n${indent} `)}]`;
  };
  return format(0, 0, '');
}

/** `[start, start + 1, …, end − 1]`. */
function range(start: number, end: number): number[] {
  return Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(5).replace(/\.?0+$/, '');
}


/**
 * For every position of `shape` in row-major order, its index in a buffer laid out with `strides` from
 * `offset`: the one loop behind permute, slice, broadcasting and reductions (a stride of 0 repeats a value).
 */
export function stridedIndices(shape: Shape, strides: readonly number[], offset: number): Int32Array {
  const out = new Int32Array(numel(shape));
  const position = Array<number>(shape.length).fill(0);
  let index = offset;
  for (let i = 0; i < out.length; i++) {
    out[i] = index;
    // Odometer: bump the last axis; on overflow reset it and carry into the axis before.
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      const stride = strides[axis] ?? 0;
      if (++position[axis]! < (shape[axis] ?? 0)) {
        index += stride;
        break;
      }
      index -= stride * (position[axis]! - 1);
      position[axis] = 0;
    }
  }
  return out;
}

function gather(data: Float32Array, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = data[indices[i]!]!;
  return out;
}

function inferShape(op: string, shape: Shape, size: number, from: Shape): Shape {
  const unknown = shape.filter((s) => s === -1).length;
  if (unknown > 1) {
    fail({
      op,
      arg: 'shape',
      expected: 'at most one -1',
      actual: formatShape(shape),
      shapes: { tensor: from },
    });
  }
  const known = numel(shape.filter((s) => s !== -1));
  const inferred =
    unknown === 1 && known > 0 && size % known === 0
      ? shape.map((s) => (s === -1 ? size / known : s))
      : shape;
  checkShape(op, 'shape', inferred);
  if (numel(inferred) !== size) {
    fail({
      op,
      arg: 'shape',
      expected: `a shape with ${size} elements`,
      actual: `${formatShape(shape)} (${numel(inferred)} elements)`,
      shapes: { tensor: from },
      hint: 'reshape keeps the number of elements; use -1 for one size to infer it',
    });
  }
  return inferred;
}

function flatten(values: NestedArray, out: number[], shape: number[], depth: number): void {
  if (typeof values === 'number') {
    if (depth !== shape.length) fail(raggedError(shape, depth));
    out.push(values);
    return;
  }
  if (depth === shape.length) {
    if (out.length > 0) fail(raggedError(shape, depth));
    shape.push(values.length);
  } else if (shape[depth] !== values.length) {
    fail(raggedError(shape, depth));
  }
  for (const v of values) flatten(v, out, shape, depth + 1);
}

function raggedError(shape: number[], depth: number): Parameters<typeof fail>[0] {
  return {
    op: 'tensor',
    arg: 'values',
    expected: `nested arrays of equal lengths (shape so far ${formatShape(shape)})`,
    actual: `a ragged or mixed nesting at depth ${depth}`,
    hint: 'every row must have the same length, e.g. [[1, 2], [3, 4]]',
  };
}

/**
 * Makes a float32 tensor from nested arrays, or from flat values and a shape.
 *
 * @param values nested arrays (shape inferred), or a flat array / typed array of numbers
 * @param shape optional; required sizes, one of them may be -1; a flat input without a shape is 1-D
 * @example
 * tensor([[1, 2, 3], [4, 5, 6]]).shape;     // [2, 3]
 * tensor([1, 2, 3, 4], [1, 1, 2, 2]).shape; // [1, 1, 2, 2]
 */
export function tensor(values: NestedArray | ArrayLike<number>, shape?: Shape): Tensor {
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (typeof values === 'number' || Array.isArray(values)) {
    const out: number[] = [];
    inferred = [];
    flatten(values as NestedArray, out, inferred, 0);
    flat = out;
  } else {
    flat = values as ArrayLike<number>;
    inferred = [flat.length];
  }
  checkAllocation('tensor', [flat.length]);
  const data = Float32Array.from(flat);
  const finalShape = shape === undefined ? inferred : inferShape('tensor', shape, data.length, inferred);
  return new Tensor(data, finalShape);
}

/** Checks a shape and the allocation limit, then allocates: the first step of every constructor. */
function allocate(op: string, shape: Shape): Float32Array {
  checkShape(op, 'shape', shape);
  checkAllocation(op, shape);
  return new Float32Array(numel(shape));
}

/**
 * A tensor of `shape` filled with `value` (which may be ±Infinity, e.g. for max-pooling identities).
 *
 * @example
 * full([2, 2], 7).toArray(); // [[7, 7], [7, 7]]
 */
export function full(shape: Shape, value: number): Tensor {
  return filled('full', shape, value);
}

function filled(op: string, shape: Shape, value: number): Tensor {
  if (Number.isNaN(value)) checkFinite(op, 'value', value);
  return new Tensor(allocate(op, shape).fill(value), shape);
}

/** A tensor of zeros. @example zeros([1, 1, 2, 3]).toArray(); // [[[[0, 0, 0], [0, 0, 0]]]] */
export function zeros(shape: Shape): Tensor {
  return new Tensor(allocate('zeros', shape), shape);
}

/** A tensor of ones. @example ones([3]).toArray(); // [1, 1, 1] */
export function ones(shape: Shape): Tensor {
  return filled('ones', shape, 1);
}

/**
 * Evenly spaced values in `[start, stop)`, as NumPy's `arange`; with one argument, `0 … stop−1`. A 1-D tensor.
 *
 * @example
 * arange(4).toArray();         // [0, 1, 2, 3]
 * arange(1, 7).toArray();      // [1, 2, 3, 4, 5, 6]
 * arange(0, 1, 0.25).toArray(); // [0, 0.25, 0.5, 0.75]
 */
export function arange(start: number, stop?: number, step = 1): Tensor {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  for (const [arg, value] of [
    ['start', from],
    ['stop', to],
    ['step', step],
  ] as const)
    checkFinite('arange', arg, value);
  if (step === 0) fail({ op: 'arange', arg: 'step', expected: 'a non-zero number', actual: '0' });
  const length = Math.max(0, Math.ceil((to - from) / step));
  const data = allocate('arange', [length]);
  for (let i = 0; i < length; i++) data[i] = from + i * step;
  return new Tensor(data, [length]);
}

/** Options of {@link rand} and {@link randn}. */
export interface RandomOptions {
  /** The seed: the same seed gives the same values on every run and every machine. Default 0. */
  seed?: number;
}

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): a tiny PRNG with one 32-bit word of state, computed with
 * `Math.imul` and unsigned shifts only, so the sequence is bit-identical on every JavaScript engine.
 */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Checks the seed and the distribution's parameters, allocates, and lets `fill` draw from the generator. */
function seededTensor(
  op: string,
  shape: Shape,
  options: RandomOptions,
  params: Record<string, number>,
  fill: (data: Float32Array, next: () => number) => void,
): Tensor {
  const seed = options.seed ?? 0;
  checkCount(op, 'options.seed', seed, 0);
  for (const [name, value] of Object.entries(params)) checkFinite(op, `options.${name}`, value);
  const data = allocate(op, shape);
  fill(data, mulberry32(seed));
  return new Tensor(data, shape);
}

/**
 * Uniform values in `[low, high)` from a seeded generator (mulberry32, one 32-bit draw per value): the same
 * `seed` gives the same tensor on every run and machine.
 *
 * @example
 * rand([3], { seed: 1 }).toArray(); // [0.6270739, 0.0027357, 0.5274470] (rounded here to 7 digits)
 */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const { low = 0, high = 1 } = options;
  return seededTensor('rand', shape, options, { low, high }, (data, next) => {
    for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * next();
  });
}

/**
 * Normal values (mean 0, std 1 unless given) from a seeded generator: mulberry32 uniforms turned into pairs
 * of normals by the Box-Muller transform `√(−2 ln u₁)·(cos 2πu₂, sin 2πu₂)` with `u₁ = 1 − draw ∈ (0, 1]`.
 * V8's `Math.log/cos/sin` are its own portable fdlibm ports, so a seed gives the same tensor everywhere.
 *
 * @example
 * randn([2], { seed: 1 }).toArray(); // [1.4043388, 0.0241416] (rounded here to 7 digits)
 */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const { mean = 0, std = 1 } = options;
  return seededTensor('randn', shape, options, { mean, std }, (data, next) => {
    for (let i = 0; i < data.length; i += 2) {
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      data[i] = mean + std * radius * Math.cos(angle);
      if (i + 1 < data.length) data[i + 1] = mean + std * radius * Math.sin(angle);
    }
  });
}
