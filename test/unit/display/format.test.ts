/** The sender (`display`, handles, `clearOutput`, `show`) against a recording sink, and the kernel's pure
 * message formatters (`errorContent`, `isComplete`), without starting Jupyter. */
import { afterEach, describe, expect, it } from 'vitest';
import { inspect } from 'util';
import { clearOutput, ConvLabError, display, show, tensor } from '../../../kernel/src/index';
import { validateFeatureMap } from '@convlab/protocol';
import { formatValue, setDisplaySink, type DisplaySink, type OutgoingBundle } from '../../../kernel/src/display/display';
import { errorContent, expandShorthand, globMatch, isComplete } from '../../../kernel/src/host';

type Sent = { bundle: OutgoingBundle; update: boolean } | { clear: boolean };

function record(): Sent[] {
  const sent: Sent[] = [];
  const previous = setDisplaySink({ send: (bundle, update) => sent.push({ bundle, update }), clear: (wait) => sent.push({ clear: wait }) });
  restore = previous;
  return sent;
}
let restore: DisplaySink | undefined;
afterEach(() => {
  if (restore) setDisplaySink(restore);
});

const plain = (s: Sent): unknown => ('bundle' in s ? s.bundle.data['text/plain'] : undefined);
const id = (s: Sent): unknown => ('bundle' in s ? s.bundle.transient.display_id : undefined);

describe('formatValue', () => {
  it('prints values as Node does, strings quoted as the REPL shows them', () => {
    expect(formatValue(6 * 7).data).toEqual({ 'text/plain': '42' });
    expect(formatValue('convlab').data).toEqual({ 'text/plain': "'convlab'" });
    expect(formatValue(new Map([['a', 1]])).data).toEqual({ 'text/plain': "Map(1) { 'a' => 1 }" });
  });

  it('quotes a string last value the way util.inspect writes it, so "6" and 6 differ', () => {
    const plainText = (value: unknown): unknown => formatValue(value).data['text/plain'];
    expect(plainText('a' + 'b')).toBe("'ab'");
    expect(plainText('6')).toBe("'6'");
    expect(plainText(6)).toBe('6');
    expect(plainText('')).toBe("''");
    expect(plainText("it's")).toBe('"it\'s"');
    expect(plainText(`it's "q"`)).toBe('`it\'s "q"`');
    expect(plainText(`it's "q" \`b\``)).toBe(`'it\\'s "q" \`b\`'`);
    expect(plainText('tab\there')).toBe("'tab\\there'");
    expect(plainText('a\nb')).toBe("'a\\nb'");
    expect(plainText('bell\u0007')).toBe("'bell\\x07'");
    expect(plainText('héllo ✓ 😀')).toBe("'héllo ✓ 😀'");
    // Long multi-line strings break after each newline, as Node's REPL prints them.
    const long = 'line one of the text\nline two of the text that is long enough to pass eighty characters\nend';
    expect(plainText(long)).toBe("'line one of the text\\n' +\n  'line two of the text that is long enough to pass eighty characters\\n' +\n  'end'");
  });

  it('keeps the text of other values: undefined, arrays, objects, a tensor and an array of tensors', () => {
    const plainText = (value: unknown): unknown => formatValue(value).data['text/plain'];
    expect(plainText(undefined)).toBe('undefined');
    expect(plainText([1, 'a'])).toBe("[ 1, 'a' ]");
    expect(plainText({ a: 'x' })).toBe("{ a: 'x' }");
    expect(Object.keys(formatValue(tensor([[1, 2]])).data)).toContain('application/vnd.convlab.featuremap.v1+json');
    const tensors = [tensor([1]), tensor([2])];
    expect(plainText(tensors)).toBe(inspect(tensors));
  });
});

