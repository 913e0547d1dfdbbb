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
import type { FeatureMapWindow } from '@convlab/protocol';
import { escapeHtml } from './html';
import { legendBarPng, legendValues, tilePng, type PanelDrawing } from './png';

/** What a feature map is of: the op (or `'tensor'`, or a `show` title), its backend and its window. */
export interface FeatureMapSource {
  op: string;
  backend: string;
  window?: FeatureMapWindow | undefined;
}

/** Maps per row of a panel's table. */
const TABLE_COLUMNS = 8;
/** The colour bar image's width in px. */
const BAR_WIDTH = 160;

/** A number as the legend and footer print it: 4 significant digits. @example formatNumber(0.111111); // '0.1111' */
export function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}

const dataUri = (png: Buffer): string => `data:image/png;base64,${png.toString('base64')}`;

/**
 * The labelled static figure of laid-out panels ({@link panelDrawings}, the same as the `image/png` figure's).
 *
 * @example
 * featureMapHtml(panelDrawings([panelOf(tensor([[1, 2], [3, 4]]), 'tensor').panel]), { op: 'tensor', backend: 'cpu' }, []);
 * // '<div class="convlab-static"><p><b>tensor</b> on cpu</p>…<b>tensor [2,2]</b>…<img src="data:image/png;base64,…" width="160" height="160" alt="">…1 … 4 (dark … yellow)…</div>'
 */
export function featureMapHtml(drawings: readonly PanelDrawing[], source: FeatureMapSource, notes: readonly string[]): string {
  const cells = drawings.map((drawing) => `<td valign="top">${panelHtml(drawing, source.window)}</td>`).join('');
  return (
    '<div class="convlab-static">' +
    `<p><b>${escapeHtml(source.op)}</b> on ${escapeHtml(source.backend)}</p>` +
    `<table><tr>${cells}</tr></table>` +
    footerHtml(source.window, notes) +
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
      if (!png) return `<td align="center">${caption} (no cells)</td>`;
      // The PNG header holds the size: width at byte 16, height at 20.
      const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
      return `<td align="center"><img src="${dataUri(png)}" width="${width}" height="${height}" alt="${text}"><br>${caption}</td>`;
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
    `<b>${escapeHtml(panel.title)}</b>` +
    `<table>${rows.join('')}</table>` +
    legendHtml(drawing) +
    (said.length > 0 ? `<br><small>${said.join('; ')}</small>` : '')
  );
}

function legendHtml(drawing: PanelDrawing): string {
  const values = legendValues(drawing.scale, drawing.min, drawing.max).map(formatNumber);
  const { constant, centered } = drawing.scale;
  const words = constant ? `all ${values[0]}` : `${values.join(' … ')} (${centered ? 'blue … white … red' : 'dark … yellow'})`;
  return `<img src="${dataUri(legendBarPng(drawing, BAR_WIDTH))}" width="${BAR_WIDTH}" height="8" alt="colour bar"><br><small>${words}</small>`;
}

function footerHtml(window: FeatureMapWindow | undefined, notes: readonly string[]): string {
  const parts: string[] = [];
  if (window) {
    const axes = (values: readonly number[]): string => values.join('×');
    parts.push(
      `kernel ${axes(window.kernel)}`,
      `stride ${axes(window.stride)}`,
      `dilation ${axes(window.dilation)}`,
      `padding ${window.padding.map(([before, after]) => `[${before}, ${after}]`).join(' ')} ${escapeHtml(window.paddingMode ?? 'zeros')}`,
      `groups ${window.groups}`,
    );
    if (window.bias) parts.push(`bias ${window.bias.length > 8 ? `(${window.bias.length} values)` : window.bias.map(formatNumber).join(', ')}`);
    if (window.power !== undefined) parts.push(`p ${formatNumber(window.power)}`);
  }
  const notesHtml = notes.length > 0 ? `<ul>${notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>` : '';
  return (parts.length > 0 ? `<p><small>${parts.join(' · ')}</small></p>` : '') + notesHtml;
}
