/**
 * The display protocol (Deno's, which ConvLab follows): any value with a `[Symbol.for('Jupyter.display')]()`
 * method is shown as the MIME bundle it returns. Tensors and shape traces implement it; so can user objects.
 * The method may also return Deno's bare MIME map (`{ 'text/plain': '…' }`); `formatValue` (display.ts) checks
 * every result and fails the cell with a readable error when it is not a valid bundle.
 */

/** The key of the display protocol: `obj[JUPYTER_DISPLAY]()` returns a {@link MimeBundle}. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display');

/** A Jupyter MIME bundle: what `display_data` and `execute_result` carry. */
export interface MimeBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** Something that knows how to show itself. */
export interface Displayable {
  [JUPYTER_DISPLAY](): MimeBundle;
}
