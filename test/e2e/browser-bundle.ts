/**
 * Bundles a TypeScript entry for a browser page (one IIFE script), the way a web app would bundle the library:
 * Node's built-in modules are absent there (they become empty modules: the library touches them only in Node),
 * and pngjs takes the browser build it ships.
 * @example const script = await bundleForBrowser('test/e2e/browser-gpu-entry.ts'); await page.addScriptTag({ content: script });
 */
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { rolldown } from 'rolldown';

const ROOT = join(__dirname, '..', '..');
const BUILTIN = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
const ABSENT = '\0absent:';

export async function bundleForBrowser(entry: string): Promise<string> {
  const require = createRequire(join(ROOT, 'package.json'));
  const bundle = await rolldown({
    input: join(ROOT, entry),
    platform: 'browser',
    logLevel: 'silent',
    plugins: [
      {
        name: 'node-builtins-absent',
        resolveId(id) {
          if (id === 'pngjs') return { id: require.resolve('pngjs/browser.js') };
          // gl is headless-gl, gpu.js's optional Node context; webgpu is the Node engine's Dawn.
          return BUILTIN.has(id) || id === 'gl' || id === 'webgpu' ? { id: ABSENT + id } : null;
        },
        load(id) {
          return id.startsWith(ABSENT) ? 'module.exports = {};' : null;
        },
      },
    ],
  });
  const { output } = await bundle.generate({ format: 'iife' });
  await bundle.close();
  return output[0].code;
}
