/**
 * The extension in a real JupyterLab: test/e2e/notebooks/convlab-views.ipynb runs in the ConvLab kernel, and the
 * test checks the drawn feature maps (count, hover values, receptive-field highlight) and shape traces (rows,
 * formula, error row), then saves screenshots in the light and dark themes under test/output/e2e.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
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

/** Moves the mouse over cell (row, col) of a heatmap whose grid is `rows × cols` cells (padding included). */
async function hoverCell(plot: Locator, row: number, col: number, rows: number, cols: number): Promise<void> {
  await plot.scrollIntoViewIfNeeded();
  const box = await plot.locator('.nsewdrag').boundingBox();
  if (!box) throw new Error('heatmap has no drag layer');
  await plot.page().mouse.move(box.x + ((col + 0.5) / cols) * box.width, box.y + ((row + 0.5) / rows) * box.height);
}

/**
 * The text of plotly's hover label, lines joined with ' | ', and minus signs as hyphens: plotly prints axis
 * coordinates with U+2212 but formatted values with '-'.
 */
async function hoverText(page: Page): Promise<string> {
  const label = page.locator('.hoverlayer .hovertext').first();
  await label.waitFor({ timeout: 10_000 });
  return label.locator('text.nums tspan.line').allTextContents().then((lines) => lines.join(' | ').replace(/\u2212/g, '-'));
}

/** The black outlines (not the white halos) that the highlight added to a plot, as [row, col, dotted]. */
function outlinedCells(plot: Locator): Promise<[number, number, boolean][]> {
  return plot.evaluate((node) => {
    const shapes = (node as unknown as { layout: { shapes?: { type: string; x0: number; y0: number; line: { color: string; dash?: string } }[] } })
      .layout.shapes ?? [];
    return shapes
      .filter((s) => s.type === 'rect' && s.line.color === '#000000')
      .map((s): [number, number, boolean] => [s.y0 + 0.5, s.x0 + 0.5, s.line.dash === 'dot']);
  });
}

/** The font colour the first heatmap was drawn with (taken from the theme when drawn). */
function plotFont(view: Locator): Promise<string> {
  return view
    .locator('.convlab-heatmap')
    .first()
    .evaluate((node) => (node as unknown as { layout: { font: { color: string } } }).layout.font.color);
}

