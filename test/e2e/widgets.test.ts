/**
 * Issue 14 in a real JupyterLab and Chromium: Jupyter widgets made by the ConvLab kernel, drawn by the standard
 * widget frontend (jupyterlab_widgets from .venv), driven as a user drives them — a slider moved by keyboard on
 * its handle, a dropdown option chosen — and checked against values the kernel computed and printed in the same
 * notebook (never against the view's own output):
 * - `interact` with a slider and a dropdown shows fn's value for the new settings;
 * - `explore(x, w)`: moving stride, padding and dilation updates the formula text to the library's formula
 *   (`convInfo`), the output maps' size to the one computed here from the definition and to the shape the
 *   kernel prints for `conv2d(x, w, opts)`, and their hover values to the kernel's `conv2d` values;
 * - a bad combination shows the library's error in place and the maps stay; a good one again brings them back;
 * - the round trip of a `[1,3,64,64]` input with 8 filters (control change → updated output on screen) is printed,
 *   not asserted;
 * - saving the notebook writes the widget state with the slider's new value into its metadata.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { codeCells, hoverCell, plainMinus, tooltipMatching, waitForAllCells, writeNotebook } from './featuremap-helpers';
import { runAllCells, scratchNotebooks, screenshot, startLab, type Lab } from './lab';
import {
  choose,
  controlLabelled,
  convOutSize,
  nudge,
  printedJson,
  savedWidgetState,
  shownText,
  sliderRange,
  sliderValue,
  until,
  widgetOf,
} from './widget-helpers';

/** The input and kernel explored: x [1,2,5,5], w [3,2,3,3] (values the test does not need: the kernel prints). */
const X_SIDE = 5;
const K_SIDE = 3;
const SETUP = `const xe = tensor(Float32Array.from({ length: 2 * ${X_SIDE} * ${X_SIDE} }, (_, i) => Math.round(Math.sin(i * 0.7) * 100) / 10), [1, 2, ${X_SIDE}, ${X_SIDE}]);
const we = tensor(Float32Array.from({ length: 3 * 2 * ${K_SIDE} * ${K_SIDE} }, (_, i) => ((i * 7) % 5) - 2), [3, 2, ${K_SIDE}, ${K_SIDE}]);`;

/** What the kernel computes for one setting: conv2d's shape and values, convInfo's formulas, or the error. */
interface LibraryResult {
  stride: number;
  padding: number;
  dilation: number;
  shape?: number[];
  formula?: string[];
  values?: number[];
  error?: string;
}

/** The notebook: each entry one code cell, named so the tests find its output. */
const CELLS = {
  setup: SETUP,
  // The library's answer for every setting the explorer's controls can reach in these tests.
  library: `for (const stride of [1, 2, 3]) for (const padding of [0, 1, 2, 3]) for (const dilation of [1, 2, 3, 4]) {
  const opts = { stride, padding, dilation };
  try {
    const y = conv2d(xe, we, opts);
    console.log(JSON.stringify({ ...opts, shape: y.shape, formula: convInfo('conv2d', xe.shape, we.shape, opts).axes.map((a) => a.formula), values: Array.from(y.data) }));
  } catch (e) {
    console.log(JSON.stringify({ ...opts, error: (e as Error).message }));
  }
}`,
  interact: `interact(({ n, op }) => \`\${op}(\${n}) = \${op === 'square' ? n * n : n * n * n}\`, {
  n: intSlider({ value: 3, min: 0, max: 10, description: 'n' }),
  op: dropdown({ options: ['square', 'cube'], value: 'square', description: 'op' }),
})`,
  explore: 'explore(xe, we)',
  exploreBad: 'explore(xe, we)',
  roundTripSetup: `const xr = randn([1, 3, 64, 64], { seed: 1 });
const wr = randn([8, 3, 3, 3], { seed: 2 });`,
  roundTrip: 'explore(xr, wr)',
  saved: `const saveMe = intSlider({ value: 5, min: 0, max: 20, description: 'saved' });
saveMe`,
} as const;
type CellName = keyof typeof CELLS;
const cellIndex = (name: CellName): number => Object.keys(CELLS).indexOf(name);

/** The interact cell's function, as the test computes it. */
const interactText = (n: number, op: string): string => `${op}(${n}) = ${op === 'square' ? n * n : n * n * n}`;

/** The explorer's feature-map view (drawn), its output panel's first canvas, and the explorer's whole text. */
function explorerParts(area: Locator): { view: Locator; output: Locator } {
  const view = area.locator('.convlab-featuremap').first();
  return { view, output: view.locator('.convlab-panel-output canvas.convlab-heatmap').first() };
}

