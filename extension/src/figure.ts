/**
 * Pure figure builders: payload → plotly data and layout, one heatmap per map, plus the arithmetic of the
 * receptive-field highlight and of paging. No DOM here, so these are unit-tested without a browser.
 */
import type { FeatureMap, FeatureMapPanel, FeatureMapPayload, FeatureMapWindow } from '@convlab/protocol';

/** Decodes a map's values into rows (row 0 first). */
export function decodeMap(map: FeatureMap): number[][] {
  const bytes = Uint8Array.from(atob(map.data), (ch) => ch.charCodeAt(0));
  const values =
    map.encoding === 'f32-base64'
      ? new Float32Array(bytes.buffer, 0, map.height * map.width)
      : Array.from(bytes, (q) => map.min + (q / 255) * (map.max - map.min));
  return Array.from({ length: map.height }, (_, r) => Array.from(values.slice(r * map.width, (r + 1) * map.width)));
}

/** A plotly heatmap trace, typed with just the fields ConvLab sets. */
export interface HeatmapTrace {
  type: 'heatmap';
  /** Column coordinates (input columns; negative or ≥ width inside the padding). */
  x: number[];
  /** Row coordinates, as `x`. */
  y: number[];
  z: (number | null)[][];
  colorscale: [number, string][];
  zmin: number;
  zmax: number;
  showscale: boolean;
  xgap: number;
  ygap: number;
  hoverongaps: boolean;
  hovertemplate: string;
}

/** A plotly layout shape (a rectangle or an SVG path), typed with the fields ConvLab sets. */
export interface Shape {
  type: 'rect' | 'path';
  x0?: number;
  x1?: number;
  y0?: number;
  y1?: number;
  path?: string;
  line: { color: string; width: number; dash?: string };
  fillcolor?: string;
  layer: 'above' | 'below';
}

/** The layout of one map's plot. */
export interface HeatmapLayout {
  width: number;
  height: number;
  margin: { l: number; r: number; t: number; b: number };
  paper_bgcolor: string;
  plot_bgcolor: string;
  font: { color: string; size: number };
  hoverlabel: { font: { size: number } };
  xaxis: Record<string, unknown>;
  yaxis: Record<string, unknown>;
  shapes: Shape[];
}

/** Colours taken from the JupyterLab theme (computed CSS variables), so light and dark both read. */
export interface FigureTheme {
  /** Hover text and captions (`--jp-ui-font-color1`). */
  text: string;
  /** Fill of padding cells (`--jp-layout-color3`). */
  padding: string;
  /** Hatch lines and the input's outline (`--jp-ui-font-color2`). */
  hatch: string;
}

/** Outline colour of the receptive-field highlight: black over a white halo reads on both colour scales. */
export const HIGHLIGHT = '#000000';

/** How colours are normalised: each map on its own range, each panel (layer), or all panels together. */
export type Normalisation = 'channel' | 'layer' | 'global';

/** The choices of the normalisation control, in order, with their labels. */
export const NORMALISATIONS: readonly { value: Normalisation; label: string }[] = [
  { value: 'channel', label: 'per channel' },
  { value: 'layer', label: 'per layer' },
  { value: 'global', label: 'global' },
];

/** Maps per page of a panel; more channels than this are paged. */
export const PAGE_SIZE = 32;

/**
 * Colour bounds of a map under a normalisation: the value range of the map, its panel or all panels; symmetric
 * about 0 for a centred (signed) scale so that 0 stays white.
 *
 * @example colorRange(payload, outputPanel, outputPanel.maps[0], 'layer') // [-2, 2] for a panel spanning −2 … 1
 */
