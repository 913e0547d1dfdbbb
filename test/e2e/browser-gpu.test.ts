/**
 * The library in a browser: bundled for a page (browser-bundle.ts) and run in Debian's Chromium, where the gpu
 * backend gets gpu.js's `webgl2` (Chromium draws WebGL with SwiftShader here: no GPU). The gpu backend's test
 * bodies (test/unit/backends/gpu-cases.ts) run on it and on the reference loops, within 1e-4.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../reference/torch';
import { gpuCases } from '../unit/backends/gpu-cases';
import { bundleForBrowser } from './browser-bundle';
import type { ConvLabPage, PageTensor } from './browser-gpu-entry';

declare const convlabPage: ConvLabPage;

const numbers = (t: PageTensor): { shape: number[]; data: number[] } => ({ shape: t.shape, data: t.data.map(Number) });

describe('the gpu backend in a browser page (Chromium, gpu.js webgl2)', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const script = await bundleForBrowser('test/e2e/browser-gpu-entry.ts');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
    await page.goto('about:blank');
    await page.addScriptTag({ content: script });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads without errors and picks WebGL2, naming the renderer', async () => {
    expect(pageErrors).toEqual([]);
    const environment = await page.evaluate(() => convlabPage.environment());
    expect(environment.mode).toBe('webgl2');
    // What the page's own WebGL says (here ANGLE on SwiftShader: software, which 'auto' leaves out).
    const webgl = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2')!;
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    });
    expect(environment.renderer).toBe(webgl);
    expect(environment.webgpu).toMatch(/^WebGPU is unavailable: this synchronous engine runs in Node only/);
    expect(await page.evaluate(() => convlabPage.labels())).toEqual(gpuCases.map(([label]) => label));
  });

  for (const [label] of gpuCases) {
    it(`${label}: agrees with the reference loops within 1e-4`, async () => {
      const result = await page.evaluate((name) => convlabPage.runCase(name), label);
      expect(result.backend).toBe('gpu');
      expectClose(numbers(result.got), numbers(result.want), label);
    });
  }

  it('max pooling propagates NaN and prefers the first maximum', async () => {
    const pooled = await page.evaluate(() => convlabPage.nanPool());
    expect(pooled.data.map(Number)).toEqual([NaN, 3]);
  });

  it('pipeline mode keeps a chain on the GPU; read last-first, every step agrees', async () => {
    const { want, got, devices } = await page.evaluate(() => convlabPage.pipeline());
    expect(devices).toEqual(Array(4).fill('gpu (webgl2)'));
    got.forEach((t, i) => expectClose(numbers(t), numbers(want[i]!), `step ${i}`));
    expect(pageErrors).toEqual([]);
  });
});
