/**
 * Turns tensors into panels of 2-D maps: the one view of "what to draw" that both the vendor JSON payload and
 * the PNG fallback are made from.
 */
import type { FeatureMapPanel } from '@convlab/protocol';
import { formatShape } from '../errors';
import { numel, type Tensor } from '../tensor';
import { displayOptions } from './options';

/** One 2-D slice of a tensor, row-major, row 0 at the top. */
export interface MapValues {
  label: string;
  height: number;
  width: number;
  values: Float32Array;
  /** Set by `downsampleMap`: the map `values` were made from, and each cell's block's smallest and largest value. */
  downsampled?: BlockRanges;
}

/** What a downsampled map stands for (the payload's `Downsampling`, before encoding). */
export interface BlockRanges {
  factor: number;
  sourceHeight: number;
  sourceWidth: number;
  low: Float32Array;
  high: Float32Array;
}

/** A tensor cut into 2-D maps, plus what to call it. */
export interface PanelValues {
  role: FeatureMapPanel['role'];
  title: string;
  shape: readonly number[];
  maps: MapValues[];
  /** How many maps the tensor holds, when {@link panelOf} kept only the first `maps.length` of them. */
  mapCount?: number;
  /** The first three maps are the red, green and blue channels of an image in [0, 1] ({@link isRgbImage}). */
  rgb?: boolean;
  /**
   * The tensor {@link panelOf} cut the maps from, in {@link mapLayout}'s order: a shown panel's `ref` names it, so
   * the inspector can answer exact values. Panels whose maps are not that tensor's leave it out.
   */
  source?: Tensor;
}

/** How {@link panelOf} cuts a shape into maps: how many, their size, and whether a kernel's (out, in) pairs. */
export interface MapLayout {
  /** The leading axes (all but the last two; a 1-D tensor is one row, a scalar one cell). */
  lead: number[];
  height: number;
  width: number;
  isKernel: boolean;
  /** Maps there are: out·in for a kernel, else the channels of batch item 0; map `m` starts at value `m·height·width`. */
  count: number;
}

/**
 * The maps a tensor of `shape` is cut into when shown as `role` (see {@link panelOf}).
 *
 * @example
 * mapLayout([2, 3, 4, 5], 'tensor').count; // 3 (channels of batch item 0, each 4×5)
 * mapLayout([8, 3, 3, 3], 'kernel').count; // 24 (out · in)
 */
export function mapLayout(shape: readonly number[], role: PanelValues['role']): MapLayout {
  const full = shape.length === 0 ? [1, 1] : shape.length === 1 ? [1, shape[0] ?? 0] : shape;
  const lead = full.slice(0, -2);
  const isKernel = role === 'kernel' && lead.length === 2;
  const count = isKernel ? (lead[0] ?? 1) * (lead[1] ?? 1) : (lead[lead.length - 1] ?? 1);
  return { lead, height: full[full.length - 2] ?? 1, width: full[full.length - 1] ?? 1, isKernel, count };
}

/**
 * Cuts a tensor into 2-D maps along its last two axes.
 *
 * `[H, W]` gives one map; `[C, H, W]` one per channel; `[N, C, H, W]` one per channel of batch item 0 (a note
 * says so); a kernel `[O, I, kH, kW]` one per (out, in) pair. A 1-D tensor is drawn as a single row. Only
 * the first `maxMaps` maps are made (views into the tensor, no copies): `[1, 1e7, 0, 0]` gives 64 maps, not
 * ten million, and `mapCount` says how many there are.
 *
 * @example
 * panelOf(zeros([1, 100, 4, 4]), 'tensor').panel.maps.length; // 64 (mapCount 100)
 */
