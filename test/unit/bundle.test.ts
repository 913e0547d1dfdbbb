import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { conv2d, FEATURE_MAP_MIME, tensor, tensorBundle } from '../../kernel/src/index';
import { decodeMap } from '../../extension/src/figure';
import type { FeatureMapPayload } from '../../extension/src/schema';
import { validateFeatureMap } from '../../extension/src/validate';
import { workedExample } from './helpers';

function payloadOf(bundle: ReturnType<typeof tensorBundle>): FeatureMapPayload {
  return bundle.data[FEATURE_MAP_MIME] as FeatureMapPayload;
}

describe('tensorBundle', () => {
  const { x, w } = workedExample();
  const bundle = tensorBundle(conv2d(x, w));

  it('carries the vendor JSON, a PNG fallback and text/plain', () => {
    expect(Object.keys(bundle.data).sort()).toEqual([FEATURE_MAP_MIME, 'image/png', 'text/plain'].sort());
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
    expect(payload.window).toEqual({ kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padding: [[0, 0], [0, 0]], groups: 1 });
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
