/**
 * What the kernel sends for a feature map (issue 16): block ranges of downsampled maps, a 64-channel layer at
 * full resolution with its PNG and HTML under the budget, legends of constant panels, bias and p in the window,
 * the RGB flag, and the labelled `text/html` figure (escaped, padding hatched, footer).
 */
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeatureMapPayload, MapData } from '@convlab/protocol';
import {
  conv2d,
  FEATURE_MAP_MIME,
  full,
  lpPool2d,
  maxPool2d,
  pad,
  ones,
  rand,
  randn,
  setDisplayOptions,
  showBundle,
  tensor,
  tensorBundle,
} from '../../../kernel/src/index';
import { colorAt, scaleFor, SEQUENTIAL } from '../../../kernel/src/display/colors';
import { downsampleMap } from '../../../kernel/src/display/encode';
import { isRgbImage, panelOf } from '../../../kernel/src/display/panels';
import { featureMapHtml, formatNumber } from '../../../kernel/src/display/figure-html';
import { legendBarPng, legendValues, panelDrawings, paddingOf, renderPng, tilePng } from '../../../kernel/src/display/png';
import type { MimeBundle } from '../../../kernel/src/display/protocol';

const payloadOf = (bundle: MimeBundle): FeatureMapPayload => bundle.data[FEATURE_MAP_MIME] as FeatureMapPayload;
const htmlOf = (bundle: MimeBundle): string => String(bundle.data['text/html']);
const sizeOf = (bundle: MimeBundle): number => Buffer.byteLength(JSON.stringify(bundle.data));
const pngOf = (base64: string): PNG => PNG.sync.read(Buffer.from(base64, 'base64'));
/** The images of an HTML figure, in document order. */
const imagesOf = (html: string): PNG[] => [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => pngOf(m[1]!));
const pixel = (png: PNG, x: number, y: number): number[] => {
  const offset = (y * png.width + x) * 4;
  return [png.data[offset]!, png.data[offset + 1]!, png.data[offset + 2]!];
};

/** The values a MapData stands for (u8: `min + q / 255 · (max − min)`). */
function decode(data: MapData): number[] {
  const bytes = Buffer.from(data.data, 'base64');
  if (data.encoding === 'f32-base64') return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
  return [...bytes].map((q) => data.min + (q / 255) * (data.max - data.min));
}

afterEach(() => {
  setDisplayOptions({ maxPayloadBytes: 1_000_000, maxMapsPerPanel: 64 });
});

