/**
 * `lineChart(series, options)`: numbers over steps as a line chart — a loss curve, an accuracy per epoch — that
 * reads in JupyterLab, in nbconvert HTML and on GitHub. The bundle is `image/svg+xml` (drawn here, from numbers
 * only; every text is escaped) and `text/plain` (each series' first, last, lowest and highest value).
 *
 * A long series is drawn from at most {@link MAX_POINTS} points: each point is the mean of its block of steps, so
 * a noisy per-batch loss reads as its trend; the caption says when that happened. Non-finite values leave a gap.
 */
import { fail } from '../errors';
import { checkOptionKeys, optionKeys } from '../shapes';
import { escapeHtml } from './html';
import { JUPYTER_DISPLAY, type Displayable, type MimeBundle } from './protocol';
import { formatNumber } from './table';

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  /** A title above the chart. */
  title?: string;
  /** The x axis' label. Default `'step'`. */
  xLabel?: string;
  /** The y axis' label. Default: none. */
  yLabel?: string;
  /** Width and height in pixels. Default 640 × 300. */
  width?: number;
  height?: number;
}

/** The keys of {@link LineChartOptions}: another key (Matplotlib's `xlabel`) is refused with a suggestion. */
const LINE_CHART_OPTION_KEYS = optionKeys<LineChartOptions>({ title: true, xLabel: true, yLabel: true, width: true, height: true });

/** Points drawn per series; a longer series is averaged in blocks. */
export const MAX_POINTS = 1000;
/** Series in one chart (each has its own colour and legend entry). */
const MAX_SERIES = 8;
/** Steps accepted per series (a per-batch loss of a long run fits; a tensor's values belong in a feature map). */
const MAX_STEPS = 10_000_000;
/** Characters kept of a title, label or series name. */
const MAX_TEXT = 200;
/** Colours of the series, in order (distinguishable in light and dark themes). */
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** A series as drawn: its name, and points `[step, value]` (at most {@link MAX_POINTS}, blocks averaged). */
interface Drawn {
  name: string;
  points: [number, number][];
  averaged: number;
}

const clip = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);

/** The points of one series: each block of `ceil(n / MAX_POINTS)` steps as its mean step and mean finite value. */
function drawnPoints(values: ArrayLike<number>): { points: [number, number][]; averaged: number } {
  const block = Math.max(1, Math.ceil(values.length / MAX_POINTS));
  const points: [number, number][] = [];
  for (let start = 0; start < values.length; start += block) {
    let sum = 0;
    let count = 0;
    for (let i = start; i < Math.min(values.length, start + block); i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) {
        sum += v;
        count++;
      }
    }
    const step = start + (Math.min(values.length, start + block) - 1 - start) / 2;
    points.push([step, count > 0 ? sum / count : NaN]);
  }
  return { points, averaged: block };
}

