/**
 * `loadImage`: a PNG or JPEG file as a tensor `[1, C, H, W]` of values in [0, 1], as torchvision's `read_image`
 * followed by `convert_image_dtype(…, torch.float32)` for the file's own channels and `'rgb'`/`'rgba'`; `'gray'`
 * applies `rgb_to_grayscale`'s weights to the [0, 1] values (torchvision's own grey read rounds to 8 bits).
 * The tests compare the decoded samples with Pillow's; the channel conversions follow these written rules.
 *
 * The decoders are npm's (pngjs, jpeg-js); this module only reads the file's header first, so that a file
 * declaring a huge image is refused before any decoder allocates, and turns the decoders' interleaved samples
 * into channel planes.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { fail, ConvLabError } from '../errors';
import { allocationLimit, checkAllocation, checkOptionKeys } from '../shapes';
import { Tensor } from '../tensor';

/**
 * Which channels {@link loadImage} returns, by torchvision's `ImageReadMode` names: `'unchanged'` the file's own
 * (grey 1, grey + alpha 2, RGB 3, RGBA 4), `'gray'` 1, `'rgb'` 3, `'rgba'` 4.
 */
export type ImageMode = 'unchanged' | 'gray' | 'rgb' | 'rgba';

/**
 * Every {@link ImageMode}, in the order messages list them.
 * @example IMAGE_MODES; // ['unchanged', 'gray', 'rgb', 'rgba']
 */
export const IMAGE_MODES: readonly ImageMode[] = ['unchanged', 'gray', 'rgb', 'rgba'];

/** Options of {@link loadImage}. */
export interface LoadImageOptions {
  /** The channels to return; default `'unchanged'`. */
  mode?: ImageMode;
}

/** The keys {@link LoadImageOptions} accepts (the run-time check of checkOptionKeys). */
const LOAD_IMAGE_OPTION_KEYS = ['mode'] as const;

/**
 * The weights of R, G and B in `'gray'` mode: torchvision's `rgb_to_grayscale` (ITU-R 601 luma, with red
 * truncated to 0.2989 as there), applied to the [0, 1] values, so white becomes 0.9999, not 1.
 * @example GRAY_WEIGHTS; // [0.2989, 0.587, 0.114]
 */
export const GRAY_WEIGHTS = [0.2989, 0.587, 0.114] as const;

/**
 * Reads a PNG or JPEG file into a tensor `[1, C, H, W]` (batch 1, channels first, row 0 at the top) of float32
 * values in [0, 1]: 8-bit samples divided by 255, 16-bit ones by 65535, 1-, 2- and 4-bit grey by 1, 3 and 15.
 *
 * The format comes from the file's first bytes, not its name. PNG: every colour type (grey, grey + alpha,
 * palette, RGB, RGBA), bit depths 1–16, interlaced or not; a palette file's `'unchanged'` channels are its
 * colours (RGB, or RGBA when it has a transparency chunk), where torchvision returns the palette indices; the
 * single transparent colour of a grey or RGB file (its tRNS chunk) is ignored, as torchvision does. JPEG:
 * baseline and progressive (Huffman-coded; not arithmetic-coded), grey or colour (CMYK files come back as RGB).
 * No gamma, colour profile or EXIF orientation is applied.
 *
 * Conversions: `'gray'` from colour is `0.2989·R + 0.587·G + 0.114·B` on the [0, 1] values (torchvision's
 * `rgb_to_grayscale`), alpha dropped; `'rgb'` from grey repeats the grey value; `'rgba'` adds alpha 1 where the
 * file has none.
 *
 * @param path the file; a relative path starts from the current folder (a notebook's own folder when
 *   JupyterLab or nbclient runs it)
 * @returns `[1, C, H, W]`, C = 1, 2, 3 or 4 (see {@link ImageMode})
 * @example
 * // In the notebooks folder: images/chelsea.png is a 128×85 RGB photo; its top-left pixel is (145, 122, 107).
 * const cat = loadImage('images/chelsea.png');
 * cat.shape;                                               // [1, 3, 85, 128]
 * cat.data[0];                                             // 0.5686275 (145 / 255 in float32: red, row 0, col 0)
 * loadImage('images/chelsea.png', { mode: 'gray' }).shape; // [1, 1, 85, 128]
 * loadImage('images/chelsea.jpg', { mode: 'rgba' }).shape; // [1, 4, 85, 128]
 */
