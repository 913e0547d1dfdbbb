import { expect, it } from 'vitest';
import {
  add,
  arange,
  div,
  full,
  max,
  mean,
  mul,
  ones,
  rand,
  randn,
  relu,
  sub,
  sum,
  tensor,
  zeros,
} from '../../../kernel/src/index';
import { describeEachBackend } from '../support/sweep';
import { flat } from '../support/helpers';

describeEachBackend('tensor constructors and elementwise ops', () => {
  it('zeros, ones, full, arange', () => {
    expect(zeros([1, 1, 2, 3]).toArray()).toEqual([
      [
        [
          [0, 0, 0],
          [0, 0, 0],
        ],
      ],
    ]);
    expect(ones([3]).toArray()).toEqual([1, 1, 1]);
    expect(full([2, 2], 7).toArray()).toEqual([
      [7, 7],
      [7, 7],
    ]);
    expect(flat(full([2], -Infinity))).toEqual([-Infinity, -Infinity]);
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 7).toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(arange(0, 1, 0.25).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(arange(3, 1).shape).toEqual([0]);
  });

  it('rand / randn: the same seed gives the same values (pinned here, so a change of generator shows)', () => {
    expect(flat(rand([3], { seed: 1 }))).toEqual(
      Array.from(Float32Array.of(0.6270739436149597, 0.002735721180215478, 0.5274470448493958)),
    );
    expect(flat(randn([2], { seed: 1 }))).toEqual(
      Array.from(Float32Array.of(1.4043388366699219, 0.024141617119312286)),
    );
    expect(flat(randn([5, 5], { seed: 42 }))).toEqual(flat(randn([5, 5], { seed: 42 })));
    expect(flat(randn([5], { seed: 42 }))).not.toEqual(flat(randn([5], { seed: 43 })));
    const r = rand([4], { seed: 3, low: -2, high: 2 });
    expect(flat(r).every((v) => v >= -2 && v < 2)).toBe(true);
  });

  it('randn has mean ≈ 0 and std ≈ 1 over 20000 draws; options shift and scale it', () => {
    const x = randn([20000], { seed: 7 });
    const m = mean(x).data[0]!;
    const variance = mean(mul(sub(x, m), sub(x, m))).data[0]!;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.03);
    expect(mean(randn([20000], { seed: 7, mean: 5, std: 0.1 })).data[0]).toBeCloseTo(5, 1);
  });

  it('reshape shares values; permute and slice copy', () => {
    const x = arange(12).reshape([3, 4]);
    expect(x.reshape([2, -1]).shape).toEqual([2, 6]);
    expect(
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ])
        .permute([1, 0])
        .toArray(),
    ).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(zeros([1, 28, 28, 3]).permute([0, 3, 1, 2]).shape).toEqual([1, 3, 28, 28]);
    const cube = arange(24).reshape([2, 3, 4]);
    expect(cube.permute([2, 0, 1]).permute([1, 2, 0]).toArray()).toEqual(cube.toArray());
    expect(
      x
        .slice([
          [1, 3],
          [0, 2],
        ])
        .toArray(),
    ).toEqual([
      [4, 5],
      [8, 9],
    ]);
    expect(x.slice([null, [-1, 4]]).toArray()).toEqual([[3], [7], [11]]);
    expect(x.slice([[2, 99]]).toArray()).toEqual([[8, 9, 10, 11]]);
    expect(x.slice([[3, 1]]).shape).toEqual([0, 4]);
  });

  it('add, sub, mul, div broadcast as NumPy; relu', () => {
    expect(
      add(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        tensor([10, 20]),
      ).toArray(),
    ).toEqual([
      [11, 22],
      [13, 24],
    ]);
    expect(add(tensor([[1], [2]]), tensor([10, 20, 30])).toArray()).toEqual([
      [11, 21, 31],
      [12, 22, 32],
    ]);
    expect(sub(tensor([5, 7]), 1).toArray()).toEqual([4, 6]);
    expect(sub(1, tensor([5, 7])).toArray()).toEqual([-4, -6]);
    expect(mul(tensor([1, 2, 3]), 2).toArray()).toEqual([2, 4, 6]);
    expect(div(tensor([1, 2, 3]), 2).toArray()).toEqual([0.5, 1, 1.5]);
    const bias = tensor([1, -1], [2, 1, 1]);
    expect(add(zeros([1, 2, 2, 2]), bias).toArray()).toEqual([
      [
        [
          [1, 1],
          [1, 1],
        ],
        [
          [-1, -1],
          [-1, -1],
        ],
      ],
    ]);
    expect(relu(tensor([-2, 0, 3])).toArray()).toEqual([0, 0, 3]);
  });

  it('sum, mean, max: all axes, one axis, several, negative axes, keepDims', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(sum(x).toArray()).toBe(10);
    expect(sum(x).shape).toEqual([]);
    expect(sum(x, 0).toArray()).toEqual([4, 6]);
    expect(sum(x, -1).toArray()).toEqual([3, 7]);
    expect(sum(x, 1, { keepDims: true }).shape).toEqual([2, 1]);
    expect(mean(x, 1).toArray()).toEqual([1.5, 3.5]);
    expect(
      max(
        tensor([
          [1, 5],
          [3, 4],
        ]),
        0,
      ).toArray(),
    ).toEqual([3, 5]);
    const y = arange(24).reshape([2, 3, 4]);
    expect(sum(y, [0, 2]).toArray()).toEqual(
      [0, 1, 2].map((j) =>
        [0, 1].reduce((s, i) => s + [0, 1, 2, 3].reduce((t, k) => t + i * 12 + j * 4 + k, 0), 0),
      ),
    );
    expect(max(tensor([1, NaN, 3])).data[0]).toBeNaN();
  });
});
