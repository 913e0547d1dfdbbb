// @vitest-environment jsdom
/**
 * The widgets in jsdom, as JupyterLab's factories.spec.ts does: render a model twice, compare the DOM. The
 * feature-map payloads are made by the kernel's own formatter (`tensorBundle`). jsdom has no canvas, so the
 * feature-map widget builds its DOM and tooltips without painting; a recording 2-D context stands in where the
 * tests check what is painted. The shape-trace widget is plain DOM and runs as it is.
 */
import { FEATURE_MAP_MIME, SHAPE_TRACE_MIME, type FeatureMapPayload } from '@convlab/protocol';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellText, colorRange, hoverInfo, MAP_SIZES, type MapSizeName } from '../../../extension/src/figure';
import { colourOf, NUMBERS_MIN_CELL } from '../../../extension/src/heatmap';
import { conv2d, displayOptions, full, maxPool2d, pad, setDisplayOptions, tensor, tensorBundle, zeros, type Tensor } from '../../../kernel/src/index';
import { tracePayload, traceRow } from '../protocol/fixtures';

// jsdom has no canvas: its getContext reports "not implemented" and returns null. Null, quietly, as there.
HTMLCanvasElement.prototype.getContext = (() => null) as unknown as typeof HTMLCanvasElement.prototype.getContext;
// jsdom has no DragEvent, which @lumino/dragdrop (pulled in by @lumino/widgets) subclasses when it loads.
(globalThis as { DragEvent?: unknown }).DragEvent ??= class DragEvent extends MouseEvent {};
const { default: extensions, featureMapFactory, shapeTraceFactory } = await import('../../../extension/src/index');

function model(mimeType: string, value: unknown): IRenderMime.IMimeModel {
  return { data: { [mimeType]: value }, metadata: {}, trusted: false, setData: () => undefined } as unknown as IRenderMime.IMimeModel;
}

function renderer(factory: IRenderMime.IRendererFactory, mimeType: string): IRenderMime.IRenderer {
  return factory.createRenderer({ mimeType } as IRenderMime.IRendererOptions);
}

describe('the extension object', () => {
  it('registers both MIME types, safe, ranked below HTML', () => {
    expect(extensions.map((e) => e.rendererFactory.mimeTypes)).toEqual([[FEATURE_MAP_MIME], [SHAPE_TRACE_MIME]]);
    for (const e of extensions) {
      expect(e.rendererFactory.safe).toBe(true);
      expect(e.rendererFactory.defaultRank).toBeLessThan(50);
    }
  });
});

/** A payload as the kernel sends it: its own formatter run on a tensor. */
const payloadOf = (t: Tensor): FeatureMapPayload => tensorBundle(t).data[FEATURE_MAP_MIME] as FeatureMapPayload;

/** Notebook 00: a 4×4 image 1…16 convolved with the 3×3 kernel 1…9 (valid): output [[348, 393], [528, 573]]. */
function helloPayload(): FeatureMapPayload {
  const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
  const w = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
  return payloadOf(conv2d(x, w));
}

/** The 4×4 image of notebooks 00 and 01 as a tensor. */
const image = (): Tensor => tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);

/** test/e2e/notebooks/convlab-views.ipynb's conv: [1,3,8,8] by [filters,3,3,3], padding 1, stride 2. */
function viewsPayload(filters = 8): FeatureMapPayload {
  const x = tensor(Array.from({ length: 3 * 8 * 8 }, (_, i) => ((i * 37) % 19) - 9), [1, 3, 8, 8]);
  const w = tensor(Array.from({ length: filters * 27 }, (_, i) => ((i * 7) % 5) - 2), [filters, 3, 3, 3]);
  return payloadOf(conv2d(x, w, { padding: 1, stride: 2 }));
}

async function rendered(payload: unknown): Promise<IRenderMime.IRenderer> {
  const widget = renderer(featureMapFactory, FEATURE_MAP_MIME);
  await widget.renderModel(model(FEATURE_MAP_MIME, payload));
  return widget;
}

const all = (root: Element, selector: string): HTMLElement[] => Array.from(root.querySelectorAll<HTMLElement>(selector));
const indices = (root: Element, role: string): string[] => all(root, `.convlab-panel-${role} .convlab-map`).map((m) => m.dataset['index'] ?? '');
const canvasOf = (root: Element, role: string, index: number): HTMLCanvasElement =>
  root.querySelector<HTMLCanvasElement>(`.convlab-panel-${role} .convlab-map[data-index="${index}"] canvas.convlab-heatmap`)!;
