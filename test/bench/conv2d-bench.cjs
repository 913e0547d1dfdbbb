#!/usr/bin/env node
// conv2d benchmark: ConvLab's backends and the peers side by side, in one process and one run, then what
// showing a result costs.
//
//   npm run bench                    all layers, all implementations, then the browser draw time (e2e test)
//   npm run bench -- --layers L3,L4  some layers
//   npm run bench -- --quick         fewer runs (a smoke run: agreement still checked)
//   npm run bench -- --no-gpu        without the gpu backend (slow where it finds no GPU)
//   npm run bench -- --no-browser    without the browser draw time (test/bench/run.sh reads this one)
//
// Peers: TF.js cpu backend, TF.js wasm backend (XNNPACK, SIMD), onnxruntime-node (native) and naive JS loops.
// Every implementation gets its native layout outside the timed region (TF.js is NHWC; ConvLab, ONNX and the
// loops NCHW), computes y = conv(x, w) + b, and its output is compared with ConvLab's reference loops.
// Printed:
// - per layer: median ms of several warm runs, GFLOP/s (2 flops per multiply-add), agreement; ConvLab auto and
//   wasm, TF.js wasm and onnxruntime are timed round-robin within a layer (a sample of each in turn, the order
//   rotating), so drift of the machine's speed falls on all of them alike; the slow ones (ConvLab's reference
//   loops, naive JS, TF.js cpu) and the gpu backend one after another;
// - ratios ConvLab auto ÷ peer (throughput: peer ms / ConvLab ms, > 1 means ConvLab is faster);
// - auto's overhead: auto against the backend it chose, the same call timed in interleaved pairs (auto then
//   it, it then auto, …), the ratio of their medians (issue 15's target: ≤ 1.05);
// - the display cost: the auto conv and `tensorBundle` of its result, timed in pairs; the median of the pairs'
//   ratios bundle ms ÷ conv ms (issue 15's target for L3, a [1,64,56,56] result: ≤ 5×), bytes, and the peak RSS
//   of a process that makes one layer's result and then its bundle (before → peak);
// - without --no-gpu: a chain of ops on the gpu backend, its pipeline mode against reading back each op;
// - which backend auto chose per size class, and this process's peak RSS.
// The browser draw time (Shift+Enter → the view drawn, a page turn) is measured by test/e2e/display-speed.test.ts;
// run.sh runs it after this script and prints its figures (test/bench/display-speed.cjs).
// Benchmarks are not tests: the exit status is non-zero only when outputs disagree.
'use strict';

const path = require('node:path');
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const { onnxConvModel } = require('./onnx-conv.cjs');

const root = path.join(__dirname, '..', '..');
const convlab = require(path.join(root, 'kernel', 'dist', 'index.js'));
const { tensorBundle } = require(path.join(root, 'kernel', 'dist', 'display', 'bundle.js'));

const LAYERS = {
  L1: { x: [1, 1, 28, 28], w: [8, 1, 3, 3], stride: 1, pad: 0, groups: 1, note: 'C1 28×28 K8 3×3 p0' },
  L2: { x: [1, 3, 224, 224], w: [64, 3, 7, 7], stride: 2, pad: 3, groups: 1, note: 'C3 224×224 K64 7×7 s2 p3' },
  L3: { x: [1, 64, 56, 56], w: [64, 64, 3, 3], stride: 1, pad: 1, groups: 1, note: 'C64 56×56 K64 3×3 p1' },
  L4: { x: [1, 256, 14, 14], w: [256, 256, 3, 3], stride: 1, pad: 1, groups: 1, note: 'C256 14×14 K256 3×3 p1' },
  L5: { x: [1, 32, 112, 112], w: [32, 1, 3, 3], stride: 1, pad: 1, groups: 32, note: 'C32 112×112 depthwise 3×3 p1' },
};

const args = process.argv.slice(2);
const argValue = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const QUICK = args.includes('--quick');
const layerNames = (argValue('--layers') ?? Object.keys(LAYERS).join(',')).split(',');

