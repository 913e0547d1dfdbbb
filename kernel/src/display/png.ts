/**
 * The `image/png` fallback of a feature map: the same panels as the interactive view, drawn in Node with
 * pngjs, so a notebook reads on GitHub, in nbconvert HTML and wherever the extension is absent.
 *
 * Layout: panels left to right, 24 px apart; inside a panel, maps on a near-square grid, 8 px apart; every
 * cell an integer-sized square block (square pixels, row 0 at the top), with a light grid between cells when
 * they are large enough to see.
 */
import { PNG } from 'pngjs';
import { colorAt, scaleFor } from './colors';
import { valueRange, type PanelValues } from './panels';

const TARGET_MAP_SIZE = 160;
const MAP_GAP = 8;
const PANEL_GAP = 24;
const MARGIN = 8;
const GRID_RGB = [224, 224, 224] as const;

interface Placed {
  x: number;
  y: number;
  cell: number;
}

/** Renders panels into a PNG; returns its bytes. */
export function renderPng(panels: readonly PanelValues[]): Buffer {
  const layouts = panels.map((panel) => {
    const first = panel.maps[0];
    const h = first?.height ?? 1;
    const w = first?.width ?? 1;
    const cell = Math.max(1, Math.floor(TARGET_MAP_SIZE / Math.max(h, w, 1)));
    const columns = Math.max(1, Math.ceil(Math.sqrt(panel.maps.length)));
    const rowsOfMaps = Math.max(1, Math.ceil(panel.maps.length / columns));
    return {
      cell,
      columns,
      width: columns * w * cell + (columns - 1) * MAP_GAP,
      height: rowsOfMaps * h * cell + (rowsOfMaps - 1) * MAP_GAP,
    };
  });
  const width = MARGIN * 2 + layouts.reduce((sum, l) => sum + l.width, 0) + PANEL_GAP * Math.max(0, panels.length - 1);
  const height = MARGIN * 2 + Math.max(1, ...layouts.map((l) => l.height));
  const png = new PNG({ width, height });
  png.data.fill(255);

  let panelX = MARGIN;
  panels.forEach((panel, p) => {
    const layout = layouts[p]!;
    const [min, max] = valueRange(panel.maps.flatMap((m) => Array.from(m.values)));
    const scale = scaleFor(min, max);
    panel.maps.forEach((map, m) => {
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
    panelX += layout.width + PANEL_GAP;
  });
  return PNG.sync.write(png);
}

function fillCell(png: PNG, place: Placed, r: number, c: number, rgb: readonly number[]): void {
  const grid = place.cell >= 12;
  for (let dy = 0; dy < place.cell; dy++) {
    for (let dx = 0; dx < place.cell; dx++) {
      const onGrid = grid && (dx === 0 || dy === 0);
      const color = onGrid ? GRID_RGB : rgb;
      const offset = ((place.y + r * place.cell + dy) * png.width + place.x + c * place.cell + dx) * 4;
      png.data[offset] = color[0]!;
      png.data[offset + 1] = color[1]!;
      png.data[offset + 2] = color[2]!;
      png.data[offset + 3] = 255;
    }
  }
}
