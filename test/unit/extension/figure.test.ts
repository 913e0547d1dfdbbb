/**
 * The feature-map view's pure logic (extension/src/figure.ts) on payloads made by the kernel's own formatter:
 * values as sent, colour ranges and legends, paging, and everything the hover says or outlines — checked against
 * the kernel's ops (pad, conv, pools), never against numbers taken from the code under test.
 */
import { describe, expect, it } from 'vitest';
import {
  cellText,
  colorRange,
  decodeMap,
  decodeValues,
  footerText,
  formatValue,
  hoverInfo,
  legendOf,
  MAP_SIZES,
  mapValues,
  pageLayout,
  pageOf,
  paddingCell,
  panelCaption,
  panelPadding,
  sources,
  windowTaps,
} from '../../../extension/src/figure';
import { base64Length, validateFeatureMap, type FeatureMapPayload } from '@convlab/protocol';
import {
  avgPool2d,
  conv1d,
  conv2d,
  FEATURE_MAP_MIME,
  full,
  lpPool2d,
  maxPool2d,
  ones,
  pad,
  rand,
  setDisplayOptions,
  tensor,
  tensorBundle,
  type Tensor,
} from '../../../kernel/src/index';
import { featureMapPayload } from '../../../kernel/src/display/bundle';
import { downsampleMap } from '../../../kernel/src/display/encode';
import { tensorPanels } from '../../../kernel/src/display/panels';
import { workedExample } from '../support/helpers';
import { convPayload, convWindow, f32, panel, payload } from '../protocol/fixtures';

/** The feature-map payload the kernel sends for a tensor. */
const payloadOf = (t: Tensor): FeatureMapPayload => tensorBundle(t).data[FEATURE_MAP_MIME] as FeatureMapPayload;

/** The payload with every map quantized to 8 bits, as the kernel sends a large tensor. */
function quantized(t: Tensor): FeatureMapPayload {
  const provenance = t.provenance!;
  return featureMapPayload(tensorPanels(t).panels, { op: provenance.op, backend: 'cpu', window: provenance.window }, [], 'u8-base64');
}

/** A number as the tooltip writes it (typographic minus) back to a number. */
const parse = (s: string): number => Number(s.replace(/−/g, '-'));

/** The number after the last `=` of a line. */
const lastNumber = (line: string): number => parse(line.slice(line.lastIndexOf('=') + 1).trim());

/** x = 1…16 as 4×4 (notebook 00's image). */
const image = (): Tensor => workedExample().x;

describe('numbers', () => {
  it('writes cell values in at most 4 characters, keeping a trailing zero that stands for rounding', () => {
    expect([348, 0.1111, -2.97, 123456, 0.5, 0.001234, 2.97, 16, -12.5, 0].map(cellText)).toEqual([
      '348',
      '0.11',
      '-3.0',
      '1e5',
      '0.5',
      '1e-3',
      '2.97',
      '16',
      '-13',
      '0',
    ]);
    // float32 noise is not rounding: 0.1 stored as float32 still reads 0.1.
    expect(cellText(Math.fround(0.1))).toBe('0.1');
    expect([Infinity, -Infinity, NaN].map(cellText)).toEqual(['∞', '-∞', 'NaN']);
  });

  it('writes tooltip values to 6 significant digits with a typographic minus', () => {
    expect([348, -0.1234567, 1e21, Math.fround(0.1), 1 / 3].map(formatValue)).toEqual(['348', '−0.123457', '1e21', '0.1', '0.333333']);
  });
});

describe('decoding', () => {
  it('decodes f32 and u8 data row-major, u8 dequantized against its own range', () => {
    expect(Array.from(decodeValues({ encoding: 'f32-base64', data: f32([1, -2, 0.5]), min: -2, max: 1 }, 3))).toEqual([1, -2, 0.5]);
    const u8 = { encoding: 'u8-base64' as const, data: Buffer.from([0, 51, 255]).toString('base64'), min: -1, max: 4 };
    expect(Array.from(decodeValues(u8, 3))).toEqual([-1, 0, 4]);
    expect(decodeMap(panel().maps[0]!)).toEqual([
      [1, -2],
      [0.5, 0],
    ]);
  });

  it('decodes a map once and reuses its values', () => {
    const map = panel().maps[0]!;
    expect(mapValues(map)).toBe(mapValues(map));
  });
});

