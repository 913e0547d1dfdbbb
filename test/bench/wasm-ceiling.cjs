#!/usr/bin/env node
// The machine's WebAssembly SIMD ceiling, and where ConvLab's wasm conv spends its time against it.
//
//   node test/bench/wasm-ceiling.cjs                  ceiling, then the layers of conv2d-bench.cjs
//   node test/bench/wasm-ceiling.cjs --layers L3,L4   some layers
//   node test/bench/wasm-ceiling.cjs --quick          fewer samples
//
// Needs the kernel built (node kernel/scripts/build-wasm.cjs && node_modules/.bin/tsc -b kernel) and the
// `wabt` package (a kernel devDependency) for the two small ceiling modules. Nothing here is a test: it prints
// numbers.
//
// Ceiling (GFLOP/s, 2 flops per multiply-add, 4 lanes per f32x4):
// - peak: a loop of 12 independent f32x4 multiply-adds on registers (the build the engine uses: fused
//   relaxed_madd where the engine has relaxed SIMD, else mul + add), on one thread and on every thread at once;
// - micro: the engine's own 4 × 8 GEMM tile (conv.wat `micro`, kc = 256) over weights and pixels in L1, called
//   from a loop in WebAssembly;
// each the best of three tries.
// Per layer, the engine's time split by phase, from wrappers around its steps (median ms per call): copy in
// (the input into wasm memory), weights (the weights and bias into wasm memory), prepare (zero padding and weight
// packing — on the Winograd path also the weight transform — on the threads), tables (im2col index tables),
// threads (the GEMM with its im2col packing, Winograd's three passes, or the depthwise loops with their padding,
// on the threads, hand-off included), result (allocating the result and touching its pages: the page faults of a
// fresh array; the main thread does it inside the threads' call, and the workers go on meanwhile), copy out
// (compacting C + the copy into the result; from 2048 output pixels per channel on, the main thread copies
// finished columns between its items, inside the threads' call), other (the engine's JavaScript: settle, layout,
// parameters), and JS op (conv2d around the engine: checks, convInfo, the Tensor). The threads phase is then
// compared with the ceiling: on one thread against `micro` (the rest is im2col packing and cache misses; for
// Winograd, the GEMMs' pass alone, the transforms being the rest), on all threads against one thread (the rest is
// hand-off, imbalance and a core shared with other processes).
'use strict';

const path = require('node:path');
const os = require('node:os');
const { Worker } = require('node:worker_threads');

const root = path.join(__dirname, '..', '..');
const dist = path.join(root, 'kernel', 'dist');
const convlab = require(path.join(dist, 'index.js'));
const { WasmConv, winogradFits } = require(path.join(dist, 'backends', 'wasm', 'conv.js'));
const { axes2d } = require(path.join(dist, 'shapes', 'index.js'));
const { threadCount } = require(path.join(dist, 'backends', 'wasm', 'threads.js'));
// The layers and inputs of conv2d-bench.cjs, so the two benchmarks time the same convs.
const { LAYERS, seeded } = require('./conv2d-bench.cjs');

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const SAMPLES = QUICK ? 5 : 15;
/** A sample batches calls until it lasts this long. */
const SAMPLE_MS = QUICK ? 2 : 5;

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/**
 * Times candidates round-robin (the order rotating each round, so a drift of the machine's speed falls on all
 * alike): SAMPLES rounds, each sample of a candidate batching calls to ≥ SAMPLE_MS. A candidate's `phases()`
 * (optional) returns and clears the ms its steps spent since the last call. Returns per candidate the median ms
 * per call, and per phase the median over samples of its ms per call.
 */