// Seeded uniform values in [-1, 1): the same inputs for every implementation.
function seeded(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const nchwToNhwc = (a, [n, c, h, w]) => {
  const out = new Float32Array(a.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + ch] = a[(b * c + ch) * h * w + i];
  return out;
};
const nhwcToNchw = (a, [n, c, h, w]) => {
  const out = new Float32Array(a.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < h * w; i++) out[(b * c + ch) * h * w + i] = a[(b * h * w + i) * c + ch];
  return out;
};
// OIHW → HWIO (TF.js conv2d filter); for depthwise, O = C and I = 1 gives HWC1, TF.js's depthwise filter.
const oihwToHwio = (a, [o, i, h, w]) => {
  const out = new Float32Array(a.length);
  for (let oc = 0; oc < o; oc++)
    for (let ic = 0; ic < i; ic++)
      for (let k = 0; k < h * w; k++) out[(k * i + ic) * o + oc] = a[(oc * i + ic) * h * w + k];
  return out;
};
const depthwiseHwc1 = (a, [o, , h, w]) => {
  const out = new Float32Array(a.length);
  for (let c = 0; c < o; c++) for (let k = 0; k < h * w; k++) out[k * o + c] = a[c * h * w + k];
  return out;
};

// The textbook loop nest, as one would write it without thinking about speed (peer "naive JS").
function naiveConv(x, w, b, L, outH, outW) {
  const [, , H, W] = L.x;
  const [O, I, KH, KW] = L.w;
  const y = new Float32Array(O * outH * outW);
  const perGroup = O / L.groups;
  for (let o = 0; o < O; o++) {
    const g = Math.floor(o / perGroup);
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        let acc = b[o];
        for (let c = 0; c < I; c++) {
          for (let ki = 0; ki < KH; ki++) {
            const r = i * L.stride - L.pad + ki;
            if (r < 0 || r >= H) continue;
            for (let kj = 0; kj < KW; kj++) {
              const s = j * L.stride - L.pad + kj;
              if (s < 0 || s >= W) continue;
              acc += x[((g * I + c) * H + r) * W + s] * w[((o * I + c) * KH + ki) * KW + kj];
            }
          }
        }
        y[(o * outH + i) * outW + j] = acc;
      }
    }
  }
  return y;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Times `run` (sync or async): warm-up, then as many runs as fit in ~1.5 s (3 to 15; fewer with --quick). */
async function time(run) {
  let t = performance.now();
  let y = await run();
  const first = performance.now() - t;
  if (first < 200) y = await run();
  const runs = QUICK ? 2 : Math.max(3, Math.min(15, Math.floor(1500 / Math.max(first, 1))));
  const times = [];
  for (let r = 0; r < runs; r++) {
    t = performance.now();
    y = await run();
    times.push(performance.now() - t);
  }
  return { ms: median(times), runs, y };
}

/** The pause before each round-robin sample, untimed (see timeRoundRobin). */
const SETTLE_MS = 10;
/** A round-robin sample batches calls to at least this long: its first call after the pause runs cold (another
 *  implementation's data in the caches, worker threads asleep), and one call of a few ms would be only that. */
const ROUND_ROBIN_SAMPLE_MS = 50;
/** A sample of a fast call batches calls until it lasts about this long, so it is not measured at the timer's grain. */
const SAMPLE_MS = 2;
/** Calls of `ms` each that make a sample of at least {@link SAMPLE_MS} (or `atLeastMs`). */
const callsPerSample = (ms, atLeastMs = 0) => Math.max(1, Math.ceil(Math.max(SAMPLE_MS, atLeastMs) / Math.max(ms, 1e-3)));

/**
 * Times implementations round-robin on one layer: each round takes one sample of every one (`select`, outside
 * the timed calls, switches the backend), starting with a different one each round, so a drift of the machine's
 * speed (another process, a clock change) falls on all of them alike instead of on whichever ran last. Two
 * warm-up rounds (auto measures its candidates on a size class's first call), then as many rounds as fit in
 * ~1.5 s per implementation (3 to 15; 2 with --quick). A sample batches calls to {@link ROUND_ROBIN_SAMPLE_MS}
 * (or an eighth of the slowest call), so each is a mean of many warm calls.
 * Returns, per name, the median ms per call, the rounds and its last output.
 */
