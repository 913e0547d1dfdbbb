// @vitest-environment jsdom
/**
 * The feature-map widget with the plugin's hooks, in jsdom (no canvas: the DOM and the tooltip are checked):
 * open views follow the view settings live, and a hovered 8-bit or downsampled map of a panel with `ref` asks the
 * value source for the exact value under the pointer (the plugin's source asks the notebook's kernel; here a
 * recording stand-in answers), showing it only while the pointer stays on that cell.
 */
import { FEATURE_MAP_MIME, type FeatureMapPayload } from '@convlab/protocol';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Widget as LuminoWidget } from '@lumino/widgets';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS, viewSettings } from '../../../extension/src/view-settings';
import { EXACT_DELAY_MS, exactIndex, setValueSource, type ValueQuery } from '../../../extension/src/exact-values';
import { tensor, tensorBundle } from '../../../kernel/src/index';
import { downsampleMap, encodeMap } from '../../../kernel/src/display/encode';

HTMLCanvasElement.prototype.getContext = (() => null) as unknown as typeof HTMLCanvasElement.prototype.getContext;
(globalThis as { DragEvent?: unknown }).DragEvent ??= class DragEvent extends MouseEvent {};
// Loaded after the stand-ins above: @lumino/widgets pulls in @lumino/dragdrop, which subclasses DragEvent.
const { Widget } = await import('@lumino/widgets');
const { featureMapFactory } = await import('../../../extension/src/index');
type Widget = LuminoWidget;

/** A 4×4 tensor's payload (1…16), its panel given a `ref` and its map re-encoded as `encoding` (or downsampled by 2). */
function payloadOf(kind: 'f32' | 'u8' | 'down', ref: string | null = 't1'): FeatureMapPayload {
  const values = Float32Array.from({ length: 16 }, (_, i) => i + 1 + i / 1000);
  const payload = structuredClone(tensorBundle(tensor(Array.from(values), [1, 1, 4, 4])).data[FEATURE_MAP_MIME]) as FeatureMapPayload;
  const panel = payload.panels[0]!;
  const source = { label: 'channel 0', height: 4, width: 4, values };
  panel.maps = [kind === 'f32' ? encodeMap(source, 'f32-base64') : kind === 'u8' ? encodeMap(source, 'u8-base64') : encodeMap(downsampleMap(source, 2), 'f32-base64')];
  if (ref) panel.ref = ref;
  else delete panel.ref;
  return payload;
}

async function attached(payload: FeatureMapPayload): Promise<Widget & IRenderMime.IRenderer> {
  const widget = featureMapFactory.createRenderer({ mimeType: FEATURE_MAP_MIME } as IRenderMime.IRendererOptions) as Widget & IRenderMime.IRenderer;
  await widget.renderModel({ data: { [FEATURE_MAP_MIME]: payload }, metadata: {}, trusted: false, setData: () => undefined } as unknown as IRenderMime.IMimeModel);
  Widget.attach(widget, document.body);
  return widget;
}

/** The pointer at (r, c) of the first map, at `(fy, fx)` within the drawn cell (jsdom lays out nothing: offsets). */
function pointAt(root: HTMLElement, r: number, c: number, fy = 0.5, fx = 0.5): void {
  const canvas = root.querySelector<HTMLCanvasElement>('canvas.convlab-heatmap')!;
  const [cell, top, left] = ['cell', 'top', 'left'].map((k) => Number(canvas.dataset[k]));
  canvas.dispatchEvent(new MouseEvent('pointermove', { clientX: (c + left! + fx) * cell!, clientY: (r + top! + fy) * cell! }));
}
const tip = (root: HTMLElement): string => root.querySelector('.convlab-tooltip')!.textContent ?? '';

afterEach(() => {
  setValueSource(undefined);
  viewSettings.set(DEFAULT_SETTINGS);
  document.body.replaceChildren();
  vi.useRealTimers();
});

