// @vitest-environment jsdom
/**
 * `window.focus` end to end without a browser: the kernel's bundle option sets it (`tensorBundle(t, { focus })`),
 * the pure `focusInfo` says what the view shows for it, and the feature-map widget (jsdom: no canvas context, so
 * the DOM contract is checked, not the pixels) writes its caption and keeps its outlines under and after a hover.
 */
import { FEATURE_MAP_MIME, validateFeatureMap, type FeatureMapPayload } from '@convlab/protocol';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { describe, expect, it } from 'vitest';
import { focusInfo, formatValue, hoverInfo } from '../../../extension/src/figure';
import { conv1d, conv2d, maxPool2d, tensor, tensorBundle, type Tensor } from '../../../kernel/src/index';

HTMLCanvasElement.prototype.getContext = (() => null) as unknown as typeof HTMLCanvasElement.prototype.getContext;
(globalThis as { DragEvent?: unknown }).DragEvent ??= class DragEvent extends MouseEvent {};
const { featureMapFactory } = await import('../../../extension/src/index');

const image = (): Tensor => tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
const kernel = (): Tensor => tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
const payloadOf = (t: Tensor, focus?: number[]): FeatureMapPayload =>
  tensorBundle(t, focus ? { focus } : {}).data[FEATURE_MAP_MIME] as FeatureMapPayload;