export function loadImage(path: string, options: LoadImageOptions = {}): Tensor {
  const op = 'loadImage';
  checkOptionKeys(op, 'options', options, LOAD_IMAGE_OPTION_KEYS);
  const mode = options.mode ?? 'unchanged';
  if (!IMAGE_MODES.includes(mode)) {
    fail({
      op,
      arg: 'options.mode',
      expected: `one of ${IMAGE_MODES.map((m) => `'${m}'`).join(', ')}`,
      actual: typeof mode === 'string' ? `'${mode}'` : String(mode),
      hint: "torchvision's ImageReadMode names in lower case: 'gray' for one channel, 'rgb' for three",
    });
  }
  const bytes = readImageFile(op, path);
  const header = readHeader(op, path, bytes);
  const channels = mode === 'unchanged' ? header.channels : MODE_CHANNELS[mode];
  // Bound the output and the decoder's own interleaved copy (4 samples a pixel) before decoding.
  const shape = [1, channels, header.height, header.width];
  checkAllocation(op, shape);
  checkAllocation(op, [1, 4, header.height, header.width]);
  return new Tensor(toPlanes(decode(op, path, bytes, header), header, mode), shape);
}

/** Channels of each mode but `'unchanged'`. */
const MODE_CHANNELS = { gray: 1, rgb: 3, rgba: 4 } as const;

/** What a file's header says, read before decoding. */
interface ImageHeader {
  format: 'PNG' | 'JPEG';
  width: number;
  height: number;
  /** The file's own channels: 1 grey, 2 grey + alpha, 3 colour, 4 colour + alpha. */
  channels: 1 | 2 | 3 | 4;
  /** The sample value of full intensity: 255, 65535, or 2^depth − 1 for 1-, 2- and 4-bit grey. */
  max: number;
}


/** The file's bytes, or a message naming the absolute path and the folder a relative one starts from. */
function readImageFile(op: string, path: string): Uint8Array {
  if (typeof path !== 'string' || path === '') {
    fail({
      op,
      arg: 'path',
      expected: 'the path of a PNG or JPEG file',
      actual: path === '' ? 'an empty string' : typeof path,
      hint: "e.g. loadImage('images/chelsea.png')",
    });
  }
  const absolute = resolve(path);
  const where = `relative paths start from the current folder ${process.cwd()} (a notebook runs in its own folder)`;
  let isFile: boolean;
  try {
    isFile = statSync(absolute).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail({
      op,
      arg: 'path',
      expected: 'an existing file',
      actual: `${code === 'ENOENT' ? 'no file' : `an unreadable path (${code ?? String(error)})`} at ${absolute}`,
      hint: where,
    });
  }
  if (!isFile) fail({ op, arg: 'path', expected: 'a file', actual: `a folder or device at ${absolute}`, hint: where });
  try {
    return readFileSync(absolute);
  } catch (error) {
    return fail({ op, arg: 'path', expected: 'a readable file', actual: `${String(error)} at ${absolute}`, hint: where });
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Other formats by their first bytes, only to name them in the message. */
const OTHER_FORMATS: readonly { name: string; test: (b: Uint8Array) => boolean }[] = [
  { name: 'GIF', test: (b) => ascii(b, 0, 4) === 'GIF8' },
  { name: 'WebP', test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP' },
  { name: 'BMP', test: (b) => ascii(b, 0, 2) === 'BM' },
  { name: 'TIFF', test: (b) => ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*' },
];

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/** The format from the magic bytes, then the size and channels from the header. */
function readHeader(op: string, path: string, bytes: Uint8Array): ImageHeader {
  if (startsWith(bytes, PNG_SIGNATURE)) return pngHeader(op, path, bytes);
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return jpegHeader(op, path, bytes);
  const first = bytes.subarray(0, 8);
  const hex = [...first].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = [...first].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  const other = OTHER_FORMATS.find((f) => f.test(bytes))?.name;
  return fail({
    op,
    arg: 'path',
    expected: 'a PNG file (first bytes 89 50 4e 47 0d 0a 1a 0a) or a JPEG file (ff d8 ff)',
    actual: bytes.length === 0 ? `an empty file ${path}` : `${other ? `a ${other} file` : 'a file'} starting ${hex} ("${text}")`,
    hint: other
      ? `convert it to PNG first, e.g. in Python: PIL.Image.open(path).save('image.png')`
      : 'the format is read from the first bytes, not the name: is this an image at all?',
  });
}

function corrupt(op: string, path: string, format: string, what: string): never {
  return fail({
    op,
    arg: 'path',
    expected: `a readable ${format} file`,
    actual: `${what} in ${path}`,
    hint: 'the file may be truncated or damaged: open it in an image viewer, or save it again',
  });
}

/** PNG colour types → channels; a palette's depends on its transparency chunk. */
const PNG_CHANNELS: Readonly<Record<number, 1 | 2 | 3 | 4>> = { 0: 1, 4: 2, 2: 3, 6: 4, 3: 3 };

/** Reads IHDR (always the first chunk) and, for a palette, whether a tRNS chunk comes before the image data. */
function pngHeader(op: string, path: string, bytes: Uint8Array): ImageHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33 || ascii(bytes, 12, 4) !== 'IHDR') corrupt(op, path, 'PNG', 'no IHDR header after the signature');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24]!;
  const colorType = bytes[25]!;
  if (width === 0 || height === 0) corrupt(op, path, 'PNG', `an image of ${width}×${height} pixels`);
  const channels = PNG_CHANNELS[colorType];
  if (channels === undefined) corrupt(op, path, 'PNG', `colour type ${colorType} (PNG defines 0, 2, 3, 4, 6)`);
  const palette = colorType === 3;
  const transparent = palette && pngChunks(bytes).some((c) => c.type === 'tRNS');
  // A palette holds 8-bit colours; other samples are stored at the file's depth (pngjs' skipRescale keeps them).
  return { format: 'PNG', width, height, channels: transparent ? 4 : channels, max: palette ? 255 : 2 ** depth - 1 };
}

/** The chunks before the first IDAT (where the ancillary chunks that matter here sit): type, start, length. */
function pngChunks(bytes: Uint8Array): { type: string; start: number; length: number }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = ascii(bytes, at + 4, 4);
    if (type === 'IDAT') break;
    chunks.push({ type, start: at, length: length + 12 });
    at += length + 12;
  }
  return chunks;
}

