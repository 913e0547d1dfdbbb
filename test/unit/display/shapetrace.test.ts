/** The shape-trace bundle: vendor JSON as given, an escaped HTML table with the error row, and plain text. */
import { describe, expect, it } from 'vitest';
import { SHAPE_TRACE_MIME, type ShapeTracePayload, type ShapeTraceRow } from '@convlab/protocol';
import { escapeHtml } from '../../../kernel/src/display/html';
import { shapeTraceBundle } from '../../../kernel/src/display/shapetrace';

function row(index: number, fields: Partial<ShapeTraceRow>): ShapeTraceRow {
  return {
    index, op: 'conv2d', name: '', inShape: [], outShape: [], kernel: [], stride: [], dilation: [], padding: [],
    groups: 1, params: 0, macs: 0, outBytes: 0, receptiveField: [], jump: [], formula: [], ...fields,
  };
}

/** A 20×20 input, a valid 3×3 conv, a relu, then a conv whose kernel does not fit (hand-built numbers). */
const payload: ShapeTracePayload = {
  version: 1,
  source: 'traceShapes',
  title: 'tiny <net>',
  inputShape: [1, 1, 20, 20],
  rows: [
    row(0, {
      name: 'stem', inShape: [1, 1, 20, 20], outShape: [1, 8, 18, 18], kernel: [3, 3], stride: [1, 1],
      dilation: [1, 1], padding: [[0, 0], [0, 0]], params: 80, macs: 23328, outBytes: 10368,
      receptiveField: [3, 3], jump: [1, 1],
      formula: ['floor((20 + 0 + 0 − 3) / 1) + 1 = 18', 'floor((20 + 0 + 0 − 3) / 1) + 1 = 18'],
    }),
    row(1, { op: 'relu', inShape: [1, 8, 18, 18], outShape: [1, 8, 18, 18], outBytes: 10368, receptiveField: [3, 3], jump: [1, 1] }),
    row(2, {
      name: '<script>alert(1)</script>', inShape: [1, 8, 18, 18], kernel: [20, 20], stride: [1, 1], dilation: [1, 1],
      padding: [[0, 0], [0, 0]],
      error: 'conv2d: weight expected a kernel no larger than the padded input (18×18), got 20×20 <b>',
    }),
  ],
  totals: { params: 80, macs: 23328, outBytes: 20736 },
  backend: 'none',
};

describe('shapeTraceBundle', () => {
  const bundle = shapeTraceBundle(payload);
  const html = bundle.data['text/html'] as string;
  const text = bundle.data['text/plain'] as string;

  it('carries the payload itself as vendor JSON, an HTML table and text', () => {
    expect(Object.keys(bundle.data)).toEqual([SHAPE_TRACE_MIME, 'text/html', 'text/plain']);
    expect(bundle.data[SHAPE_TRACE_MIME]).toBe(payload);
  });

  it('escapes every payload string in the HTML: no tag from the payload survives', () => {
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<net>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; (conv2d)');
    expect(html).toContain('tiny &lt;net&gt; · traceShapes · 3 layers, stops at an error · input [1,1,20,20]');
    // The only tags are the table's own.
    const tags = new Set([...html.matchAll(/<\/?([a-z]+)/g)].map((m) => m[1]));
    expect([...tags].sort()).toEqual(['caption', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr']);
  });

  it('shows each layer’s shapes, padding per side, formula, params, MACs and receptive field', () => {
    const cells = (tr: string): string[] => [...tr.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]!);
    const rows = [...html.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) => m[1]!);
    // The extension's columns (@convlab/protocol's TRACE_COLUMNS), then the formula in a row of its own.
    expect(cells(rows[1]!)).toEqual([
      '0', 'stem (conv2d)', '[1,1,20,20]', '[1,8,18,18]', '3×3', '1×1', '1×1', 'H 0,0 · W 0,0', '1', '80', '23,328', '10.1 KiB',
      '3×3', '1×1',
    ]);
    expect(cells(rows[2]!)).toEqual(['output size: H: floor((20 + 0 + 0 − 3) / 1) + 1 = 18 · W: floor((20 + 0 + 0 − 3) / 1) + 1 = 18']);
    expect(cells(rows[3]!).slice(0, 5)).toEqual(['1', 'relu', '[1,8,18,18]', '[1,8,18,18]', '—']);
    expect(cells(rows.at(-1)!)).toEqual(['', 'total', '', '', '', '', '', '', '', '80', '23,328', '20.3 KiB', '', '']);
  });

  it('makes the failing layer visible: highlighted row plus the message across the table', () => {
    expect(html).toMatch(/<tr style="background:#fde8e8"><td[^>]*>2<\/td>/);
    expect(html).toMatch(
      /<td colspan="14"[^>]*color:#b00020[^>]*>✖ error at layer 2: conv2d: weight expected a kernel no larger than the padded input \(18×18\), got 20×20 &lt;b&gt;<\/td>/,
    );
  });

  it('has a fixed-width text table with the error under its row', () => {
    const lines = text.split('\n');
    expect(lines[0]).toBe('tiny <net> · traceShapes · 3 layers, stops at an error · input [1,1,20,20]');
    expect(lines[1]).toMatch(/^# {2}op +input +output +kernel +stride/);
    const columnOf = (line: string, word: string): number => line.indexOf(word);
    expect(columnOf(lines[2]!, '[1,1,20,20]')).toBe(columnOf(lines[1]!, 'input'));
    expect(lines[3]).toBe('    output size: H: floor((20 + 0 + 0 − 3) / 1) + 1 = 18 · W: floor((20 + 0 + 0 − 3) / 1) + 1 = 18');
    expect(lines[6]).toBe('    ✖ error at layer 2: conv2d: weight expected a kernel no larger than the padded input (18×18), got 20×20 <b>');
    expect(lines.at(-1)).toMatch(/^\s+total\s+80\s+23,328\s+20\.3 KiB$/);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
