import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ROOT, runAllCells, screenshot, startLab, type Lab } from './lab';

// What a user whose Jupyter server has no Node.js sees: the ConvLab kernelspec, started through its launcher
// (kernel/python/kernelspec/launch.py) with a PATH where there is no `node`.
describe('the ConvLab kernel without Node.js, in a real JupyterLab', () => {
  let lab: Lab;
  beforeAll(async () => {
    mkdirSync(join(ROOT, 'test', 'output'), { recursive: true });
    const root = join(ROOT, 'test', 'output', `e2e-root-no-node-${process.pid}`);
    const empty = join(root, 'empty-bin');
    mkdirSync(empty, { recursive: true });
    writeFileSync(
      join(root, 'no-node.ipynb'),
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: { name: 'convlab-no-node', display_name: 'TypeScript (ConvLab)', language: 'typescript' } },
        cells: [{ cell_type: 'code', id: 'c1', metadata: {}, execution_count: null, outputs: [], source: 'tensor([1, 2, 3])' }],
      }),
    );
    lab = await startLab(root, {
      'convlab-no-node': {
        argv: [join(ROOT, '.venv', 'bin', 'python'), join(ROOT, 'kernel', 'python', 'kernelspec', 'launch.py'), '{connection_file}'],
        display_name: 'TypeScript (ConvLab)',
        language: 'typescript',
        env: { PATH: empty },
      },
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('answers the cell with an error that says what to install, and the kernel stays idle', async () => {
    const page = await lab.open('no-node.ipynb');
    onTestFailed(async () => {
      await screenshot(page, 'no-node-failed.png');
    });
    await runAllCells(page);
    const error = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
    await error.waitFor({ timeout: 60_000 });
    const text = await error.innerText();
    expect(text).toContain('ConvLab cannot start its TypeScript kernel: no `node` was found on PATH');
    expect(text).toContain('Install Node.js 20 or newer');
    expect(text).toContain('conda install -c conda-forge "nodejs>=20"');
    await page.waitForSelector('.jp-StatusBar-TextItem:text-is("TypeScript (ConvLab) | Idle")', { timeout: 30_000 });
    // No "kernel died" or restart dialog.
    expect(await page.locator('.jp-Dialog').count()).toBe(0);
    await screenshot(page, 'no-node.png');
  });
});
