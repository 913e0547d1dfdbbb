import { describe, expect, it } from 'vitest';
import { autoChoices, conv2d, conv2dBackward, convInfo, tensor, useBackend, type Conv2dOptions } from '../../../kernel/src/index';
import { cpuBackend } from '../../../kernel/src/backends/cpu';
import { wasmBackend, wasmScratchBytes } from '../../../kernel/src/backends/wasm/backend';
import { gpuBackend, gpuMode, setGpuMode } from '../../../kernel/src/backends/gpu/backend';
import { host, type Backend } from '../../../kernel/src/backends/backend';
import { gpuOnHardware } from '../../../kernel/src/backends';
import { gpuDeviceFiles } from '../../../kernel/src/backends/gpu/environment';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expectClose, seededValues } from '../../reference/torch';

interface Case {
  x: [number, number, number, number];
  w: [number, number, number, number];
  options: Conv2dOptions;
  why: string;
}

// Shapes that reach every path of the fast backend, compared with the reference loops.
const cases: Case[] = [
  { x: [1, 32, 20, 20], w: [12, 32, 3, 3], options: { padding: 1 }, why: 'two k-blocks, several pixel chunks, both threads' },
  { x: [2, 5, 9, 11], w: [6, 5, 3, 2], options: { padding: [[1, 0], [2, 1]], stride: [1, 2], dilation: [2, 1] }, why: 'odd sizes, per-side pads, strided gather' },
  { x: [1, 8, 15, 13], w: [10, 4, 1, 1], options: { groups: 2 }, why: '1×1 grouped, channel tiles with a remainder' },
  { x: [2, 16, 33, 35], w: [16, 1, 3, 3], options: { padding: 2, dilation: 2, groups: 16 }, why: 'depthwise 3×3 direct, dilated, batch 2' },
  { x: [1, 8, 12, 19], w: [8, 1, 5, 4], options: { padding: [[2, 2], [1, 2]], groups: 8 }, why: 'depthwise 5×4 (the general direct loop)' },
  { x: [1, 6, 17, 17], w: [6, 1, 5, 5], options: { padding: 'same', stride: 2, groups: 6 }, why: 'strided depthwise (GEMM per group)' },
  { x: [1, 3, 64, 64], w: [16, 3, 7, 7], options: { padding: 3, stride: 2 }, why: 'stem-like 7×7 stride 2' },
  { x: [1, 1, 5, 5], w: [1, 1, 5, 5], options: {}, why: 'one output pixel' },
];

const fastBackends: [string, Backend, string | undefined][] = [
  ['wasm', wasmBackend, undefined],
  ['gpu in gpu.js cpu mode', gpuBackend, 'cpu'],
  ['gpu in the mode gpu.js picks', gpuBackend, undefined],
];

for (const [label, fast, mode] of fastBackends) {
  describe(`${label} agrees with the reference loops within 1e-4`, () => {
    for (const [i, c] of cases.entries()) {
      it(`x=[${c.x}] w=[${c.w}] ${JSON.stringify(c.options)}: ${c.why}`, () => {
        setGpuMode(mode);
        const x = new Float32Array(seededValues(c.x.reduce((a, b) => a * b), 10 + i));
        const w = new Float32Array(seededValues(c.w.reduce((a, b) => a * b), 20 + i));
        const bias = new Float32Array(seededValues(c.w[0], 30 + i));
        const info = convInfo('conv2d', c.x, c.w, c.options);
        const want = host(cpuBackend.conv(x, w, bias, info).values);
        const got = host(fast.conv(x, w, bias, info).values);
        expectClose({ shape: info.outShape, data: got }, { shape: [...info.outShape], data: Array.from(want) }, c.why);
        if (mode) expect(gpuMode()).toBe(mode);
      });
    }
  });
}

describe('wasm backend scratch', () => {

  it('reuses its scratch: repeating a call, or a smaller one, does not grow it', () => {
    const x = tensor(new Float32Array(seededValues(32 * 24 * 24, 5)), [1, 32, 24, 24]);
    const w = tensor(new Float32Array(seededValues(32 * 32 * 9, 6)), [32, 32, 3, 3]);
    useBackend('wasm');
    conv2d(x, w, { padding: 1 });
    const held = wasmScratchBytes();
    expect(held).toBeGreaterThan(32 * 24 * 24 * 4);
    conv2d(x, w, { padding: 1 });
    conv2d(x, w, { stride: 2 });
    expect(wasmScratchBytes()).toBe(held);
    useBackend('auto');
  });
});