async function timeRoundRobin(impls) {
  const outputs = {};
  const round = async (order, calls = {}) => {
    const ms = {};
    for (const impl of order) {
      await impl.select();
      // Threads the previous sample left spinning for more work (onnxruntime's pool, ConvLab's workers, each
      // for a millisecond or so) would take a core from this one: they go to sleep first.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const n = calls[impl.name] ?? 1;
      const start = performance.now();
      for (let i = 0; i < n; i++) outputs[impl.name] = await impl.run();
      ms[impl.name] = (performance.now() - start) / n;
    }
    return ms;
  };
  await round(impls);
  const warm = await round(impls);
  const slowest = Math.max(...Object.values(warm));
  const calls = Object.fromEntries(impls.map((impl) => [impl.name, callsPerSample(warm[impl.name], Math.max(slowest / 8, ROUND_ROBIN_SAMPLE_MS))]));
  const roundMs = impls.reduce((sum, impl) => sum + warm[impl.name] * calls[impl.name], 0);
  const rounds = QUICK ? 2 : Math.max(3, Math.min(15, Math.floor((1500 * impls.length) / Math.max(roundMs, 1))));
  const times = Object.fromEntries(impls.map((impl) => [impl.name, []]));
  for (let r = 0; r < rounds; r++) {
    const ms = await round(impls.map((_, k) => impls[(k + r) % impls.length]), calls);
    for (const [name, t] of Object.entries(ms)) times[name].push(t);
  }
  return Object.fromEntries(impls.map((impl) => [impl.name, { ms: median(times[impl.name]), runs: rounds, y: outputs[impl.name] }]));
}

/**
 * `auto` against `chosen` (the backend it picked), the same call in interleaved pairs: auto then chosen, then
 * chosen then auto, … (30 pairs, 8 with --quick, after 3 warm-up pairs), each sample {@link SAMPLE_MS} long or
 * one call. Returns the median ms per call of each, the ratio of those medians and the median of the pairs'
 * ratios.
 */
function autoOverhead(call, chosen) {
  const sample = (name, calls) => {
    convlab.useBackend(name);
    const start = performance.now();
    for (let i = 0; i < calls; i++) call();
    return (performance.now() - start) / calls;
  };
  sample('auto', 1);
  const calls = callsPerSample(sample('auto', 1));
  const pairs = QUICK ? 8 : 30;
  for (let i = 0; i < 3; i++) {
    sample('auto', calls);
    sample(chosen, calls);
  }
  const autoMs = [];
  const chosenMs = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      autoMs.push(sample('auto', calls));
      chosenMs.push(sample(chosen, calls));
    } else {
      chosenMs.push(sample(chosen, calls));
      autoMs.push(sample('auto', calls));
    }
  }
  convlab.useBackend('auto');
  const [a, b] = [median(autoMs), median(chosenMs)];
  return { auto: a, chosen: b, ratio: a / b, pairRatio: median(autoMs.map((t, i) => t / chosenMs[i])), pairs, calls };
}

function compare(y, ref) {
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(y[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return { maxAbs, maxRel: maxAbs / Math.max(scale, 1e-12), ok: y.length === ref.length && maxAbs <= 1e-4 * Math.max(scale, 1) };
}

async function loadPeers() {
  const peers = {};
  const missing = [];
  try {
    const tf = require('@tensorflow/tfjs');
    require('@tensorflow/tfjs-backend-wasm').setWasmPaths(
      path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), path.sep),
    );
    peers.tf = tf;
  } catch (error) {
    missing.push(`TF.js (${error.message.split('\n')[0]})`);
  }
  try {
    peers.ort = require('onnxruntime-node');
  } catch (error) {
    missing.push(`onnxruntime-node (${error.message.split('\n')[0]})`);
  }
  return { peers, missing };
}

function tfRunner(tf, L, x, w, b) {
  const [, C, H, W] = L.x;
  const xt = tf.tensor4d(nchwToNhwc(x, L.x), [1, H, W, C]);
  const depthwise = L.groups > 1;
  if (depthwise && !(L.groups === C && L.w[0] === C)) throw new Error('only depthwise groups for TF.js');
  const [KH, KW] = L.w.slice(2);
  const wt = depthwise
    ? tf.tensor4d(depthwiseHwc1(w, L.w), [KH, KW, C, 1])
    : tf.tensor4d(oihwToHwio(w, L.w), [KH, KW, L.w[1], L.w[0]]);
  const bt = tf.tensor1d(b);
  const pad = [[0, 0], [L.pad, L.pad], [L.pad, L.pad], [0, 0]];
  const run = () => {
    const yt = tf.tidy(() =>
      tf.add(
        depthwise ? tf.depthwiseConv2d(xt, wt, L.stride, pad) : tf.conv2d(xt, wt, L.stride, pad),
        bt,
      ),
    );
    const data = yt.dataSync();
    const shape = yt.shape;
    yt.dispose();
    return nhwcToNchwLater(data, shape);
  };
  return { run, dispose: () => tf.dispose([xt, wt, bt]) };
}
// Converting back to NCHW happens outside the timed call: the runner returns a thunk.
const nhwcToNchwLater = (data, [n, h, w, c]) => () => nhwcToNchw(data, [n, c, h, w]);

