/**
 * The sender: `display(obj)` turns a value into a bundle and hands it to the sink the kernel installed.
 * Outside a kernel (scripts, tests) the sink prints the `text/plain` part.
 */
import { randomUUID } from 'crypto';
import { inspect } from 'util';
import { fail } from '../errors';
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

/**
 * The bundle for any value, and the one place every output passes through (a cell's last value, `display`,
 * handle updates, `show`): a displayable's own bundle, checked by {@link validateBundle}; else `text/plain` as
 * Node's REPL prints it (`util.inspect`), so a string shows quoted, as Node, tslab, Deno and IPython show it
 * (`'6'` and `6` look different). `console.log` is untouched and prints strings bare.
 *
 * @example
 * formatValue(6 * 7).data;     // { 'text/plain': '42' }
 * formatValue('a' + 'b').data; // { 'text/plain': "'ab'" }
 */
export function formatValue(value: unknown): MimeBundle {
  const method = displayMethod(value);
  if (method === undefined) return { data: { 'text/plain': inspect(value) }, metadata: {} };
  let result: unknown;
  try {
    result = method.call(value);
  } catch (error) {
    badBundle(`an exception: ${describeError(error)}`, 'the display method threw; fix it, or remove it to print the value as text');
  }
  return validateBundle(result);
}

/** The display method of `value`, or undefined: also when reading it throws (a Proxy whose `get` trap throws is
 * then printed as text, as Node's REPL prints it, rather than failing the cell). */
function displayMethod(value: unknown): (() => unknown) | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    const method: unknown = (value as Partial<Displayable>)[JUPYTER_DISPLAY];
    return typeof method === 'function' ? (method as () => unknown) : undefined;
  } catch {
    return undefined;
  }
}

const BUNDLE_ARG = "Symbol.for('Jupyter.display')() result";
const BUNDLE_EXPECTED = "a MIME bundle object such as { 'text/plain': '…' }";
const BUNDLE_HINT =
  "return { 'text/plain': '…' } (or { data, metadata }); text and image types take a string, application/json " +
  'and application/…+json types a JSON object';

/** A MIME type as `type/subtype` (RFC 6838's characters), e.g. `text/plain`, `application/vnd.x.v1+json`. */
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

/** JupyterLab's rule: these types hold a JSON object (no string, array or number); every other type a string. */
function isJsonType(type: string): boolean {
  return type === 'application/json' || /^application\/.+\+json$/i.test(type);
}

function badBundle(actual: string, hint: string = BUNDLE_HINT): never {
  fail({ op: 'display', arg: BUNDLE_ARG, expected: BUNDLE_EXPECTED, actual, hint });
}

/**
 * Checks what a `Symbol.for('Jupyter.display')` method returned and returns it as a {@link MimeBundle}, or
 * throws a ConvLabError that says what is wrong (instead of an output JupyterLab rejects and shows blank).
 * Accepted: `{ data, metadata? }` (ConvLab's `MimeBundle`), or the MIME map alone (Deno's form, metadata `{}`).
 * `data` needs at least one entry; keys are `type/subtype`; `application/json` and `application/…+json` values
 * are JSON objects, every other value a string; `metadata` is a JSON object. A valid bundle passes unchanged.
 *
 * @example
 * validateBundle({ 'text/plain': 'hi' });            // { data: { 'text/plain': 'hi' }, metadata: {} }
 * validateBundle(42);                                // throws: display: Symbol.for('Jupyter.display')() result expected a MIME bundle object such as { 'text/plain': '…' }, got 42; hint: …
 * validateBundle({ data: { 'text/plain': 5 } });     // throws: … got { data: { 'text/plain': 5 } } ('text/plain' holds 5, not a string); …
 */
export function validateBundle(result: unknown): MimeBundle {
  // Reading a Proxy or a getter may throw: any such throw becomes the same error, naming what threw.
  let problem: string | undefined;
  let bundle: MimeBundle | undefined;
  try {
    [bundle, problem] = checkBundle(result);
  } catch (error) {
    problem = `reading it threw ${describeError(error)}`;
  }
  if (bundle === undefined) badBundle(`${describeValue(result)}${problem ? ` (${problem})` : ''}`);
  return bundle;
}

