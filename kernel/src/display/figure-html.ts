/**
 * The `text/html` fallback of a feature map: a labelled static figure that reads in nbconvert HTML and on GitHub
 * (which strip scripts and `style`), built from the same drawings as the `image/png` figure (png.ts).
 *
 * Per panel: its title with the shape, a table of maps (each a PNG `<img>` with its label in text under it;
 * an input's padding hatched), the colour bar as an image with its numbers in text, and what the picture
 * leaves out (block means, maps not shown). Under the panels, the footer: op, backend, kernel, stride,
 * dilation, padding with its mode, groups, bias, and the notes. Every string that comes from a tensor, an
 * option or a title goes through {@link escapeHtml}; attribute values hold only numbers, data URIs made here
 * and escaped labels.
 */
import { windowParts, type FeatureMapWindow } from '@convlab/protocol';
import { escapeHtml } from './html';
import { legendBarPng, legendValues, tilePng, type PanelDrawing, type Tile } from './png';

/** What a feature map is of: the op (or `'tensor'`, or a `show` title), its backend and its window. */
export interface FeatureMapSource {
  op: string;
  backend: string;
  window?: FeatureMapWindow | undefined;
}

/**
 * A number as the legend, footer and value tables print it: an integer exactly, else 4 significant digits
 * without trailing zeros (the table module's formatNumber keeps them, for aligned columns).
 * @example formatNumber(0.111111); // '0.1111'
 * @example formatNumber(12345); // '12345'
 */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}

/** Maps per row of a panel's table. */
const TABLE_COLUMNS = 8;
/** The colour bar image's width in px. */
const BAR_WIDTH = 160;


const dataUri = (png: Buffer): string => `data:image/png;base64,${png.toString('base64')}`;

/**
 * The labelled static figure of laid-out panels ({@link panelDrawings}, the same as the `image/png` figure's).
 *
 * @example
 * featureMapHtml(panelDrawings([panelOf(tensor([[1, 2], [3, 4]]), 'tensor').panel]), { op: 'tensor', backend: 'cpu' }, []);
 * // '<div class="convlab-static"><p><b>tensor</b> on cpu</p>…<b>tensor [2,2]</b>…<img src="data:image/png;base64,…" width="160" height="160" alt="">…1 … 4 (dark … yellow)…</div>'
 */
export function featureMapHtml(drawings: readonly PanelDrawing[], source: FeatureMapSource, notes: readonly string[]): string {
  // Panels top-aligned: `valign` where styles are stripped (GitHub), the style where notebook HTML would override it.
  const cells = drawings.map((drawing) => `<td valign="top" style="vertical-align: top">${panelHtml(drawing, source.window)}</td>`).join('');
  return (
    '<div class="convlab-static">' +
    `<p><b>${escapeHtml(source.op)}</b> on ${escapeHtml(source.backend)}</p>` +
    `<table><tr>${cells}</tr></table>` +
    footerHtml(source, notes) +
    '</div>'
  );
}

