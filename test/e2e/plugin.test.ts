/**
 * Issue 14's JupyterLab plugin in a real JupyterLab and Chromium, read by its DOM contract (extension/src/plugin:
 * `#convlab-panel.convlab-sidebar` with `tr.convlab-tensor-row[data-name]` and `.convlab-panel-view`;
 * `.convlab-status` with `data-backend`; the exact-value line `exact value <v>` in the feature map's tooltip) and
 * checked against what the kernel prints in the same notebook:
 * - the panel lists the notebook's tensors after Run All and follows a new cell; clicking a row draws its map;
 * - the status bar names the kernel's backend (`backend().name`), and follows `useBackend`;
 * - a ConvLab setting changed in the Settings Editor redraws an open feature-map output;
 * - hovering a downsampled 8-bit map reports the exact value of the cell under the pointer;
 * - in a Python notebook the status item is hidden, the panel says the kernel is not ConvLab's, and the commands
 *   that write TypeScript are off;
 * - the palette inserts an example cell, and traces the active cell's code in a new cell that runs.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  canvasDigest,
  cellPixel,
  hoverCell,
  mapCanvas,
  tooltipMatching,
  viewOf,
  waitForAllCells,
  writeNotebook,
} from './featuremap-helpers';
import { runAllCells, scratchNotebooks, screenshot, startLab, type Lab } from './lab';
import { appendCell, printedJson, until, waitIdle, writeKernelNotebook } from './widget-helpers';

/** The ConvLab notebook: each entry one code cell, named so the tests find its output. */
const CELLS = {
  tensors: `const ramp = arange(36).reshape([1, 1, 6, 6]);
const edge = tensor([[[[1, 0, -1], [1, 0, -1], [1, 0, -1]]]]);
const edges = conv2d(ramp, edge, { padding: 1 });`,
  backend: 'console.log(JSON.stringify({ backend: backend().name }))',
  // A signed map small enough to be sent exactly: drawn in the kernel's diverging scale until a setting changes it.
  signed: 'randn([1, 2, 12, 12], { seed: 5 })',
  // Too big for the output at full size: sent downsampled (blocks of 4×4 cells), in 8 bits.
  big: `const big = randn([1, 1, 1200, 1200], { seed: 3 });
big`,
} as const;
type CellName = keyof typeof CELLS;
const cellIndex = (name: CellName): number => Object.keys(CELLS).indexOf(name);

/** The side panel (not the feature-map views' own `figure.convlab-panel`s). */
const panelOf = (page: Page): Locator => page.locator('#convlab-panel.convlab-sidebar');
const statusOf = (page: Page): Locator => page.locator('.convlab-status');

/** The panel's rows: name → the texts of its cells (shape, bytes, backend, op). */
async function panelRows(page: Page): Promise<Record<string, { shape: string; backend: string; op: string }>> {
  return panelOf(page)
    .locator('tr.convlab-tensor-row[data-name]')
    .evaluateAll((rows) =>
      Object.fromEntries(
        rows.map((row) => {
          const cell = (name: string): string => row.querySelector(`td.convlab-cell-${name}`)?.textContent?.trim() ?? '';
          return [(row as HTMLElement).dataset['name'] ?? '', { shape: cell('shape'), backend: cell('backend'), op: cell('op') }];
        }),
      ),
    );
}