/** The contract's geometry of a canvas, from its data attributes. */
const geometry = (canvas: HTMLCanvasElement): Record<'cell' | 'top' | 'left' | 'rows' | 'cols', number> => {
  const n = (name: string): number => Number(canvas.dataset[name]);
  return { cell: n('cell'), top: n('top'), left: n('left'), rows: n('rows'), cols: n('cols') };
};
const sideOf = (size: MapSizeName): number => MAP_SIZES.find((s) => s.value === size)!.side;

/**
 * A pointer event at the centre of cell (r, c) by the contract's geometry. jsdom lays nothing out (every box is
 * at 0, 0 with no size), so client coordinates are offsets inside the canvas.
 */
function pointAt(canvas: HTMLCanvasElement, r: number, c: number, type = 'pointermove'): void {
  const g = geometry(canvas);
  canvas.dispatchEvent(new MouseEvent(type, { bubbles: true, clientX: (c + g.left + 0.5) * g.cell, clientY: (r + g.top + 0.5) * g.cell }));
}
const leave = (canvas: HTMLCanvasElement): boolean => canvas.dispatchEvent(new MouseEvent('pointerleave'));
const tooltip = (root: Element): HTMLElement => root.querySelector<HTMLElement>('.convlab-tooltip')!;
const outlined = (canvas: HTMLCanvasElement): string[] => (canvas.dataset['highlight'] ?? '').split(';').filter(Boolean).sort();

