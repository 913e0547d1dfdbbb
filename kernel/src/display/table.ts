/**
 * `table(rows, { columns })`: results as a table that reads in JupyterLab, in nbconvert HTML and as plain text —
 * what a report's results cell ends with. `text/html` is a plain `<table>` (JupyterLab and nbconvert style it),
 * every cell escaped; `text/plain` is the same table in fixed-width columns.
 *
 * Numbers are written for reading. A column of numbers is right-aligned and shares one format: integers as they
 * are; otherwise fixed decimals, enough for its smallest nonzero value to keep 4 significant digits (`-17.12`,
 * `-0.1063` in another column: `2.000`, `0.5000` → `2.0000`, `0.5000`), or exponent form for the whole column
 * where a value is below 1e-4 or above 1e15, or the values span more digits than a float holds (`1.234e-7`).
 * Shapes and other arrays print as `[1,8,30,30]`, a tensor as its shape.
 */
import { formatShape } from '@convlab/protocol';
import { fail } from '../errors';
import { Tensor } from '../tensor';
import { escapeHtml } from './html';
import { JUPYTER_DISPLAY, type Displayable, type MimeBundle } from './protocol';

/** Options of {@link table}. */
export interface TableOptions<Row> {
  /**
   * The columns, in order: the keys of a record row (checked against the row type), or the headers of array
   * rows. Default: every key of the rows, in order of appearance (`0, 1, …` for array rows).
   */
  columns?: readonly (Row extends readonly unknown[] ? string : Extract<keyof Row, string>)[];
  /** A caption above the table. */
  caption?: string;
  /** Significant digits of numbers that are not integers, 1–17. Default 4. */
  digits?: number;
  /** Rows shown; the rest are counted under the table. Default 100. */
  maxRows?: number;
}

/** Characters kept of one cell's text; a longer text ends in `…`. */
const MAX_CELL_CHARS = 200;
/** Columns shown; more are counted in the caption. */
const MAX_COLUMNS = 50;

/** `1.234e-7`, `6.02e23`: exponent form without trailing zeros or a plus sign. */
const exponential = (value: number, digits: number): string =>
  value.toExponential(digits - 1).replace(/\.?0+e/, 'e').replace('e+', 'e');

/** A number to read: an integer as it is, else `digits` significant digits, exponent form when tiny or huge. */
export function formatNumber(value: number, digits = 4): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (Object.is(value, -0)) return '0';
  const size = Math.abs(value);
  if (Number.isInteger(value) && size < 1e15) return String(value);
  if (size < 1e-4 || size >= 1e15) return exponential(value, digits);
  return value.toFixed(Math.min(20, Math.max(0, digits - 1 - Math.floor(Math.log10(size)))));
}

/**
 * One format for a column of numbers (see the module comment), so that decimal points line up; a blank
 * (null or undefined) stays blank.
 *
 * @example
 * formatColumn([-0.1063, -0.08412, 1]); // ['-0.10630', '-0.08412', '1.00000']
 * formatColumn([1.5, 0.00001234, null]);  // ['1.500e0', '1.234e-5', '']
 */
export function formatColumn(column: readonly (number | null | undefined)[], digits = 4): string[] {
  const values = column.filter((v): v is number => typeof v === 'number');
  const sizes = values.filter((v) => Number.isFinite(v) && v !== 0).map(Math.abs);
  if (values.every((v) => !Number.isFinite(v) || Number.isInteger(v)) && sizes.every((s) => s < 1e15)) {
    return column.map((v) => (typeof v === 'number' ? formatNumber(v, digits) : ''));
  }
  const smallest = Math.min(...sizes), largest = Math.max(...sizes);
  // Fixed decimals unless they would be too many for the smallest value or beyond float precision for the largest.
  const decimals = digits - 1 - Math.floor(Math.log10(smallest));
  const exponent = smallest < 1e-4 || largest >= 1e15 || decimals + Math.floor(Math.log10(largest)) + 1 > 15;
  return column.map((v) => {
    if (typeof v !== 'number') return '';
    if (!Number.isFinite(v)) return formatNumber(v);
    // In exponent form every mantissa keeps its digits, so the column reads evenly.
    if (exponent) return v === 0 ? '0' : v.toExponential(digits - 1).replace('e+', 'e');
    return (v === 0 ? 0 : v).toFixed(Math.max(0, decimals));
  });
}

/** One cell's text (unbounded): see the module comment for each kind of value. */
function cellText(value: unknown, digits: number): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return formatNumber(value, digits);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Tensor) return `tensor ${formatShape(value.shape)}`;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return `[${value.map((v: number) => formatNumber(v, digits)).join(',')}]`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value); // a cycle: say what it is rather than fail the table
  }
}

/** A cell's text on one line (tabs and line breaks as spaces, so the text table stays aligned), cut at
 * MAX_CELL_CHARS. */
const bounded = (text: string): string => {
  const line = text.replace(/[\t\n\r\v\f\u2028\u2029]/g, ' ');
  return line.length > MAX_CELL_CHARS ? line.slice(0, MAX_CELL_CHARS - 1) + '…' : line;
};

/** A table ready to show: ends a cell (or goes to `display`) as `text/html` and `text/plain`. */
export class Table implements Displayable {
  constructor(
    /** Column headers, in order. */
    readonly headers: readonly string[],
    /** Cell texts, row by row (at most `maxRows` rows). */
    readonly cells: readonly (readonly string[])[],
    /** Per column: true when every value in it is a number (right-aligned). */
    readonly numeric: readonly boolean[],
    /** Said above the table; includes what was left out. */
    readonly caption: string,
    /** Rows not shown. */
    readonly hiddenRows: number,
  ) {}

