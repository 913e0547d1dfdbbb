// @vitest-environment jsdom
/**
 * The widgets in jsdom, as JupyterLab's factories.spec.ts does: render a model twice, compare the DOM. plotly
 * needs a real canvas, so it is replaced by a recorder that keeps what the widget asked it to draw; the
 * shape-trace widget is plain DOM and runs as it is.
 */
import { FEATURE_MAP_MIME, SHAPE_TRACE_MIME } from '@convlab/protocol';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { HeatmapLayout, HeatmapTrace } from '../../../extension/src/figure';
import { convPayload, tracePayload, traceRow } from '../protocol/fixtures';

interface Drawn {
  data: HeatmapTrace[];
  layout: HeatmapLayout;
  handlers: Record<string, (event?: unknown) => void>;
}
const drawn = new Map<HTMLElement, Drawn>();
const relayouts: { root: HTMLElement; update: Record<string, unknown> }[] = [];

vi.mock('plotly.js-cartesian-dist-min', () => {
  const fake = {
  react: async (root: HTMLElement, data: HeatmapTrace[], layout: HeatmapLayout) => {
    const handlers: Drawn['handlers'] = {};
    drawn.set(root, { data, layout, handlers });
    Object.assign(root, { on: (name: string, handler: Drawn['handlers'][string]) => (handlers[name] = handler) });
    root.dataset['drawn'] = String(data.length);
  },
  relayout: async (root: HTMLElement, update: Record<string, unknown>) => {
    relayouts.push({ root, update });
  },
  purge: (root: HTMLElement) => drawn.delete(root),
  };
  // The widget accepts the UMD bundle as the module or as its default export, as bundlers differ.
  return { ...fake, default: fake };
});

// jsdom has no DragEvent, which @lumino/dragdrop (pulled in by @lumino/widgets) subclasses when it loads.
(globalThis as { DragEvent?: unknown }).DragEvent ??= class DragEvent extends MouseEvent {};
const { default: extensions, featureMapFactory, shapeTraceFactory } = await import('../../../extension/src/index');

function model(mimeType: string, value: unknown): IRenderMime.IMimeModel {
  return { data: { [mimeType]: value }, metadata: {}, trusted: false, setData: () => undefined } as unknown as IRenderMime.IMimeModel;
}

function renderer(factory: IRenderMime.IRendererFactory, mimeType: string): IRenderMime.IRenderer {
  return factory.createRenderer({ mimeType } as IRenderMime.IRendererOptions);
}

beforeEach(() => {
  drawn.clear();
  relayouts.length = 0;
});

describe('the extension object', () => {
  it('registers both MIME types, safe, ranked below HTML', () => {
    expect(extensions.map((e) => e.rendererFactory.mimeTypes)).toEqual([[FEATURE_MAP_MIME], [SHAPE_TRACE_MIME]]);
    for (const e of extensions) {
      expect(e.rendererFactory.safe).toBe(true);
      expect(e.rendererFactory.defaultRank).toBeLessThan(50);
    }
  });
});