describe('the view follows the settings', () => {
  it('starts from them, and an open view redraws when they change', async () => {
    viewSettings.set({ normalisation: 'channel' });
    const widget = await attached(payloadOf('f32'));
    const select = (name: string): string => widget.node.querySelector<HTMLSelectElement>(`select.${name}`)!.value;
    expect(select('convlab-normalisation')).toBe('channel');
    const strip = (): string => widget.node.querySelector<HTMLElement>('.convlab-legend-strip')!.style.background;
    const before = strip();
    viewSettings.set({ normalisation: 'global', mapSize: 'l', colourScale: 'gray' });
    expect([select('convlab-normalisation'), select('convlab-size')]).toEqual(['global', 'l']);
    expect(strip()).not.toBe(before);
    expect(strip()).toBe('linear-gradient(to right, #000000 0%, #ffffff 100%)');
    widget.dispose();
  });

  it("keeps the view's own toolbar choices on a change of another setting", async () => {
    const widget = await attached(payloadOf('f32'));
    const select = (name: string): HTMLSelectElement => widget.node.querySelector<HTMLSelectElement>(`select.${name}`)!;
    const choose = (name: string, value: string): void => {
      select(name).value = value;
      select(name).dispatchEvent(new Event('change'));
    };
    const cell = (): string => widget.node.querySelector<HTMLCanvasElement>('canvas.convlab-heatmap')!.dataset['cell']!;
    const strip = (): string => widget.node.querySelector<HTMLElement>('.convlab-legend-strip')!.style.background;
    choose('convlab-size', 'l');
    choose('convlab-normalisation', 'global');
    const [large, globalStrip] = [cell(), strip()];
    viewSettings.set({ colourScale: 'gray' });
    // Only the scale changed: the reader's size and range stay, drawn as before (same cell size), in gray.
    expect([select('convlab-size').value, select('convlab-normalisation').value, cell()]).toEqual(['l', 'global', large]);
    expect(strip()).not.toBe(globalStrip);
    expect(strip()).toBe('linear-gradient(to right, #000000 0%, #ffffff 100%)');
    viewSettings.set({ normalisation: 'channel' });
    // The range setting changed: the view takes it, and still keeps its own size.
    expect([select('convlab-size').value, select('convlab-normalisation').value, cell()]).toEqual(['l', 'channel', large]);
    viewSettings.set({ mapSize: 's' });
    expect(select('convlab-size').value).toBe('s');
    expect(cell()).not.toBe(large);
    widget.dispose();
  });

  it('a detached view does not follow, and catches up with what changed when attached again', async () => {
    const widget = await attached(payloadOf('f32'));
    const select = (name: string): HTMLSelectElement => widget.node.querySelector<HTMLSelectElement>(`select.${name}`)!;
    select('convlab-normalisation').value = 'channel';
    select('convlab-normalisation').dispatchEvent(new Event('change'));
    const cell = (): string => widget.node.querySelector<HTMLCanvasElement>('canvas.convlab-heatmap')!.dataset['cell']!;
    const medium = cell();
    Widget.detach(widget);
    viewSettings.set({ mapSize: 's' });
    expect(select('convlab-size').value).toBe('m');
    Widget.attach(widget, document.body);
    // The size setting changed while detached: taken on attach; the range (unchanged setting) keeps the toolbar's.
    expect([select('convlab-size').value, select('convlab-normalisation').value]).toEqual(['s', 'channel']);
    expect(cell()).not.toBe(medium);
    widget.dispose();
  });
});