export function colorRange(
  payload: FeatureMapPayload,
  panel: FeatureMapPanel,
  map: FeatureMap,
  mode: Normalisation,
): [number, number] {
  const scope = mode === 'channel' ? [map] : mode === 'layer' ? [panel] : payload.panels;
  const lo = Math.min(...scope.map((s) => s.min));
  const hi = Math.max(...scope.map((s) => s.max));
  if (panel.centered) {
    const bound = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return [-bound, bound];
  }
  return lo === hi ? [lo, lo + 1] : [lo, hi];
}

/** `[[top, bottom], [left, right]]` padding drawn around a panel's maps: the window's, for the input only. */
export function panelPadding(payload: FeatureMapPayload, panel: FeatureMapPanel): [[number, number], [number, number]] {
  const pads = panel.role === 'input' ? payload.window?.padding : undefined;
  const axis = (k: number): [number, number] => [pads?.[k]?.[0] ?? 0, pads?.[k]?.[1] ?? 0];
  // Per-axis arrays list the spatial axes; a 1-D window pads the width only.
  return pads && pads.length === 1 ? [[0, 0], axis(0)] : [axis(0), axis(1)];
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

/** Side of one map's plot in CSS pixels (padding included): smaller when a panel holds more maps. */
export function mapSize(panel: FeatureMapPanel): number {
  const count = Math.min(panel.maps.length, PAGE_SIZE);
  if (panel.role === 'kernel') return count <= 1 ? 120 : count <= 4 ? 80 : 44;
  return count <= 1 ? 200 : count <= 4 ? 140 : count <= 16 ? 96 : 72;
}

/**
 * How a page of maps is laid out: a kernel `[out, in/groups, kH, kW]` as one row per output channel and one
 * column per input channel (whole rows per page); other panels as a near-square grid.
 *
 * @example mapGrid(kernel panel [8,3,3,3]) // { columns: 3, pageSize: 30, kernelRows: true }
 */
export function mapGrid(panel: FeatureMapPanel): { columns: number; pageSize: number; kernelRows: boolean } {
  if (panel.role === 'kernel' && panel.shape.length === 4) {
    const perRow = Math.max(1, panel.shape[1] ?? 1);
    return { columns: perRow, pageSize: perRow * Math.max(1, Math.floor(PAGE_SIZE / perRow)), kernelRows: true };
  }
  const onPage = Math.min(panel.maps.length, PAGE_SIZE);
  return { columns: Math.max(1, Math.ceil(Math.sqrt(onPage))), pageSize: PAGE_SIZE, kernelRows: false };
}

/**
 * The figure of one map: a heatmap with row 0 at the top, square cells, and a hover that names the panel, the
 * map, the (row, col) and the value. Padding (input panel of a windowed op) is drawn as grey hatched cells
 * around a dashed outline of the real input, at negative and past-the-end coordinates.
 */
export function heatmapFigure(
  payload: FeatureMapPayload,
  panel: FeatureMapPanel,
  map: FeatureMap,
  mode: Normalisation,
  theme: FigureTheme,
): { data: HeatmapTrace[]; layout: HeatmapLayout } {
  const [zmin, zmax] = colorRange(payload, panel, map, mode);
  const [[top, bottom], [left, right]] = panelPadding(payload, panel);
  const rows = map.height + top + bottom;
  const cols = map.width + left + right;
  const cell = Math.max(3, Math.floor(mapSize(panel) / Math.max(rows, cols, 1)));
  const gap = cell >= 16 ? 1 : 0;
  const x = range(-left, cols);
  const y = range(-top, rows);
  const values = decodeMap(map);
  const inside = (r: number, c: number): boolean => r >= 0 && r < map.height && c >= 0 && c < map.width;
  const z = y.map((r) => x.map((c) => (inside(r, c) ? (values[r]?.[c] ?? null) : null)));
  const where = map.label ? `${panel.role} ${map.label}` : panel.role;
  const data: HeatmapTrace[] = [
    {
      type: 'heatmap',
      x,
      y,
      z,
      colorscale: panel.colorscale,
      zmin,
      zmax,
      showscale: false,
      xgap: gap,
      ygap: gap,
      hoverongaps: false,
      hovertemplate: `${where}<br>(row %{y}, col %{x})<br>value %{z:.6~g}<extra></extra>`,
    },
  ];
  const shapes: Shape[] = [];
  if (rows !== map.height || cols !== map.width) {
    const mode = payload.window?.paddingMode ?? 'zeros';
    data.push({
      type: 'heatmap',
      x,
      y,
      z: y.map((r) => x.map((c) => (inside(r, c) ? null : 0))),
      colorscale: [
        [0, theme.padding],
        [1, theme.padding],
      ],
      zmin: 0,
      zmax: 1,
      showscale: false,
      xgap: gap,
      ygap: gap,
      hoverongaps: false,
      hovertemplate: `${where}<br>padding (${mode}) at (row %{y}, col %{x})<extra></extra>`,
    });
    shapes.push(
      { type: 'path', path: hatchPath(y, x, inside), line: { color: theme.hatch, width: 1 }, layer: 'above' },
      {
        type: 'rect',
        x0: -0.5,
        x1: map.width - 0.5,
        y0: -0.5,
        y1: map.height - 0.5,
        line: { color: theme.hatch, width: 1, dash: 'dot' },
        layer: 'above',
      },
    );
  }
  return {
    data,
    layout: {
      width: cell * cols + 4,
      height: cell * rows + 4,
      margin: { l: 2, r: 2, t: 2, b: 2 },
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: { color: theme.text, size: 11 },
      hoverlabel: { font: { size: 12 } },
      // Explicit ranges, one x unit as long as one y unit: square cells. Reversed y: row 0 at the top.
      xaxis: { visible: false, range: [-left - 0.5, map.width + right - 0.5], fixedrange: true },
      yaxis: {
        visible: false,
        range: [map.height + bottom - 0.5, -top - 0.5],
        scaleanchor: 'x',
        fixedrange: true,
      },
      shapes,
    },
  };
}

/** One SVG path with a diagonal stroke through every padding cell: the hatching. */
function hatchPath(rows: number[], cols: number[], inside: (r: number, c: number) => boolean): string {
  const strokes: string[] = [];
  for (const r of rows) for (const c of cols) if (!inside(r, c)) strokes.push(`M${c - 0.5},${r + 0.5}L${c + 0.5},${r - 0.5}`);
  return strokes.join('');
}

/**
 * The input taps of output cell (row, col): per axis, the window starts at `i·stride − padBefore` and takes
 * `kernel` taps `dilation` apart. Taps outside `[0, size)` fall in the padding.
 *
 * @example windowTaps({ kernel: [3, 3], stride: [2, 2], dilation: [1, 1], padding: [[1, 1], [1, 1]], groups: 1 }, 0, 1)
 * // { rows: [-1, 0, 1], cols: [1, 2, 3] }
 */
export function windowTaps(window: FeatureMapWindow, row: number, col: number): { rows: number[]; cols: number[] } {
  const axis = (k: number, i: number): number[] => {
    const size = window.kernel[k] ?? 1;
    const start = i * (window.stride[k] ?? 1) - (window.padding[k]?.[0] ?? 0);
    return range(0, size).map((t) => start + t * (window.dilation[k] ?? 1));
  };
  return window.kernel.length === 1 ? { rows: [row], cols: axis(0, col) } : { rows: axis(0, row), cols: axis(1, col) };
}

/** Channel count of an NCHW/CHW/OIHW shape's channel axis (third from the end), 1 for a 2-D map. */
const channels = (shape: number[]): number => (shape.length >= 3 ? (shape[shape.length - 3] ?? 1) : 1);

/**
 * Which maps output channel `out` reads: the input channels of its group, and the kernel maps `out · in c`.
 * Without a kernel panel (pooling) each output channel reads the input channel of the same index.
 *
 * @example sources(conv2d 3→8 groups 1 payload, 5) // { input: [0, 1, 2], kernel: [15, 16, 17] }
 */
export function sources(payload: FeatureMapPayload, out: number): { input: number[]; kernel: number[] } {
  const input = payload.panels.find((p) => p.role === 'input');
  const output = payload.panels.find((p) => p.role === 'output');
  const kernel = payload.panels.find((p) => p.role === 'kernel');
  if (!input || !output) return { input: [], kernel: [] };
  if (!kernel) return { input: [out], kernel: [] };
  const groups = payload.window?.groups ?? 1;
  const perGroupIn = kernel.shape[1] ?? Math.floor(channels(input.shape) / groups);
  const perGroupOut = Math.max(1, Math.floor(channels(output.shape) / groups));
  const group = Math.floor(out / perGroupOut);
  return {
    input: range(group * perGroupIn, perGroupIn),
    kernel: range(out * perGroupIn, perGroupIn),
  };
}

/** Outlines of the given cells, drawn above the heatmap: black with a white halo, dashed in the padding. */
export function highlightShapes(
  rows: number[],
  cols: number[],
  inside: (r: number, c: number) => boolean = () => true,
): Shape[] {
  const shapes: Shape[] = [];
  for (const r of rows) {
    for (const c of cols) {
      const box = { x0: c - 0.5, x1: c + 0.5, y0: r - 0.5, y1: r + 0.5 };
      shapes.push(
        { type: 'rect', ...box, line: { color: '#ffffff', width: 3 }, layer: 'above' },
        {
          type: 'rect',
          ...box,
          line: { color: HIGHLIGHT, width: 1.5, ...(inside(r, c) ? {} : { dash: 'dot' }) },
          layer: 'above',
        },
      );
    }
  }
  return shapes;
}

/** The maps of page `page` (0-based, clamped) of a panel with `count` maps, `size` per page. */
export function pageOf(count: number, page: number, size = PAGE_SIZE): { start: number; end: number; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(count / size));
  const current = Math.min(Math.max(0, page), pages - 1);
  return { start: current * size, end: Math.min(count, (current + 1) * size), page: current, pages };
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

/** A panel's caption: title and value range, e.g. `input [1,1,4,4] · 1 … 16`. */
export function panelCaption(panel: FeatureMapPanel): string {
  return `${panel.title} · ${fmt(panel.min)} … ${fmt(panel.max)}`;
}

/** The colour bar of a panel under a normalisation: CSS gradient and its end labels. */
export function colorBar(
  payload: FeatureMapPayload,
  panel: FeatureMapPanel,
  mode: Normalisation,
): { gradient: string; low: string; high: string } {
  const stops = panel.colorscale.map(([p, color]) => `${color} ${Math.round(p * 100)}%`).join(', ');
  const gradient = `linear-gradient(to right, ${stops})`;
  if (mode === 'channel') return { gradient, low: panel.centered ? '−|max|' : 'min', high: (panel.centered ? '+|max|' : 'max') + ' of each channel' };
  const first = panel.maps[0];
  const [low, high] = first ? colorRange(payload, panel, first, mode) : [panel.min, panel.max];
  return { gradient, low: fmt(low), high: fmt(high) };
}

/** The footer: op, backend, the window's parameters and the notes, e.g. `conv2d · backend cpu · kernel 3×3 · …`. */
export function footerText(payload: FeatureMapPayload): string {
  const parts = [payload.op, `backend ${payload.backend}`];
  const w = payload.window;
  if (w) {
    parts.push(
      `kernel ${w.kernel.join('×')}`,
      `stride ${w.stride.join('×')}`,
      `dilation ${w.dilation.join('×')}`,
      `padding ${w.padding.map(([a, b]) => `${a},${b}`).join(' / ')}${w.paddingMode ? ` (${w.paddingMode})` : ''}`,
      `groups ${w.groups}`,
    );
  }
  return [...parts, ...payload.notes].join(' · ');
}
