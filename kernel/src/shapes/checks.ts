/**
 * Validation of numbers, shapes, ranks and allocations: every such error is raised here, in the same words for
 * every op and backend.
 */
import { fail, formatShape } from '../errors';
import type { Shape, Shapes } from './types';

/** Row-major strides of a shape: `[W·H, W, 1]` for `[C, H, W]`. */
export function rowMajorStrides(shape: Shape): number[] {
  const strides = Array<number>(shape.length).fill(1);
  for (let axis = shape.length - 2; axis >= 0; axis--)
    strides[axis] = (strides[axis + 1] ?? 1) * (shape[axis + 1] ?? 1);
  return strides;
}

const NON_FINITE_HINT = 'NaN or Infinity usually comes from a division by zero or an undefined size';

/**
 * Checks that `value` is finite, then an integer ≥ `min` (sizes, strides, dilations, pads, groups).
 *
 * @example
 * checkCount('conv2d', 'options.stride', 0, 1); // throws "conv2d: options.stride expected an integer ≥ 1, got 0"
 */
export function checkCount(op: string, arg: string, value: number, min: number, shapes?: Shapes): void {
  checkFinite(op, arg, value, shapes);
  if (!Number.isInteger(value) || value < min) {
    fail({
      op,
      arg,
      expected: `an integer ≥ ${min}`,
      actual: String(value),
      ...(shapes ? { shapes } : {}),
      hint: `${arg.replace('options.', '')} counts cells, e.g. ${Math.max(min, 1)} or ${Math.max(min, 1) + 1}`,
    });
  }
}

/**
 * Checks that `value` is a finite number (not NaN, not ±Infinity).
 *
 * @example
 * checkFinite('pad', 'options.value', NaN); // throws "pad: options.value expected a finite number, got NaN; hint: …"
 */
export function checkFinite(op: string, arg: string, value: unknown, shapes?: Shapes): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail({
      op,
      arg,
      expected: 'a finite number',
      actual: typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value)),
      ...(shapes ? { shapes } : {}),
      hint: NON_FINITE_HINT,
    });
  }
}

/**
 * Validates a shape: every size a finite non-negative integer.
 *
 * @example
 * checkShape('zeros', 'shape', [2, NaN]); // throws "zeros: shape expected finite non-negative integer sizes, got NaN at axis 1 of [2,NaN]"
 */
export function checkShape(op: string, arg: string, shape: Shape): void {
  shape.forEach((size, axis) => {
    if (!Number.isInteger(size) || size < 0) {
      fail({
        op,
        arg,
        expected: 'finite non-negative integer sizes',
        actual: `${String(size)} at axis ${axis} of [${shape.join(',')}]`,
        hint: Number.isFinite(size) ? 'sizes are counts of elements, e.g. [1, 3, 28, 28]' : NON_FINITE_HINT,
      });
    }
  });
}

const DEFAULT_ALLOCATION_LIMIT = 2 ** 31;

let allocationLimitBytes = DEFAULT_ALLOCATION_LIMIT;

/**
 * Sets the largest tensor, in bytes, an op may allocate (default 2 GiB = 2 ** 31); returns the previous limit.
 * Ops check it before taking any memory, so a typo such as `zeros([100000, 100000])` fails at once instead of
 * taking the kernel down.
 *
 * @example
 * setAllocationLimit(1024); // 2147483648 (the previous limit)
 * zeros([1000]);            // throws "zeros: shape expected at most 1024 bytes (256 float32 values) …"
 */
export function setAllocationLimit(bytes: number): number {
  checkCount('setAllocationLimit', 'bytes', bytes, 0);
  const previous = allocationLimitBytes;
  allocationLimitBytes = bytes;
  return previous;
}

/** The current allocation limit in bytes. @example allocationLimit(); // 2147483648 */
export function allocationLimit(): number {
  return allocationLimitBytes;
}

/**
 * Refuses a float32 allocation of `shape` beyond the limit; called by every op before it allocates.
 *
 * @example
 * checkAllocation('zeros', [2, 3]); // passes: 24 bytes
 */
