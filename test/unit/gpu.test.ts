/**
 * The gpu backend's kernels in the mode gpu.js picks here (headless-gl under Xvfb in CI: real shaders) and
 * in its `cpu` mode, one case per kernel against the reference loops; and pipeline mode: chained ops keep
 * their results on the device and agree with the reference. The library sweeps run every op on the gpu
 * backend in gpu.js `cpu` mode too (sweep.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  avgPool2d,
  backend,
  conv1d,
  conv2d,
  conv2dBackward,
  conv3d,
  globalMaxPool,
  lpPool2d,
  maxPool2d,
  pad,
  relu,
  setGpuMode,
  setGpuPipeline,
  tensor,
  useBackend,
  type Tensor,
} from '../../kernel/src/index';
import { GPU_MODES, gpuHeld, gpuMode, webgpuStatus } from '../../kernel/src/backends/gpu';
import { expectClose, seededValues } from '../reference/torch';

const seeded = (shape: number[], seed: number): Tensor =>
  tensor(new Float32Array(seededValues(shape.reduce((a, b) => a * b, 1), seed)), shape);

/** One case per gpu kernel (and per padding rule of the conv kernel). */
const cases: [string, () => Tensor][] = [
  ['conv1d reflect, stride 2, dilation 2', () => conv1d(seeded([2, 3, 17], 1), seeded([4, 3, 3], 2), { padding: 3, paddingMode: 'reflect', stride: 2, dilation: 2 })],
  ['conv2d grouped, circular', () => conv2d(seeded([1, 4, 9, 8], 3), seeded([6, 2, 3, 2], 4), { padding: [[1, 1], [2, 0]], paddingMode: 'circular', groups: 2, bias: seeded([6], 5) })],
  ['conv2d replicate', () => conv2d(seeded([1, 2, 6, 7], 6), seeded([3, 2, 3, 3], 7), { padding: 2, paddingMode: 'replicate' })],
  ['conv2d zeros, strided', () => conv2d(seeded([2, 3, 11, 10], 8), seeded([5, 3, 3, 3], 9), { padding: 1, stride: 2 })],
  ['conv3d', () => conv3d(seeded([1, 2, 5, 6, 7], 10), seeded([3, 2, 2, 3, 3], 11), { padding: [[1, 0], [1, 1], [0, 2]], stride: [1, 2, 1] })],
  ['pad reflect 4-D', () => pad(seeded([1, 2, 4, 5], 12), [[0, 0], [0, 0], [3, 2], [-1, 4]], { mode: 'reflect' })],
  ['pad constant 3-D', () => pad(seeded([2, 3, 4], 13), 2, { value: -1.5 })],
  ['maxPool2d ceil mode, padding', () => maxPool2d(seeded([2, 3, 9, 10], 14), 3, { stride: 2, padding: 1, ceilMode: true })],
  ['avgPool2d counting padding', () => avgPool2d(seeded([1, 3, 8, 9], 15), [3, 2], { stride: [2, 1], padding: [1, 1] })],
  ['avgPool2d not counting padding', () => avgPool2d(seeded([1, 3, 8, 9], 16), 3, { padding: 1, countIncludePad: false })],
  ['relu', () => relu(seeded([3, 40], 17))],
  ...(['dx', 'dw', 'db'] as const).map((part): [string, () => Tensor] => [
    `conv2dBackward ${part} (grouped, strided, dilated)`,
    () => conv2dBackward(seeded([2, 6, 5, 4], 18), seeded([2, 4, 9, 9], 19), seeded([6, 2, 3, 3], 20), { stride: 2, padding: 1, dilation: [1, 2], groups: 2 })[part],
  ]),
];

function onReference(run: () => Tensor): Tensor {
  useBackend('cpu');
  return run();
}

/**
 * The GPU modes tested here: the default (`webgpu` where the WebGPU engine opens, else headless-gl) and
 * headless-gl explicitly when it is not the default (npm test builds it unless CONVLAB_GPU=0).
 */
setGpuMode(undefined);
const defaultMode = gpuMode();
const gpuModes: (string | undefined)[] = [
  undefined,
  ...(defaultMode !== 'headlessgl' && process.env['CONVLAB_GPU'] !== '0' ? ['headlessgl'] : []),
];

it('uses WebGPU by default where its engine opens (npm test sets it up), else headless-gl', () => {
  setGpuMode(undefined);
  const webgpu = process.env['CONVLAB_REQUIRE_WEBGPU'] === '1' || webgpuStatus() === 'available';
  if (webgpu) expect(gpuMode()).toBe('webgpu');
  else if (process.env['CONVLAB_GPU'] !== '0') expect(gpuMode()).toBe('headlessgl');
  else expect(gpuMode()).toMatch(/^(webasm|cpu)$/);
  expect(webgpuStatus()).toMatch(gpuMode() === 'webgpu' ? /^available$/ : /^WebGPU is unavailable: /);
});

