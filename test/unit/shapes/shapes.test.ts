import { describe, expect, it } from 'vitest';
import { convInfo, outputSize } from '../../../kernel/src/index';

describe('outputSize', () => {
  it('floors: 6×6, k3, s2, p0 gives 2, not 3 (kernel/docs/semantics.md §2.1)', () => {
    const axis = outputSize(6, 3, { stride: 2 });
    expect(axis.outSize).toBe(2);
    expect(axis.formula).toBe('floor((6 + 0 + 0 − 3) / 2) + 1 = 2');
    expect(outputSize(6, 3, { stride: 2, padBefore: 1, padAfter: 1 }).outSize).toBe(3);
    expect(outputSize(7, 3, { stride: 2 }).outSize).toBe(3);
  });

  it('uses the effective kernel d·(k−1)+1 for dilation', () => {
    const axis = outputSize(7, 3, { dilation: 2 });
    expect(axis.effectiveKernel).toBe(5);
    expect(axis.outSize).toBe(3);
    expect(axis.formula).toContain('effective kernel 2·(3−1)+1 = 5');
  });
});

describe('convInfo', () => {
  it('4×4 input, 3×3 kernel, valid, stride 1 → 2×2', () => {
    expect(convInfo('conv2d', [1, 1, 4, 4], [1, 1, 3, 3], {}).outShape).toEqual([1, 1, 2, 2]);
    expect(convInfo('conv2d', [1, 1, 28, 28], [8, 1, 3, 3], { padding: 'valid' }).outShape).toEqual([1, 8, 26, 26]);
  });

  it("'same' puts an odd total pad at the end, for any stride (TF, ONNX SAME_UPPER)", () => {
    const even = convInfo('conv2d', [1, 1, 1, 6], [1, 1, 1, 2], { padding: 'same' }).axes[1];
    expect([even?.padBefore, even?.padAfter, even?.outSize]).toEqual([0, 1, 6]);
    const strided = convInfo('conv2d', [1, 1, 1, 6], [1, 1, 1, 3], { padding: 'same', stride: 2 }).axes[1];
    expect([strided?.padBefore, strided?.padAfter, strided?.outSize]).toEqual([0, 1, 3]);
  });

  it('takes per-side pairs', () => {
    const info = convInfo('conv2d', [1, 1, 5, 5], [1, 1, 3, 3], { padding: [[1, 0], [0, 2]] });
    expect(info.axes.map((a) => [a.padBefore, a.padAfter])).toEqual([[1, 0], [0, 2]]);
    expect(info.outShape).toEqual([1, 1, 4, 5]);
  });

  it('names op, argument, expected, actual, shapes and a hint on channel mismatch', () => {
    expect(() => convInfo('conv2d', [1, 3, 28, 28], [8, 4, 3, 3], {})).toThrow(
      /^conv2d: weight expected 3 input channels per group .* got 4 \(weight axis 1\) \(input \[1,3,28,28\], weight \[8,4,3,3\]\); hint: weight is \[outChannels, inChannels\/groups, \.\.\.kernel\]$/,
    );
  });

  it('rejects groups that do not divide the channels', () => {
    expect(() => convInfo('conv2d', [1, 3, 8, 8], [4, 1, 3, 3], { groups: 2 })).toThrow(
      /conv2d: options.groups expected a divisor of input channels \(3\), got 2/,
    );
  });

  it('rejects a kernel larger than the padded input', () => {
    expect(() => convInfo('conv2d', [1, 1, 2, 2], [1, 1, 3, 3], {})).toThrow(
      /conv2d: weight expected an effective kernel \(3\) no larger than the padded input \(2 \+ 0 \+ 0 = 2\)/,
    );
  });

  it('rejects non-positive or non-integer stride and dilation', () => {
    expect(() => convInfo('conv2d', [1, 1, 4, 4], [1, 1, 3, 3], { stride: 0 })).toThrow(/options.stride expected an integer ≥ 1, got 0/);
    expect(() => convInfo('conv2d', [1, 1, 4, 4], [1, 1, 3, 3], { dilation: [1, 1.5] })).toThrow(
      /options.dilation expected an integer ≥ 1, got 1.5/,
    );
    expect(() => convInfo('conv2d', [1, 1, 4, 4], [1, 1, 3, 3], { stride: NaN })).toThrow(/options.stride expected a finite number, got NaN .*; hint: NaN or Infinity/);
  });
});
