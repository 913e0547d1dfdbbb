#!/usr/bin/env node
/**
 * The ConvLab kernel: tslab's executor, protocol handler and ZeroMQ server, with ConvLab's prelude run
 * before the first cell, so `tensor`, `conv2d`, `display`, … work in every cell with no import.
 *
 * This is the only file that touches tslab's internals; tslab is pinned exactly (kernel/package.json) because
 * `dist/converter`, `dist/executor` and `dist/jupyter` are not a public API. tslab's own `startKernel` has no
 * preload hook, so this file assembles the same pieces itself.
 *
 * Usage (the kernelspec's argv): `node kernel/dist/launcher.js <connection file>`
 */
import * as path from 'path';
import { createConverter, type Converter } from 'tslab/dist/converter';
import { createExecutor, type ConverterSet, type Executor } from 'tslab/dist/executor';
import * as jupyter from 'tslab/dist/jupyter';
import { isDisplayable, formatValue, setDisplaySink } from './display/display';

/** The library's compiled entry, imported by absolute path so it resolves from any notebook folder. */
const LIBRARY = path.join(__dirname, 'index');

/** Lazily creates tslab's converters, as tslab's (unexported) `ConverterSetImpl` does. */
class Converters implements ConverterSet {
  private nodeConverter: Converter | undefined;
  private browserConverter: Converter | undefined;
  get node(): Converter {
    return (this.nodeConverter ??= createConverter({ isJS: false, isBrowser: false }));
  }
  get browser(): Converter {
    return (this.browserConverter ??= createConverter({ isJS: false, isBrowser: true }));
  }
  close(): void {
    this.nodeConverter?.close();
    this.browserConverter?.close();
  }
}

/** Sends a bundle through tslab's current iopub writer (it is swapped for each execute request). */
function sendBundle(bundle: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id?: string } }, update: boolean): void {
  const write = jupyter.lastWriteDisplayData as unknown as ((data: typeof bundle, update: boolean) => void) | null;
  if (!write) throw new Error('display: no cell is running, so there is no output to display into');
  write(bundle, update);
}

/**
 * The prelude: every value the library exports, imported by name, and the whole library as the namespace
 * `ConvLab` (for types such as `ConvLab.Conv2dOptions`). Its declarations become typed locals of every cell.
 */
export function preludeSource(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const names = Object.keys(require(LIBRARY) as object).filter((name) => name !== '__esModule');
  const from = JSON.stringify(LIBRARY);
  return `import { ${names.join(', ')} } from ${from};\nimport * as ConvLab from ${from};\n`;
}

async function runPrelude(executor: Executor): Promise<void> {
  if (!(await executor.execute(preludeSource()))) {
    throw new Error(`convlab: the prelude failed to load ${LIBRARY}; run the set-up (npm start) to rebuild it`);
  }
}

async function main(): Promise<void> {
  const connectionFile = process.argv[2];
  if (!connectionFile) {
    console.error('usage: convlab-kernel <connection file>');
    process.exit(2);
  }
  const converters = new Converters();
  const executor = createExecutor(process.cwd(), converters, {
    // The value of a cell's last expression: a displayable value (a Tensor) becomes its rich bundle.
    log: (value?: unknown, ...rest: unknown[]) => {
      if (rest.length === 0 && isDisplayable(value)) sendBundle({ ...formatValue(value), transient: {} }, false);
      else console.log(value, ...rest);
    },
    error: (...args: unknown[]) => console.error(...args),
  });
  setDisplaySink(sendBundle);
  await runPrelude(executor);
  const server = new jupyter.ZmqServer(new jupyter.JupyterHandlerImpl(executor, false), connectionFile);
  process.on('SIGINT', () => executor.interrupt());
  process.on('uncaughtException', (err) => console.error('UncaughtException:', err));
  process.on('unhandledRejection', (reason) => console.error('UnhandledPromiseRejection:', reason));
  await server.init();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
