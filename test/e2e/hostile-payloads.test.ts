/**
 * Crafted outputs in an UNTRUSTED notebook (issue 16, Safety): a notebook whose stored outputs were written by
 * someone else, opened as a user would. Each crafted feature map or shape trace must end in a readable message
 * or in its strings shown as plain text — never an HTML element made from a payload string, never a request to
 * a URL in a payload, never a frozen tab: after all of them are drawn, a click on a cell is handled.
 *
 * The outputs (all built in ./featuremap-helpers.ts from a valid payload, then one field made hostile):
 * `window.padding` 20000 on a 28×28 map (a few KB), labels `<a href=…>`, `style="background-image:url(…)"` and
 * `%{z}`, a map of height 1e300 and width 0, `window.kernel` 1e9, a 20,000-row shape trace.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  clickMakesActive,
  codeCells,
  craftedConv,
  craftedMap,
  craftedTensor,
  craftedTrace,
  featureMapOutput,
  hoverCell,
  mapCanvas,
  shapeTraceOutput,
  tooltipMatching,
  writeNotebook,
} from './featuremap-helpers';
import { scratchNotebooks, screenshot, startLab, type Lab } from './lab';

const LINK_LABEL = '<a href="https://e/">x</a>';
const STYLE_LABEL = '<b style="background-image:url(https://e/x)">styled</b>';
const TEMPLATE_LABEL = '%{z}';

const padded = craftedConv(28);
padded.window!.padding = [
  [20000, 20000],
  [20000, 20000],
];
const hugeKernel = craftedConv(28);
hugeKernel.window!.kernel = [1e9, 1e9];
const absurd = craftedTensor('channel 0');
absurd.panels[0]!.maps[0] = { ...craftedMap('channel 0', 0, 0), height: 1e300, width: 0 };

/** The crafted outputs, each in a notebook of its own (a tab that crashes fails only its own test). */
const CASES: Record<string, unknown> = {
  control: featureMapOutput(craftedTensor('channel 0')),
  'padding 20000': featureMapOutput(padded),
  'link label': featureMapOutput(craftedTensor(LINK_LABEL)),
  'style label': featureMapOutput(craftedTensor(STYLE_LABEL)),
  'template label': featureMapOutput(craftedTensor(TEMPLATE_LABEL)),
  'height 1e300': featureMapOutput(absurd),
  'kernel 1e9': featureMapOutput(hugeKernel),
  'trace 20000': shapeTraceOutput(craftedTrace(20_000)),
};
const slug = (name: string): string => name.replace(/\W+/g, '-');

/** An opened case: its page, the crafted output's area, and what the page asked for or threw meanwhile. */
interface Opened {
  page: Page;
  area: Locator;
  /** Every URL the page asked for on the host `e` (the payloads' URLs). */
  requested: string[];
  pageErrors: string[];
}

