/**
 * The feature-map widget: validates the payload, then draws each map on a `<canvas>` (./heatmap.ts), panels
 * side by side (input | kernel | output) in one row that scrolls sideways, under one toolbar (colour range,
 * values written in cells, map size) and one pager that turns the pages of all panels together.
 *
 * Hovering a cell fills one DOM tooltip (text through `textContent` only: nothing from a payload reaches an
 * HTML or template parser) with what `hoverInfo` says, and outlines the cells it names. The DOM is the
 * renderer's contract with the browser tests (extension/README.md lists it; test/e2e/featuremap-helpers.ts reads it):
 * `canvas.convlab-heatmap` carries its grid in `data-cell`, `data-top`, `data-left`, `data-rows`, `data-cols`
 * and the outlined cells in `data-highlight`; the root carries `data-rendered` and `data-draw-ms`.
 *
 * plotly is gone: a page of a hundred maps drew in about a second as plotly heatmaps, and its hover templates
 * parsed payload text; a canvas per map draws such a page in milliseconds.
 */
import { validateFeatureMap, type FeatureMap, type FeatureMapPanel, type FeatureMapPayload } from '@convlab/protocol';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { element, errorMessage, themeColor } from './dom';
import {
  cellText,
  colorRange,
  focusInfo,
  footerText,
  hoverInfo,
  legendOf,
  MAP_SIZES,
  mapValues,
  NORMALISATIONS,
  NOT_SENT_LINE,
  paddingCell,
  pageLayout,
  panelCaption,
  panelPadding,
  type MapSizeName,
  type Normalisation,
} from './figure';
import {
  backingScale,
  drawPicture,
  gridOf,
  NUMBERS_MAX_SIDE,
  NUMBERS_MIN_CELL,
  parseColour,
  rgbPicture,
  scalarPicture,
  sizeCanvas,
  type HighlightCell,
  type MapGrid,
  type Picture,
  type PictureTheme,
} from './heatmap';
import { changedKeys, scaleStops, viewSettings, type Stops, type ViewSettings } from './view-settings';
import { exactIndex, ExactValues } from './exact-values';

/** Maps a kernel filter's input channels are laid out in one row; more wrap into a compact sub-grid. */
const KERNEL_ROW_MAX = 8;


/** What hovering a cell shows: the tooltip's lines, the cells to outline per map, the maps to mark. */
type HoverInfo = NonNullable<ReturnType<typeof hoverInfo>>;

/** One drawn map: its canvas and grid, its cached picture, and the cells it outlines now. */
interface DrawnMap {
  panel: number;
  /** Map index in its panel, or `'rgb'` for the colour image of an RGB panel. */
  map: number | 'rgb';
  box: HTMLElement;
  canvas: HTMLCanvasElement;
  grid: MapGrid;
  picture: Picture | undefined;
  highlight: HighlightCell[];
}

/** The theme's colours, read from JupyterLab's CSS variables at draw time. */
interface Theme extends PictureTheme {
  outline: string;
  gridLine: string;
  font: string;
}

const keyOf = (panel: number, map: number | 'rgb'): string => `${panel}:${map}`;
const cellsText = (cells: readonly HighlightCell[]): string => cells.map(({ r, c }) => `${r},${c}`).join(';');

