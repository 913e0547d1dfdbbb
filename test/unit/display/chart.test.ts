import { describe, expect, it } from 'vitest';
import { lineChart, JUPYTER_DISPLAY } from '../../../kernel/src/index';
import { MAX_POINTS } from '../../../kernel/src/display/chart';
import { validateBundle } from '../../../kernel/src/display/display';

/** The numbers of an SVG polyline's `points`, as [x, y] pairs. */
function polylines(svg: string): [number, number][][] {
  return [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) =>
    m[1]!.split(' ').map((pair) => pair.split(',').map(Number) as [number, number]),
  );
}

describe('lineChart', () => {
  it('the doc example: its text summary', () => {
    expect(lineChart({ loss: [2.3, 1.1, 0.6, 0.4] }, { title: 'training loss', xLabel: 'batch' }).toString()).toBe(
      'training loss\nloss: 4 steps, first 2.300, last 0.4000, min 0.4000, max 2.300',
    );
  });

  it('draws a falling series falling: y grows downward in SVG, x grows with the step', () => {
    const svg = lineChart({ loss: [4, 3, 2, 1] }).toSvg();
    const [line] = polylines(svg);
    expect(line).toHaveLength(4);
    const xs = line!.map(([x]) => x);
    const ys = line!.map(([, y]) => y);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
    expect(new Set(xs).size).toBe(4);
  });

  it('is a valid display bundle with SVG and text', () => {
    const bundle = validateBundle(lineChart({ a: [1, 2], b: [2, 1] })[JUPYTER_DISPLAY]());
    expect(Object.keys(bundle.data).sort()).toEqual(['image/svg+xml', 'text/plain']);
    // Two series: two lines and a legend naming both.
    const svg = bundle.data['image/svg+xml'] as string;
    expect(polylines(svg)).toHaveLength(2);
    expect(svg).toContain('>a</text>');
    expect(svg).toContain('>b</text>');
  });

  it('escapes every text: a title or series name is never markup', () => {
    const svg = lineChart({ '<script>x</script>': [1, 2] , b: [1] }, { title: '<a href="https://e.x">t</a>', yLabel: '"&' }).toSvg();
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<a ');
    expect(svg).toContain('&lt;a href=&quot;https://e.x&quot;&gt;t&lt;/a&gt;');
    expect(svg).toContain('&quot;&amp;');
  });

  it('averages a long series into at most MAX_POINTS points and says so', () => {
    const losses = Array.from({ length: 25_000 }, (_, i) => 1 / (1 + i));
    const svg = lineChart({ loss: losses }).toSvg();
    const [line] = polylines(svg);
    expect(line!.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(line!.length).toBeGreaterThan(MAX_POINTS / 2);
    expect(svg).toContain('each point: the mean of 25 steps');
  });

  it('leaves a gap at a non-finite value instead of drawing through it', () => {
    const svg = lineChart({ loss: [1, 2, NaN, 3, 4] }).toSvg();
    expect(polylines(svg).map((l) => l.length)).toEqual([2, 2]);
    expect(lineChart({ loss: [1, NaN] }).toString()).toBe('loss: 2 steps, first 1, last NaN, min 1, max 1');
  });

  it('a flat series is drawn at mid-height, not on an edge', () => {
    const svg = lineChart({ loss: [0.5, 0.5, 0.5] }, { height: 300 }).toSvg();
    const ys = polylines(svg)[0]!.map(([, y]) => y);
    const plotTop = 12;
    const plotBottom = 300 - 44;
    expect(Math.abs(ys[0]! - (plotTop + plotBottom) / 2)).toBeLessThan(1);
  });

  it('refuses what it cannot draw, with op, argument, expected, actual and a hint', () => {
    expect(() => lineChart([1, 2, 3] as unknown as Record<string, number[]>)).toThrow(
      /^lineChart: series expected an object of named series, e\.g\. \{ loss: losses \}, got an array; hint: name the line/,
    );
    expect(() => lineChart({})).toThrow(/^lineChart: series expected 1 to 8 named series.*got 0 series/);
    expect(() => lineChart({ loss: [] })).toThrow(/^lineChart: series\.loss expected an array of 1 to 10000000 numbers, got 0 values/);
    expect(() => lineChart({ loss: 5 as unknown as number[] })).toThrow(/^lineChart: series\.loss expected an array .* got number/);
    expect(() => lineChart({ loss: [1] }, { xlabel: 'batch' } as never)).toThrow(/^lineChart: options.*xlabel.*xLabel/);
    expect(() => lineChart({ loss: [1] }, { width: 1e9 })).toThrow(/^lineChart: options\.width expected a number of pixels in \[200, 4000\], got 1000000000/);
    expect(() => lineChart({ loss: [1] }, { height: '300' as unknown as number })).toThrow(
      /^lineChart: options\.height expected a number of pixels in \[200, 4000\], got "300"; hint: leave height out for the default \(300\)/,
    );
  });
});
