/**
 * im2col / col2im in PyTorch's `F.unfold` / `F.fold` layout (kernel/docs/semantics.md §8): a convolution is a matrix
 * product of the flattened weight with the unfolded input, `conv2d(x, w) = w.reshape([O, −1]) @ im2col(x, k)`.
 */
import { fail, formatShape } from '../errors';
import { backend } from '../backends';
import { checkAllocation, windowInfo, type Shape, type WindowInfo, type WindowOptions } from '../shapes';
import { Tensor, numel } from '../tensor';
import { withBatch } from './batch';
import { batchedInput, type SpatialRank } from './conv';

/** Options of {@link im2col} and {@link col2im}: stride, padding (incl. 'same'), dilation, paddingMode, padValue. */
export type Im2colOptions = WindowOptions;

/** A window size: one number (square, 2-D) or one size per spatial axis; its length sets the spatial rank. */
export type KernelSize =
  | number
  | readonly [length: number]
  | readonly [height: number, width: number]
  | readonly [depth: number, height: number, width: number];

/** The spatial size of an image for {@link col2im}, one size per kernel axis. */
export type ImageSize =
  | readonly [length: number]
  | readonly [height: number, width: number]
  | readonly [depth: number, height: number, width: number];

function kernelList(op: string, kernelSize: KernelSize): number[] {
  const kernels = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : [...kernelSize];
  if (kernels.length < 1 || kernels.length > 3) {
    fail({
      op,
      arg: 'kernelSize',
      expected: 'a number (2-D) or 1 to 3 sizes (one per spatial axis)',
      actual: JSON.stringify(kernelSize) ?? String(kernelSize),
    });
  }
  return kernels;
}

/**
 * Unfolds every sliding window into a column, as PyTorch's `F.unfold` (which is 2-D only; here 1-D to 3-D).
 *
 * @param x `[batch, channels, ...spatial]`, or unbatched `[channels, ...spatial]`
 * @param kernelSize one number (2-D) or one size per spatial axis
 * @returns `[batch, channels·Πkernel, Πout]`: row `c·kh·kw + i·kw + j` (channel, then kernel row, column),
 *   one column per output position, row-major
 * @example
 * im2col(arange(1, 10).reshape([1, 1, 3, 3]), 2).toArray();
 * // [[[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]]]
 */
export function im2col(x: Tensor, kernelSize: KernelSize, options: Im2colOptions = {}): Tensor {
  const op = 'im2col';
  const kernels = kernelList(op, kernelSize);
  const batched = batchedInput(op, x, kernels.length as SpatialRank);
  const [batch = 0, channels = 0, ...sizes] = batched.shape;
  const info = windowInfo(op, sizes, kernels, options, { input: x.shape });
  const outShape = [batch, channels * numel(kernels), numel(info.axes.map((a) => a.outSize))];
  checkAllocation(op, outShape, { input: x.shape });
  const out = backend().im2col(batched.values, batch, channels, info);
  return new Tensor(out.values, x.rank === batched.rank ? outShape : outShape.slice(1), {
    op,
    backend: out.backend,
    input: x,
  });
}

/**
 * Folds columns back into an image, **summing** where windows overlap, as PyTorch's `F.fold`: the adjoint
 * (transpose) of {@link im2col}, so `col2im(im2col(x))` is `x` times how many windows cover each cell.
 *
 * @param cols `[batch, channels·Πkernel, Πout]`, or unbatched `[channels·Πkernel, Πout]`
 * @param outputSize the spatial size of the image, e.g. `[height, width]`
 * @param kernelSize one number (2-D) or one size per spatial axis
 * @returns `[batch, channels, ...outputSize]`
 * @example
 * col2im(im2col(ones([1, 1, 3, 3]), 2), [3, 3], 2).toArray();
 * // [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]
 */
export function col2im(
  cols: Tensor,
  outputSize: ImageSize,
  kernelSize: KernelSize,
  options: Im2colOptions = {},
): Tensor {
  const op = 'col2im';
  const kernels = kernelList(op, kernelSize);
  const batched = withBatch(op, 'cols', cols, 3, '[batch, channels·Πkernel, windows] or unbatched without batch');
  const [batch = 0, rows = 0, windows = 0] = batched.shape;
  const taps = numel(kernels);
  if (outputSize.length !== kernels.length) {
    fail({
      op,
      arg: 'outputSize',
      expected: `${kernels.length} sizes (one per kernel axis)`,
      actual: formatShape(outputSize),
      shapes: { cols: cols.shape },
    });
  }
  const info: WindowInfo = windowInfo(op, [...outputSize], kernels, options, { cols: cols.shape });
  const expectedWindows = numel(info.axes.map((a) => a.outSize));
  if (rows % taps !== 0 || windows !== expectedWindows) {
    fail({
      op,
      arg: 'cols',
      expected: `[batch, channels·${taps}, ${expectedWindows}] (${info.axes.map((a) => a.formula).join('; ')})`,
      actual: formatShape(cols.shape),
      shapes: { cols: cols.shape },
      hint: 'outputSize, kernelSize and the options must be those im2col used',
    });
  }
  const outShape: Shape = [batch, rows / taps, ...outputSize];
  checkAllocation(op, outShape, { cols: cols.shape });
  const out = backend().col2im(batched.values, batch, rows / taps, info);
  return new Tensor(out.values, cols.rank === 3 ? outShape : outShape.slice(1), {
    op,
    backend: out.backend,
    input: cols,
  });
}
