/**
 * Jupyter widget models over comms: the kernel's half of the Jupyter widget protocol 2.1.0 (ipywidgets 8's,
 * which jupyterlab_widgets 3 draws with @jupyter-widgets/base 2.0.0, controls 2.0.0 and output 1.0.0).
 *
 * A widget is a model whose state lives in the kernel and is mirrored by the frontend:
 * - kernel opens: `comm_open` to target `jupyter.widget`, data `{ state, buffer_paths: [] }`, metadata
 *   `{ version: '2.1.0' }`; the state is complete (`_model_name/_module/_module_version`, `_view_*`, every
 *   attribute), with its layout and style as child models `'IPY_MODEL_<id>'` opened just before it.
 * - kernel changes: `comm_msg` `{ method: 'update', state: <changed keys>, buffer_paths: [] }`.
 * - frontend changes: `{ method: 'update', state }` → each key is validated; accepted values are applied, echoed
 *   to every frontend (`{ method: 'echo_update', … }`, as ipywidgets 8 does) and observers fire; a refused or
 *   adjusted value is answered with an `update` carrying the kernel's own value. `{ method: 'request_state' }` is
 *   answered with the full state; `{ method: 'custom', content }` goes to {@link Widget.onCustom}.
 * - the `jupyter.widget.control` target answers `{ method: 'request_states' }` with `{ method: 'update_states',
 *   states: { [id]: { model_name, model_module, model_module_version, state } }, buffer_paths: [] }`, so a
 *   reloaded page redraws every open widget.
 *
 * A widget holds typed *traits* (what `get`/`set`/`observe` see, e.g. a dropdown's `value: T`) and derives its
 * wire state from them (`wire()`, e.g. the dropdown's `index` and `_options_labels`): one conversion, so what is
 * sent is always what the traits say, and an update sends exactly the wire keys that changed.
 */
import { inspect } from 'util';
import { openComm, registerCommTarget, type Comm, type CommMessage } from '../comm';
import { fail } from '../errors';
import { JUPYTER_DISPLAY, type MimeBundle } from '../display/protocol';

/** The widget protocol version every widget comm is opened with (`metadata.version`). */
export const WIDGET_PROTOCOL_VERSION = '2.1.0';
/** The comm target of widget models. */
export const WIDGET_TARGET = 'jupyter.widget';
/** The comm target a frontend opens to fetch every widget's state at once. */
export const WIDGET_CONTROL_TARGET = 'jupyter.widget.control';
/** The MIME type of a widget's view in an output (what `display(widget)` and a cell ending in one send). */
export const WIDGET_VIEW_MIME = 'application/vnd.jupyter.widget-view+json';

/** The frontend packages (protocol versions, not npm versions) of the models ConvLab opens. */
export const MODULES = {
  base: ['@jupyter-widgets/base', '2.0.0'],
  controls: ['@jupyter-widgets/controls', '2.0.0'],
  output: ['@jupyter-widgets/output', '1.0.0'],
} as const satisfies Record<string, readonly [string, string]>;

/** A JSON value, as widget state holds it. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };
/** Wire state: attribute name → JSON value. */
export type WireState = Record<string, Json>;

/** Which frontend model and view draw a widget, e.g. `IntSliderModel` / `IntSliderView` of controls 2.0.0. */
export interface ModelSpec {
  /** The function that makes it, for error messages, e.g. `'intSlider'`. */
  op: string;
  model: string;
  view: string;
  module: keyof typeof MODULES;
  /** The view's package when it differs from the model's (style models are drawn by base's `StyleView`). */
  viewModule?: keyof typeof MODULES;
}

/** What an observer gets, as traitlets gives it: the trait's name, its old and new value, and the widget. */
export interface Change<S extends object, K extends keyof S = keyof S> {
  name: K;
  old: S[K];
  new: S[K];
  owner: Widget<S>;
}

/**
 * An observer as a widget stores it. Its handler's parameter is erased (`never`) so that the stored list does
 * not tie `Widget<S>` to one `S`: a `Widget<SliderTraits>` then fits where a `Widget<object>` is expected (a
 * box's children); `observe` is where the handler's type is checked.
 */
