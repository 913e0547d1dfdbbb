import { describe, expect, it } from 'vitest';
import {
  PAD_MODES,
  allocationLimit,
  arange,
  pad,
  setAllocationLimit,
  tensor,
  zeros,
  type PadMode,
  type PadPair,
} from '../../../kernel/src/index';
import { typedArraysBuilt } from '../support/allocations';
import { expectClose, seededValues, torchReference } from '../../reference/torch';
import { describeEachBackend, ORACLE_TIMEOUT_MS, seeded } from '../support/sweep';
import { flat } from '../support/helpers';

// § numbers in test names are sections of kernel/docs/semantics.md.

const x4 = (): ReturnType<typeof tensor> => tensor([1, 2, 3, 4]);

describeEachBackend('pad', () => {
  it('§4.1: every mode on [1,2,3,4] with (2,3)', () => {
    const expected: Record<PadMode, number[]> = {
      constant: [0, 0, 1, 2, 3, 4, 0, 0, 0],
      reflect: [3, 2, 1, 2, 3, 4, 3, 2, 1],
      symmetric: [2, 1, 1, 2, 3, 4, 4, 3, 2],
      replicate: [1, 1, 1, 2, 3, 4, 4, 4, 4],
      circular: [3, 4, 1, 2, 3, 4, 1, 2, 3],
    };
    for (const mode of PAD_MODES) expect(flat(pad(x4(), [[2, 3]], { mode })), mode).toEqual(expected[mode]);
    expect(flat(pad(x4(), [[1, 1]], { value: -7 }))).toEqual([-7, 1, 2, 3, 4, -7]);
  });

  it('§4.2: reflect keeps reflecting past the axis as NumPy: (6,0) and (9,0)', () => {
    expect(flat(pad(x4(), [[6, 0]], { mode: 'reflect' }))).toEqual([1, 2, 3, 4, 3, 2, 1, 2, 3, 4]);
    expect(flat(pad(x4(), [[9, 0]], { mode: 'reflect' }))).toEqual([4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4]);
  });

  it('§4.2: circular wraps beyond one period: (5,0) → [4,1,2,3,4,1,2,3,4]; pad = dim is one period', () => {
    expect(flat(pad(x4(), [[5, 0]], { mode: 'circular' }))).toEqual([4, 1, 2, 3, 4, 1, 2, 3, 4]);
    expect(flat(pad(x4(), [[4, 4]], { mode: 'circular' }))).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
  });

  it('§4.3: negative widths crop first, in every mode (PyTorch 2.13 values)', () => {
    expect(flat(pad(x4(), [[-1, 2]]))).toEqual([2, 3, 4, 0, 0]);
    expect(flat(pad(x4(), [[-1, 2]], { mode: 'reflect' }))).toEqual([2, 3, 4, 3, 2]);
    expect(flat(pad(x4(), [[-1, 2]], { mode: 'replicate' }))).toEqual([2, 3, 4, 4, 4]);
    expect(flat(pad(x4(), [[-1, 2]], { mode: 'circular' }))).toEqual([2, 3, 4, 2, 3]);
    expect(pad(x4(), [[-2, -2]]).shape).toEqual([0]);
  });

  it('§4.4: pairs are in axis order (PyTorch (1,0,0,1) = [[0,1],[1,0]] here)', () => {
    const y = pad(
      tensor([
        [0, 1, 2],
        [3, 4, 5],
      ]),
      [
        [0, 1],
        [1, 0],
      ],
    );
    expect(y.toArray()).toEqual([
      [0, 0, 1, 2],
      [0, 3, 4, 5],
      [0, 0, 0, 0],
    ]);
  });

  it('a number pads every spatial axis: axes after N, C for rank ≥ 3, all axes for rank ≤ 2', () => {
    expect(pad(arange(16).reshape([1, 1, 4, 4]), 1).shape).toEqual([1, 1, 6, 6]);
    expect(pad(arange(6).reshape([1, 2, 3]), 2).shape).toEqual([1, 2, 7]);
    expect(pad(arange(6).reshape([2, 3]), 1).shape).toEqual([4, 5]);
    expect(pad(arange(3), -1).shape).toEqual([1]);
  });

  it('2-D corners combine the axes: symmetric on [[1,2],[3,4]] by 1', () => {
    expect(
      pad(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        [
          [1, 1],
          [1, 1],
        ],
        { mode: 'symmetric' },
      ).toArray(),
    ).toEqual([
      [1, 1, 2, 2],
      [1, 1, 2, 2],
      [3, 3, 4, 4],
      [3, 3, 4, 4],
    ]);
  });

  it('property: pad then crop by the same widths is the identity, in every mode', () => {
    let seed = 11;
    for (const mode of PAD_MODES) {
      for (let trial = 0; trial < 20; trial++) {
        const shape = [2, 3, 1 + (trial % 5), 1 + ((trial * 7) % 6)];
        const x = tensor(
          seededValues(
            shape.reduce((a, b) => a * b),
            seed++,
          ),
          shape,
        );
        const widths: PadPair[] = [
          [trial % 7, (trial * 3) % 8],
          [(trial * 5) % 9, trial % 4],
        ];
        const back = pad(
          pad(x, widths, { mode }),
          widths.map(([b, a]) => [-b, -a] as const),
        );
        expect(back.shape).toEqual(x.shape);
        expect(flat(back)).toEqual(flat(x));
      }
    }
  });

  it(
    'matches numpy.pad (all modes, pads past the axis, crops) and F.pad (its modes, within its limits)',
    () => {
      interface Case {
        shape: number[];
        widths: PadPair[];
        mode: PadMode;
        oracle: 'pad_numpy' | 'pad_torch';
      }
      // F.pad's limits (kernel/docs/semantics.md §4.6): reflect < dim, circular ≤ dim, no symmetric; numpy.pad has none.
      const torchSlack: Record<PadMode, number> = {
        constant: Infinity,
        replicate: Infinity,
        reflect: -1,
        circular: 0,
        symmetric: NaN,
      };
      const cases: Case[] = [];
      for (const mode of PAD_MODES) {
        for (const shape of [
          [1, 2, 5],
          [2, 1, 3, 4],
          [1, 2, 2, 3, 3],
          [1, 1, 1],
        ]) {
          const sizes = shape.slice(2);
          for (const [b, a] of [
            [0, 0],
            [1, 2],
            [2, 0],
            [3, 3],
            [5, 1],
            [-1, 2],
            [1, -1],
            [7, 9],
          ] as const) {
            const widths: PadPair[] = sizes.map((_, i) => [b + (i % 2), a] as const);
            const kept = sizes.map((s, i) => s - Math.max(0, -widths[i]![0]) - Math.max(0, -widths[i]![1]));
            if (mode !== 'constant' && kept.some((k) => k < 1)) continue; // nothing to copy from: an error, tested elsewhere
            cases.push({ shape, widths, mode, oracle: 'pad_numpy' });
            if (widths.every(([pb, pa], i) => Math.max(pb, pa) <= kept[i]! + torchSlack[mode])) {
              cases.push({ shape, widths, mode, oracle: 'pad_torch' });
            }
          }
        }
      }
      const inputs = cases.map((c, i) => seeded(c.shape, 500 + i));
      const value = (mode: PadMode): number => (mode === 'constant' ? 0.5 : 0);
      const expected = torchReference(
        cases.map((c, i) => ({
          op: c.oracle,
          tensors: { x: { shape: c.shape, data: inputs[i]! } },
          options: { widths: c.widths, mode: c.mode, value: value(c.mode) },
        })),
      );
      cases.forEach((c, i) => {
        const y = pad(tensor(inputs[i]!, c.shape), c.widths, { mode: c.mode, value: value(c.mode) });
        expectClose(
          y,
          expected[i]!,
          `${c.oracle} ${c.mode} x=${c.shape} widths=${JSON.stringify(c.widths)}`,
          { atol: 0, rtol: 0 },
        );
      });
      expect(cases.filter((c) => c.oracle === 'pad_numpy').length).toBeGreaterThan(100);
      expect(cases.filter((c) => c.oracle === 'pad_torch').length).toBeGreaterThan(40);
    },
    ORACLE_TIMEOUT_MS,
  );
});