describe('downsampled maps say what they are', () => {
  /** Brute force: each block's min and max, value by value. */
  function blockRanges(values: Float32Array, height: number, width: number, factor: number): [number[], number[]] {
    const rows = Math.ceil(height / factor);
    const cols = Math.ceil(width / factor);
    const low: number[] = [];
    const high: number[] = [];
    for (let br = 0; br < rows; br++) {
      for (let bc = 0; bc < cols; bc++) {
        const block: number[] = [];
        for (let r = br * factor; r < Math.min(height, (br + 1) * factor); r++) {
          for (let c = bc * factor; c < Math.min(width, (bc + 1) * factor); c++) block.push(values[r * width + c]!);
        }
        low.push(Math.min(...block));
        high.push(Math.max(...block));
      }
    }
    return [low, high];
  }

  it.each([
    [7, 9, 2],
    [17, 16, 4],
    [5, 5, 8],
  ])('block ranges of a %i×%i map at factor %i equal a brute-force min and max', (height, width, factor) => {
    const values = randn([height, width], { seed: height * width }).data;
    const small = downsampleMap({ label: '', height, width, values }, factor);
    const [low, high] = blockRanges(values, height, width, factor);
    expect(Array.from(small.downsampled!.low)).toEqual(low.map(Math.fround));
    expect(Array.from(small.downsampled!.high)).toEqual(high.map(Math.fround));
    expect(small.downsampled).toMatchObject({ factor, sourceHeight: height, sourceWidth: width });
  });

  it('leaves non-finite values out of a block, and a block without a finite value is NaN', () => {
    const small = downsampleMap({ label: '', height: 2, width: 4, values: Float32Array.of(NaN, 2, NaN, Infinity, -1, 5, NaN, -Infinity) }, 2);
    expect(Array.from(small.values)).toEqual([2, NaN]);
    expect(Array.from(small.downsampled!.low)).toEqual([-1, NaN]);
    expect(Array.from(small.downsampled!.high)).toEqual([5, NaN]);
  });

  it('sends each block’s range with the map, in the map’s encoding, and counts it in the budget', () => {
    const t = randn([1, 16, 300, 300], { seed: 11 });
    const bundle = tensorBundle(t);
    expect(sizeOf(bundle)).toBeLessThan(1_000_000);
    const panel = payloadOf(bundle).panels[0]!;
    const map = panel.maps[1]!;
    const blocks = map.downsampled!;
    expect(blocks).toMatchObject({ sourceHeight: 300, sourceWidth: 300 });
    expect(map.height).toBe(Math.ceil(300 / blocks.factor));
    expect([blocks.low.encoding, blocks.high.encoding]).toEqual([map.encoding, map.encoding]);
    const [low, high] = blockRanges(t.data.subarray(300 * 300, 2 * 300 * 300), 300, 300, blocks.factor);
    const tolerance = (data: MapData): number => (data.max - data.min) / 510 + 1e-6;
    decode(blocks.low).forEach((v, i) => expect(Math.abs(v - low[i]!)).toBeLessThanOrEqual(tolerance(blocks.low)));
    decode(blocks.high).forEach((v, i) => expect(Math.abs(v - high[i]!)).toBeLessThanOrEqual(tolerance(blocks.high)));
  });

  it('counts three values per downsampled cell: a map that would fit alone as means is downsampled further', () => {
    // 64 maps of 128×128, 8 bits: means alone at 64×64 would take 64·64²·4/3 ≈ 350 KB, with their ranges ≈ 1 MB.
    const payload = payloadOf(tensorBundle(randn([1, 64, 128, 128], { seed: 12 })));
    expect(payload.panels[0]!.maps[0]!.height).toBe(32);
  });
});

describe('a 64-channel layer is sent at full resolution', () => {
  it('[1,64,56,56] conv output: 8-bit maps at 56×56, with its PNG and HTML, under 1 MB', () => {
    const x = randn([1, 64, 56, 56], { seed: 1 });
    const w = randn([64, 64, 3, 3], { seed: 2 });
    const bundle = tensorBundle(conv2d(x, w, { padding: 1 }));
    expect(Object.keys(bundle.data)).toEqual([FEATURE_MAP_MIME, 'text/html', 'image/png', 'text/plain']);
    expect(sizeOf(bundle)).toBeLessThan(1_000_000);
    const payload = payloadOf(bundle);
    for (const role of ['input', 'output']) {
      const panel = payload.panels.find((p) => p.role === role)!;
      expect(panel.maps).toHaveLength(64);
      expect(panel.maps.every((m) => m.height === 56 && m.width === 56 && m.encoding === 'u8-base64' && !m.downsampled)).toBe(true);
    }
    expect(payload.window?.padding).toEqual([[1, 1], [1, 1]]);
    // The static pictures show each panel's first 16 maps at full size and say how many there are; the PNG
    // figure (no text) is a grid of 4 × 4 maps per panel, 56 px each.
    const html = htmlOf(bundle);
    expect(html).not.toMatch(/pictures: means of/);
    expect(html.match(/first 16 of \d+ maps/g)).toEqual(['first 16 of 64 maps', 'first 16 of 4096 maps', 'first 16 of 64 maps']);
    expect(html.match(/<img [^>]*alt="channel \d+"/g)).toHaveLength(32);
    expect(html).toMatch(/<img [^>]*width="56" height="56" alt="channel 15"/);
    expect(pngOf(String(bundle.data['image/png'])).height).toBeGreaterThan(4 * 56);
  });
});

