/**
 * `window.focus` in a real JupyterLab and Chromium, through `explore`'s step-through: the output cell the
 * `position` slider names is outlined with its window on the padded input and its computation is written in the
 * view's caption line, without a hover; moving the slider by keyboard moves both; a hover draws over them and
 * they come back when the pointer leaves. Values are checked against what the kernel prints for `conv2d` in the
 * same notebook, never against the view's own output.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { codeCells, hoverCell, mapCanvas, plainMinus, tooltipMatching, waitForAllCells, writeNotebook } from './featuremap-helpers';
import { runAllCells, scratchNotebooks, screenshot, startLab, type Lab } from './lab';
import { controlLabelled, nudge, printedJson, until, widgetOf } from './widget-helpers';

const CELLS = [
  `const xf = tensor(Array.from({ length: 36 }, (_, i) => (i * 5) % 7), [1, 1, 6, 6]);
const wf = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
console.log(JSON.stringify(Array.from(conv2d(xf, wf, { padding: 1 }).data)));`,
  `explore(xf, wf, { padding: 1, position: 7 })`,
];

/** The cells a canvas outlines (`data-highlight`), sorted. */
const outlined = (canvas: Locator): Promise<string[]> =>
  canvas.evaluate((node) => ((node as HTMLElement).dataset['highlight'] ?? '').split(';').filter(Boolean).sort());
/** The 3×3 window of output (r, c) under padding 1, on the padded input: rows r−1…r+1, cols c−1…c+1. */
const windowOf = (r: number, c: number): string[] =>
  [-1, 0, 1].flatMap((dr) => [-1, 0, 1].map((dc) => `${r + dr},${c + dc}`)).sort();
const printedValue = (v: number): string => plainMinus(String(Number(v.toPrecision(6))));

describe('window.focus: the explorer’s step-through in JupyterLab', () => {
  let lab: Lab | undefined;
  let page: Page;
  let values: number[];

  beforeAll(async () => {
    const root = scratchNotebooks([]);
    writeNotebook(root, 'focus.ipynb', CELLS);
    lab = await startLab(root);
    page = await lab.open('focus.ipynb');
    await runAllCells(page);
    await waitForAllCells(page);
    values = (await printedJson<number[]>(page, 0))[0]!;
    if (values?.length !== 36) throw new Error(`the first cell printed ${JSON.stringify(values)}, not 36 conv2d values`);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('shows the focus without a hover, moves it with position, and brings it back after a hover', async () => {
    onTestFailed(async () => {
      await screenshot(page, 'explore-focus-failed.png');
    });
    const area = await widgetOf(page, 1);
    const view = area.locator('.convlab-featuremap').first();
    await view.locator('xpath=self::*[@data-rendered="true"]').waitFor({ timeout: 60_000 });
    const caption = view.locator('.convlab-focus');
    const [input, output] = [mapCanvas(view, 'input', 0), mapCanvas(view, 'output', 0)];
    // Position 7 of a 6×6 output: row 1, col 1, its value the kernel's conv2d value there.
    await expect.poll(async () => plainMinus((await caption.textContent()) ?? '')).toContain(`(row 1, col 1) · value ${printedValue(values[7]!)}`);
    expect(await caption.isVisible()).toBe(true);
    expect(plainMinus((await caption.textContent()) ?? '')).toMatch(new RegExp(`Σ x·w = .* = ${printedValue(values[7]!)}$`));
    expect(await outlined(output)).toEqual(['1,1']);
    expect(await outlined(input)).toEqual(windowOf(1, 1));

    // One step right, by keyboard on the slider's handle: row 1, col 2.
    const position = await controlLabelled(area, 'slider', /^position$/);
    expect(await nudge(position, 'ArrowRight')).toBe(8);
    const moved = async (): Promise<string> => plainMinus((await view.locator('.convlab-focus').textContent()) ?? '');
    expect(await until(moved, (t) => t.includes('(row 1, col 2)'), 30_000)).toContain(`(row 1, col 2) · value ${printedValue(values[8]!)}`);
    const focusedView = area.locator('.convlab-featuremap').first();
    const [input2, output2] = [mapCanvas(focusedView, 'input', 0), mapCanvas(focusedView, 'output', 0)];
    expect(await outlined(output2)).toEqual(['1,2']);
    expect(await outlined(input2)).toEqual(windowOf(1, 2));

    // A hover over output (4, 4) outlines its own window; leaving the map brings the focus back.
    await hoverCell(output2, 4, 4);
    await tooltipMatching(focusedView, /\(row 4, col 4\)/);
    expect(await outlined(output2)).toEqual(['4,4']);
    expect(await outlined(input2)).toEqual(windowOf(4, 4));
    await page.mouse.move(0, 0);
    await expect.poll(() => outlined(output2)).toEqual(['1,2']);
    expect(await outlined(input2)).toEqual(windowOf(1, 2));
    await screenshot(page, 'explore-focus.png');
    expect(await codeCells(page).count()).toBe(2);
  });
});