describe('FeatureMapWidget: the DOM contract (jsdom: no canvas context, nothing painted)', () => {
  it('renders the same model twice to the same DOM: toolbar, panels, one canvas per map with its grid, footer', async () => {
    const m = model(FEATURE_MAP_MIME, helloPayload());
    const widget = renderer(featureMapFactory, FEATURE_MAP_MIME);
    await widget.renderModel(m);
    const first = widget.node.innerHTML;
    await widget.renderModel(m);
    expect(widget.node.innerHTML).toBe(first);
    const root = widget.node;
    expect(root.classList.contains('convlab-featuremap')).toBe(true);
    expect(root.dataset['rendered']).toBe('true');
    expect(Number(root.dataset['drawMs'])).toBeGreaterThanOrEqual(0);
    // Toolbar: colour range 'layer', values on (every map ≤ 16×16), size 'm'.
    expect(root.querySelector<HTMLSelectElement>('.convlab-toolbar select.convlab-normalisation')?.value).toBe('layer');
    expect(root.querySelector<HTMLInputElement>('.convlab-toolbar input.convlab-numbers')?.checked).toBe(true);
    expect(root.querySelector<HTMLSelectElement>('.convlab-toolbar select.convlab-size')?.value).toBe('m');
    expect(all(root, 'select.convlab-size option').map((o) => (o as HTMLOptionElement).value)).toEqual(['s', 'm', 'l']);
    // One page: no pager.
    expect(root.querySelector('.convlab-pager')).toBeNull();
    expect(all(root, '.convlab-panels > .convlab-panel').map((p) => p.className)).toEqual([
      'convlab-panel convlab-panel-input',
      'convlab-panel convlab-panel-kernel',
      'convlab-panel convlab-panel-output',
    ]);
    expect(all(root, 'figcaption.convlab-caption').map((c) => c.textContent)).toEqual([
      'input [1,1,4,4] · 1 … 16',
      'kernel [1,1,3,3] · 1 … 9',
      'output [1,1,2,2] · 348 … 573',
    ]);
    expect(all(root, '.convlab-legend').map((l) => [l.querySelector('.convlab-legend-low')?.textContent, l.querySelector('.convlab-legend-high')?.textContent])).toEqual([
      ['1', '16'],
      ['1', '9'],
      ['348', '573'],
    ]);
    // Each map: cell = floor(side / longer side), no padding (a valid conv).
    const side = sideOf('m');
    expect(geometry(canvasOf(root, 'input', 0))).toEqual({ cell: Math.floor(side / 4), top: 0, left: 0, rows: 4, cols: 4 });
    expect(geometry(canvasOf(root, 'output', 0))).toEqual({ cell: Math.floor(side / 2), top: 0, left: 0, rows: 2, cols: 2 });
    const input = canvasOf(root, 'input', 0);
    expect([input.style.width, input.style.height]).toEqual([`${4 * Math.floor(side / 4)}px`, `${4 * Math.floor(side / 4)}px`]);
    // Kernels are drawn smaller than maps, but large enough for their numbers.
    expect(geometry(canvasOf(root, 'kernel', 0)).cell).toBeGreaterThanOrEqual(NUMBERS_MIN_CELL);
    expect(all(root, 'canvas.convlab-heatmap').map((c) => c.dataset['highlight'])).toEqual(['', '', '']);
    expect(root.querySelector('.convlab-footer')?.textContent).toMatch(/^conv2d · backend cpu · kernel 3×3 · stride 1×1 · dilation 1×1 · padding 0,0 \/ 0,0/);
    expect(tooltip(root).hidden).toBe(true);
  });

  it('lays a kernel out as one row per filter under `in c` headers, the padded input with its padding rows and columns', async () => {
    const root = (await rendered(viewsPayload())).node;
    const kernel = root.querySelector('.convlab-panel-kernel .convlab-maps-kernel')!;
    expect(kernel.getAttribute('style')).toMatch(/repeat\(3, max-content\)/);
    expect(all(kernel, '.convlab-map-label').map((l) => l.textContent)).toEqual([
      '',
      'in 0',
      'in 1',
      'in 2',
      ...Array.from({ length: 8 }, (_, o) => `out ${o}`),
    ]);
    expect(indices(root, 'kernel')).toEqual(Array.from({ length: 24 }, (_, i) => String(i)));
    expect(indices(root, 'input')).toEqual(['0', '1', '2']);
    expect(indices(root, 'output')).toEqual(Array.from({ length: 8 }, (_, i) => String(i)));
    // Input 8×8 with padding 1 on every side: a 10×10 grid whose row 0, col 0 is drawn at (1, 1), its cells
    // large enough for numbers (more than side / 10).
    expect(geometry(canvasOf(root, 'input', 2))).toEqual({ cell: Math.max(NUMBERS_MIN_CELL, Math.floor(sideOf('m') / 10)), top: 1, left: 1, rows: 10, cols: 10 });
    expect(root.querySelector('.convlab-footer')?.textContent).toContain('padding 1,1 / 1,1 (zeros)');
    // 10×10 padded input, 4×4 output, 3×3 kernels: all ≤ 16 a side, so the values are on.
    expect(root.querySelector<HTMLInputElement>('input.convlab-numbers')?.checked).toBe(true);
  });

  it('turns the pages of all panels together: filters as filters, the input kept beside them', async () => {
    const root = (await rendered(viewsPayload(16))).node;
    const size = root.querySelector<HTMLSelectElement>('select.convlab-size')!;
    size.value = 'l';
    size.dispatchEvent(new Event('change'));
    const perPage = MAP_SIZES.find((s) => s.value === 'l')!.perPage;
    expect(perPage).toBeLessThan(16);
    const pagers = all(root, '.convlab-pager');
    expect(pagers).toHaveLength(1);
    // The pager sits above the panels, outside any one panel.
    expect(pagers[0]!.parentElement).toBe(root);
    expect(pagers[0]!.compareDocumentPosition(root.querySelector('.convlab-panels')!) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const label = (): string | null | undefined => root.querySelector('.convlab-page-label')?.textContent;
    expect(label()).toBe(`filters 0–${perPage - 1} of 16`);
    const range = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => String(from + i));
    expect(indices(root, 'output')).toEqual(range(0, perPage));
    expect(indices(root, 'kernel')).toEqual(range(0, 3 * perPage));
    expect(indices(root, 'input')).toEqual(['0', '1', '2']);
    expect(root.querySelector<HTMLButtonElement>('.convlab-page-previous')?.disabled).toBe(true);
    root.querySelector<HTMLButtonElement>('.convlab-page-next')!.click();
    expect(label()).toBe(`filters ${perPage}–${2 * perPage - 1} of 16`);
    expect(indices(root, 'output')).toEqual(range(perPage, perPage));
    expect(indices(root, 'kernel')).toEqual(range(3 * perPage, 3 * perPage));
    expect(indices(root, 'input')).toEqual(['0', '1', '2']);
    expect(root.querySelector<HTMLButtonElement>('.convlab-page-next')?.disabled).toBe(true);
    expect(all(root, '.convlab-pager')).toHaveLength(1);
    root.querySelector<HTMLButtonElement>('.convlab-page-previous')!.click();
    expect(indices(root, 'output')).toEqual(range(0, perPage));
  });

  it('a page whose kernel maps were not sent (the payload caps maps per panel) says so in the kernel panel', async () => {
    const before = displayOptions();
    setDisplayOptions({ maxMapsPerPanel: 9 });
    try {
      const x = tensor(Float32Array.from({ length: 3 * 16 }, (_, i) => i % 5), [1, 3, 4, 4]);
      const w = tensor(Float32Array.from({ length: 9 * 27 }, (_, i) => (i % 3) - 1), [9, 3, 3, 3]);
      const payload = payloadOf(conv2d(x, w));
      // 27 kernel maps, 9 sent: filters 0–2.
      expect(payload.panels.map((p) => p.maps.length)).toEqual([3, 9, 9]);
      const root = (await rendered(payload)).node;
      const size = root.querySelector<HTMLSelectElement>('select.convlab-size')!;
      size.value = 'l';
      size.dispatchEvent(new Event('change'));
      expect(indices(root, 'kernel')).toEqual(Array.from({ length: 9 }, (_, i) => String(i)));
      root.querySelector<HTMLButtonElement>('.convlab-page-next')!.click();
      expect(root.querySelector('.convlab-page-label')?.textContent).toBe('filter 8 of 9');
      expect(indices(root, 'output')).toEqual(['8']);
      expect(root.querySelectorAll('.convlab-panel-kernel .convlab-map')).toHaveLength(0);
      expect(root.querySelector('.convlab-panel-kernel .convlab-maps')?.textContent).toBe('no maps of this page were sent');
    } finally {
      setDisplayOptions({ maxMapsPerPanel: before.maxMapsPerPanel });
    }
  });

  it('pages a tensor of 40 channels as channels, and the size control changes the cells and the page', async () => {
    const t = tensor(Float32Array.from({ length: 40 * 9 }, (_, i) => Math.sin(i)), [1, 40, 3, 3]);
    const root = (await rendered(payloadOf(t))).node;
    const m = MAP_SIZES.find((s) => s.value === 'm')!;
    expect(root.querySelector('.convlab-page-label')?.textContent).toBe(`channels 0–${m.perPage - 1} of 40`);
    expect(geometry(canvasOf(root, 'tensor', 0)).cell).toBe(Math.floor(m.side / 3));
    const size = root.querySelector<HTMLSelectElement>('select.convlab-size')!;
    size.value = 's';
    size.dispatchEvent(new Event('change'));
    const s = MAP_SIZES.find((z) => z.value === 's')!;
    expect(geometry(canvasOf(root, 'tensor', 0)).cell).toBe(Math.floor(s.side / 3));
    expect(indices(root, 'tensor')).toHaveLength(Math.min(40, s.perPage));
    expect(root.querySelector('.convlab-pager') !== null).toBe(s.perPage < 40);
  });

  it('shows values by default only when every map, padding included, is at most 16×16, and the switch keeps the DOM', async () => {
    const small = await rendered(payloadOf(pad(image(), 6)));
    // 4 + 6 + 6 = 16 rows and columns.
    expect(geometry(canvasOf(small.node, 'input', 0))).toMatchObject({ rows: 16, cols: 16 });
    expect(small.node.querySelector<HTMLInputElement>('input.convlab-numbers')?.checked).toBe(true);
    const big = await rendered(payloadOf(pad(image(), 7)));
    const numbers = big.node.querySelector<HTMLInputElement>('input.convlab-numbers')!;
    expect(numbers.checked).toBe(false);
    const before = big.node.querySelector('.convlab-panels')!.innerHTML;
    numbers.checked = true;
    numbers.dispatchEvent(new Event('change'));
    expect(big.node.querySelector('.convlab-panels')!.innerHTML).toBe(before);
  });

  it('the colour-range control redraws the legends under the chosen normalisation', async () => {
    const root = (await rendered(viewsPayload())).node;
    const high = (): string[] => all(root, '.convlab-legend-high').map((h) => h.textContent ?? '');
    const select = root.querySelector<HTMLSelectElement>('select.convlab-normalisation')!;
    select.value = 'channel';
    select.dispatchEvent(new Event('change'));
    expect(high()).toEqual(Array(3).fill('+|max| of each channel'));
    select.value = 'layer';
    select.dispatchEvent(new Event('change'));
    // The input holds −9 … 9 (x = ((i·37) mod 19) − 9 reaches both ends): a centred scale ±9.
    expect(high()[0]).toBe('9');
  });

  it('a constant kernel has a one-value legend and caption', async () => {
    const root = (await rendered(payloadOf(conv2d(image(), full([1, 1, 3, 3], 1))))).node;
    const legend = root.querySelector('.convlab-panel-kernel .convlab-legend')!;
    expect(legend.querySelector('.convlab-legend-value')?.textContent).toBe('1');
    expect(legend.querySelectorAll('.convlab-legend-low, .convlab-legend-high')).toHaveLength(0);
    expect(root.querySelector('.convlab-panel-kernel .convlab-caption')?.textContent).toBe('kernel [1,1,3,3] · all 1');
  });

  it("hovering notebook 00's output (0, 0) shows its Σ, outlines its window and marks its kernel; leaving clears", async () => {
    const payload = helloPayload();
    const root = (await rendered(payload)).node;
    pointAt(canvasOf(root, 'output', 0), 0, 0);
    expect(tooltip(root).hidden).toBe(false);
    expect(tooltip(root).textContent).toBe(hoverInfo(payload, 2, 0, 0, 0)!.lines.join('\n'));
    // 1·1 + 2·2 + 3·3 + 5·4 + 6·5 + 7·6 + 9·7 + 10·8 + 11·9 = 348, by hand.
    expect(tooltip(root).textContent).toContain('1·1 + 2·2 + 3·3 + 5·4 + 6·5 + 7·6 + 9·7 + 10·8 + 11·9 = 348');
    expect(outlined(canvasOf(root, 'input', 0))).toEqual(['0,0', '0,1', '0,2', '1,0', '1,1', '1,2', '2,0', '2,1', '2,2']);
    expect(outlined(canvasOf(root, 'output', 0))).toEqual(['0,0']);
    expect(all(root, '.convlab-panel-kernel .convlab-map-active').map((m) => m.dataset['index'])).toEqual(['0']);
    // The next cell: the window moves one column right.
    pointAt(canvasOf(root, 'output', 0), 0, 1);
    expect(tooltip(root).textContent).toContain('= 393');
    expect(outlined(canvasOf(root, 'input', 0))).toEqual(['0,1', '0,2', '0,3', '1,1', '1,2', '1,3', '2,1', '2,2', '2,3']);
    leave(canvasOf(root, 'output', 0));
    expect(tooltip(root).hidden).toBe(true);
    expect(all(root, 'canvas.convlab-heatmap').map((c) => c.dataset['highlight'])).toEqual(['', '', '']);
    expect(root.querySelectorAll('.convlab-map-active')).toHaveLength(0);
  });

  it('a pointer off the grid shows nothing', async () => {
    const root = (await rendered(helloPayload())).node;
    const canvas = canvasOf(root, 'output', 0);
    const g = geometry(canvas);
    canvas.dispatchEvent(new MouseEvent('pointermove', { clientX: g.cols * g.cell + 3, clientY: 1 }));
    expect(tooltip(root).hidden).toBe(true);
  });

  it("hovering a reflect padding cell names and outlines the input cell it copies (notebook 01's pad)", async () => {
    const payload = payloadOf(pad(image(), 2, { mode: 'reflect' }));
    const root = (await rendered(payload)).node;
    const input = canvasOf(root, 'input', 0);
    expect(geometry(input)).toMatchObject({ top: 2, left: 2, rows: 8, cols: 8 });
    pointAt(input, -2, -2);
    const text = tooltip(root).textContent!.replace(/\u2212/g, '-');
    expect(text).toContain('padding (reflect) at (row -2, col -2)');
    // np.pad reflect: index −2 of a length-4 axis reads index 2; the image holds 1 + 4·2 + 2 = 11 there.
    expect(text).toContain('(row 2, col 2)');
    expect(text).toMatch(/= 11\b/);
    expect(outlined(input)).toContain('2,2');
    expect(root.querySelector('.convlab-footer')?.textContent).toContain('reflect');
  });

  it('hovering a max-pool output writes out its max and outlines its 2×2 window', async () => {
    const payload = payloadOf(maxPool2d(image(), 2));
    const root = (await rendered(payload)).node;
    expect(all(root, '.convlab-panel').map((p) => p.className)).toEqual(['convlab-panel convlab-panel-input', 'convlab-panel convlab-panel-output']);
    pointAt(canvasOf(root, 'output', 0), 1, 0);
    // Window rows 2–3, cols 0–1: 9, 10, 13, 14.
    expect(tooltip(root).textContent).toBe(hoverInfo(payload, 1, 0, 1, 0)!.lines.join('\n'));
    expect(tooltip(root).textContent).toMatch(/max\(9, 10, 13, 14\) = 14/);
    expect(outlined(canvasOf(root, 'input', 0))).toEqual(['2,0', '2,1', '3,0', '3,1']);
  });

  it('draws an RGB image as a colour map before its channels, and hovering it names the three values', async () => {
    const values = Array.from({ length: 3 * 4 }, (_, i) => i / 11);
    const payload = payloadOf(tensor(values, [1, 3, 2, 2]));
    expect(payload.panels[0]!.rgb).toBe(true);
    const root = (await rendered(payload)).node;
    const maps = all(root, '.convlab-panel-tensor .convlab-map');
    expect(maps.map((m) => [m.classList.contains('convlab-map-rgb'), m.dataset['index'], m.querySelector('.convlab-map-label')?.textContent])).toEqual([
      [true, undefined, 'colour'],
      [false, '0', 'channel 0'],
      [false, '1', 'channel 1'],
      [false, '2', 'channel 2'],
    ]);
    const colour = root.querySelector<HTMLCanvasElement>('.convlab-map-rgb canvas.convlab-heatmap')!;
    expect(geometry(colour)).toEqual(geometry(canvasOf(root, 'tensor', 0)));
    pointAt(colour, 1, 0);
    // Cell (1, 0) is flat index 2 of each channel: 2/11, 6/11, 10/11.
    const lines = tooltip(root).textContent!.split('\n');
    expect(lines).toContain('(row 1, col 0)');
    expect(lines.at(-1)).toBe(`red ${cellText(2 / 11)} · green ${cellText(6 / 11)} · blue ${cellText(10 / 11)}`);
    expect(outlined(colour)).toEqual(['1,0']);
    expect([0, 1, 2].map((k) => outlined(canvasOf(root, 'tensor', k)))).toEqual([['1,0'], ['1,0'], ['1,0']]);
    // Hovering a channel outlines the colour image too.
    leave(colour);
    pointAt(canvasOf(root, 'tensor', 1), 0, 1);
    expect(outlined(colour)).toEqual(['0,1']);
  });

  it('writes payload text as plain text: an <a> label, a style, %{z} never become markup or get substituted', async () => {
    const payload = helloPayload();
    payload.panels[0]!.title = '<a href="https://example.com/">link</a>';
    payload.panels[0]!.maps[0]!.label = '%{z} <b style="background-image:url(https://example.com/x.png)">x</b>';
    payload.notes = ['<img src=x onerror="alert(1)">'];
    const root = (await rendered(payload)).node;
    expect(root.querySelectorAll('a, b, img')).toHaveLength(0);
    expect(root.querySelector('.convlab-caption')?.textContent).toBe('<a href="https://example.com/">link</a> · 1 … 16');
    expect(root.querySelector('.convlab-footer')?.textContent).toContain('<img src=x onerror="alert(1)">');
    pointAt(canvasOf(root, 'input', 0), 1, 1);
    expect(tooltip(root).textContent!.split('\n')[0]).toBe('input %{z} <b style="background-image:url(https://example.com/x.png)">x</b>');
    expect(tooltip(root).querySelectorAll('*')).toHaveLength(0);
  });

  it('a map wider than a canvas may be says so in its place, and the rest of the view still draws', async () => {
    const payload = payloadOf(tensor(Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i))));
    expect([payload.panels[0]!.maps[0]!.height, payload.panels[0]!.maps[0]!.width]).toEqual([1, 5000]);
    const root = (await rendered(payload)).node;
    expect(root.querySelector('.convlab-map canvas')).toBeNull();
    expect(root.querySelector('.convlab-map .convlab-error')?.textContent).toBe(
      'cannot draw this map: a 1 × 5000 grid is too large to draw (at most 4096 cells a side)',
    );
    expect(root.querySelector('.convlab-footer')).not.toBeNull();
    expect(root.dataset['rendered']).toBe('true');
  });

  it('shows a readable message for a malformed payload', async () => {
    const widget = await rendered({ ...helloPayload(), panels: 'x' });
    expect(widget.node.querySelector('.convlab-error')?.textContent).toBe(
      'ConvLab cannot draw this feature map: payload.panels should be an array, got string "x"',
    );
    expect(widget.node.querySelector('canvas')).toBeNull();
  });
});

