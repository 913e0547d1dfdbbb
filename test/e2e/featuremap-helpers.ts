/**
 * Helpers for the browser tests of the canvas feature-map view (issue 16): notebooks written by the tests,
 * pointer moves to a cell of a map by the view's DOM contract (`data-cell`, `data-top`, `data-left` on each
 * `canvas.convlab-heatmap`), the tooltip's text, canvas pixels, and crafted payloads for untrusted notebooks.
 *
 * Everything read here is what a user sees: the tooltip's text, the DOM, the pixels drawn.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { tracePayload, traceRow } from '../unit/protocol/fixtures';
import { FEATURE_MAP_MIME, SHAPE_TRACE_MIME, type FeatureMapPayload, type ShapeTracePayload } from '@convlab/protocol';

/** A code cell of a written notebook: its source, and (for crafted notebooks) the outputs stored with it. */
export interface CellSpec {
  source: string;
  outputs?: unknown[];
}

/**
 * Writes `name` into `root` as a ConvLab notebook of code cells. Stored outputs are not signed, so JupyterLab
 * opens a notebook with outputs as untrusted.
 */
export function writeNotebook(root: string, name: string, cells: readonly (string | CellSpec)[]): void {
  const notebook = {
    cells: cells.map((cell, i) => {
      const spec = typeof cell === 'string' ? { source: cell } : cell;
      return {
        cell_type: 'code',
        execution_count: spec.outputs?.length ? i + 1 : null,
        id: `cell-${i}`,
        metadata: {},
        outputs: spec.outputs ?? [],
        source: spec.source,
      };
    }),
    metadata: {
      kernelspec: { display_name: 'TypeScript (ConvLab)', language: 'typescript', name: 'convlab' },
      language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  writeFileSync(join(root, name), JSON.stringify(notebook, null, 1));
}

/** A stored `display_data` output carrying `bundle` (MIME type → data). */
export function displayData(bundle: Record<string, unknown>): unknown {
  return { output_type: 'display_data', data: bundle, metadata: {} };
}

/** The code cells of the open notebook, in order. */
export function codeCells(page: Page): Locator {
  return page.locator('.jp-Notebook .jp-CodeCell');
}

/** Waits until every code cell of the open notebook shows an execution count (`[n]:`), i.e. Run All ended. */
export async function waitForAllCells(page: Page, timeout = 180_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const prompts = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt'));
      return prompts.length > 0 && prompts.every((p) => /^\[\d+\]:$/.test(p.textContent?.trim() ?? ''));
    },
    undefined,
    { timeout },
  );
}

/** What code cell `i` printed (its stdout streams, joined). */
export async function printed(page: Page, i: number): Promise<string> {
  const streams = codeCells(page).nth(i).locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]');
  return (await streams.allInnerTexts()).join('\n');
}

/** The feature-map view in the output of code cell `i`, once drawn (`data-rendered="true"`). */
export async function viewOf(page: Page, i: number, timeout = 120_000): Promise<Locator> {
  const view = codeCells(page).nth(i).locator('.convlab-featuremap').first();
  await view.locator('xpath=self::*[@data-rendered="true"]').waitFor({ timeout });
  return view;
}

/** The heatmap canvas of map `index` (the contract's `data-index`) in the panel of `role`. */
export function mapCanvas(view: Locator, role: string, index: number): Locator {
  return view.locator(`.convlab-panel-${role} .convlab-map[data-index="${index}"] canvas.convlab-heatmap`).first();
}

/** The contract's geometry of a canvas: CSS px per cell, padding rows/cols drawn before row 0 / col 0, grid size. */
export interface CanvasGeometry {
  cell: number;
  top: number;
  left: number;
  rows: number;
  cols: number;
}

export async function geometry(canvas: Locator): Promise<CanvasGeometry> {
  return canvas.evaluate((node) => {
    const n = (name: string): number => Number((node as HTMLElement).dataset[name]);
    return { cell: n('cell'), top: n('top'), left: n('left'), rows: n('rows'), cols: n('cols') };
  });
}