/** The output canvas's grid size `[rows, cols]` once the view is drawn, or null while none is drawn. */
async function outputGrid(area: Locator): Promise<[number, number] | null> {
  const { view, output } = explorerParts(area);
  if ((await view.count()) === 0 || (await view.getAttribute('data-rendered')) !== 'true' || (await output.count()) === 0) return null;
  return [Number(await output.getAttribute('data-rows')), Number(await output.getAttribute('data-cols'))];
}

/** The explorer's stride and dilation controls, its padding dropdown and the padding amount's slider. */
interface ExplorerControls {
  stride: Locator;
  padding: Locator;
  amount: Locator;
  dilation: Locator;
}

async function explorerControls(area: Locator): Promise<ExplorerControls> {
  return {
    stride: await controlLabelled(area, 'slider', /^stride$/i),
    padding: await controlLabelled(area, 'dropdown', /^padding$/i),
    amount: await controlLabelled(area, 'slider', /^amount$/i),
    dilation: await controlLabelled(area, 'slider', /^dilation$/i),
  };
}

/** The padding the explorer's controls set: `valid` is 0, `explicit` the amount; other kinds are not used here. */
async function paddingOf(controls: ExplorerControls): Promise<number> {
  const kind = await controls.padding.locator('select').evaluate((s) => (s as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');
  if (kind === 'valid') return 0;
  if (kind === 'explicit') return sliderValue(controls.amount);
  throw new Error(`the explorer's padding is ${JSON.stringify(kind)}; the test sets only valid or explicit`);
}

describe('Jupyter widgets from the ConvLab kernel, and the conv explorer (issue 14)', () => {
  let lab: Lab;
  let page: Page;
  let library: LibraryResult[] = [];

  /** The kernel's result for the explorer's current setting, read from its controls. */
  async function libraryAt(controls: ExplorerControls): Promise<LibraryResult> {
    const [stride, padding, dilation] = await Promise.all([sliderValue(controls.stride), paddingOf(controls), sliderValue(controls.dilation)]);
    const found = library.find((r) => r.stride === stride && r.padding === padding && r.dilation === dilation);
    if (!found) throw new Error(`the test's library cell did not compute stride ${stride}, padding ${padding}, dilation ${dilation}`);
    return found;
  }

  beforeAll(async () => {
    const root = scratchNotebooks([]);
    writeNotebook(root, 'widgets.ipynb', Object.values(CELLS));
    lab = await startLab(root);
    page = await lab.open('widgets.ipynb');
    await runAllCells(page);
    await waitForAllCells(page);
    library = await printedJson<LibraryResult>(page, cellIndex('library'));
    if (library.length !== 3 * 4 * 4) throw new Error(`the library cell printed ${library.length} results, not 48:\n${await codeCells(page).nth(cellIndex('library')).innerText()}`);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('interact with a slider and a dropdown shows fn’s value for the settings chosen', async () => {
    onTestFailed(() => screenshot(page, 'widgets-interact-failed.png').then(() => undefined, () => undefined));
    const area = await widgetOf(page, cellIndex('interact'));
    const slider = await controlLabelled(area, 'slider', /^n$/);
    const dropdown = await controlLabelled(area, 'dropdown', /^op$/);
    const output = area.locator('.widget-output');
    expect(await output.count(), 'interact shows an Output widget').toBeGreaterThan(0);
    const shown = (): Promise<string> => shownText(output.first());
    expect(await until(shown, (t) => t.includes(interactText(3, 'square')))).toContain(interactText(3, 'square'));

    expect(await nudge(slider, 'ArrowRight')).toBe(4);
    let text = await until(shown, (t) => t.includes(interactText(4, 'square')));
    expect(text).toContain(interactText(4, 'square'));
    expect(text, 'the old value is replaced, not appended to').not.toContain(interactText(3, 'square'));

    await choose(dropdown, 'cube');
    text = await until(shown, (t) => t.includes(interactText(4, 'cube')));
    expect(text).toContain(interactText(4, 'cube'));
    expect(text).not.toContain(interactText(4, 'square'));
    console.log(`interact: slider → 4, dropdown → cube; the output reads ${JSON.stringify(text)}`);
  });

  it('explore: moving stride, padding and dilation updates the formula and the maps to the library’s numbers', async () => {
    onTestFailed(() => screenshot(page, 'widgets-explore-failed.png').then(() => undefined, () => undefined));
    const area = await widgetOf(page, cellIndex('explore'));
    const controls = await explorerControls(area);

    /** After each move: the output grid is the size from the definition, the kernel's shape, and the formulas. */
    const check = async (what: string): Promise<LibraryResult> => {
      const result = await libraryAt(controls);
      if (result.error) throw new Error(`${what}: the library rejects this setting (${result.error}); the test meant a valid one`);
      const { stride, padding, dilation } = result;
      const side = convOutSize(X_SIDE, K_SIDE, stride, padding, padding, dilation);
      // The kernel's conv2d agrees with the definition (so the view is checked against both).
      expect(result.shape, `${what}: conv2d's shape`).toEqual([1, 3, side, side]);
      const grid = await until(() => outputGrid(area), (g) => g?.[0] === side && g[1] === side);
      expect(grid, `${what}: the output maps' grid (stride ${stride}, padding ${padding}, dilation ${dilation})`).toEqual([side, side]);
      const text = plainMinus(await shownText(area));
      for (const formula of result.formula!) expect(text, `${what}: the explorer shows the library's formula`).toContain(plainMinus(formula));
      console.log(`explore after ${what}: stride ${stride}, padding ${padding}, dilation ${dilation} → ${side}×${side}; ${result.formula!.join(' | ')}`);
      return result;
    };

    await check('the first draw');
    // Each move changes the output size (5×5 input, 3×3 kernel: 3 → 2 → 3 → 2), so a stale view shows.
    await nudge(controls.stride, 'ArrowRight');
    await check('stride +1');
    // Padding: explicit, then one more cell on each side.
    await choose(controls.padding, 'explicit');
    await nudge(controls.amount, 'ArrowRight');
    await check('padding +1');
    await nudge(controls.dilation, 'ArrowRight');
    const result = await check('dilation +1');

    // The values drawn are the library's: hover every output cell of channels 0 and 2.
    const { view } = explorerParts(area);
    const side = result.shape![2]!;
    for (const channel of [0, 2]) {
      const canvas = view.locator(`.convlab-panel-output .convlab-map[data-index="${channel}"] canvas.convlab-heatmap`).first();
      for (let r = 0; r < side; r++)
        for (let c = 0; c < side; c++) {
          const want = result.values![(channel * side + r) * side + c]!;
          await hoverCell(canvas, r, c);
          const tip = await tooltipMatching(view, new RegExp(`\\(row ${r}, col ${c}\\)[\\s\\S]*value`));
          const shown = Number(tip.match(/value (-?[\d.]+(?:e[-+]?\d+)?)/)?.[1]);
          expect(tip, `output channel ${channel} (row ${r}, col ${c})`).toContain(`output channel ${channel}`);
          expect(Math.abs(shown - want), `${tip} vs conv2d's ${want}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
        }
    }
    await page.mouse.move(5, 5);
  });

  it('explore: a bad combination shows the library’s error in place and the maps stay', async () => {
    onTestFailed(() => screenshot(page, 'widgets-explore-bad-failed.png').then(() => undefined, () => undefined));
    const area = await widgetOf(page, cellIndex('exploreBad'));
    const controls = await explorerControls(area);
    // From stride 1, padding 0, dilation 1: stride 2, dilation 2 is good (the 3×3 kernel spans 5 cells: output
    // 1×1); then dilation up until the library rejects the setting (dilation 3 spans 7 > 5 cells).
    await nudge(controls.stride, 'ArrowRight');
    await nudge(controls.dilation, 'ArrowRight');
    let good = await libraryAt(controls);
    expect(good.error, 'the setting before the bad one is good').toBeUndefined();
    await until(() => outputGrid(area), (g) => g?.[0] === good.shape![2]);
    const [, maxDilation] = await sliderRange(controls.dilation);
    let bad = good;
    while (!bad.error && (await sliderValue(controls.dilation)) < maxDilation) {
      good = bad;
      await until(() => outputGrid(area), (g) => g?.[0] === good.shape![2]);
      await nudge(controls.dilation, 'ArrowRight');
      bad = await libraryAt(controls);
    }
    expect(bad.error, `no bad dilation within the slider's range (last: ${JSON.stringify({ ...bad, values: undefined })})`).toBeDefined();
    const firstLine = plainMinus(bad.error!.split('\n')[0]!).replace(/\s+/g, ' ').trim();
    const text = await until(
      async () => plainMinus(await shownText(area)),
      (t) => t.includes(firstLine),
    );
    expect(text, 'the explorer shows the library’s error').toContain(firstLine);
    // The last good maps stay on screen.
    const last = good.shape![2]!;
    expect(await outputGrid(area), 'the last good view stays').toEqual([last, last]);
    console.log(`explore, bad setting (stride ${bad.stride}, padding ${bad.padding}, dilation ${bad.dilation}): ${firstLine}`);

    // Back to a good setting: the error goes, the maps follow.
    await nudge(controls.dilation, 'ArrowLeft');
    const again = await libraryAt(controls);
    await until(async () => plainMinus(await shownText(area)), (t) => !t.includes(firstLine));
    expect(plainMinus(await shownText(area)), 'the error is gone once the setting is good').not.toContain(firstLine);
    expect(await until(() => outputGrid(area), (g) => g?.[0] === again.shape![2])).toEqual([again.shape![2], again.shape![3]]);
  });

  it('explore round trip, [1,3,64,64] with 8 filters: control change → updated output on screen (printed)', async () => {
    onTestFailed(() => screenshot(page, 'widgets-round-trip-failed.png').then(() => undefined, () => undefined));
    const area = await widgetOf(page, cellIndex('roundTrip'));
    const stride = await controlLabelled(area, 'slider', /stride/i);
    const handle = stride.locator('.noUi-handle').first();
    await until(() => outputGrid(area), (g) => g !== null, 120_000);
    const times: number[] = [];
    // Stride 1 → 5 and back: every step changes the output's size (62, 31, 21, 16, 13).
    const keys = ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowLeft', 'ArrowLeft', 'ArrowLeft', 'ArrowLeft'] as const;
    for (const key of keys) {
      const before = await outputGrid(area);
      // In the page: from the key's event to the first frame where the drawn output has a new size.
      await area.evaluate((node, rows) => {
        const started = new Promise<number>((resolve) => document.addEventListener('keydown', (e) => resolve(e.timeStamp), { capture: true, once: true }));
        (node as unknown as { roundTrip: Promise<number> }).roundTrip = started.then(
          (t0) =>
            new Promise<number>((resolve, reject) => {
              const limit = performance.now() + 60_000;
              const frame = (): void => {
                const view = node.querySelector('.convlab-featuremap');
                const canvas = view?.querySelector('.convlab-panel-output canvas.convlab-heatmap') as HTMLElement | null;
                if (view?.getAttribute('data-rendered') === 'true' && canvas && canvas.dataset['rows'] !== rows) resolve(performance.now() - t0);
                else if (performance.now() > limit) reject(new Error('no updated output within 60 s'));
                else requestAnimationFrame(frame);
              };
              requestAnimationFrame(frame);
            }),
        );
      }, String(before?.[0]));
      await handle.focus();
      await handle.press(key);
      times.push(await area.evaluate((node) => (node as unknown as { roundTrip: Promise<number> }).roundTrip));
      // What was timed is the right picture: the output of the stride now shown, from the definition.
      const side = convOutSize(64, 3, await sliderValue(stride), 0, 0, 1);
      expect(await outputGrid(area), `after ${key}`).toEqual([side, side]);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = (sorted[3]! + sorted[4]!) / 2;
    console.log(
      `widget round trip (explore, x [1,3,64,64], w [8,3,3,3], stride slider): ${times.map((t) => t.toFixed(0)).join(', ')} ms; ` +
        `median ${median.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)}, max ${sorted[sorted.length - 1]!.toFixed(0)} (N = ${times.length})`,
    );
  });

  it('saving the notebook writes the widget state with the slider’s new value', async () => {
    onTestFailed(() => screenshot(page, 'widgets-saved-failed.png').then(() => undefined, () => undefined));
    const area = await widgetOf(page, cellIndex('saved'));
    const slider = await controlLabelled(area, 'slider', /^saved$/);
    const value = await nudge(slider, 'ArrowRight');
    expect(value).toBe(6);
    await codeCells(page).nth(cellIndex('saved')).locator('.jp-InputArea-prompt').click();
    await page.keyboard.press('Control+s');
    const path = join(lab.root, 'widgets.ipynb');
    const read = (): { value?: unknown; models: number } => {
      let notebook: Parameters<typeof savedWidgetState>[0];
      try {
        notebook = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        // Read while the server writes it: try again.
        return { models: 0 };
      }
      const state = savedWidgetState(notebook)?.state ?? {};
      const model = Object.values(state).find((m) => m.model_name === 'IntSliderModel' && m.state['description'] === 'saved');
      return { value: model?.state['value'], models: Object.keys(state).length };
    };
    const saved = await until(async () => read(), (s) => s.value === value);
    expect(saved.value, `metadata.widgets of the saved notebook (${saved.models} models)`).toBe(value);
  });
});