describe('display', () => {
  it('returns nothing without options, and a handle that updates in place with them', () => {
    const sent = record();
    expect(display('once')).toBeUndefined();
    const handle = display('epoch 1', { displayId: 'progress' });
    handle.update('epoch 2');
    display('epoch 3', { displayId: 'progress', update: true });
    expect(sent.map((s) => ('bundle' in s ? s.update : 'clear'))).toEqual([false, false, true, true]);
    // A string shows quoted, as IPython's display('once') does.
    expect(sent.map(plain)).toEqual(["'once'", "'epoch 1'", "'epoch 2'", "'epoch 3'"]);
    expect(sent.slice(1).map(id)).toEqual(['progress', 'progress', 'progress']);
    expect(handle.displayId).toBe('progress');
  });

  it('clears output, waiting for the next one when asked', () => {
    const sent = record();
    clearOutput();
    clearOutput({ wait: true });
    expect(sent).toEqual([{ clear: false }, { clear: true }]);
  });

  it('show sends one feature map with a panel per tensor', () => {
    const sent = record();
    show(tensor([[1, 2], [3, 4]]), tensor([[1]]));
    expect(sent).toHaveLength(1);
    const data = (sent[0] as { bundle: OutgoingBundle }).bundle.data;
    expect((data['application/vnd.convlab.featuremap.v1+json'] as { panels: { role: string }[] }).panels.map((p) => p.role)).toEqual(['input', 'kernel']);
  });

  it('show refuses a title the extension would refuse as the payload op, by name, and sends one at the limit', () => {
    const sent = record();
    const x = tensor([[1, 2], [3, 4]]);
    expect(() => show({ input: x, title: 't'.repeat(201) })).toThrow(
      /show: title expected a string of at most 200 characters, got 201 characters/,
    );
    expect(sent).toHaveLength(0);
    show({ input: x, title: 't'.repeat(200) });
    const payload = (sent[0] as { bundle: OutgoingBundle }).bundle.data['application/vnd.convlab.featuremap.v1+json'];
    expect(validateFeatureMap(payload).ok).toBe(true);
  });
});