/**
 * Moves the pointer to the centre of cell (row r, col c) of a map (r, c negative in the top/left padding): by
 * the contract, x = (c + left + 0.5)·cell, y = (r + top + 0.5)·cell inside the canvas, in CSS px.
 */
export async function hoverCell(canvas: Locator, r: number, c: number): Promise<void> {
  await canvas.scrollIntoViewIfNeeded();
  const g = await geometry(canvas);
  const box = await canvas.boundingBox();
  if (!box) throw new Error('the canvas is not laid out');
  const page = canvas.page();
  // Arrive from outside the canvas, so the move over the cell is a fresh pointermove onto it.
  await page.mouse.move(box.x - 5, box.y - 5);
  await page.mouse.move(box.x + (c + g.left + 0.5) * g.cell, box.y + (r + g.top + 0.5) * g.cell, { steps: 2 });
}

/** Minus signs as hyphens: the view may write U+2212. */
export const plainMinus = (text: string): string => text.replace(/\u2212/g, '-');

/** The tooltip's text once it is visible (lines separated by '\n'), minus signs as hyphens. */
export async function tooltipText(view: Locator): Promise<string> {
  const tooltip = view.locator('.convlab-tooltip');
  await tooltip.waitFor({ state: 'visible', timeout: 10_000 });
  return plainMinus((await tooltip.textContent()) ?? '');
}

/** Waits until the tooltip's text matches `pattern` (the pointer move and the redraw are asynchronous). */
export async function tooltipMatching(view: Locator, pattern: RegExp): Promise<string> {
  let last = '';
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    last = await tooltipText(view).catch(() => '');
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

/** The RGBA of the canvas pixel under CSS point (x, y) inside the canvas (scaled by its backing-store ratio). */
export function pixelAt(canvas: Locator, x: number, y: number): Promise<[number, number, number, number]> {
  return canvas.evaluate(
    (node, [px, py]) => {
      const c = node as HTMLCanvasElement;
      const scale = c.width / c.getBoundingClientRect().width;
      const data = c.getContext('2d')!.getImageData(Math.floor(px! * scale), Math.floor(py! * scale), 1, 1).data;
      return [data[0]!, data[1]!, data[2]!, data[3]!] as [number, number, number, number];
    },
    [x, y],
  );
}

/** The RGBA of the pixel at the centre of cell (row r, col c). */
export async function cellPixel(canvas: Locator, r: number, c: number): Promise<[number, number, number, number]> {
  const g = await geometry(canvas);
  return pixelAt(canvas, (c + g.left + 0.5) * g.cell, (r + g.top + 0.5) * g.cell);
}

/** A digest of every pixel of a canvas (FNV-1a over its RGBA bytes): equal digests, equal drawings. */
export function canvasDigest(canvas: Locator): Promise<string> {
  return canvas.evaluate((node) => {
    const c = node as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 0x811c9dc5;
    for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
    return `${c.width}x${c.height}:${(h >>> 0).toString(16)}`;
  });
}

/** `#rrggbb` → [r, g, b]. */
export function hexRgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** The colour at position `t` (0..1) of a `[position, '#rrggbb']` scale, by linear interpolation between stops. */
export function scaleColor(stops: readonly [number, string][], t: number): [number, number, number] {
  const sorted = [...stops].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < sorted.length; i++) {
    const [p0, c0] = sorted[i - 1]!;
    const [p1, c1] = sorted[i]!;
    if (t <= p1) {
      const f = p1 === p0 ? 0 : (t - p0) / (p1 - p0);
      const [a, b] = [hexRgb(c0), hexRgb(c1)];
      return [0, 1, 2].map((k) => a[k]! + f * (b[k]! - a[k]!)) as [number, number, number];
    }
  }
  return hexRgb(sorted[sorted.length - 1]![1]);
}

/**
 * The input cell a padding cell copies, by NumPy's `np.pad` rules per axis (index `i` of an axis of length `n`;
 * pads wider than the axis keep reflecting or wrapping, as NumPy does).
 */
