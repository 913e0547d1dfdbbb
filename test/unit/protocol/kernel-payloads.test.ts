/**
 * The contract end to end: every kind of payload the kernel sends passes the extension's validators
 * (`@convlab/protocol`), so a drift between what the kernel builds and what the extension reads fails here.
 */
import { FEATURE_MAP_MIME, SHAPE_TRACE_MIME, validateFeatureMap, validateShapeTrace } from '@convlab/protocol';
import { describe, expect, it } from 'vitest';
import {
  avgPool2d,
  conv1d,
  conv2d,
  convTranspose2d,
  JUPYTER_DISPLAY,
  maxPool2d,
  pad,
  randn,
  recordShapes,
  relu,
  showBundle,
  tensor,
  traceShapes,
  zeros,
  type Tensor,
} from '../../../kernel/src/index';
import * as convlab from '../../../kernel/src/index';

const x = randn([1, 2, 6, 6], { seed: 3 });
const w = randn([4, 2, 3, 3], { seed: 4 });

/** The vendor JSON of a value's display bundle. */
function vendor(value: { [JUPYTER_DISPLAY](): { data: Record<string, unknown> } }, mime: string): unknown {
  const data = value[JUPYTER_DISPLAY]().data;
  expect(Object.keys(data)).toContain(mime);
  return data[mime];
}

describe('every feature-map payload the kernel sends passes the extension’s validator', () => {
  const cases: [string, () => Tensor, string | undefined][] = [
    ['a plain tensor', () => tensor([[1, 2], [3, 4]]), undefined],
    ['conv2d (zeros)', () => conv2d(x, w, { padding: 1, stride: 2 }), 'zeros'],
    ['conv2d (reflect)', () => conv2d(x, w, { padding: 1, paddingMode: 'reflect' }), 'reflect'],
    ['conv2d (constant)', () => conv2d(x, w, { padding: 2, paddingMode: 'constant', padValue: -1.5 }), 'constant -1.5'],
    ['conv1d (circular)', () => conv1d(randn([1, 1, 8], { seed: 5 }), randn([1, 1, 3], { seed: 6 }), { padding: 1, paddingMode: 'circular' }), 'circular'],
    ['a transposed conv', () => convTranspose2d(x, randn([2, 3, 3, 3], { seed: 7 }), { stride: 2 }), undefined],
    ['max pooling', () => maxPool2d(x, 3, { stride: 1, padding: 1 }), '-inf'],
    ['average pooling (padding counted)', () => avgPool2d(x, 3, { stride: 1, padding: 1 }), 'zeros'],
    ['average pooling (padding excluded)', () => avgPool2d(x, 3, { padding: 1, countIncludePad: false }), 'excluded'],
    ['pad (symmetric)', () => pad(x, [[0, 0], [0, 0], [1, 2], [2, 1]], { mode: 'symmetric' }), 'symmetric'],
    ['a big map (quantized, downsampled)', () => relu(randn([1, 8, 300, 300], { seed: 8 })), undefined],
  ];
  it.each(cases)('%s', (_, make, mode) => {
    const checked = validateFeatureMap(vendor(make(), FEATURE_MAP_MIME));
    if (!checked.ok) throw new Error(checked.error);
    expect(checked.value.window?.paddingMode).toBe(mode);
  });

  it('show(): panels chosen by hand', () => {
    const bundle = showBundle({ input: x, kernel: w, output: zeros([1, 4, 2, 2]), title: 'by hand' });
    const checked = validateFeatureMap(bundle.data[FEATURE_MAP_MIME]);
    if (!checked.ok) throw new Error(checked.error);
  });
});

describe('every shape-trace payload the kernel sends passes the extension’s validator', () => {
  const layers = [
    { op: 'conv2d', outChannels: 8, kernel: 3, padding: 1 },
    { op: 'maxPool2d', kernel: 2 },
    { op: 'relu' },
  ] as const;
  it.each([
    ['a data-free trace', () => traceShapes([1, 3, 16, 16], [...layers])],
    ['a trace that fails at a layer', () => traceShapes([1, 3, 4, 4], [...layers, { op: 'conv2d', outChannels: 4, kernel: 5 }])],
    ['a recorded trace', () => recordShapes(() => maxPool2d(relu(conv2d(x, w, { padding: 1 })), 2))],
  ])('%s', (_, make) => {
    const checked = validateShapeTrace(vendor(make(), SHAPE_TRACE_MIME));
    if (!checked.ok) throw new Error(checked.error);
    expect(checked.value.rows.length).toBeGreaterThan(0);
  });
});

