/**
 * The gpu backend's test bodies, shared by its Node tests (gpu.test.ts: WebGPU, headless-gl, gpu.js `cpu` mode)
 * and its browser test (test/e2e/browser-gpu.test.ts: gpu.js `webgl2` in Chromium). Pure library calls on
 * seeded inputs, no Node and no vitest, so they bundle for a page; each caller compares with the reference
 * loops (`useBackend('cpu')`).
 */
import {
  avgPool1d,
  avgPool2d,
  conv1d,
  conv2d,
  conv2dBackward,
  conv3d,
  maxPool1d,
  maxPool2d,
  pad,
  relu,
  tensor,
  type Tensor,
} from '../../../kernel/src/index';
import { seededValues } from '../../reference/seeded';

const seeded = (shape: number[], seed: number): Tensor =>
  tensor(new Float32Array(seededValues(shape.reduce((a, b) => a * b, 1), seed)), shape);

/** One case per gpu kernel (and per padding rule of the conv kernel). */
export const gpuCases: [string, () => Tensor][] = [
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
  ['maxPool1d (the 2-D kernel with a unit height), dilated', () => maxPool1d(seeded([2, 3, 17], 21), 3, { stride: 2, padding: 2, dilation: 2 })],
  ['avgPool1d, a pad wider than half the kernel', () => avgPool1d(seeded([2, 3, 11], 22), 3, { stride: 2, padding: 2 })],
  ['relu', () => relu(seeded([3, 40], 17))],
  ...(['dx', 'dw', 'db'] as const).map((part): [string, () => Tensor] => [
    `conv2dBackward ${part} (grouped, strided, dilated)`,
    () => conv2dBackward(seeded([2, 6, 5, 4], 18), seeded([2, 4, 9, 9], 19), seeded([6, 2, 3, 3], 20), { stride: 2, padding: 1, dilation: [1, 2], groups: 2 })[part],
  ]),
];

/** Max pooling of a NaN window and of a tie: the NaN comes out, and the first maximum. Expected: [NaN, 3]. */
export const nanPool = (): Tensor => maxPool2d(tensor([[[[1, NaN, 2, 3], [5, 5, 0, 1]]]]), [2, 2]);

/**
 * A dilated max pool whose only window reads no input cell (taps at −1 and 2 of a length-2 axis): −∞, as PyTorch;
 * the gpu kernel, which starts its search at 0, must leave it to the reference loops. Expected: [-Infinity].
 */
export const emptyWindowPool = (): Tensor =>
  maxPool2d(tensor([[[[5], [7]]]]), [2, 1], { stride: 1, padding: [1, 0], dilation: [3, 1] });

export const chainX = seeded([1, 3, 16, 16], 30);
export const chainW1 = seeded([8, 3, 3, 3], 31);
const chainW2 = seeded([4, 8, 3, 3], 32);

/** A pipeline: pad → conv → relu → max pool → conv → avg pool; returns four of its results, first to last. */
export const pipelineChain = (): Tensor[] => {
  const a = conv2d(pad(chainX, 1, { mode: 'reflect' }), chainW1);
  const b = relu(a);
  const c = maxPool2d(b, 2);
  const d = avgPool2d(conv2d(c, chainW2, { padding: 1 }), 2);
  return [a, b, c, d];
};