for (const mode of [...gpuModes, 'cpu']) {
  describe(`gpu kernels in gpu.js ${mode ?? 'default'} mode agree with the reference loops within 1e-4`, { timeout: 120_000 }, () => {
    afterAll(() => {
      setGpuMode(undefined);
      useBackend('auto');
    });
    for (const [label, run] of cases) {
      it(label, () => {
        const want = onReference(run);
        setGpuMode(mode);
        useBackend('gpu');
        const got = run();
        // The backend that computed the last result (relu, pad and the gradients carry no provenance).
        expect(backend().name).toBe('gpu');
        expectClose(got, { shape: [...want.shape], data: Array.from(want.data) }, label);
        if (mode) expect(gpuMode()).toBe(mode);
      });
    }

    it('max pooling propagates NaN and prefers the first maximum', () => {
      setGpuMode(mode);
      useBackend('gpu');
      const x = tensor([[[[1, NaN, 2, 3], [5, 5, 0, 1]]]]);
      expect(Array.from(maxPool2d(x, [2, 2]).data)).toEqual([NaN, 3]);
      expect(Array.from(globalMaxPool(tensor([[[1, 7, 7, 2]]])).data)).toEqual([7]);
    });
  });
}

for (const mode of gpuModes) describe(`gpu pipeline mode in gpu.js ${mode ?? 'default'} mode`, { timeout: 120_000 }, () => {
  afterAll(() => {
    setGpuPipeline(true);
    setGpuMode(undefined);
    useBackend('auto');
  });

  const x = seeded([1, 3, 16, 16], 30);
  const w1 = seeded([8, 3, 3, 3], 31);
  const w2 = seeded([4, 8, 3, 3], 32);
  const chain = (): Tensor[] => {
    const a = conv2d(pad(x, 1, { mode: 'reflect' }), w1);
    const b = relu(a);
    const c = maxPool2d(b, 2);
    const d = avgPool2d(conv2d(c, w2, { padding: 1 }), 2);
    return [a, b, c, d];
  };

  it('keeps every intermediate on the device, and they agree with the reference', () => {
    useBackend('cpu');
    const want = chain();
    setGpuMode(mode);
    useBackend('gpu');
    const got = chain();
    for (const t of got) expect(t.device).toBe(`gpu (${gpuMode()})`);
    // Read the last first: earlier results were not overwritten by later calls of the same kernels.
    for (const [i, t] of [...got.entries()].reverse()) {
      expectClose(t, { shape: [...want[i]!.shape], data: Array.from(want[i]!.data) }, `step ${i}`);
    }
    // A reshape shares the device values; an op the gpu does not run reads them back and says so.
    const flat = got[3]!.reshape([1, -1]);
    expect(flat.device).toBe(got[3]!.device);
    const lp = lpPool2d(got[2]!, 2);
    expect(lp.device).toBe('host');
    expect(lp.provenance?.backend).toBe('cpu');
  });

  it('switched off, reads every result back (freeing its texture), with the same values', () => {
    setGpuMode(mode);
    useBackend('gpu');
    // Finalizers (which free collected results) run between tasks, never inside this synchronous body.
    const before = gpuHeld().results;
    const kept = chain();
    // pad, conv, relu, max pool, conv, avg pool: six results held on the GPU (gpu.js's CPU modes hold none).
    const held = GPU_MODES.includes(gpuMode()) ? 6 : 0;
    expect(gpuHeld().results).toBe(before + held);
    setGpuPipeline(false);
    const readBack = chain();
    expect(gpuHeld().results).toBe(before + held);
    for (const [i, t] of readBack.entries()) {
      expect(t.device).toBe('host');
      expect(Array.from(t.data)).toEqual(Array.from(kept[i]!.data));
    }
    setGpuPipeline(true);
  });

  it('a result outlives its kernel: evicting compiled kernels (one per shape, 64 kept) frees no live result', () => {
    setGpuMode(mode);
    useBackend('gpu');
    const kept = relu(tensor([-1, 2, -3, 4]));
    for (let n = 5; n < 5 + 70; n++) relu(tensor(new Float32Array(n).fill(-1)));
    expect(kept.device).toBe(`gpu (${gpuMode()})`);
    expect(Array.from(kept.data)).toEqual([0, 2, 0, 4]);
  });

  it('device tensors feed other backends and a new gpu.js instance', () => {
    setGpuMode(mode);
    useBackend('gpu');
    const onGpu = relu(conv2d(x, w1, { padding: 1 }));
    useBackend('cpu');
    const want = maxPool2d(relu(conv2d(x, w1, { padding: 1 })), 2);
    const viaCpu = maxPool2d(onGpu, 2);
    expect(viaCpu.provenance?.backend).toBe('cpu');
    expectClose(viaCpu, { shape: [...want.shape], data: Array.from(want.data) }, 'read back for the cpu backend');
    setGpuMode('cpu');
    useBackend('gpu');
    const viaNewInstance = maxPool2d(onGpu, 2);
    expectClose(viaNewInstance, { shape: [...want.shape], data: Array.from(want.data) }, 'new instance');
  });
});