describe('tensorBundle(t, { focus })', () => {
  it('puts the focus in the window, and the payload passes the extension validator', () => {
    const payload = payloadOf(conv2d(image(), kernel(), { padding: 1 }), [2, 3]);
    expect(payload.window?.focus).toEqual([2, 3]);
    expect(validateFeatureMap(payload).ok).toBe(true);
    // Without the option there is none.
    expect(payloadOf(conv2d(image(), kernel())).window?.focus).toBeUndefined();
  });

  it("names the focus cell in the static figure's footer (text/html), where no view outlines it", () => {
    expect(tensorBundle(conv2d(image(), kernel(), { padding: 1 }), { focus: [2, 3] }).data['text/html']).toContain('focus: output (row 2, col 3)');
    expect(tensorBundle(conv2d(image(), kernel(), { padding: 1 })).data['text/html']).not.toContain('focus:');
  });

  it('refuses a focus outside the output, of the wrong length, or on a tensor with no window, naming the option', () => {
    const out = conv2d(image(), kernel()); // 2×2
    expect(() => tensorBundle(out, { focus: [2, 0] })).toThrow(/tensorBundle: options\.focus expected integers within the output's spatial sizes \[2,2\], got \[2,0\]/);
    expect(() => tensorBundle(out, { focus: [0] })).toThrow(/options\.focus expected 2 cell indices/);
    expect(() => tensorBundle(out, { focus: [0.5, 0] })).toThrow(/options\.focus/);
    expect(() => tensorBundle(image(), { focus: [0, 0] })).toThrow(/options\.focus expected no focus: the tensor was not made by a sliding-window op/);
  });
});

describe('focusInfo', () => {
  it('is null without a focus', () => {
    expect(focusInfo(payloadOf(conv2d(image(), kernel())))).toBeNull();
  });

  it("is the focused output cell's hover: the window on the padded input (dotted in the padding), the cell, its Σ x·w", () => {
    const out = conv2d(image(), kernel(), { padding: 1 });
    const payload = payloadOf(out, [0, 0]);
    const info = focusInfo(payload)!;
    expect(info).toEqual(hoverInfo(payload, 2, 0, 0, 0));
    // Output (0, 0) of a padded 3×3 window reads rows and cols −1…1: five padding taps, four real ones.
    const inputCells = info.highlight.find((h) => h.panel === 0)!.cells;
    expect(inputCells.filter((c) => c.dotted).length).toBe(5);
    expect(inputCells.filter((c) => !c.dotted).map(({ r, c }) => [r, c])).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(info.highlight.find((h) => h.panel === 2)!.cells).toEqual([{ r: 0, c: 0 }]);
    const sum = info.lines.find((l) => l.startsWith('Σ x·w'))!;
    // 1·5 + 2·6 + 5·8 + 6·9 = 111, the conv's own value.
    expect(out.data[0]).toBe(111);
    expect(sum.endsWith(`= ${formatValue(out.data[0]!)}`)).toBe(true);
  });

  it('takes the channel asked for (2-D: its map; 1-D: its row) and writes a pool as max(…)', () => {
    const two = conv2d(image(), tensor([[[[1]]], [[[2]]]]));
    expect(focusInfo(payloadOf(two, [1, 2]), 1)!.lines.slice(0, 2)).toEqual(['output channel 1', '(row 1, col 2)']);
    const line = conv1d(tensor([[[1, 2, 3, 4, 5, 6]]]), tensor([1, 10, 100], [1, 1, 3]));
    expect(focusInfo(payloadOf(line, [2]))!.lines).toContain('Σ x·w = 3·1 + 4·10 + 5·100 = 543');
    expect(focusInfo(payloadOf(maxPool2d(image(), 2), [1, 0]))!.lines).toContain('max(9, 10, 13, 14) = 14');
  });
});

describe('the feature-map widget with a focus', () => {
  async function rendered(payload: FeatureMapPayload): Promise<HTMLElement> {
    const widget = featureMapFactory.createRenderer({ mimeType: FEATURE_MAP_MIME } as IRenderMime.IRendererOptions);
    await widget.renderModel({ data: { [FEATURE_MAP_MIME]: payload }, metadata: {}, trusted: false, setData: () => undefined } as unknown as IRenderMime.IMimeModel);
    return widget.node;
  }
  const canvas = (root: HTMLElement, role: string): HTMLCanvasElement => root.querySelector<HTMLCanvasElement>(`.convlab-panel-${role} canvas.convlab-heatmap`)!;
  const outlined = (c: HTMLCanvasElement): string[] => (c.dataset['highlight'] ?? '').split(';').filter(Boolean).sort();
  const at = (c: HTMLCanvasElement, r: number, col: number): MouseEvent => {
    const n = (k: string): number => Number(c.dataset[k]);
    return new MouseEvent('pointermove', { clientX: (col + n('left') + 0.5) * n('cell'), clientY: (r + n('top') + 0.5) * n('cell') });
  };

  it('shows the caption and outlines without a hover; a hover draws over them, and they come back after', async () => {
    const payload = payloadOf(conv2d(image(), kernel()), [1, 0]);
    const root = await rendered(payload);
    const caption = root.querySelector<HTMLElement>('.convlab-focus')!;
    expect(caption.hidden).toBe(false);
    expect(caption.textContent).toBe(`focus: ${focusInfo(payload)!.lines.join(' · ')}`);
    expect(caption.textContent).toContain('(row 1, col 0) · value 528 · Σ x·w = 5·1 + 6·2 + 7·3 + 9·4 + 10·5 + 11·6 + 13·7 + 14·8 + 15·9 = 528');
    // The caption sits between the panels and the footer.
    expect(caption.previousElementSibling?.className).toBe('convlab-panels');
    expect(caption.nextElementSibling?.className).toBe('convlab-footer');
    const [input, output] = [canvas(root, 'input'), canvas(root, 'output')];
    const focused = { input: ['1,0', '1,1', '1,2', '2,0', '2,1', '2,2', '3,0', '3,1', '3,2'], output: ['1,0'] };
    expect([outlined(input), outlined(output)]).toEqual([focused.input, focused.output]);
    // A hover over output (0, 1) outlines its own window instead.
    output.dispatchEvent(at(output, 0, 1));
    expect(root.querySelector<HTMLElement>('.convlab-tooltip')!.hidden).toBe(false);
    expect(outlined(output)).toEqual(['0,1']);
    expect(outlined(input)).toEqual(['0,1', '0,2', '0,3', '1,1', '1,2', '1,3', '2,1', '2,2', '2,3']);
    output.dispatchEvent(new MouseEvent('pointerleave'));
    expect([outlined(input), outlined(output)]).toEqual([focused.input, focused.output]);
    expect(caption.textContent).toContain('(row 1, col 0)');
  });

  it('has no caption without a focus, and a hover leaves nothing outlined', async () => {
    const root = await rendered(payloadOf(conv2d(image(), kernel())));
    expect(root.querySelector('.convlab-focus')).toBeNull();
    const output = canvas(root, 'output');
    output.dispatchEvent(at(output, 0, 0));
    output.dispatchEvent(new MouseEvent('pointerleave'));
    expect(outlined(output)).toEqual([]);
  });
});
