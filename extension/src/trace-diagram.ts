/**
 * The shape trace's size diagram: boxes scaled to each layer's spatial size (the table itself is
 * `@convlab/protocol`'s, shared with the kernel's fallbacks). Pure, so it is unit-tested without a browser.
 */
import type { ShapeTracePayload } from '@convlab/protocol';

/** One box of the size diagram: a rectangle scaled to the layer's spatial size, with its labels. */
export interface DiagramBox {
  /** Left edge of the box's column, and the column's width. */
  x: number;
  column: number;
  width: number;
  height: number;
  /** e.g. `32×32`, or `✕` for the failing layer. */
  size: string;
  /** e.g. `8 ch` (or the feature count of a flat shape). */
  channels: string;
  /** e.g. `input`, `conv2d`. */
  op: string;
  error: boolean;
}

/** Largest box side in the diagram, in CSS pixels. */
export const DIAGRAM_BOX = 64;
const COLUMN = 72;

/** Spatial size `[height, width]` of a shape (NCHW → H, W; NCL → 1, L; flat → 1, 1) and its channel text. */
function spatial(shape: readonly number[]): { dims: [number, number]; channels: string } {
  if (shape.length >= 4) return { dims: [shape[shape.length - 2]!, shape[shape.length - 1]!], channels: `${shape[shape.length - 3]} ch` };
  if (shape.length === 3) return { dims: [1, shape[2]!], channels: `${shape[1]} ch` };
  return { dims: [1, 1], channels: `${shape[shape.length - 1] ?? 1} features` };
}

/**
 * The size diagram: the input, then each layer's output, as boxes whose sides are proportional to the spatial
 * size (the largest side is {@link DIAGRAM_BOX} px); the failing layer is a marked box.
 *
 * @example traceDiagram(trace of [1,3,32,32] → conv 3×3 pad 1 → pool 2).boxes.map((b) => b.size)
 * // ['32×32', '32×32', '16×16']
 */
export function traceDiagram(payload: ShapeTracePayload): { boxes: DiagramBox[]; width: number; height: number } {
  const layers = [
    { op: 'input', shape: payload.inputShape, error: false },
    ...payload.rows.map((r) => ({ op: r.op, shape: r.outShape, error: r.error !== undefined })),
  ];
  const largest = Math.max(1, ...layers.filter((l) => !l.error).flatMap((l) => spatial(l.shape).dims));
  const boxes = layers.map((layer, i): DiagramBox => {
    const x = i * COLUMN;
    if (layer.error) return { x, column: COLUMN, width: DIAGRAM_BOX / 2, height: DIAGRAM_BOX / 2, size: '✕', channels: 'error', op: layer.op, error: true };
    const { dims, channels } = spatial(layer.shape);
    const side = (d: number): number => Math.max(2, Math.round((d / largest) * DIAGRAM_BOX));
    return { x, column: COLUMN, width: side(dims[1]), height: side(dims[0]), size: `${dims[0]}×${dims[1]}`, channels, op: layer.op, error: false };
  });
  return { boxes, width: layers.length * COLUMN, height: DIAGRAM_BOX + 44 };
}