function panelHtml(drawing: PanelDrawing, window: FeatureMapWindow | undefined): string {
  const { panel, tiles } = drawing;
  // A kernel's filters one per row (its input channels across) when they fit; else rows of 8 maps.
  const inChannels = panel.role === 'kernel' && panel.shape.length === 4 ? (panel.shape[1] ?? 0) : 0;
  const columns = inChannels > 1 && inChannels <= TABLE_COLUMNS ? inChannels : TABLE_COLUMNS;
  const rows: string[] = [];
  for (let start = 0; start < tiles.length; start += columns) {
    const row = tiles.slice(start, start + columns).map((tile) => {
      const png = tilePng(drawing, tile);
      const text = escapeHtml(tile.label);
      // Non-breaking spaces: a label stays on one line under its map.
      const caption = `<small>${text.replace(/ /g, '&nbsp;')}</small>`;
      // `div align`: notebook HTML styles right-align table cells, and a presentational hint on the block itself
      // wins over what it would inherit (GitHub keeps `align`, and strips `style`).
      if (!png) return `<td><div align="center">${caption} (no cells)</div></td>`;
      // The PNG header holds the size: width at byte 16, height at 20.
      const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
      const picture = `<img src="${dataUri(png)}" width="${width}" height="${height}" alt="${text}">`;
      return `<td valign="top"><div align="center">${picture}<br>${caption}${valuesHtml(drawing, tile)}</div></td>`;
    });
    rows.push(`<tr>${row.join('')}</tr>`);
  }
  const said: string[] = [];
  if (drawing.factor > 1) said.push(`pictures: means of ${drawing.factor}×${drawing.factor} blocks`);
  const { top, bottom, left, right } = drawing.padding;
  if (top + bottom + left + right > 0) said.push(`hatched: padding (${escapeHtml(window?.paddingMode ?? 'zeros')})`);
  const shown = panel.maps.length;
  const total = panel.mapCount ?? shown;
  if (total > shown) said.push(`first ${shown} of ${total} maps`);
  return (
    '<div align="center">' +
    `<b>${escapeHtml(panel.title)}</b>` +
    `<table>${rows.join('')}</table>` +
    legendHtml(drawing) +
    (said.length > 0 ? `<br><small>${said.join('; ')}</small>` : '') +
    '</div>'
  );
}

/**
 * Maps this small (cells a side), in panels of at most this many maps, have their values written under the
 * picture: a reader without hover can check a sum. Larger banks stay pictures (their numbers would crowd out the
 * pictures' share of the output's size).
 */
const VALUES_MAX_SIDE = 8;
const VALUES_MAX_MAPS = 16;

/**
 * The values of a small map (of a panel of few maps) as a table of numbers under its picture, so that the static figure teaches with
 * numbers too (notebook 00's `1·1 + 2·2 + … = 348` can be checked on paper); nothing for larger maps, colour
 * images or block means.
 */
function valuesHtml(drawing: PanelDrawing, tile: Tile): string {
  const { map } = tile;
  // A bank is judged by its size, not by the part pictured.
  const maps = drawing.panel.mapCount ?? drawing.tiles.length;
  if (tile.rgb || drawing.factor > 1 || map.height === 0 || map.width === 0 || maps > VALUES_MAX_MAPS) return '';
  if (map.height > VALUES_MAX_SIDE || map.width > VALUES_MAX_SIDE) return '';
  const rows: string[] = [];
  for (let r = 0; r < map.height; r++) {
    const cells = Array.from(map.values.subarray(r * map.width, (r + 1) * map.width), (v) => `<td><small>${formatNumber(v)}</small></td>`);
    rows.push(`<tr>${cells.join('')}</tr>`);
  }
  return `<table>${rows.join('')}</table>`;
}

function legendHtml(drawing: PanelDrawing): string {
  const values = legendValues(drawing.scale, drawing.min, drawing.max).map(formatNumber);
  const { constant, centered } = drawing.scale;
  const words = constant ? `all ${values[0]}` : `${values.join(' … ')} (${centered ? 'blue … white … red' : 'dark … yellow'})`;
  return `<img src="${dataUri(legendBarPng(drawing, BAR_WIDTH))}" width="${BAR_WIDTH}" height="8" alt="colour bar"><br><small>${words}</small>`;
}

function footerHtml(source: FeatureMapSource, notes: readonly string[]): string {
  const parts = source.window ? windowParts(source.op, source.window) : [];
  const bias = source.window?.bias;
  if (bias) parts.push(`bias ${bias.length > 8 ? `(${bias.length} values)` : bias.map(formatNumber).join(', ')}`);
  // The cell `explore`'s step-through focuses (the interactive view outlines it and its window).
  const focus = source.window?.focus;
  if (focus) parts.push(`focus: output ${focus.length === 2 ? `(row ${focus[0]}, col ${focus[1]})` : `(${focus.join(', ')})`}`);
  const notesHtml = notes.length > 0 ? `<ul>${notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>` : '';
  return (parts.length > 0 ? `<p><small>${escapeHtml(parts.join(' · '))}</small></p>` : '') + notesHtml;
}
