/**
 * The feature-map formatter (`tensorBundle`): the vendor JSON, a PNG fallback and text/plain; its budget:
 * quantization, downsampling, map caps and their notes; `show`.
 */
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { conv2d, FEATURE_MAP_MIME, setDisplayOptions, showBundle, tensor, tensorBundle } from '../../../kernel/src/index';
import { decodeMap } from '../../../extension/src/figure';
import { validateFeatureMap, type FeatureMapPayload } from '@convlab/protocol';
import { downsampleMap, encodeMap } from '../../../kernel/src/display/encode';
import { displayOptions } from '../../../kernel/src/display/options';
import type { MimeBundle } from '../../../kernel/src/display/protocol';
import { workedExample } from '../support/helpers';

const payloadOf = (bundle: MimeBundle): FeatureMapPayload => bundle.data[FEATURE_MAP_MIME] as FeatureMapPayload;
const sizeOf = (bundle: MimeBundle): number => Buffer.byteLength(JSON.stringify(bundle.data));

/** Seeded values in [-1, 1): noise compresses worst, so it is the hard case for the PNG's size. */
function noise(count: number, seed = 1): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state / 2 ** 31) * 2 - 1;
  });
}

afterEach(() => {
  setDisplayOptions({ maxPayloadBytes: 1_000_000, maxMapsPerPanel: 64 });
});

describe('tensorBundle', () => {
  const { x, w } = workedExample();
  const bundle = tensorBundle(conv2d(x, w));

  it('carries the vendor JSON, the HTML and PNG fallbacks and text/plain', () => {
    expect(Object.keys(bundle.data).sort()).toEqual([FEATURE_MAP_MIME, 'image/png', 'text/html', 'text/plain'].sort());
    expect(bundle.data['text/plain']).toContain('conv2d on cpu: input [1,1,4,4] → kernel [1,1,3,3] → output [1,1,2,2]');
    expect(bundle.data['text/plain']).toContain('[528, 573]');
  });

  it('has input, kernel and output panels whose values decode back exactly', () => {
    const payload = payloadOf(bundle);
    expect(payload.panels.map((p) => p.role)).toEqual(['input', 'kernel', 'output']);
    const [input, kernel, output] = payload.panels.map((p) => decodeMap(p.maps[0]!));
    expect(input).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
      [13, 14, 15, 16],
    ]);
    expect(kernel).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(output).toEqual([
      [348, 393],
      [528, 573],
    ]);
    expect(payload.panels[2]).toMatchObject({ min: 348, max: 573, centered: false });
    expect(payload.window).toEqual({ kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padding: [[0, 0], [0, 0]], groups: 1, paddingMode: 'zeros' });
  });

  it('produces a payload the extension accepts (the schema is shared)', () => {
    expect(validateFeatureMap(payloadOf(bundle))).toEqual({ ok: true, value: payloadOf(bundle) });
  });

  it('uses a diverging, centred scale for signed data', () => {
    const signed = payloadOf(tensorBundle(tensor([[-1, 0], [0, 2]])));
    expect(signed.panels[0]).toMatchObject({ role: 'tensor', centered: true });
    expect(signed.panels[0]?.colorscale[2]).toEqual([0.5, '#f7f7f7']);
  });

  it('draws a PNG with the three panels side by side', () => {
    const png = PNG.sync.read(Buffer.from(bundle.data['image/png'] as string, 'base64'));
    // 3 maps of ~160 px, 24 px apart, 8 px margins.
    expect(png.width).toBeGreaterThan(3 * 150);
    expect(png.height).toBeGreaterThan(150);
    // The top-left cell of the input (value 1, the minimum) is the sequential scale's darkest colour.
    const offset = ((8 + 20) * png.width + (8 + 20)) * 4;
    expect([png.data[offset], png.data[offset + 1], png.data[offset + 2]]).toEqual([68, 1, 84]);
  });
});

describe('encodeMap', () => {
  it('quantizes to 8 bits with the map’s own min and max, within (max − min) / 510', () => {
    const values = Float32Array.of(-3, -1, 0, 0.5, 2, 7);
    const map = encodeMap({ label: 'm', height: 2, width: 3, values }, 'u8-base64');
    expect(map).toMatchObject({ encoding: 'u8-base64', min: -3, max: 7 });
    expect([...Buffer.from(map.data, 'base64')]).toEqual([0, 51, 77, 89, 128, 255]);
    // 1e-6: the view decodes in float32.
    decodeMap(map).flat().forEach((v, i) => expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(10 / 510 + 1e-6));
  });

  it('encodes a constant map as zeros and keeps its value as min = max', () => {
    const map = encodeMap({ label: '', height: 1, width: 2, values: Float32Array.of(4, 4) }, 'u8-base64');
    expect(decodeMap(map)).toEqual([[4, 4]]);
  });
});

describe('downsampleMap', () => {
  it('averages blocks and rounds sizes up, so edge rows survive', () => {
    const values = Float32Array.from({ length: 15 }, (_, i) => i); // 3×5
    const small = downsampleMap({ label: '', height: 3, width: 5, values }, 2);
    expect([small.height, small.width]).toEqual([2, 3]);
    expect(Array.from(small.values)).toEqual([(0 + 1 + 5 + 6) / 4, (2 + 3 + 7 + 8) / 4, (4 + 9) / 2, (10 + 11) / 2, (12 + 13) / 2, 14]);
    expect(small.downsampled).toMatchObject({ factor: 2, sourceHeight: 3, sourceWidth: 5 });
    expect(Array.from(small.downsampled!.low)).toEqual([0, 2, 4, 10, 12, 14]);
    expect(Array.from(small.downsampled!.high)).toEqual([6, 8, 9, 11, 13, 14]);
  });
});