describe('FeatureMapWidget', () => {
  it('renders the same model twice to the same DOM: one heatmap per map, captions, control, footer', async () => {
    const widget = renderer(featureMapFactory, FEATURE_MAP_MIME);
    const m = model(FEATURE_MAP_MIME, convPayload());
    await widget.renderModel(m);
    const first = widget.node.innerHTML;
    await widget.renderModel(m);
    expect(widget.node.innerHTML).toBe(first);
    // 2 input + 6 kernel + 3 output maps.
    expect(widget.node.querySelectorAll('.convlab-heatmap')).toHaveLength(11);
    expect(Array.from(widget.node.querySelectorAll('.convlab-caption'), (c) => c.textContent)).toEqual([
      'input [1,2,4,4] · 0 … 13',
      'kernel [3,2,3,3] · -2 … 2',
      'output [1,3,4,4] · -19 … 30',
    ]);
    expect(widget.node.querySelector('.convlab-maps-kernel')?.getAttribute('style')).toMatch(/repeat\(2, max-content\)/);
    expect(widget.node.querySelector('.convlab-footer')?.textContent).toMatch(/^conv2d · backend cpu · kernel 3×3/);
    expect(Array.from(widget.node.querySelectorAll('option'), (o) => [o.textContent, o.selected])).toEqual([
      ['per channel', false],
      ['per layer', true],
      ['global', false],
    ]);
    // The input is drawn with its padding trace; the output alone.
    const plots = Array.from(widget.node.querySelectorAll<HTMLElement>('.convlab-heatmap'));
    expect(plots.map((p) => p.dataset['drawn'])).toEqual(['2', '2', ...Array(9).fill('1')]);
  });

  it('redraws with the chosen normalisation', async () => {
    const widget = renderer(featureMapFactory, FEATURE_MAP_MIME);
    await widget.renderModel(model(FEATURE_MAP_MIME, convPayload()));
    const select = widget.node.querySelector('select')!;
    select.value = 'channel';
    select.dispatchEvent(new Event('change'));
    await vi.waitFor(() => expect(widget.node.querySelector<HTMLSelectElement>('select')?.value).toBe('channel'));
    const inputPlot = widget.node.querySelectorAll<HTMLElement>('.convlab-heatmap')[1]!;
    await vi.waitFor(() => expect(drawn.get(inputPlot)?.data[0]).toMatchObject({ zmin: 10, zmax: 13 }));
    expect(widget.node.querySelector('.convlab-legend-high')?.textContent).toBe('max of each channel');
  });

  it('pages a panel of 40 channels 32 at a time', async () => {
    const widget = renderer(featureMapFactory, FEATURE_MAP_MIME);
    await widget.renderModel(model(FEATURE_MAP_MIME, convPayload(40)));
    const output = (): Element => widget.node.querySelector('.convlab-panel-output')!;
    expect(output().querySelectorAll('.convlab-heatmap')).toHaveLength(32);
    expect(output().querySelector('.convlab-page-label')?.textContent).toBe('maps 0–31 of 40');
    output().querySelector<HTMLButtonElement>('.convlab-page-next')!.click();
    await vi.waitFor(() => expect(output().querySelectorAll('.convlab-heatmap')).toHaveLength(8));
    expect(output().querySelector('.convlab-page-label')?.textContent).toBe('maps 32–39 of 40');
    expect(output().querySelector<HTMLButtonElement>('.convlab-page-next')?.disabled).toBe(true);
    expect(Array.from(output().querySelectorAll<HTMLElement>('.convlab-map'), (m) => m.dataset['index'])[0]).toBe('32');
  });

  it('highlights the input window and the kernel maps of the hovered output cell, and clears on unhover', async () => {
    const widget = renderer(featureMapFactory, FEATURE_MAP_MIME);
    await widget.renderModel(model(FEATURE_MAP_MIME, convPayload()));
    const cells = (role: string): HTMLElement[] => Array.from(widget.node.querySelectorAll<HTMLElement>(`.convlab-panel-${role} .convlab-map`));
    const plotOf = (cell: HTMLElement): HTMLElement => cell.querySelector<HTMLElement>('.convlab-heatmap')!;
    const out2 = drawn.get(plotOf(cells('output')[2]!))!;
    out2.handlers['plotly_hover']!({ points: [{ x: 0, y: 3, z: 0, curveNumber: 0 }] });
    expect(cells('kernel').map((c) => c.classList.contains('convlab-map-active'))).toEqual([false, false, false, false, true, true]);
    const inputUpdate = relayouts.find((r) => r.root === plotOf(cells('input')[1]!))!.update['shapes'] as { x0: number; y0: number; line: { color: string; dash?: string } }[];
    // Base shapes (hatch + outline), then a halo and an outline per tap: rows 2..4, cols −1..1.
    const taps = inputUpdate.slice(2).filter((s) => s.line.color === '#000000');
    expect(taps.map((s) => [s.y0 + 0.5, s.x0 + 0.5, s.line.dash ?? ''])).toEqual([
      [2, -1, 'dot'],
      [2, 0, ''],
      [2, 1, ''],
      [3, -1, 'dot'],
      [3, 0, ''],
      [3, 1, ''],
      [4, -1, 'dot'],
      [4, 0, 'dot'],
      [4, 1, 'dot'],
    ]);
    out2.handlers['plotly_unhover']!();
    expect(widget.node.querySelectorAll('.convlab-map-active')).toHaveLength(0);
    expect(relayouts.at(-1)!.update['shapes']).toHaveLength(0);
  });

  it('shows a readable message for a malformed payload, and never parses payload text as HTML', async () => {
    const widget = renderer(featureMapFactory, FEATURE_MAP_MIME);
    await widget.renderModel(model(FEATURE_MAP_MIME, { ...convPayload(), panels: 'x' }));
    expect(widget.node.textContent).toBe('ConvLab cannot draw this feature map: payload.panels should be an array, got string "x"');
    const hostile = convPayload();
    hostile.panels[0]!.title = '<img src=x onerror="alert(1)">';
    await widget.renderModel(model(FEATURE_MAP_MIME, hostile));
    expect(widget.node.querySelector('img')).toBeNull();
    expect(widget.node.querySelector('.convlab-caption')?.textContent).toMatch(/^<img src=x/);
  });
});

