/**
 * Issue 16 in a real JupyterLab and Chromium: the canvas feature-map view tells the truth and teaches with
 * numbers. Each test reads what a user sees — the tooltip's text, the DOM, the canvas pixels — and compares it
 * with values the kernel computed and printed in the same notebook (never with the view's own output):
 * - a downsampled map's hover says it shows a block mean and gives the block's range; an 8-bit map's hover says
 *   8-bit, and the value it shows lies within its stated bound of the true value;
 * - hovering a padding cell of `pad(…, { mode })` names the input cell it copies (NumPy's rule, computed here) and
 *   outlines it;
 * - a constant kernel has a one-value legend and is drawn in the scale's middle colour;
 * - a 4×4 example has its values written in the cells, switchable;
 * - notebook 00's output (0, 0) shows its Σ x·w = 348;
 * - a page turn of a 64→64 conv changes the page label and the maps (its draw time is printed, not asserted);
 * - screenshots in the light and dark themes under test/output/e2e/featuremap (or CONVLAB_E2E_SHOTS).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  canvasDigest,
  cellPixel,
  codeCells,
  geometry,
  hoverCell,
  mapCanvas,
  numpySource,
  plainMinus,
  printed,
  scaleColor,
  tooltipMatching,
  viewOf,
  waitForAllCells,
  writeNotebook,
} from './featuremap-helpers';
import { OUTPUT_DIR, runAllCells, scratchNotebooks, screenshot, startLab, type Lab } from './lab';

/** Where the screenshots go: test/output/e2e/featuremap (git-ignored), or CONVLAB_E2E_SHOTS. */
const SHOTS = process.env['CONVLAB_E2E_SHOTS'] ?? join(OUTPUT_DIR, 'featuremap');

/** The notebook this file writes: each entry one code cell, named so the tests find its output. */
const TRUTH_CELLS = {
  // A [1,64,224,224] tensor is too big for the 1 MB output at full size: it is sent downsampled. The cell prints
  // the true mean, min and max of block (row 1, col 2) of channel 3 for each factor the kernel could pick, and
  // the channel's range (the 8-bit step of the maps sent).
  bigStats: `const big = tensor(Float32Array.from({ length: 64 * 224 * 224 }, (_, i) => Math.sin(i * 0.37) * 3 + (i % 7)), [1, 64, 224, 224]);
const plane = 224 * 224;
const channel3 = big.data.subarray(3 * plane, 4 * plane);
console.log(JSON.stringify({ channelMin: Math.min(...channel3), channelMax: Math.max(...channel3) }));
for (const f of [2, 4, 8, 16, 32]) {
  const block: number[] = [];
  for (let r = f; r < 2 * f; r++) for (let c = 2 * f; c < 3 * f; c++) block.push(channel3[r * 224 + c]!);
  console.log(JSON.stringify({ f, mean: block.reduce((a, b) => a + b, 0) / block.length, low: Math.min(...block), high: Math.max(...block) }));
}`,
  big: 'big',
  // A conv 64→64 on 56×56 (padding 1): sent at full resolution in 8 bits. The true output (channel 5, row 10,
  // col 20) straight from the definition, in doubles.
  convStats: `const x64 = tensor(Float32Array.from({ length: 64 * 56 * 56 }, (_, i) => Math.sin(i * 0.11) + Math.cos(i * 0.007)), [1, 64, 56, 56]);
const w64 = tensor(Float32Array.from({ length: 64 * 64 * 9 }, (_, i) => Math.sin(i * 1.3) * 0.1), [64, 64, 3, 3]);
const y64 = conv2d(x64, w64, { padding: 1 });
let exact = 0;
for (let c = 0; c < 64; c++)
  for (let a = 0; a < 3; a++)
    for (let b = 0; b < 3; b++) {
      const [r, k] = [10 - 1 + a, 20 - 1 + b];
      if (r >= 0 && r < 56 && k >= 0 && k < 56) exact += x64.data[(c * 56 + r) * 56 + k]! * w64.data[((5 * 64 + c) * 3 + a) * 3 + b]!;
    }
console.log(JSON.stringify({ exact }));`,
  conv: 'y64',
  // A constant kernel: the kernel's own colour scale for that panel, printed for the test to find its middle.
  constantStats: `const img = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
const yk = conv2d(img, full([1, 1, 3, 3], 1));
console.log(JSON.stringify((tensorBundle(yk).data[FEATURE_MAP_MIME] as { panels: { role: string; colorscale: [number, string][] }[] }).panels.find((p) => p.role === 'kernel')!.colorscale));`,
  constant: 'yk',
  // The other padding modes of notebook 01's 4×4 image 1…16, padded by 2; each prints its padded values.
  symmetric: `const ps = pad(img, 2, { mode: 'symmetric' });
console.log(JSON.stringify(ps.toArray()));
ps`,
  replicate: `const pr = pad(img, 2, { mode: 'replicate' });
console.log(JSON.stringify(pr.toArray()));
pr`,
  circular: `const pc = pad(img, 2, { mode: 'circular' });
console.log(JSON.stringify(pc.toArray()));
pc`,
} as const;
type TruthCell = keyof typeof TRUTH_CELLS;
const cellIndex = (name: TruthCell): number => Object.keys(TRUTH_CELLS).indexOf(name);

