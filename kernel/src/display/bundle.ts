/**
 * The pure formatter: value → MIME bundle. Sending is elsewhere (`display.ts`), so bundles are testable
 * without a kernel.
 *
 * A feature-map bundle carries the vendor JSON (drawn by the extension), a labelled `text/html` figure (for
 * nbconvert, GitHub and untrusted views), `image/png` (for viewers that show only images) and `text/plain`, and
 * stays under `displayOptions().maxPayloadBytes` (1 MB by default): too many maps are cut, then values are
 * quantized to 8 bits per map, then the pictures shrink, then maps are downsampled — each step said in `notes`.
 */
import { FEATURE_MAP_MIME, formatShape, type FeatureMap, type FeatureMapPayload, type FeatureMapWindow } from '@convlab/protocol';
import { fail as failWith } from '../errors';
import type { Provenance, Tensor } from '../tensor';
import { shownRef } from '../inspector';
import type { MimeBundle } from './protocol';
import { scaleFor, toHexStops } from './colors';
import { downsampleMap, encodeMap, ENCODED_BYTES_PER_VALUE } from './encode';
import { featureMapHtml, type FeatureMapSource } from './figure-html';
import { displayOptions, type DisplayLimits } from './options';
import { DEFAULT_CELL_BUDGET, panelDrawings, renderPng, type PanelDrawing } from './png';
import { tensorPanels, type PanelValues } from './panels';


export type { FeatureMapSource };

/**
 * The vendor JSON payload for panels of maps, each map encoded as `encoding`. A panel cut from a tensor
 * (`panel.source`) gets a `ref`: the tensor is kept in the inspector's bounded registry for exact values.
 */
export function featureMapPayload(
  panels: readonly PanelValues[],
  source: FeatureMapSource,
  notes: readonly string[],
  encoding: FeatureMap['encoding'] = 'f32-base64',
): FeatureMapPayload {
  return {
    version: 1,
    op: source.op,
    backend: source.backend,
    notes: [...notes],
    ...(source.window ? { window: sendable(source.window) } : {}),
    panels: panels.map((panel) => {
      const maps = panel.maps.map((map) => encodeMap(map, encoding));
      const min = Math.min(...maps.map((m) => m.min));
      const max = Math.max(...maps.map((m) => m.max));
      const scale = scaleFor(min, max);
      // The shown tensor is kept (bounded) under this id, so a hover can ask the kernel for its exact values.
      const ref = panel.source && shownRef(panel.source, panel.role);
      return {
        role: panel.role,
        title: panel.title,
        shape: [...panel.shape],
        min,
        max,
        colorscale: toHexStops(scale.stops),
        centered: scale.centered,
        maps,
        ...(panel.rgb ? { rgb: true } : {}),
        ...(ref ? { ref } : {}),
      };
    }),
  };
}

/**
 * The window of the op that made a tensor, as the view reads it: with the conv's bias values (read here, when the
 * result is shown, not when the op runs).
 */
export function shownWindow(provenance: Provenance | undefined): FeatureMapWindow | undefined {
  const window = provenance?.window;
  return window && provenance.bias ? { ...window, bias: Array.from(provenance.bias.data) } : window;
}

/** The window as JSON can carry it: a bias with a non-finite value (JSON would write null) is left out. */
function sendable(window: FeatureMapWindow): FeatureMapWindow {
  if (!window.bias || window.bias.every(Number.isFinite)) return window;
  const { bias: _unsendable, ...rest } = window;
  return rest;
}

/** Maps smaller than this on both axes are never downsampled (kernels stay exact). */
const SMALLEST_DOWNSAMPLED = 16;

/** The size a panel's maps are drawn at after `downsample(…, factor)`, computed without touching a value. */
function mapSizeAt(panel: PanelValues, factor: number): [height: number, width: number] {
  const first = panel.maps[0];
  if (!first) return [0, 0];
  const { height, width } = first;
  if (factor === 1 || Math.max(height, width) < SMALLEST_DOWNSAMPLED) return [height, width];
  return [Math.ceil(height / factor), Math.ceil(width / factor)];
}

