/**
 * The feature-map widget: validates the payload, then draws each panel's maps as plotly heatmaps, side by
 * side (input | kernel | output), with a normalisation control, paging past {@link PAGE_SIZE} maps, and the
 * receptive-field highlight: hovering an output cell outlines the input taps and the kernel maps behind it.
 * plotly.js is loaded on first render, not when JupyterLab starts.
 */
import { validateFeatureMap, type FeatureMapPanel, type FeatureMapPayload } from '@convlab/protocol';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { element, errorMessage, themeColor } from './dom';
import {
  colorBar,
  footerText,
  heatmapFigure,
  highlightShapes,
  NORMALISATIONS,
  mapGrid,
  pageOf,
  panelCaption,
  sources,
  windowTaps,
  type FigureTheme,
  type Normalisation,
  type Shape,
} from './figure';

type Plotly = typeof import('plotly.js-cartesian-dist-min');
let plotly: Promise<Plotly> | undefined;

function loadPlotly(): Promise<Plotly> {
  // The dist bundle is UMD: bundlers expose it as the module or as its default export.
  plotly ??= import('plotly.js-cartesian-dist-min').then((m) => ((m as { default?: Plotly }).default ?? m) as Plotly);
  return plotly;
}

/** One drawn map: where it is, and the shapes it has without any highlight (the padding hatch). */
interface DrawnMap {
  plot: PlotlyElement;
  cell: HTMLElement;
  baseShapes: Shape[];
}

/** Renders `application/vnd.convlab.featuremap.v1+json`. */
export class FeatureMapWidget extends Widget implements IRenderMime.IRenderer {
  private payload: FeatureMapPayload | undefined;
  private mode: Normalisation = 'layer';
  private pages = new Map<FeatureMapPanel, number>();
  /** Drawn maps by panel role and map index, for the highlight. */
  private drawn = new Map<string, DrawnMap>();
  private highlighted: DrawnMap[] = [];
  /** Redraws when the user switches JupyterLab's theme: plotly's colours are read from CSS at draw time. */
  private readonly themeWatch = new MutationObserver(() => void this.draw());

  constructor(private readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass('convlab-featuremap');
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-name'] });
  }

  protected override onBeforeDetach(msg: Message): void {
    this.themeWatch.disconnect();
    super.onBeforeDetach(msg);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const checked = validateFeatureMap(model.data[this.options.mimeType]);
    this.node.textContent = '';
    this.payload = undefined;
    if (!checked.ok) {
      this.node.appendChild(errorMessage('feature map', checked.error));
      return;
    }
    // A new model starts from the defaults, so the same model always renders the same DOM.
    this.payload = checked.value;
    this.mode = 'layer';
    this.pages.clear();
    await this.draw();
  }

  /** Draws the whole view from `payload`, `mode` and `pages`. */
  private async draw(): Promise<void> {
    const payload = this.payload;
    if (!payload) return;
    const Plotly = await loadPlotly();
    for (const { plot } of this.drawn.values()) Plotly.purge(plot);
    this.drawn.clear();
    this.highlighted = [];
    const theme: FigureTheme = {
      text: themeColor('--jp-ui-font-color1', '#333333'),
      padding: themeColor('--jp-layout-color3', '#bdbdbd'),
      hatch: themeColor('--jp-ui-font-color2', '#616161'),
    };
    const row = element('div', 'convlab-panels');
    const plots: Promise<unknown>[] = [];
    for (const panel of payload.panels) {
      const box = element('figure', `convlab-panel convlab-panel-${panel.role}`);
      box.appendChild(element('figcaption', 'convlab-caption', panelCaption(panel)));
      box.appendChild(this.legend(payload, panel));
      const layout = mapGrid(panel);
      const { start, end, page, pages } = pageOf(panel.maps.length, this.pages.get(panel) ?? 0, layout.pageSize);
      if (pages > 1) box.appendChild(this.pager(panel, start, end, page, pages));
      const grid = element('div', layout.kernelRows ? 'convlab-maps convlab-maps-kernel' : 'convlab-maps');
      // Kernels: a header of input channels, then one labelled row per output channel.
      grid.style.gridTemplateColumns = `${layout.kernelRows ? 'max-content ' : ''}repeat(${layout.columns}, max-content)`;
      if (layout.kernelRows) {
        grid.appendChild(element('div', 'convlab-map-label'));
        for (let c = 0; c < layout.columns; c++) grid.appendChild(element('div', 'convlab-map-label', `in ${c}`));
      }
      for (let index = start; index < end; index++) {
        const map = panel.maps[index]!;
        if (layout.kernelRows && index % layout.columns === 0) {
          grid.appendChild(element('div', 'convlab-map-label convlab-kernel-row', `out ${index / layout.columns}`));
        }
        const cell = element('div', 'convlab-map');
        cell.dataset['index'] = String(index);
        if (map.label && !layout.kernelRows) cell.appendChild(element('div', 'convlab-map-label', map.label));
        const plot = element('div', 'convlab-heatmap') as HTMLElement as PlotlyElement;
        cell.appendChild(plot);
        grid.appendChild(cell);
        const figure = heatmapFigure(payload, panel, map, this.mode, theme);
        this.drawn.set(`${panel.role}:${index}`, { plot, cell, baseShapes: figure.layout.shapes });
        plots.push(
          Plotly.react(plot, figure.data, figure.layout, { displayModeBar: false, responsive: false }).then(() => {
            if (panel.role === 'output' && payload.window) this.listen(Plotly, plot, index);
          }),
        );
      }
      box.appendChild(grid);
      row.appendChild(box);
    }
    this.node.textContent = '';
    this.node.append(this.toolbar(), row, element('div', 'convlab-footer', footerText(payload)));
    await Promise.all(plots);
  }