describe('the static pictures of a big panel', () => {
  it('picture its first 16 maps on a scale that spans all of them, as the interactive view’s does', () => {
    // Channel c holds c + i/64: channels 16–63 lie above every pictured value.
    const t = tensor(Float32Array.from({ length: 64 * 64 }, (_, i) => Math.floor(i / 64) + (i % 64) / 64), [1, 64, 8, 8]);
    const bundle = tensorBundle(t);
    const panel = payloadOf(bundle).panels[0]!;
    const html = htmlOf(bundle);
    expect(html).toContain(`${formatNumber(panel.min)} … ${formatNumber(panel.max)} (dark … yellow)`);
    expect(panel.max).toBeGreaterThan(63);
    expect(html).toContain('first 16 of 64 maps');
    // Two layouts in one figure: the second panel's colour bar still runs the scale from end to end.
    const drawings = [...panelDrawings([panelOf(t, 'tensor').panel]), ...panelDrawings([panelOf(ones([2, 2]), 'input').panel, panelOf(t, 'output').panel])];
    const figure = PNG.sync.read(renderPng(drawings));
    const last = drawings[drawings.length - 1]!;
    const barX = figure.width - 8 - last.width;
    const barY = figure.height - 8 - 10 - 3 - 8 + 1;
    expect(pixel(figure, barX, barY)).toEqual([...SEQUENTIAL[0]![1]]);
    expect(pixel(figure, barX + last.width - 1, barY)).toEqual([...SEQUENTIAL[SEQUENTIAL.length - 1]![1]]);
  });

  it('keep exact values where only the values and small pictures fit: a smooth map under the limit stays float32', () => {
    const side = 428; // 4 bytes a value in base64 is about 977 KB of the 1 MB limit
    const ramp = tensor(Float32Array.from({ length: side * side }, (_, i) => i / (side * side)), [side, side]);
    const bundle = tensorBundle(ramp);
    expect(payloadOf(bundle).panels[0]!.maps[0]!.encoding).toBe('f32-base64');
    expect(sizeOf(bundle)).toBeLessThan(1_000_000);
  });
});

describe('legends that match the data', () => {
  it('a constant range sits mid-scale; a centred scale stays centred', () => {
    expect(scaleFor(1, 1)).toMatchObject({ constant: true, centered: false });
    expect(scaleFor(1, 1).position(1)).toBe(0.5);
    // A blur kernel of 1/9 stored as float32: a span of float noise.
    expect(scaleFor(Math.fround(1 / 9), 1 / 9 + 1e-9).constant).toBe(true);
    expect(scaleFor(0, 1e-9).constant).toBe(false);
    expect(scaleFor(-2, -2)).toMatchObject({ constant: false, centered: true });
    expect(scaleFor(-2, -2).position(-2)).toBe(0);
    expect(legendValues(scaleFor(1, 1), 1, 1)).toEqual([1]);
    expect(legendValues(scaleFor(-1, 3), -1, 3)).toEqual([-3, 0, 3]);
  });

  it('a kernel of ones is drawn in the scale’s middle colour, with one legend value in the HTML', () => {
    const bundle = tensorBundle(conv2d(randn([1, 1, 5, 5], { seed: 3 }), ones([1, 1, 3, 3])));
    const middle = colorAt(SEQUENTIAL, 0.5);
    const html = htmlOf(bundle);
    const [kernelPanel] = html.split('<b>kernel [1,1,3,3]</b>').slice(1);
    const [kernelImage, bar] = imagesOf(kernelPanel!);
    expect(pixel(kernelImage!, 10, 10)).toEqual(middle);
    expect(pixel(bar!, 0, 0)).toEqual(middle);
    expect(pixel(bar!, bar!.width - 1, 0)).toEqual(middle);
    expect(kernelPanel).toMatch(/<small>all 1<\/small>/);
    // The figure PNG: the kernel panel (second, after a 160 px input panel and a 24 px gap) in the same colour.
    const figure = pngOf(String(bundle.data['image/png']));
    expect(pixel(figure, 8 + 160 + 24 + 20, 8 + 20)).toEqual(middle);
  });
});

