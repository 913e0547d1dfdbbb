/**
 * The Output widget (`OutputModel` of @jupyter-widgets/output 1.0.0): an output area inside a widget layout.
 * The kernel owns its `outputs` attribute (nbformat outputs) and sends it whole on each change; jupyterlab_widgets
 * redraws the area from it, and nbclient saves it, so the widget reads the same after a reload. (ipywidgets'
 * other way, `msg_id` capture by the frontend, needs the frontend to see the kernel's messages; ConvLab keeps
 * `msg_id` empty.)
 */
import { inspect } from 'util';
import { setDisplaySink, validateBundle, type DisplaySink, type OutgoingBundle } from '../display/display';
import type { MimeBundle } from '../display/protocol';
import { domAttributes, Widget, type WireState } from './model';
import { onInterrupt } from '../interrupts';

/** One nbformat output, as the Output model's `outputs` attribute holds it. */
export type OutputItem =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { output_type: 'display_data'; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

/** The Output widget's traits. */
export interface OutputTraits {
  outputs: readonly OutputItem[];
}

/** The most outputs an Output keeps (the oldest go first): a loop that prints must not grow the notebook. */
export const MAX_OUTPUTS = 100;
/** The most characters one stream output keeps (its tail). */
export const MAX_STREAM_CHARS = 100_000;

/** `capture`'s result: `fn`'s, or undefined when it threw (the error is shown in the widget instead). */
export type Captured<R> = R extends Promise<infer V> ? Promise<V | undefined> : R | undefined;

/**
 * An output area as a widget. `capture(fn)` runs `fn` with `display()`, `console.log`/`console.error` (stdout,
 * stderr) and `clearOutput()` going into the widget instead of the cell, and shows what `fn` throws as an error
 * output (the error does not propagate, as in ipywidgets' `with out:`).
 *
 * @example
 * const out = output();
 * out.capture(() => { console.log('hello'); display(tensor([1, 2])); });
 * out.get('outputs'); // [{ output_type: 'stream', name: 'stdout', text: 'hello\n' }, { output_type: 'display_data', … }]
 */
export class Output extends Widget<OutputTraits> {
  protected readonly reprKeys = [] as const;
  /** `clear({ wait: true })` was asked: the next output replaces what is shown. */
  private clearPending = false;
  /** The display id of each output (undefined for streams and errors), so a handle's `update` finds its output. */
  private displayIds: (string | undefined)[] = [];

  /** @internal use {@link output}. */
  constructor() {
    super({ op: 'output', model: 'OutputModel', view: 'OutputView', module: 'output' }, { outputs: [] }, { ...domAttributes(), msg_id: '' });
  }

  /**
   * Runs `fn` with its outputs going into this widget (see the class); restores where outputs go afterwards.
   * The redirect is the process's, not `fn`'s alone: while an async `fn` awaits, a `display()` from elsewhere (a
   * cell run meanwhile) lands here too, until `fn` settles — keep async work in captures short.
   */
  capture<R>(fn: () => R): Captured<R> {
    const restore = this.redirect();
    let result: R;
    try {
      result = fn();
    } catch (error) {
      restore();
      this.appendError(error);
      return undefined as Captured<R>;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          restore();
          return value;
        },
        (error: unknown) => {
          restore();
          this.appendError(error);
          return undefined;
        },
      ) as Captured<R>;
    }
    restore();
    return result as Captured<R>;
  }

  /** Clears the outputs; with `wait`, only when the next output arrives (no flicker when redrawing). */
  clear(options: { wait?: boolean } = {}): void {
    if (options.wait) {
      this.clearPending = true;
    } else {
      this.clearPending = false;
      this.displayIds = [];
      this.set({ outputs: [] });
    }
  }

  /** Whether a `clear({ wait: true })` still waits for the next output. */
  get clearing(): boolean {
    return this.clearPending;
  }

  /** Adds a MIME bundle (as `display` would show it), e.g. `out.append(tensorBundle(x))`. */
  append(bundle: MimeBundle): void {
    const { data, metadata } = validateBundle(bundle);
    this.push({ output_type: 'display_data', data, metadata }, undefined);
  }

  /** Adds text to stdout or stderr, joined to the last output when that is the same stream (as Jupyter shows it). */
  appendStream(name: 'stdout' | 'stderr', text: string): void {
    const outputs = this.clearPending ? [] : this.get('outputs');
    const last = outputs[outputs.length - 1];
    if (last?.output_type === 'stream' && last.name === name) {
      const joined = (last.text + text).slice(-MAX_STREAM_CHARS);
      this.clearPending = false;
      this.set({ outputs: [...outputs.slice(0, -1), { ...last, text: joined }] });
    } else {
      this.push({ output_type: 'stream', name, text: text.slice(-MAX_STREAM_CHARS) }, undefined);
    }
  }

  /** Adds an error output (`ename`, `evalue`, `traceback`) for a thrown value. */
  appendError(error: unknown): void {
    const [ename, evalue, traceback] = describeThrown(error);
    this.push({ output_type: 'error', ename, evalue, traceback }, undefined);
  }

  protected wire(t: OutputTraits): WireState {
    return { outputs: t.outputs as unknown as WireState[] };
  }

  protected normalize(t: OutputTraits): OutputTraits {
    // Only this class writes outputs; bound them here so every path is bounded.
    return t.outputs.length > MAX_OUTPUTS ? { outputs: t.outputs.slice(-MAX_OUTPUTS) } : t;
  }

  private push(item: OutputItem, displayId: string | undefined): void {
    const outputs = this.clearPending ? [] : this.get('outputs');
    if (this.clearPending) this.displayIds = [];
    this.clearPending = false;
    this.displayIds = [...this.displayIds, displayId].slice(-MAX_OUTPUTS);
    this.set({ outputs: [...outputs, item] });
  }

  /** @internal A `display()` inside `capture`: a new output, or (an update) the outputs shown with that id. */
  receiveDisplay(bundle: OutgoingBundle, update: boolean): void {
    const id = bundle.transient.display_id;
    const item: OutputItem = { output_type: 'display_data', data: bundle.data, metadata: bundle.metadata };
    if (!update) return this.push(item, id);
    const outputs = this.get('outputs').map((old, i) => (id !== undefined && this.displayIds[i] === id ? item : old));
    this.set({ outputs });
  }

  /** Sends display(), clearOutput() and stdout/stderr here until the returned function is called. */
  private redirect(): () => void {
    const entry = { output: this as Output };
    capturing.push(entry);
    if (capturing.length === 1) installRouter();
    return () => {
      const at = capturing.indexOf(entry);
      if (at >= 0) capturing.splice(at, 1);
      if (capturing.length === 0) removeRouter();
    };
  }
}