export function numpySource(mode: 'reflect' | 'symmetric' | 'replicate' | 'circular', i: number, n: number): number {
  const wrap = (k: number, p: number): number => ((k % p) + p) % p;
  switch (mode) {
    case 'reflect': {
      // Mirrors about the edge element, which is not repeated: period 2(n − 1).
      if (n === 1) return 0;
      const m = wrap(i, 2 * (n - 1));
      return m < n ? m : 2 * (n - 1) - m;
    }
    case 'symmetric': {
      // Mirrors about the array's edge, so the edge element is repeated: period 2n.
      const m = wrap(i, 2 * n);
      return m < n ? m : 2 * n - 1 - m;
    }
    case 'replicate':
      return Math.min(n - 1, Math.max(0, i));
    case 'circular':
      return wrap(i, n);
  }
}

/** Little-endian float32 values as base64 (the payload's `'f32-base64'`). */
export function f32Base64(values: readonly number[]): string {
  return Buffer.from(Float32Array.from(values).buffer).toString('base64');
}

/** A valid `h × w` map of values 0, 1, 2, … (f32), labelled `label`. */
export function craftedMap(label: string, h: number, w: number): FeatureMapPayload['panels'][number]['maps'][number] {
  const values = Array.from({ length: h * w }, (_, i) => i);
  return { label, height: h, width: w, encoding: 'f32-base64', data: f32Base64(values), min: 0, max: Math.max(0, h * w - 1) };
}

const SEQUENTIAL: [number, string][] = [
  [0, '#ffffff'],
  [1, '#08306b'],
];

/** A valid payload of one tensor panel with one `h × w` map labelled `label`. */
export function craftedTensor(label: string, h = 4, w = 4): FeatureMapPayload {
  const map = craftedMap(label, h, w);
  return {
    version: 1,
    op: 'tensor',
    backend: 'cpu',
    notes: [],
    panels: [{ role: 'tensor', title: `tensor [${h},${w}]`, shape: [h, w], min: map.min, max: map.max, colorscale: SEQUENTIAL, centered: false, maps: [map] }],
  };
}

/**
 * A valid payload of a conv2d drawn as input | output (`size × size`, kernel 1×1, no padding), the frame the
 * crafted windows are put into.
 */
export function craftedConv(size = 28): FeatureMapPayload {
  const panel = (role: 'input' | 'output') => {
    const map = craftedMap('channel 0', size, size);
    return { role, title: `${role} [1,1,${size},${size}]`, shape: [1, 1, size, size], min: map.min, max: map.max, colorscale: SEQUENTIAL, centered: false, maps: [map] };
  };
  return {
    version: 1,
    op: 'conv2d',
    backend: 'cpu',
    notes: [],
    window: { kernel: [1, 1], stride: [1, 1], dilation: [1, 1], padding: [[0, 0], [0, 0]], groups: 1 },
    panels: [panel('input'), panel('output')],
  };
}

/** A display bundle of a feature-map payload, with the text fallback a kernel would send. */
export function featureMapOutput(payload: unknown, text = 'crafted feature map'): unknown {
  return displayData({ [FEATURE_MAP_MIME]: payload, 'text/plain': text });
}

/** A valid shape trace of `rows` layers (the protocol fixtures' conv row, numbered), titled `crafted`. */
export function craftedTrace(rows: number): ShapeTracePayload {
  // Not the row count in the title: the note saying how many rows are drawn must say that.
  return { ...tracePayload(Array.from({ length: rows }, (_, index) => traceRow({ index }))), title: 'crafted' };
}

/** A display bundle of a shape trace. */
export function shapeTraceOutput(payload: unknown, text = 'crafted shape trace'): unknown {
  return displayData({ [SHAPE_TRACE_MIME]: payload, 'text/plain': text });
}

/**
 * Whether the page answers a click: clicking code cell `i`'s prompt makes that cell the active one. Returns
 * false (instead of throwing) when it does not within `timeout` ms.
 */
export async function clickMakesActive(page: Page, i: number, timeout = 10_000): Promise<boolean> {
  const cell = codeCells(page).nth(i);
  await cell.locator('.jp-InputArea-prompt').click({ timeout });
  return cell
    .locator('xpath=self::*[contains(concat(" ", normalize-space(@class), " "), " jp-mod-active ")]')
    .waitFor({ timeout })
    .then(
      () => true,
      () => false,
    );
}