/**
 * A 2-D context that records what is drawn, for the painting tests: jsdom has none. Only the calls the
 * heatmap makes exist.
 */
class RecordingContext {
  readonly calls: { name: string; args: unknown[] }[] = [];
  font = '';
  fillStyle = '';
  strokeStyle = '';
  lineWidth = 1;
  textAlign = '';
  textBaseline = '';
  imageSmoothingEnabled = true;
  private record(name: string, args: unknown[]): void {
    this.calls.push({ name, args });
  }
  setTransform(...args: unknown[]): void {
    this.record('setTransform', args);
  }
  createImageData(width: number, height: number): { data: Uint8ClampedArray; width: number; height: number } {
    return { data: new Uint8ClampedArray(width * height * 4), width, height };
  }
  /** Each draw starts by putting the cells' image. */
  putImageData(...args: unknown[]): void {
    this.record('putImageData', args);
  }
  fillRect(...args: unknown[]): void {
    this.record('fillRect', args);
  }
  stroke(...args: unknown[]): void {
    this.record('stroke', args);
  }
  strokeRect(...args: unknown[]): void {
    this.record('strokeRect', [...args, this.strokeStyle]);
  }
  setLineDash(...args: unknown[]): void {
    this.record('setLineDash', args);
  }
  fillText(...args: unknown[]): void {
    this.record('fillText', args);
  }
  measureText(text: string): { width: number } {
    return { width: text.length * 6 };
  }
  /** What was drawn by `name` in the last draw. */
  lastDraw(name: string): unknown[][] {
    const start = this.calls.map((c) => c.name).lastIndexOf('putImageData');
    return this.calls.slice(start).filter((c) => c.name === name).map((c) => c.args);
  }
  draws(): number {
    return this.calls.filter((c) => c.name === 'putImageData').length;
  }
}

