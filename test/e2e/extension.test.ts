/**
 * The extension in a real JupyterLab: test/e2e/notebooks/convlab-views.ipynb runs in the ConvLab kernel, and the
 * test checks the drawn feature maps (one canvas per map, the tooltip's values, the receptive-field outlines,
 * the colours under each normalisation, the theme's colours) by the view's DOM contract
 * (test/e2e/featuremap-helpers.ts), and the shape traces (rows, formula, error row), then saves screenshots in
 * the light and dark themes under test/output/e2e.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { cellPixel, geometry, hoverCell, mapCanvas, pixelAt, plainMinus, scaleColor, tooltipMatching } from './featuremap-helpers';
import { E2E_NOTEBOOKS, OUTPUT_DIR, ROOT, runAllCells, scratchNotebooks, screenshot, startLab, type Lab } from './lab';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const NOTEBOOK = 'convlab-views.ipynb';
/** One conv with `paddingMode: 'reflect'`: the view must name the mode, not call the padding zeros. */
const MODES_NOTEBOOK = 'padding-modes.ipynb';

// The notebook's tensors, from the same formulas as its first cell: x [1,3,8,8], w [8,3,3,3].
const xAt = (c: number, r: number, k: number): number => (((c * 64 + r * 8 + k) * 37) % 19) - 9;
const wAt = (o: number, c: number, a: number, b: number): number => (((o * 27 + c * 9 + a * 3 + b) * 7) % 5) - 2;
/** conv2d with padding 1, stride 2, straight from the definition (zero outside the 8×8 input). */
function yAt(o: number, i: number, j: number): number {
  let sum = 0;
  for (let c = 0; c < 3; c++)
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        const r = 2 * i - 1 + a;
        const k = 2 * j - 1 + b;
        if (r >= 0 && r < 8 && k >= 0 && k < 8) sum += wAt(o, c, a, b) * xAt(c, r, k);
      }
  return sum;
}

/** The cells a canvas outlines, from its `data-highlight` (`r,c;r,c…`), as [row, col]. */
async function outlinedCells(canvas: Locator): Promise<[number, number][]> {
  const value = (await canvas.getAttribute('data-highlight')) ?? '';
  return value
    .split(';')
    .filter(Boolean)
    .map((cell) => cell.split(',').map(Number) as [number, number]);
}

/** A CSS colour (a theme variable, say) as the browser computes it, e.g. `rgba(255, 255, 255, 0.87)`. */
function computedColor(page: Page, css: string): Promise<string> {
  return page.evaluate((value) => {
    const probe = document.createElement('div');
    probe.style.color = value;
    document.body.appendChild(probe);
    const color = getComputedStyle(probe).color;
    probe.remove();
    return color;
  }, css);
}

/** A CSS colour's red, green and blue, 0–255 (an opaque theme colour: its alpha is not used). */
async function resolvedColor(page: Page, css: string): Promise<[number, number, number]> {
  const [r, g, b] = (await computedColor(page, css)).match(/\d+(\.\d+)?/g)!.map(Number);
  return [r!, g!, b!];
}

/** The colour stops of a panel's legend strip (its CSS gradient, as the browser serialises it). */
async function legendStops(panel: Locator): Promise<[number, string][]> {
  const background = await panel.locator('.convlab-legend-strip').evaluate((node) => (node as HTMLElement).style.backgroundImage);
  const hex = (n: string): string => Number(n).toString(16).padStart(2, '0');
  return [...background.matchAll(/rgb\((\d+), (\d+), (\d+)\) (\d+(?:\.\d+)?)%/g)].map(
    (m): [number, string] => [Number(m[4]) / 100, `#${hex(m[1]!)}${hex(m[2]!)}${hex(m[3]!)}`],
  );
}

const distance = (a: readonly number[], b: readonly number[]): number => Math.max(...[0, 1, 2].map((k) => Math.abs(a[k]! - b[k]!)));

async function runNotebook(lab: Lab, theme: 'light' | 'dark'): Promise<Page> {
  const page = await lab.open(NOTEBOOK, theme);
  await runAllCells(page);
  await page.waitForFunction(
    () =>
      document.querySelectorAll('.convlab-featuremap[data-rendered="true"] canvas.convlab-heatmap').length >= 35 &&
      document.querySelectorAll('.convlab-shapetrace').length === 2,
    undefined,
    { timeout: 90_000 },
  );
  return page;
}

