/**
 * The feature-map widget: validates the payload, then draws each panel's maps as plotly heatmaps, side by
 * side (input | kernel | output). plotly.js is loaded on first render, not when JupyterLab starts.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { heatmapFigure, panelCaption } from './figure';
import type { FeatureMapPayload } from './schema';
import { validateFeatureMap } from './validate';

type Plotly = typeof import('plotly.js-cartesian-dist-min');
let plotly: Promise<Plotly> | undefined;

function loadPlotly(): Promise<Plotly> {
  // The dist bundle is UMD: bundlers expose it as the module or as its default export.
  plotly ??= import('plotly.js-cartesian-dist-min').then((m) => ((m as { default?: Plotly }).default ?? m) as Plotly);
  return plotly;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  // textContent, never innerHTML: nothing from the payload is parsed as HTML.
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Renders `application/vnd.convlab.featuremap.v1+json`. */
export class FeatureMapWidget extends Widget implements IRenderMime.IRenderer {
  constructor(private readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass('convlab-featuremap');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const checked = validateFeatureMap(model.data[this.options.mimeType]);
    this.node.textContent = '';
    if (!checked.ok) {
      this.node.appendChild(element('div', 'convlab-error', `ConvLab cannot draw this feature map: ${checked.error}`));
      return;
    }
    await this.draw(checked.value);
  }

  private async draw(payload: FeatureMapPayload): Promise<void> {
    const Plotly = await loadPlotly();
    const textColor = getComputedStyle(document.body).getPropertyValue('--jp-ui-font-color1').trim() || '#333';
    const row = element('div', 'convlab-panels');
    const plots: Promise<unknown>[] = [];
    for (const panel of payload.panels) {
      const box = element('figure', `convlab-panel convlab-panel-${panel.role}`);
      box.appendChild(element('figcaption', 'convlab-caption', panelCaption(panel)));
      const grid = element('div', 'convlab-maps');
      for (const map of panel.maps) {
        const cell = element('div', 'convlab-map');
        if (map.label) cell.appendChild(element('div', 'convlab-map-label', map.label));
        const plot = element('div', 'convlab-heatmap');
        cell.appendChild(plot);
        grid.appendChild(cell);
        const figure = heatmapFigure(panel, map, textColor);
        plots.push(Plotly.react(plot, figure.data, figure.layout, { displayModeBar: false, responsive: false }));
      }
      box.appendChild(grid);
      row.appendChild(box);
    }
    const footer = [`${payload.op} · backend ${payload.backend}`, ...payload.notes].join(' · ');
    this.node.append(row, element('div', 'convlab-footer', footer));
    await Promise.all(plots);
  }
}
