/**
 * Issue 14, delivery 4: a notebook with widgets works as an exported page, without JupyterLab.
 *
 * A small widget notebook (a slider and a dropdown set from code after they were shown, an explorer, a tensor)
 * is executed by nbclient in the ConvLab kernel (as kernel/scripts/run-notebooks.py executes the notebooks),
 * which saves the widgets' last state in `metadata.widgets`; nbconvert turns it into HTML (its `lab` template);
 * Chromium opens that page with the widget HTML manager the template loads from a CDN served instead from the
 * npm package `@jupyter-widgets/html-manager` (and require.js from `requirejs`): nothing leaves the machine. The
 * widgets must show their saved values, and the tensor's static fallback must be in the page.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { writeNotebook } from './featuremap-helpers';
import { JUPYTER, launchChromium, ROOT, screenshot } from './lab';
import { savedWidgetState, WIDGET_STATE_MIME, WIDGET_VIEW_MIME, type SavedWidgetState } from './widget-helpers';

const run = promisify(execFile);

/** The CDN files the exported page asks for, and the npm packages that hold them. */
const HTML_MANAGER = join(ROOT, 'node_modules', '@jupyter-widgets', 'html-manager', 'dist');
const REQUIRE_JS = join(ROOT, 'node_modules', 'requirejs', 'require.js');

/** The notebook: widgets whose values change after they were shown, so the saved state is the last one. */
const CELLS = [
  `const level = intSlider({ value: 3, min: 0, max: 10, description: 'level' });
level`,
  'level.value = 7;',
  `const choice = dropdown({ options: ['zeros', 'reflect'], value: 'zeros', description: 'choice' });
choice`,
  "choice.set({ value: 'reflect' });",
  `const img = tensor(Float32Array.from({ length: 36 }, (_, i) => i), [1, 1, 6, 6]);
explore(img, undefined, { stride: 2, padding: 1 })`,
  'img',
];
/** The explorer's height formula for a 6×6 input, kernel 3, stride 2, padding 1, as the library writes it. */
const FORMULA = 'floor((6 + 1 + 1 − 3) / 2) + 1 = 3';

/** Executes `name` in `dir` with nbclient (ConvLab kernel, widget state saved) and converts it to HTML. */
async function executeAndExport(dir: string, name: string): Promise<void> {
  const python = join(dirname(JUPYTER), 'python');
  const script = [
    'import sys, nbformat',
    'from nbclient import NotebookClient',
    'path = sys.argv[1]',
    'nb = nbformat.read(path, as_version=4)',
    "NotebookClient(nb, timeout=300, kernel_name='convlab', resources={'metadata': {'path': sys.argv[2]}}).execute()",
    'nbformat.write(nb, path)',
  ].join('\n');
  await run(python, ['-c', script, join(dir, name), dir], { cwd: dir, timeout: 240_000 });
  await run(JUPYTER, ['nbconvert', '--to', 'html', join(dir, name)], { cwd: dir, timeout: 120_000 });
}

/** A model of the saved state by its model name and description. */
function modelOf(state: SavedWidgetState, modelName: string, description?: string): Record<string, unknown> | undefined {
  return Object.values(state.state).find((m) => m.model_name === modelName && (description === undefined || m.state['description'] === description))?.state;
}