describe('pad provenance (for the feature-map view)', () => {
  it('an image padded on H and W remembers its input and the pads as a 1×1 window', () => {
    const x = tensor([[[[1, 2], [3, 4]]]]);
    const y = pad(x, [[0, 0], [0, 0], [1, 2], [0, 1]], { mode: 'reflect' });
    expect(y.provenance?.op).toBe('pad');
    expect(y.provenance?.input).toBe(x);
    expect(y.provenance?.window).toEqual({ kernel: [1, 1], stride: [1, 1], dilation: [1, 1], padding: [[1, 2], [0, 1]], groups: 1, paddingMode: 'reflect' });
  });

  it('a crop or a pad of the batch or channel axes has no window', () => {
    const x = tensor([[[[1, 2], [3, 4]]]]);
    expect(pad(x, [[0, 0], [0, 0], [-1, 0], [0, 0]]).provenance).toBeUndefined();
    expect(pad(x, [[0, 1], [0, 0], [0, 0], [0, 0]]).provenance).toBeUndefined();
  });
});

describe('pad checks the allocation limit before any work sized by the widths', () => {
  it('a huge pad is refused before its index tables or output are built', () => {
    const tables = typedArraysBuilt('Int32Array', () => pad(zeros([1, 1, 2, 2]), 1e6, { mode: 'reflect' }));
    expect(String(tables.error)).toMatch(
      /^ConvLabError: pad: shape expected at most 2147483648 bytes .*got \[1,1,2000002,2000002\] .*\(input \[1,1,2,2\]\); hint: .*setAllocationLimit\(bytes\)/,
    );
    expect(tables.lengths).toEqual([]);
  });

  it("an empty result with one long axis is refused by the length of that axis's index table", () => {
    const previous = setAllocationLimit(1024);
    try {
      const x = zeros([0, 2]);
      expect(() => pad(x, [[0, 0], [1e6, 1e6]])).toThrow(
        /^pad: widths expected at most 256 entries \(1024 bytes\) in the index table of axis 1, got 2000002 entries/,
      );
      expect(pad(x, [[0, 0], [100, 100]]).shape).toEqual([0, 202]);
    } finally {
      setAllocationLimit(previous);
    }
    expect(allocationLimit()).toBe(previous);
  });
});