async function main() {
  const rssChild = argValue('--display-rss');
  if (rssChild) return displayRssChild(rssChild);
  const unknown = layerNames.filter((name) => !LAYERS[name]);
  if (unknown.length) throw new Error(`unknown layer ${unknown.join(', ')}; known: ${Object.keys(LAYERS).join(', ')}`);
  const { peers, missing } = await loadPeers();
  const lines = [];
  const say = (s = '') => {
    lines.push(s);
    console.log(s);
  };
  say(`conv2d benchmark — batch 1, float32, NCHW; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}`);
  if (missing.length) say(`peers not installed (run npm run bench, which installs them): ${missing.join('; ')}`);

  const impls = [];
  // 'auto' is ConvLab's default: the ratios are taken against it.
  for (const name of ['auto', 'wasm', 'cpu']) impls.push({ name: `convlab:${name}`, convlab: name });
  if (!args.includes('--no-gpu')) impls.push({ name: `convlab:gpu(${convlab.gpuMode()})`, convlab: 'gpu' });
  impls.push({ name: 'naive-js' });
  if (peers.tf) impls.push({ name: 'tfjs-cpu', tf: 'cpu' }, { name: 'tfjs-wasm', tf: 'wasm' });
  if (peers.ort) impls.push({ name: 'onnxruntime', ort: true });
  const defaultName = 'convlab:auto';
  // ConvLab's default and its wasm backend, TF.js wasm and onnxruntime: the fast ones, whose ratios are the
  // targets, timed round-robin so that a drift of the machine's speed falls on all of them alike. The reference
  // loops, naive JS and TF.js cpu (100× slower) and the gpu backend (switching to it and back would time its
  // uploads and read-backs against the others' warm caches) are timed one after another.
  const roundRobinBackends = new Set(['auto', 'wasm']);
  const roundRobinPeers = new Set(['tfjs-wasm', 'onnxruntime']);
  // Start ConvLab's worker threads before timing anything: they come on line in the background, and a
  // benchmark of steady state should not count their start-up against the first implementation timed.
  convlab.useBackend('wasm');
  convlab.conv2d(convlab.tensor(seeded(16 * 64 * 64, 9), [1, 16, 64, 64]), convlab.tensor(seeded(16 * 16 * 9, 8), [16, 16, 3, 3]));
  await new Promise((resolve) => setTimeout(resolve, 500));
  convlab.useBackend('auto');
  const results = {};
  /** Per layer: its conv call (auto), the result auto made (what a cell would show) and the backend it chose. */
  const shown = {};

  for (const layerName of layerNames) {
    const L = LAYERS[layerName];
    const { x, w, b, opts, xT, wT, bT } = inputsOf(L);
    const info = convlab.convInfo('conv2d', L.x, L.w, opts);
    const [, O, outH, outW] = info.outShape;
    const flops = 2 * O * outH * outW * L.w[1] * L.w[2] * L.w[3];
    convlab.useBackend('cpu');
    const ref = convlab.conv2d(xT, wT, { ...opts, bias: bT }).data;
    results[layerName] = {};
    const call = () => convlab.conv2d(xT, wT, { ...opts, bias: bT });
    /** An implementation's call (select it first): returns its output, or a thunk that makes it (TF.js's
     *  NHWC result is turned into NCHW outside the timed call); `close` frees what it holds. */
    const runnerOf = async (impl) => {
      if (impl.convlab) return { select: () => convlab.useBackend(impl.convlab), run: () => call().data, close: () => {} };
      if (impl.tf) {
        const select = () => peers.tf.setBackend(impl.tf);
        await select();
        await peers.tf.ready();
        const runner = tfRunner(peers.tf, L, x, w, b);
        return { select, run: runner.run, close: runner.dispose };
      }
      if (impl.ort) {
        const model = onnxConvModel({
          xShape: L.x, w, wShape: L.w, b, strides: [L.stride, L.stride], pads: [L.pad, L.pad, L.pad, L.pad],
          dilations: [1, 1], group: L.groups, yShape: info.outShape,
        });
        // Its thread pool's threads otherwise spin for more work for tens of milliseconds after each run, which
        // halves the speed of whatever runs next on this machine's two cores (measured: ConvLab's L3 3.9 → 8.4
        // ms right after it); without spinning it is no slower itself.
        const session = await peers.ort.InferenceSession.create(model, {
          extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
        });
        const feeds = { x: new peers.ort.Tensor('float32', x, L.x) };
        return { select: () => {}, run: async () => (await session.run(feeds)).y.data, close: () => session.release() };
      }
      return { select: () => {}, run: () => naiveConv(x, w, b, L, outH, outW), close: () => {} };
    };
    const inRoundRobin = (impl) => roundRobinBackends.has(impl.convlab) || roundRobinPeers.has(impl.name);
    const fast = await Promise.all(impls.filter(inRoundRobin).map(async (impl) => ({ name: impl.name, ...(await runnerOf(impl)) })));
    const roundRobin = await timeRoundRobin(fast);
    for (const runner of fast) await runner.close();

    for (const impl of impls) {
      let timing = roundRobin[impl.name];
      if (!timing) {
        const runner = await runnerOf(impl);
        await runner.select();
        timing = await time(runner.run);
        await runner.close();
      }
      const y = typeof timing.y === 'function' ? timing.y() : timing.y;
      const agreement = compare(y, ref);
      results[layerName][impl.name] = { ms: timing.ms, gflops: flops / timing.ms / 1e6, runs: timing.runs, ...agreement };
    }
    convlab.useBackend('auto');
    const result = call();
    shown[layerName] = { call, result, chosen: result.provenance?.backend ?? '?' };
  }

  say();
  say('per layer: median ms over warm runs, GFLOP/s, agreement with ConvLab cpu (max abs diff, ÷ max |ref|)');
  say(`(convlab auto and wasm, tfjs-wasm and onnxruntime timed round-robin within a layer, ${SETTLE_MS} ms apart, a sample batching calls`);
  say(` to ≥ ${ROUND_ROBIN_SAMPLE_MS} ms and ≥ ⅛ of the slowest one's call; the others one after another)`);
  const pad = (s, n) => String(s).padStart(n);
  for (const layerName of layerNames) {
    say(`${layerName} ${LAYERS[layerName].note}`);
    for (const [name, r] of Object.entries(results[layerName])) {
      say(`  ${name.padEnd(20)} ${pad(r.ms.toFixed(3), 10)} ms ${pad(r.gflops.toFixed(2), 8)} GFLOP/s  runs ${pad(r.runs, 2)}  ` +
        `maxAbs ${r.maxAbs.toExponential(1)} maxRel ${r.maxRel.toExponential(1)} ${r.ok ? 'ok' : 'DISAGREES'}`);
    }
  }
  say();
  say(`ratio ${defaultName} ÷ peer (throughput; > 1: ConvLab faster)`);
  const peerNames = impls.map((i) => i.name).filter((n) => n !== defaultName);
  const width = Math.max(...peerNames.map((n) => n.length)) + 2;
  say(`  ${'layer'.padEnd(6)}${peerNames.map((n) => pad(n, width)).join('')}`);
  for (const layerName of layerNames) {
    const mine = results[layerName][defaultName];
    say(`  ${layerName.padEnd(6)}${peerNames.map((n) => pad((results[layerName][n].ms / mine.ms).toFixed(2), width)).join('')}`);
  }

  say();
  say(`auto's overhead: auto and the backend it chose, the same call in interleaved pairs (${QUICK ? 8 : 30} pairs after 3 warm-up pairs,`);
  say(`each pair's order alternating; a sample batches calls to ≥ ${SAMPLE_MS} ms); median ms per call, ratio of medians (target ≤ 1.05)`);
  for (const layerName of layerNames) {
    const { call, chosen } = shown[layerName];
    const backendName = chosen.startsWith('gpu') ? 'gpu' : chosen;
    if (!['auto', 'wasm', 'cpu', 'gpu'].includes(backendName)) {
      say(`  ${layerName.padEnd(4)} auto chose '${chosen}', which useBackend does not take: not measured`);
      continue;
    }
    const o = autoOverhead(() => call().data, backendName);
    say(`  ${layerName.padEnd(4)} auto ${pad(o.auto.toFixed(4), 9)} ms  ${backendName.padEnd(5)} ${pad(o.chosen.toFixed(4), 9)} ms  ` +
      `auto ÷ ${backendName} ${o.ratio.toFixed(3)}  (median of pair ratios ${o.pairRatio.toFixed(3)}; ${o.pairs} pairs of ${o.calls} call${o.calls > 1 ? 's' : ''})`);
  }

  say();
  say('display cost: the auto conv, then tensorBundle(result) (what ending a cell with it builds), timed in pairs; the');
  say('median of the pairs\' ratios, bundle ms ÷ conv ms (target for L3 ≤ 5×). first pair: conv and bundle, in ms, the');
  say('first time in this process. A conv right after a bundle runs colder than the table\'s back-to-back calls, so the');
  say('bundle ÷ the table\'s warm conv is printed too. RSS: a fresh process that makes the result, before tensorBundle → its peak after');
  for (const layerName of layerNames) {
    const { call, result } = shown[layerName];
    const d = displayCost(call);
    const rss = displayRss(layerName);
    say(`  ${layerName.padEnd(4)} ${formatShape(result.shape).padEnd(16)} tensorBundle ${pad(d.ms.toFixed(1), 7)} ms ÷ conv ${pad(d.convMs.toFixed(3), 7)} ms` +
      ` = ${pad(d.ratio.toFixed(1), 6)}× (median of ${d.pairs} pairs; ÷ the table's warm auto conv ${(d.ms / results[layerName][defaultName].ms).toFixed(1)}×;` +
      ` first pair ${d.first.toFixed(1)} ms)  ${pad(d.bytes, 8)} bytes  ${rss}`);
  }

  if (!args.includes('--no-gpu')) await chainBench(say);
  say();
  say('auto chose (per size class: warm-run ms of each candidate measured)');
  for (const c of convlab.autoChoices()) say(`  ${c.sizeClass.padEnd(28)} → ${c.choice.padEnd(5)} ${JSON.stringify(c.ms, (k, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`);
  const usage = process.resourceUsage();
  const memory = process.memoryUsage();
  say();
  say(`peak RSS ${(usage.maxRSS / 1024).toFixed(0)} MiB (process.resourceUsage().maxRSS); at exit: rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, ` +
    `heap ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB, external+arrayBuffers ${((memory.external) / 2 ** 20).toFixed(0)} MiB`);
  if (peers.tf) {
    peers.tf.setBackend('wasm');
    say(`tfjs-wasm threads: ${(await peers.tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? 'multi-thread build' : 'one thread'}, ` +
      `SIMD: ${await peers.tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')}`);
  }
  const disagreements = layerNames.flatMap((l) => Object.entries(results[l]).filter(([, r]) => !r.ok).map(([n]) => `${l}/${n}`));
  if (disagreements.length) {
    say(`outputs disagree: ${disagreements.join(', ')}`);
    process.exitCode = 1;
  }
}

