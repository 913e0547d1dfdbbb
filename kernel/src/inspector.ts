/**
 * The kernel's side of ConvLab's JupyterLab inspector: the `convlab.inspector` comm target. The frontend opens a
 * comm (data `{}`) to it when its notebook runs ConvLab's kernel; the kernel then answers, as JSON `data`:
 *
 * - `{ event: 'state', backend, renderer, tensors: TensorRow[], memory: { bytes, count } }`: on open, after
 *   every `execute_request` ({@link pushInspectorState}, which the launcher runs) and for `{ request: 'state' }`.
 * - `{ request: 'featuremap', id, name }` → `{ event: 'featuremap', id, name, bundle?, error? }`: the bundle
 *   `display(name)` would send.
 * - `{ request: 'value', id, ref, map, index: [row, col] }` → `{ event: 'value', id, value?, error? }`: the exact
 *   value of a shown panel's map (`panel.ref`, see {@link shownRef}) at a full-size cell, however the payload
 *   downsampled or quantized it (NaN and ±Infinity, which JSON cannot carry, come as `error: 'not a finite
 *   number: NaN'`).
 *
 * Everything a frontend sends is checked: a request that is not one of these, or a field of the wrong type or
 * size, is answered `{ event: 'error', id?, error }` (the id only when it is a valid one) and the kernel goes on.
 * Listing variables never reads a tensor's values (a gpu-resident one stays on the gpu). At most
 * {@link MAX_INSPECTORS} inspector comms are open at once: one more is closed at once.
 *
 * @example
 * startInspector(() => host.locals());   // the launcher, once
 * // frontend → { request: 'value', id: 3, ref: 'a1b2c3d4-7', map: 0, index: [10, 20] }
 * // kernel   → { event: 'value', id: 3, value: 0.125 }
 */
import { backend, gpuHeld, gpuMode, gpuRenderer } from './backends';
import { registerCommTarget, type Comm } from './comm';
import { formatValue } from './display/display';
import { mapLayout, type PanelValues } from './display/panels';
import { fail } from './errors';
import { Tensor } from './tensor';
import { INSPECTOR_TARGET, MAX_LISTED_RANK, MAX_NAME_LENGTH, MAX_ROWS, type InspectorState, type TensorRow } from '@convlab/protocol';

export { INSPECTOR_TARGET, MAX_ROWS, MAX_LISTED_RANK, MAX_NAME_LENGTH } from '@convlab/protocol';
export type { TensorRow, InspectorState } from '@convlab/protocol';

/** Where the inspector reads the notebook's top-level variables (the host's `locals()`). */
export type LocalsProvider = () => Readonly<Record<string, unknown>>;

/**
 * Tensors the registry of shown tensors keeps at most; the oldest shown goes first. Many, since every redraw of an
 * `explore` output registers its new output: a few hundred slider moves must not expire the other outputs' refs
 * (the byte bound below is what bounds memory).
 */
export const MAX_SHOWN = 1024;
/** Bytes of values the registry of shown tensors keeps at most. */
export const MAX_SHOWN_BYTES = 256 * 2 ** 20;
/** The largest request id accepted (ids are the frontend's counters). */
export const MAX_REQUEST_ID = 2 ** 31 - 1;
/** The most values a `featuremap` request draws: larger tensors are left to `display()` in a cell. */
export const MAX_FEATUREMAP_VALUES = MAX_SHOWN_BYTES / 4;
/** Inspector comms open at once at most (one per notebook view is the usual count). */
export const MAX_INSPECTORS = 32;
/** Characters of an error message sent to the frontend at most. */
const MAX_ERROR_LENGTH = 2000;

// ---------------------------------------------------------------------------------------------------------------
// The registry of shown tensors: what `panel.ref` names.

interface Shown {
  ref: string;
  tensor: Tensor;
  /** Maps the panel cut the tensor into, and their size ({@link mapLayout}). */
  count: number;
  height: number;
  width: number;
  bytes: number;
}

/** Oldest first. */
const shown: Shown[] = [];
let shownBytes = 0;
let lastRef = 0;
/**
 * A prefix unique to this kernel process: a saved notebook's refs, or those of a kernel since restarted, never
 * name a tensor of this one.
 */
let kernelTag: string | undefined;

