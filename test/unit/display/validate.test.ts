/**
 * The one check every output passes (`formatValue`, which a cell's last value, `display`, handle updates and
 * `show` go through): what a `Symbol.for('Jupyter.display')` method returns becomes a valid MIME bundle or a
 * readable ConvLabError, never an output JupyterLab rejects and shows blank.
 */
import { describe, expect, it } from 'vitest';
import { conv1d, conv2d, display, JUPYTER_DISPLAY, randn, show, tensor, tensorBundle, traceShapes } from '../../../kernel/src/index';
import {
  formatValue,
  setDisplaySink,
  validateBundle,
  type DisplaySink,
  type OutgoingBundle,
} from '../../../kernel/src/display/display';
import { errorOf } from '../support/helpers';
import {
  FEATURE_MAP_MIME,
  PAYLOAD_LIMITS,
  validateFeatureMap,
  validateShapeTrace,
  windowOutputSizes,
  type Downsampling,
  type FeatureMapPayload,
  type ShapeTraceRow,
} from '@convlab/protocol';
import { convPayload, convWindow, f32, panel, panelOf, pads, payload, tracePayload, traceRow } from '../protocol/fixtures';

/** A value whose display method returns `result`. */
const showing = (result: unknown): object => ({ [JUPYTER_DISPLAY]: () => result });

const PREFIX = "display: Symbol.for('Jupyter.display')() result expected a MIME bundle object such as { 'text/plain': '…' }, got ";

/** A Proxy whose every trap throws. */
function hostile(): object {
  const trap = (name: string) => () => {
    throw new Error(`${name} trap`);
  };
  return new Proxy(
    {},
    {
      get: trap('get'),
      has: trap('has'),
      ownKeys: trap('ownKeys'),
      getOwnPropertyDescriptor: trap('getOwnPropertyDescriptor'),
      getPrototypeOf: trap('getPrototypeOf'),
    },
  );
}

describe('validateBundle: bad results fail with a readable error', () => {
  it.each([
    [42, '42'],
    [null, 'null'],
    [undefined, 'undefined'],
    ['<b>hi</b>', "'<b>hi</b>'"],
    [[{ 'text/plain': 'x' }], "[ { 'text/plain': 'x' } ]"],
    [{}, '{} (no MIME entries)'],
    [{ 'text/plain': 5 }, "{ 'text/plain': 5 } ('text/plain' holds 5, not a string)"],
    [{ 'not a mime': 'x' }, "{ 'not a mime': 'x' } ('not a mime' is not a MIME type like 'text/plain')"],
    [{ text: 'x' }, "{ text: 'x' } ('text' is not a MIME type like 'text/plain')"],
    [{ 'application/json': 'x' }, "{ 'application/json': 'x' } ('application/json' holds 'x', not a JSON object)"],
    [{ 'application/vnd.x+json': [1, 2] }, "{ 'application/vnd.x+json': [ 1, 2 ] } ('application/vnd.x+json' holds [ 1, 2 ], not a JSON object)"],
    [{ data: {} }, '{ data: {} } (no MIME entries)'],
    [{ data: 'x' }, "{ data: 'x' } (data is not an object)"],
    [{ data: { 'text/plain': 'x' }, metadata: null }, "{ data: { 'text/plain': 'x' }, metadata: null } (metadata holds null, not a JSON object)"],
    [{ data: { 'text/plain': 'x' }, meta: {} }, "{ data: { 'text/plain': 'x' }, meta: {} } (unexpected key 'meta' next to data; only data and metadata)"],
  ])('%o', (result, actual) => {
    const error = errorOf(() => formatValue(showing(result)));
    expect(error.message.startsWith(PREFIX + actual)).toBe(true);
    expect(error.op).toBe('display');
    expect(error.arg).toBe("Symbol.for('Jupyter.display')() result");
    expect(error.actual).toBe(actual);
  });

  it('names JSON that cannot be sent: a BigInt, a cycle', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(errorOf(() => validateBundle({ 'application/json': { n: 1n } })).actual).toMatch(
      /'application\/json' is not JSON \(TypeError: Do not know how to serialize a BigInt\)/,
    );
    expect(errorOf(() => validateBundle({ data: { 'text/plain': 'x' }, metadata: cyclic })).actual).toMatch(
      /metadata is not JSON \(TypeError: Converting circular structure/,
    );
  });

  it('survives a Proxy whose traps all throw, and a throwing getter: describing them never throws', () => {
    const error = errorOf(() => formatValue(showing(hostile())));
    expect(error.actual).toMatch(/^\{\} \(reading it threw Error: (ownKeys|get|getOwnPropertyDescriptor) trap\)$/);
    const getter = errorOf(() =>
      formatValue(
        showing({
          get data(): unknown {
            throw new Error('no data today');
          },
        }),
      ),
    );
    expect(getter.actual).toBe('{ data: [Getter] } (reading it threw Error: no data today)');
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    expect(errorOf(() => validateBundle(revocable.proxy)).actual).toMatch(/^<Revoked Proxy> \(reading it threw TypeError: /);
  });

  it('bounds what it quotes of a huge value', () => {
    const error = errorOf(() => validateBundle({ 'text/plain': 'x'.repeat(100_000), 'image/png': 7 }));
    expect(error.message.length).toBeLessThan(600);
    expect(error.actual).toMatch(/'image\/png' holds 7, not a string\)$/);
  });

  it('a method that throws fails the cell with its message', () => {
    const value = {
      [JUPYTER_DISPLAY]() {
        throw new RangeError('cannot draw this');
      },
    };
    const error = errorOf(() => formatValue(value));
    expect(error.message).toBe(
      PREFIX + 'an exception: RangeError: cannot draw this; hint: the display method threw; fix it, or remove it to print the value as text',
    );
    // Even when the thrown value is itself hostile.
    const worse = {
      [JUPYTER_DISPLAY]() {
        throw hostile();
      },
    };
    expect(errorOf(() => formatValue(worse)).actual).toBe('an exception: {}');
  });

  it('display() and show go through the same check', () => {
    const sent: OutgoingBundle[] = [];
    const previous: DisplaySink = setDisplaySink({ send: (bundle) => sent.push(bundle), clear: () => undefined });
    try {
      expect(() => display(showing(42))).toThrow(PREFIX + '42');
      expect(() => display(showing({ 'text/plain': 'ok' }), { displayId: 'a' }).update(showing(null))).toThrow(PREFIX + 'null');
      show(tensor([[1]]));
      expect(sent).toHaveLength(2);
    } finally {
      setDisplaySink(previous);
    }
  });
});

