/**
 * The `image/png` fallback of a feature map: the same panels as the interactive view, drawn in Node with
 * pngjs, so a notebook reads on GitHub, in nbconvert HTML and wherever the extension is absent.
 *
 * Layout: panels left to right, 24 px apart; inside a panel, maps on a near-square grid, 8 px apart; every
 * cell an integer-sized square block (square pixels, row 0 at the top), with a light grid between cells when
 * they are large enough to see. Under each panel, its colour bar with the values at its ends (and 0 in the
 * middle of a centred scale), so the picture can be read without the interactive view.
 */
import { PNG } from 'pngjs';
import { colorAt, scaleFor } from './colors';
import { valueRangeOf, type PanelValues } from './panels';

const TARGET_MAP_SIZE = 160;
const MAP_GAP = 8;
const PANEL_GAP = 24;
const MARGIN = 8;
const GRID_RGB = [224, 224, 224] as const;
const TEXT_RGB = [64, 64, 64] as const;
/** The colour bar under a panel: gap above, bar height, gap, label height (a 3×5 font drawn at 2×). */
const BAR_GAP = 6;
const BAR_HEIGHT = 8;
const LABEL_GAP = 3;
const FONT_SCALE = 2;
const LEGEND_HEIGHT = BAR_GAP + BAR_HEIGHT + LABEL_GAP + 5 * FONT_SCALE;
/** A panel is at least this wide, so its bar's labels fit. */
const MIN_PANEL_WIDTH = 96;

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

interface Placed {
  x: number;
  y: number;
  cell: number;
}

/** Renders panels into a PNG; returns its bytes. */
export function renderPng(panels: readonly PanelValues[]): Buffer {
  const layouts = panels.map((panel) => {
    const first = panel.maps[0];
    // A map with no cells (an axis of size 0, e.g. [10000000, 0]) takes no room: its other axis may be long.
    const empty = first !== undefined && first.height * first.width === 0;
    const h = empty ? 0 : (first?.height ?? 1);
    const w = empty ? 0 : (first?.width ?? 1);
    const cell = Math.max(1, Math.floor(TARGET_MAP_SIZE / Math.max(h, w, 1)));
    const columns = Math.max(1, Math.ceil(Math.sqrt(panel.maps.length)));
    const rowsOfMaps = Math.max(1, Math.ceil(panel.maps.length / columns));
    return {
      cell,
      columns,
      width: Math.max(MIN_PANEL_WIDTH, columns * w * cell + (columns - 1) * MAP_GAP),
      height: rowsOfMaps * h * cell + (rowsOfMaps - 1) * MAP_GAP,
    };
  });
  const width = MARGIN * 2 + layouts.reduce((sum, l) => sum + l.width, 0) + PANEL_GAP * Math.max(0, panels.length - 1);
  const mapsHeight = Math.max(1, ...layouts.map((l) => l.height));
  const height = MARGIN * 2 + mapsHeight + LEGEND_HEIGHT;
  const png = new PNG({ width, height });
  png.data.fill(255);

  let panelX = MARGIN;
  panels.forEach((panel, p) => {
    const layout = layouts[p]!;
    const [min, max] = valueRangeOf(panel.maps.map((m) => m.values));
    const scale = scaleFor(min, max);
    panel.maps.forEach((map, m) => {
      if (map.height * map.width === 0) return;
      const place: Placed = {
        x: panelX + (m % layout.columns) * (map.width * layout.cell + MAP_GAP),
        y: MARGIN + Math.floor(m / layout.columns) * (map.height * layout.cell + MAP_GAP),
        cell: layout.cell,
      };
      for (let r = 0; r < map.height; r++) {
        for (let c = 0; c < map.width; c++) {
          const rgb = colorAt(scale.stops, scale.position(map.values[r * map.width + c] ?? 0));
          fillCell(png, place, r, c, rgb);
        }
      }
    });
    drawLegend(png, panelX, MARGIN + mapsHeight + BAR_GAP, layout.width, min, max);
    panelX += layout.width + PANEL_GAP;
  });
  return PNG.sync.write(png);
}

function fillCell(png: PNG, place: Placed, r: number, c: number, rgb: readonly number[]): void {
  const grid = place.cell >= 12;
  for (let dy = 0; dy < place.cell; dy++) {
    for (let dx = 0; dx < place.cell; dx++) {
      const onGrid = grid && (dx === 0 || dy === 0);
      setPixel(png, place.x + c * place.cell + dx, place.y + r * place.cell + dy, onGrid ? GRID_RGB : rgb);
    }
  }
}

/** The colour bar of a panel and its labels: its two ends, and 0 in the middle of a centred scale. */
function drawLegend(png: PNG, x: number, y: number, width: number, min: number, max: number): void {
  const scale = scaleFor(min, max);
  const bound = Math.max(Math.abs(min), Math.abs(max));
  const [low, high] = scale.centered ? [-bound, bound] : [min, max];
  for (let dx = 0; dx < width; dx++) {
    const rgb = colorAt(scale.stops, width > 1 ? dx / (width - 1) : 0);
    for (let dy = 0; dy < BAR_HEIGHT; dy++) setPixel(png, x + dx, y + dy, rgb);
  }
  const labelY = y + BAR_HEIGHT + LABEL_GAP;
  drawText(png, x, labelY, label(low));
  const right = label(high);
  drawText(png, x + width - textWidth(right), labelY, right);
  if (scale.centered) drawText(png, x + Math.floor((width - textWidth('0')) / 2), labelY, '0');
}

function drawText(png: PNG, x: number, y: number, text: string): void {
  [...text].forEach((ch, i) => {
    GLYPHS[ch]!.forEach((bits, row) => {
      for (let col = 0; col < 3; col++) {
        if (!((bits >> (2 - col)) & 1)) continue;
        for (let sy = 0; sy < FONT_SCALE; sy++) {
          for (let sx = 0; sx < FONT_SCALE; sx++) {
            setPixel(png, x + (i * 4 + col) * FONT_SCALE + sx, y + row * FONT_SCALE + sy, TEXT_RGB);
          }
        }
      }
    });
  });
}

function setPixel(png: PNG, x: number, y: number, rgb: readonly number[]): void {
  if (x < 0 || y < 0 || x >= png.width || y >= png.height) return;
  const offset = (y * png.width + x) * 4;
  png.data[offset] = rgb[0]!;
  png.data[offset + 1] = rgb[1]!;
  png.data[offset + 2] = rgb[2]!;
  png.data[offset + 3] = 255;
}
