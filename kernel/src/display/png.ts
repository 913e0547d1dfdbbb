/**
 * The pictures of a feature map's static fallbacks, drawn in Node: the `image/png` figure (panels
 * side by side, for viewers that show only images) and the per-map images of the `text/html` fallback
 * (figure-html.ts), so a notebook reads on GitHub, in nbconvert HTML and wherever the extension is absent.
 *
 * Layout: panels left to right, 24 px apart; inside a panel, maps on a near-square grid, 8 px apart; every
 * cell an integer-sized square block (square pixels, row 0 at the top), with a light grid between cells when
 * they are large enough to see. Small maps are enlarged (a lone 4×4 map to 160 px); maps of 56 cells and more
 * on a grid get 1 px per cell. A panel pictures its first 16 maps (`PICTURED_MAPS`; the HTML says how many there
 * are). A picture holds at most `cellBudget` cells: past it, large maps are drawn as block means (said in the HTML). An RGB image's panel starts with the colour image; an input panel shows the
 * op's padding as hatched cells around each map. Under each panel of the figure, its colour bar with the values
 * at its ends (and 0 in the middle of a centred scale; one value for a constant panel), so the picture can be
 * read without the interactive view.
 *
 * PNG choices: written here, not by a PNG library, because how the rows are filtered decides the cost. Each tile
 * is drawn once, as indices into a palette its figure shares, and copied into the `image/png` figure. A pixel row
 * equal to the one above (every row of a cell after its first) is written with PNG's Up filter, which makes it
 * zeros, and zlib's run-length strategy turns those and a cell's repeated pixels into a few bytes: a map costs
 * about what its cells cost, not its pixels. The panels of a figure share 256 colours (`levelsFor`: 247 levels for
 * one panel, 81 each for three), so a picture is written with a palette, one byte per pixel; one with more
 * colours (a colour image) is written in RGB.
 */
import type { FeatureMapWindow } from '@convlab/protocol';
import * as zlib from 'node:zlib';
import { colorAt, scaleFor, type Scale } from './colors';
import { downsampleMap } from './encode';
import { valueRangeOf, type MapValues, type PanelValues } from './panels';

const MAP_GAP = 8;
const PANEL_GAP = 24;
const MARGIN = 8;
const GRID_RGB = [224, 224, 224] as const;
const TEXT_RGB = [64, 64, 64] as const;
/** Hatching of padding cells: a dark pixel every fourth diagonal on a light ground. */
const HATCH_DARK = [150, 150, 150] as const;
const HATCH_LIGHT = [236, 236, 236] as const;
/** The colour bar under a panel: gap above, bar height, gap, label height (a 3×5 font drawn at 2×). */
const BAR_GAP = 6;
const BAR_HEIGHT = 8;
const LABEL_GAP = 3;
const FONT_SCALE = 2;
const LEGEND_HEIGHT = BAR_GAP + BAR_HEIGHT + LABEL_GAP + 5 * FONT_SCALE;
/** A panel is at least this wide, so its bar's labels fit. */
const MIN_PANEL_WIDTH = 96;
/** Maps are never reduced below this side (kernels stay exact), as in the payload's budget. */
const SMALLEST_REDUCED = 16;
/** Cells in one picture by default: the first 16 maps of a 64-channel 56×56 conv's input and output fit at full size. */
export const DEFAULT_CELL_BUDGET = 131_072;
/**
 * Maps a panel shows in the static pictures (the interactive view pages through all the payload holds): 16 maps
 * at full size read better than 64 halved, and cost a quarter to draw and encode, which is most of what showing a
 * result costs (test/bench/feature-map-bundle.cjs).
 */
export const PICTURED_MAPS = 16;

/** A 3×5 pixel font for numbers: each glyph is five rows of three bits, top row first. */
const GLYPHS: Record<string, readonly number[]> = {
  '0': [7, 5, 5, 5, 7], '1': [2, 6, 2, 2, 7], '2': [7, 1, 7, 4, 7], '3': [7, 1, 7, 1, 7], '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7], '6': [7, 4, 7, 5, 7], '7': [7, 1, 1, 1, 1], '8': [7, 5, 7, 5, 7], '9': [7, 5, 7, 1, 7],
  '-': [0, 0, 7, 0, 0], '+': [0, 2, 7, 2, 0], '.': [0, 0, 0, 0, 2], e: [0, 7, 7, 4, 7],
};

