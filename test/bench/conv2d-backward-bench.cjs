#!/usr/bin/env node
// conv2dBackward on the reference loops (`cpu`) and on the WebAssembly engine (`wasm`), LeNet-5's two conv
// layers at batch 32: median ms of warm runs, and the largest difference between the two (the loops accumulate
// in float64, the engine in float32). Not a test: it asserts nothing about time.
//
//   node test/bench/conv2d-backward-bench.cjs           (after the kernel is built: npm run build -w kernel)
//   node test/bench/conv2d-backward-bench.cjs --runs 3
'use strict';

const path = require('node:path');

const convlab = require(path.join(__dirname, '..', '..', 'kernel', 'dist', 'index.js'));

const LAYERS = [
  { name: 'C1 x[32,1,28,28] w[6,1,5,5] p2', x: [32, 1, 28, 28], w: [6, 1, 5, 5], options: { padding: 2 } },
  { name: 'C3 x[32,6,14,14] w[16,6,5,5]', x: [32, 6, 14, 14], w: [16, 6, 5, 5], options: {} },
];
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 11;

// Seeded uniform values in [-1, 1), as conv2d-bench.cjs.
function seeded(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const size = (shape) => shape.reduce((a, b) => a * b, 1);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const layer of LAYERS) {
  const x = convlab.tensor(seeded(size(layer.x), 1), layer.x);
  const w = convlab.tensor(seeded(size(layer.w), 2), layer.w);
  const yShape = convlab.convInfo('conv2d', layer.x, layer.w, layer.options).outShape;
  const dy = convlab.tensor(seeded(size(yShape), 3), yShape);
  const results = {};
  const line = [layer.name.padEnd(34)];
  for (const name of ['cpu', 'wasm']) {
    convlab.useBackend(name);
    results[name] = convlab.conv2dBackward(dy, x, w, layer.options);
    // Warm-up: the engine starts its threads, V8 compiles the host loops.
    for (let r = 0; r < 2; r++) convlab.conv2dBackward(dy, x, w, layer.options);
    const ms = [];
    for (let r = 0; r < RUNS; r++) {
      const start = performance.now();
      convlab.conv2dBackward(dy, x, w, layer.options);
      ms.push(performance.now() - start);
    }
    line.push(`${name} ${median(ms).toFixed(1).padStart(7)} ms`);
  }
  let diff = 0;
  for (const key of ['dx', 'dw', 'db']) {
    const a = results.cpu[key].data;
    const b = results.wasm[key].data;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
  }
  line.push(`max rel. diff ${diff.toExponential(1)}`);
  console.log(line.join('   '));
}
process.exit(0);