/** Renders `application/vnd.convlab.featuremap.v1+json`. */
export class FeatureMapWidget extends Widget implements IRenderMime.IRenderer {
  private payload: FeatureMapPayload | undefined;
  private mode: Normalisation = 'layer';
  private size: MapSizeName = 'm';
  private numbers = false;
  private page = 0;
  private drawn: DrawnMap[] = [];
  /** The panels' nodes that change with the options: legend and map grid. */
  private panelNodes: { legend: HTMLElement; maps: HTMLElement }[] = [];
  private panelsRow: HTMLElement | undefined;
  private pager: HTMLElement | undefined;
  private tooltip: HTMLElement | undefined;
  /** The hovered cell's own tooltip lines, and the exact value the kernel sent for it (ConvLab plugin). */
  private tipLines: string[] = [];
  private exactLine: string | undefined;
  private readonly exact = new ExactValues();
  /** Stops following the user's view settings (extension/src/view-settings.ts) once detached. */
  private unfollow: (() => void) | undefined;
  /** The settings this view last took: what a change (or a re-attach after one) is compared with. */
  private followed: Readonly<ViewSettings> = viewSettings.get();
  /** The focus cell's caption (`window.focus`), and what it outlines: shown without a hover, back after one. */
  private focusLine: HTMLElement | undefined;
  private focus: HoverInfo | null = null;
  /** `panel:map:r:c` of the cell under the pointer, so a move within one cell does no work. */
  private hovered = '';
  private theme: Theme | undefined;
  /** Redraws when the user switches JupyterLab's theme: the canvases' colours are read from CSS at draw time. */
  private readonly themeWatch = new MutationObserver(() => {
    this.theme = undefined;
    this.repaint();
  });

  constructor(private readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass('convlab-featuremap');
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-name'] });
    this.unfollow = viewSettings.subscribe((settings, previous) => this.follow(settings, previous));
    // Settings changed while this view was detached (e.g. its notebook in a background tab): catch up now.
    const now = viewSettings.get();
    if (now !== this.followed) this.follow(now, this.followed);
  }

  protected override onBeforeDetach(msg: Message): void {
    this.themeWatch.disconnect();
    this.unfollow?.();
    this.exact.cancel();
    super.onBeforeDetach(msg);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const checked = validateFeatureMap(model.data[this.options.mimeType]);
    this.node.textContent = '';
    delete this.node.dataset['rendered'];
    this.payload = undefined;
    this.drawn = [];
    if (!checked.ok) {
      this.node.appendChild(errorMessage('feature map', checked.error));
      return;
    }
    // A new model starts from the defaults (the user's settings), so the same model always renders the same DOM.
    const payload = checked.value;
    this.payload = payload;
    this.followed = viewSettings.get();
    this.mode = this.followed.normalisation;
    this.size = this.followed.mapSize;
    this.page = 0;
    this.hovered = '';
    this.numbers = payload.panels.every((panel) => {
      const [[top, bottom], [left, right]] = panelPadding(payload, panel);
      return panel.maps.every((m) => m.height + top + bottom <= NUMBERS_MAX_SIDE && m.width + left + right <= NUMBERS_MAX_SIDE);
    });
    try {
      this.build(payload);
    } catch (error) {
      // Not silent: the reader sees why, and the console keeps the stack.
      console.error('ConvLab: drawing a feature map failed', error);
      this.node.textContent = '';
      this.node.appendChild(errorMessage('feature map', error instanceof Error ? error.message : String(error)));
    }
  }

  /** The whole view: toolbar, pager, panels (caption, legend, maps), footer, tooltip. */
  private build(payload: FeatureMapPayload): void {
    this.panelsRow = element('div', 'convlab-panels');
    this.panelNodes = payload.panels.map((panel) => {
      const box = element('figure', `convlab-panel convlab-panel-${panel.role}`);
      const legend = element('div', 'convlab-legend');
      const maps = element('div', 'convlab-maps');
      box.append(element('figcaption', 'convlab-caption', panelCaption(panel)), legend, maps);
      this.panelsRow!.appendChild(box);
      return { legend, maps };
    });
    this.tooltip = element('div', 'convlab-tooltip');
    this.tooltip.hidden = true;
    this.pager = undefined;
    this.focus = null;
    this.focusLine = payload.window?.focus ? element('div', 'convlab-focus') : undefined;
    const focusLine = this.focusLine ? [this.focusLine] : [];
    this.node.append(this.toolbar(), this.panelsRow, ...focusLine, element('div', 'convlab-footer', footerText(payload)), this.tooltip);
    this.legends();
    this.arrange();
  }

