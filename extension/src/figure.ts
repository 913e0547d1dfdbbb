/**
 * The pure logic of the feature-map view: what each map's values are, how they are coloured, which maps a page
 * shows, and everything the view says or outlines when the pointer is over a cell (the value as sent, the
 * padding cell's source, the taps and the computation behind an output). No DOM and no canvas here: the widget
 * (./widget.ts) draws what these functions return, and they are unit-tested without a browser.
 *
 * Every string built here is plain text: the widget writes it through `textContent`, never through HTML.
 */
import {
  isConstantRange,
  padSource,
  paddingModeText,
  windowParts,
  type FeatureMap,
  type FeatureMapPanel,
  type FeatureMapPayload,
  type FeatureMapWindow,
  type MapData,
  type PadMode,
} from '@convlab/protocol';

// ── Numbers ───────────────────────────────────────────────────────────────────────────────────────────────────

/** A typographic minus for text people read (tooltips, legends, captions); cells keep the narrower `-`. */
const minus = (s: string): string => s.replace('e+', 'e').replace(/-/g, '−');

/** `v` rounded to `digits` significant digits, without trailing zeros. */
function significant(v: number, digits: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  return minus(String(Number(v.toPrecision(digits))));
}

/**
 * A value in a tooltip: up to 6 significant digits (a float32 holds about 7), `−` for negatives.
 *
 * @example formatValue(348) // '348'
 * @example formatValue(-0.1234567) // '−0.123457'
 * @example formatValue(1e21) // '1e21'
 */
export function formatValue(v: number): string {
  return significant(v, 6);
}

/** A value in a caption or legend: 4 significant digits. @example shortValue(-0.123456) // '−0.1235' */
function shortValue(v: number): string {
  return significant(v, 4);
}

/** An approximate value (8-bit or a block mean): 3 significant digits, as many as 8 bits carry. */
function approxValue(v: number): string {
  return significant(v, 3);
}

/**
 * A value written inside a cell: at most 4 characters where possible, so it fits a cell of a small map. Trailing
 * zeros stay when they stand for rounding (−2.97 → `-3.0`, not `-3`, which would read as exact).
 *
 * @example [348, 0.1111, -2.97, 123456, 0.5, 0.001234].map(cellText) // ['348', '0.11', '-3.0', '1e5', '0.5', '1e-3']
 */
export function cellText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (v === 0) return '0';
  const width = 4;
  if (Number.isInteger(v) && String(v).length <= width) return String(v);
  for (let decimals = 3; decimals >= 0; decimals--) {
    const fixed = v.toFixed(decimals);
    if (fixed.length > width || Number(fixed) === 0) continue;
    // Drop trailing zeros only when the shorter form is the value itself (up to float32 noise): 0.50 → 0.5.
    const trimmed = fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
    return Math.abs(Number(trimmed) - v) <= 1e-6 * Math.abs(v) ? trimmed : fixed;
  }
  return v.toExponential(0).replace('e+', 'e');
}

/** A row or column index in text, negative in the padding: `−2`. */
const index = (i: number): string => minus(String(i));

/** `(row r, col c)`. */
const at = (r: number, c: number): string => `(row ${index(r)}, col ${index(c)})`;

// ── Values ────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * The first `count` values of encoded map data, row-major: float32 as sent, or 8-bit bytes dequantized to
 * `min + q / 255 · (max − min)`. Missing bytes (a payload that fails validation never gets here) read as NaN.
 *
 * @example decodeValues({ encoding: 'u8-base64', data: 'ADP/', min: -1, max: 4 }, 3) // Float32Array [-1, 0, 4]
 */
