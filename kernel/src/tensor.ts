/**
 * The Tensor: float32 values in row-major (C) order with a readonly shape.
 *
 * Convolution layouts follow PyTorch and ONNX: inputs NCHW, weights OIHW.
 */
import { fail, formatShape } from './errors';
import { tensorBundle, type MimeBundle } from './display/bundle';
import type { FeatureMapWindow } from '../../extension/src/schema';

/** A tensor shape, outermost axis first, e.g. `[batch, channels, height, width]`. */
export type Shape = readonly number[];

/** Nested arrays of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | readonly NestedArray[];

/** The key of Deno's and ConvLab's display protocol: `obj[JUPYTER_DISPLAY]()` returns a MIME bundle. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display');

/** Where a tensor came from, when an op made it: lets `display` show input, kernel and output together. */
export interface Provenance {
  /** The op, e.g. `'conv2d'`. */
  readonly op: string;
  /** The backend that computed it, e.g. `'cpu'`. */
  readonly backend: string;
  readonly input: Tensor;
  readonly weight?: Tensor;
  /** The op's sliding-window parameters (from its shape info), for highlighting windows in the view. */
  readonly window?: FeatureMapWindow;
}

/** Number of elements of a shape: the product of its sizes (1 for a scalar `[]`). */
export function numel(shape: Shape): number {
  return shape.reduce((product, size) => product * size, 1);
}

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
  /** The values, row-major; `data.length === numel(shape)`. */
  readonly data: Float32Array;
  /** Set by the op that produced this tensor. */
  readonly provenance: Provenance | undefined;

  constructor(data: Float32Array, shape: Shape, provenance?: Provenance) {
    checkShape('Tensor', 'shape', shape);
    if (data.length !== numel(shape)) {
      fail({
        op: 'Tensor',
        arg: 'data',
        expected: `${numel(shape)} values for shape ${formatShape(shape)}`,
        actual: `${data.length} values`,
        hint: 'the product of the shape must equal the number of values',
      });
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.provenance = provenance;
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** The values as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.shape.length) return this.data[offset] ?? 0;
      const size = this.shape[axis] ?? 0;
      const stride = numel(this.shape.slice(axis + 1));
      return Array.from({ length: size }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /**
   * The same values with another shape of the same size; one size may be `-1` (inferred).
   *
   * @example
   * tensor([1, 2, 3, 4, 5, 6]).reshape([2, -1]).shape; // [2, 3]
   */
  reshape(shape: Shape): Tensor {
    return new Tensor(this.data, inferShape('reshape', shape, this.size, this.shape));
  }

  /** `Tensor [1,1,2,2] float32` followed by the values, like PyTorch's repr. */
  toString(): string {
    return `Tensor ${formatShape(this.shape)} float32\n${formatValues(this.toArray())}`;
  }

  /** Jupyter display: a feature map (with input and kernel when an op made it), PNG and text fallbacks. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return tensorBundle(this);
  }
}

function formatValues(values: NestedArray, indent = ''): string {
  if (typeof values === 'number') return formatNumber(values);
  if (values.every((v) => typeof v === 'number')) {
    return `[${values.map((v) => formatNumber(v as number)).join(', ')}]`;
  }
  const inner = values.map((v) => formatValues(v, indent + ' ')).join(`,\n${indent} `);
  return `[${inner}]`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(5).replace(/\.?0+$/, '');
}

/** Validates a shape: every size a finite non-negative integer. */
export function checkShape(op: string, arg: string, shape: Shape): void {
  shape.forEach((size, axis) => {
    if (!Number.isInteger(size) || size < 0) {
      fail({
        op,
        arg,
        expected: 'non-negative integer sizes',
        actual: `${String(size)} at axis ${axis} of [${shape.join(',')}]`,
        hint: 'sizes are counts of elements, e.g. [1, 3, 28, 28]',
      });
    }
  });
}

function inferShape(op: string, shape: Shape, size: number, from: Shape): Shape {
  const unknown = shape.filter((s) => s === -1).length;
  if (unknown > 1) {
    fail({ op, arg: 'shape', expected: 'at most one -1', actual: formatShape(shape), shapes: { tensor: from } });
  }
  const known = numel(shape.filter((s) => s !== -1));
  const inferred = unknown === 1 && known > 0 && size % known === 0 ? shape.map((s) => (s === -1 ? size / known : s)) : shape;
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
  const data = Float32Array.from(flat);
  const finalShape = shape === undefined ? inferred : inferShape('tensor', shape, data.length, inferred);
  return new Tensor(data, finalShape);
}