describe('feature-map payload budget', () => {
  it('keeps small tensors exact (float32, full size, no notes)', () => {
    const { x, w } = workedExample();
    const payload = payloadOf(tensorBundle(conv2d(x, w)));
    expect(payload.notes).toEqual([]);
    expect(payload.panels.flatMap((p) => p.maps.map((m) => m.encoding))).toEqual(['f32-base64', 'f32-base64', 'f32-base64']);
  });

  it('fits a [1,64,224,224] tensor under 1 MB, saying how', () => {
    const big = tensor(noise(64 * 224 * 224), [1, 64, 224, 224]);
    const bundle = tensorBundle(big);
    expect(sizeOf(bundle)).toBeLessThan(1_000_000);
    const payload = payloadOf(bundle);
    expect(validateFeatureMap(payload).ok).toBe(true);
    const panel = payload.panels[0]!;
    expect(panel.shape).toEqual([1, 64, 224, 224]);
    expect(panel.maps).toHaveLength(64);
    expect(panel.maps[0]!.encoding).toBe('u8-base64');
    expect(panel.maps[0]!.height).toBeLessThan(224);
    expect(payload.notes.join('\n')).toMatch(/tensor: 224×224 maps drawn at \d+×\d+ \(mean of \d+×\d+ blocks\)/);
    expect(payload.notes.join('\n')).toMatch(/quantized to 8 bits per map .*under 1000000 bytes \(setDisplayOptions/);
    expect(bundle.data['text/plain']).toMatch(/^Tensor \[1,64,224,224\] float32 \(3211264 values, min -0\.99\d*, max 0\.99\d*, mean -?0\.\d+; too many to print\)$/);
  });

  it('quantizes before it downsamples: a map that fits as 8 bits keeps its size', () => {
    const t = tensor(noise(200 * 200), [200, 200]);
    setDisplayOptions({ maxPayloadBytes: 250_000 });
    const payload = payloadOf(tensorBundle(t));
    expect(payload.panels[0]!.maps[0]).toMatchObject({ encoding: 'u8-base64', height: 200, width: 200 });
  });

  it('caps the number of maps per panel, with a note', () => {
    const w = tensor(noise(100 * 3 * 3 * 3), [100, 3, 3, 3]);
    const x = tensor(noise(3 * 8 * 8), [1, 3, 8, 8]);
    const payload = payloadOf(tensorBundle(conv2d(x, w)));
    expect(payload.panels.map((p) => p.maps.length)).toEqual([3, 64, 64]);
    expect(payload.notes).toContain('kernel: showing the first 64 of 300 maps');
    expect(payload.window).toBeDefined(); // nothing was downsampled, so the window still lines up
  });

  it('follows setDisplayOptions and rejects a limit that is not a sensible integer', () => {
    const previous = setDisplayOptions({ maxMapsPerPanel: 2 });
    expect(previous.maxMapsPerPanel).toBe(64);
    expect(displayOptions().maxMapsPerPanel).toBe(2);
    expect(payloadOf(tensorBundle(tensor(noise(5 * 4), [5, 2, 2]))).panels[0]!.maps).toHaveLength(2);
    expect(() => setDisplayOptions({ maxPayloadBytes: 10 })).toThrow(
      /^setDisplayOptions: options\.maxPayloadBytes expected an integer ≥ 1024, got 10; hint: the default is 1000000$/,
    );
  });
});

describe('showBundle', () => {
  const { x, w } = workedExample();

  it('puts input, kernel and output side by side, with the op’s window when they belong together', () => {
    const y = conv2d(x, w);
    const bundle = showBundle({ input: x, kernel: w, output: y });
    const payload = payloadOf(bundle);
    expect(payload.panels.map((p) => p.role)).toEqual(['input', 'kernel', 'output']);
    expect(decodeMap(payload.panels[2]!.maps[0]!)).toEqual([[348, 393], [528, 573]]);
    expect(payload.op).toBe('conv2d');
    expect(payload.window?.kernel).toEqual([3, 3]);
    expect(bundle.data['image/png']).toMatch(/^iVBORw0KGgo/);
    expect(bundle.data['text/plain']).toMatch(/^show: input \[1,1,4,4\] \| kernel \[1,1,3,3\] \| output \[1,1,2,2\]\ninput: Tensor/);
  });

  it('draws any subset, without a window when the tensors were not made together', () => {
    const payload = payloadOf(showBundle({ input: x, output: tensor([[1, 2], [3, 4]]), title: 'by hand' }));
    expect(payload.panels.map((p) => p.role)).toEqual(['input', 'output']);
    expect(payload.op).toBe('by hand');
    expect(payload.window).toBeUndefined();
  });

  it('names what is wrong when given no tensor or a non-tensor', () => {
    expect(() => showBundle({})).toThrow(/^show: parts expected at least one of input, kernel, output, got none; hint: /);
    expect(() => showBundle({ input: [1, 2] as never })).toThrow(/^show: input expected a Tensor, got object; hint: /);
  });
});