/**
 * The id under which a tensor shown as `role` is kept for exact values (the payload panel's `ref`); the same id
 * when it is shown again. The last {@link MAX_SHOWN} shown tensors, at most {@link MAX_SHOWN_BYTES} of values,
 * are kept (the oldest dropped); a tensor larger than that gets no ref (undefined).
 *
 * @example
 * const x = randn([1, 1, 600, 600]);
 * const ref = shownRef(x, 'tensor')!;   // e.g. '3f9c01aa-1'
 * shownValue(ref, 0, [599, 0]) === x.data[599 * 600]; // true
 */
export function shownRef(t: Tensor, role: PanelValues['role']): string | undefined {
  const { count, height, width } = mapLayout(t.shape, role);
  const at = shown.findIndex((entry) => entry.tensor === t && entry.count === count);
  if (at >= 0) {
    // Shown again: now the newest.
    const [entry] = shown.splice(at, 1);
    shown.push(entry!);
    return entry!.ref;
  }
  const bytes = t.size * 4;
  if (bytes > MAX_SHOWN_BYTES) return undefined;
  // Web Crypto (global in Node 20 and in browsers): the library also runs in a browser page, without Node's modules.
  kernelTag ??= globalThis.crypto.randomUUID().slice(0, 8);
  const entry: Shown = { ref: `${kernelTag}-${++lastRef}`, tensor: t, count, height, width, bytes };
  shown.push(entry);
  shownBytes += bytes;
  while (shown.length > MAX_SHOWN || shownBytes > MAX_SHOWN_BYTES) shownBytes -= shown.shift()!.bytes;
  return entry.ref;
}

/**
 * The exact value of a shown panel's map at a full-size cell: `ref` is the panel's `ref`, `map` the index of the
 * map in the panel (batch item 0's channels, or a kernel's (out, in) pairs: see `mapLayout`), `index` its
 * `[row, col]`. Throws a ConvLabError naming the argument when the ref is unknown or was dropped, or the map or
 * cell is out of range.
 *
 * @example
 * const w = randn([8, 3, 3, 3]);
 * shownValue(shownRef(w, 'kernel')!, 5, [2, 1]) === w.data[5 * 9 + 2 * 3 + 1]; // true: out 1 · in 2
 */
export function shownValue(ref: string, map: number, index: readonly number[]): number {
  const op = 'inspector value';
  const entry = shown.find((e) => e.ref === ref);
  if (!entry) {
    return fail({
      op,
      arg: 'ref',
      expected: 'the ref of a tensor this kernel showed',
      actual: quote(ref),
      hint:
        `only the last ${MAX_SHOWN} shown tensors (at most ${MAX_SHOWN_BYTES / 2 ** 20} MB) are kept, and none ` +
        'of a kernel since restarted: run the cell again',
    });
  }
  if (!Number.isInteger(map) || map < 0 || map >= entry.count) {
    const expected = `a map index in 0…${entry.count - 1}`;
    return fail({ op, arg: 'map', expected, actual: String(map), shapes: { tensor: entry.tensor.shape } });
  }
  const [row, col] = index;
  const within = (i: number | undefined, size: number): boolean => Number.isInteger(i) && i! >= 0 && i! < size;
  if (index.length !== 2 || !within(row, entry.height) || !within(col, entry.width)) {
    return fail({
      op,
      arg: 'index',
      expected: `[row, col] within the ${entry.height}×${entry.width} map`,
      actual: `[${index.slice(0, 4).map(String).join(', ')}${index.length > 4 ? ', …' : ''}]`,
      shapes: { tensor: entry.tensor.shape },
    });
  }
  return entry.tensor.data[map * entry.height * entry.width + row! * entry.width + col!]!;
}

/**
 * Drops every tensor kept for exact values (their memory is freed once nothing else holds them); panels shown
 * before answer "unknown ref" from then on.
 * @example forgetShown(); // after showing large tensors you no longer hover
 */
export function forgetShown(): void {
  shown.length = 0;
  shownBytes = 0;
}

// ---------------------------------------------------------------------------------------------------------------
// The state: top-level tensor variables.

/** The gpu renderer, asked once per gpu mode: headless-gl opens a context to answer. */
let renderer: { mode: string; name: string | null } | undefined;