export function checkAllocation(op: string, shape: Shape, shapes?: Shapes): void {
  const count = shape.reduce((product, size) => product * size, 1);
  const bytes = count * Float32Array.BYTES_PER_ELEMENT;
  if (bytes > allocationLimitBytes) {
    fail({
      op,
      arg: 'shape',
      expected: `at most ${allocationLimitBytes} bytes (${allocationLimitBytes / 4} float32 values)`,
      actual: `${formatShape(shape)} = ${count} values = ${bytes} bytes`,
      ...(shapes ? { shapes } : {}),
      hint: 'make the tensor smaller, or raise the limit with setAllocationLimit(bytes)',
    });
  }
}

/**
 * Refuses an index table of `entries` int32 entries (4 bytes each, as a float32 value) beyond the allocation
 * limit; called before the table is built or any loop over it runs. A table can outgrow the op's output: padding
 * `zeros([0, 2])` by `[[0, 0], [1e9, 1e9]]` has no values, yet its last axis reads 2e9 + 2 cells.
 *
 * @example
 * checkTableAllocation('pad', 'widths', 2_000_000_002, 'the index table of axis 1', { input: [0, 2] });
 * // throws "pad: widths expected at most 536870912 entries (2147483648 bytes) in the index table of axis 1,
 * //   got 2000000002 entries = 8000000008 bytes (input [0,2]); hint: …"
 */
export function checkTableAllocation(op: string, arg: string, entries: number, what: string, shapes?: Shapes): void {
  const bytes = entries * Int32Array.BYTES_PER_ELEMENT;
  if (bytes > allocationLimitBytes) {
    fail({
      op,
      arg,
      expected: `at most ${allocationLimitBytes / 4} entries (${allocationLimitBytes} bytes) in ${what}`,
      actual: `${entries} entries = ${bytes} bytes`,
      ...(shapes ? { shapes } : {}),
      hint: 'make the request smaller, or raise the limit with setAllocationLimit(bytes)',
    });
  }
}

/**
 * Checks a tensor's rank against the layouts an op accepts; `hint` says how to fix it (default: an image's reshape).
 *
 * @example
 * checkRank('conv1d', 'input', [3, 8], [2, 3], '[batch, channels, length] or [channels, length]'); // passes
 */
export function checkRank(
  op: string,
  arg: string,
  shape: Shape,
  ranks: readonly number[],
  layout: string,
  hint = 'reshape it, e.g. x.reshape([1, 1, height, width]) for a single-channel image',
): void {
  if (!ranks.includes(shape.length)) {
    fail({
      op,
      arg,
      expected: `rank ${ranks.join(' or ')} (${layout})`,
      actual: `rank ${shape.length}`,
      shapes: { [arg]: shape },
      hint,
    });
  }
}

/**
 * One value per spatial axis from a number (the same on every axis) or a list, each checked to be an integer ≥ `min`.
 * @example perAxis('conv2d', 'options.stride', 2, 2, 1, {}); // [2, 2]
 */
export function perAxis(
  op: string,
  arg: string,
  value: number | readonly number[],
  n: number,
  min: number,
  shapes: Shapes,
): number[] {
  // The type first: spreading an object or a string would throw a TypeError, or build a huge list from `length`.
  if (!Array.isArray(value) && typeof value !== 'number') {
    let shown: string;
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = typeof value;
    }
    fail({
      op,
      arg,
      expected: `a number or ${n} numbers`,
      actual: shown.length > 80 ? `${shown.slice(0, 79)}…` : shown,
      shapes,
      hint: `one number for every axis, e.g. 2, or one per spatial axis, e.g. [${Array<number>(n).fill(2).join(', ')}]`,
    });
  }
  const values = typeof value === 'number' ? Array<number>(n).fill(value) : [...value];
  if (values.length !== n) {
    fail({
      op,
      arg,
      expected: `one number or ${n} numbers (one per spatial axis)`,
      actual: `${values.length} numbers [${values.join(',')}]`,
      shapes,
    });
  }
  values.forEach((v) => checkCount(op, arg, v, min, shapes));
  return values;
}
