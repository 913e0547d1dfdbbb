// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import {
  colorBar,
  colorRange,
  decodeMap,
  footerText,
  heatmapFigure,
  highlightShapes,
  mapGrid,
  mapSize,
  pageOf,
  panelCaption,
  panelPadding,
  sources,
  windowTaps,
  type FigureTheme,
} from '../../../extension/src/figure';
import { base64Length, validateFeatureMap, type FeatureMapPayload } from '@convlab/protocol';
import { convPayload, convWindow, pads, f32, panel, payload } from '../protocol/fixtures';

const theme: FigureTheme = { text: '#111111', padding: '#cccccc', hatch: '#666666' };

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

describe('figure builders', () => {
  it('decodes f32 and u8 maps row by row', () => {
    expect(decodeMap(panel().maps[0]!)).toEqual([
      [1, -2],
      [0.5, 0],
    ]);
    const u8 = { label: '', height: 1, width: 3, encoding: 'u8-base64' as const, data: Buffer.from([0, 51, 255]).toString('base64'), min: -1, max: 4 };
    expect(decodeMap(u8)).toEqual([[-1, 0, 4]]);
  });

  it('puts row 0 at the top, keeps cells square and centres signed data on 0', () => {
    const p = payload();
    const { data, layout } = heatmapFigure(p, p.panels[0]!, p.panels[0]!.maps[0]!, 'layer', theme);
    expect(data).toHaveLength(1);
    const yRange = layout.yaxis['range'] as number[];
    expect(yRange[0]).toBeGreaterThan(yRange[1]!);
    expect(layout.width).toBe(layout.height);
    expect([data[0]!.zmin, data[0]!.zmax]).toEqual([-2, 2]);
    expect(data[0]!.z).toEqual([
      [1, -2],
      [0.5, 0],
    ]);
    expect(data[0]!.hovertemplate).toBe('output channel 0<br>(row %{y}, col %{x})<br>value %{z:.6~g}<extra></extra>');
  });

  it('normalises per channel, per layer (panel) or globally, symmetric for signed panels', () => {
    const p = convPayload();
    const [input, kernel, output] = p.panels as [typeof p.panels[0], typeof p.panels[0], typeof p.panels[0]];
    // input: non-negative, sequential; channel 1 spans 10 … 13, the panel 0 … 13.
    expect(colorRange(p, input, input.maps[1]!, 'channel')).toEqual([10, 13]);
    expect(colorRange(p, input, input.maps[1]!, 'layer')).toEqual([0, 13]);
    // kernel: signed, so ±max|v| of the chosen scope.
    expect(colorRange(p, kernel, kernel.maps[0]!, 'channel')).toEqual([-1, 1]);
    expect(colorRange(p, kernel, kernel.maps[0]!, 'layer')).toEqual([-2, 2]);
    const globalBound = Math.max(...p.panels.flatMap((q) => [Math.abs(q.min), Math.abs(q.max)]));
    expect(colorRange(p, output, output.maps[0]!, 'global')).toEqual([-globalBound, globalBound]);
    expect(colorRange(p, input, input.maps[0]!, 'global')).toEqual([Math.min(...p.panels.map((q) => q.min)), globalBound]);
  });

  it('draws padding around the input only, as hatched cells outside a dotted outline', () => {
    const p = convPayload();
    const [input, , output] = p.panels;
    expect(panelPadding(p, input!)).toEqual(pads(1));
    expect(panelPadding(p, output!)).toEqual(pads(0));
    const { data, layout } = heatmapFigure(p, input!, input!.maps[0]!, 'layer', theme);
    const [values, padding] = data;
    expect(values!.x).toEqual([-1, 0, 1, 2, 3, 4]);
    expect(values!.y).toEqual([-1, 0, 1, 2, 3, 4]);
    // The real 4×4 values sit inside a ring of nulls; the padding trace is their complement.
    expect(values!.z[0]).toEqual([null, null, null, null, null, null]);
    expect(values!.z[1]).toEqual([null, 0, 1, 2, 3, null]);
    const padCells = padding!.z.flat().filter((v) => v === 0).length;
    expect(padCells).toBe(6 * 6 - 4 * 4);
    expect(padding!.hovertemplate).toMatch(/padding \(zeros\) at \(row %\{y\}, col %\{x\}\)/);
    const [hatch, outline] = layout.shapes;
    expect(hatch!.path!.match(/M/g)).toHaveLength(padCells);
    expect(outline).toMatchObject({ x0: -0.5, x1: 3.5, y0: -0.5, y1: 3.5, line: { dash: 'dot' } });
    expect(layout.width).toBe(layout.height);
  });

  it('draws maps smaller as a panel holds more of them, kernels smallest', () => {
    const [input, kernel, output] = convPayload(8).panels; // 2, 16 and 8 maps
    expect([mapSize(input!), mapSize(output!), mapSize(kernel!)]).toEqual([140, 96, 44]);
    expect(mapSize(convPayload(40).panels[2]!)).toBe(72);
    expect(mapSize(panel())).toBe(200);
  });

  it('lays kernels out as out × in rows, whole rows per page, and other panels as near-square grids', () => {
    const kernel = convPayload(8).panels[1]!; // [8, 2, 3, 3]
    expect(mapGrid(kernel)).toEqual({ columns: 2, pageSize: 32, kernelRows: true });
    expect(mapGrid({ ...kernel, shape: [8, 3, 3, 3] })).toEqual({ columns: 3, pageSize: 30, kernelRows: true });
    expect(mapGrid(convPayload(8).panels[2]!)).toEqual({ columns: 3, pageSize: 32, kernelRows: false });
    expect(mapGrid(convPayload(40).panels[2]!).columns).toBe(6); // a page of 32 maps
  });
});