describe('ShapeTraceWidget', () => {
  const trace = () =>
    tracePayload([
      traceRow(),
      traceRow({ index: 1, op: 'conv2d', name: '<b>bold</b>', inShape: [1, 8, 32, 32], outShape: [], params: 0, macs: 0, outBytes: 0, error: 'conv2d: weight expects 4 input channels but input has 8' }),
    ]);

  it('renders the same model twice to the same DOM: rows, formula rows, error row, totals, diagram', async () => {
    const widget = renderer(shapeTraceFactory, SHAPE_TRACE_MIME);
    const m = model(SHAPE_TRACE_MIME, trace());
    await widget.renderModel(m);
    const first = widget.node.innerHTML;
    await widget.renderModel(m);
    expect(widget.node.innerHTML).toBe(first);
    const rows = widget.node.querySelectorAll('tbody .convlab-trace-row');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.getAttribute('title')).toBe('H: floor((32 + 1 + 1 − 3) / 1) + 1 = 32 · W: floor((32 + 1 + 1 − 3) / 1) + 1 = 32');
    expect(widget.node.querySelectorAll('thead th')).toHaveLength(14);
    const error = widget.node.querySelector('.convlab-trace-error')!;
    expect(error.querySelector('.convlab-trace-error-text')?.textContent).toBe('conv2d: weight expects 4 input channels but input has 8');
    expect(error.querySelector<HTMLTableCellElement>('.convlab-trace-error-text')?.colSpan).toBe(11);
    expect(error.textContent).toContain('<b>bold</b> (conv2d)');
    expect(widget.node.querySelector('b')).toBeNull();
    expect(widget.node.querySelector('.convlab-trace-totals')?.textContent).toBe(['total', '224', '221,184', '32.0 KiB'].join(''));
    expect(widget.node.querySelectorAll('svg.convlab-trace-diagram rect')).toHaveLength(3);
  });

  it('expands a row to show its output-size formula', async () => {
    const widget = renderer(shapeTraceFactory, SHAPE_TRACE_MIME);
    await widget.renderModel(model(SHAPE_TRACE_MIME, trace()));
    const formula = widget.node.querySelector<HTMLTableRowElement>('.convlab-trace-formula')!;
    expect(formula.hidden).toBe(true);
    const toggle = widget.node.querySelector<HTMLButtonElement>('.convlab-trace-toggle')!;
    toggle.click();
    expect(formula.hidden).toBe(false);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(formula.textContent).toBe('H: floor((32 + 1 + 1 − 3) / 1) + 1 = 32 · W: floor((32 + 1 + 1 − 3) / 1) + 1 = 32');
  });

  it('shows a readable message for a malformed trace', async () => {
    const widget = renderer(shapeTraceFactory, SHAPE_TRACE_MIME);
    await widget.renderModel(model(SHAPE_TRACE_MIME, { ...trace(), rows: [{ ...traceRow(), macs: -1 }] }));
    expect(widget.node.textContent).toBe('ConvLab cannot draw this shape trace: payload.rows[0].macs should be a non-negative integer, got number -1');
  });
});
