/**
 * Exact values on hover. A feature map's 8-bit or downsampled map shows approximations; when its panel carries a
 * `ref` (the kernel's id of the tensor), the view can ask the kernel of the notebook holding the output for the
 * exact value under the pointer over the inspector comm (`{ request: 'value', id, ref, map, index }`).
 *
 * The view (../widget.ts) knows nothing of notebooks or comms: it calls {@link ExactValues.hover} on each pointer
 * move, and the plugin (./index.ts) installs the {@link ValueSource} that finds the notebook and its comm. Without
 * one (another kernel, no plugin, a static export), nothing is asked and the tooltip keeps its own lines.
 */
import type { FeatureMap, FeatureMapPanel } from '@convlab/protocol';
import { formatValue } from './figure';

/** One exact-value question: the panel's `ref`, the map's index in the panel, `[row, col]` in the full-size map. */
export interface ValueQuery {
  ref: string;
  map: number;
  index: [number, number];
}

/**
 * Answers a query for the output drawn in `node`: a promise of the value, or `undefined` when no ConvLab kernel
 * is behind that output (then nothing is sent).
 */
export type ValueSource = (node: HTMLElement, query: ValueQuery) => Promise<number> | undefined;

let source: ValueSource | undefined;

/**
 * Installs (or, with `undefined`, removes) the one value source. The plugin calls it once when it starts.
 *
 * @example setValueSource((node, q) => connectionOf(node)?.requestValue(q.ref, q.map, q.index));
 */
export function setValueSource(next: ValueSource | undefined): void {
  source = next;
}

/**
 * The full-size `[row, col]` the pointer is over, for a map whose values were approximated, or `null` when there
 * is nothing to ask: a float32 map that was not downsampled (its values are exact), a cell outside the map, or a
 * panel without `ref`. In a downsampled map a drawn cell is a `factor × factor` block: `fy`, `fx` (the pointer's
 * position within the drawn cell, 0..1) pick the source cell under it.
 *
 * @example exactIndex(panelWithRef, map8bit, 1, 2, 0.5, 0.5) // [1, 2]
 * @example exactIndex(panelWithRef, downsampledBy4, 1, 2, 0.3, 0.9) // [5, 11]
 */
export function exactIndex(panel: FeatureMapPanel, map: FeatureMap, r: number, c: number, fy: number, fx: number): [number, number] | null {
  if (!panel.ref || r < 0 || c < 0 || r >= map.height || c >= map.width) return null;
  const down = map.downsampled;
  if (!down) return map.encoding === 'u8-base64' ? [r, c] : null;
  const within = (f: number): number => Math.min(down.factor - 1, Math.max(0, Math.floor(f * down.factor)));
  const row = Math.min(down.sourceHeight - 1, r * down.factor + within(fy));
  const col = Math.min(down.sourceWidth - 1, c * down.factor + within(fx));
  return [row, col];
}

/** The tooltip line an answer adds. @example exactLine(0.123456789, [5, 11], true) // 'exact value 0.123457 at (row 5, col 11)' */
export function exactLine(value: number, [row, col]: readonly [number, number], downsampled: boolean): string {
  return downsampled ? `exact value ${formatValue(value)} at (row ${row}, col ${col})` : `exact value ${formatValue(value)}`;
}

/** How long the pointer rests on a cell before the kernel is asked: a sweep across a map asks nothing. */
export const EXACT_DELAY_MS = 120;

/** A question waiting for the one in flight to settle. */
interface Queued {
  node: HTMLElement;
  query: ValueQuery;
  key: string;
  downsampled: boolean;
  show: (line: string | undefined) => void;
}

/**
 * One view's exact-value questions: asked after the pointer rested {@link EXACT_DELAY_MS} on a cell, at most one
 * in flight (a slow kernel is not sent a question per cell the pointer rests on: while one is out, only the
 * latest is kept, and sent when it settles if the pointer is still on its cell), and an answer shown only if the
 * pointer is still on the cell it was asked for (stale answers are dropped). Answers are remembered per cell
 * (bounded), so coming back to a cell shows its value at once.
 *
 * @example
 * const exact = new ExactValues();
 * canvas.onpointermove = () => exact.hover(view.node, { ref, map: 0, index: [3, 4] }, false, (line) => showLine(line));
 * canvas.onpointerleave = () => exact.cancel();
 */
export class ExactValues {
  /** The cell asked about now (`ref:map:row:col`), or '' when none. */
  private key = '';
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Whether a question is out; the latest one asked meanwhile. */
  private inFlight = false;
  private queued: Queued | undefined;
  private readonly known = new Map<string, number>();
  private static readonly KNOWN_MAX = 256;

  /**
   * The pointer is over `query`'s cell (or, with `null`, over nothing to ask about). `show` receives the line to
   * add to the tooltip, or `undefined` to drop a line shown for another cell.
   */
  hover(node: HTMLElement, query: ValueQuery | null, downsampled: boolean, show: (line: string | undefined) => void): void {
    const key = query ? `${query.ref}:${query.map}:${query.index.join(':')}` : '';
    if (key === this.key) return;
    this.cancel();
    this.key = key;
    show(undefined);
    if (!query) return;
    const known = this.known.get(key);
    if (known !== undefined) {
      show(exactLine(known, query.index, downsampled));
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.ask({ node, query, key, downsampled, show });
    }, EXACT_DELAY_MS);
  }

  /** The pointer left: nothing waiting to be asked, and a late answer is ignored. */
  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.key = '';
    this.queued = undefined;
  }

  /** Sends `question` now, or, while another is in flight, keeps it (in place of any kept before) for later. */
  private ask(question: Queued): void {
    if (this.inFlight) {
      this.queued = question;
      return;
    }
    const { node, query, key, downsampled, show } = question;
    const answer = source?.(node, query);
    if (!answer) return;
    this.inFlight = true;
    answer
      .then(
        (value) => {
          this.remember(key, value);
          if (this.key === key) show(exactLine(value, query.index, downsampled));
        },
        // The kernel's refusal (e.g. the tensor left its registry) leaves the approximate lines as they are.
        (error: unknown) => console.debug('ConvLab: no exact value', error),
      )
      .finally(() => {
        this.inFlight = false;
        const next = this.queued;
        this.queued = undefined;
        // Only if the pointer is still on its cell (cancel() drops it otherwise), and not answered meanwhile.
        if (!next || next.key !== this.key) return;
        const known = this.known.get(next.key);
        if (known !== undefined) next.show(exactLine(known, next.query.index, next.downsampled));
        else this.ask(next);
      });
  }

  private remember(key: string, value: number): void {
    if (this.known.size >= ExactValues.KNOWN_MAX) this.known.delete(this.known.keys().next().value!);
    this.known.set(key, value);
  }
}
