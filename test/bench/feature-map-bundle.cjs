#!/usr/bin/env node
// What showing a result costs: `tensorBundle` of a `[1,64,56,56]` conv output (a `[64,64,3,3]` kernel, padding
// 1) next to the conv itself — ms of each run, the bundle's bytes per MIME part, and what the output panel holds
// (its drawn size and encoding). Not a test: it asserts nothing about time.
//
//   node test/bench/feature-map-bundle.cjs             (after the kernel is built: npm run build -w kernel)
//   node test/bench/feature-map-bundle.cjs path/to/kernel/dist --runs 3   (another build, for a side-by-side)
'use strict';

const path = require('node:path');

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const dist = path.resolve(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs') ?? path.join(__dirname, '..', '..', 'kernel', 'dist'));
const convlab = require(path.join(dist, 'index.js'));
const { tensorBundle } = require(path.join(dist, 'display', 'bundle.js'));

const x = convlab.randn([1, 64, 56, 56], { seed: 1 });
const w = convlab.randn([64, 64, 3, 3], { seed: 2 });
const timed = (f) => {
  const ms = [];
  let value;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    value = f();
    ms.push(performance.now() - start);
  }
  return { value, ms: ms.map((t) => t.toFixed(1)).join(' ') };
};
const conv = timed(() => convlab.conv2d(x, w, { padding: 1 }));
const bundle = timed(() => tensorBundle(conv.value));
const parts = Object.entries(bundle.value.data).map(([mime, v]) => `${mime} ${(typeof v === 'string' ? v : JSON.stringify(v)).length}`);
const output = bundle.value.data['application/vnd.convlab.featuremap.v1+json'].panels.at(-1).maps[0];
console.log(`kernel ${dist}`);
console.log(`conv2d ms:       ${conv.ms}`);
console.log(`tensorBundle ms: ${bundle.ms}`);
console.log(`bytes: ${JSON.stringify(bundle.value.data).length} (${parts.join(', ')})`);
console.log(`output maps drawn at ${output.height}×${output.width}, ${output.encoding}${output.downsampled ? ', block means' : ''}`);
