/**
 * The pictures of a feature map's static fallbacks, drawn in Node with pngjs: the `image/png` figure (panels
 * side by side, for viewers that show only images) and the per-map images of the `text/html` fallback
 * (figure-html.ts), so a notebook reads on GitHub, in nbconvert HTML and wherever the extension is absent.
 *
 * Layout: panels left to right, 24 px apart; inside a panel, maps on a near-square grid, 8 px apart; every
 * cell an integer-sized square block (square pixels, row 0 at the top), with a light grid between cells when
 * they are large enough to see. Small maps are enlarged (a lone 4×4 map to 160 px); maps of 56 cells and more
 * on a grid get 1 px per cell. A picture holds at most `cellBudget` cells: past it, large maps are drawn as
 * block means (said in the HTML). An RGB image's panel starts with the colour image; an input panel shows the
 * op's padding as hatched cells around each map. Under each panel of the figure, its colour bar with the values
 * at its ends (and 0 in the middle of a centred scale; one value for a constant panel), so the picture can be
 * read without the interactive view.
 *
 * PNG choices (measured on 8-bit noise, the hard case): filter 0 and zlib's default strategy give 1.6 bytes per
 * pixel, against 2.6 with pngjs' defaults (adaptive filter, RLE strategy), in less time.
 */
import type { FeatureMapWindow } from '@convlab/protocol';
import { PNG } from 'pngjs';
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
/** Cells in one picture by default: a 64-channel 56×56 pair of panels fits at half size. */
export const DEFAULT_CELL_BUDGET = 131_072;
const PNG_OPTIONS = { colorType: 2, inputColorType: 2, inputHasAlpha: false, filterType: 0, deflateLevel: 6, deflateStrategy: 0 } as const;

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
 * Lays out panels for one picture holding at most `cellBudget` cells: each panel's tiles, cell size and factor.
 * Panels whose maps are at least 16 cells wide are reduced by 2, 4, … (block means) until the picture fits.
 *
 * @example
 * panelDrawings([panelOf(zeros([1, 64, 56, 56]), 'tensor').panel], 100_000)[0].factor; // 2 (64·56² > 100 000)
 */
export function panelDrawings(
  panels: readonly PanelValues[],
  cellBudget: number = DEFAULT_CELL_BUDGET,
  window?: FeatureMapWindow,
): PanelDrawing[] {
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
  return panels.map((panel) => drawingOf(panel, factorOf(panel, factor), paddingFor(panel, factor)));
}

function drawingOf(panel: PanelValues, factor: number, padding: Padding): PanelDrawing {
  const maps = factor === 1 ? panel.maps : panel.maps.map((map) => downsampleMap(map, factor));
  const [min, max] = valueRangeOf(panel.maps.map((m) => m.values));
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
    columns,
    width: Math.max(MIN_PANEL_WIDTH, columns * cols * cell + (columns - 1) * MAP_GAP),
    height: rowsOfTiles * rows * cell + (rowsOfTiles - 1) * MAP_GAP,
  };
}

/** An RGB pixel buffer (3 bytes per pixel, white), written as a PNG with {@link PNG_OPTIONS}. */
class Canvas {
  readonly data: Buffer;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = Buffer.alloc(width * height * 3, 255);
  }

  set(x: number, y: number, r: number, g: number, b: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const offset = (y * this.width + x) * 3;
    this.data[offset] = r;
    this.data[offset + 1] = g;
    this.data[offset + 2] = b;
  }

  png(): Buffer {
    const png = new PNG({ width: this.width, height: this.height, ...PNG_OPTIONS });
    png.data = this.data;
    return PNG.sync.write(png, PNG_OPTIONS);
  }
}

/** 256 colours of a scale, 3 bytes each: value v is drawn as entry round(position(v) · 255). */
function colorTable(scale: Scale): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) table.set(colorAt(scale.stops, i / 255), i * 3);
  return table;
}