/** The screenshots' notebook: a conv2d 3→8 on 28×28, padding 1 reflect. */
const SHOT_CELLS = [
  `const x3 = tensor(Float32Array.from({ length: 3 * 28 * 28 }, (_, i) => ((i * 37) % 101) / 100), [1, 3, 28, 28]);
const w3 = tensor(Float32Array.from({ length: 8 * 27 }, (_, i) => ((i * 7) % 5) - 2), [8, 3, 3, 3]);
conv2d(x3, w3, { padding: 1, paddingMode: 'reflect' })`,
];

/** The 4×4 image of notebooks 00 and 01: value at (row r, col c). */
const imgAt = (r: number, c: number): number => 1 + 4 * r + c;

/** The JSON objects a cell printed, one per line. */
async function printedJson<T>(page: Page, i: number): Promise<T[]> {
  return (await printed(page, i))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('{') || line.startsWith('['))
    .map((line) => JSON.parse(line) as T);
}

/** The cells a canvas outlines, from its `data-highlight` (`r,c;r,c…`). */
async function highlighted(canvas: Locator): Promise<string[]> {
  const value = (await canvas.getAttribute('data-highlight')) ?? '';
  return value
    .split(';')
    .map((cell) => cell.trim())
    .filter(Boolean);
}

/** The index of the code cell whose source is exactly `source` (one line). */
async function codeCellWithSource(page: Page, source: string): Promise<number> {
  const sources = await codeCells(page).locator('.jp-InputArea-editor .cm-content').allTextContents();
  const index = sources.findIndex((s) => s.trim() === source);
  if (index < 0) throw new Error(`no code cell reads ${source}`);
  return index;
}

/** A number as the tooltip writes it (hyphen minus, digits, exponent). */
const NUMBER = '(-?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?)';

