/**
 * Pure figure builders: payload → plotly data and layout, one heatmap per map. No DOM here, so these are
 * unit-tested without a browser.
 */
import type { FeatureMap, FeatureMapPanel } from './schema';

/** Decodes a map's values into rows (row 0 first). */
export function decodeMap(map: FeatureMap): number[][] {
  const bytes = Uint8Array.from(atob(map.data), (ch) => ch.charCodeAt(0));
  const values =
    map.encoding === 'f32-base64'
      ? new Float32Array(bytes.buffer, 0, map.height * map.width)
      : Array.from(bytes, (q) => map.min + (q / 255) * (map.max - map.min));
  return Array.from({ length: map.height }, (_, r) => Array.from(values.slice(r * map.width, (r + 1) * map.width)));
}

/** A plotly heatmap trace, typed with just the fields ConvLab sets. */
export interface HeatmapTrace {
  type: 'heatmap';
  z: number[][];
  colorscale: [number, string][];
  zmin: number;
  zmax: number;
  showscale: boolean;
  xgap: number;
  ygap: number;
  hovertemplate: string;
}

/** The layout of one map's plot. */
export interface HeatmapLayout {
  width: number;
  height: number;
  margin: { l: number; r: number; t: number; b: number };
  paper_bgcolor: string;
  plot_bgcolor: string;
  font: { color: string; size: number };
  xaxis: Record<string, unknown>;
  yaxis: Record<string, unknown>;
}

/** Largest side of one map's plot, in CSS pixels. */
export const MAP_SIZE = 180;

/** Colour bounds of a panel: symmetric about 0 for a centred (signed) scale. */
export function panelRange(panel: FeatureMapPanel): [number, number] {
  if (!panel.centered) return panel.min === panel.max ? [panel.min, panel.min + 1] : [panel.min, panel.max];
  const bound = Math.max(Math.abs(panel.min), Math.abs(panel.max)) || 1;
  return [-bound, bound];
}

/**
 * The figure of one map: a heatmap with row 0 at the top, square cells, and a hover that names the map, the
 * (row, col) and the value.
 */
export function heatmapFigure(
  panel: FeatureMapPanel,
  map: FeatureMap,
  textColor: string,
): { data: [HeatmapTrace]; layout: HeatmapLayout } {
  const [zmin, zmax] = panelRange(panel);
  const cell = Math.max(4, Math.floor(MAP_SIZE / Math.max(map.height, map.width, 1)));
  const gap = cell >= 16 ? 1 : 0;
  const where = map.label ? `${map.label}<br>` : '';
  return {
    data: [
      {
        type: 'heatmap',
        z: decodeMap(map),
        colorscale: panel.colorscale,
        zmin,
        zmax,
        showscale: false,
        xgap: gap,
        ygap: gap,
        hovertemplate: `${panel.role} ${where}(row %{y}, col %{x})<br>value %{z:.6g}<extra></extra>`,
      },
    ],
    layout: {
      width: cell * map.width + 8,
      height: cell * map.height + 8,
      margin: { l: 4, r: 4, t: 4, b: 4 },
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: { color: textColor, size: 11 },
      xaxis: { visible: false, constrain: 'domain', fixedrange: true },
      // Row 0 at the top, and one x unit as long as one y unit: square cells.
      yaxis: { visible: false, autorange: 'reversed', scaleanchor: 'x', constrain: 'domain', fixedrange: true },
    },
  };
}

/** A panel's caption: title and value range, e.g. `input [1,1,4,4] · 1 … 16`. */
export function panelCaption(panel: FeatureMapPanel): string {
  const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(4));
  return `${panel.title} · ${fmt(panel.min)} … ${fmt(panel.max)}`;
}