  /** The fixed-width text of the table: caption, headers, a rule, the rows, and a count of rows left out. */
  toString(): string {
    const widths = this.headers.map((h, c) => Math.max(h.length, ...this.cells.map((row) => row[c]!.length)));
    const line = (texts: readonly string[]): string =>
      texts.map((t, c) => (this.numeric[c] ? t.padStart(widths[c]!) : t.padEnd(widths[c]!))).join('  ').trimEnd();
    return [
      ...(this.caption ? [this.caption] : []),
      line(this.headers),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...this.cells.map(line),
      ...(this.hiddenRows > 0 ? [`… ${this.hiddenRows} more rows`] : []),
    ].join('\n');
  }

  /** A plain `<table>`: JupyterLab's and nbconvert's stylesheets draw it; alignment and numerals inline. */
  toHtml(): string {
    const align = (c: number): string =>
      this.numeric[c] ? 'text-align:right;font-variant-numeric:tabular-nums' : 'text-align:left';
    const row = (tag: 'td' | 'th', texts: readonly string[]): string =>
      `<tr>${texts.map((t, c) => `<${tag} style="${align(c)}">${escapeHtml(t)}</${tag}>`).join('')}</tr>`;
    const caption = this.caption ? `<caption style="text-align:left">${escapeHtml(this.caption)}</caption>` : '';
    const more = this.hiddenRows > 0
      ? `<tfoot><tr><td colspan="${this.headers.length}" style="text-align:left">… ${this.hiddenRows} more rows</td></tr></tfoot>`
      : '';
    return `<table>${caption}<thead>${row('th', this.headers)}</thead><tbody>${this.cells.map((r) => row('td', r)).join('')}</tbody>${more}</table>`;
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return { data: { 'text/html': this.toHtml(), 'text/plain': this.toString() }, metadata: {} };
  }

  /** `console.log(t)` and Node's inspection print the text table. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * Rows of records (or of arrays) as a table. Ends a cell, or goes to `display(…)`, as `text/html` and `text/plain`.
 *
 * @param rows e.g. `[{ stride: 1, padding: 'same', outShape: [1, 8, 32, 32], mean: 0.0123 }, …]`
 * @example
 * table(results, { columns: ['stride', 'padding', 'outShape', 'mean'], caption: 'conv2d on [1,3,32,32]' })
 * // conv2d on [1,3,32,32]
 * // stride  padding  outShape        mean
 * // ------  -------  -----------  -------
 * //      1  same     [1,8,32,32]  0.01230
 */
export function table<Row extends object>(rows: readonly Row[], options: TableOptions<Row> = {}): Table {
  const { digits = 4, maxRows = 100, caption = '' } = options;
  const bad = (arg: string, expected: string, actual: string, hint: string): never =>
    fail({ op: 'table', arg, expected, actual, hint });
  if (!Array.isArray(rows)) bad('rows', 'an array of records or of arrays', typeof rows, 'table([{ a: 1, b: 2 }, { a: 3, b: 4 }])');
  if (!Number.isInteger(digits) || digits < 1 || digits > 17) bad('options.digits', 'an integer from 1 to 17', String(digits), 'the default is 4');
  if (!Number.isInteger(maxRows) || maxRows < 1) bad('options.maxRows', 'a positive integer', String(maxRows), 'the default is 100');
  if (typeof caption !== 'string') bad('options.caption', 'a string', typeof caption, "e.g. { caption: 'results' }");
  const shown = rows.slice(0, maxRows);
  shown.forEach((row, i) => {
    if (typeof row !== 'object' || row === null) bad(`rows[${i}]`, 'a record or an array', row === null ? 'null' : typeof row, 'one object (or array) per row');
  });
  const present = [...new Set(shown.flatMap((row) => Object.keys(row)))];
  let keys: readonly string[] = present;
  if (options.columns !== undefined) {
    if (!Array.isArray(options.columns) || !options.columns.every((c) => typeof c === 'string')) {
      bad('options.columns', 'an array of column names', JSON.stringify(options.columns) ?? String(options.columns), "e.g. { columns: ['stride', 'mean'] }");
    }
    keys = options.columns;
  }
  const arrays = shown.length > 0 && shown.every((row) => Array.isArray(row));
  const fields = arrays ? keys.map((_, c) => String(c)) : keys;
  const missing = arrays ? [] : fields.filter((key) => shown.length > 0 && !present.includes(key));
  if (missing.length > 0) {
    bad('options.columns', `names of the rows' fields (${present.join(', ')})`, JSON.stringify(missing), 'check the spelling, or add the field to the rows');
  }
  const headers = keys.slice(0, MAX_COLUMNS).map((k) => bounded(k));
  const columnFields = fields.slice(0, MAX_COLUMNS);
  const values = shown.map((row) => columnFields.map((field) => (row as Record<string, unknown>)[field]));
  const numeric = columnFields.map((_, c) => values.some((r) => typeof r[c] === 'number') && values.every((r) => typeof r[c] === 'number' || r[c] == null));
  // A numeric column shares one format; other cells are formatted alone.
  const columns = columnFields.map((_, c) =>
    numeric[c] ? formatColumn(values.map((r) => r[c] as number | null | undefined), digits) : values.map((r) => cellText(r[c], digits)),
  );
  const cells = values.map((_, i) => columns.map((column) => bounded(column[i]!)));
  const leftOut = keys.length > MAX_COLUMNS ? ` (${keys.length - MAX_COLUMNS} more columns not shown)` : '';
  return new Table(headers, cells, numeric, (caption + leftOut).trim(), rows.length - shown.length);
}
