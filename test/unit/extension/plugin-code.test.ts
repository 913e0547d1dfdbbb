/**
 * The code the palette commands write (extension/src/plugin/code.ts), run by the kernel's own library: the
 * inserted example draws a conv, and the traced selection records its ops' shapes.
 */
import { describe, expect, it } from 'vitest';
import { codeToTrace, EXAMPLE_CODE, traceCode } from '../../../extension/src/plugin/code';
import * as prelude from '../../../kernel/src/index';

/**
 * Runs notebook code (plain JavaScript here) with the prelude's names in scope, returning the value of its last
 * statement, which starts on the last line (the example's) or on the first (a traced block, one expression).
 */
function run(code: string): unknown {
  const names = Object.keys(prelude).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
  const lines = code.trimEnd().split('\n');
  const body = code.startsWith('recordShapes(') ? `return ${code}` : [...lines.slice(0, -1), `return ${lines.at(-1)}`].join('\n');
  return new Function(...names, body)(...names.map((n) => (prelude as Record<string, unknown>)[n]));
}

describe('the inserted example', () => {
  it('runs in the kernel and ends in a conv whose output keeps 6×6 (padding 1)', () => {
    const y = run(EXAMPLE_CODE) as prelude.Tensor;
    expect(y.shape).toEqual([1, 1, 6, 6]);
    // The vertical-edge kernel on a ramp rising 1 per column: left − right = −2 on each of 3 rows, inside.
    expect(Array.from(y.data).slice(7, 11)).toEqual([-6, -6, -6, -6]);
  });
});

describe('traceCode', () => {
  it('wraps the code in recordShapes so running it records the conv', () => {
    const code = 'const a = ones([1, 2, 8, 8]);\nconst b = conv2d(a, ones([4, 2, 3, 3]), { stride: 2 });\n';
    const trace = run(traceCode(code)) as prelude.ShapeTrace;
    expect(trace.rows.map((r) => [r.op, r.outShape])).toEqual([['conv2d', [1, 4, 3, 3]]]);
  });

  it('keeps the code as written (a template literal spanning lines is not re-indented)', () => {
    expect(traceCode('const s = `a\nb`;\n\n')).toBe('recordShapes(() => {\nconst s = `a\nb`;\n})');
  });

  it('ends the block on its own line, so a trailing line comment does not swallow it', () => {
    const trace = run(traceCode('conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3])) // last')) as prelude.ShapeTrace;
    expect(trace.rows).toHaveLength(1);
  });
});

describe('codeToTrace', () => {
  it('is the selection, in either direction', () => {
    expect(codeToTrace('a\nb\nc', 2, 3)).toBe('b');
    expect(codeToTrace('a\nb\nc', 3, 2)).toBe('b');
  });

  it('is the whole cell when nothing (or only blanks) is selected', () => {
    expect(codeToTrace('a\nb', 1, 1)).toBe('a\nb');
    expect(codeToTrace('a\n \nb', 1, 3)).toBe('a\n \nb');
  });
});
