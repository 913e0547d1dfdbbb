/**
 * The import rules of the sources, checked by dependency-cruiser in `npm test` (test/run-all.sh):
 * no import cycles, and no import that reaches into another package's internals. The packages are the kernel
 * (kernel/src), the extension (extension/src) and the payload contract between them (extension/protocol,
 * `@convlab/protocol`), which each side imports by its name only.
 * Run by hand: node_modules/.bin/depcruise --config test/dependency-rules.cjs kernel/src extension/src extension/protocol/src
 */
const packages = {
  kernel: '^kernel/',
  extension: '^extension/src/',
  protocol: '^extension/protocol/',
};
/** The one file of the protocol another package may reach: its entry, where `@convlab/protocol` resolves. */
const protocolEntry = '^extension/protocol/dist/index\\.(js|d\\.ts)$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle marks a definition in the wrong module: move it down to a module both can import.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'kernel-not-into-extension',
      severity: 'error',
      comment: 'The kernel reaches the extension only through @convlab/protocol (its entry).',
      from: { path: packages.kernel },
      to: { path: '^extension/', pathNot: protocolEntry },
    },
    {
      name: 'extension-not-into-kernel',
      severity: 'error',
      comment: 'The extension runs in the browser: it never imports the kernel.',
      from: { path: packages.extension },
      to: { path: packages.kernel },
    },
    {
      name: 'extension-only-protocol-entry',
      severity: 'error',
      comment: 'The extension imports @convlab/protocol by name, never a file inside it.',
      from: { path: packages.extension },
      to: { path: packages.protocol, pathNot: protocolEntry },
    },
    {
      name: 'protocol-by-name-only',
      severity: 'error',
      comment: 'A relative path (../../extension/protocol/…) hides the dependency: import @convlab/protocol.',
      from: { path: '^(kernel/|extension/src/)' },
      to: { path: packages.protocol, dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'protocol-imports-nothing-of-ours',
      severity: 'error',
      comment: 'The protocol is the bottom layer: it imports neither side.',
      from: { path: packages.protocol },
      to: { path: '^(kernel/|extension/src/)' },
    },
  ],
  options: {
    exclude: { path: '(^|/)node_modules/|^kernel/dist/|^extension/lib/' },
    // Follow the protocol's entry (where @convlab/protocol resolves) no further: its sources are cruised as they are.
    doNotFollow: { path: ['node_modules', '^extension/protocol/dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
  },
};