describe('feature maps and shape traces in a real JupyterLab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab(scratchNotebooks([NOTEBOOK, MODES_NOTEBOOK], E2E_NOTEBOOKS));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('draws, hovers and highlights in the light theme', async () => {
    const page = await runNotebook(lab, 'light');
    onTestFailed(async () => {
      await screenshot(page, 'extension-failed.png');
    });
    const view = page.locator('.convlab-featuremap');
    // One canvas per map: 3 input channels, 8 × 3 kernel slices, 8 output channels.
    expect(await view.locator('.convlab-panel-input canvas.convlab-heatmap').count()).toBe(3);
    expect(await view.locator('.convlab-panel-kernel canvas.convlab-heatmap').count()).toBe(24);
    expect(await view.locator('.convlab-panel-output canvas.convlab-heatmap').count()).toBe(8);
    expect(await page.locator('.jp-OutputArea-output[data-mime-type="image/png"]').count()).toBe(0);
    const captions = (await view.locator('.convlab-caption').allTextContents()).map(plainMinus);
    expect(captions[0]).toMatch(/^input \[1,3,8,8\] · -9 … 9$/);
    expect(captions[2]).toMatch(/^output \[1,8,4,4\] · /);
    expect(await view.locator('.convlab-footer').textContent()).toMatch(/conv2d · backend cpu · kernel 3×3 · stride 2×2 · dilation 1×1 · padding 1,1 \/ 1,1/);
    // Input | kernel | output side by side in one row, however tall the kernel bank is.
    const tops = await view.locator('.convlab-panels > .convlab-panel').evaluateAll((panels) => panels.map((p) => p.getBoundingClientRect().top));
    expect(new Set(tops).size).toBe(1);

    // Hover input channel 2 at (row 6, col 3): its grid is 10×10 cells, padding included.
    const input2 = mapCanvas(view, 'input', 2);
    expect(await geometry(input2)).toMatchObject({ top: 1, left: 1, rows: 10, cols: 10 });
    await hoverCell(input2, 6, 3);
    expect(await tooltipMatching(view, /\(row 6, col 3\)/)).toBe(`input channel 2\n(row 6, col 3)\nvalue ${xAt(2, 6, 3)}`);
    // A padding cell says so, and what it holds.
    await hoverCell(input2, -1, 3);
    expect(await tooltipMatching(view, /padding/)).toBe('input channel 2\npadding (zeros) at (row -1, col 3)\n= 0');

    // Hover output channel 5 at (row 1, col 2): its value and its Σ x·w, and the window rows 1..3, cols 3..5 in
    // every input channel, with the kernels `out 5 · in 0..2` marked.
    const output5 = mapCanvas(view, 'output', 5);
    await hoverCell(output5, 1, 2);
    const lines = (await tooltipMatching(view, /output channel 5/)).split('\n');
    expect(lines.slice(0, 3)).toEqual(['output channel 5', '(row 1, col 2)', `value ${yAt(5, 1, 2)}`]);
    expect(lines[3]).toMatch(new RegExp(`^Σ x·w = .* = ${yAt(5, 1, 2)}$`));
    const window = [1, 2, 3].flatMap((r) => [3, 4, 5].map((c): [number, number] => [r, c]));
    for (let c = 0; c < 3; c++) {
      await expect.poll(() => outlinedCells(mapCanvas(view, 'input', c))).toEqual(window);
    }
    expect(await view.locator('.convlab-panel-kernel .convlab-map-active').evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset['index']))).toEqual([
      '15',
      '16',
      '17',
    ]);
    expect(await outlinedCells(output5)).toEqual([[1, 2]]);
    await screenshot(page, 'extension-light.png');
    await view.screenshot({ path: join(OUTPUT_DIR, 'featuremap-light.png') });

    // The corner output reads padding: its window's top row and left column lie in the padding (drawn dotted).
    await hoverCell(output5, 0, 0);
    await expect
      .poll(() => outlinedCells(mapCanvas(view, 'input', 0)))
      .toEqual([-1, 0, 1].flatMap((r) => [-1, 0, 1].map((c): [number, number] => [r, c])));
    // Leaving the map clears the highlight and the tooltip.
    await page.mouse.move(5, 5);
    await expect.poll(() => view.locator('.convlab-map-active').count()).toBe(0);
    await expect.poll(() => outlinedCells(mapCanvas(view, 'input', 0))).toEqual([]);
    expect(await view.locator('.convlab-tooltip').isVisible()).toBe(false);

    // Normalisation control: per channel, each output map spans ±(its own largest |value|). The cell holding the
    // smallest-range channel's largest |value| sits inside the layer's scale, and at its end per channel.
    const bounds = Array.from({ length: 8 }, (_, o) =>
      Math.max(...[0, 1, 2, 3].flatMap((i) => [0, 1, 2, 3].map((j) => Math.abs(yAt(o, i, j))))),
    );
    const smallest = bounds.indexOf(Math.min(...bounds));
    const layer = Math.max(...bounds);
    expect(bounds[smallest]).toBeLessThan(layer);
    const [pi, pj] = [0, 1, 2, 3].flatMap((i) => [0, 1, 2, 3].map((j) => [i, j])).find(([i, j]) => Math.abs(yAt(smallest, i!, j!)) === bounds[smallest])!;
    const peak = yAt(smallest, pi!, pj!);
    // Numbers off, so the cell's centre pixel is its colour.
    await view.locator('input.convlab-numbers').uncheck();
    const stops = await legendStops(view.locator('.convlab-panel-output'));
    expect(stops.length).toBeGreaterThanOrEqual(2);
    const pixel = (): Promise<[number, number, number, number]> => cellPixel(mapCanvas(view, 'output', smallest), pi!, pj!);
    await expect.poll(async () => distance(await pixel(), scaleColor(stops, 0.5 + peak / (2 * layer)))).toBeLessThanOrEqual(3);
    await view.locator('select.convlab-normalisation').selectOption('channel');
    await expect.poll(async () => distance(await pixel(), scaleColor(stops, peak > 0 ? 1 : 0))).toBeLessThanOrEqual(3);
    expect(await view.locator('.convlab-panel-output .convlab-legend-high').textContent()).toMatch(/of each channel/);

    // The 4-layer trace: rows, one formula, totals.
    const [trace, failed] = [page.locator('.convlab-shapetrace').nth(0), page.locator('.convlab-shapetrace').nth(1)];
    const rows = trace.locator('tbody tr.convlab-trace-row');
    expect(await rows.count()).toBe(4);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent).slice(1, 4)))).toEqual([
      ['conv2d', '[1,3,32,32]', '[1,8,32,32]'],
      ['maxPool2d', '[1,8,32,32]', '[1,8,16,16]'],
      ['relu', '[1,8,16,16]', '[1,8,16,16]'],
      ['conv2d', '[1,8,16,16]', '[1,16,8,8]'],
    ]);
    await rows.nth(3).locator('.convlab-trace-toggle').click();
    expect(await trace.locator('tr.convlab-trace-formula:not([hidden])').textContent()).toBe(
      'H: floor((16 + 1 + 1 − 3) / 2) + 1 = 8 · W: floor((16 + 1 + 1 − 3) / 2) + 1 = 8',
    );
    expect(await trace.locator('.convlab-trace-totals').textContent()).toContain('total');
    expect(await trace.locator('svg.convlab-trace-diagram rect').count()).toBe(5);
    await trace.screenshot({ path: join(OUTPUT_DIR, 'trace-light.png') });

    // The failing trace: two rows that fit, then the error row with the library's message.
    expect(await failed.locator('tbody tr.convlab-trace-row').count()).toBe(3);
    const error = failed.locator('tr.convlab-trace-error');
    expect(await error.count()).toBe(1);
    expect(await error.textContent()).toMatch(/^▸2conv2d\[1,8,3,3\]conv2d: .*no larger than the padded input/);
    await failed.screenshot({ path: join(OUTPUT_DIR, 'trace-error-light.png') });
    await page.close();
  });

  it('names the padding mode: hovering a padding cell of a reflect-padded conv reads "reflect"', async () => {
    // A workspace of its own (reset): the default one would restore the tabs of the tests before.
    const page = await lab.openUrl(`${lab.url}/lab/workspaces/padding-modes/tree/${MODES_NOTEBOOK}?reset&token=${lab.token}`);
    onTestFailed(async () => {
      await screenshot(page, 'padding-modes-failed.png');
    });
    await page.waitForSelector('.jp-Notebook', { timeout: 60_000 });
    await runAllCells(page);
    const view = page.locator('.convlab-featuremap');
    await view.locator('xpath=self::*[@data-rendered="true"]').waitFor({ timeout: 90_000 });
    expect(await view.locator('.convlab-footer').textContent()).toMatch(/padding 1,1 \/ 1,1 \(reflect\)/);
    // The input's grid is 6×6 cells, padding included: its top-left cell is padding at (row −1, col −1), which
    // reflects input (row 1, col 1) = 6.
    const input = mapCanvas(view, 'input', 0);
    expect(await geometry(input)).toMatchObject({ top: 1, left: 1, rows: 6, cols: 6 });
    await hoverCell(input, -1, -1);
    expect(await tooltipMatching(view, /padding/)).toBe('input channel 0\npadding (reflect) at (row -1, col -1)\ncopies input (row 1, col 1) = 6');
    await expect.poll(() => outlinedCells(input)).toEqual([
      [-1, -1],
      [1, 1],
    ]);
    await screenshot(page, 'padding-modes-reflect.png');
    await hoverCell(input, 0, 0);
    expect(await tooltipMatching(view, /\(row 0, col 0\)/)).toBe('input channel 0\n(row 0, col 0)\nvalue 1');
    await page.close();
  });

  it('reads in the dark theme', async () => {
    const page = await runNotebook(lab, 'dark');
    onTestFailed(async () => {
      await screenshot(page, 'extension-dark-failed.png');
    });
    expect(await page.evaluate(() => document.body.dataset['jpThemeLight'])).toBe('false');
    const view = page.locator('.convlab-featuremap');
    // The tooltip takes the theme's font colour.
    await hoverCell(mapCanvas(view, 'output', 5), 1, 2);
    await tooltipMatching(view, /output channel 5/);
    const tipColor = await view.locator('.convlab-tooltip').evaluate((node) => getComputedStyle(node).color);
    expect(tipColor).toBe(await computedColor(page, 'var(--jp-ui-font-color1)'));
    await screenshot(page, 'extension-dark.png');
    await view.screenshot({ path: join(OUTPUT_DIR, 'featuremap-dark.png') });
    await page.locator('.convlab-shapetrace').nth(0).screenshot({ path: join(OUTPUT_DIR, 'trace-dark.png') });
    await page.locator('.convlab-shapetrace').nth(1).screenshot({ path: join(OUTPUT_DIR, 'trace-error-dark.png') });

    // The lines between the output's (large) cells are drawn in the theme's background colour, read at draw time.
    await page.mouse.move(5, 5);
    const output = mapCanvas(view, 'output', 0);
    const { cell } = await geometry(output);
    const line = async (): Promise<number[]> => (await pixelAt(output, cell, cell / 2)).slice(0, 3);
    const darkBackground = await resolvedColor(page, 'var(--jp-layout-color0)');
    expect(distance(await line(), darkBackground)).toBeLessThanOrEqual(2);

    // Switching the theme in the running lab redraws the canvases in the new theme's colours.
    await page.click('.lm-MenuBar-itemLabel:text-is("Settings")');
    await page.click('.lm-Menu-itemLabel:text-is("Theme")');
    await page.click('.lm-Menu-itemLabel:text-is("JupyterLab Light")');
    await page.waitForFunction(() => document.body.dataset['jpThemeLight'] === 'true', undefined, { timeout: 30_000 });
    const lightBackground = await resolvedColor(page, 'var(--jp-layout-color0)');
    expect(distance(lightBackground, darkBackground)).toBeGreaterThan(50);
    await expect.poll(async () => distance(await line(), lightBackground)).toBeLessThanOrEqual(2);
    await page.close();
  });

  it('reads without the extension: nbconvert HTML of the executed notebook shows the labelled figure', async () => {
    // Executes a copy in the lab's root with the real kernel, then exports HTML (nbconvert has no extension).
    const jupyter = join(ROOT, '.venv', 'bin', 'jupyter');
    await promisify(execFile)(jupyter, ['nbconvert', '--to', 'html', '--execute', NOTEBOOK, '--output', 'views.html'], {
      cwd: lab.root,
      timeout: 180_000,
    });
    const html = readFileSync(join(lab.root, 'views.html'), 'utf8');
    // One feature map → one labelled figure (the kernel's text/html): a title with the shape over each panel, one
    // picture per map (3 input channels, the kernel's first 5 filters of 3 maps — whole filters, at most 16 maps —
    // and 8 output channels) and a colour bar with its numbers in text per panel, and the op's footer. The traces
    // fall back to their text/plain (or the kernel's HTML table).
    expect(html.match(/class="convlab-static"/g)).toHaveLength(1);
    for (const title of ['input [1,3,8,8]', 'kernel [8,3,3,3]', 'output [1,8,4,4]']) expect(html).toContain(`<b>${title}</b>`);
    expect(html.match(/<img [^>]*src="data:image\/png;base64,/g)).toHaveLength(3 + 15 + 8 + 3);
    expect(html).toContain('first 15 of 24 maps');
    expect(html.match(/alt="colour bar"/g)).toHaveLength(3);
    expect(html).toContain('kernel 3×3 · stride 2×2');
    // The last trace row's output shape, from whichever fallback the trace carries (text or HTML table).
    expect(html).toContain('[1,16,8,8]');
    expect(html).not.toContain('convlab-featuremap');
    const page = await lab.openUrl(`${lab.url}/files/views.html?token=${lab.token}`);
    await page.locator('img').first().scrollIntoViewIfNeeded();
    await screenshot(page, 'nbconvert-html.png');
    await page.close();
  });
});
