import { beforeAll, expect, it } from 'vitest';
import { conv2d, convInfo, tensor, type Conv2dOptions } from '../../../kernel/src/index';
import { winogradFits } from '../../../kernel/src/backends/wasm/conv';
import { axes2d } from '../../../kernel/src/shapes';
import { expectClose, seededValues, torchReference, type OracleCase, type OracleResult } from '../../reference/torch';
import { onEveryBackend } from '../support/helpers';

interface Sweep {
  x: [number, number, number, number];
  w: [number, number, number, number];
  options: Conv2dOptions & { stride?: number; padding?: number; dilation?: number };
  bias: boolean;
}

// A sweep over shapes and options, seeded: channels, groups (incl. depthwise), stride, padding, dilation, bias.
const sweeps: Sweep[] = [];
let seed = 1;
for (const [c, o, groups] of [[1, 1, 1], [3, 4, 1], [4, 6, 2], [4, 4, 4]] as const) {
  for (const k of [1, 2, 3]) {
    for (const stride of [1, 2]) {
      for (const padding of [0, 1]) {
        for (const dilation of [1, 2]) {
          sweeps.push({ x: [2, c, 7, 6], w: [o, c / groups, k, k], options: { stride, padding, dilation, groups }, bias: seed % 2 === 0 });
          seed++;
        }
      }
    }
  }
}

// 3 × 3, stride 1, enough channels and output tiles: what the wasm engine computes by Winograd F(2×2, 3×3)
// (kernel/src/backends/wasm/conv.ts, winogradFits): odd and even output sizes, paddings 0–2, batch 2.
const winogradSweeps: Sweep[] = [];
for (const [c, o, h, w] of [[24, 24, 15, 14], [26, 33, 17, 19], [40, 24, 12, 23]] as const) {
  for (const padding of [0, 1, 2]) {
    winogradSweeps.push({ x: [2, c, h, w], w: [o, c, 3, 3], options: { padding }, bias: seed % 2 === 0 });
    seed++;
  }
}
sweeps.push(...winogradSweeps);

it('the 3 × 3 sweep cases are ones the wasm engine computes by Winograd', () => {
  for (const s of winogradSweeps) {
    const info = convInfo('conv2d', s.x, s.w, s.options);
    expect(winogradFits(info, ...axes2d(info)), `x=${s.x} w=${s.w} ${JSON.stringify(s.options)}`).toBe(true);
  }
});

const inputs = sweeps.map((s, i) => ({
  x: seededValues(s.x.reduce((a, b) => a * b), 1000 + i),
  w: seededValues(s.w.reduce((a, b) => a * b), 2000 + i),
  b: seededValues(s.w[0], 3000 + i),
}));
const cases: OracleCase[] = sweeps.map((s, i) => ({
  op: 'conv2d',
  tensors: {
    x: { shape: s.x, data: inputs[i]!.x },
    w: { shape: s.w, data: inputs[i]!.w },
    ...(s.bias ? { b: { shape: [s.w[0]], data: inputs[i]!.b } } : {}),
  },
  options: s.options,
}));
// One PyTorch run for every backend (starting Python and torch takes seconds on a busy machine).
let expected: OracleResult[] = [];
beforeAll(() => {
  expected = torchReference(cases);
}, 120_000);

onEveryBackend('conv2d matches PyTorch F.conv2d', () => {
  it(`on ${sweeps.length} seeded random cases`, () => {
    sweeps.forEach((s, i) => {
      const y = conv2d(tensor(inputs[i]!.x, s.x), tensor(inputs[i]!.w, s.w), {
        ...s.options,
        ...(s.bias ? { bias: tensor(inputs[i]!.b) } : {}),
      });
      expectClose(y, expected[i]!, `x=${s.x} w=${s.w} ${JSON.stringify(s.options)} bias=${s.bias}`);
    });
  });
});