async function runNotebook(lab: Lab, theme: 'light' | 'dark'): Promise<Page> {
  const page = await lab.open(NOTEBOOK, theme);
  await runAllCells(page);
  await page.waitForFunction(
    () =>
      document.querySelectorAll('.convlab-featuremap .js-plotly-plot .hm').length >= 35 &&
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
    // One heatmap per map: 3 input channels, 8 × 3 kernel slices, 8 output channels.
    expect(await view.locator('.convlab-panel-input .js-plotly-plot').count()).toBe(3);
    expect(await view.locator('.convlab-panel-kernel .js-plotly-plot').count()).toBe(24);
    expect(await view.locator('.convlab-panel-output .js-plotly-plot').count()).toBe(8);
    expect(await page.locator('.jp-OutputArea-output[data-mime-type="image/png"]').count()).toBe(0);
    const captions = await view.locator('.convlab-caption').allTextContents();
    expect(captions[0]).toMatch(/^input \[1,3,8,8\] · -9 … 9$/);
    expect(captions[2]).toMatch(/^output \[1,8,4,4\] · /);
    expect(await view.locator('.convlab-footer').textContent()).toMatch(/conv2d · backend cpu · kernel 3×3 · stride 2×2 · dilation 1×1 · padding 1,1 \/ 1,1/);

    // Hover input channel 2 at (row 6, col 3): its plot is 10×10 cells, padding included.
    const input2 = view.locator('.convlab-panel-input .convlab-heatmap').nth(2);
    await hoverCell(input2, 6 + 1, 3 + 1, 10, 10);
    expect(await hoverText(page)).toBe(`input channel 2 | (row 6, col 3) | value ${xAt(2, 6, 3)}`);
    // A padding cell says so.
    await hoverCell(input2, 0, 4, 10, 10);
    expect(await hoverText(page)).toBe('input channel 2 | padding (zeros) at (row -1, col 3)');

    // Hover output channel 5 at (row 1, col 2): its value, and the window rows 1..3, cols 3..5 in every input
    // channel, with the kernels `out 5 · in 0..2` marked.
    const output5 = view.locator('.convlab-panel-output .convlab-heatmap').nth(5);
    await hoverCell(output5, 1, 2, 4, 4);
    expect(await hoverText(page)).toBe(`output channel 5 | (row 1, col 2) | value ${yAt(5, 1, 2)}`);
    const window = [1, 2, 3].flatMap((r) => [3, 4, 5].map((c): [number, number, boolean] => [r, c, false]));
    for (let c = 0; c < 3; c++) {
      await expect.poll(() => outlinedCells(view.locator('.convlab-panel-input .convlab-heatmap').nth(c))).toEqual(window);
    }
    expect(await view.locator('.convlab-panel-kernel .convlab-map-active').evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset['index']))).toEqual([
      '15',
      '16',
      '17',
    ]);
    expect(await outlinedCells(output5)).toEqual([[1, 2, false]]);
    await screenshot(page, 'extension-light.png');
    await view.screenshot({ path: join(OUTPUT_DIR, 'featuremap-light.png') });

    // The corner output reads padding: the top row and left column of its window are dotted.
    await hoverCell(output5, 0, 0, 4, 4);
    await expect
      .poll(() => outlinedCells(view.locator('.convlab-panel-input .convlab-heatmap').nth(0)))
      .toEqual([-1, 0, 1].flatMap((r) => [-1, 0, 1].map((c): [number, number, boolean] => [r, c, r < 0 || c < 0])));
    // Leaving the plot clears the highlight.
    await page.mouse.move(5, 5);
    await expect.poll(() => view.locator('.convlab-map-active').count()).toBe(0);

    // Normalisation control: per channel, each output map spans ±(its own largest |value|).
    const bounds = Array.from({ length: 8 }, (_, o) =>
      Math.max(...[0, 1, 2, 3].flatMap((i) => [0, 1, 2, 3].map((j) => Math.abs(yAt(o, i, j))))),
    );
    const smallest = bounds.indexOf(Math.min(...bounds));
    const zmax = (): Promise<number> =>
      view
        .locator('.convlab-panel-output .convlab-heatmap')
        .nth(smallest)
        .evaluate((node) => (node as unknown as { data: { zmax: number }[] }).data[0]!.zmax);
    expect(await zmax()).toBe(Math.max(...bounds));
    await view.locator('select.convlab-normalisation').selectOption('channel');
    await expect.poll(zmax).toBe(bounds[smallest]);
    expect(bounds[smallest]).toBeLessThan(Math.max(...bounds));

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
    await view.locator('.convlab-panel-output .js-plotly-plot').waitFor({ timeout: 90_000 });
    expect(await view.locator('.convlab-footer').textContent()).toMatch(/padding 1,1 \/ 1,1 \(reflect\)/);
    // The input's plot is 6×6 cells, padding included: its top-left cell is padding at (row −1, col −1).
    const input = view.locator('.convlab-panel-input .convlab-heatmap').first();
    await hoverCell(input, 0, 0, 6, 6);
    expect(await hoverText(page)).toBe('input channel 0 | padding (reflect) at (row -1, col -1)');
    await screenshot(page, 'padding-modes-reflect.png');
    await hoverCell(input, 1, 1, 6, 6);
    expect(await hoverText(page)).toBe('input channel 0 | (row 0, col 0) | value 1');
    await page.close();
  });

  it('reads in the dark theme', async () => {
    const page = await runNotebook(lab, 'dark');
    onTestFailed(async () => {
      await screenshot(page, 'extension-dark-failed.png');
    });
    expect(await page.evaluate(() => document.body.dataset['jpThemeLight'])).toBe('false');
    const view = page.locator('.convlab-featuremap');
    // Hover text takes the theme's font colour, read when the plots were drawn.
    const color = await page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--jp-ui-font-color1').trim());
    expect(await plotFont(view)).toBe(color);
    await hoverCell(view.locator('.convlab-panel-output .convlab-heatmap').nth(5), 1, 2, 4, 4);
    await page.locator('.hoverlayer .hovertext').first().waitFor();
    await screenshot(page, 'extension-dark.png');
    await view.screenshot({ path: join(OUTPUT_DIR, 'featuremap-dark.png') });
    await page.locator('.convlab-shapetrace').nth(0).screenshot({ path: join(OUTPUT_DIR, 'trace-dark.png') });
    await page.locator('.convlab-shapetrace').nth(1).screenshot({ path: join(OUTPUT_DIR, 'trace-error-dark.png') });

    // Switching the theme in the running lab redraws the plots in the new theme's colours.
    await page.mouse.move(5, 5);
    await page.click('.lm-MenuBar-itemLabel:text-is("Settings")');
    await page.click('.lm-Menu-itemLabel:text-is("Theme")');
    await page.click('.lm-Menu-itemLabel:text-is("JupyterLab Light")');
    await page.waitForFunction(() => document.body.dataset['jpThemeLight'] === 'true', undefined, { timeout: 30_000 });
    const lightColor = await page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--jp-ui-font-color1').trim());
    expect(lightColor).not.toBe(color);
    await expect
      .poll(() => plotFont(view))
      .toBe(lightColor);
    await page.close();
  });

  it('reads without the extension: nbconvert HTML of the executed notebook shows the PNG fallback', async () => {
    // Executes a copy in the lab's root with the real kernel, then exports HTML (nbconvert has no extension).
    const jupyter = join(ROOT, '.venv', 'bin', 'jupyter');
    await promisify(execFile)(jupyter, ['nbconvert', '--to', 'html', '--execute', NOTEBOOK, '--output', 'views.html'], {
      cwd: lab.root,
      timeout: 180_000,
    });
    const html = readFileSync(join(lab.root, 'views.html'), 'utf8');
    // One feature map → one PNG; the traces fall back to their text/plain (or the kernel's HTML table).
    expect(html.match(/<img [^>]*src="data:image\/png;base64,/g)).toHaveLength(1);
    // The last trace row's output shape, from whichever fallback the trace carries (text or HTML table).
    expect(html).toContain('[1,16,8,8]');
    expect(html).not.toContain('convlab-featuremap');
    const page = await lab.openUrl(`${lab.url}/files/views.html?token=${lab.token}`);
    await page.locator('img').first().scrollIntoViewIfNeeded();
    await screenshot(page, 'nbconvert-html.png');
    await page.close();
  });
});