describe('crafted payloads in an untrusted notebook (issue 16)', () => {
  let lab: Lab;

  beforeAll(async () => {
    const root = scratchNotebooks([]);
    for (const [name, output] of Object.entries(CASES)) {
      // A plain cell before and after the crafted output: the clicks that show the page still answers.
      writeNotebook(root, `hostile-${slug(name)}.ipynb`, [
        { source: '// before' },
        { source: `// ${name}`, outputs: [output] },
        { source: '// after' },
      ]);
    }
    lab = await startLab(root);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  /** Opens the case's notebook in a page listening for requests and errors from its first load on. */
  async function open(name: string): Promise<Opened> {
    const requested: string[] = [];
    const pageErrors: string[] = [];
    const page = await lab.openUrl(`${lab.url}/api/status?token=${lab.token}`);
    page.on('request', (request) => {
      if (new URL(request.url()).hostname === 'e') requested.push(request.url());
    });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('crash', () => pageErrors.push('the tab crashed'));
    onTestFailed(() => screenshot(page, `hostile-${slug(name)}-failed.png`).then(() => undefined, () => undefined));
    await page.goto(`${lab.url}/lab/workspaces/${slug(name)}/tree/hostile-${slug(name)}.ipynb?reset&token=${lab.token}`);
    await page.waitForSelector('.jp-Notebook .jp-CodeCell', { timeout: 60_000 });
    return { page, area: codeCells(page).nth(1).locator('.jp-OutputArea'), requested, pageErrors };
  }

  /** The page still answers (a click on each plain cell makes it active), asked nothing of `e`, threw nothing. */
  async function stillFine({ page, requested, pageErrors }: Opened): Promise<void> {
    expect(await clickMakesActive(page, 2)).toBe(true);
    expect(await clickMakesActive(page, 0)).toBe(true);
    expect(requested).toEqual([]);
    expect(pageErrors.filter((e) => /crashed|Invalid array length|RangeError|Maximum call stack/i.test(e))).toEqual([]);
    await page.close();
  }

  it('a crafted but valid payload is drawn (the control: the renderer is not refusing everything)', async () => {
    const opened = await open('control');
    const view = opened.area.locator('.convlab-featuremap');
    await view.locator('xpath=self::*[@data-rendered="true"]').waitFor({ timeout: 30_000 });
    expect(await view.locator('canvas.convlab-heatmap').count()).toBe(1);
    expect(await opened.area.locator('.convlab-error').count()).toBe(0);
    await stillFine(opened);
  });

  for (const [name, field] of [
    ['padding 20000', /padding/],
    ['height 1e300', /height/],
    ['kernel 1e9', /kernel/],
  ] as const) {
    it(`${name}: a readable message naming the field, no drawing, and the page answers`, async () => {
      const opened = await open(name);
      const error = opened.area.locator('.convlab-error');
      await error.waitFor({ timeout: 30_000 });
      const text = (await error.textContent()) ?? '';
      console.log(`${name}: ${text}`);
      expect(text).toMatch(/^ConvLab cannot draw this feature map: /);
      expect(text).toMatch(field);
      expect(await opened.area.locator('canvas').count()).toBe(0);
      // Moving over the output (a hover that throws once broke the tab) changes nothing.
      const box = await opened.area.boundingBox();
      if (box) await opened.page.mouse.move(box.x + box.width / 3, box.y + box.height / 2, { steps: 3 });
      await stillFine(opened);
    });
  }

  for (const [name, label] of [
    ['link label', LINK_LABEL],
    ['style label', STYLE_LABEL],
    ['template label', TEMPLATE_LABEL],
  ] as const) {
    it(`${name}: the label reads as plain text in the map and the tooltip, and makes no element or request`, async () => {
      const opened = await open(name);
      const view = opened.area.locator('.convlab-featuremap');
      await view.locator('xpath=self::*[@data-rendered="true"]').waitFor({ timeout: 30_000 });
      expect(await opened.area.locator('.convlab-error').count()).toBe(0);
      expect(await view.locator('.convlab-map-label').allTextContents()).toContain(label);
      await hoverCell(mapCanvas(view, 'tensor', 0), 1, 2);
      const text = await tooltipMatching(view, /\(row 1, col 2\)/);
      expect(text).toContain(label);
      // The value is the payload's own (cell (1, 2) of 0, 1, 2, … holds 6), not a template's substitution.
      expect(text).toMatch(/\b6\b/);
      expect(await opened.area.locator('a, [href], [style*="background-image"]').count()).toBe(0);
      await opened.page.mouse.move(5, 5);
      await stillFine(opened);
    });
  }

  it('a 20,000-row shape trace is drawn in part, with a note, and the page answers', async () => {
    const opened = await open('trace 20000');
    const trace = opened.area.locator('.convlab-shapetrace');
    await trace.waitFor({ timeout: 60_000 });
    const rows = await trace.locator('tbody tr.convlab-trace-row').count();
    console.log(`trace 20000: ${rows} rows drawn`);
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(20_000);
    expect(await trace.textContent()).toMatch(/20[,\u202f\u00a0 ]?000/);
    await stillFine(opened);
  });
});
