/**
 * The vocabulary of shape arithmetic: shapes, the option objects ops take, and the flat info records every
 * backend reads. Types only, and each option type's keys as a list next to it (what the run-time check of
 * option objects in keys.ts accepts), so any module can use them without a loop.
 */
import type { PadMode as ProtocolPadMode } from '@convlab/protocol';

/** A tensor shape, outermost axis first, e.g. `[batch, channels, height, width]`. */
export type Shape = readonly number[];

/** Shapes named in an error message, e.g. `{ input: [1,3,28,28], weight: [8,4,3,3] }`. */
export type Shapes = Readonly<Record<string, readonly number[]>>;

/**
 * How cells outside the input are filled (kernel/docs/semantics.md §4.1, x = [1,2,3,4] padded by (2,3)):
 * - `'constant'`:  `0 0 | 1 2 3 4 | 0 0 0` (the value is `padValue` / `value`, default 0)
 * - `'reflect'`:   `3 2 | 1 2 3 4 | 3 2 1` (mirror about the edge element, which appears once; NumPy `reflect`)
 * - `'symmetric'`: `2 1 | 1 2 3 4 | 4 3 2` (mirror about the array edge, edge element repeated; NumPy `symmetric`)
 * - `'replicate'`: `1 1 | 1 2 3 4 | 4 4 4` (repeat the edge; NumPy `edge`)
 * - `'circular'`:  `3 4 | 1 2 3 4 | 1 2 3` (periodic; NumPy `wrap`)
 *
 * Pads longer than the axis keep reflecting or wrapping, as NumPy does (PyTorch refuses them).
 */
export type PadMode = ProtocolPadMode;

/** Pads of one axis: cells added before index 0 and after the last index. */
export type PadPair = readonly [before: number, after: number];

/**
 * Named paddings, per spatial axis with effective kernel `kE = d·(k−1)+1` and stride `s`:
 * - `'valid'`: no padding.
 * - `'same'`: output length `ceil(L / s)` for any stride; total pad `max(0, (ceil(L/s)−1)·s + kE − L)`, an odd
 *   total puts the extra cell at the **end** (TF, Keras, ONNX SAME_UPPER, and PyTorch for stride 1).
 * - `'same_lower'`: the same total with the extra cell at the **start** (ONNX SAME_LOWER).
 * - `'full'`: `kE − 1` on both sides, every window that touches the input (SciPy/NumPy `'full'`).
 * - `'causal'`: 1-D only: `kE − 1` before, 0 after, so output `t` reads inputs `≤ t` (Keras Conv1D). Rejected for
 *   2-D and 3-D, as Keras does: which axes are "time" is ambiguous there; write the pairs explicitly.
 */
export type PaddingKind = 'valid' | 'same' | 'same_lower' | 'full' | 'causal';

/**
 * A padding spec: a number (both sides of every spatial axis), one number per spatial axis (both sides),
 * one `[before, after]` pair per spatial axis, or a {@link PaddingKind}.
 */
export type Padding = number | readonly number[] | readonly PadPair[] | PaddingKind;

/**
 * The keys of an options type as a list, checked both ways by the compiler (a missing or an extra key does not
 * compile), so the run-time check of option objects (keys.ts) accepts exactly what the type does.
 *
 * @example
 * optionKeys<{ stride?: number; padding?: number }>({ stride: true, padding: true }); // ['stride', 'padding']
 */
export function optionKeys<T>(keys: { readonly [K in keyof Required<T>]: true }): readonly (keyof T & string)[] {
  return Object.freeze(Object.keys(keys) as (keyof T & string)[]);
}

/** Options of every sliding-window op (convolutions, im2col). */
export interface WindowOptions {
  /** Step between windows: one number for every spatial axis, or one per axis. Default 1. */
  stride?: number | readonly number[];
  /** See {@link Padding}. Default 0. */
  padding?: Padding;
  /** Spacing between kernel taps: one number or one per axis. Default 1. */
  dilation?: number | readonly number[];
  /**
   * How the padding is filled: any {@link PadMode} (`'zeros'` is PyTorch's name for constant 0). Same result as
   * `pad(x, pads, { mode })` followed by an unpadded op, as PyTorch's `padding_mode`. Default `'constant'`.
   */
  paddingMode?: PadMode | 'zeros';
  /** The fill value of `'constant'` padding. Default 0. */
  padValue?: number;
}