/** The gpu renderer once the gpu backend has run (never loads it: listing must not start a gpu), else null. */
function currentRenderer(): string | null {
  try {
    // Compiled kernels mean the current gpu mode's device is loaded (setGpuMode forgets them).
    if (gpuHeld().kernels === 0) return null;
    const mode = gpuMode();
    if (renderer?.mode !== mode) renderer = { mode, name: gpuRenderer() ?? null };
    return renderer.name;
  } catch {
    return null;
  }
}

/** Where a tensor's values live, without reading them. */
function whereValues(t: Tensor): string {
  return t.device !== 'host' ? 'gpu' : (t.provenance?.backend ?? 'cpu');
}

const boundName = (name: string): string => (name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH - 1)}…` : name);

/** The variables of `locals` holding a tensor, sorted by name; a variable whose read throws is skipped. */
function tensorVariables(locals: Readonly<Record<string, unknown>>): [string, Tensor][] {
  const found: [string, Tensor][] = [];
  for (const name of Object.keys(locals)) {
    try {
      const value = locals[name];
      if (value instanceof Tensor) found.push([name, value]);
    } catch {
      // A getter that throws (or a Proxy): not a tensor the inspector can list.
    }
  }
  return found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The `state` event for the notebook's top-level variables: at most {@link MAX_ROWS} rows, sorted by name, of
 * tensors with at most {@link MAX_LISTED_RANK} axes; `memory` over every tensor variable, each distinct tensor
 * (values) once.
 *
 * @example
 * inspectorState({ x: zeros([1, 3, 8, 8]), n: 3 });
 * // { event: 'state', backend: 'auto', renderer: null,
 * //   tensors: [{ name: 'x', shape: [1, 3, 8, 8], bytes: 768, backend: 'cpu', op: null }], memory: { bytes: 768, count: 1 } }
 */
export function inspectorState(locals: Readonly<Record<string, unknown>>): InspectorState {
  let variables: [string, Tensor][] = [];
  try {
    variables = tensorVariables(locals);
  } catch {
    // Keys that cannot be listed (a hostile Proxy as locals): nothing to show.
  }
  const distinct = new Set<object>();
  let bytes = 0;
  for (const [, t] of variables) {
    // `values` is the device copy of a gpu-resident tensor: no read-back.
    if (distinct.has(t.values)) continue;
    distinct.add(t.values);
    bytes += t.size * 4;
  }
  const listed = variables.filter(([, t]) => t.rank <= MAX_LISTED_RANK);
  const tensors = listed.slice(0, MAX_ROWS).map(([name, t]): TensorRow => ({
    name: boundName(name),
    shape: [...t.shape],
    bytes: t.size * 4,
    backend: whereValues(t),
    op: t.provenance?.op ?? null,
  }));
  const memory = { bytes, count: distinct.size };
  return { event: 'state', backend: backend().name, renderer: currentRenderer(), tensors, memory };
}

// ---------------------------------------------------------------------------------------------------------------
// The comm.

let readLocals: LocalsProvider = () => ({});
const open = new Set<Comm>();

/** Error text as the frontend shows it: the message, bounded. */
function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/** A frontend string in a message: JSON-quoted, at most 64 characters of it. */
function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/** What a field holds, for an error: its type, never its (maybe huge) content. */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `a string of ${value.length} character${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'number') return String(value);
  return typeof value;
}

const isRequestId = (id: unknown): id is number => Number.isInteger(id) && (id as number) >= 0 && (id as number) <= MAX_REQUEST_ID;

function requestId(data: Record<string, unknown>): number {
  const id = data['id'];
  if (!isRequestId(id)) {
    fail({ op: 'inspector', arg: 'id', expected: `an integer in 0…${MAX_REQUEST_ID}`, actual: kind(id) });
  }
  return id;
}

function requestString(data: Record<string, unknown>, key: string, maxLength: number): string {
  const value = data[key];
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    fail({ op: 'inspector', arg: key, expected: `a string of 1…${maxLength} characters`, actual: kind(value) });
  }
  return value;
}

