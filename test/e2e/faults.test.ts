/**
 * What JupyterLab shows for the cells that once wedged the kernel or vanished (issue 18, items 2 and 3): a thrown
 * value whose `stack` getter throws, a Proxy whose traps throw, `throw { message: 5, name: {} }`, and display
 * methods that return no MIME bundle. Each cell ends (a number in its prompt, never `[*]`) with a readable
 * error, and the variable set before them keeps its value. An endless synchronous loop stops at JupyterLab's
 * interrupt (item 6). Then a restart: the status bar comes back to Idle.
 * Screenshot: test/output/e2e/faults.png.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { E2E_NOTEBOOKS, scratchNotebooks, screenshot, startLab, type Lab } from './lab';

const IDLE = '.jp-StatusBar-TextItem:text-is("TypeScript (ConvLab) | Idle")';

describe('odd thrown values and display results in a real JupyterLab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab(scratchNotebooks(['faults.ipynb'], E2E_NOTEBOOKS));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('shows an error for every cell, ends every cell, and keeps the variable; a restart comes back to Idle', async () => {
    const page = await lab.open('faults.ipynb');
    onTestFailed(async () => {
      await screenshot(page, 'faults-failed.png');
    });
    await page.waitForSelector(IDLE, { timeout: 60_000 });
    const cells = page.locator('.jp-Notebook .jp-CodeCell');
    const count = await cells.count();
    await cells.nth(0).locator('.jp-InputArea-editor').click();
    const ended = (i: number) =>
      page.waitForFunction(
        (index) => /^\[\d+\]:$/.test(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')[index]?.textContent ?? ''),
        i,
        { timeout: 60_000 },
      );
    // One cell at a time (Run All would abort the cells queued behind the first error, as ipykernel does).
    for (let i = 0; i < count; i++) {
      await page.keyboard.press('Shift+Enter');
      if (i === 7) {
        // The endless loop: JupyterLab's interrupt (the kernelspec's mode is message: through the server, on the
        // control channel) must stop it.
        await page.waitForSelector('.jp-StatusBar-TextItem:text-is("TypeScript (ConvLab) | Busy")', { timeout: 30_000 });
        await page.click('.lm-MenuBar-itemLabel:text-is("Kernel")');
        await page.click('.lm-Menu-itemLabel:text-is("Interrupt Kernel")');
      }
      await ended(i);
    }
    const errorOf = async (i: number): Promise<string> =>
      (await cells.nth(i).locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').innerText()).trim();
    expect(await errorOf(1)).toMatch(/^Error: x/);
    expect(await errorOf(2)).toMatch(/^Uncaught|^Error/);
    expect(await errorOf(3)).toMatch(/^Error: 5/);
    expect(await errorOf(4)).toMatch(/ConvLabError: display: .*Jupyter\.display.*42/s);
    expect(await errorOf(5)).toMatch(/ConvLabError: display: .*Jupyter\.display.*null/s);
    expect((await cells.nth(6).locator('.jp-OutputArea-output').innerText()).trim()).toBe('42');
    expect(await errorOf(7)).toMatch(/^Interrupted/);
    expect((await cells.nth(8).locator('.jp-OutputArea-output').innerText()).trim()).toBe('43');
    await screenshot(page, 'faults.png');

    // Restart from the Kernel menu, as a user would: the status bar must come back to Idle.
    await page.click('.lm-MenuBar-itemLabel:text-is("Kernel")');
    await page.click('.lm-Menu-itemLabel:text-is("Restart Kernel…")');
    await page.click('.jp-Dialog-button.jp-mod-accept');
    const restarted = Date.now();
    await page.waitForSelector('.jp-StatusBar-TextItem:not(:text-is("TypeScript (ConvLab) | Idle"))', { timeout: 10_000 }).catch(() => undefined);
    await page.waitForSelector(IDLE, { timeout: 60_000 });
    console.log(`restart: the status bar read Idle again ${Date.now() - restarted} ms after the restart was confirmed`);
    await page.close();
  });
});