  /** The normalisation control. */
  private toolbar(): HTMLElement {
    const bar = element('div', 'convlab-toolbar');
    const label = element('label', 'convlab-control', 'colour range ');
    const select = element('select', 'convlab-normalisation');
    for (const { value, label: text } of NORMALISATIONS) {
      const option = element('option', '', text);
      option.value = value;
      option.selected = value === this.mode;
      select.appendChild(option);
    }
    select.addEventListener('change', () => {
      this.mode = select.value as Normalisation;
      void this.draw();
    });
    label.appendChild(select);
    bar.appendChild(label);
    return bar;
  }

  /** A panel's colour bar with its end values under the current normalisation. */
  private legend(payload: FeatureMapPayload, panel: FeatureMapPanel): HTMLElement {
    const bar = colorBar(payload, panel, this.mode);
    const legend = element('div', 'convlab-legend');
    const strip = element('span', 'convlab-legend-strip');
    // Safe: the stops passed validation as `#rrggbb`.
    strip.style.background = bar.gradient;
    legend.append(element('span', 'convlab-legend-low', bar.low), strip, element('span', 'convlab-legend-high', bar.high));
    return legend;
  }

  /** Previous / next buttons for a panel with more maps than fit on a page. */
  private pager(panel: FeatureMapPanel, start: number, end: number, page: number, pages: number): HTMLElement {
    const pager = element('div', 'convlab-pager');
    const go = (to: number): void => {
      this.pages.set(panel, to);
      void this.draw();
    };
    const previous = element('button', 'convlab-page-previous', '‹');
    previous.disabled = page === 0;
    previous.title = 'previous maps';
    previous.addEventListener('click', () => go(page - 1));
    const next = element('button', 'convlab-page-next', '›');
    next.disabled = page === pages - 1;
    next.title = 'next maps';
    next.addEventListener('click', () => go(page + 1));
    pager.append(previous, element('span', 'convlab-page-label', `maps ${start}–${end - 1} of ${panel.maps.length}`), next);
    return pager;
  }

  /** Hovering an output cell outlines the input window (padding taps dotted) and the kernel maps behind it. */
  private listen(Plotly: Plotly, plot: PlotlyElement, out: number): void {
    plot.on('plotly_hover', (event) => {
      const point = event.points[0];
      const payload = this.payload;
      if (!point || !payload?.window) return;
      this.clear(Plotly);
      const input = payload.panels.find((p) => p.role === 'input');
      const from = sources(payload, out);
      const taps = windowTaps(payload.window, point.y, point.x);
      const mark = (drawn: DrawnMap | undefined, shapes: Shape[]): void => {
        if (!drawn) return;
        drawn.cell.classList.add('convlab-map-active');
        if (shapes.length) void Plotly.relayout(drawn.plot, { shapes: [...drawn.baseShapes, ...shapes] });
        this.highlighted.push(drawn);
      };
      mark(this.drawn.get(`output:${out}`), highlightShapes([point.y], [point.x]));
      for (const c of from.input) {
        const map = input?.maps[c];
        const inside = (r: number, col: number): boolean => !!map && r >= 0 && r < map.height && col >= 0 && col < map.width;
        mark(this.drawn.get(`input:${c}`), highlightShapes(taps.rows, taps.cols, inside));
      }
      for (const k of from.kernel) mark(this.drawn.get(`kernel:${k}`), []);
    });
    plot.on('plotly_unhover', () => this.clear(Plotly));
  }

  private clear(Plotly: Plotly): void {
    for (const drawn of this.highlighted) {
      drawn.cell.classList.remove('convlab-map-active');
      void Plotly.relayout(drawn.plot, { shapes: drawn.baseShapes });
    }
    this.highlighted = [];
  }
}