interface Observer {
  keys: ReadonlySet<PropertyKey>;
  handler: (change: never) => unknown;
}

/**
 * Any widget, whatever its traits: what a box holds and the registry keeps. (A structural type, because a
 * `Widget<SliderTraits>` is not a `Widget<object>`: its observers take slider changes.)
 */
export interface AnyWidget {
  readonly modelId: string;
  readonly closed: boolean;
  close(): void;
  state(): WireState;
  describeModel(): Record<string, Json>;
  [JUPYTER_DISPLAY](): MimeBundle;
}

/** The most bytes of state one frontend message may carry; a bigger one is dropped (a hostile or broken peer). */
export const MAX_FRONTEND_STATE_BYTES = 1 << 20;

/** Every widget with an open comm, by model id (what `request_states` answers and nbclient saves). */
const registry = new Map<string, AnyWidget>();

/** The ids of the widgets currently open, in the order they were opened (for tests and `request_states`). */
export function openWidgetIds(): string[] {
  return [...registry.keys()];
}

/** `IPY_MODEL_<id>`: how a widget's state refers to another model (a layout, a style, a box's children). */
export function modelRef(widget: AnyWidget): string {
  return `IPY_MODEL_${widget.modelId}`;
}

/**
 * The base of every widget. `S` is its traits: what {@link get}, {@link set} and {@link observe} read and write.
 * A subclass says how traits become wire state ({@link wire}), checks a full trait record ({@link normalize}:
 * throws a ConvLabError on a bad value, may clamp), and reads frontend values ({@link fromFrontend}).
 *
 * @example
 * const s = intSlider({ value: 3, min: 1, max: 7 });
 * const stop = s.observe('value', (change) => console.log(change.old, '→', change.new));
 * s.set({ value: 5 }); // sends { method: 'update', state: { value: 5 }, buffer_paths: [] }; prints 3 → 5
 * stop();
 */
export abstract class Widget<S extends object> implements AnyWidget {
  /** The model id: the comm id, which `IPY_MODEL_<id>` and the widget-view MIME name. */
  readonly modelId: string;
  private readonly comm: Comm;
  private traits: S;
  private sent: WireState;
  private observers: Observer[] = [];

  /**
   * Opens the model: normalizes `traits`, then sends `comm_open` with the full state (fixed attributes, the
   * `_model_*`/`_view_*` names and the wire state of the traits). Child models (layout, style) must be open
   * already: their refs go in `fixed`.
   */
  protected constructor(
    protected readonly spec: ModelSpec,
    traits: S,
    private readonly fixed: WireState = {},
  ) {
    this.traits = this.normalize(traits);
    this.sent = this.wire(this.traits);
    this.comm = openComm(WIDGET_TARGET, { state: this.fullState(), buffer_paths: [] }, { version: WIDGET_PROTOCOL_VERSION });
    this.modelId = this.comm.id;
    registry.set(this.modelId, this);
    this.comm.onMessage((message) => this.receive(message));
    // Closed by a frontend: its layout and style go with it, as with close().
    this.comm.onClose(() => {
      this.forget();
      closeRefs(this.fixed);
    });
  }

  /** The wire state of `traits` (every attribute that follows a trait). */
  protected abstract wire(traits: S): WireState;
  /** `traits` checked (a ConvLabError naming the function and the argument otherwise), possibly adjusted. */
  protected abstract normalize(traits: S): S;
  /**
   * The traits a frontend's value for wire attribute `key` sets; throws when the value is not acceptable, and
   * returns undefined for an attribute the frontend may not set.
   */
  protected fromFrontend(key: string, value: unknown): Partial<S> | undefined {
    void key;
    void value;
    return undefined;
  }
  /** A `custom` message from the frontend (a button's click); ignored unless a subclass handles it. */
  protected onCustom(content: Record<string, unknown>): void {
    void content;
  }
  /** The traits `text/plain` shows, e.g. `['value', 'min', 'max']` for `IntSlider(value=3, min=1, max=7)`. */
  protected abstract readonly reprKeys: readonly (keyof S & string)[];