/** A bar label: 3 significant digits, as short as the font can draw. @example label(-1234.5); // '-1.23e+3' */
export function label(value: number): string {
  if (value === 0) return '0';
  const text = Math.abs(value) >= 1e-3 && Math.abs(value) < 1e4 ? String(Number(value.toPrecision(3))) : value.toExponential(2);
  return [...text].every((ch) => ch in GLYPHS) ? text : '?';
}

const textWidth = (text: string): number => text.length * 4 * FONT_SCALE - FONT_SCALE;

/** One picture in a panel: a map, or the colour image made of an RGB panel's first three maps. */
export interface Tile {
  label: string;
  height: number;
  width: number;
  /** The map drawn on the panel's scale; for a colour image, its red channel. */
  map: MapValues;
  /** Present for the colour image: the red, green and blue maps, drawn as they are (values in [0, 1]). */
  rgb?: readonly [MapValues, MapValues, MapValues];
}

/** Padding cells drawn around each map, per side. */
export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** How one panel is drawn: its tiles (reduced to the picture's budget), cell size, scale and grid. */
export interface PanelDrawing {
  panel: PanelValues;
  tiles: Tile[];
  /** Pixels per cell side. */
  cell: number;
  /** The maps were reduced by this factor for the picture (block means); 1 when every value is drawn. */
  factor: number;
  /** Padding cells around each tile (the input panel of a padded op; none once reduced). */
  padding: Padding;
  /** The panel's range and scale, over all its maps (the colour image aside). */
  min: number;
  max: number;
  scale: Scale;
  /** Colour levels the scale is drawn with: every panel of one picture shares 256 palette entries. */
  levels: number;
  /** The palette of the picture the panel belongs to, shared by its tiles and the figure they are copied into. */
  palette: Palette;
  columns: number;
  /** Size of the panel's grid of tiles in pixels. */
  width: number;
  height: number;
}

const NO_PADDING: Padding = { top: 0, bottom: 0, left: 0, right: 0 };

/**
 * The padding to hatch around an input panel's maps: the window's `[before, after]` of the last two axes (one
 * axis: columns only), when each side is no wider than the map itself (a wider one would dwarf the map; the
 * footer still says it).
 *
 * @example
 * paddingOf({ kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padding: [[1, 1], [2, 0]], groups: 1 }, 8, 8);
 * // { top: 1, bottom: 1, left: 2, right: 0 }
 */
export function paddingOf(window: FeatureMapWindow | undefined, height: number, width: number): Padding {
  const axes = window?.padding ?? [];
  if (axes.length < 1 || axes.length > 2) return NO_PADDING;
  const [top, bottom] = axes.length === 2 ? axes[0]! : [0, 0];
  const [left, right] = axes[axes.length - 1]!;
  if (Math.max(top, bottom) > height || Math.max(left, right) > width) return NO_PADDING;
  return { top, bottom, left, right };
}

/**
 * Lays out panels for one picture holding at most `cellBudget` cells: each panel's first {@link PICTURED_MAPS}
 * maps as tiles, their cell size and factor. Panels whose maps are at least 16 cells wide are reduced by 2, 4, …
 * (block means) until the picture fits.
 *
 * @example
 * panelDrawings([panelOf(zeros([1, 64, 56, 56]), 'tensor').panel], 40_000)[0].factor; // 2 (16·56² > 40 000)
 */
export function panelDrawings(
  panels: readonly PanelValues[],
  cellBudget: number = DEFAULT_CELL_BUDGET,
  window?: FeatureMapWindow,
): PanelDrawing[] {
  // Each panel's scale spans all its maps, as the interactive view's does, though only the first ones are pictured.
  const ranges = panels.map((panel) => valueRangeOf(panel.maps.map((m) => m.values)));
  panels = panels.map(picturedPart);
  // A panel's maps are reduced only when at least 16 cells wide.
  const factorOf = (panel: PanelValues, factor: number): number => {
    const first = panel.maps[0];
    return first && Math.max(first.height, first.width) >= SMALLEST_REDUCED ? factor : 1;
  };
  const paddingFor = (panel: PanelValues, factor: number): Padding => {
    const first = panel.maps[0];
    return panel.role === 'input' && factorOf(panel, factor) === 1 && first ? paddingOf(window, first.height, first.width) : NO_PADDING;
  };
  const cellsAt = (factor: number): number =>
    panels.reduce((sum, panel) => {
      const first = panel.maps[0];
      if (!first) return sum;
      const f = factorOf(panel, factor);
      const pad = paddingFor(panel, factor);
      const tiles = panel.maps.length + (panel.rgb ? 1 : 0);
      return sum + tiles * (Math.ceil(first.height / f) + pad.top + pad.bottom) * (Math.ceil(first.width / f) + pad.left + pad.right);
    }, 0);
  // Halve until the picture fits, or until halving no longer shrinks it (maps down to a cell or two).
  let factor = 1;
  while (cellsAt(factor) > cellBudget && cellsAt(factor * 2) < cellsAt(factor)) factor *= 2;
  const palette = new Palette();
  const levels = levelsFor(panels.length);
  return panels.map((panel, i) => drawingOf(panel, ranges[i]!, factorOf(panel, factor), paddingFor(panel, factor), palette, levels));
}

/**
 * Colour levels per panel when `panels` share one 256-entry palette (a few entries left for the grid, hatching,
 * text and background): an odd count, so a centred scale's middle level is its white. Below 63 levels a figure
 * of many panels is written in RGB instead (encodePng decides by the colours used).
 * @example [levelsFor(1), levelsFor(3)]; // [247, 81]
 */
function levelsFor(panels: number): number {
  const most = Math.max(63, Math.floor(248 / Math.max(1, panels)));
  return most % 2 === 1 ? most : most - 1;
}

/**
 * A panel's first {@link PICTURED_MAPS} maps, `mapCount` saying how many it has; a kernel whose filters have at
 * most 8 maps (drawn one filter per row) keeps whole filters.
 */
function picturedPart(panel: PanelValues): PanelValues {
  if (panel.maps.length <= PICTURED_MAPS) return panel;
  const perFilter = panel.role === 'kernel' && panel.shape.length === 4 ? (panel.shape[1] ?? 1) : 1;
  const count = perFilter > 1 && perFilter <= 8 ? PICTURED_MAPS - (PICTURED_MAPS % perFilter) : PICTURED_MAPS;
  return { ...panel, maps: panel.maps.slice(0, count), mapCount: panel.mapCount ?? panel.maps.length };
}

function drawingOf(panel: PanelValues, [min, max]: [number, number], factor: number, padding: Padding, palette: Palette,
  levels: number): PanelDrawing {
  const maps = factor === 1 ? panel.maps : panel.maps.map((map) => downsampleMap(map, factor, false));
  const tiles: Tile[] = maps.map((map) => ({ label: map.label, height: map.height, width: map.width, map }));
  if (panel.rgb && maps.length >= 3) {
    const [red, green, blue] = maps as [MapValues, MapValues, MapValues];
    tiles.unshift({ label: 'colour (RGB)', height: red.height, width: red.width, map: red, rgb: [red, green, blue] });
  }
  const first = tiles[0];
  // A map with no cells (an axis of size 0, e.g. [10000000, 0]) takes no room: its other axis may be long.
  const empty = first === undefined || first.height * first.width === 0;
  const rows = empty ? 0 : first.height + padding.top + padding.bottom;
  const cols = empty ? 0 : first.width + padding.left + padding.right;
  // A lone map (or a few) is enlarged to about 160 px; on a grid, maps of 56 cells and more get 1 px per cell.
  const target = tiles.length <= 4 ? 160 : 64;
  const cell = Math.max(1, Math.floor(target / Math.max(rows, cols, 1)));
  const columns = Math.max(1, Math.ceil(Math.sqrt(tiles.length)));
  const rowsOfTiles = Math.max(1, Math.ceil(tiles.length / columns));
  return {
    panel,
    tiles,
    cell,
    factor,
    padding,
    min,
    max,
    scale: scaleFor(min, max),
    levels,
    palette,
    columns,
    width: Math.max(MIN_PANEL_WIDTH, columns * cols * cell + (columns - 1) * MAP_GAP),
    height: rowsOfTiles * rows * cell + (rowsOfTiles - 1) * MAP_GAP,
  };
}

/**
 * Colours by index (0 is white, the background), registered as they are first drawn. The pictures of one set of
 * drawings share one, so a tile drawn once for the HTML is copied into the `image/png` figure as it is.
 */
export class Palette {
  /** Flat `[r, g, b, …]` per index. */
  readonly rgb: number[] = [255, 255, 255];
  private readonly indexOf = new Map<number, number>([[0xffffff, 0]]);

  /** The index of a colour, added on first use. */
  colour(r: number, g: number, b: number): number {
    const key = (r << 16) | (g << 8) | b;
    let index = this.indexOf.get(key);
    if (index === undefined) {
      index = this.rgb.length / 3;
      this.rgb.push(r, g, b);
      this.indexOf.set(key, index);
    }
    return index;
  }
}

/** A picture as palette indices, one per pixel, white where nothing is drawn. */
class Canvas {
  readonly pixels: Uint32Array;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly palette: Palette,
  ) {
    this.pixels = new Uint32Array(width * height);
  }

  set(x: number, y: number, index: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.pixels[y * this.width + x] = index;
  }

  png(): Buffer {
    return encodePng(this.width, this.height, this.pixels, this.palette.rgb);
  }
}

