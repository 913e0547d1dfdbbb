/**
 * The one check every output passes (`formatValue`, which a cell's last value, `display`, handle updates and
 * `show` go through): what a `Symbol.for('Jupyter.display')` method returns becomes a valid MIME bundle or a
 * readable ConvLabError, never an output JupyterLab rejects and shows blank.
 */
import { describe, expect, it } from 'vitest';
import { display, JUPYTER_DISPLAY, show, tensor, traceShapes } from '../../../kernel/src/index';
import {
  formatValue,
  setDisplaySink,
  validateBundle,
  type DisplaySink,
  type OutgoingBundle,
} from '../../../kernel/src/display/display';
import { errorOf } from '../support/helpers';

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
