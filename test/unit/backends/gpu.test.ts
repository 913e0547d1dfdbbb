/**
 * The gpu backend's kernels in the mode gpu.js picks here (headless-gl under Xvfb in CI: real shaders) and
 * in its `cpu` mode, one case per kernel against the reference loops; and pipeline mode: chained ops keep
 * their results on the device and agree with the reference. The library sweeps run every op on the gpu
 * backend in gpu.js `cpu` mode too (support/sweep.ts). The bodies are in gpu-cases.ts; test/e2e/browser-gpu.test.ts
 * runs them in Chromium, on gpu.js's `webgl2`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  backend,
  conv2d,
  globalMaxPool,
  lpPool2d,
  maxPool1d,
  maxPool2d,
  maxPool3d,
  relu,
  setGpuMode,
  setGpuPipeline,
  tensor,
  useBackend,
  type Tensor,
} from '../../../kernel/src/index';
import { GPU_MODES, gpuHeld, gpuMode, webgpuStatus } from '../../../kernel/src/backends/gpu/backend';
import { expectClose } from '../../reference/torch';
import { chainW1, chainX, emptyWindowPool, gpuCases, nanPool, pipelineChain } from './gpu-cases';

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
    for (const [label, run] of gpuCases) {
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
      expect(Array.from(nanPool().data)).toEqual([NaN, 3]);
      expect(Array.from(globalMaxPool(tensor([[[1, 7, 7, 2]]])).data)).toEqual([7]);
    });

    it('a max-pool window that reads no input cell gives −∞, not 0 (the reference loops answer it)', () => {
      setGpuMode(mode);
      useBackend('gpu');
      const y = emptyWindowPool();
      expect(Array.from(y.data)).toEqual([-Infinity]);
      expect(y.provenance?.backend).toBe('cpu');
      // Only such windows are declined: 1-D pools run on the 2-D kernel (a unit height), 3-D ones on the loops.
      expect(maxPool1d(tensor([[[1, 5, 3, 2]]]), 2).provenance?.backend).toBe('gpu');
      expect(maxPool3d(tensor(new Float32Array(8), [1, 1, 2, 2, 2]), 2).provenance?.backend).toBe('cpu');
    });
  });
}

for (const mode of gpuModes) describe(`gpu pipeline mode in gpu.js ${mode ?? 'default'} mode`, { timeout: 120_000 }, () => {
  afterAll(() => {
    setGpuPipeline(true);
    setGpuMode(undefined);
    useBackend('auto');
  });

  const chain = pipelineChain;
  const [x, w1] = [chainX, chainW1];

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
