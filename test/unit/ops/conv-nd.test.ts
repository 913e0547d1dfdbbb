import { expect, it } from 'vitest';
import {
  PAD_MODES,
  conv1d,
  conv2d,
  conv3d,
  convInfo,
  im2col,
  tensor,
  type Conv2dOptions,
  type PadMode,
  type PadPair,
  type Tensor,
} from '../../../kernel/src/index';
import { describeEachBackend, expectMatchesTorch, ORACLE_TIMEOUT_MS, seeded, type DiffCase } from '../support/sweep';
import { flat } from '../support/helpers';

// § numbers in test names are sections of kernel/docs/semantics.md.

const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
/** A 1-D signal as [1, 1, L] (NCL) and a 1-D kernel as [1, 1, k] (OIL). */
const sig = (values: number[]): Tensor => tensor(values, [1, 1, values.length]);

type Conv = (x: Tensor, w: Tensor, o?: Conv2dOptions) => Tensor;
const CONVS: Record<1 | 2 | 3, { conv: Conv; op: string }> = {
  1: { conv: conv1d, op: 'conv1d' },
  2: { conv: conv2d, op: 'conv2d_nd' },
  3: { conv: conv3d, op: 'conv3d' },
};

/** A differential case for convNd; `oracleOptions` are PyTorch's spelling when it differs from ConvLab's. */
function convCase(
  n: 1 | 2 | 3,
  x: number[],
  w: number[],
  options: Conv2dOptions,
  seed: number,
  bias: boolean,
  oracleOptions: object = options,
): DiffCase {
  const [xs, ws, bs] = [seeded(x, seed), seeded(w, seed + 1), seeded([w[0]!], seed + 2)];
  const { conv, op } = CONVS[n];
  return {
    label: `${op} x=[${x}] w=[${w}] ${JSON.stringify(options)} bias=${bias}`,
    oracle: {
      op,
      tensors: {
        x: { shape: x, data: xs },
        w: { shape: w, data: ws },
        ...(bias ? { b: { shape: [w[0]!], data: bs } } : {}),
      },
      options: oracleOptions,
    },
    run: () => conv(tensor(xs, x), tensor(ws, w), { ...options, ...(bias ? { bias: tensor(bs) } : {}) }),
  };
}

/** Whether PyTorch accepts it: the effective kernel fits the padded input on every axis. */
function fits(sizes: number[], kernels: number[], dilation: number, pad: number): boolean {
  return sizes.every((s, i) => dilation * (kernels[i]! - 1) + 1 <= s + 2 * pad);
}

/** Channel configurations [in, out, groups]: plain, grouped, depthwise, depthwise with multiplier 2. */
const CHANNELS = [
  [1, 1, 1],
  [3, 4, 1],
  [4, 6, 2],
  [4, 4, 4],
  [2, 4, 2],
] as const;

