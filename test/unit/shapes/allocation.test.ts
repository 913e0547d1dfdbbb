/**
 * The allocation limit comes before any work sized by the request: shapes/ refuses an output or an index table
 * beyond it before building a table (kernel/src/shapes/checks.ts, padding.ts, pool.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  adaptiveAvgPool2d,
  allocationLimit,
  convTranspose2d,
  maxPool1d,
  maxPool2d,
  ones,
  setAllocationLimit,
  zeros,
} from '../../../kernel/src/index';
import { adaptivePoolInfo, checkTableAllocation, padAxes, poolInfo, transposedTargets, convTransposeInfo } from '../../../kernel/src/shapes';
import { typedArraysBuilt } from '../support/allocations';

const DEFAULT_LIMIT = allocationLimit();

afterEach(() => {
  setAllocationLimit(DEFAULT_LIMIT);
});

describe('checkTableAllocation', () => {
  it('names the op, the argument, the table, the entries and the way to raise the limit', () => {
    expect(() => checkTableAllocation('pad', 'widths', 2_000_000_002, 'the index table of axis 1', { input: [0, 2] })).toThrow(
      'pad: widths expected at most 536870912 entries (2147483648 bytes) in the index table of axis 1, got 2000000002 entries = 8000000008 bytes (input [0,2]); hint: make the request smaller, or raise the limit with setAllocationLimit(bytes)',
    );
    expect(() => checkTableAllocation('pad', 'widths', 536_870_912, 'a table')).not.toThrow();
  });
});

describe('padAxes', () => {
  it('refuses a huge output before building any index table', () => {
    const { lengths, error } = typedArraysBuilt('Int32Array', () => padAxes('pad', [1, 1, 2, 2], 1e6, 'reflect'));
    expect(String(error)).toMatch(/^ConvLabError: pad: shape expected at most 2147483648 bytes .*got \[1,1,2000002,2000002\]/);
    expect(lengths).toEqual([]);
  });

  it('refuses an index table beyond the limit when the output is empty (no values, one long axis)', () => {
    setAllocationLimit(1024);
    const { lengths, error } = typedArraysBuilt('Int32Array', () => padAxes('pad', [0, 2], [[0, 0], [1e6, 1e6]], 'constant'));
    expect(String(error)).toMatch(
      /^ConvLabError: pad: widths expected at most 256 entries \(1024 bytes\) in the index table of axis 1, got 2000002 entries .*\(input \[0,2\]\); hint: .*setAllocationLimit\(bytes\)/,
    );
    expect(lengths).toEqual([]);
  });
});

describe('pooling info', () => {
  it('a pool refuses an output beyond the limit, before its windows are built', () => {
    const x = ones([1, 1, 40, 40]);
    setAllocationLimit(1024);
    expect(() => maxPool2d(x, 2)).toThrow(/^maxPool2d: shape expected at most 1024 bytes .*got \[1,1,20,20\] = 400 values/);
    expect(() => poolInfo('maxPool2d', [1, 1, 40, 40], 1, {})).toThrow(/^maxPool2d: shape expected at most 1024 bytes/);
  });

  it('an empty pool (batch 0) refuses a window table beyond the limit', () => {
    setAllocationLimit(1024);
    expect(() => maxPool1d(zeros([0, 1, 1e6]), 1)).toThrow(
      /^maxPool1d: input expected at most 256 entries \(1024 bytes\) in the window table of spatial axis \d, got 1000000 entries/,
    );
  });

  it('window taps from the window ends equal the tap-by-tap definition (an equivalence sweep)', () => {
    // The taps are now computed from each window's first and last real tap, so a huge kernel costs nothing; this
    // checks the arithmetic against the definition: taps t = o·s − pL + j·d, real if 0 ≤ t < L, counted if t < L + pR.
    let checked = 0;
    for (let inSize = 1; inSize <= 7; inSize++) {
      for (let kernel = 1; kernel <= 4; kernel++) {
        for (let stride = 1; stride <= 3; stride++) {
          for (let dilation = 1; dilation <= 3; dilation++) {
            const half = Math.floor((dilation * (kernel - 1) + 1) / 2);
            for (let before = 0; before <= half; before++) {
              for (let after = 0; after <= half; after++) {
                for (const ceilMode of [false, true]) {
                  const options = { stride: [1, stride], dilation: [1, dilation], padding: [[0, 0], [before, after]] as [number, number][], ceilMode };
                  let axis;
                  try {
                    axis = poolInfo('maxPool2d', [1, 1, 1, inSize], [1, kernel], options).axes[1]!;
                  } catch {
                    continue; // a kernel larger than the padded input: refused, tested elsewhere
                  }
                  const taps = Array.from({ length: axis.outSize }, (_, o) =>
                    Array.from({ length: kernel }, (__, j) => o * stride - before + j * dilation));
                  expect(axis.taps).toEqual(taps.map((window) => window.filter((t) => t >= 0 && t < inSize)));
                  expect(axis.paddedTaps).toEqual(taps.map((window) => window.filter((t) => t < inSize + after).length));
                  checked++;
                }
              }
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
    // A kernel of 2e9 over 4 cells lists just the 4 real cells per window.
    const cols = poolInfo('avgPool2d', [1, 1, 4, 4], [1, 2e9], { stride: 1, padding: [0, 1e9] }).axes[1]!;
    expect(cols.taps).toEqual(Array(5).fill([0, 1, 2, 3]));
    expect(cols.paddedTaps).toEqual(Array(5).fill(2e9));
  });

  it('adaptive pools check the requested output before building a bin', () => {
    expect(() => adaptiveAvgPool2d(ones([1, 1, 2, 2]), 1e5)).toThrow(
      /^adaptiveAvgPool2d: shape expected at most 2147483648 bytes .*got \[1,1,100000,100000\]/,
    );
    setAllocationLimit(1024);
    expect(() => adaptivePoolInfo('adaptiveAvgPool2d', [0, 1, 2, 2], [1e6, 1])).toThrow(
      /^adaptiveAvgPool2d: outputSize expected at most 256 entries \(1024 bytes\) in the bins of spatial axis 0, got 2000002 entries/,
    );
  });
});

describe('transposed convolution tables', () => {
  it('an empty input axis builds no table for the other axes', () => {
    // Input [1,1,0,1000], kernel [2,1000]: no input cell, so nothing to scatter, whatever the long axis holds.
    const info = convTransposeInfo('convTranspose2d', [1, 1, 0, 1000], [1, 1, 2, 1000], {});
    const { lengths } = typedArraysBuilt('Int32Array', () => expect(transposedTargets(info).length).toBe(0));
    expect(Math.max(0, ...lengths)).toBe(0);
    expect(convTranspose2d(zeros([1, 1, 0, 1000]), ones([1, 1, 2, 1000])).shape).toEqual([1, 1, 1, 1999]);
  });
});
