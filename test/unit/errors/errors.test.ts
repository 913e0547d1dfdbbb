/**
 * Every error of issue 3 part A, each with a regex on its message: op, argument, expected, actual, shapes, hint.
 */
import { afterEach, expect, it } from 'vitest';
import {
  ConvLabError,
  add,
  allocationLimit,
  col2im,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  full,
  im2col,
  ones,
  outputSize,
  pad,
  randn,
  setAllocationLimit,
  sum,
  tensor,
  zeros,
  type PadMode,
  type Padding,
} from '../../../kernel/src/index';
import { describeEachBackend } from '../support/sweep';

const DEFAULT_LIMIT = allocationLimit();

describeEachBackend('errors', () => {
  afterEach(() => {
    setAllocationLimit(DEFAULT_LIMIT);
  });

  it('channel mismatch names both shapes and the weight layout', () => {
    expect(() => conv1d(ones([1, 3, 8]), ones([2, 4, 3]))).toThrow(
      /^conv1d: weight expected 3 input channels per group \(input has 3, groups 1\), got 4 \(weight axis 1\) \(input \[1,3,8\], weight \[2,4,3\]\); hint: weight is \[outChannels, inChannels\/groups, \.\.\.kernel\]$/,
    );
    expect(() => conv3d(ones([1, 2, 4, 4, 4]), ones([2, 1, 3, 3, 3]))).toThrow(
      /conv3d: weight expected 2 input channels per group/,
    );
    expect(() => convTranspose2d(ones([1, 3, 4, 4]), ones([2, 1, 3, 3]))).toThrow(
      /convTranspose2d: weight expected 3 input channels on axis 0 .*, got 2 \(weight axis 0\) .*hint: a transposed-conv weight is \[inChannels, outChannels\/groups, \.\.\.kernel\]/,
    );
    expect(() => conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3]), { bias: ones([2]) })).toThrow(
      /conv2d: options.bias expected shape \[1\] \(one value per output channel\), got \[2\] \(input .*bias \[2\]\)/,
    );
  });

  it('groups that do not divide the channels', () => {
    expect(() => conv2d(ones([1, 4, 5, 5]), ones([3, 2, 3, 3]), { groups: 2 })).toThrow(
      /conv2d: options.groups expected a divisor of output channels \(3\), got 2 .*hint: each group/,
    );
    expect(() => conv1d(ones([1, 3, 5]), ones([3, 1, 3]), { groups: 2 })).toThrow(
      /options.groups expected a divisor of input channels \(3\), got 2/,
    );
    expect(() => convTranspose1d(ones([1, 3, 5]), ones([3, 1, 3]), { groups: 2 })).toThrow(
      /convTranspose1d: options.groups expected a divisor of input channels \(3\)/,
    );
    expect(() => conv1d(ones([1, 2, 5]), ones([2, 1, 3]), { groups: 0 })).toThrow(
      /options.groups expected an integer ≥ 1, got 0/,
    );
  });

  it('kernel larger than the padded input', () => {
    expect(() => conv2d(ones([1, 1, 2, 2]), ones([1, 1, 3, 3]))).toThrow(
      /conv2d: weight expected an effective kernel \(3\) no larger than the padded input \(2 \+ 0 \+ 0 = 2\) on spatial axis 0, got kernel \[3,3\] .*hint: pad the input/,
    );
    expect(() => conv1d(ones([1, 1, 6]), ones([1, 1, 3]), { dilation: 3 })).toThrow(
      /effective kernel \(7\) no larger than the padded input \(6 \+ 0 \+ 0 = 6\)/,
    );
    expect(() => im2col(ones([1, 1, 2, 2]), 3)).toThrow(/im2col: weight expected an effective kernel \(3\)/);
  });

  it('non-positive or non-integer stride, dilation, sizes', () => {
    expect(() => conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3]), { stride: 0 })).toThrow(
      /conv2d: options.stride expected an integer ≥ 1, got 0 .*hint: stride counts cells/,
    );
    expect(() => conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3]), { stride: [1, 1.5] })).toThrow(
      /options.stride expected an integer ≥ 1, got 1.5/,
    );
    expect(() => conv1d(ones([1, 1, 4]), ones([1, 1, 3]), { dilation: -1 })).toThrow(
      /conv1d: options.dilation expected an integer ≥ 1, got -1/,
    );
    expect(() => conv1d(ones([1, 1, 4]), ones([1, 1, 3]), { stride: [1, 2] })).toThrow(
      /options.stride expected one number or 1 numbers \(one per spatial axis\), got 2 numbers \[1,2\]/,
    );
    expect(() => conv1d(ones([1, 1, 4]), zeros([1, 1, 0]))).toThrow(
      /conv1d: kernel size expected an integer ≥ 1, got 0/,
    );
    expect(() => zeros([2, 2.5])).toThrow(
      /zeros: shape expected finite non-negative integer sizes, got 2.5 at axis 1 of \[2,2.5\]/,
    );
    expect(() => ones([-1])).toThrow(
      /ones: shape expected finite non-negative integer sizes, got -1 at axis 0/,
    );
    expect(() => conv1d(ones([1, 1, 4]), ones([1, 1, 3]), { padding: -1 })).toThrow(
      /options.padding expected an integer ≥ 0, got -1/,
    );
    expect(() => outputSize(5, 3, { stride: 0 })).toThrow(
      /outputSize: options.stride expected an integer ≥ 1, got 0/,
    );
  });

  it('outputPadding must be < max(stride, dilation); pads must leave an output', () => {
    expect(() => convTranspose1d(ones([1, 1, 3]), ones([1, 1, 3]), { stride: 2, outputPadding: 2 })).toThrow(
      /convTranspose1d: options.outputPadding expected less than max\(stride, dilation\) = 2 on spatial axis 0, got 2/,
    );
    expect(() => convTranspose2d(ones([1, 1, 3, 3]), ones([1, 1, 3, 3]), { outputPadding: 1 })).toThrow(
      /less than max\(stride, dilation\) = 1/,
    );
    expect(() => convTranspose1d(ones([1, 1, 2]), ones([1, 1, 1]), { padding: 1 })).toThrow(
      /convTranspose1d: options.padding expected pads that leave at least 1 output cell on spatial axis 0, got \[1, 1\]: \(2 − 1\)·1 − 1 − 1 \+ 1·\(1 − 1\) \+ 0 \+ 1 = 0/,
    );
  });

  it('wrong rank, for inputs and weights', () => {
    expect(() => conv2d(tensor([1, 2, 3]), ones([1, 1, 1, 1]))).toThrow(
      /conv2d: input expected rank 3 or 4 \(\[batch, channels, height, width\] or unbatched without batch\), got rank 1 \(input \[3\]\); hint: reshape it/,
    );
    expect(() => conv1d(ones([1, 1, 5]), ones([1, 1, 1, 3]))).toThrow(
      /conv1d: weight expected rank 3 \(\[outChannels, inChannels\/groups, kernelLength\]\), got rank 4/,
    );
    expect(() => conv3d(ones([1, 5, 5]), ones([1, 1, 1, 1, 1]))).toThrow(
      /conv3d: input expected rank 4 or 5 .*got rank 3/,
    );
    expect(() => conv3d(ones([1, 1, 5, 5, 5]), ones([1, 1, 1, 1]))).toThrow(
      /conv3d: weight expected rank 5 \(\[outChannels/,
    );
    expect(() => col2im(ones([4]), [3, 3], 2)).toThrow(/col2im: cols expected rank 2 or 3/);
  });

  it('wrong pad-width length and bad padding specs', () => {
    expect(() =>
      pad(ones([4]), [
        [1, 1],
        [1, 1],
      ]),
    ).toThrow(
      /pad: widths expected a number or at most 1 \[before, after\] pairs \(one per trailing axis\), got \[\[1,1\],\[1,1\]\] \(input \[4\]\); hint: e.g./,
    );
    expect(() => pad(ones([4]), [[1, 1, 1]] as unknown as [[number, number]])).toThrow(
      /pad: widths expected a number or at most 1/,
    );
    expect(() => conv2d(ones([1, 1, 5, 5]), ones([1, 1, 3, 3]), { padding: [[1, 1]] })).toThrow(
      /conv2d: options.padding expected 2 \[before, after\] pairs \(one per spatial axis\), got \[\[1,1\]\] \(input \[1,1,5,5\], weight \[1,1,3,3\]\); hint: e.g. \[\[0,1\],\[0,1\]\]/,
    );
    expect(() => conv2d(ones([1, 1, 5, 5]), ones([1, 1, 3, 3]), { padding: [1, 2, 3] })).toThrow(
      /options.padding expected one number or 2 numbers/,
    );
    expect(() => conv2d(ones([1, 1, 5, 5]), ones([1, 1, 3, 3]), { padding: 'causal' })).toThrow(
      /conv2d: options.padding expected 'causal' only for 1-D convolutions .*, got 'causal' with 2 spatial axes .*hint: write the pads explicitly, e.g. \[\[2, 0\], \[2, 0\]\]/,
    );
    expect(() => conv1d(ones([1, 1, 5]), ones([1, 1, 3]), { padding: 'SAME' as Padding })).toThrow(
      /options.padding expected .* one of 'valid', 'same', 'same_lower', 'full', 'causal', got 'SAME'/,
    );
    expect(() => convTranspose1d(ones([1, 1, 5]), ones([1, 1, 3]), { padding: 'same' as 'valid' })).toThrow(
      /convTranspose1d: options.padding expected a number, numbers, \[before, after\] pairs or 'valid', got 'same'/,
    );
    expect(() => pad(ones([4]), [[1, 1]], { mode: 'edge' as PadMode })).toThrow(
      /pad: options.mode expected one of 'constant', .*got "edge"; hint: NumPy's 'edge' is 'replicate'/,
    );
    expect(() => pad(ones([4]), [[-3, -2]])).toThrow(
      /pad: widths expected crops of at most 4 cells in total on axis 0, got \[-3, -2\]/,
    );
    expect(() => pad(zeros([0]), [[1, 1]], { mode: 'reflect' })).toThrow(
      /pad: widths expected a non-empty axis 0 to copy from in 'reflect' mode/,
    );
    expect(() => col2im(ones([1, 4, 5]), [3, 3], 2)).toThrow(
      /col2im: cols expected \[batch, channels·4, 4\] \(floor\(\(3 \+ 0 \+ 0 − 2\) \/ 1\) \+ 1 = 2; .*\), got \[1,4,5\]/,
    );
  });

  it('NaN and Infinity in shapes and options', () => {
    const nonFinite =
      /expected (a finite number|finite non-negative integer sizes), got (NaN|Infinity|-Infinity)/;
    expect(() => zeros([NaN])).toThrow(
      /zeros: shape expected finite non-negative integer sizes, got NaN at axis 0 of \[NaN\]; hint: NaN or Infinity/,
    );
    expect(() => randn([2, Infinity])).toThrow(nonFinite);
    expect(() => conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3]), { stride: Infinity })).toThrow(
      /conv2d: options.stride expected a finite number, got Infinity .*hint: NaN or Infinity usually/,
    );
    expect(() => conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3]), { padding: NaN })).toThrow(
      /options.padding expected a finite number, got NaN/,
    );
    expect(() =>
      conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3]), {
        padding: [
          [0, NaN],
          [0, 0],
        ],
      }),
    ).toThrow(/options.padding expected a finite number, got NaN/);
    expect(() => conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3]), { dilation: [1, NaN] })).toThrow(nonFinite);
    expect(() => conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3]), { padding: 1, padValue: NaN })).toThrow(
      /options.padValue expected a finite number, got NaN/,
    );
    expect(() => conv1d(ones([1, 1, 4]), ones([1, 1, 3]), { groups: NaN })).toThrow(
      /options.groups expected a finite number, got NaN/,
    );
    expect(() => convTranspose1d(ones([1, 1, 4]), ones([1, 1, 3]), { outputPadding: Infinity })).toThrow(
      nonFinite,
    );
    expect(() => pad(ones([4]), [[1, Infinity]])).toThrow(
      /pad: widths\[0\] expected a finite number, got Infinity/,
    );
    expect(() => pad(ones([4]), NaN)).toThrow(/pad: widths expected a finite number, got NaN/);
    expect(() => pad(ones([4]), 1, { value: NaN })).toThrow(
      /pad: options.value expected a number \(±Infinity allowed\), got NaN/,
    );
    expect(() => full([2], NaN)).toThrow(/full: value expected a finite number, got NaN/);
    expect(() => randn([2], { seed: NaN })).toThrow(/randn: options.seed expected a finite number/);
    expect(() => outputSize(NaN, 3)).toThrow(/outputSize: inSize expected a finite number, got NaN/);
    expect(() => ones([4]).slice([[0, NaN]])).toThrow(/slice: ranges\[0\] expected a finite number, got NaN/);
    expect(() => setAllocationLimit(Infinity)).toThrow(/setAllocationLimit: bytes expected a finite number/);
  });

  it('allocations beyond the limit are refused before any memory is taken', () => {
    // 40 GB and more: had these been allocated, V8 would throw a RangeError or the process would die instead.
    const refused =
      /expected at most 2147483648 bytes \(536870912 float32 values\), got .* bytes.*hint: make the tensor smaller, or raise the limit with setAllocationLimit\(bytes\)/;
    expect(() => zeros([100000, 100000])).toThrow(refused);
    expect(() => randn([1e6, 1e6])).toThrow(refused);
    expect(() => conv2d(ones([1, 1, 1, 1]), ones([1, 1, 1, 1]), { padding: 50000 })).toThrow(
      /^conv2d: shape expected at most 2147483648 bytes .*got \[1,1,100001,100001\]/,
    );
    expect(() => pad(ones([1, 1, 1, 1]), 50000)).toThrow(/^pad: shape expected at most/);
    expect(() => add(ones([100000, 1]), ones([1, 100000]))).toThrow(
      /^add: shape expected at most .*got \[100000,100000\]/,
    );
    expect(() => convTranspose1d(ones([1, 1, 3]), ones([1, 1, 1]), { stride: 1e9 })).toThrow(
      /^convTranspose1d: shape expected at most/,
    );
    // A configurable limit, and the previous one returned.
    expect(setAllocationLimit(1024)).toBe(DEFAULT_LIMIT);
    expect(() => zeros([257])).toThrow(
      /^zeros: shape expected at most 1024 bytes \(256 float32 values\), got \[257\] = 257 values = 1028 bytes/,
    );
    expect(zeros([256]).size).toBe(256);
    expect(() => im2col(ones([1, 1, 16, 16]), 2)).toThrow(
      /^im2col: shape expected at most 1024 bytes .*got \[1,4,225\]/,
    );
    expect(() => sum(ones([16]))).not.toThrow();
  });

  it('errors are ConvLabErrors with the parts as fields, and leave inputs untouched', () => {
    const x = ones([1, 1, 2, 2]);
    try {
      conv2d(x, ones([1, 1, 3, 3]));
      expect.fail('conv2d should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ConvLabError);
      const e = error as ConvLabError;
      expect([e.op, e.arg]).toEqual(['conv2d', 'weight']);
      expect(e.shapes).toEqual({ input: [1, 1, 2, 2], weight: [1, 1, 3, 3] });
    }
    expect(Array.from(x.data)).toEqual([1, 1, 1, 1]);
  });
});