/** The keys of {@link WindowOptions}. */
export const WINDOW_OPTION_KEYS = optionKeys<WindowOptions>({
  stride: true,
  padding: true,
  dilation: true,
  paddingMode: true,
  padValue: true,
});

/** Options shared by the convolutions. */
export interface ConvOptions extends WindowOptions {
  /** Channel groups: input and output channels are split into `groups` independent convolutions. Default 1. */
  groups?: number;
}

/** The keys of {@link ConvOptions}. */
export const CONV_OPTION_KEYS = optionKeys<ConvOptions>({
  stride: true,
  padding: true,
  dilation: true,
  paddingMode: true,
  padValue: true,
  groups: true,
});

/** Output size and padding of one spatial axis. */
export interface AxisInfo {
  inSize: number;
  kernel: number;
  stride: number;
  dilation: number;
  /** `d·(k−1)+1`: the span of input the kernel touches. */
  effectiveKernel: number;
  padBefore: number;
  padAfter: number;
  /** Transposed convolutions only: extra cells at the end of the output (`< max(stride, dilation)`). */
  outputPadding?: number;
  outSize: number;
  /** The output-size formula with this axis' numbers filled in, e.g. `floor((4 + 0 + 0 − 3) / 1) + 1 = 2`. */
  formula: string;
}

/** The spatial part of a sliding-window op: one {@link AxisInfo} per axis, and how padding is filled. */
export interface WindowInfo {
  op: string;
  /** One entry per spatial axis (depth, height, width order). */
  axes: readonly AxisInfo[];
  padMode: PadMode;
  padValue: number;
}

/** Everything a backend needs to run a convolution: the flat record all backends read. */
export interface ConvInfo extends WindowInfo {
  batch: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  inShape: Shape;
  weightShape: Shape;
  outShape: Shape;
}

/** One axis of a `pad` call: the widths as given, and what the output axis reads. */
export interface PadAxis {
  /** Cells added before (negative: cropped from the start). */
  before: number;
  /** Cells added after (negative: cropped from the end). */
  after: number;
  inSize: number;
  /** `inSize + before + after`. */
  outSize: number;
  /** For each output cell, the input cell it copies, or `-1` for the constant value. */
  source: Int32Array;
}

/** Options of the transposed convolutions. */
export interface ConvTransposeOptions {
  /** Step between input cells in the output: one number or one per axis. Default 1. */
  stride?: number | readonly number[];
  /**
   * Cells cropped from the full output: a number, one per axis, `[before, after]` pairs (ONNX's `pads`), or
   * `'valid'` (none). Default 0. Only zeros: PyTorch's ConvTranspose has no padding modes either.
   */
  padding?: number | readonly number[] | readonly PadPair[] | 'valid';
  /** Extra cells at the end of each output axis, `< max(stride, dilation)`. Default 0. Not with `outputSize`. */
  outputPadding?: number | readonly number[];
  /**
   * The output's spatial sizes (PyTorch's `output_size`, ONNX's `output_shape`): one number for every axis, one
   * per axis, or the full output shape `[batch, outChannels, ...spatial]` (its leading two must match). Resolved
   * per axis (kernel/docs/semantics.md §6.3) from the full output `F = (L − 1)·s + d·(k − 1) + 1`:
   * - `padding` left out: ONNX's `output_shape` rule, sizes `[1 … F + max(s, d) − 1]`. A smaller size crops
   *   total padding `F − size`, the larger half before (`[total − floor(total/2), floor(total/2)]`); a larger
   *   size is output padding `size − F` at the end (as onnxruntime and PyTorch). 1-D `[1, 2, 3]`,
   *   `w = [1, 10, 100]`, s2 (F = 7): size 5 → pads `[1, 1]` → `[10, 102, 20, 203, 30]`; size 8 →
   *   outputPadding 1 → `[1, 10, 102, 20, 203, 30, 300, 0]`; size 9 → an error naming `[1 … 8]`.
   * - `padding` given (even 0 or `'valid'`): PyTorch's rule. The pads stay and `outputPadding = size − min`,
   *   `min = F − pL − pR`, must be `< max(stride, dilation)`: sizes `[min … min + max(s, d) − 1]`, else an error
   *   naming that range. 6×6, k3, s2, padding 1 → 11 or 12.
   * Not with `outputPadding` (each sets the size).
   */
  outputSize?: number | readonly number[];
  /** Spacing between kernel taps: one number or one per axis. Default 1. */
  dilation?: number | readonly number[];
  /** Channel groups. Default 1. */
  groups?: number;
}