describe('paddingMode reaches plotly’s hover template, so only plain words pass', () => {
  const payload = () => vendor(conv2d(x, w, { padding: 1 }), FEATURE_MAP_MIME) as { window: { paddingMode: string } };
  it.each(['<b>zeros</b>', 'zeros %{z}', '', 'a'.repeat(41)])('refuses %j', (mode) => {
    const hostile = payload();
    hostile.window.paddingMode = mode;
    const checked = validateFeatureMap(hostile);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? '' : checked.error).toMatch(/^payload\.window\.paddingMode should be a few plain words/);
  });
});

// Engineer V's section: the validator bounds a window against the maps it lies between (the output size must
// follow from the input size, padding, kernel, stride and dilation), so every window the kernel sends must fit.
describe('windows at the edges of what the kernel allows still pass the bounded validator', () => {
  const img = randn([1, 2, 5, 6], { seed: 11 });
  const signal = randn([1, 2, 9], { seed: 12 });
  const volume = randn([1, 1, 4, 5, 6], { seed: 13 });
  const wide: [number, number][] = [[0, 0], [0, 0], [7, 9], [13, 6]];
  const cases: [string, () => Tensor, boolean][] = [
    ...(['constant', 'reflect', 'symmetric', 'replicate', 'circular'] as const).map(
      (mode): [string, () => Tensor, boolean] => [`pad wider than the axis (${mode})`, () => pad(img, wide, { mode }), true],
    ),
    ['pad cropping one side, padding the other', () => pad(img, [[0, 0], [0, 0], [-1, 3], [2, -2]]), false],
    ['conv2d with padding 100 on a 4×4 input', () => conv2d(randn([1, 1, 4, 4], { seed: 14 }), randn([1, 1, 3, 3], { seed: 15 }), { padding: 100 }), true],
    ['conv2d with padding 100 and stride 50', () => conv2d(randn([1, 1, 4, 4], { seed: 14 }), randn([1, 1, 3, 3], { seed: 15 }), { padding: 100, stride: 50 }), true],
    ['a strided, dilated, asymmetric conv2d', () => conv2d(img, randn([3, 2, 3, 2], { seed: 16 }), { stride: [2, 3], dilation: [1, 2], padding: [[2, 0], [1, 3]] }), true],
    ["conv2d 'same' with stride 2", () => conv2d(img, randn([3, 2, 3, 3], { seed: 17 }), { padding: 'same', stride: 2 }), true],
    ['a grouped conv2d', () => conv2d(randn([1, 4, 6, 6], { seed: 18 }), randn([6, 2, 3, 3], { seed: 19 }), { groups: 2, stride: 2, padding: 1 }), true],
    ['a depthwise conv2d with a bias', () => conv2d(img, randn([2, 1, 3, 3], { seed: 20 }), { groups: 2, bias: tensor([0.5, -1]) }), true],
    ['an unbatched conv2d', () => conv2d(randn([2, 5, 5], { seed: 21 }), randn([3, 2, 2, 2], { seed: 22 })), true],
    ['conv1d strided and dilated', () => conv1d(signal, randn([3, 2, 3], { seed: 23 }), { stride: 2, dilation: 2, padding: 3 }), true],
    ['conv3d', () => convlab.conv3d(volume, randn([2, 1, 2, 3, 3], { seed: 24 }), { padding: [[1, 0], [0, 2], [1, 1]], stride: [1, 2, 2] }), true],
    ['a transposed conv1d with padding', () => convlab.convTranspose1d(signal, randn([2, 3, 3], { seed: 25 }), { stride: 2, padding: 1 }), false],
    ['maxPool2d in ceil mode', () => maxPool2d(randn([1, 1, 7, 7], { seed: 26 }), 2, { ceilMode: true }), true],
    ['maxPool2d in ceil mode, a last window dropped', () => maxPool2d(randn([1, 1, 5, 5], { seed: 27 }), 2, { padding: 1, ceilMode: true }), true],
    ['maxPool2d in ceil mode, kernel 1, stride 2', () => maxPool2d(randn([1, 1, 6, 7], { seed: 28 }), 1, { stride: 2, ceilMode: true }), true],
    ['avgPool2d in ceil mode with padding', () => avgPool2d(img, 3, { stride: 2, padding: 1, ceilMode: true }), true],
    ['a dilated maxPool2d', () => maxPool2d(img, 2, { dilation: 3, padding: 1, stride: 1 }), true],
    ['a dilated maxPool1d whose windows straddle the input', () => convlab.maxPool1d(tensor([[[5, 7]]]), 2, { dilation: 3, stride: 1, padding: 3 }), true],
    ['avgPool1d and ceil mode', () => convlab.avgPool1d(signal, 2, { ceilMode: true, padding: 1 }), true],
    ['lpPool2d', () => convlab.lpPool2d(img, 3, { p: 3, stride: 1, padding: 1, ceilMode: true }), true],
    ['maxPool3d', () => convlab.maxPool3d(volume, 2, { ceilMode: true }), true],
    ['an adaptive pool that divides evenly', () => convlab.adaptiveAvgPool2d(randn([1, 2, 6, 8], { seed: 29 }), [3, 2]), true],
    ['an adaptive pool that does not', () => convlab.adaptiveMaxPool2d(img, [4, 4]), false],
    ['an adaptive 1-D pool', () => convlab.adaptiveAvgPool1d(signal, 3), true],
    ['a global pool', () => convlab.globalAvgPool(img), true],
  ];
  it.each(cases)('%s', (_, make, windowed) => {
    const checked = validateFeatureMap(vendor(make(), FEATURE_MAP_MIME));
    if (!checked.ok) throw new Error(checked.error);
    expect(checked.value.window !== undefined).toBe(windowed);
  });

  it('refuses the same payloads once their window is made not to fit', () => {
    const sent = vendor(conv2d(randn([1, 1, 4, 4], { seed: 14 }), randn([1, 1, 3, 3], { seed: 15 }), { padding: 100 }), FEATURE_MAP_MIME);
    const hostile = structuredClone(sent) as { window: { padding: [number, number][] } };
    hostile.window.padding[1] = [99, 100];
    const checked = validateFeatureMap(hostile);
    expect(checked.ok ? '' : checked.error).toBe(
      'payload.window.padding[1] = [99, 100] does not fit the 4×4 input and its 202×202 output: kernel 3, stride 1, dilation 1 give ' +
        'an output width of floor((4 + 99 + 100 − 3) / 1) + 1 = 201, not 202; hint: the window should be the one of the op that made the output',
    );
  });
});

