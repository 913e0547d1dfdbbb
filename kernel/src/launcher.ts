#!/usr/bin/env node
/**
 * The ConvLab kernel: tslab's executor with ConvLab's prelude run before the first cell, so `tensor`,
 * `conv2d`, `display`, `show`, … work in every cell with no import.
 *
 * Everything that touches tslab's internals is in `host.ts`; this file says what ConvLab adds: the prelude,
 * how a cell's last value is shown (`execute_result`), the hints type errors get, and where `display()` sends
 * its bundles.
 *
 * Usage (the kernelspec's argv): `node kernel/dist/launcher.js <connection file>`
 */
import * as path from 'path';
import { commInfo, receiveComm, setCommTransport } from './comm';
import { recoverFromInterrupt, setInterruptibleRunner } from './interrupts';
import { setDisplaySink, formatValue } from './display/display';
import { startKernel } from './host';
import { pushInspectorState, startInspector } from './inspector';
import { explainDiagnostic } from './shapes';

/** The library's compiled entry, imported by absolute path so it resolves from any notebook folder. */
const LIBRARY = path.join(__dirname, 'index');
const VERSION = (require('../package.json') as { version: string }).version;

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

async function main(): Promise<void> {
  const connectionFile = process.argv[2];
  if (!connectionFile) {
    console.error('usage: convlab-kernel <connection file>');
    process.exit(2);
  }
  const host = await startKernel({
    connectionFile,
    prelude: preludeSource(),
    formatResult: formatValue,
    // Other libraries' option names (Keras' `filters`, PyTorch's `kernel_size`) get a "did you mean".
    explainDiagnostic,
    comms: { receive: receiveComm, info: commInfo },
    // The inspector's variable list follows every cell.
    afterExecute: pushInspectorState,
    // An interrupt skips `finally` blocks: captures and explorers put back their state here.
    afterInterrupt: recoverFromInterrupt,
    implementation: {
      name: 'convlab',
      version: VERSION,
      helpLinks: [
        { text: 'tslab', url: 'https://github.com/yunabe/tslab' },
        { text: 'TypeScript handbook', url: 'https://www.typescriptlang.org/docs/handbook/intro.html' },
        { text: 'Node.js API', url: `https://nodejs.org/docs/${process.version}/api/` },
        { text: 'PyTorch conv2d (the semantics ConvLab matches)', url: 'https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html' },
      ],
    },
  });
  setDisplaySink({ send: (bundle, update) => host.sendDisplay(bundle, update), clear: (wait) => host.clearOutput(wait) });
  setCommTransport({ send: (type, content, metadata, buffers) => host.sendComm(type, content, metadata, buffers) });
  setInterruptibleRunner((call) => host.runInterruptibly(call));
  startInspector(() => host.locals());
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