function roundRobin(candidates) {
  const calls = candidates.map((c) => {
    for (let i = 0; i < 5; i++) c.run();
    const t = performance.now();
    c.run();
    return Math.max(1, Math.ceil(SAMPLE_MS / Math.max(performance.now() - t, 1e-3)));
  });
  const totals = candidates.map(() => []);
  const phases = candidates.map(() => ({}));
  for (let r = 0; r < SAMPLES; r++) {
    for (let k = 0; k < candidates.length; k++) {
      const i = (k + r) % candidates.length;
      const c = candidates[i];
      c.phases?.();
      const t = performance.now();
      for (let j = 0; j < calls[i]; j++) c.run();
      totals[i].push((performance.now() - t) / calls[i]);
      for (const [phase, ms] of Object.entries(c.phases?.() ?? {})) (phases[i][phase] ??= []).push(ms / calls[i]);
    }
  }
  return candidates.map((c, i) => ({
    ms: median(totals[i]),
    phases: Object.fromEntries(Object.entries(phases[i]).map(([phase, v]) => [phase, median(v)])),
  }));
}

// --- ceiling ---------------------------------------------------------------------------------------------

/** The engine's module bytes (the build it uses) and whether that build fuses the multiply-adds. */
function engineModule() {
  const { wasmBase64, wasmFusedBase64 } = require(path.join(dist, 'backends', 'wasm', 'conv-module.js'));
  new WasmConv(1); // sets the V8 flag relaxed SIMD needs on Node 20, as the engine does
  const fused = Buffer.from(wasmFusedBase64, 'base64');
  return WebAssembly.validate(fused) ? { bytes: fused, fused: true } : { bytes: Buffer.from(wasmBase64, 'base64'), fused: false };
}

/** Compiles WebAssembly text with wabt (SIMD and relaxed SIMD on). */
async function compileWat(name, text) {
  const wabt = await require('wabt')();
  const parsed = wabt.parseWat(name, text, { simd: true, relaxed_simd: true });
  const bytes = Buffer.from(parsed.toBinary({}).buffer);
  parsed.destroy();
  return bytes;
}

/** A module with `peak(n)`: n iterations of 12 independent f32x4 multiply-adds on registers (96 flops each). */
function peakModule(fused) {
  const acc = Array.from({ length: 12 }, (_, i) => `$c${i}`);
  const step = (c) =>
    fused
      ? `(local.set ${c} (f32x4.relaxed_madd (local.get $a) (local.get $b) (local.get ${c})))`
      : `(local.set ${c} (f32x4.add (local.get ${c}) (f32x4.mul (local.get $a) (local.get $b))))`;
  const sum = acc.slice(1).reduce((s, c) => `(f32x4.add ${s} (local.get ${c}))`, `(local.get ${acc[0]})`);
  return compileWat('peak.wat', `(module (func (export "peak") (param $n i32) (result f32)
    (local $a v128) (local $b v128) ${acc.map((c) => `(local ${c} v128)`).join(' ')}
    (local.set $a (f32x4.splat (f32.const 0.999))) (local.set $b (f32x4.splat (f32.const 0.001)))
    ${acc.map((c, i) => `(local.set ${c} (f32x4.splat (f32.const ${i})))`).join('\n')}
    (loop $l ${acc.map(step).join('\n')}
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n)))
    (f32x4.extract_lane 0 ${sum})))`);
}

/** A module with `drive(n)`: n calls of the engine's `micro` (imported), kc = 256, on data at fixed addresses in
 *  L1; a loop in WebAssembly, so no call goes through JavaScript. */
function microDriver() {
  return compileWat('drive.wat', `(module
    (import "engine" "micro" (func $micro (param i32 i32 i32 i32 i32 i32 i32)))
    (func (export "drive") (param $n i32)
      (loop $l (call $micro (i32.const ${MICRO.A}) (i32.const ${MICRO.B}) (i32.const ${MICRO.C}) (i32.const 256) (i32.const 32) (i32.const 0) (i32.const 0))
        (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n)))))`);
}

/** Where `micro` reads in the ceiling run: 4 weights × 256 (4 KiB), 8 pixels × 256 (8 KiB), one 4 × 8 tile. */
const MICRO = { A: 4096, B: 4096 + 4 * 4 * 256, C: 4096 + 4 * 4 * 256 + 4 * 8 * 256 };