describe('bias and p in the window', () => {
  const x = randn([1, 2, 5, 5], { seed: 4 });
  const w = randn([3, 2, 3, 3], { seed: 5 });

  it('a conv with a bias carries it, one number per output channel; without one, none', () => {
    const bias = tensor([0.5, -1.25, 2]);
    expect(payloadOf(tensorBundle(conv2d(x, w, { bias }))).window?.bias).toEqual([0.5, -1.25, 2]);
    // The op keeps the bias tensor; its values are read only when the result is shown (show() too).
    const y = conv2d(x, w, { bias });
    expect(y.provenance?.bias).toBe(bias);
    expect(y.provenance?.window).not.toHaveProperty('bias');
    expect((showBundle({ input: x, kernel: w, output: y }).data[FEATURE_MAP_MIME] as FeatureMapPayload).window?.bias).toEqual([0.5, -1.25, 2]);
    expect(payloadOf(tensorBundle(conv2d(x, w))).window).not.toHaveProperty('bias');
    expect(htmlOf(tensorBundle(conv2d(x, w, { bias })))).toContain('bias 0.5, -1.25, 2');
  });

  it('a bias JSON cannot carry (NaN) is left out rather than sent as null', () => {
    const payload = payloadOf(tensorBundle(conv2d(x, w, { bias: tensor([0, NaN, 1]) })));
    expect(payload.window).toBeDefined();
    expect(payload.window).not.toHaveProperty('bias');
  });

  it('an Lp pool carries p; other pools do not', () => {
    expect(payloadOf(tensorBundle(lpPool2d(x, 2, { p: 3 }))).window?.power).toBe(3);
    expect(payloadOf(tensorBundle(lpPool2d(x, 2))).window?.power).toBe(2);
    expect(payloadOf(tensorBundle(maxPool2d(x, 2))).window).not.toHaveProperty('power');
  });
});

describe('RGB images', () => {
  it('flags [1,3,H,W] and [3,H,W] images and inputs with every value in [0, 1], nothing else', () => {
    const image = rand([1, 3, 4, 5], { seed: 6 });
    expect(isRgbImage(image, 'tensor')).toBe(true);
    expect(isRgbImage(rand([3, 4, 5], { seed: 6 }), 'input')).toBe(true);
    expect(isRgbImage(image, 'kernel')).toBe(false);
    expect(isRgbImage(image, 'output')).toBe(false);
    expect(isRgbImage(randn([1, 3, 4, 5], { seed: 6 }), 'tensor')).toBe(false);
    expect(isRgbImage(rand([2, 3, 4, 5], { seed: 6 }), 'tensor')).toBe(false);
    expect(isRgbImage(rand([1, 4, 4, 5], { seed: 6 }), 'tensor')).toBe(false);
    expect(isRgbImage(tensor([[[0, 1]], [[0.5, NaN]], [[0, 0]]]), 'tensor')).toBe(false);
    expect(isRgbImage(full([1, 3, 2, 2], 1.0001), 'tensor')).toBe(false);
  });

  it('a colour image cut to fewer than three maps is no longer flagged', () => {
    setDisplayOptions({ maxMapsPerPanel: 2 });
    const payload = payloadOf(tensorBundle(rand([1, 3, 4, 4], { seed: 6 })));
    expect(payload.panels[0]!.maps).toHaveLength(2);
    expect(payload.panels[0]!.rgb).toBeUndefined();
  });

  it('a conv of an image: the input panel is flagged and drawn as a colour image first, then its channels', () => {
    const image = rand([1, 3, 6, 6], { seed: 7 });
    const bundle = tensorBundle(conv2d(image, randn([2, 3, 3, 3], { seed: 8 })));
    const payload = payloadOf(bundle);
    expect(payload.panels.map((p) => p.rgb)).toEqual([true, undefined, undefined]);
    expect(payload.panels[0]!.maps).toHaveLength(3); // the payload sends the channels; the view composes them
    const [drawing] = panelDrawings([panelOf(image, 'input').panel]);
    expect(drawing!.tiles.map((t) => t.label)).toEqual(['colour (RGB)', 'channel 0', 'channel 1', 'channel 2']);
    const html = htmlOf(bundle);
    expect(html.indexOf('colour (RGB)')).toBeLessThan(html.indexOf('channel 0'));
    // Cell (2, 3) of the colour image: its red, green and blue are the three channels' values.
    const colour = imagesOf(html)[0]!;
    const cell = colour.width / 6;
    const at = (c: number): number => image.data[c * 36 + 2 * 6 + 3]!;
    expect(pixel(colour, Math.floor(3.5 * cell), Math.floor(2.5 * cell))).toEqual([0, 1, 2].map((c) => Math.round(at(c) * 255)));
  });
});