/** A layer's seeded inputs: as arrays (for the peers) and as ConvLab tensors, and its conv options. */
function inputsOf(L) {
  const x = seeded(L.x.reduce((a, c) => a * c), 1);
  const w = seeded(L.w.reduce((a, c) => a * c), 2).map((v) => v * 0.1);
  const b = seeded(L.w[0], 3);
  const opts = { stride: L.stride, padding: L.pad, groups: L.groups };
  return { x, w, b, opts, xT: convlab.tensor(x, L.x), wT: convlab.tensor(w, L.w), bT: convlab.tensor(b, [L.w[0]]) };
}

const formatShape = (shape) => `[${shape.join(',')}]`;

/** `tensorBundle` of `result`: its first run, then the median of warm runs (3 to 7, as fit in ~3 s; 2 with --quick). */
function displayCost(call) {
  let start = performance.now();
  let result = call();
  let bundle = tensorBundle(result);
  const first = performance.now() - start;
  // Pairs, as a cell does it: the auto conv, then the bundle of its result; each pair's ratio is taken, so the
  // machine's speed drifting between the two does not tilt the ratio.
  const pairs = QUICK ? 3 : Math.max(5, Math.min(15, Math.floor(4000 / Math.max(first, 1))));
  const convMs = [];
  const bundleMs = [];
  for (let r = 0; r < pairs; r++) {
    start = performance.now();
    result = call();
    const made = performance.now();
    bundle = tensorBundle(result);
    convMs.push(made - start);
    bundleMs.push(performance.now() - made);
  }
  // Bytes as the kernel's payload limit counts them: each part JSON-encoded, in UTF-8.
  return {
    first,
    ms: median(bundleMs),
    convMs: median(convMs),
    ratio: median(bundleMs.map((b, i) => b / convMs[i])),
    pairs,
    bytes: Buffer.byteLength(JSON.stringify(bundle.data)),
  };
}