/**
 * How many values the panels send once downsampled by `factor` (every map of a panel has the same size): a
 * downsampled map sends three per cell, its block means, lows and highs.
 */
function countValuesAt(panels: readonly PanelValues[], factor: number): number {
  return panels.reduce((sum, p) => {
    const first = p.maps[0];
    const [height, width] = mapSizeAt(p, factor);
    const reduced = first !== undefined && (height !== first.height || width !== first.width);
    return sum + p.maps.length * height * width * (reduced ? 3 : 1);
  }, 0);
}

/** The longest map side once downsampled by `factor`. */
function largestSideAt(panels: readonly PanelValues[], factor: number): number {
  return Math.max(1, ...panels.map((p) => Math.max(...mapSizeAt(p, factor))));
}

function capMaps(panels: readonly PanelValues[], maxMaps: number): { panels: PanelValues[]; notes: string[] } {
  const notes: string[] = [];
  const capped = panels.map((panel) => {
    const count = panel.mapCount ?? panel.maps.length;
    if (count <= maxMaps) return panel;
    notes.push(`${panel.role}: showing the first ${Math.min(maxMaps, panel.maps.length)} of ${count} maps`);
    // Fewer than three maps are no colour image any more.
    return { ...panel, maps: panel.maps.slice(0, maxMaps), ...(panel.rgb && maxMaps < 3 ? { rgb: false } : {}) };
  });
  return { panels: capped, notes };
}

function downsample(panels: readonly PanelValues[], factor: number): { panels: PanelValues[]; notes: string[] } {
  if (factor === 1) return { panels: [...panels], notes: [] };
  const notes: string[] = [];
  const reduced = panels.map((panel) => {
    const first = panel.maps[0];
    if (!first || Math.max(first.height, first.width) < SMALLEST_DOWNSAMPLED) return panel;
    const maps = panel.maps.map((map) => downsampleMap(map, factor));
    notes.push(
      `${panel.role}: ${first.height}×${first.width} maps drawn at ${maps[0]!.height}×${maps[0]!.width} ` +
        `(mean of ${factor}×${factor} blocks)`,
    );
    return { ...panel, maps };
  });
  return { panels: reduced, notes };
}

/**
 * Cells the static pictures may hold, `[html, png]`, tried in turn: smaller pictures before a coarser payload,
 * the PNG (for viewers that show only images) shrinking first, since the HTML carries the labels and numbers.
 * Measured on a [1,64,56,56] conv output (8-bit noise): HTML 332 KB and PNG 248 KB at the first step, 136 KB
 * and 88 KB at a quarter of it; with its 562 KB of values, the second step fits 1 MB.
 */
const CELLS = DEFAULT_CELL_BUDGET;
const PICTURE_STEPS = [
  [CELLS, CELLS],
  [CELLS, CELLS / 4],
  [CELLS / 4, CELLS / 4],
  [CELLS / 4, CELLS / 16],
  [CELLS / 16, CELLS / 16],
] as const;

/**
 * Room the static figures take at most at their smallest step: the HTML and PNG of a bank of maps take about 48 KB
 * there (a [1,64,112,112] conv output with its input: 28 KB of HTML, 20 KB of PNG). Values that leave this much
 * room are built without a second thought; values that leave less are first checked against the smallest figures
 * of their own panels (smooth maps compress to a few KB), so a payload that cannot fit, with its pictures, is not
 * built. Under a small limit (a small tensor's pictures are small too) a quarter of it.
 */
const smallestPicturesBytes = (budget: number): number => Math.min(48_000, budget / 4);

