/**
 * The documentation notebooks in a real JupyterLab: 03-feature-maps and 04-shape-traces run top to bottom and
 * every rich output is drawn by the extension (not the PNG / HTML fallback); the report template's results
 * `table(...)` is an HTML table there. Screenshots land in
 * test/output/e2e/notebook-*.png for a person to look at.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Page } from 'playwright-core';
import { waitForAllCells } from './featuremap-helpers';
import { runAllCells, scratchNotebooks, screenshot, startLab, type Lab } from './lab';

/** Runs the notebook and waits until the extension has drawn `featureMaps` feature maps and `traces` traces;
 * no other output is an image, an HTML table (unless `htmlTables` are expected) or stderr. */
async function runAndWait(lab: Lab, name: string, featureMaps: number, traces: number, htmlTables = 0): Promise<Page> {
  const page = await lab.open(name);
  onTestFailed(async () => {
    await screenshot(page, `notebook-${name}-failed.png`);
  });
  await runAllCells(page);
  // Every cell has run (a count reached while later cells still run would pass too early).
  await waitForAllCells(page);
  await page.waitForFunction(
    ([maps, shapeTraces]) =>
      document.querySelectorAll('.convlab-featuremap').length === maps &&
      document.querySelectorAll('.convlab-shapetrace').length === shapeTraces,
    [featureMaps, traces] as const,
    { timeout: 120_000 },
  );
  // The vendor types won: no output fell back to the PNG or to the HTML table.
  expect(await page.locator('.jp-OutputArea-output[data-mime-type="image/png"]').count()).toBe(0);
  expect(await page.locator('.jp-OutputArea-output[data-mime-type="text/html"] table').count()).toBe(htmlTables);
  expect(await page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count()).toBe(0);
  return page;
}

/** Scrolls an output into view and screenshots the viewport. */
async function look(page: Page, selector: string, index: number, name: string): Promise<void> {
  await page.locator(selector).nth(index).scrollIntoViewIfNeeded();
  await screenshot(page, name);
}

/** A JupyterLab of its own for one notebook, so each test starts from a clean workspace. */
function withLab(name: string): () => Lab {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab(scratchNotebooks([name]));
  });
  afterAll(async () => {
    await lab?.stop();
  });
  return () => lab;
}

describe('03-feature-maps in a real JupyterLab', () => {
  const lab = withLab('03-feature-maps.ipynb');
  it('03-feature-maps: the photo, its grey version and every filter drawn as heatmaps', async () => {
    // Nine cells end in a tensor: the photo, grey, three filters, ReLU, the pool, the bank, the channel mix.
    const page = await runAndWait(lab(), '03-feature-maps.ipynb', 9, 0);
    // The 4-filter bank: input (1 map), kernel (4), output (4); found by its kernel's caption.
    const bank = page.locator('.convlab-featuremap', { has: page.locator('.convlab-caption', { hasText: /^kernel \[4,1,3,3\]/ }) });
    expect(await bank.locator('.convlab-panel-output canvas.convlab-heatmap').count()).toBe(4);
    await look(page, '.convlab-featuremap', 2, 'notebook-03-vertical.png');
    await bank.scrollIntoViewIfNeeded();
    await screenshot(page, 'notebook-03-bank.png');
    await page.close();
  });
});

describe('04-shape-traces in a real JupyterLab', () => {
  const lab = withLab('04-shape-traces.ipynb');
  it('04-shape-traces: the Keras model, LeNet-5 and the failing trace as tables', async () => {
    const page = await runAndWait(lab(), '04-shape-traces.ipynb', 0, 5);
    const rowsOf = (i: number) => page.locator('.convlab-shapetrace').nth(i).locator('tbody tr.convlab-trace-row');
    expect(await rowsOf(0).count()).toBe(3);
    expect(await rowsOf(2).count()).toBe(12);
    expect(await page.locator('.convlab-shapetrace').nth(3).locator('tr.convlab-trace-error').count()).toBe(1);
    await look(page, '.convlab-shapetrace', 0, 'notebook-04-keras.png');
    await look(page, '.convlab-shapetrace', 3, 'notebook-04-error.png');
    await page.close();
  });
});

describe('report-template in a real JupyterLab', () => {
  const lab = withLab('report-template.ipynb');
  it('report-template: the results table, the feature maps and the shape trace', async () => {
    const page = await runAndWait(lab(), 'report-template.ipynb', 1, 1, 1);
    const results = page.locator('.jp-OutputArea-output[data-mime-type="text/html"] table');
    expect(await results.locator('caption').innerText()).toBe('stride and padding: conv2d of [1,3,32,32] by [8,3,3,3], seed 7');
    expect(await results.locator('thead th').allInnerTexts()).toEqual(['stride', 'padding', 'outShape', 'mean', 'std', 'min', 'max']);
    const rows = await results.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(rows.map((r) => r.slice(0, 3))).toEqual([
      ['1', 'valid', '[1,8,30,30]'],
      ['1', 'same', '[1,8,32,32]'],
      ['2', 'valid', '[1,8,15,15]'],
      ['2', 'same', '[1,8,16,16]'],
    ]);
    // Numbers right-aligned, text left-aligned, as drawn.
    const align = await results.locator('tbody tr').first().locator('td').evaluateAll((tds) => tds.map((td) => getComputedStyle(td).textAlign));
    expect(align).toEqual(['right', 'left', 'left', 'right', 'right', 'right', 'right']);
    await look(page, '.jp-OutputArea-output[data-mime-type="text/html"] table', 0, 'notebook-report-table.png');
    await page.close();
  });
});
