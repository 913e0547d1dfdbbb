import { expect, it } from 'vitest';
import {
  conv1d,
  convTranspose1d,
  convTranspose2d,
  convTransposeInfo,
  tensor,
  type ConvTranspose2dOptions,
} from '../../../kernel/src/index';
import { describeEachBackend, expectMatchesTorch, ORACLE_TIMEOUT_MS, seeded, type DiffCase } from '../support/sweep';
import { flat } from '../support/helpers';

// § numbers in test names are sections of kernel/docs/semantics.md.

const sig = (values: number[]): ReturnType<typeof tensor> => tensor(values, [1, 1, values.length]);

describeEachBackend('convTranspose1d / convTranspose2d', () => {
  it('§6.1, §6.3: [1,2,3], w=[1,10,100], s2: full, and PyTorch p1/op1 = SAME_LOWER', () => {
    const [x, w] = [sig([1, 2, 3]), sig([1, 10, 100])];
    expect(flat(convTranspose1d(x, w, { stride: 2 }))).toEqual([1, 10, 102, 20, 203, 30, 300]);
    expect(flat(convTranspose1d(x, w, { stride: 2, padding: 1, outputPadding: 1 }))).toEqual([
      10, 102, 20, 203, 30, 300,
    ]);
    // TF 'same' = ONNX SAME_UPPER crops the end: pads [0, 1].
    expect(flat(convTranspose1d(x, w, { stride: 2, padding: [[0, 1]] }))).toEqual([1, 10, 102, 20, 203, 30]);
  });

  it('§6.2: Lout = (L−1)s − pL − pR + d(k−1) + op + 1, with the formula written out', () => {
    const axis = convTransposeInfo('convTranspose2d', [1, 1, 6, 6], [1, 1, 3, 3], {
      stride: 2,
      padding: 1,
      outputPadding: 1,
    }).axes[0]!;
    expect(axis.outSize).toBe(12);
    expect(axis.formula).toBe('(6 − 1)·2 − 1 − 1 + 1·(3 − 1) + 1 + 1 = 12');
  });

  it('is the adjoint of conv w.r.t. its input: <conv(x), y> = <x, convT(y)>', () => {
    const x = tensor(seeded([1, 2, 9], 1), [1, 2, 9]);
    const w = tensor(seeded([3, 2, 3], 2), [3, 2, 3]);
    const options = { stride: 2, padding: 1, dilation: 2 };
    const y = conv1d(x, w, options);
    const dy = tensor(seeded(y.shape, 3), y.shape);
    // Lost rows to the floor come back with output padding: a = L − ((Lout−1)s − pL − pR + kE) (§10.2).
    const back = convTranspose1d(dy, w, { ...options, outputPadding: 9 - ((y.shape[2]! - 1) * 2 - 2 + 5) });
    expect(back.shape).toEqual(x.shape);
    const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
    expect(dot(flat(y), flat(dy))).toBeCloseTo(dot(flat(x), flat(back)), 4);
  });

  it('unbatched in, unbatched out; bias per output channel', () => {
    const y = convTranspose2d(
      tensor([1, 2, 3, 4], [1, 2, 2]),
      tensor([1, 1, 1, 1, 2, 2, 2, 2], [1, 2, 2, 2]),
      {
        bias: tensor([0.5, -1]),
      },
    );
    expect(y.shape).toEqual([2, 3, 3]);
    expect(y.toArray()).toEqual([
      [
        [1.5, 3.5, 2.5],
        [4.5, 10.5, 6.5],
        [3.5, 7.5, 4.5],
      ],
      [
        [1, 5, 3],
        [7, 19, 11],
        [5, 13, 7],
      ],
    ]);
  });

  it(
    'matches PyTorch F.conv_transpose1d / 2d over strides, dilations, output padding, groups and paddings',
    () => {
      const cases: DiffCase[] = [];
      let seed = 9000;
      const add = (
        n: 1 | 2,
        x: number[],
        w: number[],
        options: ConvTranspose2dOptions,
        bias: boolean,
      ): void => {
        const [xs, ws, bs] = [
          seeded(x, seed),
          seeded(w, seed + 1),
          seeded([w[1]! * (options.groups ?? 1)], seed + 2),
        ];
        seed += 3;
        const outChannels = w[1]! * (options.groups ?? 1);
        const run = n === 1 ? convTranspose1d : convTranspose2d;
        const { outputPadding = 0, ...rest } = options;
        cases.push({
          label: `convTranspose${n}d x=[${x}] w=[${w}] ${JSON.stringify(options)} bias=${bias}`,
          oracle: {
            op: `conv_transpose${n}d`,
            tensors: {
              x: { shape: x, data: xs },
              w: { shape: w, data: ws },
              ...(bias ? { b: { shape: [outChannels], data: bs } } : {}),
            },
            options: { ...rest, output_padding: outputPadding },
          },
          run: () => run(tensor(xs, x), tensor(ws, w), { ...options, ...(bias ? { bias: tensor(bs) } : {}) }),
        });
      };
      for (const [c, o, groups] of [
        [1, 1, 1],
        [3, 2, 1],
        [4, 6, 2],
        [4, 4, 4],
      ] as const) {
        for (const k of [1, 2, 3]) {
          for (const stride of [1, 2, 3]) {
            for (const dilation of [1, 2]) {
              for (const padding of [0, 1, 2]) {
                for (const outputPadding of [0, Math.max(stride, dilation) - 1]) {
                  const options = { stride, dilation, padding, outputPadding, groups };
                  // Cases PyTorch refuses (no output left after cropping) are ConvLab errors, tested in errors/errors.test.ts.
                  const size = (L: number, kk: number): number =>
                    (L - 1) * stride - 2 * padding + dilation * (kk - 1) + outputPadding + 1;
                  const k2 = Math.max(1, k - 1);
                  if (size(5, k) >= 1) add(1, [2, c, 5], [c, o / groups, k], options, seed % 2 === 0);
                  if (k !== 2 && size(4, k) >= 1 && size(3, k2) >= 1)
                    add(2, [2, c, 4, 3], [c, o / groups, k, k2], options, seed % 2 === 1);
                }
              }
            }
          }
        }
      }
      expect(cases.length).toBeGreaterThan(400);
      expectMatchesTorch(cases);
    },
    ORACLE_TIMEOUT_MS,
  );
});
