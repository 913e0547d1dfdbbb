/** The PNG fallback: its legend (a colour bar under each panel, labelled with the scale's ends) and its size. */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { randn, tensor, tensorBundle } from '../../../kernel/src/index';
import { DIVERGING, SEQUENTIAL } from '../../../kernel/src/display/colors';
import { panelOf } from '../../../kernel/src/display/panels';
import { label, panelDrawings, renderPng } from '../../../kernel/src/display/png';

function pngOf(values: number[][]): PNG {
  return PNG.sync.read(Buffer.from(tensorBundle(tensor(values)).data['image/png'] as string, 'base64'));
}

/** The colour of the pixel at (x, y). */
function at(png: PNG, x: number, y: number): number[] {
  const offset = (y * png.width + x) * 4;
  return [png.data[offset]!, png.data[offset + 1]!, png.data[offset + 2]!];
}

describe('PNG colour bar', () => {
  it('runs the panel’s scale from end to end under the maps', () => {
    const png = pngOf([[0, 1], [2, 3]]); // 2×2 maps drawn 160 px high, from y = 8
    const barY = 8 + 160 + 6 + 2;
    expect(at(png, 8, barY)).toEqual([...SEQUENTIAL[0]![1]]);
    expect(at(png, 8 + 159, barY)).toEqual([...SEQUENTIAL[SEQUENTIAL.length - 1]![1]]);
  });

  it('is centred on white for signed data', () => {
    const png = pngOf([[-1, 1]]);
    const barY = png.height - 8 - 10 - 3 - 4;
    expect(at(png, 8, barY)).toEqual([...DIVERGING[0]![1]]);
    // The bar's middle pixel (80 of 0..159) sits half a pixel right of 0: within 2 levels of the white stop.
    at(png, 8 + 80, barY).forEach((channel) => expect(Math.abs(channel - 247)).toBeLessThanOrEqual(2));
    expect(at(png, 8 + 159, barY)).toEqual([...DIVERGING[DIVERGING.length - 1]![1]]);
  });
});

describe('label', () => {
  it('prints three significant digits in the glyphs the font has', () => {
    expect([label(0), label(16), label(-2), label(0.123456), label(-1234.5), label(123456), label(1e-5)]).toEqual([
      '0', '16', '-2', '0.123', '-1230', '1.23e+5', '1.00e-5',
    ]);
  });
});

describe('PNG size', () => {
  it('draws maps of 56 cells and more at 1 px per cell on a grid, in under 2 bytes per cell for 8-bit noise', () => {
    const drawings = panelDrawings([panelOf(randn([1, 16, 56, 56], { seed: 1 }), 'tensor').panel]);
    expect(drawings[0]).toMatchObject({ cell: 1, factor: 1 });
    const bytes = renderPng(drawings).length;
    // pngjs' defaults (adaptive filter, RLE strategy) take about 2.6 bytes per pixel on noise; filter 0 and
    // zlib's default strategy about 1.6.
    expect(bytes).toBeLessThan(2 * 16 * 56 * 56);
  });

  it('enlarges a lone small map to about 160 px', () => {
    const [drawing] = panelDrawings([panelOf(tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), 'tensor').panel]);
    expect(drawing!.cell).toBe(53);
  });
});
