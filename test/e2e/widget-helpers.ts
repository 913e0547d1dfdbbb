/**
 * Helpers for the browser tests of issue 14 (Jupyter widgets from the ConvLab kernel, the conv explorer, the
 * JupyterLab plugin): the standard widget frontend's DOM (jupyterlab_widgets draws each control: `.widget-slider`
 * with its `.widget-label` description, `.noUi-handle` and `.widget-readout`; `.widget-dropdown select`;
 * `.widget-output`), cells added and run as a user does, and what cells printed.
 *
 * A missing part fails with a message that names it (e.g. "no slider labelled /stride/"), not a bare timeout.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { codeCells, printed } from './featuremap-helpers';

/** The MIME type of a widget view in an output (what the kernel's `[JUPYTER_DISPLAY]()` of a widget sends). */
export const WIDGET_VIEW_MIME = 'application/vnd.jupyter.widget-view+json';

/** The MIME type of the widget state nbclient and JupyterLab save under `metadata.widgets`. */
export const WIDGET_STATE_MIME = 'application/vnd.jupyter.widget-state+json';

/** The output element holding the widget view of code cell `i`, once the widget frontend drew it. */
export async function widgetOf(page: Page, i: number, timeout = 120_000): Promise<Locator> {
  // The widget frontend's views carry `.jupyter-widgets`; the output element holding one has no MIME attribute.
  const root = codeCells(page).nth(i).locator('.jp-OutputArea-output > .jupyter-widgets').first();
  try {
    await root.waitFor({ timeout });
  } catch {
    const text = await codeCells(page).nth(i).locator('.jp-OutputArea').innerText().catch(() => '');
    throw new Error(`code cell ${i} shows no drawn Jupyter widget (${WIDGET_VIEW_MIME}) within ${timeout} ms; its output reads:\n${text}`);
  }
  return root.locator('xpath=..');
}

/** The control of `kind` (`slider`, `dropdown`, …) whose description matches `label`, inside `area`. */
export async function controlLabelled(area: Locator, kind: 'slider' | 'dropdown' | 'toggle-buttons', label: RegExp): Promise<Locator> {
  const selector = { slider: '.widget-slider', dropdown: '.widget-dropdown', 'toggle-buttons': '.widget-toggle-buttons' }[kind];
  const all = area.locator(selector);
  const labels = await all.evaluateAll((nodes) => nodes.map((n) => n.querySelector('.widget-label')?.textContent?.trim() ?? ''));
  const index = labels.findIndex((text) => label.test(text));
  if (index < 0) throw new Error(`no ${kind} labelled ${label} in the widget; its ${kind}s are labelled ${JSON.stringify(labels)}`);
  return all.nth(index);
}

/** A slider's value as its readout shows it. */
export async function sliderValue(slider: Locator): Promise<number> {
  const text = (await slider.locator('.widget-readout').textContent())?.trim() ?? '';
  const value = Number(text.replace(/\u2212/g, '-'));
  if (text === '' || Number.isNaN(value)) throw new Error(`the slider's readout reads ${JSON.stringify(text)}, not a number`);
  return value;
}

/** The [min, max] a slider's handle announces (noUiSlider's `aria-valuemin`/`aria-valuemax`). */
export async function sliderRange(slider: Locator): Promise<[number, number]> {
  const handle = slider.locator('.noUi-handle').first();
  return [Number(await handle.getAttribute('aria-valuemin')), Number(await handle.getAttribute('aria-valuemax'))];
}

/**
 * Moves a slider one step by keyboard, as a user does: focus its handle, press the arrow key; waits until the
 * readout shows the new value and returns it.
 */
