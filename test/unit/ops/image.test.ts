import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConvLabError,
  GRAY_WEIGHTS,
  IMAGE_MODES,
  loadImage,
  setAllocationLimit,
  type ImageMode,
  type LoadImageOptions,
} from '../../../kernel/src/index';
import { torchReference, type OracleCase, type OracleResult, type WireTensor } from '../../reference/torch';
import { ORACLE_TIMEOUT_MS } from '../support/sweep';

// The files are written and read back by test/reference/oracle_image.py (Pillow and a plain PNG writer).

const ROOT = resolve(__dirname, '..', '..', '..');
const NOTEBOOKS = join(ROOT, 'notebooks');

/**
 * How far jpeg-js may be from libjpeg (Pillow 13) on the same file, in [0, 1] units, per value and on average
 * over a tensor. Measured on the files below (half noise, the worst case for both): grey and 4:4:4 files differ
 * by IDCT rounding only, at most 3/255 (mean ≤ 0.56/255); 4:2:2 and 4:2:0 files also by chroma upsampling
 * (jpeg-js repeats each chroma sample, libjpeg interpolates: "fancy upsampling"), up to 73/255 at single noisy
 * pixels (mean ≤ 11.3/255). On the notebooks' photo (4:2:0) see {@link PHOTO_TOLERANCE}.
 */
const JPEG_TOLERANCE = { '4:4:4': { max: 4 / 255, mean: 1 / 255 }, subsampled: { max: 80 / 255, mean: 16 / 255 } };

/** jpeg-js against libjpeg on the notebooks' photo (128×85, 4:2:0): measured at most 17/255, mean 0.97/255. */
const PHOTO_TOLERANCE = { max: 20 / 255, mean: 1.5 / 255 };

/** The largest and the mean absolute difference. */
function differences(got: ArrayLike<number>, want: readonly number[]): { max: number; mean: number } {
  const diffs = want.map((v, k) => Math.abs(got[k]! - v));
  return { max: Math.max(...diffs), mean: diffs.reduce((a, b) => a + b, 0) / diffs.length };
}

interface FileCase {
  label: string;
  file: string;
  oracle: OracleCase;
  jpeg?: keyof typeof JPEG_TOLERANCE;
}

let dir: string;
let cases: FileCase[];
let results: OracleResult[];

function pngCase(kind: string, height: number, width: number, seed: number): FileCase {
  const file = join(dir, `pillow-${kind}-${height}x${width}.png`);
  return { label: `Pillow PNG ${kind} ${height}×${width}`, file, oracle: { op: 'image_png', tensors: {}, options: { path: file, kind, height, width, seed } } };
}

function plainCase(channels: number, depth: number, interlace: boolean, height: number, width: number, seed: number): FileCase {
  const name = `plain-c${channels}-d${depth}${interlace ? '-adam7' : ''}-${height}x${width}`;
  const file = join(dir, `${name}.png`);
  return {
    label: `PNG ${channels} channels, ${depth}-bit${interlace ? ', interlaced' : ''}, ${height}×${width}`,
    file,
    oracle: { op: 'image_plain_png', tensors: {}, options: { path: file, channels, depth, interlace, height, width, seed } },
  };
}

function jpegCase(options: { gray?: boolean; progressive?: boolean; subsampling?: number }, height: number, width: number, seed: number): FileCase {
  const { gray = false, progressive = false, subsampling = 2 } = options;
  const sampling = gray ? '' : ['-444', '-422', '-420'][subsampling];
  const name = `jpeg${gray ? '-gray' : ''}${progressive ? '-progressive' : ''}${sampling}-${height}x${width}`;
  const file = join(dir, `${name}.jpg`);
  return {
    label: `JPEG ${name.slice(5)}`,
    file,
    oracle: { op: 'image_jpeg', tensors: {}, options: { path: file, gray, progressive, subsampling, height, width, seed } },
    jpeg: gray || subsampling === 0 ? '4:4:4' : 'subsampled',
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'convlab-image-'));
  const sizes: [number, number][] = [[1, 1], [5, 7], [13, 3], [16, 16]];
  cases = [];
  let seed = 1;
  for (const kind of ['gray', 'gray_alpha', 'rgb', 'rgba', 'gray16', 'palette', 'palette_alpha', 'gray_key', 'rgb_key']) {
    for (const [h, w] of sizes) cases.push(pngCase(kind, h, w, seed++));
  }
  for (const channels of [1, 2, 3, 4]) {
    for (const depth of [8, 16]) {
      for (const interlace of [false, true]) {
        for (const [h, w] of [[1, 1], [9, 11], [3, 17]] as const) cases.push(plainCase(channels, depth, interlace, h, w, seed++));
      }
    }
  }
  for (const depth of [1, 2, 4]) {
    for (const interlace of [false, true]) cases.push(plainCase(1, depth, interlace, 9, 11, seed++));
  }
  seed = 1000; // the JPEG files' own seeds: their measured differences do not move when PNG cases are added
  for (const progressive of [false, true]) {
    for (const [h, w] of [[1, 1], [9, 11], [16, 16], [23, 37]] as const) {
      cases.push(jpegCase({ gray: true, progressive }, h, w, seed++));
      for (const subsampling of [0, 1, 2]) cases.push(jpegCase({ progressive, subsampling }, h, w, seed++));
    }
  }
  results = torchReference(cases.map((c) => c.oracle));
}, ORACLE_TIMEOUT_MS);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function outputs(result: OracleResult | undefined, label: string): Record<ImageMode, WireTensor> {
  if (result === undefined || 'error' in result) throw new Error(`${label}: the oracle failed: ${result && 'error' in result ? result.error : 'no result'}`);
  if (!('outputs' in result)) throw new Error(`${label}: the oracle returned one tensor`);
  return result.outputs as Record<ImageMode, WireTensor>;
}