/** About five round ticks (1, 2 or 5 times a power of ten) over `[lo, hi]`, labelled with the step's decimals. */
function ticks(lo: number, hi: number): { value: number; label: string }[] {
  if (hi <= lo) return [{ value: lo, label: formatNumber(lo) }];
  const raw = (hi - lo) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const decimals = Math.min(20, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  const out: { value: number; label: string }[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    const value = Math.abs(t) < step * 1e-9 ? 0 : t;
    const exponent = Math.abs(value) >= 1e6 || (value !== 0 && Math.abs(value) < 1e-4);
    out.push({ value, label: exponent ? formatNumber(value, 3) : value.toFixed(decimals) });
  }
  return out;
}

/** A size option: a finite number of pixels in [min, max]. */
function pixels(arg: string, value: number | undefined, fallback: number): number {
  const size = value ?? fallback;
  if (typeof size !== 'number' || !Number.isFinite(size) || size < 200 || size > 4000) {
    fail({
      op: 'lineChart',
      arg: `options.${arg}`,
      expected: 'a number of pixels in [200, 4000]',
      actual: typeof size === 'number' ? String(size) : JSON.stringify(size) ?? String(size),
      hint: `leave ${arg} out for the default (${fallback}), or pass a whole number of pixels such as 800`,
    });
  }
  return Math.round(size);
}

/** A chart made by {@link lineChart}: displayed as SVG with a text summary. */
export class LineChart implements Displayable {
  readonly title: string;
  private readonly series: readonly Drawn[];
  private readonly summaries: readonly string[];
  private readonly options: Required<Omit<LineChartOptions, 'title'>>;

  constructor(series: Record<string, ArrayLike<number>>, options: LineChartOptions) {
    const entries = Object.entries(series);
    if (entries.length < 1 || entries.length > MAX_SERIES) {
      fail({
        op: 'lineChart',
        arg: 'series',
        expected: `1 to ${MAX_SERIES} named series, e.g. { loss: losses }`,
        actual: `${entries.length} series`,
        hint: 'pass an object whose keys name the lines: lineChart({ train: trainLoss, test: testLoss })',
      });
    }
    for (const [name, values] of entries) {
      const length = (values as { length?: unknown } | null)?.length;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 1 || length > MAX_STEPS) {
        fail({
          op: 'lineChart',
          arg: `series.${clip(name)}`,
          expected: `an array of 1 to ${MAX_STEPS} numbers`,
          actual: typeof length === 'number' ? `${length} values` : typeof values,
          hint: 'collect one number per step, e.g. losses.push(loss.item())',
        });
      }
    }
    this.title = clip(options.title ?? '');
    this.options = {
      xLabel: clip(options.xLabel ?? 'step'),
      yLabel: clip(options.yLabel ?? ''),
      width: pixels('width', options.width, 640),
      height: pixels('height', options.height, 300),
    };
    this.series = entries.map(([name, values]) => ({ name: clip(name), ...drawnPoints(values) }));
    this.summaries = entries.map(([name, values]) => {
      const finite = Array.from(values).filter(Number.isFinite);
      const at = (v: number | undefined): string => (v === undefined ? '—' : formatNumber(v));
      const low = finite.length > 0 ? finite.reduce((a, b) => Math.min(a, b)) : undefined;
      const high = finite.length > 0 ? finite.reduce((a, b) => Math.max(a, b)) : undefined;
      return `${clip(name)}: ${values.length} steps, first ${at(values[0])}, last ${at(values[values.length - 1])}, min ${at(low)}, max ${at(high)}`;
    });
  }

  /** The chart as SVG text: axes with round ticks, one polyline per series, a legend when there are several. */
  toSvg(): string {
    const { width, height, xLabel, yLabel } = this.options;
    const margin = { left: 64, right: 16, top: this.title ? 32 : 12, bottom: 44 };
    const plotW = width - margin.left - margin.right;
    const plotH = height - margin.top - margin.bottom;
    const all = this.series.flatMap((s) => s.points.filter(([, v]) => Number.isFinite(v)));
    const ys = all.map(([, y]) => y);
    const xMax = Math.max(1, ...this.series.map((s) => (s.points.at(-1)?.[0] ?? 0)));
    let [yLo, yHi] = ys.length > 0 ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
    if (yHi - yLo < 1e-12 * Math.max(1, Math.abs(yHi))) [yLo, yHi] = [yLo - 0.5, yHi + 0.5]; // a flat line, mid-height
    const pad = (yHi - yLo) * 0.05;
    [yLo, yHi] = [yLo - pad, yHi + pad];
    const sx = (x: number): number => margin.left + (xMax > 0 ? (x / xMax) * plotW : 0);
    const sy = (y: number): number => margin.top + plotH - ((y - yLo) / (yHi - yLo)) * plotH;
    const f = (n: number): string => n.toFixed(1);
    const text = (x: number, y: number, anchor: string, content: string, extra = ''): string =>
      `<text x="${f(x)}" y="${f(y)}" text-anchor="${anchor}"${extra}>${escapeHtml(content)}</text>`;
    const parts: string[] = [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
        `font-family="sans-serif" font-size="12" fill="#333">`,
      `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ];
    if (this.title) parts.push(text(width / 2, 20, 'middle', this.title, ' font-size="14" font-weight="bold"'));
    for (const { value: t, label } of ticks(yLo, yHi)) {
      parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e5e5e5"/>`);
      parts.push(text(margin.left - 6, sy(t) + 4, 'end', label));
    }
    for (const { value: t, label } of ticks(0, xMax)) {
      if (!Number.isInteger(t)) continue; // steps are whole numbers
      parts.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 4}" stroke="#333"/>`);
      parts.push(text(sx(t), margin.top + plotH + 16, 'middle', label));
    }
    parts.push(
      `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
      text(margin.left + plotW / 2, height - 8, 'middle', xLabel),
    );
    if (yLabel) parts.push(text(14, margin.top + plotH / 2, 'middle', yLabel, ` transform="rotate(-90 14 ${f(margin.top + plotH / 2)})"`));
    this.series.forEach((s, i) => {
      const color = COLORS[i % COLORS.length]!;
      // Gaps at non-finite values: one polyline per finite run (a lone point as a dot).
      let run: [number, number][] = [];
      const flush = (): void => {
        const [first] = run;
        if (run.length === 1 && first) parts.push(`<circle cx="${f(first[0])}" cy="${f(first[1])}" r="2" fill="${color}"/>`);
        if (run.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${run.map(([x, y]) => `${f(x)},${f(y)}`).join(' ')}"/>`);
        run = [];
      };
      for (const [x, y] of s.points) {
        if (Number.isFinite(y)) run.push([sx(x), sy(y)]);
        else flush();
      }
      flush();
    });
    if (this.series.length > 1) {
      // The legend, top right, on a box over the lines so that it reads wherever they run.
      const boxW = Math.min(plotW - 8, 34 + 7 * Math.max(...this.series.map((s) => s.name.length)));
      const left = margin.left + plotW - boxW - 4;
      parts.push(`<rect x="${f(left)}" y="${margin.top + 2}" width="${f(boxW)}" height="${this.series.length * 16 + 4}" fill="#fff" fill-opacity="0.9" stroke="#ccc"/>`);
      this.series.forEach((s, i) => {
        const ly = margin.top + 12 + i * 16;
        parts.push(`<line x1="${f(left + 6)}" x2="${f(left + 26)}" y1="${ly}" y2="${ly}" stroke="${COLORS[i % COLORS.length]!}" stroke-width="2"/>`);
        parts.push(text(left + 32, ly + 4, 'start', s.name));
      });
    }
    const averaged = Math.max(...this.series.map((s) => s.averaged));
    if (averaged > 1) parts.push(text(margin.left + plotW, height - 8, 'end', `each point: the mean of ${averaged} steps`, ' font-size="10" fill="#666"'));
    parts.push('</svg>');
    return parts.join('\n');
  }

  /** The text summary: the title, then one line per series. */
  toString(): string {
    return [this.title, ...this.summaries].filter((line) => line !== '').join('\n');
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return { data: { 'image/svg+xml': this.toSvg(), 'text/plain': this.toString() }, metadata: {} };
  }
}

/**
 * A line chart of numbers over steps: a loss curve, accuracy per epoch. Shown when it ends a cell (or through
 * `display(chart)`); `toString()` is its text summary.
 *
 * @param series named arrays of numbers, one line each (up to 8): `{ loss: losses }`
 * @param options title, axis labels, size
 * @example
 * lineChart({ loss: [2.3, 1.1, 0.6, 0.4] }, { title: 'training loss', xLabel: 'batch' }).toString();
 * // 'training loss\nloss: 4 steps, first 2.300, last 0.4000, min 0.4000, max 2.300'
 */
export function lineChart(series: Record<string, ArrayLike<number>>, options: LineChartOptions = {}): LineChart {
  if (typeof series !== 'object' || series === null || Array.isArray(series) || ArrayBuffer.isView(series)) {
    fail({
      op: 'lineChart',
      arg: 'series',
      expected: 'an object of named series, e.g. { loss: losses }',
      actual: Array.isArray(series) || ArrayBuffer.isView(series) ? 'an array' : String(series),
      hint: 'name the line: lineChart({ loss: losses })',
    });
  }
  checkOptionKeys('lineChart', 'options', options, LINE_CHART_OPTION_KEYS);
  return new LineChart(series, options);
}