export async function nudge(slider: Locator, key: 'ArrowRight' | 'ArrowLeft'): Promise<number> {
  const before = await sliderValue(slider);
  const handle = slider.locator('.noUi-handle').first();
  // A slider the kernel has just enabled may still be disabled here: a press it ignores is pressed again.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    await handle.focus();
    await handle.press(key);
    const now = await until(() => sliderValue(slider), (v) => v !== before, 1_000);
    if (now !== before) return now;
  }
  throw new Error(`pressing ${key} on the slider's handle left its readout at ${before}`);
}

/** Chooses `option` (its label) in a dropdown control. */
export async function choose(dropdown: Locator, option: string): Promise<void> {
  await dropdown.locator('select').selectOption({ label: option });
}

/** The text a locator shows, white space collapsed and minus signs as hyphens. */
export async function shownText(node: Locator): Promise<string> {
  return ((await node.innerText()) ?? '').replace(/\u2212/g, '-').replace(/\s+/g, ' ').trim();
}

/** Polls `read` until `accept` holds for its value (or `timeout` ms pass) and returns the last value read. */
export async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeout = 30_000): Promise<T> {
  const deadline = Date.now() + timeout;
  let last = await read();
  while (!accept(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

/** The JSON values a cell printed, one a line (lines that are not JSON are skipped). */
export async function printedJson<T>(page: Page, i: number): Promise<T[]> {
  return (await printed(page, i))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('{') || line.startsWith('['))
    .map((line) => JSON.parse(line) as T);
}

/** Waits until the notebook's kernel status reads Idle (`name` is its display name). */
export async function waitIdle(page: Page, name = 'TypeScript (ConvLab)', timeout = 120_000): Promise<void> {
  await page.waitForSelector(`.jp-StatusBar-TextItem:text-is("${name} | Idle")`, { timeout });
}

/**
 * Adds a code cell below the last one holding `source`, runs it (Shift+Enter, as a user does) and waits for its
 * execution count; returns its index. `source` is inserted as text, so the editor adds no indentation of its own.
 */
export async function appendCell(page: Page, source: string, timeout = 120_000): Promise<number> {
  const cells = codeCells(page);
  const index = await cells.count();
  await cells.nth(index - 1).locator('.jp-InputArea-prompt').click();
  await page.keyboard.press('Escape');
  await page.keyboard.press('b');
  const cell = cells.nth(index);
  await cell.waitFor({ timeout: 10_000 });
  await cell.locator('.cm-content').click();
  await page.keyboard.insertText(source);
  await page.keyboard.press('Shift+Enter');
  await cell.locator('.jp-InputArea-prompt').filter({ hasText: /^\s*\[\d+\]:\s*$/ }).waitFor({ timeout });
  return index;
}

/** Writes `name` into `root` as a notebook of code cells for the kernelspec `kernel` (e.g. a Python one). */
export function writeKernelNotebook(
  root: string,
  name: string,
  cells: readonly string[],
  kernel: { name: string; display_name: string; language: string },
): void {
  const notebook = {
    cells: cells.map((source, i) => ({ cell_type: 'code', execution_count: null, id: `cell-${i}`, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: kernel, language_info: { name: kernel.language } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  writeFileSync(join(root, name), JSON.stringify(notebook, null, 1));
}

/** The saved widget state of a notebook file: model id → { model_name, state }. */
export interface SavedWidgetState {
  version_major: number;
  version_minor: number;
  state: Record<string, { model_name: string; model_module: string; model_module_version: string; state: Record<string, unknown> }>;
}

/** The widget state stored in a notebook's metadata, or undefined. */
export function savedWidgetState(notebook: { metadata?: { widgets?: Record<string, unknown> } }): SavedWidgetState | undefined {
  return notebook.metadata?.widgets?.[WIDGET_STATE_MIME] as SavedWidgetState | undefined;
}

/** Output size of one conv axis, from the definition: floor((L + p0 + p1 − d(k − 1) − 1) / s) + 1. */
export function convOutSize(L: number, k: number, s: number, p0: number, p1: number, d: number): number {
  return Math.floor((L + p0 + p1 - d * (k - 1) - 1) / s) + 1;
}