  /** The colour-range, values and size controls. */
  private toolbar(): HTMLElement {
    const bar = element('div', 'convlab-toolbar');
    const choice = <T extends string>(
      text: string,
      className: string,
      choices: readonly { value: T; label: string }[],
      current: T,
      chosen: (value: T) => void,
    ): HTMLElement => {
      const label = element('label', 'convlab-control', `${text} `);
      const select = element('select', className);
      for (const { value, label: optionText } of choices) {
        const option = element('option', '', optionText);
        option.value = value;
        option.selected = value === current;
        select.appendChild(option);
      }
      select.addEventListener('change', () => chosen(select.value as T));
      label.appendChild(select);
      return label;
    };
    const numbers = element('input', 'convlab-numbers');
    numbers.type = 'checkbox';
    numbers.checked = this.numbers;
    numbers.addEventListener('change', () => {
      this.numbers = numbers.checked;
      this.paint(this.drawn);
    });
    const values = element('label', 'convlab-control');
    values.append(numbers, ' values');
    values.title = 'write each value in its cell (where cells are large enough)';
    bar.append(
      choice('colour range', 'convlab-normalisation', NORMALISATIONS, this.mode, (mode) => this.setMode(mode)),
      values,
      choice('size', 'convlab-size', MAP_SIZES, this.size, (size) => this.setSize(size)),
    );
    return bar;
  }

  /**
   * The user changed the view settings (or changed them while this view was detached): this view takes only the
   * keys that changed since it last followed, so a colour range or size its reader chose in the toolbar stays
   * unless that same setting changed; its toolbar shows what it took. A colour-scale change only redraws.
   */
  private follow(settings: Readonly<ViewSettings>, previous: Readonly<ViewSettings>): void {
    this.followed = settings;
    if (!this.payload) return;
    const changed = changedKeys(previous, settings);
    const select = (name: string, value: string): void => {
      const node = this.node.querySelector<HTMLSelectElement>(`select.${name}`);
      if (node) node.value = value;
    };
    if (changed.includes('normalisation')) {
      this.setMode(settings.normalisation);
      select('convlab-normalisation', this.mode);
    } else if (changed.includes('colourScale')) {
      this.recolour();
    }
    if (changed.includes('mapSize')) {
      this.setSize(settings.mapSize);
      select('convlab-size', this.size);
    }
  }

  /** A new colour range (toolbar or settings): its legends and every map's colours. */
  private setMode(mode: Normalisation): void {
    this.mode = mode;
    this.recolour();
  }

  /** A new map size (toolbar or settings), keeping the first map shown in view: the page that holds it now. */
  private setSize(size: MapSizeName): void {
    const before = this.sizeOf().perPage;
    this.size = size;
    this.page = Math.floor((this.page * before) / this.sizeOf().perPage);
    this.arrange();
  }

  /** The legends and maps again under the current colour range and scale. */
  private recolour(): void {
    this.legends();
    this.repaint();
  }

  /** Every drawn map painted afresh (its cached picture dropped): colours changed. */
  private repaint(): void {
    for (const d of this.drawn) d.picture = undefined;
    this.paint(this.drawn);
  }

  /** The stops a panel is drawn with: its own, or the scale the user chose in the settings. */
  private stopsOf(panel: FeatureMapPanel): Stops {
    return scaleStops(viewSettings.get().colourScale, panel.colorscale);
  }

  private sizeOf(): (typeof MAP_SIZES)[number] {
    return MAP_SIZES.find((s) => s.value === this.size) ?? MAP_SIZES[0]!;
  }