// Runs in every thread of a ceiling measurement: instantiates the module, waits for the start word, runs its
// loop `rounds` times and reports the best round's seconds. `kind` 'peak': peak(n); 'micro': the engine's
// tile over kc = 256 rows of weights (4 KiB) and pixels (8 KiB) in L1, called from a loop in WebAssembly.
const ceilingWorker = `
const { parentPort, workerData } = require('node:worker_threads');
const { setFlagsFromString } = require('node:v8');
setFlagsFromString('--experimental-wasm-relaxed-simd');
const { bytes, driver, kind, n, rounds, start } = workerData;
const memory = new WebAssembly.Memory({ initial: 64, maximum: 16384, shared: true });
const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
const f32 = new Float32Array(memory.buffer);
for (let i = 1024; i < 1024 + 16384; i++) f32[i] = ((i % 7) - 3) * 0.01;
const drive = kind === 'micro' ? new WebAssembly.Instance(new WebAssembly.Module(driver), { engine: { micro: exports.micro } }).exports.drive : undefined;
const run = kind === 'peak' ? () => exports.peak(n) : () => drive(n);
// Warm-up: enough calls for V8 to queue the optimized (TurboFan) code, which the main thread's pause before
// the start lets it finish compiling in the background.
for (let i = 0; i < 3; i++) run();
const flag = new Int32Array(start);
Atomics.add(flag, 1, 1);
Atomics.wait(flag, 0, 0);
let best = Infinity;
for (let r = 0; r < rounds; r++) { const t = performance.now(); run(); best = Math.min(best, performance.now() - t); }
parentPort.postMessage(best / 1000);
`;

/** GFLOP/s of `kind` on `threads` threads at once (the sum over threads; each its best round). */
async function ceiling(bytes, driver, kind, threads) {
  const n = kind === 'peak' ? 2_000_000 : 20_000;
  const flopsPerThread = kind === 'peak' ? n * 12 * 8 : n * 256 * 4 * 8 * 2;
  const start = new SharedArrayBuffer(8);
  const flag = new Int32Array(start);
  const workers = Array.from({ length: threads }, () =>
    new Worker(ceilingWorker, { eval: true, workerData: { bytes, driver, kind, n, rounds: QUICK ? 3 : 9, start } }));
  const seconds = workers.map((w) => new Promise((resolve, reject) => w.once('message', resolve).once('error', reject)));
  while (Atomics.load(flag, 1) < threads) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 200));
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  const each = await Promise.all(seconds);
  await Promise.all(workers.map((w) => w.terminate()));
  return each.reduce((sum, s) => sum + flopsPerThread / s / 1e9, 0);
}

// --- where a layer's time goes ------------------------------------------------------------------------------

const PHASES = ['copy in', 'weights', 'prepare', 'tables', 'result', 'threads', 'copy out'];

/** Wraps the engine's steps so that each call's time is added to its phase; returns `phases()`: the sums so
 *  far, which it clears. A step the main thread runs inside a threads' call (allocating and touching the
 *  result, copying out finished columns) counts in its own phase, not in the call's. */
function instrument(engine) {
  const spent = Object.fromEntries(PHASES.map((p) => [p, 0]));
  let inner = 0;
  const timed = (phaseOf, fn) => function (...a) {
    const t = performance.now();
    const r = fn.apply(this, a);
    const ms = performance.now() - t;
    spent[phaseOf(...a)] += ms;
    inner += ms;
    return r;
  };
  const exports = engine.exports;
  engine.exports = { ...exports, tables: timed(() => 'tables', exports.tables), compact: timed(() => 'copy out', exports.compact) };
  engine.copyIn = timed(() => 'copy in', WasmConv.prototype.copyIn);
  engine.copyOut = timed(() => 'copy out', WasmConv.prototype.copyOut);
  engine.copyColumns = timed(() => 'copy out', WasmConv.prototype.copyColumns);
  engine.touchPages = timed(() => 'result', WasmConv.prototype.touchPages);
  engine.writeWeights = timed(() => 'weights', WasmConv.prototype.writeWeights);
  const run = engine.pool.run;
  engine.pool.run = function (kind, ...a) {
    const before = inner;
    const t = performance.now();
    const r = run.call(this, kind, ...a);
    const ms = performance.now() - t - (inner - before);
    spent[kind === 'prepare' ? 'prepare' : 'threads'] += ms;
    // Winograd's three passes, also one by one (notes below the table).
    if (kind.startsWith('w')) spent[kind] = (spent[kind] ?? 0) + ms;
    return r;
  };
  return () => {
    const taken = { ...spent };
    for (const p of Object.keys(spent)) spent[p] = 0;
    return taken;
  };
}