describeEachBackend('conv1d / conv2d / conv3d', () => {
  it('§2.1: 6×6, 3×3, stride 2, no padding → 2×2 (a tutorial says 3×3; the floor is why)', () => {
    const y = conv2d(tensor(seq(36), [1, 1, 6, 6]), tensor(seq(9), [1, 1, 3, 3]), { stride: 2 });
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(convInfo('conv2d', [1, 1, 6, 6], [1, 1, 3, 3], { stride: 2 }).axes[0]!.formula).toBe(
      'floor((6 + 0 + 0 − 3) / 2) + 1 = 2',
    );
    expect(conv2d(tensor(seq(49), [1, 1, 7, 7]), tensor(seq(9), [1, 1, 3, 3]), { stride: 2 }).shape).toEqual([
      1, 1, 3, 3,
    ]);
    expect(
      conv2d(tensor(seq(36), [1, 1, 6, 6]), tensor(seq(9), [1, 1, 3, 3]), { stride: 2, padding: 1 }).shape,
    ).toEqual([1, 1, 3, 3]);
  });

  it('§3.2, §3.3: odd same padding goes to the end; same_lower to the start', () => {
    const x = sig(seq(6));
    expect(flat(conv1d(x, sig([1, 10]), { padding: 'same' }))).toEqual([21, 32, 43, 54, 65, 6]);
    expect(flat(conv1d(x, sig([1, 10]), { padding: 'same_lower' }))).toEqual([10, 21, 32, 43, 54, 65]);
    expect(flat(conv1d(x, sig([1, 10, 100]), { padding: 'same', stride: 2 }))).toEqual([321, 543, 65]);
    expect(flat(conv1d(x, sig([1, 10, 100]), { padding: 'same_lower', stride: 2 }))).toEqual([210, 432, 654]);
    expect(flat(conv1d(x, sig([1, 10, 100]), { padding: 1, stride: 2 }))).toEqual([210, 432, 654]);
  });

  it('§1.3: no kernel flip; a 2-D delta returns the kernel rotated 180°', () => {
    expect(flat(conv1d(sig(seq(6)), sig([1, 10, 100])))).toEqual([321, 432, 543, 654]);
    const delta = tensor(
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [1, 1, 5, 5],
    );
    expect(conv2d(delta, tensor(seq(9), [1, 1, 3, 3])).toArray()).toEqual([
      [
        [
          [9, 8, 7],
          [6, 5, 4],
          [3, 2, 1],
        ],
      ],
    ]);
  });

  it('§2.1, §3.2: dilation uses kE = d(k−1)+1; PyTorch same with k2, d3 pads (1, 2)', () => {
    const x = sig(seq(7));
    expect(flat(conv1d(x, sig([1, 10, 100]), { dilation: 2 }))).toEqual([531, 642, 753]);
    expect(flat(conv1d(x, sig([1, 10, 100]), { dilation: 2, padding: 'same' }))).toEqual([
      310, 420, 531, 642, 753, 64, 75,
    ]);
    const axis = convInfo('conv1d', [1, 1, 7], [1, 1, 2], { dilation: 3, padding: 'same' }).axes[0]!;
    expect([axis.padBefore, axis.padAfter]).toEqual([1, 2]);
  });

  it("§3.2: PyTorch stride-1 'same' pads: k2 (0,1), k4 (1,2), k3 d2 (2,2); k=(3,4) → [1,1],[1,2]", () => {
    const pads = (k: number, d: number): number[] => {
      const axis = convInfo('conv1d', [1, 1, 9], [1, 1, k], { dilation: d, padding: 'same' }).axes[0]!;
      return [axis.padBefore, axis.padAfter];
    };
    expect([pads(2, 1), pads(4, 1), pads(3, 2), pads(2, 3)]).toEqual([
      [0, 1],
      [1, 2],
      [2, 2],
      [1, 2],
    ]);
    const info = convInfo('conv2d', [1, 1, 6, 6], [1, 1, 3, 4], { padding: 'same', paddingMode: 'reflect' });
    expect(info.axes.map((a) => [a.padBefore, a.padAfter])).toEqual([
      [1, 1],
      [1, 2],
    ]);
    expect(info.padMode).toBe('reflect');
  });

  it('§3.5: causal is a left pad of d(k−1) (Keras Conv1D), with stride too', () => {
    const x = sig(seq(6));
    expect(flat(conv1d(x, sig([1, 10, 100]), { padding: 'causal' }))).toEqual([100, 210, 321, 432, 543, 654]);
    expect(flat(conv1d(x, sig([1, 10, 100]), { padding: 'causal', dilation: 2 }))).toEqual([
      100, 200, 310, 420, 531, 642,
    ]);
    expect(flat(conv1d(x, sig([1, 10, 100]), { padding: 'causal', stride: 2 }))).toEqual([100, 321, 543]);
  });

  it("'full' pads kE − 1 on both sides: the full correlation", () => {
    expect(flat(conv1d(sig([1, 2, 3]), sig([1, 10]), { padding: 'full' }))).toEqual([10, 21, 32, 3]);
  });

  it('§4.5: paddingMode on a 3×3 mean of 4×4 1..16: corner is 1.556 (zeros), 7.667 (circular), 2.667 (symmetric)', () => {
    const x = tensor(seq(16), [1, 1, 4, 4]);
    const w = tensor(Array(9).fill(1 / 9), [1, 1, 3, 3]);
    const corner = (paddingMode: PadMode | 'zeros'): number =>
      conv2d(x, w, { padding: 1, paddingMode }).data[0]!;
    expect(corner('zeros')).toBeCloseTo(14 / 9, 5);
    expect(corner('circular')).toBeCloseTo(69 / 9, 5);
    expect(corner('symmetric')).toBeCloseTo(24 / 9, 5);
    expect(conv2d(x, w, { padding: 1, padValue: 9 }).data[0]).toBeCloseTo((14 + 5 * 9) / 9, 5);
  });

  it('groups: depthwise with multiplier 2 — output channel o reads input channel o // 2', () => {
    const x = tensor([1, 2, 10, 20], [1, 2, 2]);
    const y = conv1d(x, tensor([1, 2, 3, 4], [4, 1, 1]), { groups: 2 });
    expect(y.toArray()).toEqual([
      [
        [1, 2],
        [2, 4],
        [30, 60],
        [40, 80],
      ],
    ]);
  });

  it('unbatched input in, unbatched output out, for every rank', () => {
    expect(conv1d(tensor(seq(12), [2, 6]), tensor(seq(6), [1, 2, 3])).shape).toEqual([1, 4]);
    expect(conv2d(tensor(seq(16), [1, 4, 4]), tensor(seq(12), [3, 1, 2, 2])).shape).toEqual([3, 3, 3]);
    expect(conv3d(tensor(seq(27), [1, 3, 3, 3]), tensor(seq(8), [1, 1, 2, 2, 2])).shape).toEqual([
      1, 2, 2, 2,
    ]);
  });

  it('keeps provenance and the window on the result', () => {
    const x = tensor(seq(16), [1, 1, 4, 4]);
    const w = tensor(seq(4), [1, 1, 2, 2]);
    const y = conv2d(x, w, { padding: 'same', stride: 2 });
    expect(y.provenance?.op).toBe('conv2d');
    expect(y.provenance?.input).toBe(x);
    expect(y.provenance?.window).toEqual({
      kernel: [2, 2],
      stride: [2, 2],
      dilation: [1, 1],
      padding: [
        [0, 0],
        [0, 0],
      ],
      groups: 1,
      paddingMode: 'zeros',
    });
  });

  it('property: conv2d equals im2col + GEMM (w.reshape([O, −1]) @ cols)', () => {
    for (let trial = 0; trial < 12; trial++) {
      const [c, o] = [1 + (trial % 3), 1 + (trial % 4)];
      const [h, wd, k, stride, dilation] = [
        5 + (trial % 3),
        4 + (trial % 4),
        1 + (trial % 3),
        1 + (trial % 2),
        1 + ((trial >> 2) % 2),
      ];
      const options = { stride, dilation, padding: 'same' as const };
      const x = tensor(seeded([2, c, h, wd], trial), [2, c, h, wd]);
      const w = tensor(seeded([o, c, k, k], 100 + trial), [o, c, k, k]);
      const y = conv2d(x, w, options);
      const cols = im2col(x, k, options);
      const [, rows, windows] = cols.shape as [number, number, number];
      const gemm: number[] = [];
      for (let n = 0; n < 2; n++) {
        for (let oc = 0; oc < o; oc++) {
          for (let p = 0; p < windows; p++) {
            let s = 0;
            for (let r = 0; r < rows; r++)
              s += w.data[oc * rows + r]! * cols.data[(n * rows + r) * windows + p]!;
            gemm.push(s);
          }
        }
      }
      flat(y).forEach((v, i) => expect(v).toBeCloseTo(gemm[i]!, 5));
    }
  });

  it("property: a shifted delta kernel shifts the input; 'same' output length is ceil(L / s)", () => {
    const x = tensor(seeded([1, 1, 9], 7), [1, 1, 9]);
    for (let shift = 0; shift < 5; shift++) {
      const delta = tensor(
        seq(5).map((i) => (i - 1 === shift ? 1 : 0)),
        [1, 1, 5],
      );
      expect(flat(conv1d(x, delta))).toEqual(flat(x).slice(shift, shift + 5));
    }
    for (let length = 1; length <= 12; length++) {
      for (let s = 1; s <= 4; s++) {
        for (const k of [1, 2, 3, 4, 5]) {
          for (const d of [1, 2]) {
            const info = convInfo('conv1d', [1, 1, length], [1, 1, k], {
              padding: 'same',
              stride: s,
              dilation: d,
            });
            expect(info.outShape[2], `L=${length} s=${s} k=${k} d=${d}`).toBe(Math.ceil(length / s));
          }
        }
      }
    }
  });

  it(
    'matches PyTorch F.conv1d / conv2d / conv3d over strides, dilations, groups, paddings, kernels and bias',
    () => {
      const cases: DiffCase[] = [];
      let seed = 1;
      for (const [c, o, groups] of CHANNELS) {
        for (const k of [1, 2, 3, 4]) {
          for (const stride of [1, 2, 3]) {
            for (const dilation of [1, 2]) {
              for (const padding of [0, 1, 2, 'valid', 'same'] as const) {
                if (padding === 'same' && stride > 1) continue; // PyTorch rejects it; tested below by definition
                const p = typeof padding === 'number' ? padding : 0;
                if (!fits([7], [k], dilation, p)) continue;
                cases.push(
                  convCase(
                    1,
                    [2, c, 7],
                    [o, c / groups, k],
                    { stride, dilation, padding, groups },
                    seed,
                    seed % 2 === 0,
                  ),
                );
                seed += 3;
              }
            }
          }
        }
      }
      for (const [c, o, groups] of CHANNELS) {
        for (const [kh, kw] of [
          [1, 1],
          [2, 3],
          [3, 3],
          [3, 2],
        ] as const) {
          for (const stride of [1, 2, 3, [1, 2]]) {
            for (const dilation of [1, 2]) {
              for (const padding of [0, 1, [1, 2], 'same'] as const) {
                if (padding === 'same' && stride !== 1) continue;
                const p = typeof padding === 'number' ? padding : padding === 'same' ? 0 : 1;
                if (!fits([7, 6], [kh, kw], dilation, p)) continue;
                const x = [2, c, 7, 6];
                cases.push(
                  convCase(
                    2,
                    x,
                    [o, c / groups, kh, kw],
                    { stride, dilation, padding, groups },
                    seed,
                    seed % 2 === 1,
                  ),
                );
                seed += 3;
              }
            }
          }
        }
      }
      for (const [c, o, groups] of [
        [2, 3, 1],
        [4, 4, 4],
        [4, 2, 2],
      ] as const) {
        for (const k of [
          [1, 1, 1],
          [2, 2, 3],
          [3, 3, 3],
        ]) {
          for (const stride of [1, 2]) {
            for (const dilation of [1, 2]) {
              for (const padding of [0, 1, 'same'] as const) {
                if (padding === 'same' && stride > 1) continue;
                if (!fits([5, 4, 6], k, dilation, typeof padding === 'number' ? padding : 0)) continue;
                cases.push(
                  convCase(
                    3,
                    [2, c, 5, 4, 6],
                    [o, c / groups, ...k],
                    { stride, dilation, padding, groups },
                    seed,
                    seed % 2 === 0,
                  ),
                );
                seed += 3;
              }
            }
          }
        }
      }
      expect(cases.length).toBeGreaterThan(450);
      expectMatchesTorch(cases);
    },
    ORACLE_TIMEOUT_MS,
  );

  it(
    "matches F.pad + conv for paddingMode (PyTorch's padding_mode), and numpy.pad + conv where PyTorch lacks the mode or size",
    () => {
      const cases: DiffCase[] = [];
      let seed = 5000;
      for (const mode of PAD_MODES) {
        const padCases: [PadPair[], number][] = [
          [
            [
              [1, 1],
              [1, 1],
            ],
            1,
          ],
          [
            [
              [2, 1],
              [0, 2],
            ],
            2,
          ],
          [
            [
              [3, 3],
              [4, 4],
            ],
            1,
          ],
          [
            [
              [6, 0],
              [0, 7],
            ],
            1,
          ],
        ];
        for (const [pads, stride] of padCases) {
          const x = [2, 2, 4, 5];
          const w = [3, 2, 3, 2];
          // PyTorch: reflect pad < dim, circular ≤ dim, no symmetric (kernel/docs/semantics.md §4.6).
          const slack = { constant: Infinity, replicate: Infinity, reflect: -1, circular: 0, symmetric: NaN }[
            mode
          ];
          const torch = pads.every(([b, a], i) => Math.max(b, a) <= x[2 + i]! + slack);
          const options: Conv2dOptions = {
            padding: pads,
            paddingMode: mode,
            stride,
            padValue: mode === 'constant' ? 0.25 : 0,
          };
          cases.push(
            convCase(2, x, w, options, seed, true, {
              pads,
              mode,
              value: options.padValue,
              stride,
              pad_with: torch ? 'torch' : 'numpy',
            }),
          );
          seed += 3;
        }
      }
      // 'same' with stride > 1 (PyTorch refuses it) against its definition: explicit TF pads, total
      // max(0, (ceil(L/s) − 1)·s + kE − L), the odd cell at the end.
      for (const [length, k, s, d] of [
        [7, 3, 2, 1],
        [8, 4, 3, 1],
        [6, 2, 2, 2],
        [9, 5, 3, 2],
        [5, 1, 3, 1],
      ] as const) {
        const kE = d * (k - 1) + 1;
        const total = Math.max(0, (Math.ceil(length / s) - 1) * s + kE - length);
        const pads = [[Math.floor(total / 2), total - Math.floor(total / 2)]];
        cases.push(
          convCase(1, [2, 3, length], [2, 3, k], { padding: 'same', stride: s, dilation: d }, seed, true, {
            pads,
            stride: s,
            dilation: d,
          }),
        );
        seed += 3;
      }
      expectMatchesTorch(cases);
    },
    ORACLE_TIMEOUT_MS,
  );
});
