/**
 * Convolutions. Each op reads like a paragraph: check → shape info → backend → result with provenance.
 */
import { fail } from '../errors';
import { backend } from '../backends';
import { convInfo, windowOf, type ConvOptions } from '../shapes';
import { Tensor } from '../tensor';
import { traceConv } from '../trace';

/** Options of {@link conv2d}. */
export interface Conv2dOptions extends ConvOptions {
  /** Added to every output channel: shape `[outChannels]`. */
  bias?: Tensor;
}

function checkRank(op: string, arg: string, t: Tensor, ranks: readonly number[], layout: string): void {
  if (!ranks.includes(t.rank)) {
    fail({
      op,
      arg,
      expected: `rank ${ranks.join(' or ')} (${layout})`,
      actual: `rank ${t.rank}`,
      shapes: { [arg]: t.shape },
      hint: 'reshape it, e.g. x.reshape([1, 1, height, width]) for a single-channel image',
    });
  }
}

/**
 * 2-D cross-correlation (no kernel flip), as PyTorch's `F.conv2d` and ONNX `Conv`.
 *
 * @param input `[batch, inChannels, height, width]` (NCHW), or unbatched `[inChannels, height, width]`
 * @param weight `[outChannels, inChannels / groups, kernelHeight, kernelWidth]` (OIHW)
 * @param options stride, padding (`'valid'`, `'same'`, numbers or per-side pairs), dilation, groups, bias
 * @returns `[batch, outChannels, outHeight, outWidth]` with `out = floor((L + pL + pR − d(k−1) − 1) / s) + 1`
 *   (unbatched in, unbatched out); displaying it shows input, kernel and output side by side.
 * @example
 * const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
 * const w = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
 * conv2d(x, w).toArray(); // [[[[348, 393], [528, 573]]]]
 */
export function conv2d(input: Tensor, weight: Tensor, options: Conv2dOptions = {}): Tensor {
  const op = 'conv2d';
  checkRank(op, 'input', input, [3, 4], '[batch, channels, height, width] or [channels, height, width]');
  checkRank(op, 'weight', weight, [4], '[outChannels, inChannels/groups, kernelHeight, kernelWidth]');
  const batched = input.rank === 4 ? input : input.reshape([1, ...input.shape]);
  const info = convInfo(op, batched.shape, weight.shape, options);
  const { bias } = options;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== info.outChannels)) {
    fail({
      op,
      arg: 'options.bias',
      expected: `shape [${info.outChannels}] (one value per output channel)`,
      actual: `[${bias.shape.join(',')}]`,
      shapes: { input: input.shape, weight: weight.shape, bias: bias.shape },
    });
  }
  const chosen = backend();
  const out = chosen.conv2d(batched.data, weight.data, bias?.data, info);
  const outShape = input.rank === 4 ? info.outShape : info.outShape.slice(1);
  traceConv(info, input.shape, outShape, bias !== undefined);
  return new Tensor(out, outShape, { op, backend: chosen.name, input, weight, window: windowOf(info) });
}