// A Uint8Array, not a Buffer: the library also loads in a page (a bundler's build), where Buffer is not defined.
const PNG_SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);
/** zlib's run-length strategy: matches at distance 1 only (the redundancy of filtered rows), and the fastest. Its
 * matches reach back one byte, so the smallest window (512 bytes) loses nothing and makes each of a figure's
 * many small streams (one per tile) cheaper to set up. */
const DEFLATE = { level: 6, strategy: zlib.constants?.Z_RLE, windowBits: 9 } as const;

/**
 * A PNG of palette-indexed pixels: with a palette (colour type 3) when at most 256 colours are used, else RGB
 * (colour type 2). Each row is written with the Up filter (all zeros) when it repeats the row above, else as is
 * (filter 0) with a palette, or with the Sub filter in RGB.
 *
 * @example
 * encodePng(2, 1, Uint32Array.of(0, 1), [255, 255, 255, 0, 0, 0]).subarray(1, 4).toString(); // 'PNG'
 */
export function encodePng(width: number, height: number, pixels: Uint32Array, palette: readonly number[]): Buffer {
  // A loop, not Buffer#compare: a row differs from the one above at its first pixel or repeats it whole, and
  // compare's argument checks cost more than that for the rows of a small map.
  const repeats = (y: number): boolean => {
    if (y === 0) return false;
    for (let x = y * width, end = x + width; x < end; x++) if (pixels[x] !== pixels[x - width]) return false;
    return true;
  };
  // With a palette first, its entries numbered in order of first use; past 256 colours, again in RGB.
  const compact = new Int32Array(palette.length / 3).fill(-1);
  let used = 0;
  let raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height && used <= 256; y++) {
    const out = y * (width + 1);
    if (repeats(y)) {
      raw[out] = 2; // Up: each byte minus the one above, all zeros
      continue;
    }
    for (let x = 0, row = y * width; x < width; x++) {
      const p = pixels[row + x]!;
      let entry = compact[p]!;
      if (entry < 0) entry = compact[p] = used++;
      raw[out + 1 + x] = entry;
    }
  }
  const indexed = used <= 256;
  if (!indexed) {
    const stride = width * 3 + 1;
    raw = Buffer.alloc(stride * height);
    for (let y = 0; y < height; y++) {
      const out = y * stride;
      if (repeats(y)) {
        raw[out] = 2;
        continue;
      }
      // Sub: each byte minus the one a pixel to the left, so a run of one colour is zeros, as in a palette row.
      raw[out] = 1;
      let previous = -1;
      for (let x = 0, o = out + 1, row = y * width; x < width; x++, o += 3) {
        const index = pixels[row + x]!;
        if (index === previous) continue;
        const p = index * 3;
        const q = previous * 3;
        raw[o] = palette[p]! - (previous < 0 ? 0 : palette[q]!);
        raw[o + 1] = palette[p + 1]! - (previous < 0 ? 0 : palette[q + 1]!);
        raw[o + 2] = palette[p + 2]! - (previous < 0 ? 0 : palette[q + 2]!);
        previous = index;
      }
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = indexed ? 3 : 2;
  const chunks = [chunk('IHDR', header)];
  if (indexed) {
    // A picture without pixels still needs a palette entry (PNG allows no empty PLTE).
    const plte = Buffer.alloc(Math.max(1, used) * 3, 255);
    compact.forEach((at, p) => {
      if (at >= 0) plte.set([palette[p * 3]!, palette[p * 3 + 1]!, palette[p * 3 + 2]!], at * 3);
    });
    chunks.push(chunk('PLTE', plte));
  }
  chunks.push(chunk('IDAT', zlib.deflateSync(raw, DEFLATE)), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([PNG_SIGNATURE, ...chunks]);
}

/** A PNG chunk: length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
  return out;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (PNG's, zlib's) of `bytes[start, end)`. */
function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A panel's colour levels as palette indices, each registered when first drawn: position t (0..1) on the scale is
 * drawn as level round(t · (levels − 1)).
 */
class LevelTable {
  private readonly indices: Int32Array;
  /** The top level, `levels − 1`. */
  private readonly top: number;

  constructor(private readonly drawing: PanelDrawing) {
    this.indices = new Int32Array(drawing.levels).fill(-1);
    this.top = drawing.levels - 1;
  }

  /** The palette index of position `t` on the scale (clamped to 0..1; NaN is drawn as the low end). */
  index(t: number): number {
    // round(clamp(t) · top), without calls: NaN fails the first test and lands on level 0 too.
    const y = t * this.top + 0.5;
    const level = y >= 1 ? (y < this.top + 1 ? y | 0 : this.top) : 0;
    const index = this.indices[level]!;
    return index >= 0 ? index : this.register(level);
  }

  private register(level: number): number {
    const { drawing } = this;
    const index = drawing.palette.colour(...colorAt(drawing.scale.stops, level / Math.max(1, this.top)));
    this.indices[level] = index;
    return index;
  }
}

/** Each drawing's level table, made once. */
const levelTables = new WeakMap<PanelDrawing, LevelTable>();
function levelTable(drawing: PanelDrawing): LevelTable {
  let table = levelTables.get(drawing);
  if (!table) levelTables.set(drawing, (table = new LevelTable(drawing)));
  return table;
}

/** Each tile's pixels, drawn once: the HTML's image of it and the figure's copy read the same. */
const tilePictures = new WeakMap<Tile, Uint32Array>();

/**
 * A tile's pixels (its padding included) as palette indices of its drawing's palette, `tileSize` wide and high.
 * Each row of cells is drawn once, in its first pixel row below the grid line; the cell's other pixel rows copy it
 * (a padded row, hatched along diagonals, is drawn in every pixel row).
 */
function tilePixels(drawing: PanelDrawing, tile: Tile): Uint32Array {
  const known = tilePictures.get(tile);
  if (known) return known;
  const { cell, padding, palette } = drawing;
  const { offset, slope } = drawing.scale;
  const [width, height] = tileSize(drawing, tile);
  const pixels = new Uint32Array(width * height);
  tilePictures.set(tile, pixels);
  if (width * height === 0) return pixels;
  const table = levelTable(drawing);
  const grid = cell >= 12;
  const gridIndex = palette.colour(...GRID_RGB);
  const [hatchDark, hatchLight] = [palette.colour(...HATCH_DARK), palette.colour(...HATCH_LIGHT)];
  const values = tile.map.values;
  const rgb = tile.rgb;
  const padded = padding.left + padding.right > 0;
  for (let r = -padding.top; r < tile.height + padding.bottom; r++) {
    const inRows = r >= 0 && r < tile.height;
    const top = (r + padding.top) * cell;
    for (let dy = 0; dy < cell; dy++) {
      const y = top + dy;
      const line = y * width;
      if (grid && dy === 0) {
        pixels.fill(gridIndex, line, line + width);
        continue;
      }
      // A row without padding cells repeats the pixel row above it.
      if (dy > (grid ? 1 : 0) && inRows && !padded) {
        pixels.copyWithin(line, line - width, line);
        continue;
      }
      if (cell === 1 && inRows && !padded && !rgb) {
        // A map at one pixel per cell (most maps of a bank): a pixel per value, nothing else to draw.
        for (let c = 0, i = r * tile.width; c < tile.width; c++, i++) pixels[line + c] = table.index(offset + slope * values[i]!);
        continue;
      }
      for (let c = -padding.left; c < tile.width + padding.right; c++) {
        const x = (c + padding.left) * cell;
        const start = line + x;
        if (inRows && c >= 0 && c < tile.width) {
          const i = r * tile.width + c;
          const index = rgb
            ? palette.colour(
                Math.round(clamp01(rgb[0].values[i]!) * 255),
                Math.round(clamp01(rgb[1].values[i]!) * 255),
                Math.round(clamp01(rgb[2].values[i]!) * 255),
              )
            : table.index(offset + slope * values[i]!);
          if (cell <= 4) for (let dx = 0; dx < cell; dx++) pixels[start + dx] = index;
          else pixels.fill(index, start, start + cell);
          if (grid) pixels[start] = gridIndex;
        } else {
          for (let dx = 0; dx < cell; dx++) {
            pixels[start + dx] = grid && dx === 0 ? gridIndex : (x + dx + y) % 4 === 0 ? hatchDark : hatchLight;
          }
        }
      }
    }
  }
  return pixels;
}

/** Copies a tile's pixels into the canvas with its top-left pixel at (x, y), in the canvas's palette. */
function placeTile(canvas: Canvas, x: number, y: number, drawing: PanelDrawing, tile: Tile): void {
  const [width, height] = tileSize(drawing, tile);
  if (x < 0 || y < 0 || x + width > canvas.width || y + height > canvas.height) return;
  let pixels = tilePixels(drawing, tile);
  // Drawings of another layout: their colours are registered in this canvas's palette.
  if (drawing.palette !== canvas.palette) pixels = pixels.map((p) => inPalette(canvas.palette, drawing.palette, p));
  for (let row = 0; row < height; row++) canvas.pixels.set(pixels.subarray(row * width, (row + 1) * width), (y + row) * canvas.width + x);
}

/** NaN and ±Infinity have no place on the scale: drawn as its low end, as the payload's 8-bit encoding does. */
const clamp01 = (t: number): number => (t >= 0 ? (t <= 1 ? t : 1) : 0);

/** Width and height of a tile in pixels, padding included. */
function tileSize(drawing: PanelDrawing, tile: Tile): [width: number, height: number] {
  const { cell, padding } = drawing;
  if (tile.height * tile.width === 0) return [0, 0];
  return [(tile.width + padding.left + padding.right) * cell, (tile.height + padding.top + padding.bottom) * cell];
}

/**
 * Renders laid-out panels ({@link panelDrawings}) into one PNG (the `image/png` fallback); returns its bytes.
 *
 * @example
 * PNG.sync.read(renderPng(panelDrawings([panelOf(tensor([[1, 2], [3, 4]]), 'tensor').panel]))).width; // 176 (8 + 160 + 8)
 */
export function renderPng(drawings: readonly PanelDrawing[]): Buffer {
  const width = MARGIN * 2 + drawings.reduce((sum, d) => sum + d.width, 0) + PANEL_GAP * Math.max(0, drawings.length - 1);
  const mapsHeight = Math.max(1, ...drawings.map((d) => d.height));
  const canvas = new Canvas(width, MARGIN * 2 + mapsHeight + LEGEND_HEIGHT, drawings[0]?.palette ?? new Palette());
  let panelX = MARGIN;
  for (const drawing of drawings) {
    drawing.tiles.forEach((tile, t) => {
      const [w, h] = tileSize(drawing, tile);
      if (w === 0) return;
      const x = panelX + (t % drawing.columns) * (w + MAP_GAP);
      const y = MARGIN + Math.floor(t / drawing.columns) * (h + MAP_GAP);
      placeTile(canvas, x, y, drawing, tile);
    });
    drawLegend(canvas, panelX, MARGIN + mapsHeight + BAR_GAP, drawing);
    panelX += drawing.width + PANEL_GAP;
  }
  return canvas.png();
}

/**
 * One tile as its own PNG (its padding included), for the HTML fallback's per-map images; undefined for a tile
 * without cells.
 *
 * @example
 * const [drawing] = panelDrawings([panelOf(tensor([[1, 2], [3, 4]]), 'tensor').panel]);
 * PNG.sync.read(tilePng(drawing, drawing.tiles[0])).width; // 160 (2 cells of 80 px)
 */
export function tilePng(drawing: PanelDrawing, tile: Tile): Buffer | undefined {
  const [w, h] = tileSize(drawing, tile);
  if (w * h === 0) return undefined;
  return encodePng(w, h, tilePixels(drawing, tile), drawing.palette.rgb);
}

/**
 * A panel's colour bar alone, `width × 8` px (one colour for a constant panel), for the HTML legend.
 *
 * @example
 * PNG.sync.read(legendBarPng(drawing, 160)).height; // 8
 */
export function legendBarPng(drawing: PanelDrawing, width: number): Buffer {
  const canvas = new Canvas(width, BAR_HEIGHT, drawing.palette);
  fillBar(canvas, 0, 0, width, drawing);
  return canvas.png();
}

/** A colour bar in the drawing's levels (the middle one for a constant panel), as its maps are drawn. */
function fillBar(canvas: Canvas, x: number, y: number, width: number, drawing: PanelDrawing): void {
  const table = levelTable(drawing);
  for (let dx = 0; dx < width; dx++) {
    const index = inPalette(canvas.palette, drawing.palette, table.index(drawing.scale.constant ? 0.5 : width > 1 ? dx / (width - 1) : 0));
    for (let dy = 0; dy < BAR_HEIGHT; dy++) canvas.set(x + dx, y + dy, index);
  }
}

/** Index `index` of palette `from` as an index of palette `to` (the same where a picture's panels share one). */
function inPalette(to: Palette, from: Palette, index: number): number {
  return to === from ? index : to.colour(from.rgb[index * 3]!, from.rgb[index * 3 + 1]!, from.rgb[index * 3 + 2]!);
}

/**
 * The values a panel's legend shows, left to right: the scale's ends (and 0 in the middle of a centred scale),
 * or the one value of a constant panel.
 *
 * @example
 * legendValues(scaleFor(-1, 2), -1, 2); // [-2, 0, 2]
 * legendValues(scaleFor(1, 1), 1, 1);   // [1]
 */
export function legendValues(scale: Scale, min: number, max: number): number[] {
  if (scale.constant) return [max];
  if (!scale.centered) return [min, max];
  const bound = Math.max(Math.abs(min), Math.abs(max));
  return [-bound, 0, bound];
}

/** The colour bar of a panel and its labels. */
function drawLegend(canvas: Canvas, x: number, y: number, drawing: PanelDrawing): void {
  const { scale, width } = drawing;
  fillBar(canvas, x, y, width, drawing);
  const labelY = y + BAR_HEIGHT + LABEL_GAP;
  const values = legendValues(scale, drawing.min, drawing.max).map(label);
  // Left end, right end, middle: a constant's one value sits in the middle.
  const at = (text: string, where: 'left' | 'middle' | 'right'): void =>
    drawText(canvas, where === 'left' ? x : where === 'right' ? x + width - textWidth(text) : x + Math.floor((width - textWidth(text)) / 2), labelY, text);
  if (values.length === 1) at(values[0]!, 'middle');
  else {
    at(values[0]!, 'left');
    at(values[values.length - 1]!, 'right');
    if (values.length === 3) at(values[1]!, 'middle');
  }
}

function drawText(canvas: Canvas, x: number, y: number, text: string): void {
  const ink = canvas.palette.colour(...TEXT_RGB);
  [...text].forEach((ch, i) => {
    GLYPHS[ch]!.forEach((bits, row) => {
      for (let col = 0; col < 3; col++) {
        if (!((bits >> (2 - col)) & 1)) continue;
        for (let sy = 0; sy < FONT_SCALE; sy++) {
          for (let sx = 0; sx < FONT_SCALE; sx++) {
            canvas.set(x + (i * 4 + col) * FONT_SCALE + sx, y + row * FONT_SCALE + sy, ink);
          }
        }
      }
    });
  });
}
