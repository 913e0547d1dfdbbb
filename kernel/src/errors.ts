/**
 * One error type for the whole library, so every backend and every op fails with the same words.
 *
 * A message names the op, the argument, what was expected and what was given, the shapes involved and a hint:
 * `conv2d: weight expects 4 input channels but input has 3 (input [1,3,28,28], weight [8,4,3,3]); hint: …`
 */
import { formatShape } from '@convlab/protocol';

/** The parts of a ConvLab error message. */
export interface ErrorParts {
  /** The public op that failed, e.g. `'conv2d'`. */
  op: string;
  /** The argument at fault, e.g. `'weight'` or `'options.stride'`. */
  arg: string;
  /** What the op expected, in words, e.g. `'4 input channels'`. */
  expected: string;
  /** What it got, e.g. `'3'`. */
  actual: string;
  /** Shapes of the tensors involved, printed in the message. */
  shapes?: Readonly<Record<string, readonly number[]>>;
  /** How to fix it. */
  hint?: string;
}

/** Thrown by every ConvLab op on bad input; the fields are also available for programs. */
export class ConvLabError extends Error implements ErrorParts {
  override readonly name = 'ConvLabError';
  readonly op: string;
  readonly arg: string;
  readonly expected: string;
  readonly actual: string;
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  readonly hint: string | undefined;

  constructor(parts: ErrorParts) {
    super(formatError(parts));
    this.op = parts.op;
    this.arg = parts.arg;
    this.expected = parts.expected;
    this.actual = parts.actual;
    this.shapes = parts.shapes ?? {};
    this.hint = parts.hint;
  }
}

/** Formats a shape the way messages print it: `[1,3,28,28]` (the payloads' formatter, so both agree). */
export { formatShape };

function formatError({ op, arg, expected, actual, shapes, hint }: ErrorParts): string {
  const shapeText = Object.entries(shapes ?? {})
    .map(([name, shape]) => `${name} ${formatShape(shape)}`)
    .join(', ');
  return (
    `${op}: ${arg} expected ${expected}, got ${actual}` +
    (shapeText ? ` (${shapeText})` : '') +
    (hint ? `; hint: ${hint}` : '')
  );
}

/** Throws a {@link ConvLabError} built from `parts`. */
export function fail(parts: ErrorParts): never {
  throw new ConvLabError(parts);
}