/** The keys of {@link ConvTransposeOptions}. */
export const CONV_TRANSPOSE_OPTION_KEYS = optionKeys<ConvTransposeOptions>({
  stride: true,
  padding: true,
  outputPadding: true,
  outputSize: true,
  dilation: true,
  groups: true,
});

/** Options shared by the sliding-window pools (`maxPool*`, `avgPool*`, `lpPool2d`). */
export interface PoolWindowOptions {
  /** Step between windows: one number or one per axis. Default: the kernel size (as PyTorch; ONNX defaults to 1). */
  stride?: number | readonly number[];
  /**
   * Padding, in the forms conv takes (a number, one per axis, `[before, after]` pairs, `'valid'`, `'same'`).
   * Each side may be at most `kE − 1` (ONNX, TF), so every window overlaps the input's real span; PyTorch allows
   * only `floor(k / 2)`. Without dilation every window then holds a real cell; a dilated max pool's taps may all
   * land in the padding, and that window gives −∞ (as PyTorch). Default 0.
   */
  padding?: Padding;
  /**
   * Round the output size up instead of down. A window that would start in the right padding is dropped
   * (PyTorch, ONNX): `[1..5]`, k2, s2, p1 gives 3 windows, not 4. Default false.
   */
  ceilMode?: boolean;
}

/** The keys of {@link PoolWindowOptions}. */
export const POOL_WINDOW_OPTION_KEYS = optionKeys<PoolWindowOptions>({ stride: true, padding: true, ceilMode: true });

/** The windows of one pooled axis, as backends read them. */
export interface PoolWindows {
  inSize: number;
  outSize: number;
  /** For output `i`: the input indices its window reads that are real (not padding), ascending. */
  taps: readonly (readonly number[])[];
  /**
   * For output `i`: the window taps inside `[−pL, L + pR)` — the average's divisor when padding counts.
   * A ceil-mode overhang beyond `L + pR` never counts (PyTorch, ONNX; kernel/docs/semantics.md §5.4).
   */
  paddedTaps: readonly number[];
  /** The output-size formula (or the adaptive bins) with this axis' numbers filled in. */
  formula: string;
}

/** One axis of a sliding-window pool: the conv axis record plus its windows. */
export interface PoolAxisInfo extends AxisInfo, PoolWindows {}

/** What a pooling backend kernel reads: planes (`batch × channels`) and per-axis windows. */
export interface PoolWindowsInfo {
  batch: number;
  channels: number;
  axes: readonly PoolWindows[];
}

/** Shape info of a sliding-window pool with `n` spatial axes: the flat record every backend reads. */
export interface PoolInfo extends PoolWindowsInfo {
  op: string;
  axes: readonly PoolAxisInfo[];
  ceilMode: boolean;
  inShape: Shape;
  outShape: Shape;
}

/**
 * The output size of an adaptive pool: one number for every spatial axis, or one per axis where `null` keeps that
 * axis's input size (PyTorch's `None`): `[null, 4]` on 5×10 gives 5×4.
 */
export type AdaptiveOutputSize = number | readonly (number | null)[];

/** Shape info of an adaptive (or global) pool: output bins instead of a kernel. */
export interface AdaptivePoolInfo extends PoolWindowsInfo {
  op: string;
  inShape: Shape;
  outShape: Shape;
  /**
   * The equivalent sliding window per axis when every bin has the same size (`L % O == 0`: kernel = stride =
   * `L / O`), else undefined: uneven bins have no single kernel or jump.
   */
  uniform: readonly AxisInfo[] | undefined;
}

/** One layer of a receptive-field computation. Numbers apply to every axis; arrays give one value per axis. */
export interface ReceptiveLayer {
  kernel: number | readonly number[];
  /** Default 1. */
  stride?: number | readonly number[];
  /** Default 1. */
  dilation?: number | readonly number[];
  /** Padding before (left/top) per axis; only the position of the field depends on it. Default 0. */
  padding?: number | readonly number[];
}

/** The keys of {@link ReceptiveLayer}. */
export const RECEPTIVE_LAYER_KEYS = optionKeys<ReceptiveLayer>({ kernel: true, stride: true, dilation: true, padding: true });

