/**
 * The sender: `display(obj)` turns a value into a bundle and hands it to the sink the kernel installed.
 * Outside a kernel (scripts, tests) the sink prints the `text/plain` part.
 */
import { randomUUID } from 'crypto';
import { inspect } from 'util';
import { JUPYTER_DISPLAY, type Displayable, type MimeBundle } from './protocol';

/** A bundle on its way out, with Jupyter's transient part (the display id an update refers to). */
export type OutgoingBundle = MimeBundle & { transient: { display_id?: string } };

/** Where outputs go; the kernel launcher installs one that sends `display_data`, `update_display_data` and
 * `clear_output`. */
export interface DisplaySink {
  send(bundle: OutgoingBundle, update: boolean): void;
  clear(wait: boolean): void;
}

/** Outside a kernel (scripts, tests): print the text part; clearing does nothing. */
let sink: DisplaySink = {
  send: (bundle) => console.log(String(bundle.data['text/plain'] ?? '')),
  clear: () => undefined,
};

/** Installs where outputs go; returns the previous sink. */
export function setDisplaySink(next: DisplaySink): DisplaySink {
  const previous = sink;
  sink = next;
  return previous;
}

/**
 * Clears the running cell's output; with `wait`, only when the next output arrives (no flicker when
 * redrawing in a loop).
 *
 * @example
 * for (let epoch = 0; epoch < 3; epoch++) { clearOutput({ wait: true }); display(`epoch ${epoch}`); }
 */
export function clearOutput(options: { wait?: boolean } = {}): void {
  sink.clear(options.wait === true);
}

/** True when `value` implements the display protocol. */
export function isDisplayable(value: unknown): value is Displayable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Displayable>)[JUPYTER_DISPLAY] === 'function'
  );
}

/**
 * The bundle for any value: its own bundle if it has one, else `text/plain` — a string as it is, anything
 * else as Node prints it (`util.inspect`, as `console.log` would).
 *
 * @example
 * formatValue(6 * 7).data; // { 'text/plain': '42' }
 */
export function formatValue(value: unknown): MimeBundle {
  if (isDisplayable(value)) return value[JUPYTER_DISPLAY]();
  const text = typeof value === 'string' ? value : inspect(value);
  return { data: { 'text/plain': text }, metadata: {} };
}

/** Options of `display`. */
export interface DisplayOptions {
  /**
   * Names the output so a later `display(…, { displayId, update: true })` (or the returned handle's
   * `update`) replaces it in place.
   */
  displayId?: string;
  /** Replace the output named `displayId` instead of adding a new one (`update_display_data`). */
  update?: boolean;
}

/** A shown output that can be replaced in place, e.g. to animate a training loop. */
export class DisplayHandle {
  constructor(readonly displayId: string) {}

  /** Replaces the output with `value`'s bundle (every output with this display id, in every cell). */
  update(value: unknown): void {
    sink.send({ ...formatValue(value), transient: { display_id: this.displayId } }, true);
  }

  /** The handle at the end of a cell prints as its id, not as a feature map. (`util.inspect.custom` is this
   *  registered symbol; spelled out so the library also loads where `util` is absent, as in a browser.) */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `DisplayHandle(${JSON.stringify(this.displayId)})`;
  }
}

/**
 * Shows a value in the output: a tensor as its feature map, anything else as text. Given options, returns a
 * handle whose `update(value)` replaces that output in place (without options it returns nothing, so a cell
 * ending in `display(y)` shows the map once, not also a handle).
 *
 * @example
 * display(conv2d(x, w)); // input | kernel | output heatmaps
 * const h = display('epoch 1', { displayId: 'progress' });
 * h.update('epoch 2'); // the same output now reads "epoch 2"
 */
export function display(value: unknown): void;
export function display(value: unknown, options: DisplayOptions): DisplayHandle;
export function display(value: unknown, options?: DisplayOptions): DisplayHandle | void {
  const handle = new DisplayHandle(options?.displayId ?? randomUUID());
  if (options?.update) handle.update(value);
  else sink.send({ ...formatValue(value), transient: { display_id: handle.displayId } }, false);
  return options ? handle : undefined;
}