describe('hover: values as sent', () => {
  it("shows notebook 00's Σ x·w behind output (0, 0), outlines the window and marks the kernel map", () => {
    const { x, w } = workedExample();
    const p = payloadOf(conv2d(x, w));
    const info = hoverInfo(p, 2, 0, 0, 0)!;
    expect(info.lines).toEqual([
      'output channel 0',
      '(row 0, col 0)',
      'value 348',
      'Σ x·w = 1·1 + 2·2 + 3·3 + 5·4 + 6·5 + 7·6 + 9·7 + 10·8 + 11·9 = 348',
    ]);
    const taps = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => ({ r, c })));
    expect(info.highlight).toEqual([
      { panel: 2, map: 0, cells: [{ r: 0, c: 0 }] },
      { panel: 0, map: 0, cells: taps },
    ]);
    expect(info.activeMaps).toEqual([{ panel: 1, map: 0 }]);
    // The other corner: 6·1 + 7·2 + … = 573, the kernel's own value.
    expect(lastNumber(hoverInfo(p, 2, 0, 1, 1)!.lines[3]!)).toBe(conv2d(x, w).data[3]);
  });

  it('says a quantized value is approximate, with its 8-bit error bound, and shows no computation', () => {
    const { x, w } = workedExample();
    const p = quantized(conv2d(x, w));
    const lines = hoverInfo(p, 2, 0, 0, 1)!.lines;
    // Output 348 … 573: a step of 225 / 255, so any value is within 225 / 510 ≈ 0.441 of the true one.
    expect(lines[2]).toBe('≈ 393 (8-bit: within ±0.441)');
    expect(lines[3]).toBe('computation not shown: the input was sent as 8-bit values');
    // The taps are still outlined: they need no values.
    expect(hoverInfo(p, 2, 0, 0, 1)!.highlight[1]!.cells).toHaveLength(9);
  });

  it('says a downsampled cell is a block mean, which rows and cols it covers, and the block range', () => {
    const values = Float32Array.from({ length: 25 }, (_, i) => ((i * 7) % 11) - 5); // 5×5, signed
    const map = downsampleMap({ label: 'channel 0', height: 5, width: 5, values }, 2);
    const p = featureMapPayload([{ role: 'tensor', title: 'tensor [1,1,5,5]', shape: [1, 1, 5, 5], maps: [map] }], { op: 'tensor', backend: 'cpu' }, [], 'u8-base64');
    const block = (rows: number[], cols: number[]): number[] => rows.flatMap((r) => cols.map((c) => values[r * 5 + c]!));
    const cases = [
      { r: 0, c: 0, rows: [0, 1], cols: [0, 1], text: 'rows 0–1, cols 0–1' },
      { r: 1, c: 2, rows: [2, 3], cols: [4], text: 'rows 2–3, col 4' },
      { r: 2, c: 2, rows: [4], cols: [4], text: 'row 4, col 4' },
    ];
    const span = Math.max(...values) - Math.min(...values);
    for (const { r, c, rows, cols, text } of cases) {
      const lines = hoverInfo(p, 0, 0, r, c)!.lines;
      const cells = block(rows, cols);
      const mean = cells.reduce((a, b) => a + b, 0) / cells.length;
      expect(lines[0]).toBe('tensor channel 0');
      expect(lines[2]).toMatch(new RegExp(`^mean of ${text} of the 5×5 map: ≈ (\\S+)$`));
      // 8-bit with 3 significant digits: within the quantization step of the means' range.
      expect(Math.abs(parse(lines[2]!.split('≈ ')[1]!) - mean)).toBeLessThanOrEqual(span / 510 + 0.01 * Math.abs(mean) + 1e-9);
      const [, low, high] = /^block range (\S+) … (\S+)$/.exec(lines[3]!)!;
      expect(Math.abs(parse(low!) - Math.min(...cells))).toBeLessThanOrEqual(span / 510 + 0.01 * Math.abs(Math.min(...cells)));
      expect(Math.abs(parse(high!) - Math.max(...cells))).toBeLessThanOrEqual(span / 510 + 0.01 * Math.abs(Math.max(...cells)));
      expect(lines[4]).toBe('exact values were not sent (downsampled to fit the output size)');
    }
  });

  it('says what it can of an output whose inputs were not all sent, and of an absurd window, without stalling', () => {
    setDisplayOptions({ maxMapsPerPanel: 4 });
    try {
      // A kernel [4,3,3,3] cut to its first 4 maps: filter 0 is whole, filter 1 is not.
      const p = payloadOf(conv2d(rand([1, 3, 4, 4], { seed: 1 }), rand([4, 3, 3, 3], { seed: 2 })));
      expect(hoverInfo(p, 2, 0, 0, 0)!.lines[3]).toMatch(/^Σ x·w = /);
      expect(hoverInfo(p, 2, 1, 0, 0)!.lines[3]).toBe('computation not shown: not every map it reads was sent');
      expect(hoverInfo(p, 2, 1, 0, 0)!.activeMaps).toEqual([{ panel: 1, map: 3 }]);
    } finally {
      setDisplayOptions({ maxMapsPerPanel: 64 });
    }
    const { x, w } = workedExample();
    const sent = payloadOf(conv2d(x, w));
    const absurd = { ...sent, window: { ...sent.window!, kernel: [1e9, 1e9] } };
    expect(hoverInfo(absurd, 2, 0, 0, 0)!.lines).toEqual(['output channel 0', '(row 0, col 0)', 'value 348']);
  });

  it('answers null off the drawn grid, and for padding only where padding is drawn', () => {
    const { x, w } = workedExample();
    const p = payloadOf(conv2d(x, w, { padding: 1 }));
    expect(hoverInfo(p, 0, 0, -1, -1)).not.toBeNull();
    expect(hoverInfo(p, 0, 0, -2, 0)).toBeNull();
    expect(hoverInfo(p, 0, 0, 0, 5)).toBeNull();
    expect(hoverInfo(p, 2, 0, -1, 0)).toBeNull(); // the output has no padding
    expect(hoverInfo(p, 2, 1, 0, 0)).toBeNull(); // no such map
    expect(hoverInfo(p, 7, 0, 0, 0)).toBeNull();
  });
});

