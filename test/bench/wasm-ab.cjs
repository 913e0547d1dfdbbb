#!/usr/bin/env node
// Builds of the wasm engine side by side in one process: for an A/B of a change, where separate runs of
// conv2d-bench.cjs differ by more than the change (this machine's speed drifts up to 2× from one second to the
// next, and the benchmark times the peers after ConvLab, not with it).
//
//   cp -r kernel/dist kernel/build/dist-before            # the build to compare against (kernel/build is ignored)
//   … change, node kernel/scripts/build-wasm.cjs && node_modules/.bin/tsc -b kernel …
//   node test/bench/wasm-ab.cjs kernel/build/dist-before kernel/dist            # L2
//   node test/bench/wasm-ab.cjs --layers L1,L2,L3,L4,L5 --rounds 31 kernel/build/dist-before kernel/dist
//
// A build directory must lie inside kernel/ (its modules resolve the kernel's dependencies from there). Per
// layer: `conv2d` on the wasm backend of each build, and TF.js wasm where the peers are installed (npm run bench
// installs them), timed round-robin (the order rotating each round; a sample batches calls to ≥ 5 ms); printed:
// the median ms per call, and each build's ratio TF.js wasm ms ÷ its ms (> 1: ConvLab faster). Each build's
// result is checked against the first's. Nothing here is a test: it prints numbers.
'use strict';

const path = require('node:path');
const { LAYERS, seeded, loadPeers, tfRunner } = require('./conv2d-bench.cjs');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const layerNames = option('--layers', 'L2').split(',');
const ROUNDS = Number(option('--rounds', '21'));
const SAMPLE_MS = 5;
const builds = args.map((dir) => path.resolve(dir));

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function main() {
  if (builds.length === 0) throw new Error('name at least one build directory (a copy of kernel/dist inside kernel/)');
  const engines = builds.map((dir) => ({ name: path.relative(process.cwd(), dir), convlab: require(path.join(dir, 'index.js')) }));
  const { peers } = await loadPeers();
  if (peers.tf) {
    await peers.tf.setBackend('wasm');
    await peers.tf.ready();
  }
  for (const name of layerNames) {
    const L = LAYERS[name];
    if (!L) throw new Error(`unknown layer ${name}; known: ${Object.keys(LAYERS).join(', ')}`);
    const x = seeded(L.x.reduce((a, c) => a * c), 1);
    const w = seeded(L.w.reduce((a, c) => a * c), 2).map((v) => v * 0.1);
    const b = seeded(L.w[0], 3);
    const opts = { stride: L.stride, padding: L.pad, groups: L.groups };
    const candidates = engines.map(({ name: label, convlab }) => {
      convlab.useBackend('wasm');
      const [xT, wT, bT] = [convlab.tensor(x, L.x), convlab.tensor(w, L.w), convlab.tensor(b, [L.w[0]])];
      return { label, run: () => convlab.conv2d(xT, wT, { ...opts, bias: bT }).data };
    });
    if (peers.tf) candidates.push({ label: 'tfjs-wasm', peer: true, run: tfRunner(peers.tf, L, x, w, b).run });
    const first = candidates[0].run();
    for (const c of candidates.slice(1, engines.length)) {
      const got = c.run();
      let diff = 0;
      for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - first[i]));
      if (diff > 1e-4) throw new Error(`${name}: ${c.label} differs from ${candidates[0].label} by ${diff}`);
    }
    for (const c of candidates) {
      for (let i = 0; i < 5; i++) c.run();
      const t = performance.now();
      c.run();
      c.calls = Math.max(1, Math.ceil(SAMPLE_MS / Math.max(performance.now() - t, 1e-3)));
      c.ms = [];
    }
    // The workers come on line in the background, and V8 optimizes in the background too.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < candidates.length; k++) {
        const c = candidates[(k + r) % candidates.length];
        const t = performance.now();
        for (let i = 0; i < c.calls; i++) c.run();
        c.ms.push((performance.now() - t) / c.calls);
      }
    }
    const peer = candidates.find((c) => c.peer);
    const peerMs = peer ? median(peer.ms) : undefined;
    const cells = candidates.map((c) => {
      const ms = median(c.ms);
      const ratio = peerMs !== undefined && !c.peer ? ` (×${(peerMs / ms).toFixed(2)})` : '';
      return `${c.label} ${ms.toFixed(3)} ms${ratio}`;
    });
    console.log(`${name.padEnd(4)} ${cells.join('   ')}`);
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
