/**
 * Issue 15 in a real JupyterLab and Chromium: how long a user waits for a feature map. A ConvLab cell ends with
 * `conv2d(x, w, { padding: 1 })` of x `[1,64,56,56]` by w `[64,64,3,3]` (a `[1,64,56,56]` result: 64 output maps,
 * paged). Measured in the page, with its own clock (`performance.now()`):
 * - Shift+Enter on that cell → its view stands drawn (the root stamped `data-rendered="true"`, after it painted
 *   its canvases), and → the frame after; once to warm up, then N more times, each on a fresh output (the
 *   previous view is gone from the page, and the drawn one was never seen before);
 * - when the kernel's message with the result reached the page (its socket's `message` event, seen before
 *   JupyterLab handles it), which splits the wait into the kernel's part and the browser's;
 * - a page turn of the channels: the pager's button clicked → the view restamped (`data-draw-ms`, its own count
 *   of the turn), and → the frame after;
 * - the bytes of the result's bundle as the kernel sent it (its `data`, JSON in UTF-8: how the kernel's 1 MB
 *   display limit counts) and of the whole message.
 * Printed as one `DISPLAY-SPEED {json}` line and a line for people, and written to .setup/display-speed.json
 * (git-ignored) for `npm run bench` to quote (test/bench/run.sh gives CONVLAB_BENCH_RUN to say which run).
 * Asserted: only what is drawn — a valid payload of 64 output maps within 1 MB, the first page of them drawn,
 * the page label changing on each turn — never a time. CONVLAB_DISPLAY_SPEED_RUNS sets N (at least 5).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Page, WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FEATURE_MAP_MIME, validateFeatureMap } from '@convlab/protocol';
import { codeCells, writeNotebook } from './featuremap-helpers';
import { ROOT, scratchNotebooks, screenshot, startLab, type Lab } from './lab';

/** Where `npm run bench` reads the figures (git-ignored, as all of .setup/). */
const FIGURES = join(ROOT, '.setup', 'display-speed.json');
const RUNS = Math.max(5, Number(process.env['CONVLAB_DISPLAY_SPEED_RUNS']) || 5);
const TURNS = 5;
/** The kernel's default display limit (kernel/src/display/options.ts): a bundle's bytes, every part counted. */
const MAX_PAYLOAD_BYTES = 1_000_000;

const CELLS = [
  `const x = randn([1, 64, 56, 56], { seed: 1 });
const w = randn([64, 64, 3, 3], { seed: 2 });`,
  'conv2d(x, w, { padding: 1 })',
  // Shift+Enter on the conv cell selects this one, instead of appending a new cell each run.
  '// Shift+Enter on the cell above moves here',
];
const CONV_CELL = 1;

/** A kernel message's type and content, from a frame of the kernel's socket (JSON text, or the v1 binary form). */
function kernelMessage(payload: string | Buffer): { msgType: unknown; content: unknown } | undefined {
  try {
    if (typeof payload === 'string') {
      const message = JSON.parse(payload) as { header?: { msg_type?: unknown }; content?: unknown };
      return { msgType: message.header?.msg_type, content: message.content };
    }
    // v1.kernel.websocket.jupyter.org: a count n, n offsets (64-bit little-endian), then the parts they bound:
    // channel, header, parent header, metadata, content, buffers.
    const count = Number(payload.readBigUInt64LE(0));
    if (count < 6 || 8 * (count + 1) > payload.length) return undefined;
    const offsets = Array.from({ length: count }, (_, i) => Number(payload.readBigUInt64LE(8 * (i + 1))));
    const part = (k: number): unknown => JSON.parse(payload.subarray(offsets[k], offsets[k + 1]).toString('utf8'));
    return { msgType: (part(1) as { msg_type?: unknown }).msg_type, content: part(4) };
  } catch {
    return undefined;
  }
}

/** A feature-map result as it reached the browser: its data and bytes. */
interface Received {
  data: Record<string, unknown>;
  payloadBytes: number;
  messageBytes: number;
}