describe('padding', () => {
  const modes = [
    { mode: 'reflect' as const, name: 'reflect' },
    { mode: 'symmetric' as const, name: 'symmetric' },
    { mode: 'replicate' as const, name: 'replicate' },
    { mode: 'circular' as const, name: 'circular' },
    { mode: 'constant' as const, value: 5, name: 'constant 5' },
    { mode: 'constant' as const, name: 'zeros' },
  ];

  it.each(modes)('says what every $name padding cell holds, as the kernel’s pad fills it, pads wider than the axis', ({ mode, value, name }) => {
    const x = rand([1, 1, 3, 2], { seed: 7 });
    const padded = pad(x, [[4, 5], [7, 3]], { mode, ...(value === undefined ? {} : { value }) });
    const p = payloadOf(padded);
    expect(p.window?.paddingMode).toBe(name);
    expect(panelPadding(p, p.panels[0]!)).toEqual([[4, 5], [7, 3]]);
    const [height, width] = [padded.shape[2]!, padded.shape[3]!];
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) {
        const { source, constant } = paddingCell(name, i - 4, j - 7, 3, 2);
        const held = source ? x.data[source[0] * 2 + source[1]] : constant;
        expect(held).toBe(padded.data[i * width + j]);
      }
    }
  });

  it('names and outlines the input cell a reflect padding cell copies, in the input and behind the pad output', () => {
    const p = payloadOf(pad(image(), 2, { mode: 'reflect' }));
    const info = hoverInfo(p, 0, 0, -2, -2)!;
    expect(info.lines).toEqual(['input channel 0', 'padding (reflect) at (row −2, col −2)', 'copies input (row 2, col 2) = 11']);
    expect(info.highlight).toEqual([{ panel: 0, map: 0, cells: [{ r: -2, c: -2, dotted: true }, { r: 2, c: 2 }] }]);
    // The padded output's corner (0, 0) is that same cell.
    const out = hoverInfo(p, 1, 0, 0, 0)!;
    expect(out.lines).toEqual(['output channel 0', '(row 0, col 0)', 'value 11', 'padding (reflect): copies input (row 2, col 2) = 11']);
    expect(out.highlight[1]).toEqual({ panel: 0, map: 0, cells: [{ r: -2, c: -2, dotted: true }, { r: 2, c: 2 }] });
    expect(hoverInfo(p, 1, 0, 3, 4)!.lines[3]).toBe('copies input (row 1, col 2)');
    // Sent as 8 bits (input 1 … 16: within 15/510), the copied value is approximate.
    expect(hoverInfo(quantized(pad(image(), 2, { mode: 'reflect' })), 0, 0, -2, -1)!.lines[2]).toBe('copies input (row 2, col 1) ≈ 10');
  });

  it('says what constant, −∞ and excluded padding hold', () => {
    const x = image();
    const w = ones([1, 1, 3, 3]);
    const at = (t: Tensor): string[] => hoverInfo(payloadOf(t), 0, 0, -1, -1)!.lines.slice(1);
    expect(at(conv2d(x, w, { padding: 1 }))).toEqual(['padding (zeros) at (row −1, col −1)', '= 0']);
    expect(at(conv2d(x, w, { padding: 1, paddingMode: 'constant', padValue: 5 }))).toEqual(['padding (constant 5) at (row −1, col −1)', '= 5']);
    expect(at(maxPool2d(x, 3, { stride: 1, padding: 1 }))).toEqual(['padding (−∞) at (row −1, col −1)', 'never the max']);
    expect(at(avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false }))).toEqual([
      'padding (excluded) at (row −1, col −1)',
      'not counted in the mean',
    ]);
    expect(paddingCell('-inf', -1, 0, 4, 4)).toEqual({ source: null, constant: null });
    expect(paddingCell('excluded', 0, 9, 4, 4)).toEqual({ source: null, constant: null });
    expect(paddingCell('reflect', 1, 2, 4, 4)).toEqual({ source: [1, 2], constant: null });
  });

  it('names the padding mode in the footer, zeros included', () => {
    const x = rand([1, 1, 6, 6], { seed: 1 });
    const w = ones([1, 1, 3, 3]);
    expect(footerText(payloadOf(conv2d(x, w, { padding: 2, paddingMode: 'reflect' })))).toBe(
      'conv2d · backend cpu · kernel 3×3 · stride 1×1 · dilation 1×1 · padding 2,2 / 2,2 (reflect) · groups 1',
    );
    expect(footerText(payloadOf(conv2d(x, w, { padding: 1 })))).toMatch(/padding 1,1 \/ 1,1 \(zeros\) · groups 1$/);
    expect(footerText(payloadOf(pad(x, 2, { mode: 'circular' })))).toBe('pad · backend cpu · padding 2,2 / 2,2 (circular)');
    expect(footerText({ ...payloadOf(maxPool2d(x, 3, { stride: 1, padding: 1 })), notes: ['a note'] })).toMatch(/\(−∞\) · groups 1 · a note$/);
    expect(footerText(payload())).toBe('conv2d · backend cpu');
  });
});