/** Bytes a bundle part takes in the message (JSON-escaped, UTF-8). */
const bytesOf = (part: unknown): number => Buffer.byteLength(JSON.stringify(part));
const sized = (text: string): { text: string; bytes: number } => ({ text, bytes: bytesOf(text) });
/** Base64 needs no escaping in JSON: its bytes are its length and two quotes. */
const base64Bytes = (text: string): number => text.length + 2;

/**
 * {@link bytesOf} a payload without writing its values out a second time: each map's `data` is base64, whose JSON
 * is the string and two quotes, so the payload is measured with those strings left empty and their lengths added.
 */
function payloadBytes(payload: FeatureMapPayload): number {
  let values = 0;
  const skeleton = JSON.stringify(payload, (key, value: unknown) => {
    if (key !== 'data' || typeof value !== 'string') return value;
    values += value.length;
    return '';
  });
  return Buffer.byteLength(skeleton) + values;
}

/**
 * The feature-map bundle of panels: the vendor JSON, a labelled `text/html` figure, the `image/png` figure and
 * `text/plain`, fitted into `limits.maxPayloadBytes` (every part counted): full float32 values when they fit;
 * else 8-bit values; else smaller pictures (their maps drawn as block means); else 8-bit maps downsampled by
 * 2, 4, 8, … (each cell's block range sent too); else fewer maps. The text part is never cut. Sizes are worked
 * out before any value is touched, so a map is downsampled only at a factor whose values can fit: a 1 GiB
 * tensor is read once, not once per factor tried.
 *
 * @example
 * const big = tensor(new Float32Array(64 * 224 * 224), [1, 64, 224, 224]);
 * JSON.stringify(tensorBundle(big)).length < 1_000_000; // true, with notes saying how it was reduced
 */