  /** Each panel's legend under the current normalisation. */
  private legends(): void {
    const payload = this.payload!;
    payload.panels.forEach((panel, p) => {
      const legend = legendOf(payload, { ...panel, colorscale: this.stopsOf(panel) as [number, string][] }, this.mode);
      const node = this.panelNodes[p]!.legend;
      const strip = element('span', 'convlab-legend-strip');
      // Safe: the stops passed validation as `#rrggbb`.
      strip.style.background = legend.gradient;
      if (legend.span) {
        // Where the panel's values lie on the strip (e.g. a 0–1 image on a global −4…4 scale).
        const [from, to] = legend.span;
        const bracket = element('span', 'convlab-legend-span');
        bracket.style.left = `${(Math.min(from, to) * 100).toFixed(2)}%`;
        bracket.style.width = `${(Math.abs(to - from) * 100).toFixed(2)}%`;
        strip.appendChild(bracket);
      }
      const parts: HTMLElement[] =
        legend.value !== undefined
          ? [strip, element('span', 'convlab-legend-value', legend.value)]
          : [element('span', 'convlab-legend-low', legend.low ?? ''), strip, element('span', 'convlab-legend-high', legend.high ?? '')];
      if (legend.note) parts.push(element('span', 'convlab-legend-note', legend.note));
      node.replaceChildren(...parts);
    });
  }

  /** The pager and every panel's maps for the current page and size; then paints them. */
  private arrange(): void {
    const start = performance.now();
    const payload = this.payload!;
    const size = this.sizeOf();
    const layout = pageLayout(payload, this.page, size.perPage);
    this.page = layout.page;
    // The maps under the pointer are about to be replaced: forget the hover without redrawing them.
    this.hovered = '';
    this.tooltip!.hidden = true;
    this.exact.cancel();
    const pager = layout.pages > 1 ? this.pagerOf(layout.page, layout.pages, layout.label) : undefined;
    if (pager) this.node.insertBefore(pager, this.panelsRow!);
    this.pager?.remove();
    this.pager = pager;
    this.drawn = [];
    payload.panels.forEach((panel, p) => this.layoutPanel(payload, panel, p, layout.maps[p] ?? [], size.side));
    this.showFocus(layout.maps[payload.panels.findIndex((panel) => panel.role === 'output')]?.[0] ?? 0);
    this.paint(this.drawn, start);
  }

  /**
   * The focus cell of the first output channel on the page: its caption (plain text) and outlines, set on the
   * drawn maps without painting them (the caller paints).
   */
  private showFocus(channel: number): void {
    if (!this.focusLine) return;
    this.focus = focusInfo(this.payload!, channel);
    this.focusLine.textContent = this.focus ? `focus: ${this.focus.lines.join(' · ')}` : '';
    this.focusLine.hidden = !this.focus;
    if (this.focus) this.outline(this.focus.highlight, this.focus.activeMaps, false);
  }

  /** The shared previous / next buttons and the page's label (e.g. `filters 0–7 of 16`). */
  private pagerOf(page: number, pages: number, label: string): HTMLElement {
    const pager = element('div', 'convlab-pager');
    const go = (to: number): void => {
      this.page = to;
      this.arrange();
    };
    const previous = element('button', 'convlab-page-previous', '‹');
    previous.disabled = page === 0;
    previous.title = 'previous page';
    previous.addEventListener('click', () => go(page - 1));
    const next = element('button', 'convlab-page-next', '›');
    next.disabled = page === pages - 1;
    next.title = 'next page';
    next.addEventListener('click', () => go(page + 1));
    pager.append(previous, element('span', 'convlab-page-label', label), next);
    return pager;
  }