/** JPEG start-of-frame markers (SOF0–SOF15 less DHT C4, JPG C8 and DAC CC): they carry the size. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Walks the marker segments to the frame header: height, width and the number of components. */
function jpegHeader(op: string, path: string, bytes: Uint8Array): ImageHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) corrupt(op, path, 'JPEG', `no marker at byte ${at}`);
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // Markers without a length: TEM and the restart markers.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // scan data or the end: no frame header came first
    if (isStartOfFrame(marker)) {
      if (at + 10 > bytes.length) break;
      const height = view.getUint16(at + 5);
      const width = view.getUint16(at + 7);
      const components = bytes[at + 9]!;
      if (height === 0 || width === 0) corrupt(op, path, 'JPEG', `a frame of ${width}×${height} pixels`);
      if (components !== 1 && components !== 3 && components !== 4) {
        corrupt(op, path, 'JPEG', `${components} colour components (1 grey, 3 colour or 4 CMYK are readable)`);
      }
      return { format: 'JPEG', width, height, channels: components === 1 ? 1 : 3, max: 255 };
    }
    at += 2 + view.getUint16(at + 2);
  }
  return corrupt(op, path, 'JPEG', 'no frame header (SOF marker) before the image data');
}

/**
 * Runs the npm decoder: `width·height` pixels of 4 interleaved samples (R, G, B, A; grey repeated in R, G, B)
 * from 0 to the header's `max`. Its errors become ConvLab errors naming the file.
 */
