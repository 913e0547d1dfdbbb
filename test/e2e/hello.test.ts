import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { runAllCells, scratchNotebooks, screenshot, startLab, type Lab } from './lab';

describe('hello notebook in a real JupyterLab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab(scratchNotebooks(['00-hello.ipynb']));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('lists the ConvLab kernel', async () => {
    const response = await fetch(`${lab.url}/api/kernelspecs?token=${lab.token}`);
    const specs = (await response.json()) as { kernelspecs: Record<string, { spec: { display_name: string } }> };
    expect(specs.kernelspecs['convlab']?.spec.display_name).toBe('TypeScript (ConvLab)');
  });

  it('runs the cell and the extension draws input, kernel and output as three heatmaps', async () => {
    const page = await lab.open('00-hello.ipynb');
    onTestFailed(async () => {
      await screenshot(page, 'hello-failed.png');
    });
    await runAllCells(page);
    const view = page.locator('.convlab-featuremap');
    await view.waitFor({ timeout: 60_000 });
    await page.waitForFunction(
      () => document.querySelectorAll('.convlab-featuremap .js-plotly-plot .hm').length === 3,
      undefined,
      { timeout: 60_000 },
    );
    // The extension's own element, not the PNG fallback.
    expect(await page.locator('.jp-OutputArea-output[data-mime-type="image/png"]').count()).toBe(0);
    const traces = await page.$$eval('.convlab-featuremap .js-plotly-plot', (plots) =>
      plots.map((plot) => {
        const data = (plot as unknown as { data: { type: string; z: number[][] }[] }).data;
        return { type: data[0]?.type, z: data[0]?.z };
      }),
    );
    expect(traces.map((t) => t.type)).toEqual(['heatmap', 'heatmap', 'heatmap']);
    expect(traces[2]?.z).toEqual([
      [348, 393],
      [528, 573],
    ]);
    expect(await page.locator('.convlab-caption').allTextContents()).toEqual([
      'input [1,1,4,4] · 1 … 16',
      'kernel [1,1,3,3] · 1 … 9',
      'output [1,1,2,2] · 348 … 573',
    ]);
    await view.scrollIntoViewIfNeeded();
    await screenshot(page, 'hello-light.png');
  });
});