describe('hover: the computation behind an output', () => {
  /** Every output cell's Σ line against the kernel's own output, bias added to the window as the kernel sends it. */
  function checkConv(out: Tensor, bias?: Tensor): void {
    const sent = payloadOf(out);
    const p: FeatureMapPayload = bias ? { ...sent, window: { ...sent.window!, bias: Array.from(bias.data) } } : sent;
    const outIndex = p.panels.findIndex((q) => q.role === 'output');
    const [channels, height, width] = out.shape.slice(-3) as [number, number, number];
    for (let o = 0; o < channels; o++) {
      for (let i = 0; i < height; i++) {
        for (let j = 0; j < width; j++) {
          const info = hoverInfo(p, outIndex, o, i, j)!;
          const line = info.lines.find((l) => l.startsWith('Σ'))!;
          expect(line).toMatch(bias ? /^Σ x·w \+ b = / : /^Σ x·w = /);
          const expected = out.data[(o * height + i) * width + j]!;
          expect(Math.abs(lastNumber(line) - expected)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(expected)));
          expect(info.lines.some((l) => l.startsWith('output value'))).toBe(false);
        }
      }
    }
  }

  it.each([
    { name: 'groups 1, bias, reflect', x: [1, 2, 5, 5], w: [3, 2, 3, 3], options: { padding: 2, paddingMode: 'reflect' as const } },
    { name: 'groups 2, stride 2, circular', x: [1, 4, 6, 5], w: [4, 2, 3, 2], options: { groups: 2, stride: 2, padding: 3, paddingMode: 'circular' as const } },
    { name: 'dilation 2, symmetric, per-side pads', x: [1, 3, 6, 6], w: [2, 3, 2, 3], options: { dilation: 2, padding: [[1, 2], [3, 0]] as [number, number][], paddingMode: 'symmetric' as const } },
    { name: 'depthwise, replicate', x: [1, 3, 4, 4], w: [3, 1, 3, 3], options: { groups: 3, padding: 1, paddingMode: 'replicate' as const } },
    { name: 'constant 0.5 padding', x: [1, 2, 4, 3], w: [2, 2, 3, 3], options: { padding: 1, paddingMode: 'constant' as const, padValue: 0.5 } },
  ])('writes a Σ that equals the kernel’s conv output at every cell: $name', ({ x, w, options }) => {
    const input = rand(x, { seed: 3, low: -1, high: 1 });
    const weight = rand(w, { seed: 4, low: -1, high: 1 });
    const bias = rand([w[0]!], { seed: 5, low: -1, high: 1 });
    checkConv(conv2d(input, weight, { ...options, bias }), bias);
    checkConv(conv2d(input, weight, options));
  });

  it('writes a 1-D conv’s Σ over every channel row of its input map', () => {
    const input = rand([1, 4, 7], { seed: 8, low: -1, high: 1 });
    const weight = rand([6, 2, 3], { seed: 9, low: -1, high: 1 });
    const bias = rand([6], { seed: 10 });
    const out = conv1d(input, weight, { groups: 2, padding: 2, dilation: 2, paddingMode: 'reflect', bias });
    const sent = payloadOf(out);
    const p: FeatureMapPayload = { ...sent, window: { ...sent.window!, bias: Array.from(bias.data) } };
    // One map per panel: rows are channels, so output row 4 is channel 4 (group 1 reads input rows 2, 3).
    const info = hoverInfo(p, 2, 0, 4, 1)!;
    expect(Math.abs(lastNumber(info.lines.find((l) => l.startsWith('Σ'))!) - out.data[4 * 7 + 1]!)).toBeLessThanOrEqual(1e-4);
    expect(info.highlight[1]!.cells.map((c) => c.r)).toEqual([2, 2, 2, 3, 3, 3]);
    expect(info.highlight[1]!.cells.map((c) => c.c)).toEqual([-1, 1, 3, -1, 1, 3]);
    expect(info.activeMaps).toEqual([{ panel: 1, map: 4 }]);
    for (let o = 0; o < 6; o++) {
      for (let j = 0; j < 7; j++) {
        const line = hoverInfo(p, 2, 0, o, j)!.lines.find((l) => l.startsWith('Σ'))!;
        expect(Math.abs(lastNumber(line) - out.data[o * 7 + j]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(out.data[o * 7 + j]!)));
      }
    }
  });

  it('writes every term up to 27, then the first 9 and the count; padding taps dotted, with the value they hold', () => {
    const x = full([1, 4, 3, 3], 2);
    const w = ones([1, 4, 3, 3]);
    const lines = hoverInfo(payloadOf(conv2d(x, w, { padding: 1 })), 2, 0, 0, 0)!.lines;
    expect(lines[3]).toBe(`Σ x·w = ${['0·1', '0·1', '0·1', '0·1', '2·1', '2·1', '0·1', '2·1', '2·1'].join(' + ')} + … (36 terms) = 32`);
    const info = hoverInfo(payloadOf(conv2d(full([1, 3, 3, 3], 2), ones([1, 3, 3, 3]), { padding: 1 })), 2, 0, 0, 0)!;
    expect(info.lines[3]!.split(' + ')).toHaveLength(27);
    expect(info.highlight.slice(1).map((h) => h.map)).toEqual([0, 1, 2]);
    expect(info.highlight[1]!.cells.filter((c) => c.dotted)).toEqual([
      { r: -1, c: -1, dotted: true },
      { r: -1, c: 0, dotted: true },
      { r: -1, c: 1, dotted: true },
      { r: 0, c: -1, dotted: true },
      { r: 1, c: -1, dotted: true },
    ]);
    expect(info.activeMaps).toEqual([0, 1, 2].map((map) => ({ panel: 1, map })));
  });

  it('writes negative factors in parentheses and the bias after the terms', () => {
    const out = conv2d(tensor([[[[-1, 2]]]]), tensor([[[[3, -4]]]]), { bias: tensor([0.5]) });
    const sent = payloadOf(out);
    const p = { ...sent, window: { ...sent.window!, bias: [0.5] } };
    expect(hoverInfo(p, 2, 0, 0, 0)!.lines[3]).toBe('Σ x·w + b = (−1)·3 + 2·(−4) + 0.5 = −10.5');
  });

  it('says the output value when it differs from the computation', () => {
    const { x, w } = workedExample();
    const sent = payloadOf(conv2d(x, w));
    const p = { ...sent, window: { ...sent.window!, bias: [1] } }; // a bias the output did not get
    expect(hoverInfo(p, 2, 0, 0, 0)!.lines.slice(3)).toEqual([
      'Σ x·w + b = 1·1 + 2·2 + 3·3 + 5·4 + 6·5 + 7·6 + 9·7 + 10·8 + 11·9 + 1 = 349',
      'output value 348',
    ]);
  });

  it('writes max pooling as the max of the real taps, padding left out', () => {
    const x = image();
    expect(hoverInfo(payloadOf(maxPool2d(x, 2)), 1, 0, 0, 1)!.lines[3]).toBe('max(3, 4, 7, 8) = 8');
    const info = hoverInfo(payloadOf(maxPool2d(x, 3, { stride: 1, padding: 1 })), 1, 0, 0, 0)!;
    expect(info.lines[3]).toBe('max(1, 2, 5, 6) = 6');
    expect(info.highlight[1]!.cells.filter((c) => c.dotted)).toHaveLength(5);
    expect(info.activeMaps).toEqual([]);
  });

  it('writes average pooling with its divisor when the window reaches the padding', () => {
    const x = image();
    expect(hoverInfo(payloadOf(avgPool2d(x, 2)), 1, 0, 1, 1)!.lines[3]).toBe('mean(11, 12, 15, 16) = 13.5');
    // 14/9 and 14/4, kernel/src/ops/pool.ts's own examples.
    const counted = avgPool2d(x, 3, { stride: 1, padding: 1 });
    expect(hoverInfo(payloadOf(counted), 1, 0, 0, 0)!.lines.slice(2)).toEqual([
      `value ${formatValue(counted.data[0]!)}`,
      '(1 + 2 + 5 + 6) / 9 = 1.55556 (divisor 9 counts 5 padding cells)',
    ]);
    expect(hoverInfo(payloadOf(avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false })), 1, 0, 0, 0)!.lines[3]).toBe(
      '(1 + 2 + 5 + 6) / 4 = 3.5 (divisor 4: padding not counted)',
    );
  });

  it('writes LP pooling as (Σ |x|ᵖ)^(1/p) with p filled in', () => {
    const withPower = (t: Tensor, p: number): FeatureMapPayload => {
      const sent = payloadOf(t);
      return { ...sent, window: { ...sent.window!, power: p } };
    };
    const out = lpPool2d(image(), 2, { p: 2 });
    const line = hoverInfo(withPower(out, 2), 1, 0, 0, 0)!.lines[3]!;
    expect(line).toBe('(Σ |x|²)^(1/2) = (1² + 2² + 5² + 6²)^(1/2) = 8.12404');
    expect(Math.abs(lastNumber(line) - out.data[0]!)).toBeLessThanOrEqual(1e-4);
    const signed = lpPool2d(tensor([[[[-1, -2, 3, -4]]]]), [1, 2], { p: 3 });
    const cube = hoverInfo(withPower(signed, 3), 1, 0, 0, 0)!.lines[3]!;
    expect(cube).toBe('(Σ |x|³)^(1/3) = (|−1|³ + |−2|³)^(1/3) = 2.08008');
    expect(Math.abs(lastNumber(cube) - signed.data[0]!)).toBeLessThanOrEqual(1e-4);
  });
});

