/** The PNG fallback's legend: a colour bar under each panel, labelled with the scale's ends. */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { tensor, tensorBundle } from '../../../kernel/src/index';
import { DIVERGING, SEQUENTIAL } from '../../../kernel/src/display/colors';
import { label } from '../../../kernel/src/display/png';

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
