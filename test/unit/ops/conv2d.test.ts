import { expect, it } from 'vitest';
import { conv2d, tensor } from '../../../kernel/src/index';
import { flat, onEveryBackend, row, workedExample } from '../support/helpers';

onEveryBackend('conv2d', (name) => {
  it('the worked example: 4×4 input, 3×3 kernel, valid, stride 1 → 2×2', () => {
    const { x, w } = workedExample();
    const y = conv2d(x, w);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    // (0,0): 1·1+2·2+3·3 + 5·4+6·5+7·6 + 9·7+10·8+11·9 = 348; each step right adds 45, each step down 180.
    expect(y.toArray()).toEqual([[[[348, 393], [528, 573]]]]);
  });

  it('is cross-correlation, not convolution: x=[1..6], w=[1,10,100] → [321,432,543,654]', () => {
    expect(flat(conv2d(row([1, 2, 3, 4, 5, 6]), row([1, 10, 100])))).toEqual([321, 432, 543, 654]);
  });

  it("'same' with stride 2 pads the end, as TF: [321, 543, 65]", () => {
    const y = conv2d(row([1, 2, 3, 4, 5, 6]), row([1, 10, 100]), { padding: 'same', stride: 2 });
    expect(flat(y)).toEqual([321, 543, 65]);
  });

  it('dilation 2: x=[1..7] → [531, 642, 753]', () => {
    expect(flat(conv2d(row([1, 2, 3, 4, 5, 6, 7]), row([1, 10, 100]), { dilation: 2 }))).toEqual([531, 642, 753]);
  });

  it('a delta input reproduces the kernel rotated by 180°', () => {
    const delta = tensor([[[[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]]]);
    const { w } = workedExample();
    expect(conv2d(delta, w).toArray()).toEqual([[[[9, 8, 7], [6, 5, 4], [3, 2, 1]]]]);
  });

  it('groups: depthwise channels do not mix; bias is added per output channel', () => {
    const x = tensor([[[[1, 2], [3, 4]], [[10, 20], [30, 40]]]]);
    const w = tensor([[[[1]]], [[[2]]]]);
    const y = conv2d(x, w, { groups: 2, bias: tensor([0.5, -1]) });
    expect(y.toArray()).toEqual([[[[1.5, 2.5], [3.5, 4.5]], [[19, 39], [59, 79]]]]);
  });

  it('accepts unbatched CHW input and returns CHW', () => {
    const { x, w } = workedExample();
    expect(conv2d(x.reshape([1, 4, 4]), w).shape).toEqual([1, 2, 2]);
  });

  it('records provenance so display can show input, kernel and output', () => {
    const { x, w } = workedExample();
    const y = conv2d(x, w);
    expect(y.provenance?.op).toBe('conv2d');
    // 'auto' runs a conv this small on the reference loops without measuring, and says so.
    expect(y.provenance?.backend).toBe(name === 'auto' ? 'cpu' : name);
    expect(y.provenance?.input).toBe(x);
    expect(y.provenance?.weight).toBe(w);
  });

  it('rejects a wrong rank with the shapes and a hint', () => {
    expect(() => conv2d(tensor([1, 2, 3]), workedExample().w)).toThrow(
      /conv2d: input expected rank 3 or 4 .* got rank 1 \(input \[3\]\); hint: reshape it/,
    );
  });

  it('rejects a bias of the wrong length', () => {
    const { x, w } = workedExample();
    expect(() => conv2d(x, w, { bias: tensor([1, 2]) })).toThrow(/conv2d: options.bias expected shape \[1\] .* got \[2\]/);
  });
});