describe('loadImage', () => {
  it('reads every PNG colour type and depth exactly as Pillow, or as written (16-bit colour, 1/2/4-bit grey, Adam7)', () => {
    let compared = 0;
    cases.forEach((c, i) => {
      if (c.jpeg) return;
      const expected = outputs(results[i], c.label);
      const colour = (expected.unchanged.shape[1] ?? 0) >= 3;
      for (const mode of IMAGE_MODES) {
        const got = loadImage(c.file, { mode });
        const want = expected[mode];
        expect([...got.shape], `${c.label} ${mode}: shape`).toEqual(want.shape);
        if (mode === 'gray' && colour) {
          // Grey from colour: the same formula, rounded to float32 once here and in a different order there.
          want.data.forEach((v, k) => expect(Math.abs(got.data[k]! - v), `${c.label} gray value ${k}`).toBeLessThan(1e-6));
        } else {
          // Samples divided by their maximum: exactly the float32 of the true quotient.
          expect(got.data, `${c.label} ${mode}`).toEqual(Float32Array.from(want.data));
        }
        compared += 1;
      }
    });
    expect(compared).toBe(4 * cases.filter((c) => !c.jpeg).length);
  });

  it('reads baseline and progressive JPEGs (grey, 4:4:4, 4:2:2, 4:2:0, sizes that end mid-block) as libjpeg within the measured tolerance', () => {
    let largest = { '4:4:4': 0, subsampled: 0 };
    for (const [i, c] of cases.entries()) {
      if (!c.jpeg) continue;
      const expected = outputs(results[i], c.label);
      for (const mode of IMAGE_MODES) {
        const got = loadImage(c.file, { mode });
        const want = expected[mode];
        expect([...got.shape], `${c.label} ${mode}: shape`).toEqual(want.shape);
        const { max, mean } = differences(got.data, want.data);
        largest = { ...largest, [c.jpeg]: Math.max(largest[c.jpeg], max) };
        const tolerance = JPEG_TOLERANCE[c.jpeg];
        expect(max, `${c.label} ${mode}: largest difference`).toBeLessThanOrEqual(tolerance.max);
        expect(mean, `${c.label} ${mode}: mean difference`).toBeLessThanOrEqual(tolerance.mean);
      }
    }
    // The tolerance is not so loose that nothing is measured: decoders do differ on these files.
    expect(largest['4:4:4']).toBeGreaterThan(0);
    expect(largest.subsampled).toBeGreaterThan(JPEG_TOLERANCE['4:4:4'].max);
  });

  it("the notebooks' photo as JPEG: as libjpeg decodes it, within the tolerance measured on it", () => {
    const path = join(NOTEBOOKS, 'images', 'chelsea.jpg');
    const expected = outputs(torchReference([{ op: 'image_read', tensors: {}, options: { path } }])[0], 'chelsea.jpg');
    for (const mode of IMAGE_MODES) {
      const got = loadImage(path, { mode });
      expect([...got.shape]).toEqual(expected[mode].shape);
      const { max, mean } = differences(got.data, expected[mode].data);
      expect(max, mode).toBeLessThanOrEqual(PHOTO_TOLERANCE.max);
      expect(mean, mode).toBeLessThanOrEqual(PHOTO_TOLERANCE.mean);
    }
  }, ORACLE_TIMEOUT_MS);

  it('reads the format from the first bytes, not the name', () => {
    const png = cases.find((c) => c.label.startsWith('Pillow PNG rgb 5×7'))!;
    const jpeg = cases.find((c) => c.jpeg === '4:4:4' && c.label.endsWith('444-9x11'))!;
    const swappedPng = join(dir, 'really-a-png.jpg');
    const swappedJpeg = join(dir, 'really-a-jpeg.png');
    writeFileSync(swappedPng, readFileSync(png.file));
    writeFileSync(swappedJpeg, readFileSync(jpeg.file));
    expect(loadImage(swappedPng).data).toEqual(loadImage(png.file).data);
    expect(loadImage(swappedJpeg).data).toEqual(loadImage(jpeg.file).data);
  });

  it("grey from colour uses torchvision's rgb_to_grayscale weights: pure red, green, blue and white", () => {
    // A 1×4 RGB PNG written by pngjs' encoder: red, green, blue and white pixels.
    const image = new PNG({ width: 4, height: 1, colorType: 2, inputColorType: 2 });
    image.data = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
    const file = join(dir, 'primaries.png');
    writeFileSync(file, PNG.sync.write(image, { colorType: 2, inputColorType: 2 }));
    expect([...loadImage(file).data]).toEqual([1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1]);
    // White is 0.9999, not 1: the weights are torchvision's, whose red is truncated to 0.2989.
    expect(loadImage(file, { mode: 'gray' }).data).toEqual(Float32Array.from([0.2989, 0.587, 0.114, 0.2989 + 0.587 + 0.114]));
    expect([...GRAY_WEIGHTS]).toEqual([0.2989, 0.587, 0.114]);
  });

  it("the doc comment's example: the notebooks' cat, relative to the notebook folder, as PNG and as JPEG", () => {
    const cwd = process.cwd();
    process.chdir(NOTEBOOKS);
    try {
      const cat = loadImage('images/chelsea.png');
      expect(cat.shape).toEqual([1, 3, 85, 128]);
      expect(cat.data[0]).toBe(Math.fround(145 / 255));
      expect(cat.data[0]!.toPrecision(7)).toBe('0.5686275');
      expect([...IMAGE_MODES]).toEqual(['unchanged', 'gray', 'rgb', 'rgba']);
      expect(loadImage('images/chelsea.png', { mode: 'gray' }).shape).toEqual([1, 1, 85, 128]);
      const jpeg = loadImage('images/chelsea.jpg', { mode: 'rgba' });
      expect(jpeg.shape).toEqual([1, 4, 85, 128]);
      // The JPEG is the same picture: close on average, and its alpha is opaque.
      const colour = jpeg.data.subarray(0, 3 * 85 * 128);
      const mean = colour.reduce((sum, v, k) => sum + Math.abs(v - cat.data[k]!), 0) / colour.length;
      expect(mean).toBeLessThan(0.03);
      expect(jpeg.data.subarray(3 * 85 * 128).every((v) => v === 1)).toBe(true);
      expect(Math.min(...cat.data)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...cat.data)).toBeLessThanOrEqual(1);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('loadImage errors', () => {
  const message = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ConvLabError);
      return (error as Error).message;
    }
    throw new Error('no error was thrown');
  };

  it('a missing file: the absolute path, and the folder a relative path starts from', () => {
    const text = message(() => loadImage('images/no-such-cat.png'));
    expect(text).toContain(`loadImage: path expected an existing file, got no file at ${resolve('images/no-such-cat.png')}`);
    expect(text).toContain(`hint: relative paths start from the current folder ${process.cwd()}`);
    expect(message(() => loadImage(dir))).toMatch(/^loadImage: path expected a file, got a folder or device at /);
  });

  it('not an image: the first bytes, and the format named where it is a known other one', () => {
    const text = join(dir, 'notes.png');
    writeFileSync(text, 'hello, world\n');
    expect(message(() => loadImage(text))).toContain('got a file starting 68 65 6c 6c 6f 2c 20 77 ("hello, w")');
    const gif = join(dir, 'anim.png');
    writeFileSync(gif, Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'));
    expect(message(() => loadImage(gif))).toMatch(/got a GIF file starting 47 49 46 38 39 61 01 00 .*hint: convert it to PNG first/);
    const empty = join(dir, 'empty.png');
    writeFileSync(empty, '');
    expect(message(() => loadImage(empty))).toContain('got an empty file');
  });

  it('a truncated or damaged PNG, a truncated JPEG: the decoder says what is wrong, as a ConvLab error', () => {
    const png = readFileSync(cases.find((c) => c.label.startsWith('Pillow PNG rgb 16×16'))!.file);
    const truncated = join(dir, 'truncated.png');
    writeFileSync(truncated, png.subarray(0, png.length - 30));
    expect(message(() => loadImage(truncated))).toMatch(/^loadImage: path expected a readable PNG file, got ".*" from the decoder in .*truncated\.png; hint: the file may be truncated/);
    const damaged = Buffer.from(png);
    damaged[30] ^= 0xff; // the header chunk's checksum (pngjs stops there; its message names the unread rest)
    const flipped = join(dir, 'damaged.png');
    writeFileSync(flipped, damaged);
    expect(message(() => loadImage(flipped))).toMatch(/^loadImage: path expected a readable PNG file, got ".+" from the decoder in .*damaged\.png/);
    const headerOnly = join(dir, 'header-only.png');
    writeFileSync(headerOnly, png.subarray(0, 20));
    expect(message(() => loadImage(headerOnly))).toContain('no IHDR header after the signature');
    const jpeg = readFileSync(cases.find((c) => c.jpeg && c.label.endsWith('420-16x16'))!.file);
    const cut = join(dir, 'cut.jpg');
    writeFileSync(cut, jpeg.subarray(0, 40));
    expect(message(() => loadImage(cut))).toMatch(/expected a readable JPEG file, got/);
  });

  it('a huge declared size is refused from the header, before any decoder allocates', () => {
    // A PNG header claiming 100000×100000 RGBA, and no image data: refused by the allocation limit.
    const png = Buffer.from(readFileSync(cases.find((c) => c.label.startsWith('Pillow PNG rgba 5×7'))!.file));
    png.writeUInt32BE(100_000, 16);
    png.writeUInt32BE(100_000, 20);
    const hugePng = join(dir, 'huge.png');
    writeFileSync(hugePng, png);
    expect(message(() => loadImage(hugePng))).toMatch(/^loadImage: shape expected at most 2147483648 bytes .*got \[1,4,100000,100000\] = 40000000000 values/);
    // A JPEG frame header claiming 65535×65535.
    const jpeg = Buffer.from(readFileSync(cases.find((c) => c.jpeg === '4:4:4' && c.label.endsWith('444-16x16'))!.file));
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(65535, sof + 5);
    jpeg.writeUInt16BE(65535, sof + 7);
    const hugeJpeg = join(dir, 'huge.jpg');
    writeFileSync(hugeJpeg, jpeg);
    expect(message(() => loadImage(hugeJpeg))).toMatch(/^loadImage: shape expected at most .*got \[1,\d,65535,65535\]/);
    // The limit is the library's: lowering it refuses the notebooks' cat.
    const previous = setAllocationLimit(1024);
    try {
      expect(message(() => loadImage(join(NOTEBOOKS, 'images', 'chelsea.png')))).toContain('got [1,3,85,128] = 32640 values');
    } finally {
      setAllocationLimit(previous);
    }
  });

  it('an interlaced PNG whose data inflates past its declared size is refused, without inflating it all', () => {
    // 1×1 grey, interlaced, with 200 MB of zeros deflated into its data (about 200 KB on disk): pngjs bounds the
    // inflated size of non-interlaced files only.
    const crc = (data: Buffer): number => {
      let c = ~0;
      for (const byte of data) {
        c ^= byte;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
      }
      return ~c >>> 0;
    };
    const chunk = (type: string, data: Buffer): Buffer => {
      const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
      const out = Buffer.alloc(body.length + 8);
      out.writeUInt32BE(data.length, 0);
      body.copy(out, 4);
      out.writeUInt32BE(crc(body), body.length + 4);
      return out;
    };
    const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 1]);
    const bomb = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.alloc(200 * 2 ** 20))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    const file = join(dir, 'bomb.png');
    writeFileSync(file, bomb);
    expect(message(() => loadImage(file))).toMatch(
      /^loadImage: path expected a readable PNG file, got image data inflating past the 20 bytes an interlaced 1×1 image holds in .*bomb\.png/,
    );
  });

  it('options: unknown keys and modes are refused with a suggestion', () => {
    const cat = join(NOTEBOOKS, 'images', 'chelsea.png');
    expect(message(() => loadImage(cat, { mdoe: 'rgb' } as LoadImageOptions))).toMatch(/^loadImage: options expected only the keys mode, got the unknown key 'mdoe'; hint: did you mean 'mode'\?/);
    expect(message(() => loadImage(cat, { mode: 'RGB' as ImageMode }))).toMatch(/^loadImage: options\.mode expected one of 'unchanged', 'gray', 'rgb', 'rgba', got 'RGB'/);
    expect(message(() => loadImage(cat, { mode: 'grey' as ImageMode }))).toContain("got 'grey'");
    expect(message(() => loadImage(42 as unknown as string))).toMatch(/^loadImage: path expected the path of a PNG or JPEG file, got number/);
  });
});