/** The command palette's item for `label`, found by typing it, as a user would. */
async function paletteItem(page: Page, label: string): Promise<Locator> {
  await page.keyboard.press('Control+Shift+c');
  const input = page.locator('.lm-CommandPalette-input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(label);
  const item = page.locator(`.lm-CommandPalette-item:has-text("${label}")`).first();
  try {
    await item.waitFor({ timeout: 10_000 });
  } catch {
    throw new Error(`the command palette has no "${label}" command (is the ConvLab plugin installed and active?)`);
  }
  return item;
}

/** Opens the ConvLab panel through the command palette. */
async function openPanel(page: Page): Promise<Locator> {
  const panel = panelOf(page);
  if (await panel.isVisible()) return panel;
  await (await paletteItem(page, 'Open the ConvLab Panel')).click();
  await panel.waitFor({ state: 'visible', timeout: 10_000 });
  return panel;
}

describe('the ConvLab JupyterLab plugin (issue 14)', () => {
  let lab: Lab;
  let page: Page;

  beforeAll(async () => {
    const root = scratchNotebooks([]);
    writeNotebook(root, 'plugin.ipynb', Object.values(CELLS));
    writeKernelNotebook(root, 'python.ipynb', ['x = 1 + 1\nprint(x)'], { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' });
    lab = await startLab(root);
    page = await lab.open('plugin.ipynb');
    await runAllCells(page);
    await waitForAllCells(page);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('the panel lists the tensors after Run All, follows a new cell, and draws a clicked tensor', async () => {
    onTestFailed(() => screenshot(page, 'plugin-panel-failed.png').then(() => undefined, () => undefined));
    const panel = await openPanel(page);
    const rows = await until(() => panelRows(page), (r) => ['ramp', 'edge', 'edges'].every((n) => n in r));
    expect(Object.keys(rows), `the panel's rows (its message: ${await panel.locator('.convlab-panel-message').textContent()})`).toEqual(
      expect.arrayContaining(['big', 'edge', 'edges', 'ramp']),
    );
    expect(rows['ramp']!.shape).toBe('[1,1,6,6]');
    expect(rows['edge']!.shape).toBe('[1,1,3,3]');
    expect(rows['edges']!.shape).toBe('[1,1,6,6]');
    expect(rows['edges']!.op).toBe('conv2d');
    expect(rows['big']!.shape).toBe('[1,1,1200,1200]');
    // Sorted by name, as the kernel sends them.
    const names = await panel.locator('tr.convlab-tensor-row').evaluateAll((r) => r.map((row) => (row as HTMLElement).dataset['name'] ?? ''));
    expect(names).toEqual([...names].sort());
    expect(names, 'a variable that is not a tensor is not listed').not.toContain('x');

    // A new cell: its tensor appears without any other action.
    await appendCell(page, 'const pooled = maxPool2d(edges, 2);');
    const after = await until(() => panelRows(page), (r) => 'pooled' in r);
    expect(after['pooled'], 'the panel lists the tensor of the new cell').toBeDefined();
    expect(after['pooled']!.shape).toBe('[1,1,3,3]');
    console.log(`panel rows after a new cell: ${JSON.stringify(after)}`);

    // Clicking a row draws its feature map in the panel.
    await panel.locator('tr.convlab-tensor-row[data-name="edges"]').click();
    const view = panel.locator('.convlab-panel-view');
    await expect.poll(() => view.getAttribute('data-state'), { timeout: 30_000 }).toBe('shown');
    expect(await view.getAttribute('data-name')).toBe('edges');
    // edges came from conv2d: drawn as input | kernel | output, the output its own 6×6 values.
    const map = view.locator('.convlab-featuremap[data-rendered="true"] .convlab-panel-output canvas.convlab-heatmap').first();
    await map.waitFor({ timeout: 30_000 });
    expect([await map.getAttribute('data-rows'), await map.getAttribute('data-cols')]).toEqual(['6', '6']);
  });

  it('the status bar names the backend the kernel reports, and follows useBackend', async () => {
    onTestFailed(() => screenshot(page, 'plugin-status-failed.png').then(() => undefined, () => undefined));
    const [{ backend }] = (await printedJson<{ backend: string }>(page, cellIndex('backend'))) as [{ backend: string }];
    const status = statusOf(page);
    try {
      await status.waitFor({ state: 'visible', timeout: 30_000 });
    } catch {
      throw new Error('no visible .convlab-status item in the status bar of a ConvLab notebook');
    }
    expect(await status.getAttribute('data-backend')).toBe(backend);
    expect(await status.textContent()).toContain(backend);
    const other = backend === 'cpu' ? 'wasm' : 'cpu';
    await appendCell(page, `useBackend('${other}');`);
    await expect.poll(() => status.getAttribute('data-backend'), { timeout: 30_000 }).toBe(other);
    console.log(`status bar: ${JSON.stringify(await status.textContent())}`);
    await appendCell(page, `useBackend('${backend}');`);
    await expect.poll(() => status.getAttribute('data-backend'), { timeout: 30_000 }).toBe(backend);
  });

  it('hovering a downsampled 8-bit map reports the exact value the kernel holds', async () => {
    onTestFailed(() => screenshot(page, 'plugin-exact-failed.png').then(() => undefined, () => undefined));
    const view = await viewOf(page, cellIndex('big'));
    const canvas = mapCanvas(view, 'tensor', 0);
    // The map's top rows in view (hoverCell scrolls a tall canvas only until some of it shows).
    await canvas.evaluate((node) => node.scrollIntoView({ block: 'start' }));
    await hoverCell(canvas, 7, 11);
    // Not 'exact values were not sent': the line the kernel's answer adds, with its number.
    const text = await tooltipMatching(view, /exact value -?\d/);
    console.log(`downsampled [1,1,1200,1200], cell (7, 11):\n${text}`);
    expect(text, 'the map is drawn downsampled').toContain('mean of rows');
    expect(text, 'the kernel\'s answer replaces the "not sent" line').not.toContain('exact values were not sent');
    // A drawn cell is a block: the line names the full-size cell it asked for.
    const found = text.match(/exact value (-?[\d.]+(?:e[-+]?\d+)?) at \(row (\d+), col (\d+)\)/);
    expect(found, `the tooltip reports an exact value and its cell:\n${text}`).not.toBeNull();
    const [shown, row, col] = found!.slice(1).map(Number) as [number, number, number];
    // The cell asked for lies in the block the tooltip names.
    const block = text.match(/mean of rows? (\d+)(?:[–-](\d+))?, cols? (\d+)(?:[–-](\d+))?/);
    expect(block, `the tooltip names the block:\n${text}`).not.toBeNull();
    const [r0, r1, c0, c1] = [block![1], block![2] ?? block![1], block![3], block![4] ?? block![3]].map(Number);
    expect(row >= r0! && row <= r1! && col >= c0! && col <= c1!, `(row ${row}, col ${col}) in the block named:\n${text}`).toBe(true);
    const asked = await appendCell(page, `console.log(JSON.stringify({ v: big.data[${row} * 1200 + ${col}] }))`);
    const [{ v }] = (await printedJson<{ v: number }>(page, asked)) as [{ v: number }];
    // The tooltip writes 6 significant digits.
    expect(Math.abs(shown - v), `${text}\nvs the kernel's ${v}`).toBeLessThanOrEqual(5e-6 * Math.abs(v) + 1e-12);
    await page.mouse.move(5, 5);
  });

  it('changing the colour scale in the Settings Editor redraws an open feature-map output', async () => {
    onTestFailed(() => screenshot(page, 'plugin-settings-failed.png').then(() => undefined, () => undefined));
    const view = await viewOf(page, cellIndex('signed'));
    const numbers = view.locator('input.convlab-numbers');
    if (await numbers.isChecked()) await numbers.uncheck();
    const canvas = mapCanvas(view, 'tensor', 0);
    const before = await canvasDigest(canvas);
    const notGray = async (): Promise<number> => {
      let most = 0;
      for (const [r, c] of [[0, 0], [3, 7], [6, 2], [9, 9], [11, 4]] as const) {
        const [red, green, blue] = await cellPixel(canvas, r, c);
        most = Math.max(most, Math.abs(red - green), Math.abs(green - blue), Math.abs(red - blue));
      }
      return most;
    };
    expect(await notGray(), 'a signed map is drawn in colour under the kernel’s scale').toBeGreaterThan(20);

    // Settings → Settings Editor → ConvLab → Colour scale: gray.
    await page.click('.lm-MenuBar-itemLabel:text-is("Settings")');
    await page.click('.lm-Menu-itemLabel:text-is("Settings Editor")');
    const entry = page.locator('.jp-PluginList-entry').filter({ hasText: /^ConvLab$/ }).first();
    try {
      await entry.waitFor({ timeout: 30_000 });
    } catch {
      throw new Error('the Settings Editor lists no "ConvLab" settings');
    }
    await entry.click();
    const scale = page.locator('select[id$="colourScale"]').first();
    await scale.waitFor({ timeout: 30_000 });
    await scale.selectOption('gray');
    // Back to the notebook: its open output was redrawn in gray.
    await page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab').filter({ hasText: 'plugin.ipynb' }).first().click();
    await view.scrollIntoViewIfNeeded();
    await expect.poll(() => canvasDigest(canvas), { timeout: 30_000 }).not.toBe(before);
    await expect.poll(notGray, { timeout: 30_000 }).toBeLessThanOrEqual(2);
    console.log(`colour scale → gray: canvas ${before} → ${await canvasDigest(canvas)}`);
  });

  it('in a Python notebook the status item is hidden and the panel says the kernel is not ConvLab’s', async () => {
    const python = await lab.openUrl(`${lab.url}/lab/workspaces/python/tree/python.ipynb?reset&token=${lab.token}`);
    onTestFailed(() => screenshot(python, 'plugin-python-failed.png').then(() => undefined, () => undefined));
    await python.waitForSelector('.jp-Notebook', { timeout: 60_000 });
    await waitIdle(python, 'Python 3 (ipykernel)');
    await openPanel(python);
    await expect.poll(() => panelOf(python).getAttribute('data-status'), { timeout: 30_000 }).toBe('other-kernel');
    expect(await statusOf(python).isVisible(), 'the ConvLab status item in a Python notebook').toBe(false);
    // The same page with a ConvLab notebook active shows it again: it is the kernel, not the page.
    await python.goto(`${lab.url}/lab/workspaces/python/tree/plugin.ipynb?token=${lab.token}`);
    await python.waitForSelector('.jp-Notebook', { timeout: 60_000 });
    await statusOf(python).waitFor({ state: 'visible', timeout: 60_000 });
    await python.locator('.lm-DockPanel-tabBar .lm-TabBar-tab').filter({ hasText: 'python.ipynb' }).first().click();
    await expect.poll(() => statusOf(python).isVisible(), { timeout: 30_000 }).toBe(false);
    // The commands that write TypeScript into cells are off for a Python notebook: JupyterLab's palette leaves
    // disabled commands out, while the panel's command (always on) is listed under the same search.
    await paletteItem(python, 'ConvLab');
    await python.locator('.lm-CommandPalette-item:has-text("Open the ConvLab Panel")').first().waitFor({ timeout: 10_000 });
    const listed = await python.locator('.lm-CommandPalette-item:not(.lm-mod-disabled)').allInnerTexts();
    expect(listed.join('\n'), 'the ConvLab commands listed for a Python notebook').not.toMatch(/Insert a ConvLab Example Cell|Trace the Shapes/);
    await python.keyboard.press('Escape');
    await python.close();
  });

  // Last: it adds cells, which moves the cells the tests above find by index.
  it('the palette inserts an example cell, and traces the active cell’s code in a new cell that runs', async () => {
    onTestFailed(() => screenshot(page, 'plugin-commands-failed.png').then(() => undefined, () => undefined));
    await page.bringToFront();
    const cells = page.locator('.jp-Notebook .jp-CodeCell');
    const before = await cells.count();
    const first = cellIndex('tensors');
    await cells.nth(first).locator('.jp-InputArea-prompt').click();
    await (await paletteItem(page, 'Insert a ConvLab Example Cell')).click();
    await expect.poll(() => cells.count(), { timeout: 10_000 }).toBe(before + 1);
    expect(await cells.nth(first + 1).locator('.cm-content').innerText()).toContain('conv2d(x, w, { padding: 1 })');

    await cells.nth(first).locator('.jp-InputArea-prompt').click();
    await (await paletteItem(page, 'Trace the Shapes of the Selection')).click();
    await expect.poll(() => cells.count(), { timeout: 10_000 }).toBe(before + 2);
    const traced = cells.nth(first + 1);
    expect(await traced.locator('.cm-content').innerText()).toMatch(/^recordShapes\(\(\) => \{\s*const ramp = arange\(36\)/);
    // It runs: the kernel draws the trace of the cell's one op, the conv.
    const row = traced.locator('.convlab-shapetrace tr.convlab-trace-row');
    await row.first().waitFor({ timeout: 60_000 });
    expect(await row.count()).toBe(1);
    const text = await row.first().innerText();
    expect(text).toContain('conv2d');
    expect(text).toContain('[1,1,6,6]');
    console.log(`trace of the selection: ${text.replace(/\s+/g, ' ')}`);
  });
});
