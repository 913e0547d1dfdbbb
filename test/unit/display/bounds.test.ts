/**
 * The display's cost is bounded by what it shows: an empty tensor with a huge axis, ten million empty maps, and
 * a large tensor that is downsampled once (not once per factor tried), without copies of its values.
 */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { FEATURE_MAP_MIME, maxPool2d, ones, tensorBundle, zeros } from '../../../kernel/src/index';
import type { FeatureMapPayload } from '@convlab/protocol';
import { panelOf } from '../../../kernel/src/display/panels';
import type { MimeBundle } from '../../../kernel/src/display/protocol';
import { typedArraysBuilt } from '../support/allocations';

const payloadOf = (bundle: MimeBundle): FeatureMapPayload => bundle.data[FEATURE_MAP_MIME] as FeatureMapPayload;
const sizeOf = (bundle: MimeBundle): number => Buffer.byteLength(JSON.stringify(bundle.data));
const pngOf = (bundle: MimeBundle): PNG => PNG.sync.read(Buffer.from(String(bundle.data['image/png']), 'base64'));

describe('display of empty tensors with a huge axis', () => {
  it('[1e7, 0]: a few hundred bytes of text stating the shape, and a small PNG', () => {
    const bundle = tensorBundle(zeros([1e7, 0]));
    const text = String(bundle.data['text/plain']);
    expect(text).toBe('Tensor [10000000,0] float32\n[[],\n [],\n [],\n ...,\n [],\n [],\n []]');
    expect(sizeOf(bundle)).toBeLessThan(5_000);
    const png = pngOf(bundle);
    // The map has no cells: it takes no room, however long its other axis.
    expect(png.height).toBeLessThan(100);
    expect(png.width).toBeLessThan(200);
  });

  it('[1, 1e7, 0, 0]: 64 maps are made, not ten million, and the note says how many there are', () => {
    const { panel } = panelOf(zeros([1, 1e7, 0, 0]), 'tensor');
    expect(panel.maps).toHaveLength(64);
    expect(panel.mapCount).toBe(1e7);
    const bundle = tensorBundle(zeros([1, 1e7, 0, 0]));
    expect(sizeOf(bundle)).toBeLessThan(20_000);
    expect(payloadOf(bundle).panels[0]!.maps).toHaveLength(64);
    expect(payloadOf(bundle).notes[0]).toMatch(/^tensor: showing the first 64 of 10000000 maps/);
    expect(String(bundle.data['text/plain'])).toMatch(/^Tensor \[1,10000000,0,0\] float32\n/);
  });
});

describe('display of tensors with cells per map but no values', () => {
  it.each([
    ['no batch item', () => zeros([0, 3, 4, 4])],
    ['no channel', () => zeros([1, 0, 4, 4])],
    ['a pool of no channel', () => maxPool2d(zeros([1, 0, 4, 4]), 2)],
  ])('%s: the text says what it is, and no picture of empty maps is sent', (_, make) => {
    const t = make();
    const bundle = tensorBundle(t);
    expect(Object.keys(bundle.data)).toEqual(['text/plain']);
    expect(String(bundle.data['text/plain'])).toContain(`[${t.shape.join(',')}]`);
  });
});

describe('display of a large tensor', () => {
  it('downsamples once, at the factor that fits, and copies no map at full size', () => {
    const big = ones([1, 64, 512, 512]);
    let bundle: MimeBundle | undefined;
    const floats = typedArraysBuilt('Float32Array', () => {
      bundle = tensorBundle(big);
    });
    // The largest float32 array made is one shown map (64×64), never a tensor-sized copy.
    expect(Math.max(0, ...floats.lengths)).toBeLessThanOrEqual(64 * 64);
    // Block means at 16×16 only (64 maps of 32×32; each cell sends its mean, low and high, so 64×64 does not
    // fit): no pass at 2×2, 4×4 and 8×8 before it (their 256², 128², 64² arrays), and the pictures (16·32² cells)
    // need no pass of their own. A pass makes three arrays a map: means, lows, highs.
    const passes = [256, 128, 64, 32].map((side) => floats.lengths.filter((n) => n === side * side).length / 3);
    expect(passes).toEqual([0, 0, 0, 64]);
    const payload = payloadOf(bundle!);
    expect(payload.notes[0]).toBe('tensor: 512×512 maps drawn at 32×32 (mean of 16×16 blocks)');
    expect(payload.panels[0]!.maps).toHaveLength(64);
    expect(sizeOf(bundle!)).toBeLessThan(1_000_000);
    expect(bundle!.data['text/plain']).toBe(
      'Tensor [1,64,512,512] float32 (16777216 values, min 1, max 1, mean 1; too many to print)',
    );
  });
});