/** The receptive field after one layer, per spatial axis (kernel/docs/semantics.md §9.1). */
export interface ReceptiveInfo {
  /** Input-pixel distance between adjacent outputs: `j_out = j_in · s`. */
  jump: number[];
  /** Receptive-field size in input pixels: `r_out = r_in + (kE − 1) · j_in`. */
  size: number[];
  /**
   * Centre of the first output's field in input coordinates (pixel `p` spans `[p, p+1)`, so 0.5 is the centre of
   * pixel 0): `start_out = start_in + ((kE − 1)/2 − pL) · j_in`.
   */
  start: number[];
}

/** Options of `maxPool2d` and `maxPool1d`. */
export interface MaxPoolOptions extends PoolWindowOptions {
  /** Spacing between window taps: one number or one per axis. Default 1. */
  dilation?: number | readonly number[];
}

/** The keys of {@link MaxPoolOptions}. */
export const MAX_POOL_OPTION_KEYS = optionKeys<MaxPoolOptions>({
  stride: true,
  padding: true,
  ceilMode: true,
  dilation: true,
});

/** Options of the forward max pools (`maxPool1d/2d/3d`): {@link MaxPoolOptions} plus `returnIndices`. */
export interface MaxPoolIndexOptions extends MaxPoolOptions {
  /**
   * Also return where each maximum came from: `{ values, indices }`, indices in PyTorch's layout (the flat index
   * within the input plane, `h·W + w` for 2-D), as float32 values holding integers. Default false.
   */
  returnIndices?: boolean;
}

/** The keys of {@link MaxPoolIndexOptions}. */
export const MAX_POOL_INDEX_OPTION_KEYS = optionKeys<MaxPoolIndexOptions>({
  stride: true,
  padding: true,
  ceilMode: true,
  dilation: true,
  returnIndices: true,
});

/** Options of the adaptive max pools. */
export interface AdaptiveMaxPoolOptions {
  /** Also return the flat in-plane index of each maximum, as {@link MaxPoolIndexOptions.returnIndices}. */
  returnIndices?: boolean;
}

/** The keys of {@link AdaptiveMaxPoolOptions}. */
export const ADAPTIVE_MAX_POOL_OPTION_KEYS = optionKeys<AdaptiveMaxPoolOptions>({ returnIndices: true });

/** Options of `maxUnpool1d/2d/3d` (PyTorch's `F.max_unpool*d`). */
export interface MaxUnpoolOptions {
  /** The forward pool's stride: one number or one per axis. Default: the kernel. */
  stride?: number | readonly number[];
  /** The forward pool's symmetric padding: one number or one per axis. Default 0. */
  padding?: number | readonly number[];
  /**
   * The output's spatial size (or the whole shape, whose last axes are taken), each strictly between
   * `default − stride` and `default + stride`, where `default = (L − 1)·s − 2p + k`. Default: `default`.
   */
  outputSize?: readonly number[];
}

/** The keys of {@link MaxUnpoolOptions}. */
export const MAX_UNPOOL_OPTION_KEYS = optionKeys<MaxUnpoolOptions>({ stride: true, padding: true, outputSize: true });

/** Shape info of a max unpool: planes, the input and output plane sizes and the shapes. */
export interface MaxUnpoolInfo {
  op: string;
  batch: number;
  channels: number;
  /** Cells per input plane (`Π inSizes`) and per output plane (`Π outSizes`). */
  inPlane: number;
  outPlane: number;
  inShape: Shape;
  outShape: Shape;
}

/** Options of `avgPool2d` and `avgPool1d`. */
export interface AvgPoolOptions extends PoolWindowOptions {
  /**
   * Whether padded cells count in the divisor. Default true, as PyTorch; ONNX, TF, tfjs and Keras use false.
   * 4×4 `1..16`, kernel 3, padding 1, top-left corner: true → 14/9 = 1.556, false → 14/4 = 3.5.
   * With `padding: 'same'`, pass false to match TF and Keras, which always exclude their 'same' padding.
   */
  countIncludePad?: boolean;
}

/** The keys of {@link AvgPoolOptions}. */
export const AVG_POOL_OPTION_KEYS = optionKeys<AvgPoolOptions>({
  stride: true,
  padding: true,
  ceilMode: true,
  countIncludePad: true,
});

/** Options of `lpPool2d`. */
export interface LpPoolOptions extends PoolWindowOptions {
  /** The norm's order: `(Σ |x|^p)^(1/p)`. Default 2 (ONNX). */
  p?: number;
}

/** The keys of {@link LpPoolOptions}. */
export const LP_POOL_OPTION_KEYS = optionKeys<LpPoolOptions>({ stride: true, padding: true, ceilMode: true, p: true });