  /**
   * One panel's maps on this page. A kernel `[out, in, kH, kW]` is one row per filter (`out o`) under `in c`
   * column headers, a filter of more than {@link KERNEL_ROW_MAX} input channels wrapped into a compact square
   * sub-grid; other panels are a near-square grid, an RGB panel's colour image first.
   */
  private layoutPanel(payload: FeatureMapPayload, panel: FeatureMapPanel, p: number, indices: number[], side: number): void {
    const grid = this.panelNodes[p]!.maps;
    grid.replaceChildren();
    if (!indices.length) {
      // The payload holds fewer maps than the tensor (its notes say so): say why this page shows none.
      grid.className = 'convlab-maps';
      grid.appendChild(element('div', 'convlab-map-label', panel.maps.length ? 'no maps of this page were sent' : 'no maps'));
      return;
    }
    const padding = panelPadding(payload, panel);
    if (panel.role === 'kernel') {
      // Kernels are small: drawn just large enough for their numbers (up to the maps' size), so a bank of
      // filters stays beside the maps it convolves instead of towering over them.
      const longest = Math.max(1, ...panel.maps.slice(0, 1).map((m) => Math.max(m.height, m.width)));
      side = Math.min(side, Math.max(side / 2, NUMBERS_MIN_CELL * longest));
    }
    // Input channels per filter, at most the maps present: fewer maps than one filter's are all filter 0's, and
    // a crafted shape's channel count (not bounded by the data) never sizes a loop.
    const inPerFilter = panel.role === 'kernel' && panel.shape.length === 4 ? Math.max(1, Math.min(panel.shape[1] ?? 1, panel.maps.length)) : 0;
    if (!inPerFilter) {
      const rgb = panel.rgb === true && panel.maps.length >= 3;
      const count = indices.length + (rgb ? 1 : 0);
      grid.className = 'convlab-maps';
      grid.style.gridTemplateColumns = `repeat(${Math.max(1, Math.ceil(Math.sqrt(count)))}, max-content)`;
      if (rgb) grid.appendChild(this.mapBox(panel, p, 'rgb', padding, side, 'colour'));
      for (const m of indices) grid.appendChild(this.mapBox(panel, p, m, padding, side, panel.maps[m]!.label));
      return;
    }
    const wrap = inPerFilter > KERNEL_ROW_MAX;
    grid.className = 'convlab-maps convlab-maps-kernel';
    grid.style.gridTemplateColumns = wrap ? 'max-content max-content' : `max-content repeat(${inPerFilter}, max-content)`;
    if (!wrap) {
      grid.appendChild(element('div', 'convlab-map-label'));
      for (let c = 0; c < inPerFilter; c++) grid.appendChild(element('div', 'convlab-map-label', `in ${c}`));
    }
    // The page's maps, grouped by filter (maps o·in … o·in + in − 1).
    const filters = new Map<number, number[]>();
    for (const m of indices) {
      const o = Math.floor(m / inPerFilter);
      filters.set(o, [...(filters.get(o) ?? []), m]);
    }
    for (const [o, maps] of filters) {
      const first = o * inPerFilter;
      const label = wrap ? `out ${o} · in 0–${inPerFilter - 1}` : `out ${o}`;
      grid.appendChild(element('div', 'convlab-map-label convlab-kernel-row', label));
      const row = wrap ? element('div', 'convlab-maps convlab-maps-filter') : grid;
      if (wrap) {
        row.style.gridTemplateColumns = `repeat(${Math.ceil(Math.sqrt(inPerFilter))}, max-content)`;
        grid.appendChild(row);
      }
      for (let c = 0; c < inPerFilter; c++) {
        const m = first + c;
        // A slot stays empty where the page (or a capped panel) lacks that map, so columns keep their channel.
        if (!maps.includes(m)) {
          if (!wrap) row.appendChild(element('div', 'convlab-map convlab-map-missing'));
          continue;
        }
        const box = this.mapBox(panel, p, m, padding, side, '');
        box.title = `in ${c}`;
        row.appendChild(box);
      }
    }
  }

