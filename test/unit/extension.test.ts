// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { decodeMap, heatmapFigure, panelCaption, panelRange } from '../../extension/src/figure';
import { base64Length, validateFeatureMap } from '../../extension/src/validate';
import type { FeatureMapPanel, FeatureMapPayload } from '../../extension/src/schema';

const f32 = (values: number[]): string => Buffer.from(new Float32Array(values).buffer).toString('base64');

function panel(overrides: Partial<FeatureMapPanel> = {}): FeatureMapPanel {
  return {
    role: 'output',
    title: 'output [1,1,2,2]',
    shape: [1, 1, 2, 2],
    min: -2,
    max: 1,
    colorscale: [
      [0, '#2166ac'],
      [1, '#b2182b'],
    ],
    centered: true,
    maps: [{ label: 'channel 0', height: 2, width: 2, encoding: 'f32-base64', data: f32([1, -2, 0.5, 0]), min: -2, max: 1 }],
    ...overrides,
  };
}

function payload(panels: FeatureMapPanel[] = [panel()]): FeatureMapPayload {
  return { version: 1, op: 'conv2d', backend: 'cpu', panels, notes: [] };
}

describe('validateFeatureMap', () => {
  it('accepts a well-formed payload', () => {
    expect(validateFeatureMap(payload()).ok).toBe(true);
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
      'a window whose padding is not pairs',
      { ...payload(), window: { kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padding: [1, 1], groups: 1 } },
      /payload.window.padding\[0\] should be a \[before, after\] pair, got number 1/,
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
    const { data, layout } = heatmapFigure(panel(), panel().maps[0]!, '#000');
    expect(layout.yaxis).toMatchObject({ autorange: 'reversed', scaleanchor: 'x' });
    expect(layout.width).toBe(layout.height);
    expect([data[0].zmin, data[0].zmax]).toEqual([-2, 2]);
    expect(data[0].hovertemplate).toBe('output channel 0<br>(row %{y}, col %{x})<br>value %{z:.6g}<extra></extra>');
  });

  it('uses the data range for non-negative data and captions the panel', () => {
    const positive = panel({ min: 1, max: 16, centered: false, title: 'input [1,1,4,4]' });
    expect(panelRange(positive)).toEqual([1, 16]);
    expect(panelCaption(positive)).toBe('input [1,1,4,4] · 1 … 16');
  });
});