describe('validateBundle: valid bundles pass unchanged', () => {
  it('returns the same data and metadata objects', () => {
    const data = { 'text/plain': 'hi', 'text/html': '<b>hi</b>', 'application/json': { a: [1, 2] } };
    const metadata = { 'text/html': { isolated: true } };
    const bundle = formatValue(showing({ data, metadata }));
    expect(bundle).toEqual({ data, metadata });
    expect(bundle.data).toBe(data);
    expect(bundle.metadata).toBe(metadata);
  });

  it("takes Deno's bare MIME map, and data without metadata, with metadata {}", () => {
    expect(validateBundle({ 'text/plain': 'hi', 'image/svg+xml': '<svg/>' })).toEqual({
      data: { 'text/plain': 'hi', 'image/svg+xml': '<svg/>' },
      metadata: {},
    });
    expect(validateBundle({ data: { 'text/markdown': '**hi**' } })).toEqual({ data: { 'text/markdown': '**hi**' }, metadata: {} });
  });

  it("passes ConvLab's own bundles: a tensor, a shape trace", () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(formatValue(t)).toEqual(t[JUPYTER_DISPLAY]());
    const trace = traceShapes([1, 1, 8, 8], [{ op: 'maxPool2d', kernel: 2 }]);
    expect(formatValue(trace)).toEqual(trace[JUPYTER_DISPLAY]());
  });

  it('prints a value as text when reading its display method throws (a hostile Proxy as the last value)', () => {
    expect(formatValue(hostile())).toEqual({ data: { 'text/plain': '{}' }, metadata: {} });
  });
});

/**
 * The extension's payload validators (`@convlab/protocol`) against hostile payloads: an untrusted notebook's
 * outputs are crafted, so every size is bounded against the data present and strings are plain text.
 */
