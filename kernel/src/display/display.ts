/**
 * The sender: `display(obj)` turns a value into a bundle and hands it to the sink the kernel installed.
 * Outside a kernel (scripts, tests) the sink prints the `text/plain` part.
 */
import { JUPYTER_DISPLAY } from '../tensor';
import type { MimeBundle } from './bundle';

/** Something that knows how to show itself: Deno's and ConvLab's display protocol. */
export interface Displayable {
  [JUPYTER_DISPLAY](): MimeBundle;
}

/** Receives bundles; the kernel launcher installs one that sends `display_data`. */
export type DisplaySink = (bundle: MimeBundle & { transient: { display_id?: string } }, update: boolean) => void;

let sink: DisplaySink = (bundle) => console.log(String(bundle.data['text/plain'] ?? ''));

/** Installs where bundles go; returns the previous sink. */
export function setDisplaySink(next: DisplaySink): DisplaySink {
  const previous = sink;
  sink = next;
  return previous;
}

/** True when `value` implements the display protocol. */
export function isDisplayable(value: unknown): value is Displayable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Displayable>)[JUPYTER_DISPLAY] === 'function'
  );
}

/** The bundle for any value: its own bundle if it has one, else `text/plain`. */
export function formatValue(value: unknown): MimeBundle {
  if (isDisplayable(value)) return value[JUPYTER_DISPLAY]();
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2) ?? String(value);
  return { data: { 'text/plain': text }, metadata: {} };
}

/**
 * Shows a value in the output: a tensor as its feature map, anything else as text.
 *
 * @example
 * display(conv2d(x, w)); // input | kernel | output heatmaps
 */
export function display(value: unknown): void {
  sink({ ...formatValue(value), transient: {} }, false);
}
