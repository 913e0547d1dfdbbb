/**
 * Versions for provenance: what an experiment report records so its numbers can be reproduced.
 */

/** The versions of ConvLab and what it runs on. */
export interface Versions {
  convlab: string;
  /** The tslab the kernel wraps; absent when the library runs outside the kernel's install. */
  tslab: string | undefined;
  node: string;
  v8: string;
}

function packageVersion(name: string): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * @example
 * versions(); // { convlab: '0.1.0', tslab: '1.0.22', node: 'v20.20.2', v8: '11.3.244.8-node.…' }
 */
export function versions(): Versions {
  // kernel/package.json sits one folder above both src/ (tests) and dist/ (the kernel).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const convlab = (require('../package.json') as { version: string }).version;
  return { convlab, tslab: packageVersion('tslab'), node: process.version, v8: process.versions.v8 };
}