describe('an exported notebook shows its widgets as saved (issue 14)', () => {
  let dir: string;
  let browser: Browser | undefined;
  let state: SavedWidgetState | undefined;
  let html = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(ROOT, 'test', 'output', 'e2e-export-'));
    writeNotebook(dir, 'widgets.ipynb', CELLS);
    await executeAndExport(dir, 'widgets.ipynb');
    state = savedWidgetState(JSON.parse(readFileSync(join(dir, 'widgets.ipynb'), 'utf8')));
    html = readFileSync(join(dir, 'widgets.html'), 'utf8');
  }, 360_000);
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('nbclient saves the widgets’ last state in the notebook’s metadata', () => {
    expect(state, `metadata.widgets["${WIDGET_STATE_MIME}"] of the executed notebook`).toBeDefined();
    expect(state!.version_major).toBe(2);
    expect(modelOf(state!, 'IntSliderModel', 'level')?.['value'], 'the slider set to 7 from code').toBe(7);
    const choice = modelOf(state!, 'DropdownModel', 'choice');
    expect(choice, 'the dropdown').toBeDefined();
    expect((choice!['_options_labels'] as string[])[choice!['index'] as number], 'the dropdown set to reflect from code').toBe('reflect');
    // The explorer's formula (an HTML widget) and its maps (an Output widget holding the tensor's bundle).
    const formulas = Object.values(state!.state).filter((m) => m.model_name === 'HTMLModel').map((m) => String(m.state['value']));
    expect(formulas.some((v) => v.includes(FORMULA)), `an HTML widget holds the formula; HTML widgets: ${formulas.join(' | ')}`).toBe(true);
    const outputs = Object.values(state!.state).filter((m) => m.model_name === 'OutputModel');
    const bundles = outputs.flatMap((m) => (m.state['outputs'] as { data?: Record<string, unknown> }[] | undefined) ?? []);
    expect(bundles.some((o) => o.data?.['image/png'] !== undefined || o.data?.['text/html'] !== undefined), 'the explorer’s maps carry a static fallback').toBe(true);
  });

  it('the HTML holds the widget state, the widget views and the tensor’s static fallback', () => {
    expect(html).toContain(`<script type="${WIDGET_STATE_MIME}">`);
    expect(html.split(`<script type="${WIDGET_VIEW_MIME}">`).length - 1, 'widget views: slider, dropdown, explorer').toBe(3);
    // The last cell's tensor: drawn as a picture or a table for readers without the extension. Only that cell's
    // HTML is searched: the widget state (the footer's script) holds the explorer's own fallbacks.
    const cells = html.split('class="jp-Cell jp-CodeCell ');
    expect(cells.length - 1, 'code cells in the exported page').toBe(CELLS.length);
    const lastCell = cells.at(-1)!.split(`<script type="${WIDGET_STATE_MIME}">`)[0]!;
    // (nbconvert re-serialises the HTML it embeds: an `<img>`'s attributes may come in another order.)
    expect(/<img [^>]*src="data:image\/png;base64,|<table/.test(lastCell), `the tensor’s static fallback in the last cell: ${lastCell.slice(0, 300)}`).toBe(true);
  });

  it('opened in Chromium with the widget HTML manager, the widgets render with their saved values', async () => {
    if (!existsSync(join(HTML_MANAGER, 'embed-amd.js')) || !existsSync(REQUIRE_JS)) {
      throw new Error('the dev dependencies @jupyter-widgets/html-manager and requirejs are not installed (npm install at the root)');
    }
    browser = await launchChromium();
    const page: Page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    onTestFailed(() => screenshot(page, 'exported-failed.png').then(() => undefined, () => undefined));
    const blocked: string[] = [];
    const origin = 'http://exported.invalid';
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (url === `${origin}/widgets.html`) return route.fulfill({ body: html, contentType: 'text/html' });
      if (/^https:\/\/cdnjs\.cloudflare\.com\/ajax\/libs\/require\.js\/[^/]+\/require(\.min)?\.js$/.test(url)) {
        return route.fulfill({ path: REQUIRE_JS, contentType: 'text/javascript' });
      }
      const manager = url.match(/^https:\/\/unpkg\.com\/@jupyter-widgets\/html-manager@[^/]+\/dist\/([\w.-]+)$/);
      if (manager && existsSync(join(HTML_MANAGER, manager[1]!))) return route.fulfill({ path: join(HTML_MANAGER, manager[1]!) });
      blocked.push(url);
      return route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/widgets.html`);
    const slider = page.locator('.widget-slider').filter({ has: page.locator('.widget-label', { hasText: /^level$/ }) });
    try {
      await slider.waitFor({ timeout: 60_000 });
    } catch {
      throw new Error(`the exported page drew no "level" slider; page errors: ${errors.join(' | ')}; blocked: ${blocked.join(' ')}`);
    }
    console.log(`exported page: requests not served locally (aborted): ${blocked.length ? blocked.join(' ') : 'none'}`);
    expect((await slider.locator('.widget-readout').textContent())?.trim()).toBe('7');
    const select = page.locator('.widget-dropdown').filter({ has: page.locator('.widget-label', { hasText: /^choice$/ }) }).locator('select');
    expect(await select.evaluate((s) => (s as HTMLSelectElement).selectedOptions[0]?.textContent)).toBe('reflect');
    // The explorer: its controls at the saved settings, its formula, and its maps' static picture.
    const stride = page.locator('.widget-slider').filter({ has: page.locator('.widget-label', { hasText: /^stride$/ }) });
    expect((await stride.locator('.widget-readout').textContent())?.trim()).toBe('2');
    await expect.poll(async () => (await page.locator('.widget-html').allInnerTexts()).join('\n')).toContain(FORMULA);
    const picture = page.locator('.widget-output img, .widget-output table').first();
    await picture.waitFor({ timeout: 30_000 });
    await screenshot(page, 'exported-widgets.png');
  });
});