  /** Whether the widget was closed (by {@link close} or by the frontend). */
  get closed(): boolean {
    return this.comm.closed;
  }

  /** One trait's value. */
  get<K extends keyof S>(key: K): S[K] {
    return this.traits[key];
  }

  /**
   * Sets traits: checks the new record (throws a ConvLabError on a bad value, nothing changes then), sends one
   * `update` with the wire attributes that changed, then runs the observers of each trait that changed.
   */
  set(partial: Partial<S>): void {
    const previous = this.traits;
    this.traits = this.normalize({ ...previous, ...partial });
    this.sendChanges();
    this.notify(previous);
  }

  /**
   * Runs `handler` after each change of one of `keys` (from `set`, a setter or the frontend), with traitlets'
   * change record; returns a function that removes it. An observer that throws is reported on stderr and does
   * not stop the others.
   */
  observe<K extends keyof S>(keys: K | readonly K[], handler: (change: Change<S, K>) => unknown): () => void {
    const entry: Observer = { keys: new Set<PropertyKey>(Array.isArray(keys) ? (keys as readonly K[]) : [keys as K]), handler };
    this.observers.push(entry);
    return () => {
      this.observers = this.observers.filter((other) => other !== entry);
    };
  }

  /** Closes the model (`comm_close`): its views disappear; further `set`s change only the kernel's copy. */
  close(): void {
    this.comm.close();
    this.forget();
    closeRefs(this.fixed);
  }

  /** The full wire state, as `comm_open`, `request_state` and `request_states` send it. */
  state(): WireState {
    return this.fullState();
  }

  /** The widget's view: the widget-view MIME (jupyterlab_widgets draws it) and a `text/plain` like ipywidgets'. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return {
      data: {
        'text/plain': this.toString(),
        [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 0, model_id: this.modelId },
      },
      metadata: {},
    };
  }

  /** `IntSlider(value=3, min=1, max=7)`: the class and its main traits, at most 110 characters as ipywidgets. */
  toString(): string {
    const parts = this.reprKeys
      .filter((key) => !(key === 'description' && this.traits[key] === ''))
      .map((key) => `${key}=${describe(this.traits[key])}`);
    const text = `${this.spec.model.replace(/Model$/, '')}(${parts.join(', ')})`;
    return text.length > 110 ? `${text.slice(0, 110)}…` : text;
  }

  /** Node's REPL and `console.log` print the same text. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** @internal The `update_states` entry of this model. */
  describeModel(): Record<string, Json> {
    const [module, version] = MODULES[this.spec.module];
    return { model_name: this.spec.model, model_module: module, model_module_version: version, state: this.fullState() };
  }

  /** Drops the widget from the registry once its comm is closed, from either side. */
  private forget(): void {
    registry.delete(this.modelId);
  }

  private fullState(): WireState {
    const [module, version] = MODULES[this.spec.module];
    const [viewModule, viewVersion] = MODULES[this.spec.viewModule ?? this.spec.module];
    return {
      _model_module: module,
      _model_module_version: version,
      _model_name: this.spec.model,
      _view_module: viewModule,
      _view_module_version: viewVersion,
      _view_name: this.spec.view,
      _view_count: null,
      ...this.fixed,
      ...this.sent,
    };
  }

  /** Sends the wire attributes that differ from what the frontend last got. */
  private sendChanges(): void {
    const next = this.wire(this.traits);
    const changed = changedKeys(this.sent, next);
    this.sent = next;
    if (changed.length > 0) this.comm.send(message('update', pick(next, changed)));
  }

  private notify(previous: S): void {
    for (const name of Object.keys(this.traits) as (keyof S)[]) {
      if (Object.is(previous[name], this.traits[name])) continue;
      const change: Change<S> = { name, old: previous[name], new: this.traits[name], owner: this as Widget<S> };
      for (const observer of [...this.observers]) {
        if (observer.keys.has(name)) guarded(this, () => (observer.handler as (change: Change<S>) => unknown)(change));
      }
    }
  }