type Write = typeof process.stdout.write;

/**
 * The captures under way, innermost last: outputs go to the last one. A stack rather than each capture saving
 * and restoring the sinks, so that async captures that end out of order (two interact runs awaiting) still put
 * back the cell's sinks, and never another capture's.
 */
const capturing: { output: Output }[] = [];
// An interrupt ends a capture without its `finally`: put the cell's sinks back, or every later display() would
// land in that widget.
onInterrupt(() => {
  capturing.length = 0;
  removeRouter();
});
let routed: { sink: DisplaySink; stdout: Write; stderr: Write; ours: Record<'stdout' | 'stderr', Write> } | undefined;

function installRouter(): void {
  const top = (): Output => capturing[capturing.length - 1]!.output;
  const sink = setDisplaySink({
    send: (bundle, update) => top().receiveDisplay(bundle, update),
    clear: (wait) => top().clear({ wait }),
  });
  const write = (name: 'stdout' | 'stderr'): Write =>
    ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      top().appendStream(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      rest.find((arg): arg is () => void => typeof arg === 'function')?.();
      return true;
    }) as Write;
  routed = { sink, stdout: process.stdout.write, stderr: process.stderr.write, ours: { stdout: write('stdout'), stderr: write('stderr') } };
  process.stdout.write = routed.ours.stdout;
  process.stderr.write = routed.ours.stderr;
}

function removeRouter(): void {
  if (!routed) return;
  setDisplaySink(routed.sink);
  // The kernel points stdout at each new cell: if a cell started while an async capture ran, its writer stays.
  if (process.stdout.write === routed.ours.stdout) process.stdout.write = routed.stdout;
  if (process.stderr.write === routed.ours.stderr) process.stderr.write = routed.stderr;
  routed = undefined;
}

/** `[ename, evalue, traceback]` of any thrown value; never throws (the value may be a hostile object). */
function describeThrown(error: unknown): [string, string, string[]] {
  try {
    if (error instanceof Error) {
      const stack = typeof error.stack === 'string' ? error.stack : `${error.name}: ${error.message}`;
      return [String(error.name), String(error.message), stack.split('\n').slice(0, 50)];
    }
  } catch {
    // Reading the error threw: describe it as a value below.
  }
  const text = inspect(error, { depth: 1, customInspect: false, getters: false, breakLength: Infinity }).slice(0, 500);
  return ['Error', text, [`Uncaught ${text}`]];
}

/**
 * A new Output widget: put it in a box, then `capture` into it.
 *
 * @example
 * const out = output();
 * out.capture(() => display(conv2d(x, w)));
 * vbox([intSlider(), out]);
 */
export function output(): Output {
  return new Output();
}