function decode(op: string, path: string, bytes: Uint8Array, header: ImageHeader): ArrayLike<number> {
  try {
    if (header.format === 'JPEG') {
      const image = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        // jpeg-js' own limits (100 MP, 512 MB by default) would refuse images ConvLab's allocation limit allows;
        // the size was bounded above, the memory is bounded by that limit (with room for a tiny image's tables).
        maxResolutionInMP: (header.width * header.height) / 1e6 + 1,
        maxMemoryUsageInMB: Math.max(allocationLimit() / 2 ** 20, 64),
      });
      if (image.width !== header.width || image.height !== header.height) {
        corrupt(op, path, 'JPEG', `a decoded size ${image.width}×${image.height} unlike the header's`);
      }
      return image.data;
    }
    checkInflatedSize(op, path, bytes, header);
    const png = withoutColourKey(bytes);
    const image = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength), { skipRescale: true });
    // skipRescale keeps 16-bit samples (a Uint16Array) and low-depth grey as stored.
    return image.data;
  } catch (error) {
    if (error instanceof ConvLabError) throw error;
    return corrupt(op, path, header.format, `"${error instanceof Error ? error.message : String(error)}" from the decoder`);
  }
}

/** Samples per pixel of each PNG colour type (grey, RGB, palette, grey + alpha, RGBA). */
const PNG_SAMPLES: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Bounds what an interlaced PNG's image data inflates to before pngjs inflates it: pngjs limits the output of
 * a non-interlaced file to its declared size but not that of an interlaced one, so a tiny file declaring 1×1
 * pixel could inflate to gigabytes. The seven Adam7 passes hold fewer than `2·(height + 4)` rows, each a filter
 * byte and at most one full row of samples; inflating stops there (zlib's maxOutputLength), and the file is
 * reported as corrupt.
 */
function checkInflatedSize(op: string, path: string, bytes: Uint8Array, header: ImageHeader): void {
  if (bytes[28] !== 1) return;
  const bitsPerPixel = bytes[24]! * (PNG_SAMPLES[bytes[25]!] ?? 4);
  const rowBytes = 1 + Math.ceil((header.width * bitsPerPixel) / 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data: Uint8Array[] = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    if (ascii(bytes, at + 4, 4) === 'IDAT') data.push(bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length)));
    at += length + 12;
  }
  const bound = 2 * (header.height + 4) * rowBytes;
  try {
    inflateSync(Buffer.concat(data), { maxOutputLength: bound });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    corrupt(op, path, 'PNG', `image data inflating past the ${bound} bytes an interlaced ${header.width}×${header.height} image holds`);
  }
}

/**
 * The PNG without the tRNS chunk of a grey or RGB file: pngjs would zero every sample (colour included) of the
 * pixels matching that colour key, which is ignored here as torchvision ignores it. A palette's tRNS stays.
 */
function withoutColourKey(bytes: Uint8Array): Uint8Array {
  if (bytes[25] === 3) return bytes;
  const key = pngChunks(bytes).find((c) => c.type === 'tRNS');
  if (!key) return bytes;
  const out = new Uint8Array(bytes.length - key.length);
  out.set(bytes.subarray(0, key.start));
  out.set(bytes.subarray(key.start + key.length), key.start);
  return out;
}

/**
 * Interleaved RGBA samples → `[C, H, W]` planes in [0, 1] for the mode. The file's channels decide what is
 * colour and what is alpha: a grey file's R sample is its grey, a file without alpha has none to keep.
 */
function toPlanes(data: ArrayLike<number>, header: ImageHeader, mode: ImageMode): Float32Array {
  const max = header.max;
  const colour = header.channels >= 3;
  const alpha = header.channels === 2 || header.channels === 4;
  const pixels = header.width * header.height;
  const grey = (p: number): number =>
    colour
      ? (GRAY_WEIGHTS[0] * data[4 * p]! + GRAY_WEIGHTS[1] * data[4 * p + 1]! + GRAY_WEIGHTS[2] * data[4 * p + 2]!) / max
      : data[4 * p]! / max;
  const sample = (p: number, channel: number): number => data[4 * p + channel]! / max;
  const opaque = (p: number): number => (alpha ? sample(p, 3) : 1);
  // Each output channel as a function of the pixel index.
  const planes: ((p: number) => number)[] =
    mode === 'gray'
      ? [grey]
      : mode === 'unchanged' && !colour
        ? alpha
          ? [grey, opaque]
          : [grey]
        : [0, 1, 2].map((c) => (p: number) => sample(p, c));
  if (mode === 'rgba' || (mode === 'unchanged' && colour && alpha)) planes.push(opaque);
  const out = new Float32Array(planes.length * pixels);
  planes.forEach((plane, c) => {
    for (let p = 0; p < pixels; p++) out[c * pixels + p] = plane(p);
  });
  return out;
}
