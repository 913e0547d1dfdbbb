#!/usr/bin/env node
/**
 * Stages what ConvLab ships, from the built workspace (run `tsc -b kernel` and the extension build first):
 *
 *   node kernel/scripts/package.cjs kernelspec
 *     → kernel/build/kernelspec/: the kernelspec `convlab` that the Python wheel carries as data files
 *       (share/jupyter/kernels/convlab): kernel.json, launch.py, and node/ = the kernel's compiled JavaScript
 *       with its production dependencies, copied from node_modules (the versions the tests ran), so nothing
 *       runs `npm install` where the wheel is installed.
 *
 *   node kernel/scripts/package.cjs library
 *     → kernel/build/convlab-<version>.tgz: the library as the npm package `convlab` (typed, no Jupyter
 *       dependency: no launcher, no tslab), with @convlab/protocol bundled inside (it is not published
 *       on its own).
 *
 * The optional GPU packages (gpu.js with headless-gl, webgpu with Dawn) are native and per platform; the
 * kernelspec leaves them out (the first op after `useBackend('gpu')` then says what is missing), the library
 * lists them as optional peer dependencies.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const KERNEL = path.join(ROOT, 'kernel');
const BUILD = path.join(KERNEL, 'build');
const kernelManifest = JSON.parse(fs.readFileSync(path.join(KERNEL, 'package.json'), 'utf8'));
const rootManifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const protocolDir = path.join(ROOT, 'extension', 'protocol');

/** The kernel's own modules that need tslab: everything else in dist/ is the library. */
const KERNEL_ONLY = new Set(['launcher', 'host', 'control', 'wire']);

/** Files of a dependency that the kernel never loads at run time (the biggest ones), by package. */
const PRUNE = {
  // tslab type-checks cells with typescript.js and the lib.*.d.ts files; the server, tsc and translations
  // are most of the package's size.
  '@tslab/typescript-for-tslab': (rel) =>
    /^lib\/(tsserver|tsserverlibrary|tsc|typingsInstaller|watchGuard|cancellationToken)\./.test(rel) ||
    /^lib\/[a-z]{2}(-[a-z]{2})?\//.test(rel),
  // The addon's C++ sources and build scripts; the prebuilt binaries in build/ are what loads.
  zeromq: (rel) => /^(src|script)\//.test(rel) || rel === 'CMakeLists.txt' || rel === 'vcpkg.json',
};

function fail(message) {
  console.error(`package.cjs: ${message}`);
  process.exit(1);
}

/** Copies a folder, skipping nested node_modules (those are copied as packages of their own) and pruned files. */
function copyTree(from, to, skip = () => false, rel = '') {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const entryRel = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.name === 'node_modules' || skip(entryRel)) continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    const stat = fs.statSync(source);
    if (stat.isDirectory()) copyTree(source, target, skip, entryRel);
    else fs.copyFileSync(source, target);
  }
}

/** The compiled kernel, without build bookkeeping; `keep(module)` chooses modules by their path in dist/. */
function copyDist(to, keep = () => true) {
  const dist = path.join(KERNEL, 'dist');
  if (!fs.existsSync(path.join(dist, 'index.js'))) fail('kernel/dist is missing: build the kernel first (tsc -b kernel)');
  copyTree(dist, to, (rel) => rel.endsWith('.map') || !keep(rel.replace(/\.(d\.ts|js)$/, '')));
}