export function featureMapBundle(
  allPanels: readonly PanelValues[],
  source: FeatureMapSource,
  notes: readonly string[],
  text: string,
  limits: Readonly<DisplayLimits> = displayOptions(),
): MimeBundle {
  // A tensor with no values but cells per map ([0, 3, 4, 4], or [1, 0, 4, 4] with no map at all) has nothing to
  // draw: its text says so, and a picture of empty maps would only be refused by the extension's validator.
  if (allPanels.some((p) => p.maps.length === 0 || p.maps.some((m) => m.values.length !== m.height * m.width))) {
    return { data: { 'text/plain': text }, metadata: {} };
  }
  const budget = limits.maxPayloadBytes - bytesOf(text) - bytesOf({ [FEATURE_MAP_MIME]: 0, 'text/html': 0, 'image/png': 0, 'text/plain': 0 });
  const howToChange = `to keep this output under ${limits.maxPayloadBytes} bytes (setDisplayOptions({ maxPayloadBytes }) changes that)`;
  const build = (panels: readonly PanelValues[], steps: string[], encoding: FeatureMap['encoding'], factor: number) => {
    if (encoding === 'u8-base64') steps = [...steps, 'values quantized to 8 bits per map (each map keeps its min and max)'];
    const said = steps.map((step, i) => (i === steps.length - 1 ? `${step} ${howToChange}` : step));
    // A downsampled map no longer lines up with the op's window, so the window is left out.
    const shown = factor === 1 ? source : { ...source, window: undefined };
    const payload = featureMapPayload(panels, shown, [...notes, ...said], encoding);
    // The static figures, their pictures holding at most `cells` cells; each layout and figure made once,
    // however often tried (the HTML and the PNG share a layout when their budgets agree).
    const made = new Map<string, unknown>();
    const once = <T>(key: string, make: () => T): T => {
      if (!made.has(key)) made.set(key, make());
      return made.get(key) as T;
    };
    const drawn = (cells: number): PanelDrawing[] => once(`layout ${cells}`, () => panelDrawings(panels, cells, shown.window));
    // Each figure with its size in the message, measured once.
    const statics = {
      html: (cells: number) => once(`html ${cells}`, () => sized(featureMapHtml(drawn(cells), shown, payload.notes))),
      png: (cells: number) => once(`png ${cells}`, () => {
        const text = renderPng(drawn(cells)).toString('base64');
        return { text, bytes: base64Bytes(text) };
      }),
    };
    return { payload, json: payloadBytes(payload), statics };
  };
  const bundleOf = (payload: FeatureMapPayload, statics: { png: string; html: string }): MimeBundle => ({
    data: { [FEATURE_MAP_MIME]: payload, 'text/html': statics.html, 'image/png': statics.png, 'text/plain': text },
    metadata: {},
  });
  let maxMaps = limits.maxMapsPerPanel;
  let lastFactor = 1;
  for (;;) {
    const capped = capMaps(allPanels, maxMaps);
    // The smallest static figures of these panels, measured only when values come close to the budget.
    let smallestStatics: number | undefined;
    const smallestStaticsBytes = (): number => {
      if (smallestStatics === undefined) {
        // The last step draws the HTML and the PNG at the same budget: one layout, each tile drawn once.
        const drawn = panelDrawings(capped.panels, PICTURE_STEPS[PICTURE_STEPS.length - 1]![0], source.window);
        smallestStatics = bytesOf(featureMapHtml(drawn, source, [...notes, ...capped.notes])) + base64Bytes(renderPng(drawn).toString('base64'));
      }
      return smallestStatics;
    };
    for (let factor = 1; ; factor *= 2) {
      lastFactor = factor;
      const values = countValuesAt(capped.panels, factor);
      // Exact values only at full size: 8 bits at twice the resolution show more than float32 at half.
      const encodings = (factor === 1 ? (['f32-base64', 'u8-base64'] as const) : (['u8-base64'] as const))
        // Skip building payloads that cannot fit: the encoded values and the smallest pictures are over the budget.
        // Big banks' smallest pictures take about 48 KB; values leaving less room are checked against these panels'
        // (drawn and measured only then: values alone over the budget need no pictures to be refused).
        .filter((encoding) => {
          const bytes = values * ENCODED_BYTES_PER_VALUE[encoding];
          if (bytes > budget) return false;
          return bytes + smallestPicturesBytes(budget) <= budget || bytes + smallestStaticsBytes() <= budget;
        });
      if (encodings.length > 0) {
        const reduced = downsample(capped.panels, factor);
        const steps = [...capped.notes, ...reduced.notes];
        for (const encoding of encodings) {
          const attempt = build(reduced.panels, steps, encoding, factor);
          if (attempt.json > budget) continue;
          // Exact values are not bought with smaller pictures: float32 gets the full-size pictures or nothing.
          for (const [htmlCells, pngCells] of encoding === 'f32-base64' ? PICTURE_STEPS.slice(0, 1) : PICTURE_STEPS) {
            const html = attempt.statics.html(htmlCells);
            // The PNG is drawn only when the HTML leaves room for it.
            if (attempt.json + html.bytes > budget) continue;
            const png = attempt.statics.png(pngCells);
            if (attempt.json + html.bytes + png.bytes <= budget) return bundleOf(attempt.payload, { html: html.text, png: png.text });
          }
        }
      }
      if (largestSideAt(capped.panels, factor) < SMALLEST_DOWNSAMPLED) break;
    }
    if (maxMaps === 1) break;
    maxMaps = Math.max(1, Math.floor(Math.min(maxMaps, Math.max(...allPanels.map((p) => p.maps.length))) / 2));
  }
  // Nothing fits (a tiny limit): send the smallest form there is (maxMaps is 1 here), and say so.
  const capped = capMaps(allPanels, maxMaps);
  const reduced = downsample(capped.panels, lastFactor);
  const last = build(reduced.panels, [...capped.notes, ...reduced.notes, 'still over the limit'], 'u8-base64', lastFactor);
  const [htmlCells, pngCells] = PICTURE_STEPS[PICTURE_STEPS.length - 1]!;
  return bundleOf(last.payload, { html: last.statics.html(htmlCells).text, png: last.statics.png(pngCells).text });
}