describe('receptive-field highlight', () => {
  const window = convWindow;

  it('starts at i·stride − padBefore and steps by the dilation', () => {
    expect(windowTaps(window(), 0, 0)).toEqual({ rows: [-1, 0, 1], cols: [-1, 0, 1] });
    expect(windowTaps(window({ stride: [2, 3] }), 2, 1)).toEqual({ rows: [3, 4, 5], cols: [2, 3, 4] });
    expect(
      windowTaps(
        window({
          dilation: [2, 1],
          padding: [
            [0, 0],
            [2, 0],
          ],
        }),
        1,
        0,
      ),
    ).toEqual({ rows: [1, 3, 5], cols: [-2, -1, 0] });
    expect(windowTaps({ kernel: [2], stride: [2], dilation: [1], padding: [[0, 0]], groups: 1 }, 0, 3)).toEqual({ rows: [0], cols: [6, 7] });
  });

  it('finds the input channels and kernel maps an output channel reads, groups respected', () => {
    const p = convPayload(); // 2 input channels → 3 output channels, groups 1
    expect(sources(p, 2)).toEqual({ input: [0, 1], kernel: [4, 5] });
    const grouped: FeatureMapPayload = {
      ...p,
      window: { ...p.window!, groups: 2 },
      panels: [
        { ...p.panels[0]!, shape: [1, 4, 4, 4] },
        { ...p.panels[1]!, shape: [6, 2, 3, 3] },
        { ...p.panels[2]!, shape: [1, 6, 4, 4] },
      ],
    };
    // Output channels 3..5 are group 1: input channels 2, 3; kernel maps out 4 · in 0..1 = 8, 9.
    expect(sources(grouped, 4)).toEqual({ input: [2, 3], kernel: [8, 9] });
    const pool: FeatureMapPayload = { ...p, op: 'maxPool2d', panels: [p.panels[0]!, p.panels[2]!] };
    expect(sources(pool, 1)).toEqual({ input: [1], kernel: [] });
  });

  it('outlines each tap with a halo, dotted where it falls in the padding', () => {
    const shapes = highlightShapes([-1, 0], [2], (r) => r >= 0);
    expect(shapes).toHaveLength(4);
    expect(shapes.map((s) => [s.y0, s.line.color, s.line.dash])).toEqual([
      [-1.5, '#ffffff', undefined],
      [-1.5, '#000000', 'dot'],
      [-0.5, '#ffffff', undefined],
      [-0.5, '#000000', undefined],
    ]);
    expect(shapes[1]).toMatchObject({ x0: 1.5, x1: 2.5 });
  });
});

describe('paging, captions and footer', () => {
  it('pages 256 channels 32 at a time and clamps the page', () => {
    expect(pageOf(256, 0)).toEqual({ start: 0, end: 32, page: 0, pages: 8 });
    expect(pageOf(256, 7)).toEqual({ start: 224, end: 256, page: 7, pages: 8 });
    expect(pageOf(40, 9)).toEqual({ start: 32, end: 40, page: 1, pages: 2 });
    expect(pageOf(1, -3)).toEqual({ start: 0, end: 1, page: 0, pages: 1 });
  });

  it('captions a panel with its title and range', () => {
    const positive = panel({ min: 1, max: 16, centered: false, title: 'input [1,1,4,4]' });
    expect(panelCaption(positive)).toBe('input [1,1,4,4] · 1 … 16');
    expect(panelCaption(panel({ min: -0.123456, max: 2 }))).toBe('output [1,1,2,2] · -0.1235 … 2');
  });

  it('says the colour bar range of the normalisation, and builds a CSS gradient from the stops', () => {
    const p = convPayload();
    const bar = colorBar(p, p.panels[1]!, 'layer');
    expect(bar).toEqual({ gradient: 'linear-gradient(to right, #2166ac 0%, #f7f7f7 50%, #b2182b 100%)', low: '-2', high: '2' });
    expect(colorBar(p, p.panels[1]!, 'channel').high).toBe('+|max| of each channel');
  });

  it('states op, backend, window and notes in the footer', () => {
    expect(footerText({ ...convPayload(), notes: ['input: showing batch item 0 of 2'] })).toBe(
      'conv2d · backend cpu · kernel 3×3 · stride 1×1 · dilation 1×1 · padding 1,1 / 1,1 · groups 1 · input: showing batch item 0 of 2',
    );
    expect(footerText(payload())).toBe('conv2d · backend cpu');
  });
});