describe('FeatureMapWidget: painting (a recording 2-D context)', () => {
  const contexts = new Map<HTMLCanvasElement, RecordingContext>();
  const original = HTMLCanvasElement.prototype.getContext;
  beforeAll(() => {
    HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement) {
      let context = contexts.get(this);
      if (!context) contexts.set(this, (context = new RecordingContext()));
      return context;
    } as unknown as typeof original;
    (globalThis as Record<string, unknown>)['Path2D'] ??= class {
      moveTo(): void {}
      lineTo(): void {}
    };
  });
  afterAll(() => {
    HTMLCanvasElement.prototype.getContext = original;
  });
  const contextOf = (canvas: HTMLCanvasElement): RecordingContext => contexts.get(canvas)!;

  it("puts each device pixel in its cell's colour, on the panel's scale, with lines between large cells", async () => {
    const payload = helloPayload();
    const root = (await rendered(payload)).node;
    const canvas = canvasOf(root, 'input', 0);
    const { cell } = geometry(canvas);
    const [image] = contextOf(canvas).lastDraw('putImageData')[0] as [{ data: Uint8ClampedArray; width: number; height: number }];
    // jsdom's devicePixelRatio is 1: one device pixel per CSS pixel.
    expect([image.width, image.height, canvas.width, canvas.height]).toEqual([4 * cell, 4 * cell, 4 * cell, 4 * cell]);
    const panel = payload.panels[0]!;
    const range = colorRange(payload, panel, panel.maps[0]!, 'layer');
    for (const [x, y] of [
      [0, 0],
      [cell + 3, 2],
      [4 * cell - 1, 4 * cell - 1],
      [2 * cell + 1, 3 * cell + cell / 2],
    ] as const) {
      const [r, c] = [Math.floor(y / cell), Math.floor(x / cell)];
      const o = (y * image.width + x) * 4;
      expect([...image.data.slice(o, o + 4)], `pixel (${x}, ${y})`).toEqual([...colourOf(panel.colorscale, 1 + 4 * r + c, range), 255]);
    }
    // Cells of ≥ 16 px are separated by one-pixel lines: 3 between the 4 columns, 3 between the 4 rows.
    expect(contextOf(canvas).lastDraw('fillRect')).toHaveLength(6);
  });

  it('writes each value in its cell, centred, when cells are large enough; the switch redraws without them', async () => {
    const root = (await rendered(helloPayload())).node;
    const written = (role: string): unknown[][] => contextOf(canvasOf(root, role, 0)).lastDraw('fillText');
    const cell = geometry(canvasOf(root, 'input', 0)).cell;
    expect(cell).toBeGreaterThanOrEqual(NUMBERS_MIN_CELL);
    expect(written('input')).toEqual(
      Array.from({ length: 16 }, (_, i) => [String(i + 1), ((i % 4) + 0.5) * cell, (Math.floor(i / 4) + 0.5) * cell]),
    );
    expect(written('kernel').map((t) => t[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(written('output').map((t) => t[0])).toEqual(['348', '393', '528', '573']);
    const numbers = root.querySelector<HTMLInputElement>('input.convlab-numbers')!;
    numbers.checked = false;
    numbers.dispatchEvent(new Event('change'));
    expect(['input', 'kernel', 'output'].map(written)).toEqual([[], [], []]);
  });

  it('gives a map small enough for numbers cells large enough to write them, except in the compact size', async () => {
    // pad(4×4, 6) is 16×16 with its padding: the values switch starts on, so its numbers must fit.
    const root = (await rendered(payloadOf(pad(image(), 6)))).node;
    expect(root.querySelector<HTMLInputElement>('input.convlab-numbers')?.checked).toBe(true);
    const select = root.querySelector<HTMLSelectElement>('select.convlab-size')!;
    for (const size of ['m', 'l', 's']) {
      select.value = size;
      select.dispatchEvent(new Event('change'));
      const canvas = canvasOf(root, 'input', 0);
      const fits = size !== 's';
      expect(geometry(canvas).cell >= NUMBERS_MIN_CELL).toBe(fits);
      expect(contextOf(canvas).lastDraw('fillText').length > 0).toBe(fits);
    }
  });

  it('writes no numbers in cells smaller than the minimum, even when switched on', async () => {
    const root = (await rendered(payloadOf(zeros([1, 1, 40, 40])))).node;
    const numbers = root.querySelector<HTMLInputElement>('input.convlab-numbers')!;
    expect(numbers.checked).toBe(false);
    numbers.checked = true;
    numbers.dispatchEvent(new Event('change'));
    const canvas = canvasOf(root, 'tensor', 0);
    expect(geometry(canvas).cell).toBeLessThan(NUMBERS_MIN_CELL);
    expect(contextOf(canvas).lastDraw('fillText')).toEqual([]);
  });

  it('a hover redraws only the canvases whose outlines changed, and outlines each cell black over a white halo', async () => {
    const root = (await rendered(helloPayload())).node;
    const [input, kernel, output] = ['input', 'kernel', 'output'].map((role) => canvasOf(root, role, 0));
    const draws = (): number[] => [input, kernel, output].map((c) => contextOf(c!).draws());
    const before = draws();
    pointAt(output!, 0, 0);
    expect(draws()).toEqual([before[0]! + 1, before[1]!, before[2]! + 1]);
    const cell = geometry(output!).cell;
    const strokes = contextOf(output!).lastDraw('strokeRect');
    expect(strokes.map((s) => s[4])).toEqual(['#ffffff', '#000000']);
    expect(strokes[1]!.slice(0, 2)).toEqual([1, 1]);
    expect(strokes[1]![2]).toBe(cell - 2);
    // The same cell again: nothing redrawn.
    pointAt(output!, 0, 0);
    expect(draws()).toEqual([before[0]! + 1, before[1]!, before[2]! + 1]);
    leave(output!);
    expect(draws()).toEqual([before[0]! + 2, before[1]!, before[2]! + 2]);
    expect(contextOf(output!).lastDraw('strokeRect')).toEqual([]);
  });

  it('stamps the draw time of every draw on the root', async () => {
    const root = (await rendered(viewsPayload(16))).node;
    const stamp = root.dataset['drawMs'];
    expect(Number(stamp)).toBeGreaterThanOrEqual(0);
    delete root.dataset['rendered'];
    const select = root.querySelector<HTMLSelectElement>('select.convlab-normalisation')!;
    select.value = 'global';
    select.dispatchEvent(new Event('change'));
    expect(root.dataset['rendered']).toBe('true');
    expect(Number(root.dataset['drawMs'])).toBeGreaterThanOrEqual(0);
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
