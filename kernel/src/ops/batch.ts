/**
 * The batch axis, written once: ops take an input with a batch axis, or without one (unbatched), as PyTorch
 * does, and compute on the batched form.
 */
import { checkRank } from '../shapes';
import type { Tensor } from '../tensor';

/**
 * Checks that `x` has `rank` axes, or `rank − 1` (unbatched), and returns it with a batch axis (a view: no copy).
 *
 * @param expected the layouts accepted, in the words of the error message, e.g.
 *   `'[batch, channels, height, width] or [channels, height, width]'`
 * @example
 * withBatch('maxPool2d', 'input', zeros([3, 8, 8]), 4, '[batch, channels, height, width] or [channels, height, width]').shape;
 * // [1, 3, 8, 8]
 */
export function withBatch(op: string, arg: string, x: Tensor, rank: number, expected: string): Tensor {
  checkRank(op, arg, x.shape, [rank - 1, rank], expected);
  return x.rank === rank ? x : x.reshape([1, ...x.shape]);
}