export function decodeValues(data: MapData, count: number): Float32Array {
  const text = atob(data.data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  const values = new Float32Array(count).fill(NaN);
  if (data.encoding === 'f32-base64') {
    // Little-endian, as the kernel writes them (every platform JupyterLab runs on is little-endian).
    values.set(new Float32Array(bytes.buffer, 0, Math.min(count, Math.floor(bytes.length / 4))));
  } else {
    const span = data.max - data.min;
    for (let i = 0; i < Math.min(count, bytes.length); i++) values[i] = data.min + (bytes[i]! / 255) * span;
  }
  return values;
}

const decoded = new WeakMap<FeatureMap | MapData, Float32Array>();

/** {@link decodeValues} of `data`, decoded once per object: every hover and redraw reuses it. */
function cachedValues(data: FeatureMap | MapData, count: number): Float32Array {
  let values = decoded.get(data);
  if (!values) {
    values = decodeValues(data, count);
    decoded.set(data, values);
  }
  return values;
}

/**
 * A map's `height × width` values, row-major, decoded once and cached by the map object (a redraw or a hover
 * costs no decoding).
 *
 * @example mapValues(map of [[1, -2], [0.5, 0]]) // Float32Array [1, -2, 0.5, 0]
 */
export function mapValues(map: FeatureMap): Float32Array {
  return cachedValues(map, map.height * map.width);
}

/**
 * A map's values as rows, row 0 first (for tests and the kernel's payload checks, which compare nested arrays).
 *
 * @example decodeMap(map of [[1, -2], [0.5, 0]]) // [[1, -2], [0.5, 0]]
 */
export function decodeMap(map: FeatureMap): number[][] {
  const values = mapValues(map);
  return Array.from({ length: map.height }, (_, r) => Array.from(values.subarray(r * map.width, (r + 1) * map.width)));
}

// ── Colour ────────────────────────────────────────────────────────────────────────────────────────────────────

/** How colours are normalised: each map on its own range, each panel (layer), or input and output together. */
export type Normalisation = 'channel' | 'layer' | 'global';

/** The choices of the normalisation control, in order, with their labels. */
export const NORMALISATIONS: readonly { value: Normalisation; label: string }[] = [
  { value: 'channel', label: 'per channel' },
  { value: 'layer', label: 'per layer' },
  { value: 'global', label: 'global' },
];

/** Map sizes of the size control. */
export type MapSizeName = 's' | 'm' | 'l';

/** The choices of the size control: CSS px of a map's longer side, and output channels per page. */
export const MAP_SIZES: readonly { value: MapSizeName; label: string; side: number; perPage: number }[] = [
  { value: 's', label: 'small', side: 48, perPage: 64 },
  { value: 'm', label: 'medium', side: 96, perPage: 32 },
  { value: 'l', label: 'large', side: 192, perPage: 8 },
];

/** The range a map's colours are taken from before the constant and centred rules: map, panel, or shared. */
function scopeRange(payload: FeatureMapPayload, panel: FeatureMapPanel, map: FeatureMap | undefined, mode: Normalisation): [number, number] {
  if (mode === 'channel' && map) return [map.min, map.max];
  // Global: input, output (and tensor) panels share one range; a kernel holds weights, another quantity.
  const scope = mode === 'global' && panel.role !== 'kernel' ? payload.panels.filter((p) => p.role !== 'kernel') : [panel];
  return [Math.min(...scope.map((s) => s.min)), Math.max(...scope.map((s) => s.max))];
}

/** A scope range as drawn: a constant mid-scale, a centred scale symmetric about 0. */
function drawnRange([lo, hi]: [number, number], centered: boolean): [number, number] {
  if (isConstantRange(lo, hi)) {
    const d = Math.abs(lo) || 1;
    return [lo - d, lo + d];
  }
  if (centered) {
    const bound = Math.max(Math.abs(lo), Math.abs(hi));
    return [-bound, bound];
  }
  return [lo, hi];
}

/**
 * Colour bounds `[zmin, zmax]` of a map under a normalisation: the range of the map (`'channel'`), of its panel
 * (`'layer'`), or shared by the input and output panels (`'global'`; a kernel keeps its own). A range that reads
 * as one value (`isConstantRange`) is centred on it, so a constant is drawn mid-scale rather than at an end; a
 * centred (signed) panel stays symmetric about 0 so that 0 is white.
 *
 * @example colorRange(payload, kernelOfOnes, kernelOfOnes.maps[0], 'layer') // [0, 2]: 1 drawn mid-scale
 * @example colorRange(payload, signed, signed.maps[0], 'layer') // [-2, 2] for a signed panel spanning −2 … 1
 */
export function colorRange(payload: FeatureMapPayload, panel: FeatureMapPanel, map: FeatureMap, mode: Normalisation): [number, number] {
  return drawnRange(scopeRange(payload, panel, map, mode), panel.centered);
}

/** What the legend of a panel says. */
export interface Legend {
  /** CSS `linear-gradient(…)` of the panel's colour scale (stops validated as `#rrggbb`). */
  gradient: string;
  low?: string;
  high?: string;
  /** The one value of a constant range, instead of `low` and `high`. */
  value?: string;
  /** Where the panel's own data lies on the bar, as fractions 0..1, when it covers less than half of it. */
  span?: [number, number];
  note?: string;
}

/**
 * The legend of a panel under a normalisation: its gradient and end labels, one value for a constant range,
 * and in global mode where the panel's own data sits on the shared bar.
 *
 * @example legendOf(payload, kernelOfOnes, 'layer') // { gradient: 'linear-gradient(to right, …)', value: '1' }
 */
export function legendOf(payload: FeatureMapPayload, panel: FeatureMapPanel, mode: Normalisation): Legend {
  const stops = panel.colorscale.map(([p, color]) => `${color} ${Math.round(p * 100)}%`).join(', ');
  const gradient = `linear-gradient(to right, ${stops})`;
  if (isConstantRange(panel.min, panel.max) && mode !== 'global') return { gradient, value: shortValue(panel.min) };
  if (mode === 'channel' && panel.maps.length > 1) {
    return panel.centered
      ? { gradient, low: '−|max|', high: '+|max| of each channel' }
      : { gradient, low: 'min', high: 'max of each channel' };
  }
  const scope = scopeRange(payload, panel, panel.maps[0], mode);
  const note = mode === 'global' && panel.role === 'kernel' ? { note: 'kernel: own range in global mode' } : {};
  if (isConstantRange(...scope)) return { gradient, value: shortValue(scope[0]), ...note };
  const [lo, hi] = drawnRange(scope, panel.centered);
  const legend: Legend = { gradient, low: shortValue(lo), high: shortValue(hi), ...note };
  const own = mode === 'channel' ? [scope[0], scope[1]] : [panel.min, panel.max];
  const fraction = (v: number): number => (v - lo) / (hi - lo);
  if ((own[1]! - own[0]!) / (hi - lo) < 0.5) legend.span = [fraction(own[0]!), fraction(own[1]!)];
  return legend;
}

/**
 * A panel's caption: title and value range, or its one value.
 *
 * @example panelCaption(input) // 'input [1,1,4,4] · 1 … 16'
 * @example panelCaption(kernelOfOnes) // 'kernel [1,1,3,3] · all 1'
 */
export function panelCaption(panel: FeatureMapPanel): string {
  if (isConstantRange(panel.min, panel.max)) return `${panel.title} · all ${shortValue(panel.min)}`;
  return `${panel.title} · ${shortValue(panel.min)} … ${shortValue(panel.max)}`;
}

// ── Geometry: padding, windows, channels ─────────────────────────────────────────────────────────────────────

/**
 * `[[top, bottom], [left, right]]` padding drawn around a panel's maps: the window's, for the input only.
 *
 * @example panelPadding(conv2d(x, w, { padding: 1 }) payload, inputPanel) // [[1, 1], [1, 1]]; [[0, 0], [0, 0]] for the output
 */
export function panelPadding(payload: FeatureMapPayload, panel: FeatureMapPanel): [[number, number], [number, number]] {
  const pads = panel.role === 'input' ? payload.window?.padding : undefined;
  const axis = (k: number): [number, number] => [pads?.[k]?.[0] ?? 0, pads?.[k]?.[1] ?? 0];
  // Per-axis arrays list the spatial axes; a 1-D window pads the width only.
  return pads && pads.length === 1 ? [[0, 0], axis(0)] : [axis(0), axis(1)];
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

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

/** Padding modes whose cells copy an input cell. */
const COPYING = new Set<string>(['reflect', 'symmetric', 'replicate', 'circular'] satisfies PadMode[]);
const copies = (mode: string): mode is PadMode => COPYING.has(mode);


/**
 * What the cell at (r, c) of a `height × width` map holds under a window's padding mode (`window.paddingMode`,
 * absent meaning `'zeros'`): inside the map, the cell itself; in the padding, the input cell it copies
 * (`'reflect'`, `'symmetric'`, `'replicate'`, `'circular'`), or a constant (`'zeros'`, `'constant 5'`), or
 * nothing (`'-inf'`: never the max; `'excluded'`: not counted).
 *
 * @example paddingCell('reflect', -2, -2, 4, 4) // { source: [2, 2], constant: null }
 * @example paddingCell('constant 5', -1, 0, 4, 4) // { source: null, constant: 5 }
 * @example paddingCell('-inf', -1, 0, 4, 4) // { source: null, constant: null }
 */
export function paddingCell(mode: string, r: number, c: number, height: number, width: number): { source: [number, number] | null; constant: number | null } {
  const inside = r >= 0 && r < height && c >= 0 && c < width;
  if (inside) return { source: [r, c], constant: null };
  if (copies(mode)) {
    if (height === 0 || width === 0) return { source: null, constant: null };
    return { source: [padSource(r, height, mode), padSource(c, width, mode)], constant: null };
  }
  if (mode === 'zeros') return { source: null, constant: 0 };
  const constant = /^constant (.+)$/.exec(mode);
  if (constant) {
    const value = Number(constant[1]);
    return { source: null, constant: Number.isNaN(value) ? null : value };
  }
  return { source: null, constant: null };
}

const paddingModeOf = (payload: FeatureMapPayload): string => payload.window?.paddingMode ?? 'zeros';

/** Spatial axes of the payload's maps: 1 for a 1-D window (maps are `channels × length`), else 2. */
const spatialAxes = (payload: FeatureMapPayload): number => (payload.window?.kernel.length === 1 ? 1 : 2);

/** Channel count of an activation shape (`[N, C, …spatial]` or `[C, …spatial]`), 1 for a bare map. */
function channelCount(shape: readonly number[], spatial: number): number {
  return shape.length > spatial ? (shape[shape.length - 1 - spatial] ?? 1) : 1;
}

const panelOfRole = (payload: FeatureMapPayload, role: FeatureMapPanel['role']): number => payload.panels.findIndex((p) => p.role === role);

/**
 * Which input channels output channel `out` reads (those of its group) and which kernel maps hold its weights
 * (`out·I … out·I + I − 1` for a kernel `[O, I, kH, kW]`). Without a kernel panel (pooling, pad) each output
 * channel reads the input channel of the same index.
 *
 * @example sources(conv2d 3→8 groups 1 payload, 5) // { input: [0, 1, 2], kernel: [15, 16, 17] }
 */
export function sources(payload: FeatureMapPayload, out: number): { input: number[]; kernel: number[] } {
  const input = payload.panels[panelOfRole(payload, 'input')];
  const output = payload.panels[panelOfRole(payload, 'output')];
  const kernel = payload.panels[panelOfRole(payload, 'kernel')];
  if (!input || !output) return { input: [], kernel: [] };
  if (!kernel) return { input: [out], kernel: [] };
  const spatial = spatialAxes(payload);
  const groups = payload.window?.groups ?? 1;
  const perGroupIn = kernel.shape[1] ?? Math.floor(channelCount(input.shape, spatial) / groups);
  const perGroupOut = Math.max(1, Math.floor(channelCount(output.shape, spatial) / groups));
  const group = Math.floor(out / perGroupOut);
  // The channels the payload holds (a map each, or a row of each map for 1-D), and at most one past them — enough
  // for a caller to see that a channel was not sent. A shape's channel count is not bounded by the data: a crafted
  // `[1, 2e9, 3, 3]` kernel with one map must not make a range of two billion.
  const held = (panel: FeatureMapPanel): number => panel.maps.length * (spatial === 1 ? (panel.maps[0]?.height ?? 0) : 1);
  const present = (start: number, panel: FeatureMapPanel): number[] => range(start, Math.min(perGroupIn, Math.max(0, held(panel) - start) + 1));
  return { input: present(group * perGroupIn, input), kernel: present(out * perGroupIn, kernel) };
}

// ── Paging ────────────────────────────────────────────────────────────────────────────────────────────────────

/** The items of page `page` (0-based, clamped) of `count` items, `size` per page. @example pageOf(256, 7, 32) // { start: 224, end: 256, page: 7, pages: 8 } */
export function pageOf(count: number, page: number, size: number): { start: number; end: number; page: number; pages: number } {
  const per = Math.max(1, Math.floor(size));
  const pages = Math.max(1, Math.ceil(count / per));
  const current = Math.min(Math.max(0, Math.floor(page)), pages - 1);
  return { start: current * per, end: Math.min(count, (current + 1) * per), page: current, pages };
}

/** What a page shows: its number, the page count, the pager's label, and per panel the map indices drawn. */
export interface PageLayout {
  page: number;
  pages: number;
  label: string;
  maps: number[][];
}

/**
 * Which maps of each panel are on page `page`, at `perPage` output channels per page, all panels paging
 * together (input | kernel | output stay side by side):
 * - output (or a tensor payload's maps): the page's channels;
 * - kernel `[O, I, kH, kW]`: the maps of the page's filters (filter `o` → maps `o·I … o·I + I − 1`);
 * - input of a conv with groups 1: all its channels when they fit `perPage`, else its own page `page`
 *   (clamped); of a grouped conv: the channels the page's filters read; of a pool or pad: the page's channels.
 * A 1-D window's maps are `channels × length` (one per batch item), so its pages are the kernel's filters.
 * Maps the payload does not hold (it may send fewer than the tensor has; its notes say so) are left out.
 *
 * @example pageLayout(conv2d 3→16 payload, 0, 8) // { page: 0, pages: 2, label: 'filters 0–7 of 16', maps: [[0, 1, 2], [0, …, 23], [0, …, 7]] }
 */
export function pageLayout(payload: FeatureMapPayload, page: number, perPage: number): PageLayout {
  const spatial = spatialAxes(payload);
  const kernelIndex = panelOfRole(payload, 'kernel');
  const kernel = payload.panels[kernelIndex];
  const outputIndex = panelOfRole(payload, 'output');
  const main = payload.panels[outputIndex] ?? payload.panels[0];
  // A 1-D conv's output is one map (channels as rows): its pages are the kernel's filters, one map each.
  const units = spatial === 1 && kernel ? kernel.maps.length : (main?.maps.length ?? 0);
  const { start, end, page: current, pages } = pageOf(units, page, perPage);
  const onPage = range(start, end - start);
  const groups = payload.window?.groups ?? 1;
  const maps = payload.panels.map((panel) => {
    const present = (indices: number[]): number[] => indices.filter((i) => i >= 0 && i < panel.maps.length);
    if (spatial === 1 && panel.role !== 'kernel' && panel.role !== 'tensor') return present([0]);
    switch (panel.role) {
      case 'kernel':
        return present(spatial === 1 ? onPage : onPage.flatMap((o) => sources(payload, o).kernel));
      case 'input':
        if (!kernel) return present(onPage);
        if (groups === 1) {
          const own = pageOf(panel.maps.length, page, perPage);
          return panel.maps.length <= perPage ? range(0, panel.maps.length) : range(own.start, own.end - own.start);
        }
        return present([...new Set(onPage.flatMap((o) => sources(payload, o).input))].sort((a, b) => a - b));
      default:
        return present(onPage);
    }
  });
  const noun = kernel ? ['filter', 'filters'] : main?.maps[0]?.label.startsWith('channel') ? ['channel', 'channels'] : ['map', 'maps'];
  const label =
    onPage.length === 1 ? `${noun[0]} ${start} of ${units}` : units === 0 ? `no ${noun[1]}` : `${noun[1]} ${start}–${end - 1} of ${units}`;
  return { page: current, pages, label, maps };
}

// ── Hover ─────────────────────────────────────────────────────────────────────────────────────────────────────

/** Cells outlined in one map: `dotted` where a tap falls in the padding. */
export interface Highlight {
  panel: number;
  map: number;
  cells: { r: number; c: number; dotted?: boolean }[];
}

/** What the view shows while the pointer is over a cell. */
export interface HoverInfo {
  /** Tooltip lines, plain text. */
  lines: string[];
  /** Cells to outline, per panel and map: the hovered cell, its window's taps, a padding cell's source cell. */
  highlight: Highlight[];
  /** Whole maps to mark active: the kernel maps of the hovered output channel. */
  activeMaps: { panel: number; map: number }[];
}

/** At most this many taps (kernel cells × channels) are visited for one hover: a crafted window cannot stall it. */
const MAX_TERMS = 100_000;
/** Terms written out in full up to this count; beyond it the first {@link SHOWN_TERMS} and the count. */
const ALL_TERMS = 27;
const SHOWN_TERMS = 9;

/** Terms joined by `sep`, cut to the first few and a count when there are many. */
function listTerms(terms: string[], sep: string, noun: string): string {
  if (terms.length <= ALL_TERMS) return terms.join(sep);
  return `${terms.slice(0, SHOWN_TERMS).join(sep)}${sep}… (${terms.length} ${noun})`;
}

/** A factor of a product, parenthesised when negative: `(−2)`. */
const factor = (v: number): string => (v < 0 ? `(${formatValue(v)})` : formatValue(v));

/** The rows (or cols) block `i` of a downsampled axis of `size` cells covers: `0–1`, or `4` for a one-cell edge block. */
function blockSpan(i: number, factor: number, size: number): string {
  const first = i * factor;
  const last = Math.min(size, (i + 1) * factor) - 1;
  return first === last ? `${first}` : `${first}–${last}`;
}

/** The tooltip line of a downsampled map's cell: what the payload lacks (the ConvLab plugin may ask the kernel). */
export const NOT_SENT_LINE = 'exact values were not sent (downsampled to fit the output size)';

/** The value lines of a map cell: exact, 8-bit with its error bound, or a downsampled block's mean and range. */
function valueLines(map: FeatureMap, r: number, c: number): string[] {
  const v = mapValues(map)[r * map.width + c] ?? NaN;
  const down = map.downsampled;
  if (down) {
    const count = map.height * map.width;
    const low = cachedValues(down.low, count)[r * map.width + c] ?? NaN;
    const high = cachedValues(down.high, count)[r * map.width + c] ?? NaN;
    const rows = blockSpan(r, down.factor, down.sourceHeight);
    const cols = blockSpan(c, down.factor, down.sourceWidth);
    const plural = (s: string, noun: string): string => (s.includes('–') ? `${noun}s ${s}` : `${noun} ${s}`);
    const shown = (data: MapData, value: number): string => (data.encoding === 'u8-base64' ? approxValue(value) : formatValue(value));
    return [
      `mean of ${plural(rows, 'row')}, ${plural(cols, 'col')} of the ${down.sourceHeight}×${down.sourceWidth} map: ${equals(map, v)}`,
      `block range ${shown(down.low, low)} … ${shown(down.high, high)}`,
      NOT_SENT_LINE,
    ];
  }
  if (map.encoding === 'u8-base64') return [`≈ ${approxValue(v)} (8-bit: within ±${approxValue((map.max - map.min) / 510)})`];
  return [`value ${formatValue(v)}`];
}

/** A value of a map after `=` or `≈`: exact for float32, 3 significant digits for 8-bit. */
function equals(map: MapData, v: number): string {
  return map.encoding === 'f32-base64' ? `= ${formatValue(v)}` : `≈ ${approxValue(v)}`;
}

/**
 * What the view shows for the pointer over (row r, col c) of map `mapIndex` of panel `panelIndex` (r and c may
 * lie in the drawn padding): tooltip lines, outlined cells and active maps; `null` off the drawn grid.
 *
 * The first line names the panel and map (`output channel 3`); then the position and the value as sent (exact,
 * 8-bit with its bound, or a downsampled block's mean and range). A padding cell says what it holds and, when it
 * copies an input cell, names and outlines that cell. An output of a windowed op outlines its window's taps in
 * the input maps (dotted in the padding), marks its kernel maps active, and, when its inputs were sent exactly,
 * writes out its computation (`Σ x·w + b = …`, `max(…)`, `mean(…)`, …).
 *
 * @example hoverInfo(notebook00Conv, 2, 0, 0, 0)!.lines
 * // ['output channel 0', '(row 0, col 0)', 'value 348', 'Σ x·w = 1·1 + 2·2 + 3·3 + 5·4 + 6·5 + 7·6 + 9·7 + 10·8 + 11·9 = 348']
 */
export function hoverInfo(payload: FeatureMapPayload, panelIndex: number, mapIndex: number, r: number, c: number): HoverInfo | null {
  const panel = payload.panels[panelIndex];
  const map = panel?.maps[mapIndex];
  if (!panel || !map) return null;
  const [[top, bottom], [left, right]] = panelPadding(payload, panel);
  if (r < -top || r >= map.height + bottom || c < -left || c >= map.width + right) return null;
  const title = map.label ? `${panel.role} ${map.label}` : panel.role;
  const self = { panel: panelIndex, map: mapIndex, cells: [{ r, c }] };
  const inside = r >= 0 && r < map.height && c >= 0 && c < map.width;
  if (!inside) return paddingHover(payload, panelIndex, mapIndex, r, c, title);
  const info: HoverInfo = { lines: [title, at(r, c), ...valueLines(map, r, c)], highlight: [self], activeMaps: [] };
  if (panel.role === 'output' && payload.window && !map.downsampled) windowHover(payload, panelIndex, mapIndex, r, c, info);
  return info;
}

/**
 * What the view shows without a hover for the payload's focus cell (`window.focus`, explore's step-through): the
 * hover of that output cell of output channel `channel` — its window outlined on the padded input, its kernel
 * maps marked, its computation in `lines` — or `null` when there is no focus (or no output, or > 2 spatial axes).
 * The view writes the lines into a caption and keeps the outlines under any hover.
 *
 * @example focusInfo({ ...notebook00Conv, window: { ...notebook00Conv.window!, focus: [0, 0] } })!.lines
 * // ['output channel 0', '(row 0, col 0)', 'value 348', 'Σ x·w = 1·1 + 2·2 + 3·3 + 5·4 + 6·5 + 7·6 + 9·7 + 10·8 + 11·9 = 348']
 */
export function focusInfo(payload: FeatureMapPayload, channel = 0): HoverInfo | null {
  const focus = payload.window?.focus;
  const output = panelOfRole(payload, 'output');
  if (!focus || output < 0) return null;
  // A 1-D map holds the channels as rows; a 2-D output has one map per channel.
  if (focus.length === 1) return hoverInfo(payload, output, 0, channel, focus[0]!);
  if (focus.length === 2) return hoverInfo(payload, output, channel, focus[0]!, focus[1]!);
  return null;
}

/** The hover over a padding cell of the input panel: what the cell holds, and the cell it copies. */
function paddingHover(payload: FeatureMapPayload, panelIndex: number, mapIndex: number, r: number, c: number, title: string): HoverInfo {
  const map = payload.panels[panelIndex]!.maps[mapIndex]!;
  const mode = paddingModeOf(payload);
  const info: HoverInfo = {
    lines: [title, `padding (${paddingModeText(mode)}) at ${at(r, c)}`],
    highlight: [{ panel: panelIndex, map: mapIndex, cells: [{ r, c, dotted: true }] }],
    activeMaps: [],
  };
  info.lines.push(paddingHolds(payload, mode, map, r, c, (cell) => info.highlight[0]!.cells.push(cell)));
  return info;
}

/** What padding cell (r, c) of an input map holds, in words; its source cell goes to `outline`. */
function paddingHolds(
  payload: FeatureMapPayload,
  mode: string,
  map: FeatureMap,
  r: number,
  c: number,
  outline: (cell: { r: number; c: number }) => void,
): string {
  const { source, constant } = paddingCell(mode, r, c, map.height, map.width);
  if (source) {
    outline({ r: source[0], c: source[1] });
    // A downsampled map's cells are blocks: the source's value would be another cell's.
    const value = map.downsampled ? '' : ` ${equals(map, mapValues(map)[source[0] * map.width + source[1]] ?? NaN)}`;
    return `copies input ${at(source[0], source[1])}${value}`;
  }
  if (constant !== null) return `= ${formatValue(constant)}`;
  if (mode === '-inf') return 'never the max';
  if (mode === 'excluded') return /lppool/i.test(payload.op) ? 'not counted (adds nothing to the sum)' : 'not counted in the mean';
  return 'value not known';
}

/** Where a channel's cell lives in a panel: 2-D maps are one per channel; a 1-D window's map holds channels as rows. */
function channelCell(spatial: number, channel: number, r: number, c: number): { map: number; r: number; c: number } {
  return spatial === 1 ? { map: 0, r: channel, c } : { map: channel, r, c };
}

/** The taps of one input channel: position in its map, and whether it is a real cell or padding. */
interface Tap {
  r: number;
  c: number;
  /** Spatial row and column (the map's row is the channel in 1-D). */
  sr: number;
  sc: number;
  /** The tap's row and column within the window: where its weight sits in the kernel map. */
  kr: number;
  kc: number;
  padding: boolean;
}

/**
 * Adds the window part of an output's hover: taps outlined, kernel maps active, the computation written out
 * when every input it reads was sent exactly.
 */
function windowHover(payload: FeatureMapPayload, outputIndex: number, mapIndex: number, r: number, c: number, info: HoverInfo): void {
  const window = payload.window!;
  const spatial = window.kernel.length;
  if (spatial > 2) return;
  const inputIndex = panelOfRole(payload, 'input');
  const kernelIndex = panelOfRole(payload, 'kernel');
  const input = payload.panels[inputIndex];
  const kernel = payload.panels[kernelIndex];
  if (!input) return;
  const taps = window.kernel.reduce((n, k) => n * k, 1);
  const out = spatial === 1 ? r : mapIndex;
  const read = sources(payload, out);
  if (taps * Math.max(1, read.input.length) > MAX_TERMS) return;
  const spatialRow = spatial === 1 ? 0 : r;
  const { rows, cols } = windowTaps(window, spatialRow, c);
  const first = input.maps[channelCell(spatial, read.input[0] ?? 0, 0, 0).map];
  // A downsampled input's cells are blocks: the window's taps do not line up with them.
  if (!first || first.downsampled) return;
  // Spatial size of the input: a 1-D map's rows are channels, its one spatial row is the map's row.
  const [height, width] = spatial === 1 ? [1, first.width] : [first.height, first.width];
  const [[top, bottom], [left, right]] = panelPadding(payload, input);
  const tapsOf = (channel: number): Tap[] =>
    rows.flatMap((sr, kr) =>
      cols.flatMap((sc, kc) => {
        // A ceil-mode window may overhang the padding: those taps read nothing.
        if (sr < -top || sr >= height + bottom || sc < -left || sc >= width + right) return [];
        const cell = channelCell(spatial, channel, sr, sc);
        return [{ r: cell.r, c: cell.c, sr, sc, kr, kc, padding: sr < 0 || sr >= height || sc < 0 || sc >= width }];
      }),
    );
  const outlines = new Map<number, Highlight>();
  for (const channel of read.input) {
    const map = channelCell(spatial, channel, 0, 0).map;
    if (map >= input.maps.length) continue;
    const entry = outlines.get(map) ?? { panel: inputIndex, map, cells: [] };
    entry.cells.push(...tapsOf(channel).map((t) => (t.padding ? { r: t.r, c: t.c, dotted: true } : { r: t.r, c: t.c })));
    outlines.set(map, entry);
  }
  info.highlight.push(...outlines.values());
  const kernelMaps = kernel ? (spatial === 1 ? [out] : read.kernel) : [];
  info.activeMaps.push(...kernelMaps.filter((m) => m < (kernel?.maps.length ?? 0)).map((m) => ({ panel: kernelIndex, map: m })));
  const line = computation(payload, info, { input, inputIndex, kernel, spatial, out, read, tapsOf, output: payload.panels[outputIndex]!.maps[mapIndex]!, r, c });
  if (line) info.lines.push(...line);
}

/** What {@link computation} reads. */
interface WindowContext {
  input: FeatureMapPanel;
  inputIndex: number;
  kernel: FeatureMapPanel | undefined;
  spatial: number;
  out: number;
  read: { input: number[]; kernel: number[] };
  tapsOf: (channel: number) => Tap[];
  output: FeatureMap;
  r: number;
  c: number;
}

/**
 * The lines that write out an output's computation, or say why it is not shown; `undefined` for an op whose
 * computation the view does not know.
 */
function computation(payload: FeatureMapPayload, info: HoverInfo, ctx: WindowContext): string[] | undefined {
  const op = payload.op;
  const { input, kernel, spatial, out, read } = ctx;
  const isConv = op.startsWith('conv') && !/transpose/i.test(op) && kernel !== undefined;
  const kind = op === 'pad' ? 'pad' : isConv ? 'conv' : /maxpool/i.test(op) ? 'max' : /avgpool/i.test(op) ? 'mean' : /lppool/i.test(op) ? 'lp' : undefined;
  if (!kind) return undefined;
  const inputMaps = read.input.map((ch) => input.maps[channelCell(spatial, ch, 0, 0).map]);
  const kernelMaps = isConv ? (spatial === 1 ? [kernel.maps[out]] : read.kernel.map((m) => kernel.maps[m])) : [];
  if (kind === 'pad') return padComputation(payload, info, ctx, inputMaps[0]);
  if (inputMaps.some((m) => !m) || kernelMaps.some((m) => !m)) return ['computation not shown: not every map it reads was sent'];
  const why = (maps: (FeatureMap | undefined)[], what: string): string | undefined =>
    maps.some((m) => m!.downsampled)
      ? `computation not shown: the ${what} was downsampled`
      : maps.some((m) => m!.encoding !== 'f32-base64')
        ? `computation not shown: the ${what} was sent as 8-bit values`
        : undefined;
  const notShown = why(inputMaps, 'input') ?? why(kernelMaps, 'kernel');
  if (notShown) return [notShown];
  const mode = paddingModeOf(payload);
  // Values of every tap of every channel read, in channel, row, col order; padding taps by what they hold.
  const taps = read.input.flatMap((channel, i) =>
    ctx.tapsOf(channel).map((tap): ReadTap => {
      const map = inputMaps[i]!;
      const held = paddingCell(mode, tap.sr, tap.sc, spatial === 1 ? 1 : map.height, map.width);
      const [sr, sc] = held.source ?? [0, 0];
      const cell = channelCell(spatial, channel, sr, sc);
      const x = held.source ? mapValues(map)[cell.r * map.width + cell.c]! : held.constant;
      return { ...tap, x, channel: i };
    }),
  );
  const written = WRITERS[kind](payload, taps, { kernelMaps, spatial, out, mode });
  if (!written) return undefined;
  const { text, result, scale } = written;
  const lines = [text];
  const v = mapValues(ctx.output)[ctx.r * ctx.output.width + ctx.c] ?? NaN;
  const tolerance = 1e-4 * Math.max(scale, Math.abs(v)) + (ctx.output.encoding === 'u8-base64' ? (ctx.output.max - ctx.output.min) / 510 : 0);
  if (!(Math.abs(result - v) <= tolerance) && !(result === v)) lines.push(`output value ${formatValue(v)}`);
  return lines;
}

/** One tap of a window with the value it reads (`null`: a padding cell that holds nothing). */
type ReadTap = Tap & { x: number | null; channel: number };

/** A computation written out: the text, its result, and the magnitude its rounding error scales with. */
interface Written {
  text: string;
  result: number;
  scale: number;
}

/** What the writers below read besides the taps. */
interface Operands {
  kernelMaps: (FeatureMap | undefined)[];
  spatial: number;
  out: number;
  mode: string;
}

/** A conv output: `Σ x·w (+ b) = x·w + … (+ b) = result`, padding taps with the value they hold. */
function convSum(payload: FeatureMapPayload, taps: ReadTap[], { kernelMaps, spatial, out }: Operands): Written {
  // Weight of a tap: 2-D, kernel map `out·I + i` at the tap's window position; 1-D, kernel map `out`, row i.
  const weight = (t: ReadTap): number => {
    const w = kernelMaps[spatial === 1 ? 0 : t.channel]!;
    return mapValues(w)[(spatial === 1 ? t.channel : t.kr) * w.width + t.kc]!;
  };
  const terms = taps.filter((t) => t.x !== null).map((t) => ({ x: t.x!, w: weight(t) }));
  const bias = payload.window?.bias?.[out];
  const result = terms.reduce((sum, t) => sum + t.x * t.w, bias ?? 0);
  const scale = terms.reduce((sum, t) => sum + Math.abs(t.x * t.w), Math.abs(bias ?? 0));
  const sum = listTerms(terms.map((t) => `${factor(t.x)}·${factor(t.w)}`), ' + ', 'terms');
  const text =
    bias === undefined
      ? `Σ x·w = ${sum} = ${formatValue(result)}`
      : `Σ x·w + b = ${sum} + ${factor(bias)} = ${formatValue(result)}`;
  return { text, result, scale };
}

/** The real cells' values: padding is never the max, and adds nothing to a mean or an LP sum. */
const realValues = (taps: ReadTap[]): number[] => taps.filter((t) => !t.padding).map((t) => t.x!);

/** A max-pool output: `max(…) = result` over the real taps. */
function maxOf(_payload: FeatureMapPayload, taps: ReadTap[]): Written {
  const values = realValues(taps);
  // A dilated window can fall wholly in the padding: its max is −∞, as the kernel's.
  const result = values.reduce((a, b) => (b > a || Number.isNaN(b) ? b : a), -Infinity);
  return { text: `max(${listTerms(values.map(formatValue), ', ', 'values')}) = ${formatValue(result)}`, result, scale: Math.abs(result) };
}

/**
 * An average-pool output: `mean(…)` when the window lies inside the input, else the sum over the divisor, said:
 * padding counted (`'zeros'`: every tap inside the padded input) or not (`'excluded'`).
 */
function meanOf(_payload: FeatureMapPayload, taps: ReadTap[], { mode }: Operands): Written {
  const values = realValues(taps);
  const padded = taps.length - values.length;
  const divisor = mode === 'zeros' ? taps.length : values.length;
  const result = values.reduce((a, b) => a + b, 0) / divisor;
  const scale = values.reduce((a, b) => a + Math.abs(b), 0) / Math.max(1, divisor);
  if (padded === 0) return { text: `mean(${listTerms(values.map(formatValue), ', ', 'values')}) = ${formatValue(result)}`, result, scale };
  const said = mode === 'zeros' ? `divisor ${divisor} counts ${padded} padding cells` : `divisor ${divisor}: padding not counted`;
  return { text: `(${listTerms(values.map(factor), ' + ', 'values')}) / ${divisor} = ${formatValue(result)} (${said})`, result, scale };
}

/** An LP-pool output: `(Σ |x|ᵖ)^(1/p) = (…)^(1/p) = result`, with `p` from `window.power` (not shown without it). */
function lpOf(payload: FeatureMapPayload, taps: ReadTap[]): Written | undefined {
  const p = payload.window?.power;
  if (p === undefined) return undefined;
  const power = Number.isInteger(p) && p >= 0 && p < 10 ? '⁰¹²³⁴⁵⁶⁷⁸⁹'[p]! : `^${formatValue(p)}`;
  const root = `^(1/${formatValue(p)})`;
  const values = realValues(taps);
  const result = values.reduce((a, v) => a + Math.abs(v) ** p, 0) ** (1 / p);
  const terms = values.map((v) => (v < 0 ? `|${formatValue(v)}|${power}` : `${formatValue(v)}${power}`));
  return { text: `(Σ |x|${power})${root} = (${listTerms(terms, ' + ', 'values')})${root} = ${formatValue(result)}`, result, scale: Math.abs(result) };
}

/** The writer of each op's computation. */
const WRITERS = { conv: convSum, max: maxOf, mean: meanOf, lp: lpOf } as const;

/** The pad op's one tap: the input cell an output cell copies, or the padding it holds. */
function padComputation(payload: FeatureMapPayload, info: HoverInfo, ctx: WindowContext, map: FeatureMap | undefined): string[] {
  const tap = ctx.tapsOf(ctx.read.input[0] ?? 0)[0];
  if (!tap || !map) return [];
  if (!tap.padding) return [`copies input ${at(tap.sr, tap.sc)}`];
  const mode = paddingModeOf(payload);
  const outline = (cell: { r: number; c: number }): void => {
    info.highlight.find((h) => h.panel === ctx.inputIndex)?.cells.push(cell);
  };
  return [`padding (${paddingModeText(mode)}): ${paddingHolds(payload, mode, map, tap.sr, tap.sc, outline)}`];
}

// ── Footer ────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * The footer: op, backend, the window's parameters (the padding always with its mode) and the notes.
 *
 * @example footerText(conv payload) // 'conv2d · backend cpu · kernel 3×3 · stride 1×1 · dilation 1×1 · padding 1,1 / 1,1 (zeros) · groups 1'
 * @example footerText(pad payload)  // 'pad · backend cpu · padding 2,2 / 2,2 (reflect)'
 */
export function footerText(payload: FeatureMapPayload): string {
  const window = payload.window ? windowParts(payload.op, payload.window) : [];
  return [payload.op, `backend ${payload.backend}`, ...window, ...payload.notes].join(' · ');
}