describe('exact values on hover', () => {
  let asked: ValueQuery[];
  let answers: ((v: number) => void)[];
  beforeEach(() => {
    vi.useFakeTimers();
    asked = [];
    answers = [];
    setValueSource((_node, query) => {
      asked.push(query);
      return new Promise<number>((resolve) => answers.push(resolve));
    });
  });

  it('asks, after the pointer rests, for the 8-bit cell under it and adds the answer to the tooltip', async () => {
    const widget = await attached(payloadOf('u8'));
    pointAt(widget.node, 1, 2);
    const lines = tip(widget.node);
    expect(lines).toMatch(/8-bit/);
    expect(asked).toEqual([]);
    vi.advanceTimersByTime(EXACT_DELAY_MS);
    expect(asked).toEqual([{ ref: 't1', map: 0, index: [1, 2] }]);
    answers[0]!(7.006);
    await vi.runAllTimersAsync();
    expect(tip(widget.node)).toBe(`${lines}\nexact value 7.006`);
    widget.dispose();
  });

  it('drops an answer that comes after the pointer moved on, and asks nothing for a sweep', async () => {
    const widget = await attached(payloadOf('u8'));
    pointAt(widget.node, 0, 0);
    vi.advanceTimersByTime(EXACT_DELAY_MS);
    pointAt(widget.node, 3, 3);
    pointAt(widget.node, 3, 2);
    pointAt(widget.node, 3, 1);
    answers[0]!(1);
    await vi.runAllTimersAsync();
    expect(asked.map((q) => q.index)).toEqual([[0, 0], [3, 1]]);
    expect(tip(widget.node)).not.toMatch(/exact value 1\b/);
    answers[1]!(14.013);
    await vi.runAllTimersAsync();
    expect(tip(widget.node)).toMatch(/\nexact value 14\.013$/);
    widget.dispose();
  });

  it('keeps one question in flight: meanwhile only the latest waits, sent when the first settles', async () => {
    const widget = await attached(payloadOf('u8'));
    pointAt(widget.node, 0, 0);
    vi.advanceTimersByTime(EXACT_DELAY_MS);
    // The kernel is slow: the pointer rests on two more cells before it answers.
    pointAt(widget.node, 1, 1);
    vi.advanceTimersByTime(EXACT_DELAY_MS);
    pointAt(widget.node, 2, 2);
    vi.advanceTimersByTime(EXACT_DELAY_MS);
    expect(asked.map((q) => q.index)).toEqual([[0, 0]]);
    answers[0]!(1);
    await vi.runAllTimersAsync();
    // (1, 1) was passed over; (2, 2), where the pointer is, is asked now, and its answer shown.
    expect(asked.map((q) => q.index)).toEqual([[0, 0], [2, 2]]);
    answers[1]!(11.01);
    await vi.runAllTimersAsync();
    expect(tip(widget.node)).toMatch(/\nexact value 11\.01$/);
    // A question waiting when the pointer leaves the maps is never sent.
    pointAt(widget.node, 3, 3);
    vi.advanceTimersByTime(EXACT_DELAY_MS);
    pointAt(widget.node, 0, 1);
    vi.advanceTimersByTime(EXACT_DELAY_MS);
    widget.node.querySelector('canvas.convlab-heatmap')!.dispatchEvent(new MouseEvent('pointerleave'));
    answers[2]!(16.015);
    await vi.runAllTimersAsync();
    expect(asked.map((q) => q.index)).toEqual([[0, 0], [2, 2], [3, 3]]);
    widget.dispose();
  });

  it('in a downsampled map, asks for the source cell under the pointer within the block', async () => {
    const widget = await attached(payloadOf('down'));
    pointAt(widget.node, 1, 0, 0.25, 0.75);
    vi.advanceTimersByTime(EXACT_DELAY_MS);
    expect(asked).toEqual([{ ref: 't1', map: 0, index: [2, 1] }]);
    answers[0]!(10.009);
    await vi.runAllTimersAsync();
    expect(tip(widget.node)).toMatch(/\nexact value 10\.009 at \(row 2, col 1\)$/);
    widget.dispose();
  });

  it('asks nothing for exact float32 maps or a panel without ref', async () => {
    for (const payload of [payloadOf('f32'), payloadOf('u8', null)]) {
      const widget = await attached(payload);
      pointAt(widget.node, 1, 1);
      vi.advanceTimersByTime(10 * EXACT_DELAY_MS);
      widget.dispose();
    }
    expect(asked).toEqual([]);
  });
});

describe('exactIndex', () => {
  const panel = payloadOf('u8').panels[0]!;
  it('is the cell itself for an 8-bit map, null outside it or without ref', () => {
    expect(exactIndex(panel, panel.maps[0]!, 3, 0, 0.9, 0.9)).toEqual([3, 0]);
    expect(exactIndex(panel, panel.maps[0]!, -1, 0, 0.5, 0.5)).toBeNull();
    expect(exactIndex({ ...panel, ref: undefined }, panel.maps[0]!, 1, 1, 0.5, 0.5)).toBeNull();
  });

  it('clamps to the source map at a short edge block', () => {
    const source = { label: '', height: 5, width: 5, values: new Float32Array(25) };
    const map = encodeMap(downsampleMap(source, 2), 'f32-base64');
    expect(exactIndex(panel, map, 2, 2, 0.99, 0.99)).toEqual([4, 4]);
  });
});
