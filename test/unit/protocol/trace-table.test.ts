import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatPadding,
  formulaText,
  traceCaption,
  traceRows,
  traceTotals,
  TRACE_COLUMNS,
  validateShapeTrace,
} from '@convlab/protocol';
import { ERROR, failing, tracePayload, traceRow } from './fixtures';

describe('validateShapeTrace', () => {
  it('accepts a well-formed trace, including an error row', () => {
    expect(validateShapeTrace(failing()).ok).toBe(true);
  });

  it.each([
    ['null', null, /payload should be an object, got object null/],
    ['another version', { ...failing(), version: 3 }, /payload.version should be 1 \(this extension reads shapetrace v1\), got number 3/],
    ['an unknown source', { ...failing(), source: 'keras' }, /payload.source should be one of traceShapes, recorded, got string "keras"/],
    ['no rows', { ...failing(), rows: undefined }, /payload.rows should be an array, got nothing/],
    ['a negative size', tracePayload([traceRow({ outShape: [1, -8, 32, 32] })]), /payload.rows\[0\].outShape\[1\] should be a non-negative integer, got number -8/],
    ['a formula that is a string', tracePayload([traceRow({ formula: 'x' as never })]), /payload.rows\[0\].formula should be an array, got string "x"/],
    ['padding given as numbers', tracePayload([traceRow({ padding: [1, 1] as never })]), /payload.rows\[0\].padding\[0\] should be a \[before, after\] pair/],
    ['an error that is not text', tracePayload([traceRow({ error: { message: 'x' } as never })]), /payload.rows\[0\].error should be a string, got object/],
    ['totals without MACs', { ...failing(), totals: { params: 1, outBytes: 2 } }, /payload.totals.macs should be a non-negative integer, got nothing/],
  ])('refuses %s with a message naming the path', (_name, value, message) => {
    const result = validateShapeTrace(value);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(message);
  });
});

describe('trace table builders', () => {
  it('formats counts, bytes and per-side padding independently of the locale', () => {
    expect([formatCount(0), formatCount(999), formatCount(1792), formatCount(221184), formatCount(12345678)]).toEqual([
      '0',
      '999',
      '1,792',
      '221,184',
      '12,345,678',
    ]);
    expect([formatBytes(512), formatBytes(32768), formatBytes(3 * 1024 * 1024)]).toEqual(['512 B', '32.0 KiB', '3.0 MiB']);
    expect(formatPadding([[0, 1], [2, 3]])).toBe('H 0,1 · W 2,3');
    expect(formatPadding([[2, 0]])).toBe('W 2,0');
    expect(formatPadding([])).toBe('—');
  });

  it('makes one row per layer with every column, and the formula per axis', () => {
    const rows = traceRows(failing());
    expect(rows).toHaveLength(4);
    expect(rows[0]!.cells).toEqual([
      '0',
      'conv2d',
      '[1,3,32,32]',
      '[1,8,32,32]',
      '3×3',
      '1×1',
      '1×1',
      'H 1,1 · W 1,1',
      '1',
      '224',
      '221,184',
      '32.0 KiB',
      '3×3',
      '1×1',
    ]);
    expect(rows[0]!.cells).toHaveLength(TRACE_COLUMNS.length);
    expect(rows[0]!.formula).toBe('H: floor((32 + 1 + 1 − 3) / 1) + 1 = 32 · W: floor((32 + 1 + 1 − 3) / 1) + 1 = 32');
    expect(rows[2]!.cells.slice(0, 9)).toEqual(['2', 'act (relu)', '[1,8,16,16]', '[1,8,16,16]', '—', '—', '—', '—', '—']);
    expect(rows[2]!.formula).toBe('relu: no output-size formula (the shape follows from the op)');
  });

  it('keeps the failing layer as an error row with the library’s message', () => {
    const last = traceRows(failing())[3]!;
    expect(last.cells).toEqual(['3', 'conv2d', '[1,16,4,4]']);
    expect(last.error).toBe(ERROR);
    expect(last.formula).toBe('floor((4 + 0 + 0 − 7) / 1) + 1 = −2');
    expect(formulaText(traceRow({ formula: ['a', 'b', 'c'] }))).toBe('D: a · H: b · W: c');
  });

  it('sums params, MACs and bytes in the totals row, aligned with the columns', () => {
    const totals = traceTotals(failing());
    expect(totals).toHaveLength(TRACE_COLUMNS.length);
    const column = (name: string): string => totals[TRACE_COLUMNS.findIndex((c) => c.header === name)]!;
    expect([column('op'), column('params'), column('MACs'), column('out bytes')]).toEqual(['total', '224', '221,184', '48.0 KiB']);
  });

  it('captions the trace with its source, layer count, error and input', () => {
    expect(traceCaption(failing())).toBe('shape trace · traceShapes · 4 layers, stops at an error · input [1,3,32,32]');
    expect(traceCaption({ ...tracePayload([traceRow()]), title: 'tiny', source: 'recorded', backend: 'cpu' })).toBe(
      'tiny · recorded · 1 layer · input [1,3,32,32] · backend cpu',
    );
  });

});