describe('the labelled static figure (text/html)', () => {
  const image = rand([1, 3, 28, 28], { seed: 9 });
  const y = conv2d(image, randn([8, 3, 3, 3], { seed: 10 }), { padding: 1, paddingMode: 'reflect' });
  const html = htmlOf(tensorBundle(y));

  it('titles each panel with its shape, labels each map and writes the legend’s numbers as text', () => {
    expect(html).toContain('<b>conv2d</b> on cpu');
    for (const title of ['input [1,3,28,28]', 'kernel [8,3,3,3]', 'output [1,8,28,28]']) expect(html).toContain(`<b>${title}</b>`);
    for (const label of ['channel 7', 'out 4 · in 2', 'colour (RGB)']) expect(html).toContain(`<small>${label.replace(/ /g, '&nbsp;')}</small>`);
    // The pictures show whole filters, up to 16 maps, and say how many the bank has.
    expect(html).not.toContain('alt="out 5 · in 0"');
    expect(html).toContain('first 15 of 24 maps');
    // The kernel's filters one per row: out 1 · in 0 starts the second row.
    expect(html).toMatch(/<tr><td valign="top"><div align="center"><img [^>]+alt="out 1 · in 0">/);
    const output = y.data.subarray(0);
    const bound = Math.max(...Array.from(output).map(Math.abs));
    expect(html).toContain(`${Number((-bound).toPrecision(4))} … 0 … ${Number(bound.toPrecision(4))} (blue … white … red)`);
  });

  it('writes the values of maps of at most 8×8 under their pictures (notebook 00 checks on paper), not of larger ones or of big banks', () => {
    const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
    const w = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    const small = htmlOf(tensorBundle(conv2d(x, w)));
    const tables = [...small.matchAll(/<table>((?:<tr>(?:<td><small>[^<]*<\/small><\/td>)+<\/tr>)+)<\/table>/g)].map((m) =>
      [...m[1]!.matchAll(/<small>([^<]*)<\/small>/g)].map((v) => v[1]),
    );
    const expected = [
      Array.from({ length: 16 }, (_, i) => String(i + 1)),
      Array.from({ length: 9 }, (_, i) => String(i + 1)),
      // Computed here from the definition: Σ over the 3×3 window of x·w.
      [0, 1, 4, 5].map((corner) =>
        String([0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => x.data[corner + r * 4 + c]! * w.data[r * 3 + c]!)).reduce((a, b) => a + b)),
      ),
    ];
    expect(tables).toEqual(expected);
    expect(expected[2]![0]).toBe('348');
    // Integers stay exact in the table: these are values to check on paper.
    expect(htmlOf(tensorBundle(tensor([[12345, -98765]])))).toContain('<td><small>12345</small></td><td><small>-98765</small></td>');
    // 28×28 maps, and a bank of 24 kernel maps of 3×3: pictures only.
    expect(html).not.toMatch(/<td><small>/);
  });

  it('hatches the input’s padding and says its mode; the footer gives the window', () => {
    expect(html).toContain('hatched: padding (reflect)');
    // The same words as the view's footer (the protocol's windowParts).
    expect(html).toContain('kernel 3×3 · stride 1×1 · dilation 1×1 · padding 1,1 / 1,1 (reflect) · groups 1');
    expect(htmlOf(tensorBundle(pad(tensor([[[[1, 2], [3, 4]]]]), 2, { mode: 'reflect' })))).toContain(
      '<p><small>padding 2,2 / 2,2 (reflect)</small></p>',
    );
    // The colour image's top-left cell is padding: hatched grey, not a colour of the image.
    const colour = imagesOf(html)[0]!;
    const cell = colour.width / 30;
    const corner = Array.from({ length: cell }, (_, i) => pixel(colour, i, 0)[0]);
    expect(new Set(corner)).toEqual(new Set([150, 236]));
    expect(colour.width).toBe(30 * cell); // 28 + 1 + 1 columns
  });

  it('escapes every string it is given: a hostile show() title stays text', () => {
    const hostile = '<img src=x onerror=alert(1)> %{z} "quoted" & \'single\'';
    const bundle = showBundle({ input: tensor([[1, 2], [3, 4]]), title: hostile });
    const text = htmlOf(bundle);
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt; %{z} &quot;quoted&quot; &amp; &#39;single&#39;');
    expect(text).not.toContain('<img src=x');
    // Every attribute value is a number, a data URI or escaped text: no raw quote or angle bracket inside one.
    for (const [, value] of text.matchAll(/="([^"]*)"/g)) expect(value).not.toMatch(/[<>]/);
  });

  it('padding is hatched only where it fits: a side wider than the map is left to the footer', () => {
    const window = { kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padding: [[1, 2], [30, 0]] as [number, number][], groups: 1 };
    expect(paddingOf(window, 4, 4)).toEqual({ top: 0, bottom: 0, left: 0, right: 0 });
    expect(paddingOf({ ...window, padding: [[1, 2], [3, 0]] }, 4, 4)).toEqual({ top: 1, bottom: 2, left: 3, right: 0 });
    expect(paddingOf({ ...window, padding: [[2, 1]] }, 1, 8)).toEqual({ top: 0, bottom: 0, left: 2, right: 1 });
  });

  it('a map without cells is named, with no image', () => {
    const text = htmlOf(tensorBundle(full([2, 0, 3], 1)));
    expect(text).toContain('channel&nbsp;1</small> (no cells)');
  });

  it('every part fits a small limit too: the pictures shrink before the values do', () => {
    setDisplayOptions({ maxPayloadBytes: 60_000 });
    const bundle = tensorBundle(rand([1, 8, 40, 40], { seed: 13 }));
    expect(sizeOf(bundle)).toBeLessThan(60_000);
    expect(payloadOf(bundle).panels[0]!.maps[0]!.height).toBe(40);
  });
});