/** Records every result message carrying a feature map that the kernel's socket delivers to the page. */
function recordResults(socket: WebSocket, into: Received[]): void {
  socket.on('framereceived', ({ payload }) => {
    const message = kernelMessage(payload);
    if (message?.msgType !== 'execute_result' && message?.msgType !== 'display_data') return;
    const data = (message.content as { data?: Record<string, unknown> } | undefined)?.data;
    if (!data || !(FEATURE_MAP_MIME in data)) return;
    into.push({ data, payloadBytes: Buffer.byteLength(JSON.stringify(data)), messageBytes: payload.length });
  });
}

/**
 * What the page measured of one wait, in ms of its clock: `started` is when the key press or click was seen (0:
 * not seen); `messageMs`, from then to the last large message of the kernel's socket (−1: none since).
 */
interface Waited {
  started: number;
  stampedMs: number;
  frameMs: number;
  drawMs: number;
  messageMs: number;
  previousGone: boolean;
}

/** Messages larger than this are results with maps (a status or reply message is a few hundred bytes). */
const LARGE_MESSAGE = 100_000;

/**
 * Before the page's scripts run: every WebSocket it opens also notes when a large message arrives, in a
 * listener added at construction, so it runs before the handler JupyterLab sets.
 */
async function watchMessages(page: Page): Promise<void> {
  await page.addInitScript((large) => {
    const arrivals: number[] = [];
    (window as unknown as { convlabMessages: number[] }).convlabMessages = arrivals;
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        this.addEventListener('message', (event: MessageEvent) => {
          const data = event.data as string | ArrayBuffer | Blob;
          const size = typeof data === 'string' ? data.length : data instanceof ArrayBuffer ? data.byteLength : data.size;
          if (size > large) arrivals.push(performance.now());
        });
      }
    };
  }, LARGE_MESSAGE);
}

/**
 * In the page: records when Shift+Enter goes down and when a pager button is clicked (capture phase on the
 * window, before JupyterLab or the view handle them), and keeps the views already measured.
 */
function instrument(page: Page): Promise<void> {
  return page.evaluate(() => {
    const speed = { keyAt: 0, clickAt: 0, seen: new WeakSet<Element>(), wait: undefined as Promise<unknown> | undefined };
    (window as unknown as { convlabSpeed: typeof speed }).convlabSpeed = speed;
    window.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && e.shiftKey) speed.keyAt = performance.now();
    }, true);
    window.addEventListener('click', (e) => {
      if (e.target instanceof Element && e.target.closest('.convlab-pager button')) speed.clickAt = performance.now();
    }, true);
  });
}

/**
 * Arms the page to time code cell `cell`'s next output: resolves when a view never measured before stands drawn
 * there. Armed before the key press, and read after it by {@link waited}.
 */
function armRun(page: Page, cell: number): Promise<void> {
  return page.evaluate((i) => {
    /** ms from `start` to the last large message since then (watchMessages), or −1. */
    const since = (start: number): number => {
      const last = (window as unknown as { convlabMessages?: number[] }).convlabMessages?.at(-1);
      return last !== undefined && last >= start ? last - start : -1;
    };
    const speed = (window as unknown as { convlabSpeed: { keyAt: number; seen: WeakSet<Element>; wait?: Promise<unknown> } }).convlabSpeed;
    const node = document.querySelectorAll('.jp-Notebook .jp-CodeCell')[i]!;
    const previous = node.querySelector('.convlab-featuremap');
    speed.keyAt = 0;
    speed.wait = new Promise((resolve) => {
      const check = (): void => {
        const view = node.querySelector<HTMLElement>('.convlab-featuremap[data-rendered="true"]');
        if (!view || speed.seen.has(view)) return;
        const stamped = performance.now();
        speed.seen.add(view);
        observer.disconnect();
        // The frame after the stamp: what the view drew is on screen.
        requestAnimationFrame(() =>
          setTimeout(() =>
            resolve({
              started: speed.keyAt,
              stampedMs: stamped - speed.keyAt,
              frameMs: performance.now() - speed.keyAt,
              drawMs: Number(view.dataset['drawMs']),
              messageMs: since(speed.keyAt),
              previousGone: !previous?.isConnected,
            }),
          ),
        );
      };
      const observer = new MutationObserver(check);
      observer.observe(node, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-rendered'] });
    });
  }, cell);
}

/** Arms the page to time a page turn of the view in code cell `cell`: resolves when the view restamps its draw. */
function armTurn(page: Page, cell: number): Promise<void> {
  return page.evaluate((i) => {
    const speed = (window as unknown as { convlabSpeed: { clickAt: number; wait?: Promise<unknown> } }).convlabSpeed;
    const view = document.querySelectorAll('.jp-Notebook .jp-CodeCell')[i]!.querySelector<HTMLElement>('.convlab-featuremap')!;
    speed.clickAt = 0;
    speed.wait = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        const stamped = performance.now();
        observer.disconnect();
        requestAnimationFrame(() =>
          setTimeout(() =>
            resolve({
              started: speed.clickAt,
              stampedMs: stamped - speed.clickAt,
              frameMs: performance.now() - speed.clickAt,
              drawMs: Number(view.dataset['drawMs']),
              messageMs: -1,
              previousGone: true,
            }),
          ),
        );
      });
      observer.observe(view, { attributes: true, attributeFilter: ['data-draw-ms'] });
    });
  }, cell);
}