// Engineer K's section: the payload forms of issue 16 (bias, p, RGB, block ranges, constant panels).
describe('the payload forms the kernel added for issue 16 pass the validator', () => {
  const image = convlab.rand([1, 3, 12, 12], { seed: 21 });
  const cases: [string, () => Tensor, (payload: import('@convlab/protocol').FeatureMapPayload) => unknown, unknown][] = [
    ['a conv with a bias', () => conv2d(x, w, { bias: tensor([1, -2, 0.5, 3]) }), (p) => p.window?.bias, [1, -2, 0.5, 3]],
    ['an Lp pool', () => convlab.lpPool2d(x, 2, { p: 3 }), (p) => p.window?.power, 3],
    ['an RGB image', () => image, (p) => p.panels[0]?.rgb, true],
    ['a conv of an RGB image', () => conv2d(image, randn([2, 3, 3, 3], { seed: 22 }), { padding: 1, paddingMode: 'reflect' }), (p) => p.panels.map((q) => q.rgb === true), [true, false, false]],
    ['a downsampled map with its block ranges', () => relu(randn([1, 16, 300, 300], { seed: 23 })), (p) => p.panels[0]?.maps[0]?.downsampled?.sourceHeight, 300],
    ['a constant kernel', () => conv2d(x, convlab.ones([4, 2, 3, 3])), (p) => [p.panels[1]?.min, p.panels[1]?.max], [1, 1]],
  ];
  it.each(cases)('%s', (_, make, pick, expected) => {
    const checked = validateFeatureMap(vendor(make(), FEATURE_MAP_MIME));
    if (!checked.ok) throw new Error(checked.error);
    expect(pick(checked.value)).toEqual(expected);
  });
});