  /** A map's box: its label, and its canvas sized by the contract (or a message when it cannot be drawn). */
  private mapBox(
    panel: FeatureMapPanel,
    p: number,
    m: number | 'rgb',
    padding: [[number, number], [number, number]],
    side: number,
    label: string,
  ): HTMLElement {
    const map: FeatureMap = panel.maps[m === 'rgb' ? 0 : m]!;
    const box = element('div', m === 'rgb' ? 'convlab-map convlab-map-rgb' : 'convlab-map');
    if (m !== 'rgb') box.dataset['index'] = String(m);
    if (label) box.appendChild(element('div', 'convlab-map-label', label));
    // Small maps keep cells their numbers fit in, except in the compact size ('s'), where the grid comes first.
    const grid = gridOf(map.height, map.width, padding, side, this.size !== 's');
    if (typeof grid === 'string') {
      box.appendChild(element('div', 'convlab-error', `cannot draw ${map.label || 'this map'}: ${grid}`));
      return box;
    }
    const canvas = element('canvas', 'convlab-heatmap');
    sizeCanvas(canvas, grid, backingScale(grid, window.devicePixelRatio || 1));
    for (const [name, value] of Object.entries({ cell: grid.cell, top: grid.top, left: grid.left, rows: grid.rows, cols: grid.cols })) {
      canvas.dataset[name] = String(value);
    }
    canvas.dataset['highlight'] = '';
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${panel.role} ${m === 'rgb' ? 'colour image' : map.label}`.trim());
    box.appendChild(canvas);
    const drawn: DrawnMap = { panel: p, map: m, box, canvas, grid, picture: undefined, highlight: [] };
    canvas.addEventListener('pointermove', (event) => this.hover(drawn, event));
    canvas.addEventListener('pointerleave', () => this.unhover());
    this.drawn.push(drawn);
    return box;
  }

  private themeColours(): Theme {
    this.theme ??= {
      empty: parseColour(themeColor('--jp-layout-color3', '#bdbdbd')) ?? [189, 189, 189],
      outline: themeColor('--jp-ui-font-color1', '#333333'),
      gridLine: themeColor('--jp-layout-color0', '#ffffff'),
      font: themeColor('--jp-ui-font-family', 'sans-serif'),
    };
    return this.theme;
  }

  /** A map's picture: its cells coloured under the current normalisation, padding as what it holds. */
  private pictureOf(d: DrawnMap): Picture {
    const payload = this.payload!;
    const panel = payload.panels[d.panel]!;
    const theme = this.themeColours();
    const mode = payload.window?.paddingMode ?? 'zeros';
    const first = panel.maps[d.map === 'rgb' ? 0 : d.map]!;
    const pad = (r: number, c: number) => paddingCell(mode, r, c, first.height, first.width);
    if (d.map === 'rgb') {
      const [red, green, blue] = [0, 1, 2].map((k) => mapValues(panel.maps[k]!));
      return rgbPicture(d.grid, [red!, green!, blue!], pad, theme);
    }
    return scalarPicture(d.grid, mapValues(first), this.stopsOf(panel), colorRange(payload, panel, first, this.mode), pad, theme);
  }

  /**
   * Paints the given maps (pictures made once per map and option), then stamps the root: `data-rendered`, and
   * `data-draw-ms`, the time since `start` (a page turn counts its DOM too).
   */
  private paint(maps: readonly DrawnMap[], start = performance.now()): void {
    if (!this.payload) return;
    const theme = this.themeColours();
    for (const d of maps) {
      // Skipped where the canvas has no 2-D context (jsdom): the DOM and the tooltip work without it.
      if (!d.canvas.getContext('2d')) continue;
      d.picture ??= this.pictureOf(d);
      drawPicture(d.canvas, d.picture, {
        numbers: this.numbers && d.map !== 'rgb' ? cellText : undefined,
        highlight: d.highlight,
        outline: theme.outline,
        gridLine: theme.gridLine,
        font: theme.font,
      });
    }
    this.node.dataset['drawMs'] = (performance.now() - start).toFixed(1);
    this.node.dataset['rendered'] = 'true';
  }

  /** The pointer over a canvas: the cell under it, its tooltip, and the outlines of what it names. */
  private hover(d: DrawnMap, event: MouseEvent): void {
    const { cell, rows, cols, top, left } = d.grid;
    const rect = d.canvas.getBoundingClientRect();
    // By the contract's geometry; scaled if CSS ever draws the canvas at another size (jsdom lays out nothing).
    const sx = rect.width > 0 ? rect.width / (cell * cols) : 1;
    const sy = rect.height > 0 ? rect.height / (cell * rows) : 1;
    const [px, py] = [(event.clientX - rect.left) / (cell * sx), (event.clientY - rect.top) / (cell * sy)];
    const [x, y] = [Math.floor(px), Math.floor(py)];
    if (x < 0 || x >= cols || y < 0 || y >= rows) {
      this.unhover();
      return;
    }
    const [r, c] = [y - top, x - left];
    const key = `${keyOf(d.panel, d.map)}:${r}:${c}`;
    if (key !== this.hovered) {
      const info = d.map === 'rgb' ? this.colourInfo(d.panel, r, c) : hoverInfo(this.payload!, d.panel, d.map, r, c);
      if (!info) {
        this.unhover();
        return;
      }
      this.hovered = key;
      this.tipLines = info.lines;
      this.exactLine = undefined;
      this.showTip();
      this.tooltip!.hidden = false;
      this.outline(info.highlight, info.activeMaps);
    }
    // An approximated map (8-bit, or downsampled: then the source cell under the pointer within the block) may
    // ask its kernel for the exact value; the answer adds a line to this cell's tooltip.
    const panel = this.payload!.panels[d.panel]!;
    const map = d.map === 'rgb' ? undefined : panel.maps[d.map];
    const index = map && exactIndex(panel, map, r, c, py - y, px - x);
    const query = index && d.map !== 'rgb' ? { ref: panel.ref!, map: d.map, index } : null;
    this.exact.hover(this.node, query, !!map?.downsampled, (line) => {
      this.exactLine = line;
      this.showTip();
    });
    this.place(event.clientX, rect);
  }

  /** The tooltip's text: the hovered cell's lines, and its exact value once the kernel sent it. */
  private showTip(): void {
    // Once the kernel has answered, the payload's "not sent" line gives way to the value it sent.
    const lines = this.exactLine ? [...this.tipLines.filter((line) => line !== NOT_SENT_LINE), this.exactLine] : this.tipLines;
    this.tooltip!.textContent = lines.join('\n');
  }

  /**
   * The hover of an RGB panel's colour image: the cell's three channel values (or, in the padding, what the cell
   * holds), outlined in the image and in each channel's map.
   */
  private colourInfo(p: number, r: number, c: number): HoverInfo | null {
    const payload = this.payload!;
    const panel = payload.panels[p]!;
    const { height, width } = panel.maps[0]!;
    const mode = payload.window?.paddingMode ?? 'zeros';
    const inside = r >= 0 && r < height && c >= 0 && c < width;
    const held = inside ? { source: [r, c] as const, constant: null } : paddingCell(mode, r, c, height, width);
    const at = (k: number, [sr, sc]: readonly [number, number]): string => cellText(mapValues(panel.maps[k]!)[sr * width + sc]!);
    const source = held.source;
    const lines = [`${panel.role} colour image`, inside ? `(row ${r}, col ${c})` : `padding (${mode}) at (row ${r}, col ${c})`];
    if (source) {
      if (!inside) lines.push(`copies (row ${source[0]}, col ${source[1]})`);
      lines.push(`red ${at(0, source)} · green ${at(1, source)} · blue ${at(2, source)}`);
    } else if (held.constant !== null) {
      lines.push(`holds ${cellText(held.constant)}`);
    }
    const cells = [{ r, c, dotted: !inside }, ...(source && !inside ? [{ r: source[0], c: source[1] }] : [])];
    const channels = [0, 1, 2];
    return {
      lines,
      highlight: channels.map((map) => ({ panel: p, map, cells })),
      activeMaps: channels.map((map) => ({ panel: p, map })),
    };
  }

  /**
   * Outlines the named cells and marks the named maps; an RGB panel's colour image shows the outlines of its
   * channels. Only the canvases whose outlines changed are redrawn.
   */
  private outline(highlight: HoverInfo['highlight'], active: HoverInfo['activeMaps'], repaint = true): void {
    const payload = this.payload!;
    const wanted = new Map<string, HighlightCell[]>();
    // Each map's cells once, by a set of `r,c` keys: a window may name a hundred thousand taps.
    const seen = new Map<string, Set<string>>();
    const add = (key: string, cells: readonly HighlightCell[]): void => {
      const list = wanted.get(key) ?? [];
      const keys = seen.get(key) ?? new Set<string>();
      for (const cell of cells) {
        const at = `${cell.r},${cell.c}`;
        if (keys.has(at)) continue;
        keys.add(at);
        list.push(cell);
      }
      wanted.set(key, list);
      seen.set(key, keys);
    };
    const marked = new Set(active.map((a) => keyOf(a.panel, a.map)));
    for (const h of highlight) {
      add(keyOf(h.panel, h.map), h.cells);
      if (payload.panels[h.panel]?.rgb && h.map < 3) add(keyOf(h.panel, 'rgb'), h.cells);
    }
    for (const a of active) if (payload.panels[a.panel]?.rgb && a.map < 3) marked.add(keyOf(a.panel, 'rgb'));
    const changed: DrawnMap[] = [];
    for (const d of this.drawn) {
      const key = keyOf(d.panel, d.map);
      const cells = wanted.get(key) ?? [];
      d.box.classList.toggle('convlab-map-active', marked.has(key));
      const text = cellsText(cells);
      if (text === d.canvas.dataset['highlight'] && cells.every((cell, i) => !!cell.dotted === !!d.highlight[i]?.dotted)) continue;
      d.highlight = cells;
      d.canvas.dataset['highlight'] = text;
      changed.push(d);
    }
    if (changed.length && repaint) this.paint(changed);
  }

  /** The pointer left the maps: no tooltip, and no outlines but the focus cell's (when the payload names one). */
  private unhover(): void {
    if (!this.tooltip) return;
    this.hovered = '';
    this.tooltip.hidden = true;
    this.exact.cancel();
    if (this.focus) this.outline(this.focus.highlight, this.focus.activeMaps);
    else if (this.drawn.some((d) => d.highlight.length || d.box.classList.contains('convlab-map-active'))) this.outline([], []);
  }

  /**
   * Puts the tooltip under the hovered map (above it where the window ends), beside the pointer: never over the
   * map itself, whose outlined cells (a padding cell's source, the window) the tooltip talks about.
   */
  private place(clientX: number, map: DOMRect): void {
    const tip = this.tooltip!;
    const gap = 8;
    const [w, h] = [tip.offsetWidth, tip.offsetHeight];
    let x = clientX + gap;
    if (x + w > window.innerWidth - 4) x = Math.max(4, clientX - gap - w);
    let y = map.bottom + gap;
    if (y + h > window.innerHeight - 4) y = map.top - gap - h;
    // A map taller than the window leaves no room above or below: the top edge, over the map, is all there is.
    if (y < 4) y = 4;
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
    // `position: fixed` is relative to a transformed ancestor where there is one: correct by where it landed.
    const landed = tip.getBoundingClientRect();
    if (landed.width > 0 && (Math.abs(landed.left - x) > 0.5 || Math.abs(landed.top - y) > 0.5)) {
      tip.style.left = `${2 * x - landed.left}px`;
      tip.style.top = `${2 * y - landed.top}px`;
    }
  }
}
