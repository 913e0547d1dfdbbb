/**
 * Payloads for the extension's unit tests, built the way the kernel builds them (f32 base64 maps, per-map and
 * per-panel ranges), small enough to check by eye.
 */
import type { FeatureMapPanel, FeatureMapPayload, FeatureMapWindow, ShapeTracePayload, ShapeTraceRow } from '@convlab/protocol';

export const f32 = (values: number[]): string => Buffer.from(new Float32Array(values).buffer).toString('base64');

const DIVERGING: [number, string][] = [
  [0, '#2166ac'],
  [0.5, '#f7f7f7'],
  [1, '#b2182b'],
];
const SEQUENTIAL: [number, string][] = [
  [0, '#440154'],
  [1, '#fde725'],
];

/** Symmetric `[before, after]` pads per axis: `pads(1)` → `[[1, 1], [1, 1]]`. */
export const pads = (height: number, width = height): [number, number][] => [
  [height, height],
  [width, width],
];

/** A 3×3, stride-1, padding-1 window, overridable. */
export function convWindow(overrides: Partial<FeatureMapWindow> = {}): FeatureMapWindow {
  return { kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padding: pads(1), groups: 1, ...overrides };
}

/** A one-map 2×2 signed panel, overridable. */
export function panel(overrides: Partial<FeatureMapPanel> = {}): FeatureMapPanel {
  return {
    role: 'output',
    title: 'output [1,1,2,2]',
    shape: [1, 1, 2, 2],
    min: -2,
    max: 1,
    colorscale: DIVERGING,
    centered: true,
    maps: [{ label: 'channel 0', height: 2, width: 2, encoding: 'f32-base64', data: f32([1, -2, 0.5, 0]), min: -2, max: 1 }],
    ...overrides,
  };
}

export function payload(panels: FeatureMapPanel[] = [panel()]): FeatureMapPayload {
  return { version: 1, op: 'conv2d', backend: 'cpu', panels, notes: [] };
}

/** A panel of `count` maps of `h×w`, map `m` holding `values(m, i)` at flat index `i`. */
export function panelOf(
  role: FeatureMapPanel['role'],
  shape: number[],
  count: number,
  values: (m: number, i: number) => number,
  label: (m: number) => string,
): FeatureMapPanel {
  const h = shape[shape.length - 2]!;
  const w = shape[shape.length - 1]!;
  const maps = Array.from({ length: count }, (_, m) => {
    const v = Array.from({ length: h * w }, (_, i) => values(m, i));
    return { label: label(m), height: h, width: w, encoding: 'f32-base64' as const, data: f32(v), min: Math.min(...v), max: Math.max(...v) };
  });
  const min = Math.min(...maps.map((m) => m.min));
  const max = Math.max(...maps.map((m) => m.max));
  return { role, title: `${role} [${shape.join(',')}]`, shape, min, max, colorscale: min < 0 ? DIVERGING : SEQUENTIAL, centered: min < 0, maps };
}

/**
 * conv2d of a `[1,2,4,4]` input (channel c, row r, col k holds `10·c + k`) with a `[3,2,3,3]` kernel, padding 1:
 * output `[1,3,4,4]`. Values of the kernel and output are made up in range (the builders do not convolve).
 */
export function convPayload(outChannels = 3): FeatureMapPayload {
  const channel = (m: number): string => `channel ${m}`;
  return {
    version: 1,
    op: 'conv2d',
    backend: 'cpu',
    notes: [],
    window: convWindow(),
    panels: [
      panelOf('input', [1, 2, 4, 4], 2, (m, i) => 10 * m + (i % 4), channel),
      panelOf('kernel', [outChannels, 2, 3, 3], outChannels * 2, (m, i) => (m === 0 ? (i % 3) - 1 : (i % 5) - 2), (m) => `out ${Math.floor(m / 2)} · in ${m % 2}`),
      panelOf('output', [1, outChannels, 4, 4], outChannels, (m, i) => (m === 0 ? 30 - i : i - 20 + m), channel),
    ],
  };
}

/** One trace row with a conv's defaults, overridable. */
export function traceRow(overrides: Partial<ShapeTraceRow> = {}): ShapeTraceRow {
  return {
    index: 0,
    op: 'conv2d',
    name: '',
    inShape: [1, 3, 32, 32],
    outShape: [1, 8, 32, 32],
    kernel: [3, 3],
    stride: [1, 1],
    dilation: [1, 1],
    padding: pads(1),
    groups: 1,
    params: 224,
    macs: 221184,
    outBytes: 32768,
    receptiveField: [3, 3],
    jump: [1, 1],
    formula: ['floor((32 + 1 + 1 − 3) / 1) + 1 = 32', 'floor((32 + 1 + 1 − 3) / 1) + 1 = 32'],
    ...overrides,
  };
}

/** A data-free trace of `rows` from a `[1,3,32,32]` input, with the totals summed from the rows. */
export function tracePayload(rows: ShapeTraceRow[]): ShapeTracePayload {
  return {
    version: 1,
    source: 'traceShapes',
    title: '',
    inputShape: [1, 3, 32, 32],
    rows,
    totals: {
      params: rows.reduce((s, r) => s + r.params, 0),
      macs: rows.reduce((s, r) => s + r.macs, 0),
      outBytes: rows.reduce((s, r) => s + r.outBytes, 0),
    },
    backend: 'none',
  };
}

export const ERROR =
  'conv2d: kernel 7×7 is larger than the padded input 4×4 (input [1,16,4,4], weight [16,16,7,7]); pad more or use a smaller kernel';

/** conv 3→8 pad 1 on 32×32, maxPool 2, relu, then a 7×7 conv that does not fit the 4×4 map (after a stride-4 conv). */
export function failing(): ShapeTracePayload {
  return tracePayload([
    traceRow(),
    traceRow({
      ...{ index: 1, op: 'maxPool2d', inShape: [1, 8, 32, 32], outShape: [1, 8, 16, 16], kernel: [2, 2], stride: [2, 2] },
      ...{ padding: pads(0), params: 0, macs: 0, outBytes: 8192, receptiveField: [4, 4], jump: [2, 2] },
      formula: ['floor((32 + 0 + 0 − 2) / 2) + 1 = 16', 'floor((32 + 0 + 0 − 2) / 2) + 1 = 16'],
    }),
    traceRow({
      index: 2,
      op: 'relu',
      name: 'act',
      inShape: [1, 8, 16, 16],
      outShape: [1, 8, 16, 16],
      kernel: [],
      stride: [],
      dilation: [],
      padding: [],
      params: 0,
      macs: 0,
      outBytes: 8192,
      receptiveField: [4, 4],
      jump: [2, 2],
      formula: [],
    }),
    traceRow({ index: 3, inShape: [1, 16, 4, 4], outShape: [], kernel: [7, 7], params: 0, macs: 0, outBytes: 0, receptiveField: [], jump: [], formula: ['floor((4 + 0 + 0 − 7) / 1) + 1 = −2'], error: ERROR }),
  ]);
}