describe('colour ranges, legends and captions', () => {
  const x = rand([1, 1, 5, 5], { seed: 2 }); // values in [0, 1)

  it('draws a constant kernel mid-scale, captioned and legended with its one value', () => {
    const p = payloadOf(conv2d(x, ones([1, 1, 3, 3])));
    const kernel = p.panels[1]!;
    expect(colorRange(p, kernel, kernel.maps[0]!, 'layer')).toEqual([0, 2]);
    expect(colorRange(p, kernel, kernel.maps[0]!, 'channel')).toEqual([0, 2]);
    expect(panelCaption(kernel)).toBe('kernel [1,1,3,3] · all 1');
    expect(legendOf(p, kernel, 'layer')).toEqual({ gradient: expect.stringMatching(/^linear-gradient\(to right, #/), value: '1' });
    // A blur kernel of 1/9 as float32: a range of float noise reads as its one value too.
    const blur = payloadOf(conv2d(x, full([1, 1, 3, 3], 1 / 9))).panels[1]!;
    expect(panelCaption(blur)).toBe('kernel [1,1,3,3] · all 0.1111');
    const [lo, hi] = colorRange(payloadOf(conv2d(x, full([1, 1, 3, 3], 1 / 9))), blur, blur.maps[0]!, 'layer');
    expect((lo + hi) / 2).toBeCloseTo(1 / 9, 7);
    expect(legendOf(payloadOf(conv2d(x, full([1, 1, 3, 3], 1 / 9))), blur, 'layer').value).toBe('0.1111');
    // A constant 0 (a centred or sequential scale alike) sits mid-scale too.
    const zero = payloadOf(tensor([[0, 0], [0, 0]]));
    expect(colorRange(zero, zero.panels[0]!, zero.panels[0]!.maps[0]!, 'layer')).toEqual([-1, 1]);
  });

  it('keeps a signed panel symmetric about 0, and captions it with its range', () => {
    const p = convPayload();
    const [input, kernel] = p.panels as [typeof p.panels[0], typeof p.panels[0]];
    expect(colorRange(p, input, input.maps[1]!, 'channel')).toEqual([10, 13]);
    expect(colorRange(p, input, input.maps[1]!, 'layer')).toEqual([0, 13]);
    expect(colorRange(p, kernel, kernel.maps[0]!, 'channel')).toEqual([-1, 1]);
    expect(colorRange(p, kernel, kernel.maps[0]!, 'layer')).toEqual([-2, 2]);
    expect(panelCaption(panel({ min: -0.123456, max: 2 }))).toBe('output [1,1,2,2] · −0.1235 … 2');
    expect(panelCaption(panel({ min: 1, max: 16, title: 'input [1,1,4,4]' }))).toBe('input [1,1,4,4] · 1 … 16');
  });

  it('shares one range between input and output in global mode; the kernel keeps its own, said in a note', () => {
    const w = rand([1, 1, 3, 3], { seed: 3, low: -1, high: 1 });
    const out = conv2d(x, w, { padding: 1 });
    const p = payloadOf(out);
    const [input, kernel, output] = p.panels as [typeof p.panels[0], typeof p.panels[0], typeof p.panels[0]];
    const lo = Math.min(input.min, output.min);
    const hi = Math.max(input.max, output.max);
    const bound = Math.max(Math.abs(lo), Math.abs(hi));
    expect(colorRange(p, input, input.maps[0]!, 'global')).toEqual(input.centered ? [-bound, bound] : [lo, hi]);
    expect(colorRange(p, output, output.maps[0]!, 'global')).toEqual(output.centered ? [-bound, bound] : [lo, hi]);
    expect(colorRange(p, kernel, kernel.maps[0]!, 'global')).toEqual(colorRange(p, kernel, kernel.maps[0]!, 'layer'));
    expect(legendOf(p, kernel, 'global').note).toBe('kernel: own range in global mode');
    expect(legendOf(p, input, 'global').note).toBeUndefined();
  });

  it('marks where a panel’s own data lies when it covers less than half of the shared bar', () => {
    // A 0…1 image under an output spanning about 0…9: the image is the bar's first ninth.
    const out = conv2d(x, ones([1, 1, 3, 3]), { padding: 1 });
    const p = payloadOf(out);
    const [input, , output] = p.panels as [typeof p.panels[0], typeof p.panels[0], typeof p.panels[0]];
    const legend = legendOf(p, input, 'global');
    const [lo, hi] = colorRange(p, input, input.maps[0]!, 'global');
    expect(legend.low).toBe(formatValue(Number(lo.toPrecision(4))));
    expect(legend.span![0]).toBeCloseTo((input.min - lo) / (hi - lo), 9);
    expect(legend.span![1]).toBeCloseTo((input.max - lo) / (hi - lo), 9);
    expect(legend.span![1]).toBeLessThan(0.5);
    expect(legendOf(p, output, 'global').span).toBeUndefined();
    expect(legendOf(p, input, 'layer').span).toBeUndefined();
  });

  it('says per channel that each map has its own range', () => {
    const p = convPayload();
    expect(legendOf(p, p.panels[1]!, 'channel')).toMatchObject({ low: '−|max|', high: '+|max| of each channel' });
    expect(legendOf(p, p.panels[0]!, 'channel')).toMatchObject({ low: 'min', high: 'max of each channel' });
    expect(legendOf(p, p.panels[1]!, 'layer')).toEqual({ gradient: 'linear-gradient(to right, #2166ac 0%, #f7f7f7 50%, #b2182b 100%)', low: '−2', high: '2' });
  });
});

describe('paging', () => {
  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

  it('pages a conv 3→16 by filters: the filters’ kernel maps, all input channels', () => {
    const p = payloadOf(conv2d(rand([1, 3, 5, 5], { seed: 1 }), rand([16, 3, 3, 3], { seed: 2 })));
    expect(pageLayout(p, 0, 8)).toEqual({ page: 0, pages: 2, label: 'filters 0–7 of 16', maps: [[0, 1, 2], range(0, 24), range(0, 8)] });
    expect(pageLayout(p, 1, 8)).toEqual({ page: 1, pages: 2, label: 'filters 8–15 of 16', maps: [[0, 1, 2], range(24, 48), range(8, 16)] });
    expect(pageLayout(p, 5, 8).page).toBe(1);
    expect(pageLayout(p, 0, 32).label).toBe('filters 0–15 of 16');
  });

  it('pages a depthwise conv 8→8 by the channels its filters read', () => {
    const p = payloadOf(conv2d(rand([1, 8, 4, 4], { seed: 1 }), rand([8, 1, 3, 3], { seed: 2 }), { groups: 8 }));
    expect(pageLayout(p, 1, 3)).toEqual({ page: 1, pages: 3, label: 'filters 3–5 of 8', maps: [[3, 4, 5], [3, 4, 5], [3, 4, 5]] });
    expect(pageLayout(p, 2, 3).maps).toEqual([[6, 7], [6, 7], [6, 7]]);
    // Groups 2: filters 0…3 read input channels 0…3, filters 4…7 channels 4…7.
    const grouped = payloadOf(conv2d(rand([1, 8, 4, 4], { seed: 1 }), rand([8, 4, 3, 3], { seed: 2 }), { groups: 2 }));
    expect(pageLayout(grouped, 1, 2).maps[0]).toEqual([0, 1, 2, 3]);
    expect(pageLayout(grouped, 2, 2).maps[0]).toEqual([4, 5, 6, 7]);
  });

  it('pages a 64-channel max pool with the same channels on both sides', () => {
    const p = payloadOf(maxPool2d(rand([1, 64, 4, 4], { seed: 1 }), 2));
    expect(pageLayout(p, 1, 32)).toEqual({ page: 1, pages: 2, label: 'channels 32–63 of 64', maps: [range(32, 64), range(32, 64)] });
  });

  it('pages a 1-D conv by its filters; its input and output are one map each', () => {
    const p = payloadOf(conv1d(rand([1, 2, 9], { seed: 1 }), rand([5, 2, 3], { seed: 2 })));
    expect(pageLayout(p, 1, 2)).toEqual({ page: 1, pages: 3, label: 'filters 2–3 of 5', maps: [[0], [2, 3], [0]] });
  });

  it('pages the input of a wide groups-1 conv on its own, clamped; pages a plain tensor’s maps', () => {
    const p = payloadOf(conv2d(rand([1, 40, 3, 3], { seed: 1 }), rand([4, 40, 1, 1], { seed: 2 })));
    expect(pageLayout(p, 0, 32).maps[0]).toEqual(range(0, 32));
    expect(pageLayout(p, 0, 2).maps[0]).toEqual(range(0, 2));
    expect(pageLayout(p, 1, 32)).toMatchObject({ page: 0, pages: 1 });
    const t = payloadOf(rand([1, 40, 3, 3], { seed: 1 }));
    expect(pageLayout(t, 1, 32)).toEqual({ page: 1, pages: 2, label: 'channels 32–39 of 40', maps: [range(32, 40)] });
    expect(pageLayout(payloadOf(rand([3, 3], { seed: 1 })), 0, 8).label).toBe('map 0 of 1');
  });

  it('keeps pageOf and the map sizes in order', () => {
    expect(pageOf(40, 9, 32)).toEqual({ start: 32, end: 40, page: 1, pages: 2 });
    expect(pageOf(1, -3, 32)).toEqual({ start: 0, end: 1, page: 0, pages: 1 });
    expect(MAP_SIZES.map((s) => s.value)).toEqual(['s', 'm', 'l']);
    // Bigger maps, fewer per page.
    expect(MAP_SIZES.map((s) => s.side)).toEqual([...MAP_SIZES.map((s) => s.side)].sort((a, b) => a - b));
    expect(MAP_SIZES.map((s) => s.perPage)).toEqual([...MAP_SIZES.map((s) => s.perPage)].sort((a, b) => b - a));
  });
});

describe('sizes a payload states but its data does not bound', () => {
  it('a crafted kernel shape [1, 2e9, 3, 3] with one map reads only the maps present', () => {
    const payload = payloadOf(conv2d(tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]), tensor([[[[1, 0], [0, 1]]]])));
    payload.panels[1]!.shape = [1, 2e9, 2, 2];
    // The map present, and one index past it: enough to tell that the rest was not sent.
    expect(sources(payload, 0)).toEqual({ input: [0, 1], kernel: [0, 1] });
    expect(pageLayout(payload, 0, 32).maps).toEqual([[0], [0], [0]]);
    expect(hoverInfo(payload, 2, 0, 0, 0)!.lines).toContain('computation not shown: not every map it reads was sent');
  });
});

describe('receptive field', () => {
  it('starts at i·stride − padBefore and steps by the dilation', () => {
    expect(windowTaps(convWindow(), 0, 0)).toEqual({ rows: [-1, 0, 1], cols: [-1, 0, 1] });
    expect(windowTaps(convWindow({ stride: [2, 3] }), 2, 1)).toEqual({ rows: [3, 4, 5], cols: [2, 3, 4] });
    expect(windowTaps(convWindow({ dilation: [2, 1], padding: [[0, 0], [2, 0]] }), 1, 0)).toEqual({ rows: [1, 3, 5], cols: [-2, -1, 0] });
    expect(windowTaps({ kernel: [2], stride: [2], dilation: [1], padding: [[0, 0]], groups: 1 }, 0, 3)).toEqual({ rows: [0], cols: [6, 7] });
  });

  it('finds the input channels and kernel maps an output channel reads, groups respected', () => {
    const p = convPayload();
    expect(sources(p, 2)).toEqual({ input: [0, 1], kernel: [4, 5] });
    const grouped = payloadOf(conv2d(rand([1, 4, 4, 4], { seed: 1 }), rand([6, 2, 3, 3], { seed: 2 }), { groups: 2 }));
    expect(sources(grouped, 4)).toEqual({ input: [2, 3], kernel: [8, 9] });
    expect(sources(payloadOf(maxPool2d(rand([1, 2, 4, 4], { seed: 1 }), 2)), 1)).toEqual({ input: [1], kernel: [] });
  });
});

describe('the doc comments’ examples', () => {
  it('hold', () => {
    expect(Array.from(decodeValues({ encoding: 'u8-base64', data: 'ADP/', min: -1, max: 4 }, 3))).toEqual([-1, 0, 4]);
    expect(paddingCell('reflect', -2, -2, 4, 4)).toEqual({ source: [2, 2], constant: null });
    expect(paddingCell('constant 5', -1, 0, 4, 4)).toEqual({ source: null, constant: 5 });
    expect([-2, -1, 4, 5, 6].map((t) => paddingCell('reflect', 0, t, 1, 4).source![1])).toEqual([2, 1, 2, 1, 0]);
    expect(windowTaps({ kernel: [3, 3], stride: [2, 2], dilation: [1, 1], padding: [[1, 1], [1, 1]], groups: 1 }, 0, 1)).toEqual({ rows: [-1, 0, 1], cols: [1, 2, 3] });
    expect(sources(payloadOf(conv2d(rand([1, 3, 4, 4], { seed: 1 }), rand([8, 3, 3, 3], { seed: 2 }))), 5)).toEqual({ input: [0, 1, 2], kernel: [15, 16, 17] });
    expect(pageOf(256, 7, 32)).toEqual({ start: 224, end: 256, page: 7, pages: 8 });
    const x = rand([1, 1, 6, 6], { seed: 1 });
    expect(footerText(payloadOf(conv2d(x, ones([1, 1, 3, 3]), { padding: 1 })))).toBe(
      'conv2d · backend cpu · kernel 3×3 · stride 1×1 · dilation 1×1 · padding 1,1 / 1,1 (zeros) · groups 1',
    );
    expect(footerText(payloadOf(pad(x, 2, { mode: 'reflect' })))).toBe('pad · backend cpu · padding 2,2 / 2,2 (reflect)');
    const conv = payloadOf(conv2d(x, ones([1, 1, 3, 3]), { padding: 1 }));
    expect(conv.panels.map((q) => panelPadding(conv, q))).toEqual([[[1, 1], [1, 1]], [[0, 0], [0, 0]], [[0, 0], [0, 0]]]);
    expect(Array.from(mapValues(panel().maps[0]!))).toEqual([1, -2, 0.5, 0]);
  });
});

describe('validateFeatureMap', () => {
  it('accepts a well-formed payload, with and without a window', () => {
    expect(validateFeatureMap(payload()).ok).toBe(true);
    expect(validateFeatureMap(convPayload()).ok).toBe(true);
  });

  it.each([
    ['not an object', 'hello', /payload should be an object, got string "hello"/],
    ['a newer version', { ...payload(), version: 2 }, /payload.version should be 1/],
    ['no panels', payload([]), /payload.panels should have at least 1 entries, got 0/],
    ['a bad role', payload([panel({ role: 'weights' as never })]), /payload.panels\[0\].role should be one of input, kernel, output, tensor/],
    [
      'data too short for the size',
      payload([panel({ maps: [{ ...panel().maps[0]!, height: 3 }] })]),
      /payload.panels\[0\].maps\[0\].data should hold 3×2 f32-base64 values \(24 bytes\), got 16 bytes/,
    ],
    ['a NaN range', payload([panel({ min: NaN })]), /payload.panels\[0\].min should be a finite number/],
    [
      'a colour that is not #rrggbb (it would go into CSS)',
      payload([panel({ colorscale: [[0, 'url(http://x)'], [1, '#ffffff']] })]),
      /payload.panels\[0\].colorscale\[0\] should be a \[position, '#rrggbb'\] pair/,
    ],
    [
      'a window whose padding is not pairs',
      { ...payload(), window: { kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padding: [1, 1], groups: 1 } },
      /payload.window.padding\[0\] should be a \[before, after\] pair, got number 1/,
    ],
    [
      'a padding mode that is not a string',
      { ...convPayload(), window: { ...convPayload().window!, paddingMode: 3 } },
      /payload.window.paddingMode should be a string, got number 3/,
    ],
  ])('refuses %s with a message naming the path', (_name, value, message) => {
    const result = validateFeatureMap(value);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(message);
  });

  it('measures base64 lengths and rejects non-base64', () => {
    expect(base64Length(f32([1, 2, 3]))).toBe(12);
    expect(base64Length('<b>hi</b>')).toBe(-1);
  });
});
