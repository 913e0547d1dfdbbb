/**
 * The bundle of a shape trace: the vendor JSON (drawn by the extension as a table), a `text/html` table for
 * nbconvert, GitHub and untrusted views, and a fixed-width `text/plain` table. Every payload string is
 * HTML-escaped: layer names and error messages are the user's text, never markup.
 */
import type { ShapeTracePayload, ShapeTraceRow } from '../../../extension/src/schema';
import type { MimeBundle } from './bundle';

export const SHAPE_TRACE_MIME = 'application/vnd.convlab.shapetrace.v1+json';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const shape = (s: readonly number[]): string => (s.length ? `[${s.join(',')}]` : '—');
const perAxis = (values: readonly number[]): string => (values.length ? values.join('×') : '—');
const count = (n: number): string => n.toLocaleString('en-US');

/** The table's columns: header and how a row prints in it (the same words in HTML and text). */
const COLUMNS: readonly [string, (row: ShapeTraceRow) => string][] = [
  ['#', (r) => String(r.index)],
  ['layer', (r) => (r.name ? `${r.name} (${r.op})` : r.op)],
  ['input', (r) => shape(r.inShape)],
  ['output', (r) => shape(r.outShape)],
  ['kernel', (r) => perAxis(r.kernel)],
  ['stride', (r) => perAxis(r.stride)],
  ['dilation', (r) => perAxis(r.dilation)],
  ['padding', (r) => (r.padding.length ? r.padding.map(([a, b]) => `${a}+${b}`).join(', ') : '—')],
  ['groups', (r) => (r.kernel.length ? String(r.groups) : '—')],
  ['params', (r) => count(r.params)],
  ['MACs', (r) => count(r.macs)],
  ['receptive field', (r) => perAxis(r.receptiveField)],
  // One formula when every axis has the same (square inputs and kernels), else one per axis.
  ['output size', (r) => (r.formula.length ? [...new Set(r.formula)].join('; ') : '—')],
];

function totalsText(payload: ShapeTracePayload): string {
  const { params, macs, outBytes } = payload.totals;
  return `total: ${count(params)} params, ${count(macs)} MACs, ${count(outBytes)} bytes of outputs (float32)`;
}

function heading(payload: ShapeTracePayload): string {
  const from = payload.source === 'recorded' ? `recorded on ${payload.backend}` : 'computed without data';
  return `${payload.title || 'shape trace'}: input ${shape(payload.inputShape)}, ${from}`;
}

/** The `text/html` fallback: a plain table, inline styles only (nbconvert and GitHub drop stylesheets). */
export function shapeTraceHtml(payload: ShapeTracePayload): string {
  const cell = (tag: 'td' | 'th', text: string, style = ''): string =>
    `<${tag} style="padding:2px 8px;text-align:left;border-bottom:1px solid #ccc;white-space:nowrap${style}">${escapeHtml(text)}</${tag}>`;
  const rows = payload.rows.map((row) => {
    const cells = COLUMNS.map(([, value]) => cell('td', value(row))).join('');
    if (row.error === undefined) return `<tr>${cells}</tr>`;
    // The failing layer: its row, then the library's message across the whole table, in red.
    return (
      `<tr style="background:#fde8e8">${cells}</tr>` +
      `<tr style="background:#fde8e8"><td colspan="${COLUMNS.length}" style="padding:2px 8px;color:#b00020;white-space:pre-wrap">` +
      `${escapeHtml(`error at layer ${row.index}: ${row.error}`)}</td></tr>`
    );
  });
  return (
    `<table style="border-collapse:collapse;font-family:monospace;font-size:12px">` +
    `<caption style="text-align:left;font-weight:bold;padding:4px 0">${escapeHtml(heading(payload))}</caption>` +
    `<thead><tr>${COLUMNS.map(([name]) => cell('th', name)).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody>` +
    `<tfoot><tr><td colspan="${COLUMNS.length}" style="padding:4px 8px">${escapeHtml(totalsText(payload))}</td></tr></tfoot>` +
    `</table>`
  );
}

/** The `text/plain` fallback: the same table in fixed-width columns, the error under its row. */
export function shapeTraceText(payload: ShapeTracePayload): string {
  const table = [COLUMNS.map(([name]) => name), ...payload.rows.map((row) => COLUMNS.map(([, value]) => value(row)))];
  const widths = COLUMNS.map((_, c) => Math.max(...table.map((line) => line[c]!.length)));
  const format = (line: string[]): string => line.map((text, c) => text.padEnd(widths[c]!)).join('  ').trimEnd();
  const lines = [heading(payload), format(table[0]!)];
  payload.rows.forEach((row, i) => {
    lines.push(format(table[i + 1]!));
    if (row.error !== undefined) lines.push(`  ✖ error at layer ${row.index}: ${row.error}`);
  });
  lines.push(totalsText(payload));
  return lines.join('\n');
}

/**
 * The MIME bundle of a shape-trace payload.
 *
 * @example
 * Object.keys(shapeTraceBundle(payload).data);
 * // ['application/vnd.convlab.shapetrace.v1+json', 'text/html', 'text/plain']
 */
export function shapeTraceBundle(payload: ShapeTracePayload): MimeBundle {
  return {
    data: { [SHAPE_TRACE_MIME]: payload, 'text/html': shapeTraceHtml(payload), 'text/plain': shapeTraceText(payload) },
    metadata: {},
  };
}
