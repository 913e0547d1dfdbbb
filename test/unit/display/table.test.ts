/** `table(rows, { columns })`: escaped `text/html`, aligned `text/plain`, numbers to read, clear errors. */
import { describe, expect, it } from 'vitest';
import { JUPYTER_DISPLAY, ConvLabError, table, zeros } from '../../../kernel/src/index';
import { formatColumn, formatNumber } from '../../../kernel/src/display/table';

const results = [
  { stride: 1, padding: 'valid', outShape: [1, 8, 30, 30], mean: 0.0123456, std: 2.971234 },
  { stride: 2, padding: 'same', outShape: [1, 8, 16, 16], mean: -1234.5678, std: 0.00001234 },
];

describe('formatNumber', () => {
  it.each([
    [348, '348'],
    [-7, '-7'],
    [-0, '0'],
    [2.971234, '2.971'],
    [0.0123456, '0.01235'],
    [-1234.5678, '-1235'],
    [0.5, '0.5000'],
    [0.00001234, '1.234e-5'],
    [1e-7, '1e-7'],
    [6.02e23, '6.02e23'],
    [1e20, '1e20'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('%s → %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });

  it('takes the number of significant digits', () => {
    expect(formatNumber(Math.PI, 2)).toBe('3.1');
    expect(formatNumber(Math.PI, 8)).toBe('3.1415927');
  });
});

describe('formatColumn', () => {
  it('gives a column one format, decimals enough for its smallest value, so the points line up', () => {
    expect(formatColumn([-0.1063, -0.08412, -0.1765])).toEqual(['-0.10630', '-0.08412', '-0.17650']);
    expect(formatColumn([-17.123, 18.49, 0])).toEqual(['-17.12', '18.49', '0.00']);
    expect(formatColumn([2, 0.5])).toEqual(['2.0000', '0.5000']);
  });

  it('keeps integer columns as they are, and goes to exponent form for tiny or huge values', () => {
    expect(formatColumn([1, 20, -300])).toEqual(['1', '20', '-300']);
    expect(formatColumn([1.5, 0.00001234, 0, NaN])).toEqual(['1.500e0', '1.234e-5', '0', 'NaN']);
    expect(formatColumn([1e20, 3])).toEqual(['1.000e20', '3.000e0']);
    expect(formatColumn([null, 0.5, undefined])).toEqual(['', '0.5000', '']);
  });

  it('never prints digits beyond float precision', () => {
    expect(formatColumn([0.0001, 12345.678], 17)).toEqual(['1.0000000000000000e-4', '1.2345678000000000e4']);
    expect(formatColumn([0.001, 1e13 + 0.5])).toEqual(['1.000e-3', '1.000e13']);
    expect(formatColumn([0.25, 1e6 + 0.5])).toEqual(['0.2500', '1000000.5000']);
  });
});

describe('table', () => {
  it('writes the chosen columns in order, numbers right-aligned, text left-aligned, in text/plain', () => {
    const text = table(results, { columns: ['padding', 'stride', 'outShape', 'mean'], caption: 'conv2d' }).toString();
    expect(text.split('\n')).toEqual([
      'conv2d',
      'padding  stride  outShape            mean',
      '-------  ------  -----------  -----------',
      'valid         1  [1,8,30,30]      0.01235',
      'same          2  [1,8,16,16]  -1234.56780',
    ]);
  });

  it('defaults to every field of the rows, in order of appearance', () => {
    const t = table([{ a: 1 }, { a: 2, b: 'x' }]);
    expect(t.headers).toEqual(['a', 'b']);
    expect(t.cells).toEqual([['1', ''], ['2', 'x']]);
  });

  it('takes rows of arrays, with the columns as headers', () => {
    const t = table([[1, 'one'], [2, 'two']], { columns: ['n', 'name'] });
    expect(t.headers).toEqual(['n', 'name']);
    expect(t.cells).toEqual([['1', 'one'], ['2', 'two']]);
    expect(t.numeric).toEqual([true, false]);
  });

  it('displays as text/html and text/plain, every payload string escaped', () => {
    const bundle = table([{ '<b>name</b>': '<img src=x onerror=alert(1)>', n: 1.5 }], { caption: '"A" & <B>' })[JUPYTER_DISPLAY]();
    expect(Object.keys(bundle.data).sort()).toEqual(['text/html', 'text/plain']);
    const html = bundle.data['text/html'] as string;
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<th style="text-align:left">&lt;b&gt;name&lt;/b&gt;</th>');
    expect(html).toContain('<caption style="text-align:left">&quot;A&quot; &amp; &lt;B&gt;</caption>');
    expect(html).not.toMatch(/<img|<b>/);
    expect(html).toContain('<td style="text-align:right;font-variant-numeric:tabular-nums">1.500</td>');
    expect(bundle.data['text/plain']).toContain('<img src=x onerror=alert(1)>');
  });

  it('formats a numeric column with blanks in it, the blanks kept where they are', () => {
    const t = table([{ v: 0.5 }, { v: null }, {}, { v: 0.125 }]);
    expect(t.cells).toEqual([['0.5000'], [''], [''], ['0.1250']]);
    expect(t.numeric).toEqual([true]);
  });

  it('keeps each row on one line: tabs and line breaks in text become spaces', () => {
    expect(table([{ a: 'one\ttwo\nthree', b: 1 }]).toString().split('\n')).toEqual(['a              b', '-------------  -', 'one two three  1']);
  });

  it('shows a tensor as its shape, null as blank, objects as JSON', () => {
    const t = table([{ t: zeros([1, 2, 3]), none: null, obj: { k: [1, 'a'] }, yes: true }]);
    expect(t.cells[0]).toEqual(['tensor [1,2,3]', '', '{"k":[1,"a"]}', 'true']);
  });

  it('bounds what it draws: maxRows rows with a count of the rest, long cells cut', () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({ i, text: 'x'.repeat(i === 0 ? 1000 : 1) }));
    const t = table(rows, { maxRows: 10 });
    expect(t.cells).toHaveLength(10);
    expect(t.hiddenRows).toBe(240);
    expect(t.cells[0]![1]).toHaveLength(200);
    expect(t.cells[0]![1]!.endsWith('…')).toBe(true);
    expect(t.toString()).toMatch(/… 240 more rows$/);
    expect(t[JUPYTER_DISPLAY]().data['text/html']).toContain('… 240 more rows');
  });

  it('names the op, the argument, expected and actual, and a hint on bad input', () => {
    expect(() => table(results, { columns: ['stride', 'mena' as 'mean'] })).toThrow(
      /^table: options\.columns expected names of the rows' fields \(stride, padding, outShape, mean, std\), got \["mena"\]; hint: check the spelling/,
    );
    expect(() => table('rows' as unknown as object[])).toThrow(ConvLabError);
    expect(() => table([{ a: 1 }, 5 as unknown as object])).toThrow(/table: rows\[1\] expected a record or an array, got number/);
    expect(() => table(results, { digits: 0 })).toThrow(/options\.digits expected an integer from 1 to 17, got 0/);
    expect(() => table(results, { maxRows: 1.5 })).toThrow(/options\.maxRows expected a positive integer, got 1\.5/);
  });
});