/** The protocol package as npm would install it: its manifest and its `files`. */
function copyProtocol(to) {
  if (!fs.existsSync(path.join(protocolDir, 'dist', 'index.js'))) fail('extension/protocol/dist is missing: build it first');
  const manifest = JSON.parse(fs.readFileSync(path.join(protocolDir, 'package.json'), 'utf8'));
  delete manifest.scripts;
  fs.mkdirSync(to, { recursive: true });
  fs.writeFileSync(path.join(to, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  copyTree(path.join(protocolDir, 'dist'), path.join(to, 'dist'), (rel) => rel.endsWith('.map') || rel.endsWith('.tsbuildinfo'));
}

/**
 * The kernel's production dependencies as npm installed them here: their folders, relative to the
 * node_modules they sit in, so nested versions stay nested.
 */
function productionPackages() {
  const out = execFileSync(
    'npm',
    ['ls', '--all', '--omit=dev', '--omit=optional', '--parseable', '-w', kernelManifest.name],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 },
  );
  const packages = [];
  for (const line of out.split('\n').filter(Boolean)) {
    const rel = path.relative(ROOT, line);
    if (rel === '' || fs.realpathSync(line) === KERNEL) continue;
    const at = rel.indexOf('node_modules/');
    if (at < 0) fail(`unexpected dependency folder ${rel}`);
    packages.push({ source: line, target: rel.slice(at) });
  }
  return packages;
}

function stageKernelspec() {
  const out = path.join(BUILD, 'kernelspec');
  fs.rmSync(out, { recursive: true, force: true });
  for (const file of ['kernel.json', 'launch.py', 'logo-svg.svg']) {
    fs.mkdirSync(out, { recursive: true });
    fs.copyFileSync(path.join(KERNEL, 'python', 'kernelspec', file), path.join(out, file));
  }
  const node = path.join(out, 'node');
  copyDist(path.join(node, 'dist'));
  const manifest = {
    name: kernelManifest.name,
    version: rootManifest.version,
    private: true,
    description: kernelManifest.description,
    license: rootManifest.license,
    main: kernelManifest.main,
    engines: rootManifest.engines,
  };
  fs.writeFileSync(path.join(node, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  let count = 0;
  for (const { source, target } of productionPackages()) {
    const to = path.join(node, target);
    if (fs.realpathSync(source) === fs.realpathSync(protocolDir)) copyProtocol(to);
    else {
      const name = JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8')).name;
      copyTree(source, to, PRUNE[name]);
    }
    count += 1;
  }
  console.log(`package.cjs: kernelspec staged in ${path.relative(ROOT, out)} (${count} npm packages)`);
}

function stageLibrary() {
  const out = path.join(BUILD, 'library');
  fs.rmSync(out, { recursive: true, force: true });
  copyDist(path.join(out, 'dist'), (module) => !KERNEL_ONLY.has(module));
  copyProtocol(path.join(out, 'node_modules', '@convlab', 'protocol'));
  const manifest = {
    name: 'convlab',
    version: rootManifest.version,
    description:
      'Typed convolution, padding and pooling for Node.js and bundlers, checked against PyTorch: conv1d/2d/3d, transposed convs, pad, pooling, backward passes; CPU, WebAssembly and GPU backends.',
    license: rootManifest.license,
    keywords: ['convolution', 'conv2d', 'pooling', 'padding', 'tensor', 'cnn', 'webassembly'],
    main: 'dist/index.js',
    types: 'dist/index.d.ts',
    files: ['dist/**/*.js', 'dist/**/*.d.ts'],
    engines: rootManifest.engines,
    dependencies: {
      '@convlab/protocol': JSON.parse(fs.readFileSync(path.join(protocolDir, 'package.json'), 'utf8')).version,
      pngjs: kernelManifest.dependencies.pngjs,
      'jpeg-js': kernelManifest.dependencies['jpeg-js'],
    },
    bundleDependencies: ['@convlab/protocol'],
    // The GPU packages are optional peers: a user who wants the gpu backend installs them (gl compiles for
    // minutes at install, so it is never pulled in unasked).
    peerDependencies: kernelManifest.optionalDependencies,
    peerDependenciesMeta: Object.fromEntries(
      Object.keys(kernelManifest.optionalDependencies).map((name) => [name, { optional: true }]),
    ),
  };
  fs.writeFileSync(path.join(out, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  fs.writeFileSync(
    path.join(out, 'README.md'),
    [
      '# convlab',
      '',
      "ConvLab's convolution library for Node.js scripts and bundlers: the same ops, shapes and backends as the",
      'ConvLab Jupyter kernel, without Jupyter.',
      '',
      '```ts',
      "import { conv2d, tensor } from 'convlab';",
      'const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]); // NCHW',
      'const w = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]); // OIHW',
      'conv2d(x, w).toArray(); // [[[[348, 393], [528, 573]]]]',
      '```',
      '',
    ].join('\n'),
  );
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', BUILD], { cwd: out, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  console.log(`package.cjs: npm package staged in ${path.relative(ROOT, out)}, packed as kernel/build/${tarball}`);
}

const command = process.argv[2];
if (command === 'kernelspec') stageKernelspec();
else if (command === 'library') stageLibrary();
else fail('usage: node kernel/scripts/package.cjs kernelspec|library');