/** What the armed wait measured; fails when the key press or click that starts it was not seen. */
async function waited(page: Page, timeout = 120_000): Promise<Waited> {
  const result = await page.evaluate(
    (ms) =>
      Promise.race([
        (window as unknown as { convlabSpeed: { wait: Promise<unknown> } }).convlabSpeed.wait,
        new Promise((resolve) => setTimeout(() => resolve(null), ms)),
      ]),
    timeout,
  );
  if (!result) throw new Error(`the view was not drawn within ${timeout} ms`);
  const w = result as Waited;
  if (!(w.started > 0)) throw new Error('the page saw no key press or click to time from');
  return w;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round1 = (v: number): number => Math.round(v * 10) / 10;

describe('display speed (issue 15): Shift+Enter to a drawn [1,64,56,56] feature map, and a page turn', () => {
  let lab: Lab;
  let page: Page;
  const received: Received[] = [];

  beforeAll(async () => {
    const root = scratchNotebooks([]);
    writeNotebook(root, 'speed.ipynb', CELLS);
    lab = await startLab(root);
    // lab.open writes the user settings every page reads (light theme, every cell rendered); the measured page
    // is opened afresh so the kernel's socket is watched from its first frame.
    const primer = await lab.open('speed.ipynb');
    const browser = primer.context().browser()!;
    await primer.close();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('websocket', (socket) => recordResults(socket, received));
    await watchMessages(page);
    await page.goto(`${lab.url}/lab/tree/speed.ipynb?token=${lab.token}`);
    await page.waitForSelector('.jp-Notebook', { timeout: 60_000 });
    await page.waitForSelector('.jp-StatusBar-TextItem:text-is("TypeScript (ConvLab) | Idle")', { timeout: 60_000 });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it(`times ${RUNS} Shift+Enters of the conv cell to its drawn view and ${TURNS} page turns`, async () => {
    onTestFailed(() => screenshot(page, 'display-speed-failed.png').then(() => undefined, () => undefined));
    await instrument(page);
    const cells = codeCells(page);
    const prompt = (i: number) => cells.nth(i).locator('.jp-InputArea-prompt');
    // The inputs first: their cell is not timed.
    await prompt(0).click();
    await page.keyboard.press('Shift+Enter');
    await expect.poll(async () => (await prompt(0).textContent())?.trim(), { timeout: 60_000 }).toMatch(/^\[\d+\]:$/);

    const runs: Waited[] = [];
    for (let run = 0; run <= RUNS; run++) {
      const before = received.length;
      await prompt(CONV_CELL).click();
      await armRun(page, CONV_CELL);
      await page.keyboard.press('Shift+Enter');
      const w = await waited(page);
      expect(w.previousGone, `run ${run}: the previous output's view is still in the page`).toBe(true);
      expect(received.length, `run ${run}: no feature-map result came over the kernel's socket`).toBeGreaterThan(before);
      expect(w.messageMs, `run ${run}: the page saw no large message from the kernel`).toBeGreaterThanOrEqual(0);
      runs.push(w);
    }

    // What came: a valid payload within the display limit, with the 64 output maps of a [1,64,56,56] result.
    const last = received.at(-1)!;
    const checked = validateFeatureMap(last.data[FEATURE_MAP_MIME]);
    expect(checked.ok, checked.ok ? '' : checked.error).toBe(true);
    expect(last.payloadBytes).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const output = checked.ok ? checked.value.panels.find((p) => p.role === 'output') : undefined;
    expect(output?.shape).toEqual([1, 64, 56, 56]);
    expect(output?.maps.length).toBe(64);

    // What is drawn: the first page of the output maps, from map 0, and a pager over all 64.
    const view = cells.nth(CONV_CELL).locator('.convlab-featuremap').first();
    const label = view.locator('.convlab-pager .convlab-page-label');
    const shownMaps = (): Promise<string[]> =>
      view.locator('.convlab-panel-output .convlab-map').evaluateAll((maps) => maps.map((m) => (m as HTMLElement).dataset['index'] ?? ''));
    const firstPage = await shownMaps();
    expect(firstPage[0]).toBe('0');
    expect(firstPage.length).toBeGreaterThan(0);
    expect(firstPage.length).toBeLessThan(64);
    expect(await view.locator('.convlab-panel-output canvas.convlab-heatmap').count()).toBe(firstPage.length);
    expect(await label.textContent()).toMatch(/of 64/);

    // Page turns: next while there is a next page, else back.
    await page.mouse.move(5, 5);
    const turns: Waited[] = [];
    for (let turn = 0; turn < TURNS; turn++) {
      const [before, mapsBefore] = [await label.textContent(), await shownMaps()];
      const next = view.locator('.convlab-pager .convlab-page-next');
      const button = (await next.isEnabled()) ? next : view.locator('.convlab-pager .convlab-page-previous');
      await armTurn(page, CONV_CELL);
      await button.click();
      turns.push(await waited(page, 30_000));
      expect(await label.textContent(), `turn ${turn}`).not.toBe(before);
      expect(await shownMaps(), `turn ${turn}`).not.toEqual(mapsBefore);
    }

    const timed = runs.slice(1);
    const figures = {
      at: new Date().toISOString(),
      run: process.env['CONVLAB_BENCH_RUN'] ?? null,
      cell: CELLS[CONV_CELL],
      result: [1, 64, 56, 56],
      runs: RUNS,
      warmUp: { shiftEnterToDrawnMs: round1(runs[0]!.stampedMs), drawMs: runs[0]!.drawMs },
      shiftEnterToDrawnMs: timed.map((w) => round1(w.stampedMs)),
      shiftEnterToFrameMs: timed.map((w) => round1(w.frameMs)),
      shiftEnterToMessageMs: timed.map((w) => round1(w.messageMs)),
      drawMs: timed.map((w) => w.drawMs),
      pageTurnMs: turns.map((w) => round1(w.stampedMs)),
      pageTurnFrameMs: turns.map((w) => round1(w.frameMs)),
      pageTurnDrawMs: turns.map((w) => w.drawMs),
      payloadBytes: last.payloadBytes,
      messageBytes: last.messageBytes,
      browser: `Chromium ${page.context().browser()?.version() ?? '?'} (headless)`,
      cores: cpus().length,
    };
    console.log(`DISPLAY-SPEED ${JSON.stringify(figures)}`);
    console.log(
      `display speed, [1,64,56,56] conv result, medians of ${RUNS} runs after a warm-up: Shift+Enter → drawn ` +
        `${median(figures.shiftEnterToDrawnMs).toFixed(0)} ms, next frame ${median(figures.shiftEnterToFrameMs).toFixed(0)} ms ` +
        `(result message in the page after ${median(figures.shiftEnterToMessageMs).toFixed(0)} ms, the view's own draw ` +
        `${median(figures.drawMs).toFixed(0)} ms; first run ${figures.warmUp.shiftEnterToDrawnMs.toFixed(0)} ms); page turn ` +
        `${median(figures.pageTurnMs).toFixed(0)} ms, next frame ${median(figures.pageTurnFrameMs).toFixed(0)} ms (the view's own ` +
        `${median(figures.pageTurnDrawMs).toFixed(0)} ms); payload ${figures.payloadBytes} bytes`,
    );
    mkdirSync(join(ROOT, '.setup'), { recursive: true });
    writeFileSync(FIGURES, `${JSON.stringify(figures, null, 1)}\n`);
  });
});