/** Draws a tile (and its padding) with its top-left padding cell at (x, y). */
function drawTile(canvas: Canvas, x: number, y: number, drawing: PanelDrawing, tile: Tile, table: Uint8Array): void {
  const { cell, padding, scale } = drawing;
  const grid = cell >= 12;
  const values = tile.map.values;
  const rgb = tile.rgb;
  for (let r = -padding.top; r < tile.height + padding.bottom; r++) {
    for (let c = -padding.left; c < tile.width + padding.right; c++) {
      const inside = r >= 0 && r < tile.height && c >= 0 && c < tile.width;
      let red = 0;
      let green = 0;
      let blue = 0;
      if (inside && rgb) {
        const i = r * tile.width + c;
        red = Math.round(clamp01(rgb[0].values[i]!) * 255);
        green = Math.round(clamp01(rgb[1].values[i]!) * 255);
        blue = Math.round(clamp01(rgb[2].values[i]!) * 255);
      } else if (inside) {
        const entry = Math.round(clamp01(scale.offset + scale.slope * values[r * tile.width + c]!) * 255) * 3;
        red = table[entry]!;
        green = table[entry + 1]!;
        blue = table[entry + 2]!;
      }
      const left = x + (c + padding.left) * cell;
      const top = y + (r + padding.top) * cell;
      for (let dy = 0; dy < cell; dy++) {
        for (let dx = 0; dx < cell; dx++) {
          const px = left + dx;
          const py = top + dy;
          if (grid && (dx === 0 || dy === 0)) canvas.set(px, py, GRID_RGB[0], GRID_RGB[1], GRID_RGB[2]);
          else if (inside) canvas.set(px, py, red, green, blue);
          else if ((px + py) % 4 === 0) canvas.set(px, py, HATCH_DARK[0], HATCH_DARK[1], HATCH_DARK[2]);
          else canvas.set(px, py, HATCH_LIGHT[0], HATCH_LIGHT[1], HATCH_LIGHT[2]);
        }
      }
    }
  }
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
  const canvas = new Canvas(width, MARGIN * 2 + mapsHeight + LEGEND_HEIGHT);
  let panelX = MARGIN;
  for (const drawing of drawings) {
    const table = colorTable(drawing.scale);
    drawing.tiles.forEach((tile, t) => {
      const [w, h] = tileSize(drawing, tile);
      if (w === 0) return;
      const x = panelX + (t % drawing.columns) * (w + MAP_GAP);
      const y = MARGIN + Math.floor(t / drawing.columns) * (h + MAP_GAP);
      drawTile(canvas, x, y, drawing, tile, table);
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
  const canvas = new Canvas(w, h);
  drawTile(canvas, 0, 0, drawing, tile, colorTable(drawing.scale));
  return canvas.png();
}

/**
 * A panel's colour bar alone, `width × 8` px (one colour for a constant panel), for the HTML legend.
 *
 * @example
 * PNG.sync.read(legendBarPng(drawing, 160)).height; // 8
 */
export function legendBarPng(drawing: PanelDrawing, width: number): Buffer {
  const canvas = new Canvas(width, BAR_HEIGHT);
  fillBar(canvas, 0, 0, width, drawing.scale);
  return canvas.png();
}

function fillBar(canvas: Canvas, x: number, y: number, width: number, scale: Scale): void {
  for (let dx = 0; dx < width; dx++) {
    const [r, g, b] = colorAt(scale.stops, scale.constant ? 0.5 : width > 1 ? dx / (width - 1) : 0);
    for (let dy = 0; dy < BAR_HEIGHT; dy++) canvas.set(x + dx, y + dy, r, g, b);
  }
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
  fillBar(canvas, x, y, width, scale);
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
  [...text].forEach((ch, i) => {
    GLYPHS[ch]!.forEach((bits, row) => {
      for (let col = 0; col < 3; col++) {
        if (!((bits >> (2 - col)) & 1)) continue;
        for (let sy = 0; sy < FONT_SCALE; sy++) {
          for (let sx = 0; sx < FONT_SCALE; sx++) {
            canvas.set(x + (i * 4 + col) * FONT_SCALE + sx, y + row * FONT_SCALE + sy, TEXT_RGB[0], TEXT_RGB[1], TEXT_RGB[2]);
          }
        }
      }
    });
  });
}