  /** A frontend message. Never throws: hostile input is refused, and the kernel keeps its own state. */
  private receive({ data }: CommMessage): void {
    const method = data['method'];
    if (method === 'request_state') {
      this.comm.send(message('update', this.fullState()));
    } else if (method === 'custom') {
      const content = data['content'];
      if (typeof content === 'object' && content !== null && !Array.isArray(content)) {
        guarded(this, () => this.onCustom(content as Record<string, unknown>));
      }
    } else if (method === 'update') {
      const state = data['state'];
      if (typeof state !== 'object' || state === null || Array.isArray(state)) return;
      if (byteLength(state) > MAX_FRONTEND_STATE_BYTES) return;
      this.receiveUpdate(state as Record<string, unknown>);
    }
  }

  /**
   * Applies a frontend's `update`: each key on its own (one bad value does not spoil the others), then echoes
   * what was accepted, answers what was refused or adjusted with the kernel's value, and runs the observers.
   */
  private receiveUpdate(state: Record<string, unknown>): void {
    const previous = this.traits;
    const refused: string[] = [];
    for (const [key, value] of Object.entries(state)) {
      try {
        const partial = this.fromFrontend(key, value);
        if (partial === undefined) {
          if (key in this.sent) refused.push(key);
          continue;
        }
        this.traits = this.normalize({ ...this.traits, ...partial });
      } catch {
        if (key in this.sent) refused.push(key);
      }
    }
    const next = this.wire(this.traits);
    const sentKeys = Object.keys(state).filter((key) => key in next);
    // As ipywidgets 8: every key received is echoed as received, so the sender's pending echo clears and other
    // frontends follow; then whatever the kernel holds differently (a refused or adjusted value, a derived
    // attribute) goes out as `update` with the kernel's value.
    const differs = (key: string): boolean => !(key in state) || !same(state[key], next[key]);
    const answer = [...new Set([...changedKeys(this.sent, next), ...sentKeys, ...refused])].filter(differs);
    this.sent = next;
    if (sentKeys.length > 0) this.comm.send(message('echo_update', pick(state as WireState, sentKeys)));
    if (answer.length > 0) this.comm.send(message('update', pick(next, answer)));
    this.notify(previous);
  }
}

/**
 * A model with fixed attributes and no traits: a widget's layout (`LayoutModel`, every CSS attribute null) or
 * its style (`SliderStyleModel` …), opened before the widget that refers to it.
 */
export class ChildModel extends Widget<Record<string, never>> {
  protected readonly reprKeys = [] as const;
  constructor(spec: ModelSpec, attributes: WireState) {
    super(spec, {}, attributes);
  }
  protected wire(): WireState {
    return {};
  }
  protected normalize(traits: Record<string, never>): Record<string, never> {
    return traits;
  }
}

/** LayoutModel's attributes (base 2.0.0): CSS properties, all unset. */
const LAYOUT_ATTRIBUTES = [
  'align_content', 'align_items', 'align_self', 'border_bottom', 'border_left', 'border_right', 'border_top',
  'bottom', 'display', 'flex', 'flex_flow', 'grid_area', 'grid_auto_columns', 'grid_auto_flow', 'grid_auto_rows',
  'grid_column', 'grid_gap', 'grid_row', 'grid_template_areas', 'grid_template_columns', 'grid_template_rows',
  'height', 'justify_content', 'justify_items', 'left', 'margin', 'max_height', 'max_width', 'min_height',
  'min_width', 'object_fit', 'object_position', 'order', 'overflow', 'padding', 'right', 'top', 'visibility',
  'width',
] as const;

