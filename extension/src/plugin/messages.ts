/**
 * The inspector comm's messages as the frontend reads them (target `convlab.inspector`; the kernel side is
 * kernel/src/inspector.ts): each kernel message checked before use — it is data from a kernel, so sizes are
 * bounded and nothing is trusted to have the right shape — and the texts the panel and status bar show. Pure:
 * no DOM, no JupyterLab; unit-tested in test/unit/extension/plugin-messages.test.ts.
 */
import {
  formatBytes,
  MAX_LISTED_RANK,
  MAX_NAME_LENGTH,
  MAX_ROWS,
  type FeatureMapAnswer,
  type InspectorState,
  type TensorRow,
  type ValueAnswer,
} from '@convlab/protocol';

export { CONVLAB_IMPLEMENTATION, INSPECTOR_TARGET, MAX_ROWS } from '@convlab/protocol';
export type { FeatureMapAnswer, InspectorState, TensorRow, ValueAnswer } from '@convlab/protocol';

/** A kernel message, checked: one of the three events, or what was wrong with it. */
export type InspectorMessage =
  | { event: 'state'; state: InspectorState }
  | { event: 'featuremap'; answer: FeatureMapAnswer }
  | { event: 'value'; answer: ValueAnswer }
  /** The kernel refused a request (`id` when it could read one) or failed to make its state. */
  | { event: 'error'; id?: number; error: string }
  | { event: 'invalid'; error: string };

const TEXT_MAX = MAX_NAME_LENGTH;
const DIMS_MAX = MAX_LISTED_RANK;

type Record_ = Record<string, unknown>;
const isObject = (v: unknown): v is Record_ => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A short text field: a string, cut to {@link TEXT_MAX} characters (a name is not a place for a novel). */
function text(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what}: expected a string, got ${typeof v}`);
  return v.length > TEXT_MAX ? `${v.slice(0, TEXT_MAX - 1)}…` : v;
}

function row(v: unknown, i: number): TensorRow {
  if (!isObject(v)) throw new Error(`tensors[${i}]: expected an object`);
  const shape = v['shape'];
  if (!Array.isArray(shape) || shape.length > DIMS_MAX || !shape.every(isCount)) {
    throw new Error(`tensors[${i}].shape: expected at most ${DIMS_MAX} non-negative integers`);
  }
  if (!isCount(v['bytes'])) throw new Error(`tensors[${i}].bytes: expected a non-negative integer`);
  return {
    name: text(v['name'], `tensors[${i}].name`),
    shape: shape as number[],
    bytes: v['bytes'],
    backend: text(v['backend'], `tensors[${i}].backend`),
    op: v['op'] === null || v['op'] === undefined ? null : text(v['op'], `tensors[${i}].op`),
  };
}

function state(d: Record_): InspectorState {
  const tensors = d['tensors'];
  if (!Array.isArray(tensors)) throw new Error('tensors: expected an array');
  const memory = d['memory'];
  if (!isObject(memory) || !isCount(memory['bytes']) || !isCount(memory['count'])) {
    throw new Error('memory: expected { bytes, count } of non-negative integers');
  }
  return {
    event: 'state',
    backend: text(d['backend'], 'backend'),
    renderer: d['renderer'] === null || d['renderer'] === undefined ? null : text(d['renderer'], 'renderer'),
    // Rows past the bound are dropped, not refused: the panel still lists the first ones.
    tensors: tensors.slice(0, MAX_ROWS).map(row),
    memory: { bytes: memory['bytes'], count: memory['count'] },
  };
}

function answerId(d: Record_): number {
  if (!isCount(d['id'])) throw new Error('id: expected a non-negative integer');
  return d['id'];
}

/**
 * Checks a kernel message's `data`. Never throws: a malformed message becomes `{ event: 'invalid', error }`.
 *
 * @example parseMessage({ event: 'value', id: 3, value: 0.25 }) // { event: 'value', answer: { id: 3, value: 0.25 } }
 * @example parseMessage({ event: 'state', backend: 1 }).event // 'invalid'
 */
export function parseMessage(data: unknown): InspectorMessage {
  try {
    if (!isObject(data)) throw new Error('expected an object');
    switch (data['event']) {
      case 'state':
        return { event: 'state', state: state(data) };
      case 'featuremap': {
        const answer: FeatureMapAnswer = { event: 'featuremap', id: answerId(data), name: text(data['name'], 'name') };
        const bundle = data['bundle'];
        if (bundle !== undefined) {
          if (!isObject(bundle) || !isObject(bundle['data'])) throw new Error('bundle: expected { data, metadata }');
          answer.bundle = { data: bundle['data'], metadata: isObject(bundle['metadata']) ? bundle['metadata'] : {} };
        }
        if (data['error'] !== undefined) answer.error = text(data['error'], 'error');
        if (!answer.bundle && answer.error === undefined) throw new Error('featuremap: expected a bundle or an error');
        return { event: 'featuremap', answer };
      }
      case 'value': {
        const answer: ValueAnswer = { event: 'value', id: answerId(data) };
        // A float32 may be NaN or ±∞, which JSON cannot carry: the kernel sends them as null (or not at all).
        if (typeof data['value'] === 'number') answer.value = data['value'];
        if (data['error'] !== undefined) answer.error = text(data['error'], 'error');
        if (answer.value === undefined && answer.error === undefined) throw new Error('value: expected a number or an error');
        return { event: 'value', answer };
      }
      case 'error':
        return { event: 'error', ...(isCount(data['id']) ? { id: data['id'] } : {}), error: text(data['error'], 'error') };
      default:
        throw new Error(`event: expected 'state', 'featuremap', 'value' or 'error', got ${JSON.stringify(String(data['event'])).slice(0, 40)}`);
    }
  } catch (error) {
    return { event: 'invalid', error: error instanceof Error ? error.message : String(error) };
  }
}

/** `[1,8,26,26]`: a shape as the panel and the kernel write it. */
export const shapeText = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/**
 * The status bar's text for a ConvLab notebook.
 *
 * @example statusText({ backend: 'wasm', renderer: null, tensors: [x, y], memory: { bytes: 2048, count: 2 } })
 * // 'ConvLab · wasm · 2 tensors · 2.0 KiB'
 */
export function statusText(s: InspectorState): string {
  const parts = ['ConvLab', s.backend];
  if (s.renderer) parts.push(s.renderer);
  parts.push(`${s.memory.count} ${s.memory.count === 1 ? 'tensor' : 'tensors'}`, formatBytes(s.memory.bytes));
  return parts.join(' · ');
}

/**
 * A table row's cells, in the panel's column order: name, shape, bytes, backend, op.
 *
 * @example rowCells({ name: 'y', shape: [1, 8, 26, 26], bytes: 21632, backend: 'cpu', op: 'conv2d' })
 * // ['y', '[1,8,26,26]', '21.1 KiB', 'cpu', 'conv2d']
 */
export function rowCells(r: TensorRow): [string, string, string, string, string] {
  return [r.name, shapeText(r.shape), formatBytes(r.bytes), r.backend, r.op ?? '—'];
}

/** The panel's columns, with {@link rowCells}. */
export const COLUMNS = ['name', 'shape', 'bytes', 'backend', 'op'] as const;
