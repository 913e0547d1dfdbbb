/**
 * `pad`: grow (or crop) the trailing axes of a tensor, filling new cells by one of five rules.
 */
import {
  padAxes,
  resolvePadMode,
  type PadAxis,
  type PadMode,
  type PadPair,
} from '../shapes';
import { fail } from '../errors';
import { checkOptionKeys, OPTION_KEYS, paddingModeName } from '../shapes';
import { backend } from '../backends';
import { Tensor, type Provenance } from '../tensor';

/** Options of {@link pad}. */
export interface PadOptions {
  /** How new cells are filled; see {@link PadMode}. Default `'constant'`. */
  mode?: PadMode;
  /** The fill value of `'constant'` mode; ±Infinity allowed, NaN not. Default 0. */
  value?: number;
}

/**
 * Pads (or, with negative widths, crops) a tensor.
 *
 * `widths` is a number — the same on both sides of every spatial axis (the axes after `[N, C]` for rank ≥ 3,
 * every axis for rank 1 and 2) — or `[before, after]` pairs for the trailing axes in axis order (NumPy's and
 * TF's order; PyTorch's `F.pad` lists the last axis first). Modes follow NumPy, including pads longer than
 * the axis (repeated reflection / wrapping), where PyTorch and ONNX Runtime refuse or write zeros. Negative
 * widths crop first, then the cropped axis is padded (PyTorch 2.13: circular `[[-1, 2]]` on `[1,2,3,4]` wraps
 * within `[2,3,4]`).
 *
 * @param x any rank, e.g. `[batch, channels, height, width]`
 * @returns `x.shape` with `before + after` added to each padded axis
 * @example
 * const x = tensor([1, 2, 3, 4]);
 * pad(x, [[2, 3]], { mode: 'reflect' }).toArray();   // [3, 2, 1, 2, 3, 4, 3, 2, 1]
 * pad(x, [[2, 3]], { mode: 'symmetric' }).toArray(); // [2, 1, 1, 2, 3, 4, 4, 3, 2]
 * pad(x, [[-1, 2]]).toArray();                       // [2, 3, 4, 0, 0]
 * pad(zeros([1, 1, 2, 2]), 1).shape;                 // [1, 1, 4, 4]
 */
export function pad(x: Tensor, widths: number | readonly PadPair[], options: PadOptions = {}): Tensor {
  const op = 'pad';
  checkOptionKeys(op, 'options', options, OPTION_KEYS.PadOptions);
  const mode = resolvePadMode(op, 'options.mode', options.mode);
  const value = options.value ?? 0;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    fail({ op, arg: 'options.value', expected: 'a number (±Infinity allowed)', actual: String(value) });
  }
  // padAxes refuses an output or index table beyond the allocation limit before it builds any table.
  const axes = padAxes(op, x.shape, widths, mode);
  const outShape = axes.map((a) => a.outSize);
  const out = backend().pad(x.values, axes, value);
  return new Tensor(out.values, outShape, padProvenance(x, axes, out.backend, paddingModeName({ padMode: mode, padValue: value })));
}

/**
 * For an image `[N, C, H, W]` padded (not cropped) on H and W only: provenance as a 1×1 window, so the view
 * shows the input beside the padded result, the padding cells drawn distinctly, and output cell (i, j) traced
 * back to input cell (i − top, j − left).
 */
function padProvenance(x: Tensor, axes: readonly PadAxis[], backend: string, paddingMode: string): Provenance | undefined {
  const spatial = axes.slice(2);
  const onlySpatial = axes.slice(0, 2).every((a) => a.before === 0 && a.after === 0);
  if (x.rank !== 4 || !onlySpatial || spatial.some((a) => a.before < 0 || a.after < 0)) return undefined;
  return {
    op: 'pad',
    backend,
    input: x,
    window: {
      kernel: [1, 1],
      stride: [1, 1],
      dilation: [1, 1],
      padding: spatial.map((a) => [a.before, a.after] as [number, number]),
      groups: 1,
      paddingMode,
    },
  };
}
