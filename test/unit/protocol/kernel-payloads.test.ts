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
