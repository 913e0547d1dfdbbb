/**
 * The canvas heatmap's pure half (extension/src/heatmap.ts): the grid a map is drawn on (the DOM contract's
 * geometry and the canvas cap), the colour scale, and the picture — one colour per drawn cell, padding cells
 * coloured by what they hold. Painting itself needs a real canvas: the widget tests record it, the browser
 * tests look at its pixels.
 */
import { describe, expect, it } from 'vitest';
import { paddingCell } from '../../../extension/src/figure';
import {
  backingScale,
  CANVAS_CAP,
  CELL,
  colourOf,
  darkTextOn,
  gridOf,
  MAX_PIXELS,
  parseColour,
  rgbPicture,
  scalarPicture,
  type MapGrid,
  type Rgb,
} from '../../../extension/src/heatmap';

const GREY: Rgb = [200, 200, 200];
const BLACK_WHITE: [number, string][] = [
  [0, '#000000'],
  [1, '#ffffff'],
];
const none = { pad: (): { source: null; constant: null } => ({ source: null, constant: null }) };

function grid(height: number, width: number, padding: [[number, number], [number, number]] = [[0, 0], [0, 0]], side = 96): MapGrid {
  const g = gridOf(height, width, padding, side);
  if (typeof g === 'string') throw new Error(g);
  return g;
}

/** The picture's pixels as `[r, g, b]` per drawn cell, row-major. */
const pixels = (rgba: Uint8ClampedArray): Rgb[] =>
  Array.from({ length: rgba.length / 4 }, (_, i) => [rgba[i * 4]!, rgba[i * 4 + 1]!, rgba[i * 4 + 2]!]);

describe('gridOf', () => {
  it('gives floor(side / longer side) px per cell, padding counted, at least 2 px (the doc examples)', () => {
    expect(gridOf(4, 4, [[1, 1], [1, 1]], 120)).toEqual({ cell: 20, top: 1, left: 1, rows: 6, cols: 6, height: 4, width: 4 });
    expect(gridOf(56, 56, [[0, 0], [0, 0]], 96)).toEqual({ cell: 2, top: 0, left: 0, rows: 56, cols: 56, height: 56, width: 56 });
    // Asymmetric padding: [[top, bottom], [left, right]].
    expect(gridOf(3, 5, [[0, 2], [1, 0]], 60)).toEqual({ cell: 10, top: 0, left: 1, rows: 5, cols: 6, height: 3, width: 5 });
    // Readable: a map of at most 16 cells a side gets cells its numbers fit in; a larger one does not.
    expect(gridOf(4, 4, [[2, 2], [2, 2]], 96, true)).toEqual({ cell: 18, top: 2, left: 2, rows: 8, cols: 8, height: 4, width: 4 });
    expect(gridOf(17, 17, [[0, 0], [0, 0]], 96, true)).toMatchObject({ cell: 5 });
  });

  it('never lets a side pass the cap: cells shrink to 1 px, then the grid is refused with its size', () => {
    const tall = grid(3000, 1, [[0, 0], [0, 0]], 96);
    expect(gridOf(2048, 2048, [[0, 0], [0, 0]], 96)).toMatchObject({ cell: 2, rows: 2048 });
    expect(gridOf(2049, 2048, [[0, 0], [0, 0]], 96)).toBe('a 2049 × 2048 grid is too large to draw (at most 4194304 cells)');
    expect(tall.cell).toBe(1);
    expect(tall.cell * tall.rows).toBeLessThanOrEqual(CANVAS_CAP);
    expect(gridOf(5000, 1, [[0, 0], [0, 0]], 96)).toBe('a 5000 × 1 grid is too large to draw (at most 4096 cells a side)');
    // A crafted padding of 20000 around a 28×28 map.
    expect(gridOf(28, 28, [[20000, 20000], [20000, 20000]], 96)).toMatch(/^a 40028 × 40028 grid is too large to draw/);
  });

  it('backing store: the screen ratio, lowered so no side passes the cap (the doc examples)', () => {
    expect(backingScale({ cell: 20, rows: 6, cols: 6 } as MapGrid, 2)).toBe(2);
    expect(backingScale({ cell: 2, rows: 4000, cols: 10 } as MapGrid, 2)).toBe(0.512);
    expect(backingScale({ cell: 20, rows: 6, cols: 6 } as MapGrid, 0)).toBe(1);
    expect(backingScale({ cell: 2, rows: 1024, cols: 1024 } as MapGrid, 2)).toBe(1);
    // The area cap: 1000 × 500 CSS px at ratio 3 would be 4.5 M pixels.
    const scale = backingScale({ cell: 10, rows: 50, cols: 100 } as MapGrid, 3);
    expect(1000 * scale * 500 * scale).toBeCloseTo(MAX_PIXELS, 0);
  });
});

