/**
 * The `convlab.inspector` comm: what ConvLab's JupyterLab plugin (extension/src/plugin) and the kernel
 * (kernel/src/inspector.ts) say to each other. The frontend opens the comm when its notebook's kernel is ConvLab's
 * (kernel_info `implementation` is {@link CONVLAB_IMPLEMENTATION}); every message is a JSON `data` object.
 *
 * - kernel → frontend, on open, after every executed cell and on `{ request: 'state' }`: {@link InspectorState};
 * - `{ request: 'featuremap', id, name }` → `{ event: 'featuremap', id, name, bundle? | error? }` (the bundle
 *   `display(tensor)` sends);
 * - `{ request: 'value', id, ref, map, index: [row, col] }` → `{ event: 'value', id, value? | error? }`: the exact
 *   value of a cell of a shown panel (its `ref`, see schema.ts), for a map sent downsampled or in 8 bits;
 * - a request the kernel cannot read → `{ event: 'error', id?, error }`.
 *
 * Types and bounds only; each side checks what it receives.
 *
 * @example
 * // kernel → frontend after `const y = conv2d(x, w)`:
 * // { event: 'state', backend: 'wasm', renderer: null, memory: { bytes: 2368, count: 3 },
 * //   tensors: [{ name: 'y', shape: [1, 8, 6, 6], bytes: 1152, backend: 'wasm', op: 'conv2d' }, …] }
 */

/** The comm's target name. */
export const INSPECTOR_TARGET = 'convlab.inspector';

/** What kernel_info's `implementation` says for ConvLab's kernel: the plugin opens its comm to no other. */
export const CONVLAB_IMPLEMENTATION = 'convlab';

/** Rows a state lists at most (the first by name); `memory` still counts every tensor. */
export const MAX_ROWS = 500;
/** Axes a listed tensor has at most: a tensor of more is counted in `memory`, not listed. */
export const MAX_LISTED_RANK = 8;
/** Characters of a name (and of the other texts of a row) at most. */
export const MAX_NAME_LENGTH = 200;

/** A live tensor: a top-level variable of the notebook's kernel holding a Tensor. */
export interface TensorRow {
  /** The variable's name (longer names are cut, ending in `…`). */
  name: string;
  shape: number[];
  /** Bytes its values take: 4 per value (float32). */
  bytes: number;
  /** Where the values live: `'gpu'` for a result kept on the device, else the backend that computed them. */
  backend: string;
  /** The op that made it (`provenance.op`, e.g. `'conv2d'`), or null for a tensor made from values. */
  op: string | null;
}

/** `{ event: 'state' }`: the backend ops run on, the gpu renderer (once the gpu backend ran), the live tensors. */
export interface InspectorState {
  event: 'state';
  backend: string;
  renderer: string | null;
  tensors: TensorRow[];
  /** Bytes and number of the distinct tensors' values (two variables holding one tensor count once). */
  memory: { bytes: number; count: number };
}

/** An answer to `{ request: 'featuremap', id, name }`: the bundle `display(tensor)` sends, or why not. */
export interface FeatureMapAnswer {
  event: 'featuremap';
  id: number;
  name: string;
  bundle?: { data: Record<string, unknown>; metadata: Record<string, unknown> };
  error?: string;
}

/** An answer to `{ request: 'value', id, ref, map, index }`. */
export interface ValueAnswer {
  event: 'value';
  id: number;
  value?: number;
  error?: string;
}
