/**
 * The code the palette commands (./commands.ts) write into cells. Pure, so it is unit-tested without a notebook
 * (test/unit/extension/plugin-code.test.ts) and the traced code can be run by the real kernel in tests.
 */

/** The example `convlab:insert-example` inserts: a conv whose feature maps and shapes the reader can look at. */
export const EXAMPLE_CODE = [
  '// A 6×6 ramp, NCHW [batch 1, channels 1, 6, 6], and a 3×3 vertical-edge kernel, OIHW [out 1, in 1, 3, 3].',
  'const x = arange(36).reshape([1, 1, 6, 6]);',
  'const w = tensor([[[[1, 0, -1], [1, 0, -1], [1, 0, -1]]]]);',
  "// Padding 1 keeps 6×6; the output's hover shows each cell's window and its computation.",
  'conv2d(x, w, { padding: 1 })',
].join('\n');

/**
 * `code` wrapped in `recordShapes`, so running it shows the shape trace of the ops it calls. The code is not
 * re-indented (a multi-line template literal would change); its variables are the block's own.
 *
 * @example traceCode('const y = conv2d(x, w);\n') // 'recordShapes(() => {\nconst y = conv2d(x, w);\n})'
 */
export function traceCode(code: string): string {
  return `recordShapes(() => {\n${code.replace(/\s+$/, '')}\n})`;
}

/**
 * The text `convlab:trace-selection` traces: the selection, or the whole source when nothing is selected.
 *
 * @example codeToTrace('a\nb\nc', 2, 3) // 'b'
 * @example codeToTrace('a\nb', 1, 1) // 'a\nb'
 */
export function codeToTrace(source: string, start: number, end: number): string {
  const [from, to] = [Math.min(start, end), Math.max(start, end)];
  const selected = source.slice(from, to);
  return selected.trim() ? selected : source;
}