describe('the feature-map view tells the truth (issue 16)', () => {
  let lab: Lab;
  const pages = new Map<string, Promise<Page>>();

  /**
   * Opens `path` in a workspace of its own (so no other notebook's tabs come back with it), in `theme`, and runs
   * all its cells; once per path and theme.
   */
  function ran(path: string, theme: 'light' | 'dark' = 'light'): Promise<Page> {
    const key = `${theme}:${path}`;
    let page = pages.get(key);
    if (!page) {
      page = (async () => {
        const workspace = `${theme}-${path.replace(/[^a-z0-9]/gi, '-')}`;
        const opened = await lab.openUrl(`${lab.url}/lab/workspaces/${workspace}/tree/${path}?reset&token=${lab.token}`);
        await opened.waitForSelector('.jp-Notebook', { timeout: 60_000 });
        const wanted = theme === 'dark' ? 'false' : 'true';
        if ((await opened.evaluate(() => document.body.dataset['jpThemeLight'])) !== wanted) {
          await opened.click('.lm-MenuBar-itemLabel:text-is("Settings")');
          await opened.click('.lm-Menu-itemLabel:text-is("Theme")');
          await opened.click(`.lm-Menu-itemLabel:text-is("${theme === 'dark' ? 'JupyterLab Dark' : 'JupyterLab Light'}")`);
          await opened.waitForFunction((w) => document.body.dataset['jpThemeLight'] === w, wanted, { timeout: 30_000 });
        }
        await runAllCells(opened);
        await waitForAllCells(opened);
        return opened;
      })();
      pages.set(key, page);
    }
    return page;
  }

  beforeAll(async () => {
    const root = scratchNotebooks(['00-hello.ipynb', '01-padding.ipynb']);
    writeNotebook(root, 'truth.ipynb', Object.values(TRUTH_CELLS));
    writeNotebook(root, 'shots.ipynb', SHOT_CELLS);
    lab = await startLab(root);
    mkdirSync(SHOTS, { recursive: true });
    // lab.open writes the user settings every page then reads: every cell rendered (no windowing, so outputs
    // below the fold are laid out), the light theme.
    const primer = await lab.open('shots.ipynb');
    await primer.close();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a downsampled map says on hover that it shows a block mean, and gives the block and its range', async () => {
    const page = await ran('truth.ipynb');
    onTestFailed(() => screenshot(page, 'truth-downsampled-failed.png').then(() => undefined, () => undefined));
    const [range, ...blocks] = await printedJson<{ channelMin: number; channelMax: number; f: number; mean: number; low: number; high: number }>(
      page,
      cellIndex('bigStats'),
    );
    const view = await viewOf(page, cellIndex('big'));
    await hoverCell(mapCanvas(view, 'tensor', 3), 1, 2);
    const text = await tooltipMatching(view, /block range/);
    console.log(`downsampled [1,64,224,224], channel 3 (row 1, col 2):\n${text}`);
    expect(text).toContain('mean of rows');
    expect(text).toContain('block range');
    // The block the tooltip names is cell (1, 2)'s block at the factor the kernel used…
    const named = text.match(/rows (\d+)[–-](\d+), cols (\d+)[–-](\d+)/);
    expect(named, text).not.toBeNull();
    const [r0, r1, c0, c1] = named!.slice(1).map(Number);
    const f = r1! - r0! + 1;
    expect([r0, r1, c0, c1]).toEqual([f, 2 * f - 1, 2 * f, 3 * f - 1]);
    const truth = blocks.find((b) => b.f === f);
    expect(truth, `factor ${f}`).toBeDefined();
    // …and the mean and range it states are that block's, up to the 8-bit step of the maps sent.
    const step = (range!.channelMax - range!.channelMin) / 255;
    const mean = Number(text.match(new RegExp(`≈\\s*${NUMBER}`))?.[1]);
    expect(Math.abs(mean - truth!.mean), text).toBeLessThanOrEqual(step);
    const [low, high] = (text.match(new RegExp(`block range ${NUMBER}\\s*…\\s*${NUMBER}`)) ?? []).slice(1).map(Number);
    expect(Math.abs(low! - truth!.low), text).toBeLessThanOrEqual(step);
    expect(Math.abs(high! - truth!.high), text).toBeLessThanOrEqual(step);
  });

  it('an 8-bit map says so on hover, and the value shown is within its stated bound of the true value', async () => {
    const page = await ran('truth.ipynb');
    onTestFailed(() => screenshot(page, 'truth-8bit-failed.png').then(() => undefined, () => undefined));
    const [{ exact }] = (await printedJson<{ exact: number }>(page, cellIndex('convStats'))) as [{ exact: number }];
    const view = await viewOf(page, cellIndex('conv'));
    expect(await view.locator('.convlab-caption').first().textContent()).toMatch(/^input \[1,64,56,56\]/);
    await hoverCell(mapCanvas(view, 'output', 5), 10, 20);
    const text = await tooltipMatching(view, /8-bit/);
    console.log(`8-bit conv output, channel 5 (row 10, col 20), true value ${exact}:\n${text}`);
    expect(text).toMatch(/output channel 5/);
    expect(text).toMatch(/\(row 10, col 20\)/);
    expect(text).not.toMatch(/mean of rows/);
    const stated = text.match(new RegExp(`≈\\s*${NUMBER}\\s*\\(8-bit: within ±${NUMBER}\\)`));
    expect(stated, text).not.toBeNull();
    const [shown, bound] = [Number(stated![1]), Number(stated![2])];
    // The bound itself is written to ~6 digits: allow for that rounding and for float32.
    expect(Math.abs(shown - exact), text).toBeLessThanOrEqual(bound * 1.001 + 1e-5 * Math.abs(exact));
  });

  it('a page turn of a 64→64 conv changes the page label and the maps drawn', async () => {
    const page = await ran('truth.ipynb');
    onTestFailed(() => screenshot(page, 'truth-page-turn-failed.png').then(() => undefined, () => undefined));
    const view = await viewOf(page, cellIndex('conv'));
    await page.mouse.move(5, 5);
    const label = view.locator('.convlab-pager .convlab-page-label');
    const before = await label.textContent();
    expect(before).toMatch(/of 64/);
    const shownMaps = (): Promise<string[]> =>
      view.locator('.convlab-panel-output .convlab-map').evaluateAll((maps) => maps.map((m) => (m as HTMLElement).dataset['index'] ?? ''));
    const mapsBefore = await shownMaps();
    const firstBefore = await canvasDigest(view.locator('.convlab-panel-output canvas.convlab-heatmap').first());
    await view.locator('.convlab-pager .convlab-page-next').click();
    await expect.poll(() => label.textContent()).not.toBe(before);
    await view.locator('xpath=self::*[@data-rendered="true"]').waitFor();
    console.log(`page turn (64→64 conv on 56×56): ${before} → ${await label.textContent()}, data-draw-ms ${await view.getAttribute('data-draw-ms')}`);
    const mapsAfter = await shownMaps();
    expect(mapsAfter.length).toBeGreaterThan(0);
    expect(mapsAfter).not.toEqual(mapsBefore);
    expect(await canvasDigest(view.locator('.convlab-panel-output canvas.convlab-heatmap').first())).not.toBe(firstBefore);
    // Back again: the first page's maps as they were.
    await view.locator('.convlab-pager .convlab-page-previous').click();
    await expect.poll(() => label.textContent()).toBe(before);
    await expect.poll(shownMaps).toEqual(mapsBefore);
  });

  it("a constant kernel's legend shows its one value, and its cells are drawn in the scale's middle colour", async () => {
    const page = await ran('truth.ipynb');
    onTestFailed(() => screenshot(page, 'truth-constant-failed.png').then(() => undefined, () => undefined));
    const [stops] = await printedJson<[number, string][]>(page, cellIndex('constantStats'));
    expect(stops!.length).toBeGreaterThanOrEqual(2);
    const view = await viewOf(page, cellIndex('constant'));
    const legend = view.locator('.convlab-panel-kernel .convlab-legend');
    expect((await legend.locator('.convlab-legend-value').textContent())?.trim()).toBe('1');
    expect(await legend.locator('.convlab-legend-low, .convlab-legend-high').count()).toBe(0);
    // Without the numbers written in the cells, the centre pixel is the cell's colour.
    const numbers = view.locator('input.convlab-numbers');
    if (await numbers.isChecked()) await numbers.uncheck();
    const middle = scaleColor(stops!, 0.5);
    const kernel = mapCanvas(view, 'kernel', 0);
    await expect
      .poll(async () => {
        const [r, g, b] = await cellPixel(kernel, 1, 1);
        return Math.max(...[r, g, b].map((v, k) => Math.abs(v - middle[k]!)));
      })
      .toBeLessThanOrEqual(3);
    console.log(`constant kernel: centre pixel ${(await cellPixel(kernel, 1, 1)).slice(0, 3).join(',')}, scale middle ${middle.map(Math.round).join(',')}`);
  });

  for (const [mode, [r, c]] of [
    ['symmetric', [-2, -1]],
    ['replicate', [-1, 5]],
    ['circular', [5, -2]],
  ] as const) {
    it(`a ${mode}-padded cell (row ${r}, col ${c}) names and outlines the input cell it copies`, async () => {
      const page = await ran('truth.ipynb');
      onTestFailed(() => screenshot(page, `truth-${mode}-failed.png`).then(() => undefined, () => undefined));
      const [sr, sc] = [numpySource(mode, r, 4), numpySource(mode, c, 4)];
      // The kernel's own pad agrees with NumPy's rule at that cell (so the hover is checked against both).
      const [paddedValues] = await printedJson<number[][][][]>(page, cellIndex(mode));
      expect(paddedValues![0]![0]![r + 2]![c + 2]).toBe(imgAt(sr, sc));
      const view = await viewOf(page, cellIndex(mode));
      expect(await view.locator('.convlab-footer').textContent()).toContain(mode);
      const input = mapCanvas(view, 'input', 0);
      await hoverCell(input, r, c);
      const text = await tooltipMatching(view, new RegExp(`\\(row ${sr}, col ${sc}\\)`));
      console.log(`${mode} padding (row ${r}, col ${c}):\n${text}`);
      expect(text).toContain(`padding (${mode}) at (row ${r}, col ${c})`);
      expect(text).toContain(`(row ${sr}, col ${sc})`);
      expect(text).toMatch(new RegExp(`= ${imgAt(sr, sc)}\\b`));
      await expect.poll(() => highlighted(input)).toContain(`${sr},${sc}`);
    });
  }

  it('notebook 01: hovering reflect padding cell (−2, −2) names and outlines its source (row 2, col 2)', async () => {
    const page = await ran('01-padding.ipynb');
    onTestFailed(() => screenshot(page, 'padding-reflect-failed.png').then(() => undefined, () => undefined));
    const view = await viewOf(page, await codeCellWithSource(page, "pad(img, 2, { mode: 'reflect' })"));
    expect(await view.locator('.convlab-footer').textContent()).toContain('reflect');
    const input = mapCanvas(view, 'input', 0);
    await hoverCell(input, -2, -2);
    const [sr, sc] = [numpySource('reflect', -2, 4), numpySource('reflect', -2, 4)];
    expect([sr, sc]).toEqual([2, 2]);
    const text = await tooltipMatching(view, /\(row 2, col 2\)/);
    console.log(`notebook 01, reflect padding (row -2, col -2):\n${text}`);
    expect(text).toContain('padding (reflect) at (row -2, col -2)');
    expect(text).toContain('(row 2, col 2)');
    expect(text).toMatch(new RegExp(`= ${imgAt(2, 2)}\\b`));
    await expect.poll(() => highlighted(input)).toContain('2,2');
    await view.evaluate((node) => node.scrollIntoView({ block: 'center' }));
    await hoverCell(input, -2, -2);
    await tooltipMatching(view, /\(row 2, col 2\)/);
    await page.screenshot({ path: join(SHOTS, 'pad-reflect-hover-light.png') });
    // Leaving the map clears the outline.
    await page.mouse.move(5, 5);
    await expect.poll(() => highlighted(input)).toEqual([]);
  });

  it('notebook 01: the tooltip over a padding cell leaves the outlined source cell in sight', async () => {
    const page = await ran('01-padding.ipynb');
    onTestFailed(() => screenshot(page, 'padding-reflect-covered-failed.png').then(() => undefined, () => undefined));
    const view = await viewOf(page, await codeCellWithSource(page, "pad(img, 2, { mode: 'reflect' })"));
    const input = mapCanvas(view, 'input', 0);
    await view.evaluate((node) => node.scrollIntoView({ block: 'center' }));
    await hoverCell(input, -2, -2);
    await tooltipMatching(view, /\(row 2, col 2\)/);
    await expect.poll(() => highlighted(input)).toContain('2,2');
    // The reader is told to look at the outlined cell: the tooltip must not sit on it.
    const [g, box, tip] = [await geometry(input), await input.boundingBox(), await view.locator('.convlab-tooltip').boundingBox()];
    const cell = { x: box!.x + (2 + g.left) * g.cell, y: box!.y + (2 + g.top) * g.cell, width: g.cell, height: g.cell };
    const overlaps =
      tip!.x < cell.x + cell.width && cell.x < tip!.x + tip!.width && tip!.y < cell.y + cell.height && cell.y < tip!.y + tip!.height;
    expect(overlaps, `tooltip ${JSON.stringify(tip)} over source cell ${JSON.stringify(cell)}`).toBe(false);
    await page.mouse.move(5, 5);
  });

  /**
   * The values switch of a small example: on by default, and each canvas of `roles` (map 0) is drawn
   * differently without the numbers, then as before with them again.
   */
  async function valuesSwitch(page: Page, view: Locator, roles: string[]): Promise<void> {
    await page.mouse.move(5, 5);
    const numbers = view.locator('input.convlab-numbers');
    expect(await numbers.isChecked()).toBe(true);
    const canvases = roles.map((role) => mapCanvas(view, role, 0));
    const digests = (): Promise<string[]> => Promise.all(canvases.map(canvasDigest));
    const withNumbers = await digests();
    await numbers.uncheck();
    await expect.poll(digests).not.toEqual(withNumbers);
    const without = await digests();
    roles.forEach((role, i) => expect(without[i], `${role}: the same pixels with and without the values`).not.toBe(withNumbers[i]));
    await numbers.check();
    await expect.poll(digests).toEqual(withNumbers);
  }

  it('notebook 00: the 4×4 example has its values written in the cells, and the switch redraws without them', async () => {
    const page = await ran('00-hello.ipynb');
    onTestFailed(() => screenshot(page, 'hello-numbers-failed.png').then(() => undefined, () => undefined));
    await valuesSwitch(page, await viewOf(page, (await codeCells(page).count()) - 1), ['input', 'output']);
  });

  it("notebook 01: the reflect-padded 4×4 example (8×8 with its padding) has its values written in the cells", async () => {
    const page = await ran('01-padding.ipynb');
    onTestFailed(() => screenshot(page, 'padding-numbers-failed.png').then(() => undefined, () => undefined));
    const view = await viewOf(page, await codeCellWithSource(page, "pad(img, 2, { mode: 'reflect' })"));
    await valuesSwitch(page, view, ['input', 'output']);
  });

  it("notebook 00: hovering output (0, 0) writes out its Σ x·w = 348 and outlines the 3×3 window it read", async () => {
    const page = await ran('00-hello.ipynb');
    onTestFailed(() => screenshot(page, 'hello-sigma-failed.png').then(() => undefined, () => undefined));
    const view = await viewOf(page, (await codeCells(page).count()) - 1);
    await hoverCell(mapCanvas(view, 'output', 0), 0, 0);
    const text = await tooltipMatching(view, /= 348/);
    console.log(`notebook 00, output (0, 0):\n${text}`);
    expect(text).toContain('Σ');
    expect(text).toContain('1·1 + 2·2 + 3·3 + 5·4 + 6·5 + 7·6 + 9·7 + 10·8 + 11·9 = 348');
    const window = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => `${r},${c}`));
    await expect.poll(async () => (await highlighted(mapCanvas(view, 'input', 0))).sort()).toEqual(window.sort());
    await page.mouse.move(5, 5);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`screenshots (${theme}): a conv2d 3→8 with reflect padding, and notebook 00's output with its Σ tooltip`, async () => {
      const page = await ran('shots.ipynb', theme);
      onTestFailed(() => screenshot(page, `shots-${theme}-failed.png`).then(() => undefined, () => undefined));
      expect(await page.evaluate(() => document.body.dataset['jpThemeLight'])).toBe(theme === 'light' ? 'true' : 'false');
      const conv = await viewOf(page, 0);
      expect(await conv.locator('.convlab-footer').textContent()).toContain('reflect');
      await conv.scrollIntoViewIfNeeded();
      await conv.screenshot({ path: join(SHOTS, `conv-reflect-${theme}.png`) });
      // Hover an output with a window in the padding, then take the page: the tooltip sits beside the pointer.
      await hoverCell(mapCanvas(conv, 'output', 2), 0, 0);
      await tooltipMatching(conv, /output/);
      await page.screenshot({ path: join(SHOTS, `conv-reflect-hover-${theme}.png`) });

      const hello = await ran('00-hello.ipynb', theme);
      expect(await hello.evaluate(() => document.body.dataset['jpThemeLight'])).toBe(theme === 'light' ? 'true' : 'false');
      const view = await viewOf(hello, (await codeCells(hello).count()) - 1);
      // The whole view in the window, not just the hovered canvas.
      await view.evaluate((node) => node.scrollIntoView({ block: 'center' }));
      await hoverCell(mapCanvas(view, 'output', 0), 0, 0);
      expect(plainMinus(await tooltipMatching(view, /= 348/))).toContain('= 348');
      await hello.screenshot({ path: join(SHOTS, `hello-sigma-${theme}.png`) });
      await hello.mouse.move(5, 5);
    });
  }
});