/**
 * The memory of showing a layer's result, measured in a fresh process (this one's peak is the whole benchmark's):
 * its RSS once the result is made, and its peak RSS after `tensorBundle` of it. Returns a line's text.
 */
function displayRss(layerName) {
  try {
    const out = execFileSync(process.execPath, [__filename, '--display-rss', layerName], { encoding: 'utf8', timeout: 120_000 });
    const { before, peakBefore, peak } = JSON.parse(out.trim().split('\n').at(-1));
    const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);
    const note = peak === peakBefore ? ' (no higher than making the result)' : '';
    return `RSS ${mib(before)} → peak ${mib(peak)} MiB (+${mib(Math.max(0, peak - before))})${note}`;
  } catch (error) {
    return `RSS not measured (${String(error.message).split('\n')[0]})`;
  }
}

/** The child of {@link displayRss}: makes one layer's result with the default backend, then its bundle. */
function displayRssChild(layerName) {
  const L = LAYERS[layerName];
  if (!L) throw new Error(`unknown layer ${layerName}; known: ${Object.keys(LAYERS).join(', ')}`);
  const { xT, wT, bT, opts } = inputsOf(L);
  const result = convlab.conv2d(xT, wT, { ...opts, bias: bT });
  result.data;
  const before = process.memoryUsage().rss;
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  tensorBundle(result);
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ before, peakBefore, peak }));
  // The wasm backend's worker threads would keep the process alive.
  process.exit(0);
}

