import { describe, expect, it } from 'vitest';
import {
  conv1d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  convTransposeInfo,
  ones,
  tensor,
  transposedOutputSize,
  type ConvTranspose2dOptions,
  type Tensor,
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

// ── convTranspose3d and outputSize (§6.3) ──────────────────────────────────────────────────────────────────────

/** Seeded x, w and (optionally) bias of a transposed conv `x` `[N, C, ...]`, `w` `[C, O/g, ...k]`. */
function transposedInputs(x: number[], w: number[], groups: number, bias: boolean, seed: number): {
  xs: number[];
  ws: number[];
  bs: number[] | undefined;
  tensors: Record<string, { shape: number[]; data: number[] }>;
  options: (extra: ConvTranspose2dOptions) => ConvTranspose2dOptions;
} {
  const outChannels = w[1]! * groups;
  const [xs, ws, bs] = [seeded(x, seed), seeded(w, seed + 1), bias ? seeded([outChannels], seed + 2) : undefined];
  return {
    xs,
    ws,
    bs,
    tensors: { x: { shape: x, data: xs }, w: { shape: w, data: ws }, ...(bs ? { b: { shape: [outChannels], data: bs } } : {}) },
    options: (extra) => ({ ...extra, ...(bs ? { bias: tensor(bs) } : {}) }),
  };
}

const RUN = { 1: convTranspose1d, 2: convTranspose2d, 3: convTranspose3d } as const;

describeEachBackend('convTranspose3d', () => {
  it('the doc example: a 2-tap depth kernel at stride 2 (runs on the reference loops on every backend)', () => {
    const y = convTranspose3d(ones([1, 1, 1, 1, 2]), ones([1, 1, 2, 1, 1]), { stride: 2 });
    expect(y.toArray()).toEqual([[[[[1, 0, 1]], [[1, 0, 1]]]]]);
    // No fast backend has a transposed kernel: each declines to the reference loops, and says so.
    expect(y.provenance?.backend).toBe('cpu');
  });

  it(
    'matches PyTorch F.conv_transpose3d over strides, dilations, per-axis pads, output padding, groups, bias',
    () => {
      const cases: DiffCase[] = [];
      let seed = 12000;
      for (const [c, o, groups] of [[1, 1, 1], [2, 3, 1], [4, 2, 2]] as const) {
        for (const stride of [1, 2, [2, 1, 3]] as const) {
          for (const dilation of [1, [1, 2, 1]] as const) {
            for (const padding of [0, 1, [1, 0, 1]] as const) {
              const s = typeof stride === 'number' ? [stride, stride, stride] : stride;
              const d = typeof dilation === 'number' ? [dilation, dilation, dilation] : dilation;
              const outputPadding = s.map((si, i) => Math.max(si, d[i]!) - 1);
              const x = [2, c, 3, 2, 3];
              const w = [c, o / groups, 2, 3, 2];
              const { tensors, xs, ws, options } = transposedInputs(x, w, groups, seed % 2 === 0, seed);
              seed += 3;
              const given: ConvTranspose2dOptions = { stride, dilation, padding, outputPadding, groups };
              cases.push({
                label: `convTranspose3d x=[${x}] w=[${w}] ${JSON.stringify(given)}`,
                oracle: { op: 'conv_transpose_nd', tensors, options: { stride, dilation, padding, output_padding: outputPadding, groups } },
                run: () => convTranspose3d(tensor(xs, x), tensor(ws, w), options(given)),
              });
            }
          }
        }
      }
      expectMatchesTorch(cases);
    },
    ORACLE_TIMEOUT_MS,
  );
});

describeEachBackend('transposed conv outputSize', () => {
  const [x, w] = [sig([1, 2, 3]), sig([1, 10, 100])];

  it('§6.3 worked values: without padding ONNX output_shape (crop or extend), with padding PyTorch output_size', () => {
    // Full output [1, 10, 102, 20, 203, 30, 300] (7 cells).
    expect(flat(convTranspose1d(x, w, { stride: 2, outputSize: 5 }))).toEqual([10, 102, 20, 203, 30]); // total 2 → [1, 1]
    expect(flat(convTranspose1d(x, w, { stride: 2, outputSize: 4 }))).toEqual([102, 20, 203, 30]); // total 3 → [2, 1]
    expect(flat(convTranspose1d(x, w, { stride: 2, outputSize: 8 }))).toEqual([1, 10, 102, 20, 203, 30, 300, 0]); // −1 → [0, −1]
    // Past the full output: output padding at the end (onnxruntime, PyTorch), < max(stride, dilation) cells.
    expect(flat(convTranspose1d(x, w, { stride: 3, outputSize: 11 }))).toEqual([1, 10, 100, 2, 20, 200, 3, 30, 300, 0, 0]);
    expect(flat(convTranspose1d(x, w, { stride: 2, padding: 1, outputSize: 6 }))).toEqual([10, 102, 20, 203, 30, 300]);
    expect(flat(convTranspose1d(x, w, { stride: 2, padding: 0, outputSize: 8 }))).toEqual([1, 10, 102, 20, 203, 30, 300, 0]);
    // One number for every axis, one per axis, or the full output shape (PyTorch's forms).
    const sizes = (outputSize: number | number[]): readonly number[] =>
      convTranspose2d(ones([1, 1, 6, 6]), ones([1, 1, 3, 3]), { stride: 2, padding: 1, outputSize }).shape;
    expect([sizes(12), sizes([12, 11]), sizes([1, 1, 12, 11])]).toEqual([[1, 1, 12, 12], [1, 1, 12, 11], [1, 1, 12, 11]]);
  });

  it('shows the resolution in the formula (shape traces print it)', () => {
    expect(transposedOutputSize(3, 3, { stride: 2, outputSize: 4 }).formula).toBe(
      '(3 − 1)·2 − 2 − 1 + 1·(3 − 1) + 0 + 1 = 4 (outputSize 4: total padding 7 − 4 = 3, split [2, 1] as ONNX output_shape)',
    );
    expect(transposedOutputSize(3, 3, { stride: 3, outputSize: 11 }).formula).toBe(
      '(3 − 1)·3 − 0 − 0 + 1·(3 − 1) + 2 + 1 = 11 (outputSize 11: 2 past the full output 9, as output padding)',
    );
    const torchRule = transposedOutputSize(6, 3, { stride: 2, padBefore: 1, padAfter: 1, outputSize: 12 });
    expect([torchRule.outputPadding, torchRule.formula]).toEqual([1, '(6 − 1)·2 − 1 − 1 + 1·(3 − 1) + 1 + 1 = 12 (outputSize 12: outputPadding 12 − 11 = 1)']);
    const info = convTransposeInfo('convTranspose2d', [1, 1, 6, 6], [1, 1, 3, 3], { stride: 2, padding: 1, outputSize: [12, 11] });
    expect(info.axes.map((a) => [a.padBefore, a.padAfter, a.outputPadding, a.outSize])).toEqual([[1, 1, 1, 12], [1, 1, 0, 11]]);
  });

  it('refuses what it cannot reach, naming the reachable sizes, and conflicting or malformed sizes', () => {
    // 6×6, k3, s2, padding 1: min 11, reachable [11 … 12] (max(stride, dilation) = 2).
    expect(() => convTranspose2d(ones([1, 1, 6, 6]), ones([1, 1, 3, 3]), { stride: 2, padding: 1, outputSize: 13 })).toThrow(
      /^convTranspose2d: options\.outputSize expected a size in \[11 … 12\] on spatial axis 0 \(with padding \[1, 1\] given, outputSize − 11 is an output padding, < max\(stride, dilation\) = 2\), got 13 \(input \[1,1,6,6\], weight \[1,1,3,3\]\); hint: leave padding out for any size in \[1 … 14\] \(ONNX output_shape: the full output 13, cropped or extended\), or change the padding$/,
    );
    // Dilation widens the range as it widens outputPadding's (PyTorch's module allows only the stride's).
    expect(() => convTranspose1d(x, w, { dilation: 3, padding: 0, outputSize: 12 })).toThrow(/expected a size in \[9 … 11\] on spatial axis 0/);
    expect(flat(convTranspose1d(x, w, { dilation: 3, padding: 0, outputSize: 11 }))).toEqual([1, 2, 3, 10, 20, 30, 100, 200, 300, 0, 0]);
    expect(() => convTranspose1d(x, w, { stride: 2, outputSize: 9 })).toThrow(
      /^convTranspose1d: options\.outputSize expected a size in \[1 … 8\] on spatial axis 0 \(past the full output 7 is an output padding, < max\(stride, dilation\) = 2\), got 9 .*hint: for more zero cells, pad the result/,
    );
    expect(() => convTranspose1d(x, w, { stride: 2, outputSize: 5, outputPadding: 1 })).toThrow(
      /^convTranspose1d: options\.outputSize expected outputSize or outputPadding, not both .*got outputSize 5 with outputPadding 1/,
    );
    expect(() => convTranspose1d(x, w, { output_shape: 5 } as ConvTranspose2dOptions)).toThrow(
      /unknown key 'output_shape'; hint: did you mean 'outputSize'\? \(ConvLab's name for ONNX's output_shape\)/,
    );
    expect(() => convTranspose1d(x, w, { outputSize: 0 })).toThrow(/^convTranspose1d: options\.outputSize expected an integer ≥ 1, got 0/);
    // Neither a number nor a list (an array-like with a huge length, a string): named, not a TypeError.
    expect(() => convTranspose1d(x, w, { outputSize: { length: 1e9 } } as never)).toThrow(
      /^convTranspose1d: options\.outputSize expected one number, 1 spatial sizes, or the full output shape \(3 numbers\), got \{"length":1000000000\}/,
    );
    expect(() => convTranspose1d(x, w, { outputSize: '5' } as never)).toThrow(/^convTranspose1d: options\.outputSize expected one number.*got "5"/);
    expect(() => convTranspose2d(ones([1, 1, 3, 3]), ones([1, 1, 3, 3]), { outputSize: [5, 5, 5] })).toThrow(
      /^convTranspose2d: options\.outputSize expected one number, 2 spatial sizes, or the full output shape \(4 numbers\), got 3 numbers \[5,5,5\]/,
    );
    expect(() => convTranspose2d(ones([2, 1, 3, 3]), ones([1, 3, 3, 3]), { outputSize: [1, 3, 5, 5] })).toThrow(
      /^convTranspose2d: options\.outputSize expected \[2, 3, …\] \(batch and output channels\) .*got \[1,3,5,5\].*hint: give the 2 spatial sizes only, e\.g\. \[5,5\]/,
    );
  });

  it(
    'with padding: matches PyTorch nn.ConvTranspose1d/2d/3d(...)(x, output_size=...) over every reachable size',
    () => {
      const cases: DiffCase[] = [];
      let seed = 13000;
      for (const n of [1, 2, 3] as const) {
        for (const [stride, dilation, padding, groups] of [[2, 1, 1, 1], [3, 2, 0, 2], [3, 1, 2, 1], [1, 1, 0, 1]] as const) {
          const spatial = [4, 3, 2].slice(0, n);
          const kernel = [3, 2, 2].slice(0, n);
          const x = [2, 2, ...spatial];
          const w = [2, groups === 2 ? 1 : 2, ...kernel];
          const smallest = spatial.map((L, i) => (L - 1) * stride - 2 * padding + dilation * (kernel[i]! - 1) + 1);
          // Every size PyTorch's module reaches: outputPadding 0 … stride − 1 (per axis, the same extra on each).
          for (let extra = 0; extra < stride; extra++) {
            for (const full of [false, true]) {
              const sizes = smallest.map((m) => m + extra);
              const outChannels = w[1]! * groups;
              const outputSize = full ? [2, outChannels, ...sizes] : sizes;
              const { tensors, xs, ws, options } = transposedInputs(x, w, groups, seed % 2 === 1, seed);
              seed += 3;
              const given: ConvTranspose2dOptions = { stride, dilation, padding, groups, outputSize };
              cases.push({
                label: `convTranspose${n}d x=[${x}] w=[${w}] ${JSON.stringify(given)}`,
                oracle: { op: 'conv_transpose_output_size', tensors, options: { stride, dilation, padding, groups, output_size: outputSize } },
                run: () => RUN[n](tensor(xs, x), tensor(ws, w), options(given)),
              });
            }
          }
        }
      }
      expectMatchesTorch(cases);
    },
    ORACLE_TIMEOUT_MS,
  );

  it(
    'without padding: matches ONNX ConvTranspose output_shape on onnxruntime and onnx.reference, cropping and extending',
    () => {
      const cases: DiffCase[] = [];
      let seed = 14000;
      for (const n of [1, 2] as const) {
        for (const [stride, dilation, groups] of [[2, 1, 1], [3, 2, 2], [1, 2, 1]] as const) {
          const spatial = [5, 3].slice(0, n);
          const kernel = [3, 2].slice(0, n);
          const x = [1, 2, ...spatial];
          const w = [2, groups === 2 ? 1 : 3, ...kernel];
          const full = spatial.map((L, i) => (L - 1) * stride + dilation * (kernel[i]! - 1) + 1);
          // Every size from 1 cell to the last one output padding reaches (max(stride, dilation) − 1 past the full
          // output). onnxruntime refuses stride or more cells past; onnx.reference runs as SAME_LOWER (a NOTSET crop
          // raises there; the schema splits both alike), and only up to 1 cell past: from 2 on, the schema's floor
          // split puts cells before (semantics.md §6.4).
          const limit = Math.max(stride, dilation);
          for (let delta = 1 - full[0]!; delta < limit; delta++) {
            const sizes = full.map((f, i) => Math.max(1, f + delta - i));
            const past = sizes.map((size, i) => Math.max(0, size - full[i]!));
            const engines = [...(past.every((p) => p < stride) ? ['ort'] : []), ...(past.every((p) => p <= 1) ? ['reference'] : [])];
            for (const engine of engines) {
              // onnx.reference 1.23 drops the bias of every group but the first: grouped cases there go without.
              const bias = seed % 2 === 0 && (engine === 'ort' || groups === 1);
              const { tensors, xs, ws, options } = transposedInputs(x, w, groups, bias, seed);
              seed += 3;
              const given: ConvTranspose2dOptions = { stride, dilation, groups, outputSize: sizes };
              const onnx = { stride, dilation, groups, output_shape: sizes, engine, ...(engine === 'reference' ? { auto_pad: 'SAME_LOWER' } : {}) };
              cases.push({
                label: `convTranspose${n}d x=[${x}] w=[${w}] ${JSON.stringify(given)} vs ${engine}`,
                oracle: { op: 'onnx_conv_transpose', tensors, options: onnx },
                run: () => RUN[n](tensor(xs, x), tensor(ws, w), options(given)),
              });
            }
          }
        }
      }
      expect(cases.length).toBeGreaterThan(50);
      expect(new Set(cases.map((c) => c.label.split(' vs ')[1]))).toEqual(new Set(['ort', 'reference']));
      expectMatchesTorch(cases);
    },
    ORACLE_TIMEOUT_MS,
  );
});

describe('transposed conv outputSize, shape only', () => {
  it('the full output shape form must name the batch and output channels the op will produce', () => {
    const t: Tensor = convTranspose2d(ones([2, 1, 3, 3]), ones([1, 3, 3, 3]), { outputSize: [2, 3, 4, 5] });
    expect(t.shape).toEqual([2, 3, 4, 5]);
  });
});
