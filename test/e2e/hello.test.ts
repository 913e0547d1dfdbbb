import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { hoverCell, mapCanvas, tooltipMatching } from './featuremap-helpers';
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
    const view = page.locator('.convlab-featuremap[data-rendered="true"]');
    await view.waitFor({ timeout: 60_000 });
    // The extension's own element, not the PNG fallback: one canvas per map, in panel order.
    expect(await page.locator('.jp-OutputArea-output[data-mime-type="image/png"]').count()).toBe(0);
    expect(await view.locator('canvas.convlab-heatmap').evaluateAll((canvases) => canvases.map((c) => c.closest('.convlab-panel')?.className))).toEqual([
      'convlab-panel convlab-panel-input',
      'convlab-panel convlab-panel-kernel',
      'convlab-panel convlab-panel-output',
    ]);
    // The output's values, as the tooltip states them cell by cell.
    const output = mapCanvas(view, 'output', 0);
    const values: string[][] = [];
    for (const r of [0, 1]) {
      values.push([]);
      for (const c of [0, 1]) {
        await hoverCell(output, r, c);
        const lines = (await tooltipMatching(view, new RegExp(`\\(row ${r}, col ${c}\\)`))).split('\n');
        expect(lines.slice(0, 2)).toEqual(['output channel 0', `(row ${r}, col ${c})`]);
        values.at(-1)!.push(lines[2]!);
      }
    }
    expect(values).toEqual([
      ['value 348', 'value 393'],
      ['value 528', 'value 573'],
    ]);
    await page.mouse.move(5, 5);
    expect(await view.locator('.convlab-caption').allTextContents()).toEqual([
      'input [1,1,4,4] · 1 … 16',
      'kernel [1,1,3,3] · 1 … 9',
      'output [1,1,2,2] · 348 … 573',
    ]);
    await view.scrollIntoViewIfNeeded();
    await screenshot(page, 'hello-light.png');
  });
});