describe('colours', () => {
  it('parses the colour forms CSS variables hold', () => {
    expect(parseColour('#fff')).toEqual([255, 255, 255]);
    expect(parseColour(' #BDBDBD ')).toEqual([189, 189, 189]);
    expect(parseColour('#11223380')).toEqual([17, 34, 51]);
    expect(parseColour('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
    expect(parseColour('rgba(10 20 30 / 0.5)')).toEqual([10, 20, 30]);
    expect(parseColour('var(--x)')).toBeUndefined();
  });

  it('interpolates linearly between the stops and clamps outside the range (the doc example)', () => {
    expect(colourOf(BLACK_WHITE, 5, [0, 10])).toEqual([128, 128, 128]);
    const three: [number, string][] = [
      [0, '#000000'],
      [0.5, '#ff0000'],
      [1, '#ffffff'],
    ];
    // A quarter of the way: half way from black to red.
    expect(colourOf(three, 25, [0, 100])).toEqual([128, 0, 0]);
    expect(colourOf(three, 75, [0, 100])).toEqual([255, 128, 128]);
    expect(colourOf(three, -5, [0, 100])).toEqual([0, 0, 0]);
    expect(colourOf(three, 500, [0, 100])).toEqual([255, 255, 255]);
    // A one-value range: the middle of the scale.
    expect(colourOf(three, 7, [7, 7])).toEqual([255, 0, 0]);
  });

  it('chooses black text on light cells and white on dark ones', () => {
    expect(darkTextOn(253, 231, 37)).toBe(true); // viridis' yellow
    expect(darkTextOn(68, 1, 84)).toBe(false); // viridis' purple
    expect(darkTextOn(247, 247, 247)).toBe(true);
  });
});

describe('scalarPicture', () => {
  it('colours each cell by its value (the doc example: one column of reflect padding copies column 1)', () => {
    const picture = scalarPicture(grid(1, 2, [[0, 0], [1, 0]], 30), Float32Array.of(0, 10), BLACK_WHITE, [0, 10], () => ({ source: [0, 1], constant: null }), {
      empty: GREY,
    });
    expect(Array.from(picture.rgba)).toEqual([255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255]);
    expect(Array.from(picture.kinds)).toEqual([CELL.paddingValue, CELL.value, CELL.value]);
    expect(Array.from(picture.values!)).toEqual([10, 0, 10]);
  });

  it('reflect padding of 2 around the 4×4 image 1…16: each padding cell wears the colour of the cell it copies', () => {
    const values = Float32Array.from({ length: 16 }, (_, i) => i + 1);
    const g = grid(4, 4, [[2, 2], [2, 2]]);
    const picture = scalarPicture(g, values, BLACK_WHITE, [1, 16], (r, c) => paddingCell('reflect', r, c, 4, 4), { empty: GREY });
    const px = pixels(picture.rgba);
    // np.pad reflect on a length-4 axis: −2 → 2, −1 → 1, 4 → 2, 5 → 1.
    const reflect = (i: number): number => (i < 0 ? -i : i > 3 ? 6 - i : i);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const [r, c] = [reflect(y - 2), reflect(x - 2)];
        expect(px[y * 8 + x], `drawn cell (${y}, ${x})`).toEqual(colourOf(BLACK_WHITE, 1 + 4 * r + c, [1, 16]));
        expect(picture.values![y * 8 + x]).toBe(1 + 4 * r + c);
      }
    }
    expect(picture.kinds.filter((k) => k === CELL.paddingValue)).toHaveLength(64 - 16);
  });

  it('zero padding is drawn in the colour of 0; padding that holds nothing, and NaN, in the theme grey', () => {
    const stops: [number, string][] = [
      [0, '#2166ac'],
      [0.5, '#f7f7f7'],
      [1, '#b2182b'],
    ];
    const zeros = scalarPicture(grid(1, 1, [[0, 0], [1, 0]]), Float32Array.of(2), stops, [-2, 2], (r, c) => paddingCell('zeros', r, c, 1, 1), {
      empty: GREY,
    });
    expect(pixels(zeros.rgba)).toEqual([
      [247, 247, 247],
      [178, 24, 43],
    ]);
    const maxPool = scalarPicture(grid(1, 1, [[0, 0], [1, 0]]), Float32Array.of(2), stops, [-2, 2], (r, c) => paddingCell('-inf', r, c, 1, 1), {
      empty: GREY,
    });
    expect(pixels(maxPool.rgba)[0]).toEqual(GREY);
    expect(maxPool.kinds[0]).toBe(CELL.paddingEmpty);
    expect(Number.isNaN(maxPool.values![0])).toBe(true);
    const nan = scalarPicture(grid(1, 2), Float32Array.of(NaN, 1), BLACK_WHITE, [0, 1], none.pad, { empty: GREY });
    expect(pixels(nan.rgba)).toEqual([GREY, [255, 255, 255]]);
    expect(Array.from(nan.kinds)).toEqual([CELL.nan, CELL.value]);
  });
});

describe('rgbPicture', () => {
  it('takes red, green and blue from three maps in [0, 1], clamped (the doc example)', () => {
    expect(Array.from(rgbPicture(grid(1, 1), [[1], [0.5], [0]], none.pad, { empty: GREY }).rgba)).toEqual([255, 128, 0, 255]);
    expect(pixels(rgbPicture(grid(1, 2), [[2, NaN], [-1, 0], [0.2, 0]], none.pad, { empty: GREY }).rgba)).toEqual([[255, 0, 51], GREY]);
  });

  it('padding copies its source pixel; a constant is grey', () => {
    const picture = rgbPicture(grid(1, 2, [[0, 0], [1, 1]]), [[0, 1], [0, 1], [1, 0]], (r, c) => paddingCell('replicate', r, c, 1, 2), { empty: GREY });
    expect(pixels(picture.rgba)).toEqual([
      [0, 0, 255],
      [0, 0, 255],
      [255, 255, 0],
      [255, 255, 0],
    ]);
    const constant = rgbPicture(grid(1, 1, [[0, 0], [0, 1]]), [[0], [0], [0]], (r, c) => paddingCell('constant 0.5', r, c, 1, 1), { empty: GREY });
    expect(pixels(constant.rgba)[1]).toEqual([128, 128, 128]);
  });
});