/** Per layer, round-robin: the op on the wasm backend, the engine on all threads and on one thread. */
function layerSplit(L, engines) {
  const x = seeded(L.x.reduce((a, c) => a * c), 1);
  const w = seeded(L.w.reduce((a, c) => a * c), 2).map((v) => v * 0.1);
  const b = seeded(L.w[0], 3);
  const opts = { stride: L.stride, padding: L.pad, groups: L.groups };
  const info = convlab.convInfo('conv2d', L.x, L.w, opts);
  const [, O, outH, outW] = info.outShape;
  const macs = O * outH * outW * L.w[1] * L.w[2] * L.w[3];
  convlab.useBackend('wasm');
  const [xT, wT, bT] = [convlab.tensor(x, L.x), convlab.tensor(w, L.w), convlab.tensor(b, [L.w[0]])];
  const [op, all, one] = roundRobin([
    { run: () => convlab.conv2d(xT, wT, { ...opts, bias: bT }).data },
    ...engines.map(({ engine, phases }) => ({ run: () => engine.conv2d(x, w, b, info), phases })),
  ]);
  // The work the GEMM does: output channels per group rounded up to its 4-channel tile, pixels up to 8; on the
  // Winograd path its 16 GEMMs over 2 × 2 output tiles, 8 to a panel.
  const depthwise = L.groups > 1;
  const winograd = !depthwise && winogradFits(info, ...axes2d(info));
  const channelTiles = Math.ceil(O / L.groups / 4) * 4 * L.groups;
  const tiled = depthwise ? macs : winograd
    ? 16 * channelTiles * L.w[1] * Math.ceil((Math.ceil(outH / 2) * Math.ceil(outW / 2)) / 8) * 8
    : channelTiles * Math.ceil((outH * outW) / 8) * 8 * L.w[1] * L.w[2] * L.w[3];
  return { op: op.ms, macs, tiled, depthwise, winograd, all, one };
}