/** The bundle, or the reason it is not one. May throw where reading `result` throws. */
function checkBundle(result: unknown): [MimeBundle, undefined] | [undefined, string | undefined] {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return [undefined, undefined];
  const keys = Object.keys(result);
  const wrapped = keys.includes('data');
  const fields = result as Record<string, unknown>;
  if (wrapped) {
    const extra = keys.filter((key) => key !== 'data' && key !== 'metadata');
    if (extra.length > 0) return [undefined, `unexpected key ${quoteKey(extra[0]!)} next to data; only data and metadata`];
  }
  const data = wrapped ? fields['data'] : result;
  const metadata = wrapped && fields['metadata'] !== undefined ? fields['metadata'] : {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [undefined, 'data is not an object'];
  const entries = Object.keys(data);
  if (entries.length === 0) return [undefined, 'no MIME entries'];
  for (const type of entries) {
    if (!MIME_TYPE.test(type)) return [undefined, `${quoteKey(type)} is not a MIME type like 'text/plain'`];
    const value = (data as Record<string, unknown>)[type];
    if (isJsonType(type)) {
      const why = jsonObjectProblem(value);
      if (why) return [undefined, `${quoteKey(type)} ${why}`];
    } else if (typeof value !== 'string') {
      return [undefined, `${quoteKey(type)} holds ${describeValue(value, 30)}, not a string`];
    }
  }
  const why = jsonObjectProblem(metadata);
  if (why) return [undefined, `metadata ${why}`];
  return [{ data: data as Record<string, unknown>, metadata: metadata as Record<string, unknown> }, undefined];
}

/** Why `value` is not a JSON object (what goes on the wire), or undefined. */
function jsonObjectProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `holds ${describeValue(value, 30)}, not a JSON object`;
  }
  try {
    JSON.stringify(value);
  } catch (error) {
    return `is not JSON (${describeError(error)})`;
  }
  return undefined;
}

/** Longest description an error message quotes of a value. */
const DESCRIBE_LIMIT = 80;

function bound(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** A short description of any value that never throws: no user code runs (no custom inspect, no getters, and
 * `util.inspect` shows a Proxy's target without calling its traps). */
function describeValue(value: unknown, limit: number = DESCRIBE_LIMIT): string {
  try {
    const text = inspect(value, {
      depth: 1,
      breakLength: Infinity,
      maxArrayLength: 4,
      maxStringLength: limit,
      customInspect: false,
      getters: false,
    });
    return bound(text, limit);
  } catch {
    return `a value of type ${typeof value}`;
  }
}

/** `Name: message` of a thrown value, bounded; never throws (the error may itself be a hostile object). */
function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return bound(`${String(error.name)}: ${String(error.message)}`, 200);
  } catch {
    // Fall through: reading its name or message threw.
  }
  return describeValue(error);
}

function quoteKey(key: string): string {
  return describeValue(key, 40);
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
 * Shows a value in the output: a tensor as its feature map, anything else as text — as a cell's last value
 * shows it ({@link formatValue}), so a string shows quoted, as IPython's `display('ab')`. Given options, returns a
 * handle whose `update(value)` replaces that output in place (without options it returns nothing, so a cell
 * ending in `display(y)` shows the map once, not also a handle).
 *
 * @example
 * display(conv2d(x, w)); // input | kernel | output heatmaps
 * const h = display('epoch 1', { displayId: 'progress' });
 * h.update('epoch 2'); // the same output now reads 'epoch 2'
 */
export function display(value: unknown): void;
export function display(value: unknown, options: DisplayOptions): DisplayHandle;
export function display(value: unknown, options?: DisplayOptions): DisplayHandle | void {
  const handle = new DisplayHandle(options?.displayId ?? randomUUID());
  if (options?.update) handle.update(value);
  else sink.send({ ...formatValue(value), transient: { display_id: handle.displayId } }, false);
  return options ? handle : undefined;
}
