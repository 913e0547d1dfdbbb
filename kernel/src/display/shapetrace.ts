/**
 * The bundle of a shape trace: the vendor JSON (drawn by the extension as a table), a `text/html` table for
 * nbconvert, GitHub and untrusted views, and a fixed-width `text/plain` table. Every payload string is
 * HTML-escaped: layer names and error messages are the user's text, never markup.
 */
import {
  SHAPE_TRACE_MIME,
  TRACE_COLUMNS,
  traceCaption,
  traceRows,
  traceTotals,
  type ShapeTracePayload,
  type ShapeTraceRow,
  type TraceTableRow,
} from '@convlab/protocol';
import type { MimeBundle } from './protocol';
import { escapeHtml } from './html';

/** A row's cells across every column: a failing layer has only #, op and input, the rest stay blank. */
const fullRow = (row: TraceTableRow): string[] => TRACE_COLUMNS.map((_, c) => row.cells[c] ?? '');

/** What goes under a row: the failing layer's message, else its output-size formula (none for relu, flatten…). */
const note = (layer: ShapeTraceRow, row: TraceTableRow): string | undefined =>
  row.error !== undefined
    ? `✖ error at layer ${layer.index}: ${row.error}`
    : layer.formula.length
      ? `output size: ${row.formula}`
      : undefined;

/** The `text/html` fallback: a plain table, inline styles only (nbconvert and GitHub drop stylesheets). */
export function shapeTraceHtml(payload: ShapeTracePayload): string {
  const cell = (tag: 'td' | 'th', text: string, style = ''): string =>
    `<${tag} style="padding:2px 8px;text-align:left;border-bottom:1px solid #ccc;white-space:nowrap${style}">${escapeHtml(text)}</${tag}>`;
  // The failing layer's row and its message are red; a formula is grey.
  const failing = ' style="background:#fde8e8"';
  const under = (text: string, error: boolean): string =>
    `<tr${error ? failing : ''}><td colspan="${TRACE_COLUMNS.length}" style="padding:0 8px 4px 24px;text-align:left;` +
    `white-space:pre-wrap;color:${error ? '#b00020' : '#555'}">${escapeHtml(text)}</td></tr>`;
  const rows = traceRows(payload).map((row, i) => {
    const error = row.error !== undefined;
    const cells = fullRow(row).map((text) => cell('td', text)).join('');
    const text = note(payload.rows[i]!, row);
    return `<tr${error ? failing : ''}>${cells}</tr>${text === undefined ? '' : under(text, error)}`;
  });
  return (
    `<table style="border-collapse:collapse;font-family:monospace;font-size:12px">` +
    `<caption style="text-align:left;font-weight:bold;padding:4px 0">${escapeHtml(traceCaption(payload))}</caption>` +
    `<thead><tr>${TRACE_COLUMNS.map((c) => cell('th', c.header)).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody>` +
    `<tfoot><tr>${traceTotals(payload).map((text) => cell('td', text, ';font-weight:bold')).join('')}</tr></tfoot>` +
    `</table>`
  );
}

/** The `text/plain` fallback: the same table in fixed-width columns, the formula or the error under each row. */
export function shapeTraceText(payload: ShapeTracePayload): string {
  const rows = traceRows(payload);
  const table = [TRACE_COLUMNS.map((c) => c.header), ...rows.map(fullRow), traceTotals(payload)];
  const widths = TRACE_COLUMNS.map((_, c) => Math.max(...table.map((line) => line[c]!.length)));
  const format = (line: string[]): string => line.map((text, c) => text.padEnd(widths[c]!)).join('  ').trimEnd();
  const lines = [traceCaption(payload), format(table[0]!)];
  rows.forEach((row, i) => {
    lines.push(format(table[i + 1]!));
    const under = note(payload.rows[i]!, row);
    if (under !== undefined) lines.push(`    ${under}`);
  });
  lines.push(format(table.at(-1)!));
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