describe('the doc comments’ examples', () => {
  it('hold as written', () => {
    expect(formatNumber(0.111111)).toBe('0.1111');
    expect(formatNumber(12345)).toBe('12345');
    expect(panelDrawings([panelOf(full([1, 64, 56, 56], 0), 'tensor').panel], 40_000)[0]!.factor).toBe(2);
    const drawings = panelDrawings([panelOf(tensor([[1, 2], [3, 4]]), 'tensor').panel]);
    expect(PNG.sync.read(renderPng(drawings)).width).toBe(176);
    expect(PNG.sync.read(tilePng(drawings[0]!, drawings[0]!.tiles[0]!)!).width).toBe(160);
    expect(PNG.sync.read(legendBarPng(drawings[0]!, 160)).height).toBe(8);
    const html = featureMapHtml(drawings, { op: 'tensor', backend: 'cpu' }, []);
    expect(html).toMatch(/^<div class="convlab-static"><p><b>tensor<\/b> on cpu<\/p>.*<b>tensor \[2,2\]<\/b>.*width="160" height="160" alt="">.*1 … 4 \(dark … yellow\)/);
    expect(legendValues(scaleFor(-1, 2), -1, 2)).toEqual([-2, 0, 2]);
    expect(paddingOf({ kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padding: [[1, 1], [2, 0]], groups: 1 }, 8, 8)).toEqual({ top: 1, bottom: 1, left: 2, right: 0 });
    expect([scaleFor(1, 1).position(1), scaleFor(-2, 1).position(-2), scaleFor(0, 4).position(1)]).toEqual([0.5, 0, 0.25]);
    expect(Object.keys(tensorBundle(conv2d(randn([1, 1, 4, 4], { seed: 1 }), randn([1, 1, 3, 3], { seed: 2 }))).data)).toEqual([
      'application/vnd.convlab.featuremap.v1+json', 'text/html', 'image/png', 'text/plain',
    ]);
  });
});