/** The `featuremap` answer: `display(name)`'s bundle, or why there is none. */
function featuremap(id: number, name: string): Record<string, unknown> {
  const answer = { event: 'featuremap', id, name };
  try {
    const locals = readLocals();
    // Own variables only: `constructor` or `__proto__` are no notebook's variables.
    if (!Object.prototype.hasOwnProperty.call(locals, name)) {
      return { ...answer, error: `no variable named ${quote(name)}; hint: run the cell that defines it` };
    }
    const value = locals[name];
    if (!(value instanceof Tensor)) return { ...answer, error: `${quote(name)} holds ${kind(value)}, not a Tensor` };
    if (value.size === 0) {
      return { ...answer, error: `${quote(name)} is an empty tensor (shape [${value.shape.join(',')}]): no values to draw` };
    }
    if (value.size > MAX_FEATUREMAP_VALUES) {
      const error = `${quote(name)} has ${value.size} values, more than the inspector draws (${MAX_FEATUREMAP_VALUES})`;
      return { ...answer, error: `${error}; hint: display it in a cell` };
    }
    return { ...answer, bundle: formatValue(value) };
  } catch (error) {
    return { ...answer, error: errorText(error) };
  }
}

/** The answer to one frontend message; throws a ConvLabError naming the field for a malformed one. */
function answer(data: Record<string, unknown>): Record<string, unknown> {
  const request = data['request'];
  if (request === 'state') return { ...inspectorState(readLocals()) };
  if (request === 'featuremap') {
    const id = requestId(data);
    return featuremap(id, requestString(data, 'name', 1000));
  }
  if (request === 'value') {
    const id = requestId(data);
    const ref = requestString(data, 'ref', 64);
    const map = data['map'];
    const index = data['index'];
    if (typeof map !== 'number') fail({ op: 'inspector', arg: 'map', expected: 'an integer', actual: kind(map) });
    if (!Array.isArray(index) || index.length !== 2 || index.some((i) => typeof i !== 'number')) {
      fail({ op: 'inspector', arg: 'index', expected: '[row, col] (two numbers)', actual: kind(index) });
    }
    try {
      const value = shownValue(ref, map, index as number[]);
      // JSON has no NaN or Infinity: those are said in words.
      if (!Number.isFinite(value)) return { event: 'value', id, error: `not a finite number: ${value}` };
      return { event: 'value', id, value };
    } catch (error) {
      return { event: 'value', id, error: errorText(error) };
    }
  }
  const got = typeof request === 'string' ? quote(request) : kind(request);
  return fail({ op: 'inspector', arg: 'request', expected: "'state', 'featuremap' or 'value'", actual: got });
}

/** Answers one message on an inspector comm; never throws (a bad message gets an error event). */
function receive(comm: Comm, data: Record<string, unknown>): void {
  let reply: Record<string, unknown>;
  try {
    reply = answer(data);
  } catch (error) {
    const id = data['id'];
    // The id is echoed only when it is one: a hostile id is not sent back.
    reply = { event: 'error', ...(isRequestId(id) ? { id } : {}), error: errorText(error) };
  }
  comm.send(reply);
}

/** Sends the state to `comms` (made once for all of them), or an error event when making it failed. */
function sendState(comms: Iterable<Comm>): void {
  let data: Record<string, unknown>;
  try {
    data = { ...inspectorState(readLocals()) };
  } catch (error) {
    data = { event: 'error', error: errorText(error) };
  }
  for (const comm of comms) comm.send(data);
}

/**
 * Registers the `convlab.inspector` comm target; `locals` gives the notebook's top-level variables. Each comm a
 * frontend opens gets the state at once. Returns a function that unregisters the target and closes the open
 * comms.
 *
 * @example
 * const stop = startInspector(() => host.locals());
 */
export function startInspector(locals: LocalsProvider): () => void {
  readLocals = locals;
  const unregister = registerCommTarget(INSPECTOR_TARGET, (comm) => {
    // Each open inspector gets the state after every cell: a frontend opening comm after comm gets closes.
    for (const stale of [...open]) if (stale.closed) open.delete(stale);
    if (open.size >= MAX_INSPECTORS) return comm.close({ error: `at most ${MAX_INSPECTORS} inspectors may be open at once` });
    open.add(comm);
    comm.onMessage((message) => receive(comm, message.data));
    comm.onClose(() => open.delete(comm));
    sendState([comm]);
  });
  return () => {
    unregister();
    for (const comm of open) comm.close();
    open.clear();
    readLocals = () => ({});
  };
}

/**
 * Sends the state to every open inspector comm: the launcher runs it after each `execute_request`. Does nothing
 * (and reads no variable) while no inspector is open.
 * @example startKernel({ …, afterExecute: pushInspectorState });
 */
export function pushInspectorState(): void {
  for (const comm of [...open]) if (comm.closed) open.delete(comm);
  if (open.size > 0) sendState(open);
}