/** A new layout model for one widget (ipywidgets gives each widget its own), with optional CSS values. */
export function layoutModel(css: Partial<Record<(typeof LAYOUT_ATTRIBUTES)[number], string>> = {}): ChildModel {
  const attributes: WireState = Object.fromEntries(LAYOUT_ATTRIBUTES.map((name) => [name, css[name] ?? null]));
  return new ChildModel({ op: 'layout', model: 'LayoutModel', view: 'LayoutView', module: 'base' }, attributes);
}

/** A new style model, e.g. `styleModel('SliderStyleModel', { description_width: '', handle_color: null })`. */
export function styleModel(model: string, attributes: WireState): ChildModel {
  return new ChildModel({ op: 'style', model, view: 'StyleView', module: 'controls', viewModule: 'base' }, attributes);
}

/**
 * The attributes every DOM widget has (ipywidgets' `DOMWidget`): its own layout and, when given, style model,
 * opened here (before the widget), with `_dom_classes`, `tabbable` and `tooltip`.
 */
export function domAttributes(style?: ChildModel): WireState {
  return {
    _dom_classes: [],
    layout: modelRef(layoutModel()),
    ...(style ? { style: modelRef(style) } : {}),
    tabbable: null,
    tooltip: null,
  };
}

/** Closes the models a widget's fixed state refers to (its layout and style), with it. */
function closeRefs(state: WireState): void {
  for (const key of ['layout', 'style']) {
    const ref = state[key];
    if (typeof ref === 'string') registry.get(ref.replace(/^IPY_MODEL_/, ''))?.close();
  }
}

function message(method: 'update' | 'echo_update', state: WireState): Record<string, unknown> {
  return { method, state, buffer_paths: [] };
}

function pick(state: WireState, keys: readonly string[]): WireState {
  return Object.fromEntries(keys.map((key) => [key, state[key] ?? null]));
}

function same(a: unknown, b: unknown): boolean {
  return Object.is(a, b) || JSON.stringify(a) === JSON.stringify(b);
}

function changedKeys(before: WireState, after: WireState): string[] {
  return Object.keys(after).filter((key) => !same(before[key], after[key]));
}

function byteLength(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value));
  } catch {
    return Infinity;
  }
}

/** How `text/plain` shows a trait: strings quoted, as Python's repr shows them in ipywidgets. */
function describe(value: unknown): string {
  return inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 40 });
}

/**
 * Runs a user callback of `owner` (an observer, a click handler) while a frontend message is handled: what it
 * throws, or its promise rejects with, is written to stderr (the last cell's output), never thrown to the comm.
 */
export function guarded(owner: AnyWidget, run: () => unknown): void {
  const report = (error: unknown): void => {
    process.stderr.write(`${String(owner)}: a widget callback threw ${error instanceof Error ? (error.stack ?? error.message) : inspect(error)}\n`);
  };
  try {
    const result = run();
    if (result instanceof Promise) result.catch(report);
  } catch (error) {
    report(error);
  }
}

/** Requires a finite number (`integer` too when asked); the error names the function and the argument. */
export function checkNumber(op: string, arg: string, value: unknown, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    fail({ op, arg, expected: integer ? 'an integer' : 'a finite number', actual: describe(value), hint: `pass ${arg} as a ${integer ? 'whole ' : ''}number` });
  }
  return value;
}

/** Requires a string. */
export function checkString(op: string, arg: string, value: unknown): string {
  if (typeof value !== 'string') fail({ op, arg, expected: 'a string', actual: describe(value) });
  return value;
}

/** Requires a boolean. */
export function checkBoolean(op: string, arg: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail({ op, arg, expected: 'true or false', actual: describe(value) });
  return value;
}

/** A short description of a value for messages and `text/plain`. */
export { describe as describeValue };

// The control target: a reloaded page (or a second frontend) asks for every widget's state in one message.
registerCommTarget(WIDGET_CONTROL_TARGET, (comm) => {
  comm.onMessage(({ data }) => {
    if (data['method'] !== 'request_states') return;
    const states = Object.fromEntries([...registry].map(([id, widget]) => [id, widget.describeModel()]));
    comm.send({ method: 'update_states', states, buffer_paths: [] });
  });
});