export function panelOf(
  t: Tensor,
  role: PanelValues['role'],
  maxMaps: number = displayOptions().maxMapsPerPanel,
): { panel: PanelValues; notes: string[] } {
  const notes: string[] = [];
  const { lead, height, width, isKernel, count } = mapLayout(t.shape, role);
  // Batched activations: only item 0 is drawn, the batch is said in the note.
  if (!isKernel && lead.length === 2 && (lead[0] ?? 1) > 1) {
    notes.push(`${role}: showing batch item 0 of ${lead[0]}`);
  }
  const plane = height * width;
  const maps: MapValues[] = [];
  for (let m = 0; m < Math.min(count, maxMaps); m++) {
    const label = isKernel
      ? `out ${Math.floor(m / (lead[1] ?? 1))} · in ${m % (lead[1] ?? 1)}`
      : lead.length === 0
        ? ''
        : `channel ${m}`;
    maps.push({ label, height, width, values: t.data.subarray(m * plane, (m + 1) * plane) });
  }
  const panel: PanelValues = {
    role,
    title: `${role} ${formatShape(t.shape)}`,
    shape: t.shape,
    maps,
    ...(count > maps.length ? { mapCount: count } : {}),
    ...(isRgbImage(t, role) ? { rgb: true } : {}),
    source: t,
  };
  return { panel, notes };
}

/**
 * True when a tensor reads as one colour image: an image or a plain tensor (not a kernel or an op's output)
 * shaped `[3, H, W]` or `[1, 3, H, W]` whose values all lie in [0, 1], as `loadImage` makes them. Signed or
 * unbounded channels (a normalised image, activations) stay three grey maps: as colours they would clip.
 *
 * @example
 * isRgbImage(rand([1, 3, 8, 8]), 'input');  // true
 * isRgbImage(randn([1, 3, 8, 8]), 'input'); // false: values outside [0, 1]
 * isRgbImage(rand([2, 3, 8, 8]), 'tensor'); // false: a batch of two
 */
export function isRgbImage(t: Tensor, role: PanelValues['role']): boolean {
  if (role !== 'input' && role !== 'tensor') return false;
  const shape = t.shape;
  const image = (shape.length === 3 && shape[0] === 3) || (shape.length === 4 && shape[0] === 1 && shape[1] === 3);
  if (!image || numel(shape) === 0) return false;
  const values = t.data;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // Written so that NaN fails too.
    if (!(v >= 0 && v <= 1)) return false;
  }
  return true;
}

/** The panels to show for a tensor: input, kernel and output when an op made it, else the tensor alone. */
export function tensorPanels(t: Tensor): { panels: PanelValues[]; notes: string[] } {
  const parts: [Tensor, PanelValues['role']][] = t.provenance
    ? [[t.provenance.input, 'input'], ...(t.provenance.weight ? [[t.provenance.weight, 'kernel'] as [Tensor, 'kernel']] : []), [t, 'output']]
    : [[t, 'tensor']];
  const cut = parts.map(([tensor, role]) => panelOf(tensor, role));
  return { panels: cut.map((c) => c.panel), notes: cut.flatMap((c) => c.notes) };
}

/** Smallest and largest finite value; `[0, 0]` when there is none. @example valueRange(Float32Array.of(3, NaN, -1)); // [-1, 3] */
export function valueRange(values: ArrayLike<number>): [number, number] {
  return valueRangeOf([values]);
}

/**
 * Each map's range, found once: a bundle reads it for the payload's encoding, the panel's scale and the pictures.
 * Keyed by the array (a map's values are a view made for one display), so nothing outlives the display.
 */
const ranges = new WeakMap<object, readonly [number, number]>();

/**
 * Smallest and largest finite value of several arrays together, without copying them into one; `[0, 0]` when
 * there is none.
 *
 * @example
 * valueRangeOf([Float32Array.of(2), Float32Array.of(5, 4)]); // [2, 5]
 */
export function valueRangeOf(arrays: readonly ArrayLike<number>[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const values of arrays) {
    const [low, high] = rangeOf(values);
    if (low < min) min = low;
    if (high > max) max = high;
  }
  return min <= max ? [min, max] : [0, 0];
}

/** One array's finite range, `[Infinity, -Infinity]` when it has no finite value (memoized for typed arrays). */
function rangeOf(values: ArrayLike<number>): readonly [number, number] {
  const known = ArrayBuffer.isView(values) ? ranges.get(values) : undefined;
  if (known) return known;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? NaN;
    // v − v is 0 for a finite v, NaN for NaN and ±Infinity: those are left out.
    if (v - v !== 0) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = [min, max] as const;
  if (ArrayBuffer.isView(values)) ranges.set(values, range);
  return range;
}
