/**
 * The shape-trace table, one definition for both sides: its columns, and payload → rows of cell texts, the
 * formula line and the error. The extension draws these cells as its interactive table; the kernel writes the
 * same cells into the `text/html` and `text/plain` fallbacks. Plain strings only, no DOM and no HTML.
 */
import type { ShapeTracePayload, ShapeTraceRow } from './schema';

/** A column of the table: header text and what it means (the header's hover title). */
export interface TraceColumn {
  header: string;
  title: string;
}

/** The table's columns, in order. */
export const TRACE_COLUMNS: readonly TraceColumn[] = [
  { header: '#', title: 'layer index' },
  { header: 'op', title: 'operation (and the name given to the layer)' },
  { header: 'input', title: 'input shape' },
  { header: 'output', title: 'output shape (the formula is in the row below, ▸)' },
  { header: 'kernel', title: 'kernel size per spatial axis' },
  { header: 'stride', title: 'stride per spatial axis' },
  { header: 'dilation', title: 'dilation per spatial axis' },
  { header: 'padding', title: 'padding before,after per spatial axis (H: top,bottom · W: left,right)' },
  { header: 'groups', title: 'channel groups' },
  { header: 'params', title: 'learned parameters (weights and bias)' },
  { header: 'MACs', title: 'multiply–accumulates for one forward pass' },
  { header: 'out bytes', title: 'size of the output as float32' },
  { header: 'RF', title: 'receptive field: input pixels one output sees, per spatial axis' },
  { header: 'jump', title: 'input-pixel distance between adjacent outputs, per spatial axis' },
];

/** One table row: the cells' texts, its formula line, and the error of a failing layer. */
export interface TraceTableRow {
  cells: string[];
  /** The output-size arithmetic with the numbers, e.g. `H: floor((32 + 1 + 1 − 3) / 1) + 1 = 32 · W: …`. */
  formula: string;
  /** Set on the layer whose shapes do not fit; then `cells` holds only #, op and input. */
  error?: string;
}

/** `[1,3,32,32]`, as the kernel writes shapes in titles and errors. */
export const formatShape = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/** An integer with thousands separators, independent of the browser's locale: `1792` → `1,792`. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Bytes in B, KiB or MiB: `512` → `512 B`, `32768` → `32.0 KiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Names of the spatial axes for a per-axis array of that length: `['H', 'W']` for 2-D. */
export function axisNames(count: number): string[] {
  return ['D', 'H', 'W'].slice(Math.max(0, 3 - count));
}

const perAxis = (values: readonly number[]): string => (values.length ? values.join('×') : '—');

/** Padding as `H 1,1 · W 0,1` (before,after per axis), or `—` for an op without a window. */
export function formatPadding(padding: readonly (readonly [number, number])[]): string {
  if (!padding.length) return '—';
  const names = axisNames(padding.length);
  return padding.map(([before, after], k) => `${names[k]} ${before},${after}`).join(' · ');
}

/** The formula line of a row: `H: … = 32 · W: … = 32`, or a plain note for an op without one. */
export function formulaText(row: ShapeTraceRow): string {
  if (!row.formula.length) return `${row.op}: no output-size formula (the shape follows from the op)`;
  if (row.formula.length === 1) return row.formula[0]!;
  const names = axisNames(row.formula.length);
  return row.formula.map((f, k) => `${names[k]}: ${f}`).join(' · ');
}

/** The table rows of a trace, one per layer. */
export function traceRows(payload: ShapeTracePayload): TraceTableRow[] {
  return payload.rows.map((row) => {
    const op = row.name ? `${row.name} (${row.op})` : row.op;
    const formula = formulaText(row);
    if (row.error !== undefined) return { cells: [String(row.index), op, formatShape(row.inShape)], formula, error: row.error };
    const windowed = row.kernel.length > 0;
    return {
      cells: [
        String(row.index),
        op,
        formatShape(row.inShape),
        formatShape(row.outShape),
        perAxis(row.kernel),
        perAxis(row.stride),
        perAxis(row.dilation),
        formatPadding(row.padding),
        windowed ? String(row.groups) : '—',
        formatCount(row.params),
        formatCount(row.macs),
        formatBytes(row.outBytes),
        perAxis(row.receptiveField),
        perAxis(row.jump),
      ],
      formula,
    };
  });
}

/** The totals row, aligned with {@link TRACE_COLUMNS}. */
export function traceTotals(payload: ShapeTracePayload): string[] {
  const { params, macs, outBytes } = payload.totals;
  return ['', 'total', '', '', '', '', '', '', '', formatCount(params), formatCount(macs), formatBytes(outBytes), '', ''];
}

/** The caption above the table, e.g. `shape trace · traceShapes · 4 layers · input [1,3,32,32]`. */
export function traceCaption(payload: ShapeTracePayload): string {
  const failed = payload.rows.some((r) => r.error !== undefined);
  const layers = `${payload.rows.length} layer${payload.rows.length === 1 ? '' : 's'}${failed ? ', stops at an error' : ''}`;
  const backend = payload.backend === 'none' ? [] : [`backend ${payload.backend}`];
  return [payload.title || 'shape trace', payload.source, layers, `input ${formatShape(payload.inputShape)}`, ...backend].join(' · ');
}