async function main() {
  const layers = LAYERS;
  const at = args.indexOf('--layers');
  const names = (at >= 0 ? args[at + 1] ?? '' : Object.keys(layers).join(',')).split(',');
  const threads = threadCount();
  const { bytes, fused } = engineModule();
  console.log(`wasm SIMD ceiling — ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, V8 ${process.versions.v8}; ` +
    `engine build: ${fused ? 'fused (relaxed_madd)' : 'mul + add'}; conv threads: ${threads}`);
  const [peakBytes, driver] = [await peakModule(fused), await microDriver()];
  const ceil = {};
  // The best of three tries, a second apart: a noisy neighbour (another process, or on a shared host the other
  // hardware thread of a core) slows a try for a while.
  for (let attempt = 0; attempt < (QUICK ? 1 : 3); attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const [kind, b] of [['peak', peakBytes], ['micro', bytes]]) {
      for (const t of [...new Set([1, threads])]) ceil[`${kind}${t}`] = Math.max(ceil[`${kind}${t}`] ?? 0, await ceiling(b, driver, kind, t));
    }
  }
  console.log(`  peak  (12 independent multiply-adds on registers): 1 thread ${ceil.peak1.toFixed(1)} GFLOP/s, ${threads} threads ${ceil[`peak${threads}`].toFixed(1)} GFLOP/s`);
  console.log(`  micro (the engine's 4×8 tile, kc 256, data in L1): 1 thread ${ceil.micro1.toFixed(1)} GFLOP/s, ${threads} threads ${ceil[`micro${threads}`].toFixed(1)} GFLOP/s`);

  const engines = [threads, 1].map((t) => {
    const engine = new WasmConv(t);
    return { engine, phases: instrument(engine) };
  });
  // The workers come on line in the background: a first conv starts them.
  for (const { engine } of engines) engine.conv2d(seeded(16 * 64 * 64, 9), seeded(16 * 16 * 9, 8), undefined,
    convlab.convInfo('conv2d', [1, 16, 64, 64], [16, 16, 3, 3], {}));
  await new Promise((resolve) => setTimeout(resolve, 500));

  console.log();
  console.log(`per layer, median ms per call (${threads} threads; the threads phase also on 1 thread):`);
  const head = ['layer', 'JS op', 'engine', ...PHASES, 'other', '1 thread', 'threads GFLOP/s'];
  console.log(head.map((h, i) => (i === 0 ? h.padEnd(6) : h.padStart(i === head.length - 1 ? 17 : 9))).join(''));
  const notes = [];
  for (const name of names) {
    const L = layers[name];
    if (!L) throw new Error(`unknown layer ${name}; known: ${Object.keys(layers).join(', ')}`);
    const { op, macs, tiled, depthwise, winograd, all, one } = layerSplit(L, engines);
    const other = all.ms - PHASES.reduce((sum, p) => sum + all.phases[p], 0);
    const cells = [op - all.ms, all.ms, ...PHASES.map((p) => all.phases[p]), other, one.phases.threads];
    const gflops = (2 * macs) / all.phases.threads / 1e6;
    console.log(name.padEnd(6) + cells.map((v) => v.toFixed(3).padStart(9)).join('') + gflops.toFixed(1).padStart(17));
    const copies = (100 * (all.phases['copy in'] + all.phases['copy out'])) / all.ms;
    if (depthwise) {
      const perThread = (2 * macs) / one.phases.threads / 1e6;
      notes.push(`${name}: depthwise, ${((2 * macs) / 1e6).toFixed(1)} MFLOP; threads phase on 1 thread ${perThread.toFixed(1)} GFLOP/s ` +
        `(${((100 * perThread) / ceil.peak1).toFixed(0)}% of peak); ` +
        `copies in and out ${copies.toFixed(0)}% of the engine`);
    } else if (winograd) {
      const atMicro1 = (2 * tiled) / ceil.micro1 / 1e6;
      const passes = (p) => ['wgather', 'wgemm', 'wout'].map((k) => `${k} ${p[k].toFixed(3)}`).join(', ');
      notes.push(`${name}: Winograd F(2×2, 3×3), ${((2 * tiled) / 1e6).toFixed(1)} MFLOP in its GEMMs as tiled ` +
        `(${((100 * tiled) / macs).toFixed(0)}% of the direct conv's ${((2 * macs) / 1e6).toFixed(1)}), ${atMicro1.toFixed(3)} ms at the micro ` +
        `ceiling on 1 thread; on 1 thread ${passes(one.phases)} ms (wgemm at ${((100 * atMicro1) / one.phases.wgemm).toFixed(0)}% of that ` +
        `ceiling; the transforms and the weights' in prepare ${one.phases.prepare.toFixed(3)} ms are the rest), on ${threads} ` +
        `${passes(all.phases)} ms; as a direct conv the threads phase runs at ${gflops.toFixed(1)} GFLOP/s; ` +
        `copies in and out ${copies.toFixed(0)}% of the engine`);
    } else {
      const atMicro1 = (2 * tiled) / ceil.micro1 / 1e6;
      notes.push(`${name}: ${((2 * tiled) / 1e6).toFixed(1)} MFLOP as tiled, ${atMicro1.toFixed(3)} ms at the micro ceiling on 1 thread; ` +
        `threads phase on 1 thread ${one.phases.threads.toFixed(3)} ms (${((100 * atMicro1) / one.phases.threads).toFixed(0)}% of that ceiling: ` +
        `the rest is im2col packing and cache misses), on ${threads} ${all.phases.threads.toFixed(3)} ms ` +
        `(${(all.phases.threads - one.phases.threads / threads).toFixed(3)} ms over a perfect split: hand-off, imbalance, a shared core); ` +
        `copies in and out ${copies.toFixed(0)}% of the engine`);
    }
  }
  console.log();
  for (const n of notes) console.log(n);
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