describe('errorContent', () => {
  it('reports a type error with its line and column, and points at it under the quoted line', () => {
    const code = 'const ok = 1;\nconst n: number = "seven";';
    const error = errorContent(code, {
      diagnostics: [{ file: '', line: 2, column: 7, text: "Type 'string' is not assignable to type 'number'." }],
      exception: undefined,
    });
    expect(error.ename).toBe('TSError');
    expect(error.evalue).toBe("line 2, column 7: Type 'string' is not assignable to type 'number'.");
    const lines = error.traceback.map((line) => line.replace(/\u001b\[[0-9;]*m/g, ''));
    expect(lines).toEqual([
      "TSError at line 2, column 7: Type 'string' is not assignable to type 'number'.",
      '  2 | const n: number = "seven";',
      '            ^',
    ]);
    expect(lines[2]!.indexOf('^')).toBe(lines[1]!.indexOf('n: number'));
  });

  it('counts further diagnostics in evalue', () => {
    const d = { file: '', line: 1, column: 1, text: "Cannot find name 'a'." };
    expect(errorContent('a + b', { diagnostics: [d, { ...d, column: 5 }], exception: undefined }).evalue).toBe(
      "line 1, column 1: Cannot find name 'a'. (and 1 more)",
    );
  });

  it('reports a ConvLabError by name and message, without internal frames unless CONVLAB_TRACEBACK=full', () => {
    const thrown = new ConvLabError({ op: 'conv2d', arg: 'weight', expected: '4 input channels', actual: '3', hint: 'check OIHW' });
    thrown.stack = `${thrown.message}\n    at conv2d (/x/kernel/dist/ops/conv.js:1:1)\n    at evalmachine.<anonymous>:3:9\n    at Object.execute (/x/node_modules/tslab/dist/executor.js:1:1)\n    at node:internal/vm:1:1`;
    const error = errorContent('conv2d(x, w)', { diagnostics: [], exception: { value: thrown } });
    expect(error.ename).toBe('ConvLabError');
    expect(error.evalue).toBe('conv2d: weight expected 4 input channels, got 3; hint: check OIHW');
    expect(error.traceback.slice(1)).toEqual([]);
    process.env['CONVLAB_TRACEBACK'] = 'full';
    try {
      expect(errorContent('', { diagnostics: [], exception: { value: thrown } }).traceback).toHaveLength(5);
    } finally {
      delete process.env['CONVLAB_TRACEBACK'];
    }
  });

  it('never throws, and always gives string ename and evalue, whatever was thrown', () => {
    const trap = (): never => {
      throw new Error('trap');
    };
    const proxy = new Proxy({}, { get: trap, has: trap, getPrototypeOf: trap, ownKeys: trap, getOwnPropertyDescriptor: trap });
    const getter = new Error('x');
    Object.defineProperty(getter, 'stack', { get: trap });
    for (const [value, ename, evalue] of [
      [proxy, 'Error', undefined],
      [getter, 'Error', 'x'],
      [{ message: 5, name: {} }, 'Error', '5'],
      [{ message: { nested: true }, name: 'Odd' }, 'Odd', undefined],
      [Symbol('s'), 'Error', 'thrown: Symbol(s)'],
      [undefined, 'Error', 'thrown: undefined'],
    ] as const) {
      const error = errorContent('', { diagnostics: [], exception: { value } });
      expect(typeof error.ename).toBe('string');
      expect(typeof error.evalue).toBe('string');
      expect(error.ename).toBe(ename);
      if (evalue !== undefined) expect(error.evalue).toBe(evalue);
      expect(error.traceback.every((line) => typeof line === 'string')).toBe(true);
    }
    expect(errorContent('', { diagnostics: [], exception: { value: new Error('y'.repeat(1e6)) } }).evalue.length).toBeLessThan(5_000);
  });

  it('adds the hint a diagnostic explainer gives', () => {
    const d = { file: '', line: 1, column: 1, text: "'filters' does not exist in type 'Conv2dLayer'." };
    const error = errorContent('x', { diagnostics: [d], exception: undefined }, (text) => (text.includes('filters') ? "did you mean 'outChannels'?" : undefined));
    expect(error.evalue).toBe("line 1, column 1: 'filters' does not exist in type 'Conv2dLayer'. Hint: did you mean 'outChannels'?");
  });

  it('names an interrupt and a thrown non-error', () => {
    const interrupted = errorContent('', { diagnostics: [], exception: { value: new Error('Script execution was interrupted by `SIGINT`') } });
    expect(interrupted.ename).toBe('Interrupted');
    expect(errorContent('', { diagnostics: [], exception: { value: new Error('download interrupted') } }).ename).toBe('Error');
    expect(errorContent('', { diagnostics: [], exception: { value: 42 } })).toMatchObject({ ename: 'Error', evalue: 'thrown: 42' });
  });
});

describe('isComplete', () => {
  it('tells incomplete (with the next indent), invalid and complete', () => {
    expect(isComplete('function f() {')).toEqual({ status: 'incomplete', indent: '  ' });
    expect(isComplete('  if (x) {\n    f(')).toEqual({ status: 'incomplete', indent: '      ' });
    expect(isComplete('  if (x) {\n    f(a,')).toEqual({ status: 'incomplete', indent: '    ' });
    expect(isComplete('const a = 1;')).toEqual({ status: 'complete' });
    expect(isComplete('const = 1;')).toEqual({ status: 'invalid' });
    expect(isComplete(')')).toEqual({ status: 'invalid' });
    // Enter twice runs what is there.
    expect(isComplete('function f() {\n\n')).toEqual({ status: 'complete' });
  });

  it('stays linear on thousands of blank lines (tslab\'s own check takes seconds there)', () => {
    // Not a timing assertion: the old check did not return within vitest's timeout on this input.
    expect(isComplete(`${'\n'.repeat(50_000)}x`)).toEqual({ status: 'complete' });
    expect(isComplete(`${' \n'.repeat(50_000)}f(`)).toEqual({ status: 'incomplete', indent: '  ' });
  });
});

describe('globMatch', () => {
  it('matches history search patterns: * any run, ? one character, everything else literally', () => {
    expect(globMatch('conv*(x*', 'conv2d(x, w)')).toBe(true);
    expect(globMatch('conv?d*', 'conv2d(x, w)')).toBe(true);
    expect(globMatch('conv?d', 'conv2d(x, w)')).toBe(false);
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(globMatch('*', '')).toBe(true);
    expect(globMatch('6 *', '6 * 7')).toBe(true);
    expect(globMatch('a*b', 'a*xb')).toBe(true);
    expect(globMatch('', 'x')).toBe(false);
  });

  it('never backtracks exponentially, where a regular expression takes minutes', () => {
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*!', 'a'.repeat(100_000))).toBe(false);
  });
});

describe('expandShorthand', () => {
  it('spells out shorthand properties, in literals and destructurings, and nothing else', () => {
    expect(expandShorthand('f({ seed, n: 2 })').code).toBe('f({ seed: seed, n: 2 })');
    expect(expandShorthand('({ a = 1, b } = o);').code).toBe('({ a: a = 1, b: b } = o);');
    expect(expandShorthand('const { c } = o; const s = `{ d }`;').code).toBe('const { c } = o; const s = `{ d }`;');
  });

  it('maps a diagnostic position back to the code the user wrote', () => {
    const cell = 'const p = { seed, n };\nconst q = { seed }; const r: number = "x";';
    const run = expandShorthand(cell);
    const runLines = run.code.split('\n');
    // `r` in the run code → its column in the user's line 2.
    expect(run.locate(2, runLines[1]!.indexOf('r:') + 1)).toEqual({ line: 2, column: cell.split('\n')[1]!.indexOf('r:') + 1 });
    expect(run.locate(1, 1)).toEqual({ line: 1, column: 1 });
    // Inside an insertion: the end of the name it follows.
    expect(run.locate(1, runLines[0]!.indexOf(': seed') + 3)).toEqual({ line: 1, column: cell.indexOf('seed') + 5 });
  });
});