describe("'auto' backend", () => {
  it('measures a size class once, caches the choice and reports it in provenance', () => {
    useBackend('auto');
    const x = tensor(new Float32Array(seededValues(4 * 12 * 12, 7)), [1, 4, 12, 12]);
    const w = tensor(new Float32Array(seededValues(8 * 4 * 9, 8)), [8, 4, 3, 3]);
    const y = conv2d(x, w, { padding: 1 });
    // 8 output channels · 12·12 pixels · 4·3·3 taps = 41 472 multiply-adds ≈ 2^15: measured, reference included.
    const measured = autoChoices().filter((c) => Object.keys(c.ms).length > 0);
    expect(measured.map((c) => c.sizeClass)).toEqual(['conv2d dense ~2^15 MACs']);
    const [choice] = measured;
    // The gpu backend is timed only on a hardware GPU (never on software GL such as Xvfb's).
    expect(Object.keys(choice!.ms).sort()).toEqual(gpuOnHardware() ? ['cpu', 'gpu', 'wasm'] : ['cpu', 'wasm']);
    expect(choice!.choice).toBe(Object.entries(choice!.ms).sort((a, b) => a[1] - b[1])[0]![0]);
    expect(y.provenance?.backend).toBe(choice!.choice);
    // Same class again: no new measurement, same choice.
    const again = conv2d(x, w, { padding: 1 });
    expect(autoChoices().find((c) => c.sizeClass === choice!.sizeClass)).toBe(choice);
    expect(again.provenance?.backend).toBe(choice!.choice);
    expectClose(again, { shape: [...y.shape], data: Array.from(y.data) }, 'auto twice');
  });

  it('measures conv2d gradients in their own size class and computes what the reference loops compute', () => {
    const x = tensor(new Float32Array(seededValues(2 * 4 * 12 * 12, 41)), [2, 4, 12, 12]);
    const w = tensor(new Float32Array(seededValues(8 * 4 * 9, 42)), [8, 4, 3, 3]);
    const dy = tensor(new Float32Array(seededValues(2 * 8 * 12 * 12, 43)), [2, 8, 12, 12]);
    useBackend('cpu');
    const want = conv2dBackward(dy, x, w, { padding: 1 });
    useBackend('auto');
    const got = conv2dBackward(dy, x, w, { padding: 1 });
    // 2 · (8 channels · 2·12·12 pixels · 4·3·3 taps) = 165 888 multiply-adds ≈ 2^17: above the reference loops' limit.
    const choice = autoChoices().find((c) => c.sizeClass.startsWith('conv2dBackward'));
    expect(choice?.sizeClass).toBe('conv2dBackward dense ~2^17 MACs');
    expect(Object.keys(choice!.ms)).toContain('wasm');
    expect(Object.keys(choice!.ms)).not.toContain('cpu');
    for (const key of ['dx', 'dw', 'db'] as const) {
      expectClose(got[key], { shape: [...want[key].shape], data: Array.from(want[key].data) }, `auto ${key}`);
    }
  });

  it('runs tiny convs on the reference loops without measuring', () => {
    useBackend('auto');
    const y = conv2d(tensor([[[[1, 2], [3, 4]]]]), tensor([[[[1]]]]));
    expect(y.provenance?.backend).toBe('cpu');
    expect(autoChoices().find((c) => c.sizeClass === 'conv2d dense ~2^2 MACs')).toEqual({
      sizeClass: 'conv2d dense ~2^2 MACs',
      choice: 'cpu',
      ms: {},
    });
  });

  it('does not load a GPU driver to find out there is no GPU: on Linux without a GPU device file, no probe', () => {
    // What /dev says here, read directly: a DRM device, NVIDIA's devices or WSL's.
    const devices = [
      ...(existsSync('/dev/dri') ? readdirSync('/dev/dri').filter((n) => n.startsWith('renderD') || n.startsWith('card')) : []),
      ...readdirSync('/dev').filter((n) => n.startsWith('nvidia') || n === 'dxg'),
    ];
    expect(gpuDeviceFiles()).toBe(process.platform === 'linux' ? devices.length > 0 : undefined);
    // A fresh process (this one may have loaded gpu.js for other tests): asking auto's question loads gpu.js and
    // its drivers only where there is a device to find.
    const dist = join(__dirname, '..', '..', '..', 'kernel', 'dist');
    const answer = execFileSync(process.execPath, ['-e', `
      const backends = require(${JSON.stringify(join(dist, 'backends', 'index.js'))});
      const onHardware = backends.gpuOnHardware();
      const loaded = Object.keys(require.cache).some((file) => /[\\/]gpu\.js[\\/]/.test(file));
      console.log(JSON.stringify({ onHardware, loaded }));`], { encoding: 'utf8' });
    const { onHardware, loaded } = JSON.parse(answer.trim().split('\n').pop()!) as { onHardware: boolean; loaded: boolean };
    if (gpuDeviceFiles() === false) expect({ onHardware, loaded }).toEqual({ onHardware: false, loaded: false });
    else expect(loaded).toBe(true);
  });
});