/** Tensors with more values than this print as a summary in `text/plain`, not value by value. */
const MAX_PRINTED_VALUES = 1000;

/**
 * The `text/plain` of a tensor: all values when it is small, else its shape and statistics.
 *
 * @example
 * tensorText(tensor(new Float32Array(4096), [64, 64]));
 * // 'Tensor [64,64] float32 (4096 values, min 0, max 0, mean 0; too many to print)'
 */
export function tensorText(t: Tensor): string {
  const data = t.data;
  // An empty tensor prints too: toString summarises its rows, however many.
  if (data.length <= MAX_PRINTED_VALUES) return t.toString();
  // One pass over the values, no copy: min and max of the finite ones (as valueRange: NaN fails both
  // comparisons, ±Infinity is excluded by name), the sum of all.
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  const length = data.length;
  for (let i = 0; i < length; i++) {
    const v = data[i]!;
    sum += v;
    if (v < min && v !== -Infinity) min = v;
    if (v > max && v !== Infinity) max = v;
  }
  if (min > max) [min, max] = [0, 0];
  const round = (v: number): string => String(Number(v.toPrecision(5)));
  return (
    `Tensor ${formatShape(t.shape)} float32 (${data.length} values, min ${round(min)}, max ${round(max)}, ` +
    `mean ${round(sum / data.length)}; too many to print)`
  );
}

/** Options of {@link tensorBundle}. */
export interface TensorBundleOptions {
  /**
   * One output cell per spatial axis (`[row, col]` for 2-D) that the view highlights without a hover: its window
   * on the padded input, its computation in a caption line (`window.focus`). Only for a tensor a windowed op made.
   */
  focus?: readonly number[];
}

/**
 * The bundle of a tensor: its feature map (input | kernel | output when an op made it), HTML, PNG and text.
 *
 * @param options `focus`: the output cell to highlight (an error naming `tensorBundle` and `options.focus` when
 *   the tensor has no window, or the cell is not in its output)
 * @example
 * Object.keys(tensorBundle(conv2d(x, w)).data);
 * // ['application/vnd.convlab.featuremap.v1+json', 'text/html', 'image/png', 'text/plain']
 * tensorBundle(conv2d(x, w), { focus: [1, 0] }); // the view outlines output (row 1, col 0) and its window
 */
export function tensorBundle(t: Tensor, options: TensorBundleOptions = {}): MimeBundle {
  const { panels, notes } = tensorPanels(t);
  const window = shownWindow(t.provenance);
  const focus = options.focus === undefined ? undefined : checkFocus(t, window, options.focus);
  const source = {
    op: t.provenance?.op ?? 'tensor',
    backend: t.provenance?.backend ?? 'cpu',
    window: window && focus ? { ...window, focus } : window,
  };
  const summary = t.provenance ? `${source.op} on ${source.backend}: ${panels.map((p) => p.title).join(' → ')}\n` : '';
  return featureMapBundle(panels, source, notes, summary + tensorText(t));
}

/** A focus cell checked against the tensor's window and output sizes (the spatial axes are its last ones). */
function checkFocus(t: Tensor, window: FeatureMapWindow | undefined, focus: readonly number[]): number[] {
  const fail = (expected: string): never =>
    failWith({ op: 'tensorBundle', arg: 'options.focus', expected, actual: JSON.stringify(focus) ?? String(focus), shapes: { tensor: t.shape } });
  if (!window) return fail('no focus: the tensor was not made by a sliding-window op (conv, pool), so it has no window to show');
  const spatial = t.shape.slice(t.shape.length - window.kernel.length);
  if (!Array.isArray(focus) || focus.length !== spatial.length) return fail(`${spatial.length} cell indices, one per spatial axis`);
  if (focus.some((i, a) => !Number.isInteger(i) || i < 0 || i >= spatial[a]!)) {
    return fail(`integers within the output's spatial sizes ${formatShape(spatial)}`);
  }
  return [...focus];
}
