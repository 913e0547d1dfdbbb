// The WebGPU engine's costs: opening, a conv kernel's first call (compile) and later calls, and the per-call
// floor of the synchronous worker round trip. Runs the gpu backend's own conv kernel (its compiled source in
// kernel/dist). Needs the kernel built and a Vulkan driver:
//   bash kernel/scripts/setup.sh --gpu && source .setup/vulkan.env && node test/bench/webgpu-bench.cjs
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const dist = join(__dirname, '../../kernel/dist/backends');
const { openWebGpu } = require(join(dist, 'gpu/webgpu/engine.js'));

/** The source text of `function name(` in a compiled file, up to its matching brace. */
function functionSource(file, name) {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`function ${name}(`);
  if (start < 0) throw new Error(`no function ${name} in ${file}`);
  let depth = 0;
  for (let i = text.indexOf('{', start); i < text.length; i++) {
    depth += text[i] === '{' ? 1 : text[i] === '}' ? -1 : 0;
    if (depth === 0) return text.slice(start, i + 1);
  }
  throw new Error(`unbalanced braces in ${name}`);
}

const ms = (t0) => (performance.now() - t0).toFixed(2);
function perCall(n, f) {
  for (let i = 0; i < 10; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  return ((performance.now() - t0) / n).toFixed(3);
}

let t0 = performance.now();
const engine = openWebGpu(10_000);
if ('unavailable' in engine) throw new Error(engine.unavailable);
console.log(`open: ${ms(t0)} ms, adapter ${engine.adapter}`);

// conv2d x [1, 16, 64, 64], w [32, 16, 3, 3], padding 1 → [1, 32, 64, 64]
const [c, k, size, kh] = [16, 32, 64, 3];
const taps = Float32Array.from({ length: size * kh }, (_, i) => {
  const source = Math.floor(i / kh) + (i % kh) - 1;
  return source >= 0 && source < size ? source : -1;
});
const constants = {
  inChannels: c,
  outChannels: k,
  inPerGroup: c,
  outPerGroup: k,
  inD: 1,
  inH: size,
  inW: size,
  outD: 1,
  outH: size,
  outW: size,
  kd: 1,
  kh,
  kw: kh,
  padValue: 0,
};
const inputs = [
  Float32Array.from({ length: c * size * size }, Math.random),
  Float32Array.from({ length: k * c * kh * kh }, Math.random),
  new Float32Array(k),
  Float32Array.of(0),
  taps,
  taps,
];
const conv = functionSource(join(dist, 'gpu/sources.js'), 'convKernel');
const outSize = k * size * size;
t0 = performance.now();
let out = engine.run('conv', conv, outSize, constants, c + 1, inputs);
console.log(`conv2d [1,16,64,64]*[32,16,3,3] first call (translate + compile + run): ${ms(t0)} ms`);
t0 = performance.now();
const got = engine.read(out);
console.log(`  first read-back (${outSize} floats): ${ms(t0)} ms`);
// The same conv in JavaScript: the kernel must agree under WebGPU's translation.
const [x, w] = inputs;
let worst = 0;
for (let o = 0; o < k; o++)
  for (let r = 0; r < size; r++)
    for (let q = 0; q < size; q++) {
      let sum = 0;
      for (let ch = 0; ch < c; ch++)
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kh; b++) {
            const [y, z] = [r + a - 1, q + b - 1];
            if (y >= 0 && y < size && z >= 0 && z < size)
              sum += x[(ch * size + y) * size + z] * w[((o * c + ch) * kh + a) * kh + b];
          }
      worst = Math.max(worst, Math.abs(sum - got[(o * size + r) * size + q]));
    }
console.log(`  largest difference from JavaScript: ${worst.toExponential(2)}`);
engine.free(out);
console.log(
  `  later calls, run + read + free: ${perCall(20, () => {
    out = engine.run('conv', conv, outSize, constants, c + 1, inputs);
    engine.read(out);
    engine.free(out);
  })} ms`,
);

const relu = 'function (x) { return Math.max(x[this.thread.x], 0); }';
for (const n of [16, 65536]) {
  const x = Float32Array.from({ length: n }, () => Math.random() - 0.5);
  let h;
  console.log(
    `relu n=${n}: run + free ${perCall(300, () => {
      h = engine.run(`relu${n}`, relu, n, {}, 1, [x]);
      engine.free(h);
    })} ms/call,` +
      ` run + read + free ${perCall(300, () => {
        h = engine.run(`relu${n}`, relu, n, {}, 1, [x]);
        engine.read(h);
        engine.free(h);
      })} ms/call`,
  );
}
const big = 1 << 22;
t0 = performance.now();
const h = engine.run('relu-big', relu, big, {}, 1, [
  Float32Array.from({ length: big }, (_, i) => i - big / 2),
]);
const values = engine.read(h);
console.log(
  `relu n=2^22 (first call, read): ${ms(t0)} ms, last value ${values[big - 1]} (expected ${big / 2 - 1})`,
);