describe('validateFeatureMap refuses hostile payloads with a readable message', () => {
  const refusal = (value: unknown): string => {
    const checked = validateFeatureMap(value);
    return checked.ok ? 'accepted' : checked.error;
  };
  const accepted = (value: unknown): void => {
    const checked = validateFeatureMap(value);
    if (!checked.ok) throw new Error(checked.error);
  };
  /** conv2d of a 28×28 input, 3×3 kernel, padding 1, as the kernel sends it. */
  const mnistLike = (): FeatureMapPayload =>
    structuredClone(tensorBundle(conv2d(randn([1, 1, 28, 28], { seed: 1 }), randn([1, 1, 3, 3], { seed: 2 }), { padding: 1 })).data[FEATURE_MAP_MIME]) as FeatureMapPayload;
  const HINT = '; hint: the window should be the one of the op that made the output';

  it('window.padding 20000 on a 28×28 input: refused, naming the sizes it does not fit', () => {
    const hostile = mnistLike();
    accepted(hostile);
    hostile.window!.padding = [[20000, 20000], [20000, 20000]];
    expect(refusal(hostile)).toBe(
      'payload.window.padding[0] = [20000, 20000] does not fit the 28×28 input and its 28×28 output: kernel 3, stride 1, dilation 1 ' +
        'give an output height of floor((28 + 20000 + 20000 − 3) / 1) + 1 = 40026, not 28' + HINT,
    );
  });

  it('the 3.7 KB crafted output: padding 20000 on a hand-made 4×4 conv payload', () => {
    const crafted = convPayload();
    crafted.window = convWindow({ padding: pads(20000) });
    expect(JSON.stringify(crafted).length).toBeLessThan(3700);
    expect(refusal(crafted)).toMatch(/^payload\.window\.padding\[0\] = \[20000, 20000\] does not fit the 4×4 input and its 4×4 output: /);
  });

  it('height 1e300 with width 0 (0 bytes of data would match): refused by the side bound', () => {
    const hostile = payload([panel({ shape: [1, 1, 1e300, 0], maps: [{ label: '', height: 1e300, width: 0, encoding: 'f32-base64', data: '', min: 0, max: 0 }] })]);
    expect(refusal(hostile)).toBe(`payload.panels[0].shape[2] should be at most ${2 ** 31}, got number 1e+300`);
    hostile.panels[0]!.shape = [1, 1, 5, 0];
    expect(refusal(hostile)).toBe(`payload.panels[0].maps[0].height should be at most ${PAYLOAD_LIMITS.mapSide}, got number 1e+300`);
    // A 0-size axis is a real tensor's shape: it passes while the other axis is bounded.
    hostile.panels[0]!.maps[0]!.height = 5;
    accepted(hostile);
    hostile.panels[0]!.maps[0]!.height = PAYLOAD_LIMITS.mapSide + 1;
    hostile.panels[0]!.shape = [1, 1, PAYLOAD_LIMITS.mapSide + 1, 0];
    expect(refusal(hostile)).toBe(`payload.panels[0].maps[0].height should be at most ${PAYLOAD_LIMITS.mapSide}, got number ${PAYLOAD_LIMITS.mapSide + 1}`);
  });

  it('window.kernel 1e9: refused by the bound; a kernel within it but larger than the padded input: by the sizes', () => {
    const hostile = convPayload();
    hostile.window = convWindow({ kernel: [1e9, 3] });
    expect(refusal(hostile)).toBe(`payload.window.kernel[0] should be at most ${PAYLOAD_LIMITS.mapSide}, got number 1000000000`);
    hostile.window = convWindow({ kernel: [1000, 3] });
    expect(refusal(hostile)).toBe(
      'payload.window.padding[0] = [1, 1] does not fit the 4×4 input and its 4×4 output: the effective kernel 1·(1000 − 1) + 1 = 1000 ' +
        'is larger than the padded height 4 + 1 + 1' + HINT,
    );
  });

  it('a window that fits the sizes but pads the input past the cells the view draws (a huge stride)', () => {
    const hostile = convPayload();
    hostile.panels[2] = panelOf('output', [1, 3, 1, 1], 3, (m) => m, (m) => `channel ${m}`);
    // floor((4 + 1100 + 1100 − 3) / 2300) + 1 = 1: consistent, but each padded input map is 2204×2204.
    hostile.window = convWindow({ padding: pads(1100), stride: [2300, 2300] });
    expect(refusal(hostile)).toBe(
      `payload.window.padding makes each padded input map 2204×2204, over the ${PAYLOAD_LIMITS.paddedCells} cells ` +
        `(sides ≤ ${PAYLOAD_LIMITS.mapSide}) the view draws; hint: show a smaller input or less padding`,
    );
    hostile.window = convWindow({ padding: pads(1000), stride: [2100, 2100] });
    accepted(hostile);
  });

  it.each([
    ['a window without an input panel', (p: FeatureMapPayload) => p.panels.splice(0, 1), /^payload\.window should come with an input and an output panel to lie between, got panels kernel, output$/],
    ['per-axis lists of different lengths', (p: FeatureMapPayload) => (p.window!.stride = [1]), /^payload\.window\.stride should have 2 entries \(one per spatial axis, as payload\.window\.kernel\), got 1$/],
    ['four window axes', (p: FeatureMapPayload) => (p.window = convWindow({ kernel: [1, 1, 3, 3] })), /^payload\.window\.kernel should have at most 3 entries, got 4$/],
    ['stride 0', (p: FeatureMapPayload) => (p.window!.stride = [0, 1]), /^payload\.window\.stride\[0\] should be an integer ≥ 1, got number 0$/],
    ['a kernel the kernel panel does not have', (p: FeatureMapPayload) => (p.window = convWindow({ kernel: [1, 1], padding: pads(0) })), /^payload\.window\.kernel = \[1, 1\] should be the kernel panel's spatial size, got shape \[3,2,3,3\]$/],
    ['a bias per output channel and one more', (p: FeatureMapPayload) => (p.window!.bias = [1, 2, 3, 4]), /^payload\.window\.bias should hold at most one number per output channel \(3\), got 4$/],
    ['a NaN bias', (p: FeatureMapPayload) => (p.window!.bias = [1, NaN]), /^payload\.window\.bias\[1\] should be a finite number, got number NaN$/],
    ['an Lp power of 0', (p: FeatureMapPayload) => (p.window!.power = 0), /^payload\.window\.power should be a number > 0, got number 0$/],
    ['an infinite Lp power', (p: FeatureMapPayload) => (p.window!.power = Infinity), /^payload\.window\.power should be a finite number/],
    ['a map that is not the size its shape says', (p: FeatureMapPayload) => (p.panels[0]!.shape = [1, 2, 4, 5]), /^payload\.panels\[0\]\.maps\[0\] should be 4×5, the last two axes of the panel's shape \[1,2,4,5\], got 4×4$/],
    ['rgb on a panel of 2 maps', (p: FeatureMapPayload) => (p.panels[0]!.rgb = true), /^payload\.panels\[0\]\.rgb is true, so the panel should have at least 3 maps \(red, green, blue\), got 2$/],
    ['rgb that is not a boolean', (p: FeatureMapPayload) => ((p.panels[0] as { rgb?: unknown }).rgb = 'yes'), /^payload\.panels\[0\]\.rgb should be true or false, got string "yes"$/],
    ['nine panels', (p: FeatureMapPayload) => (p.panels = Array.from({ length: 9 }, () => panel())), /^payload\.panels should have at most 8 entries, got 9$/],
    ['a shape of nine axes', (p: FeatureMapPayload) => (p.panels[0]!.shape = [1, 1, 1, 1, 1, 1, 1, 4, 4]), /^payload\.panels\[0\]\.shape should have at most 8 entries, got 9$/],
    ['a long title', (p: FeatureMapPayload) => (p.panels[1]!.title = 't'.repeat(201)), /^payload\.panels\[1\]\.title should be at most 200 characters, got 201$/],
    ['a long label', (p: FeatureMapPayload) => (p.panels[1]!.maps[0]!.label = 'l'.repeat(201)), /^payload\.panels\[1\]\.maps\[0\]\.label should be at most 200 characters, got 201$/],
    // A feature map's op may be a show() title, bounded as a title.
    ['a long op', (p: FeatureMapPayload) => (p.op = 'o'.repeat(201)), /^payload\.op should be at most 200 characters, got 201$/],
    ['a long backend', (p: FeatureMapPayload) => (p.backend = 'b'.repeat(65)), /^payload\.backend should be at most 64 characters, got 65$/],
    ['65 notes', (p: FeatureMapPayload) => (p.notes = Array.from({ length: 65 }, () => 'n')), /^payload\.notes should have at most 64 entries, got 65$/],
    ['a long note', (p: FeatureMapPayload) => (p.notes = ['n'.repeat(1001)]), /^payload\.notes\[0\] should be at most 1000 characters, got 1001$/],
    ['33 colour stops', (p: FeatureMapPayload) => (p.panels[0]!.colorscale = Array.from({ length: 33 }, (_, i) => [i / 32, '#000000'])), /^payload\.panels\[0\]\.colorscale should have at most 32 entries, got 33$/],
    ['colour stops out of order', (p: FeatureMapPayload) => (p.panels[0]!.colorscale = [[0, '#000000'], [0.7, '#000000'], [0.5, '#ffffff']]), /^payload\.panels\[0\]\.colorscale\[2\] should come after position 0\.7 \(positions ascend\), got 0\.5$/],
    ['a colour stop past 1', (p: FeatureMapPayload) => (p.panels[0]!.colorscale = [[0, '#000000'], [1.5, '#ffffff']]), /^payload\.panels\[0\]\.colorscale\[1\] should be a \[position, '#rrggbb'\] pair with the position in \[0, 1\], got an array of 2$/],
  ])('%s', (_, spoil, message) => {
    const hostile = convPayload();
    accepted(hostile);
    spoil(hostile);
    expect(refusal(hostile)).toMatch(message);
  });

  describe('downsampled maps: the factor, the drawn size and the block ranges must agree', () => {
    /** A 5×6 map drawn at 3×3 (factor 2), with block ranges in `encoding`. */
    const downsampled = (overrides: Partial<Downsampling> = {}): FeatureMapPayload => {
      const values = [1, 2, 3, 4, 5, 6, 7, 8, 9];
      const u8 = Buffer.from(Uint8Array.from(values)).toString('base64');
      const range = { encoding: 'u8-base64' as const, data: u8, min: 0, max: 9 };
      const map = { label: 'channel 0', height: 3, width: 3, encoding: 'f32-base64' as const, data: f32(values), min: 1, max: 9 };
      return payload([panel({ shape: [1, 1, 5, 6], maps: [{ ...map, downsampled: { factor: 2, sourceHeight: 5, sourceWidth: 6, low: range, high: range, ...overrides } }] })]);
    };
    const path = 'payload.panels[0].maps[0].downsampled';
    it('passes when they agree', () => accepted(downsampled()));
    it.each([
      ['factor 1', { factor: 1 }, `${path}.factor should be an integer ≥ 2, got number 1`],
      ['a factor that does not give the drawn size', { factor: 3 }, `${path} should shrink 5×6 by 3 to the drawn 3×3, got ceil(5 / 3)×ceil(6 / 3) = 2×2`],
      ['a source size that is not the shape', { sourceHeight: 6 }, "payload.panels[0].maps[0] should be 5×6, the last two axes of the panel's shape [1,1,5,6], got 6×6 (before downsampling)"],
      ['block lows with too few values', { low: { encoding: 'f32-base64', data: f32([1, 2]), min: 1, max: 2 } }, `${path}.low.data should hold 3×3 f32-base64 values (36 bytes), got 8 bytes`],
      ['block highs with an infinite max', { high: { encoding: 'u8-base64', data: 'AAAAAAAAAAAA', min: 0, max: Infinity } }, `${path}.high.max should be a finite number, got number Infinity`],
    ] as [string, Partial<Downsampling>, string][])('refuses %s', (_, overrides, message) => {
      expect(refusal(downsampled(overrides))).toBe(message);
    });
    it('refuses a window over downsampled maps (their cells are blocks, not what the window slides over)', () => {
      const hostile = convPayload();
      const map = hostile.panels[0]!.maps[0]!;
      hostile.panels[0]!.maps = hostile.panels[0]!.maps.map((m) => ({ ...m, downsampled: { factor: 2, sourceHeight: 4, sourceWidth: 4, low: m, high: m } }));
      hostile.panels[0]!.maps.forEach((m) => Object.assign(m, { height: 2, width: 2, data: f32([0, 1, 2, 3]) }));
      hostile.panels[0]!.maps.forEach((m) => Object.assign(m.downsampled!, { low: { ...map, data: f32([0, 1, 2, 3]) }, high: { ...map, data: f32([0, 1, 2, 3]) } }));
      expect(refusal(hostile)).toBe('payload.window should be left out when the input maps are downsampled');
    });
  });

  it.each([
    '<a href="https://example.com/">click</a>',
    '<span style="background-image:url(https://example.com/beacon)">x</span>',
    'value %{z} at %{x}',
  ])('passes %j as plain text, unchanged (the view draws strings with textContent)', (text) => {
    const value = convPayload();
    value.panels[0]!.title = text;
    value.panels[0]!.maps[0]!.label = text;
    value.notes = [text];
    const checked = validateFeatureMap(value);
    if (!checked.ok) throw new Error(checked.error);
    expect([checked.value.panels[0]!.title, checked.value.panels[0]!.maps[0]!.label, checked.value.notes[0]]).toEqual([text, text, text]);
  });
});

describe('windowOutputSizes: the sizes a window allows, as its doc comment says', () => {
  it('floor mode, ceil mode, the last-window rule and a kernel that does not fit', () => {
    expect(windowOutputSizes(7, 2, 2, 1, [0, 0])).toEqual([3, 4]);
    expect(windowOutputSizes(5, 2, 2, 1, [1, 1])).toEqual([3]);
    expect(windowOutputSizes(4, 5, 1, 1, [0, 0])).toEqual([]);
    // kernel/docs/semantics.md §5.1: 6×7, k1, s2, ceil → 3×4; L6, k3, s2 floor → 2.
    expect([windowOutputSizes(6, 1, 2, 1, [0, 0]), windowOutputSizes(7, 1, 2, 1, [0, 0])]).toEqual([[3], [4]]);
    expect(windowOutputSizes(6, 3, 2, 1, [0, 0])).toEqual([2, 3]);
  });
});

describe('validateShapeTrace bounds the rows and every string in them', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, index) => traceRow({ index }));
  it('a 20,000-row trace passes (the widget draws it in pages); 100,001 rows are refused', () => {
    expect(validateShapeTrace(tracePayload(rows(20_000))).ok).toBe(true);
    const checked = validateShapeTrace(tracePayload(rows(PAYLOAD_LIMITS.traceRows + 1)));
    expect(checked.ok ? '' : checked.error).toBe('payload.rows should have at most 100000 entries, got 100001');
  });
  it.each([
    ['a long op', { op: 'o'.repeat(65) }, 'payload.rows[0].op should be at most 64 characters, got 65'],
    ['a long name', { name: 'n'.repeat(201) }, 'payload.rows[0].name should be at most 200 characters, got 201'],
    ['a long formula', { formula: ['f'.repeat(1001)] }, 'payload.rows[0].formula[0] should be at most 1000 characters, got 1001'],
    ['a long error', { error: 'e'.repeat(4001) }, 'payload.rows[0].error should be at most 4000 characters, got 4001'],
    ['a shape of nine axes', { inShape: [1, 1, 1, 1, 1, 1, 1, 1, 1] }, 'payload.rows[0].inShape should have at most 8 entries, got 9'],
    ['an infinite receptive field', { receptiveField: [Infinity, 3] }, 'payload.rows[0].receptiveField[0] should be a finite number, got number Infinity'],
  ] as [string, Partial<ShapeTraceRow>, string][])('refuses %s', (_, overrides, message) => {
    const checked = validateShapeTrace(tracePayload([traceRow(overrides)]));
    expect(checked.ok ? '' : checked.error).toBe(message);
  });
  it('passes markup in a layer name as plain text', () => {
    const name = '<img src=x onerror=alert(1)> %{z}';
    const checked = validateShapeTrace(tracePayload([traceRow({ name })]));
    expect(checked.ok && checked.value.rows[0]!.name).toBe(name);
  });
});

describe('a 1-D window is named by its length', () => {
  it('refuses padding that does not fit a conv1d, in words for one axis', () => {
    const sent = tensorBundle(conv1d(randn([1, 1, 9], { seed: 3 }), randn([1, 1, 3], { seed: 4 }), { padding: 1 })).data[FEATURE_MAP_MIME];
    const hostile = structuredClone(sent) as FeatureMapPayload;
    hostile.window!.padding = [[5000, 5000]];
    const checked = validateFeatureMap(hostile);
    expect(checked.ok ? '' : checked.error).toBe(
      'payload.window.padding[0] = [5000, 5000] does not fit the length-9 input and its length-9 output: kernel 3, stride 1, dilation 1 ' +
        'give an output length of floor((9 + 5000 + 5000 − 3) / 1) + 1 = 10007, not 9; hint: the window should be the one of the op that made the output',
    );
  });
});
