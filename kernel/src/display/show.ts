/**
 * `show(input, kernel, output)`: any tensors side by side as one feature map — e.g. an input, a kernel you
 * wrote by hand and the output you computed some other way — with the same panels, scales and fallbacks as a
 * tensor's own display.
 */
import { PAYLOAD_LIMITS } from '@convlab/protocol';
import { fail } from '../errors';
import { Tensor } from '../tensor';
import { featureMapBundle, shownWindow, tensorText } from './bundle';
import { JUPYTER_DISPLAY, type MimeBundle } from './protocol';
import { display } from './display';
import { panelOf, type PanelValues } from './panels';

/** The tensors to put side by side; at least one. */
export interface ShowParts {
  /** e.g. `[1, 3, 28, 28]` (NCHW): one map per channel of batch item 0. */
  input?: Tensor;
  /** e.g. `[8, 3, 3, 3]` (OIHW): one map per (out, in) pair. */
  kernel?: Tensor;
  /** e.g. `[1, 8, 26, 26]`. */
  output?: Tensor;
  /** Said in `text/plain` and as the payload's op, e.g. `'edge detector'`. Default `'show'`. */
  title?: string;
}

/**
 * The bundle `show` displays: a feature map with one panel per given tensor, in the order input, kernel,
 * output. When `output` was made by an op from exactly this input and kernel, the op's window comes along,
 * so the extension can highlight which inputs made an output cell.
 *
 * @example
 * Object.keys(showBundle({ input: x, kernel: w, output: conv2d(x, w) }).data);
 * // ['application/vnd.convlab.featuremap.v1+json', 'text/html', 'image/png', 'text/plain']
 */
export function showBundle(parts: ShowParts): MimeBundle {
  const given = (['input', 'kernel', 'output'] as const).filter((role) => parts[role] !== undefined);
  for (const role of given) {
    if (!(parts[role] instanceof Tensor)) {
      fail({ op: 'show', arg: role, expected: 'a Tensor', actual: typeof parts[role], hint: 'make one with tensor([...])' });
    }
  }
  if (given.length === 0) {
    fail({
      op: 'show',
      arg: 'parts',
      expected: 'at least one of input, kernel, output',
      actual: 'none',
      hint: 'show(x, w, conv2d(x, w)) or show({ input: x, output: y })',
    });
  }
  // The title is sent as the payload's op, which the extension bounds (PAYLOAD_LIMITS.title): refuse it here, by name.
  if (parts.title !== undefined && (typeof parts.title !== 'string' || parts.title.length > PAYLOAD_LIMITS.title)) {
    fail({
      op: 'show',
      arg: 'title',
      expected: `a string of at most ${PAYLOAD_LIMITS.title} characters`,
      actual: typeof parts.title === 'string' ? `${parts.title.length} characters` : typeof parts.title,
      hint: 'put longer text in a markdown cell or console.log it',
    });
  }
  const cut = given.map((role) => panelOf(parts[role]!, role));
  const panels: PanelValues[] = cut.map((c) => c.panel);
  const made = parts.output?.provenance;
  const sameOp = made !== undefined && made.input === parts.input && made.weight === parts.kernel;
  const title = parts.title ?? 'show';
  const text = [title + ': ' + panels.map((p) => p.title).join(' | '), ...given.map((role) => `${role}: ${tensorText(parts[role]!)}`)].join('\n');
  return featureMapBundle(
    panels,
    { op: parts.title ?? made?.op ?? 'show', backend: made?.backend ?? 'cpu', window: sameOp ? shownWindow(made) : undefined },
    cut.flatMap((c) => c.notes),
    text,
  );
}

/**
 * Displays tensors side by side: input | kernel | output.
 *
 * @example
 * show(x, w, conv2d(x, w));                 // three panels
 * show({ input: x, output: maxPool2d(x) }); // two panels, no kernel
 */
export function show(input: Tensor, kernel?: Tensor, output?: Tensor): void;
export function show(parts: ShowParts): void;
export function show(first: Tensor | ShowParts, kernel?: Tensor, output?: Tensor): void {
  const parts: ShowParts = first instanceof Tensor ? { input: first, kernel, output } : first;
  const bundle = showBundle(parts);
  display({ [JUPYTER_DISPLAY]: () => bundle });
}