/**
 * A chain of ops, read back once at the end: what pipeline mode is for. The gpu backend with pipeline mode
 * keeps every intermediate on the GPU; without it each op reads its result back. CPU backends for scale.
 */
async function chainBench(say) {
  const x = convlab.tensor(seeded(64 * 56 * 56, 11), [1, 64, 56, 56]);
  const w1 = convlab.tensor(seeded(64 * 64 * 9, 12).map((v) => v * 0.1), [64, 64, 3, 3]);
  const w2 = convlab.tensor(seeded(64 * 64 * 9, 13).map((v) => v * 0.1), [64, 64, 3, 3]);
  const chain = () => {
    const a = convlab.relu(convlab.conv2d(x, w1, { padding: 1 }));
    const b = convlab.maxPool2d(a, 2);
    return convlab.relu(convlab.conv2d(b, w2, { padding: 1 })).data;
  };
  convlab.useBackend('cpu');
  const ref = chain();
  const rows = [];
  for (const [label, name, pipeline] of [
    ['convlab:auto', 'auto', true],
    [`convlab:gpu(${convlab.gpuMode()}) pipeline`, 'gpu', true],
    [`convlab:gpu(${convlab.gpuMode()}) read back`, 'gpu', false],
  ]) {
    convlab.useBackend(name);
    convlab.setGpuPipeline(pipeline);
    const timing = await time(chain);
    rows.push({ label, ms: timing.ms, runs: timing.runs, ...compare(timing.y, ref) });
  }
  convlab.setGpuPipeline(true);
  convlab.useBackend('auto');
  say();
  say('chain: conv 3×3 (C64 56×56) → relu → maxPool 2 → conv 3×3 → relu, read back once; median ms');
  for (const r of rows) {
    say(`  ${r.label.padEnd(34)} ${r.ms.toFixed(2).padStart(10)} ms  runs ${String(r.runs).padStart(2)}  maxRel ${r.maxRel.toExponential(1)} ${r.ok ? 'ok' : 'DISAGREES'}`);
  }
  if (rows.some((r) => !r.ok)) process.exitCode = 1;
}

// The layer table, the inputs and the TF.js runner are shared with test/bench/wasm-ceiling.cjs and wasm-ab.cjs;
// run as a script, the benchmark.
module.exports = { LAYERS, seeded, loadPeers, tfRunner };
if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(2);
  });
}
