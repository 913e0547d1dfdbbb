/**
 * `explore(x, w?)`: a conv / pool explorer built from the widgets of this folder. Controls pick the op, kernel
 * size, stride, padding (kind or amount, and mode), dilation and groups; a formula line shows the library's own
 * output-size arithmetic per axis (`convInfo(…).axes[a].formula`, `poolInfo(…)`); an Output widget shows the
 * result as `display(result)` would, with the output cell the `position` slider names in focus (`window.focus`:
 * the view outlines its window on the padded input and writes its computation).
 *
 * Every number reaches the library as given; whatever the library refuses (a kernel larger than the padded
 * input, pool padding over `kE − 1`) is shown in place as its own message, the last good maps and formula kept.
 */
import { FEATURE_MAP_MIME, type FeatureMapPayload } from '@convlab/protocol';
import { fail } from '../errors';
import { tensorBundle } from '../display/bundle';
import { escapeHtml } from '../display/html';
import { conv2d } from '../ops/conv';
import { avgPool2d, maxPool2d } from '../ops/pool';
import {
  checkCount,
  checkOptionKeys,
  convInfo,
  optionKeys,
  PAD_MODES,
  poolInfo,
  type AxisInfo,
  type PadMode,
  type PaddingKind,
  type Shape,
} from '../shapes';
import { tensor, Tensor } from '../tensor';
import { dropdown, html, hbox, intSlider, output, toggleButtons, vbox, type Box, type Slider } from './index';

/** The ops the explorer runs. */
export const EXPLORE_OPS = ['conv2d', 'maxPool2d', 'avgPool2d'] as const;
export type ExploreOp = (typeof EXPLORE_OPS)[number];

/**
 * The named paddings of the library's `Padding` that a 2-D op takes (`'causal'` is 1-D only), and `'explicit'`:
 * the `padding` amount on both sides of both axes.
 */
export const EXPLORE_PADDINGS = ['valid', 'same', 'same_lower', 'full', 'explicit'] as const satisfies readonly (
  | PaddingKind
  | 'explicit'
)[];

/** The padding modes a conv takes: PyTorch's `'zeros'` (constant 0), then every other {@link PadMode}. */
export const EXPLORE_PAD_MODES: readonly (PadMode | 'zeros')[] = ['zeros', ...PAD_MODES.filter((m) => m !== 'constant')];

/** One setting of the explorer: what the op is called with. */
export interface ExploreSettings {
  op: ExploreOp;
  /** Square kernel side (for a conv with a given `w`: its kernel, fixed). */
  kernelSize: number;
  stride: number;
  /** A named padding, or a number: that many cells on both sides of both axes. */
  padding: Exclude<(typeof EXPLORE_PADDINGS)[number], 'explicit'> | number;
  /** How a conv's padding is filled (pools pad with −∞ or leave padding out of the mean: not a setting). */
  paddingMode: PadMode | 'zeros';
  dilation: number;
  /** Conv channel groups: a divisor of the input channels (for a given `w`: `C / w.shape[1]`, fixed). */
  groups: number;
}

/** Options of {@link explore}: the initial settings, and the output cell in focus (row-major index). */
export interface ExploreOptions extends Partial<ExploreSettings> {
  position?: number;
}

/** The keys {@link ExploreOptions} takes (checked at run time: a typo is an error, not a default). */
const EXPLORE_OPTION_KEYS = optionKeys<ExploreOptions>({
  op: true,
  kernelSize: true,
  stride: true,
  padding: true,
  paddingMode: true,
  dilation: true,
  groups: true,
  position: true,
});

/** Largest value the sliders offer (a kernel or stride of a 300-pixel image need not reach 300). */
const SLIDER_MAX = 16;

/**
 * An interactive explorer of `conv2d`, `maxPool2d` and `avgPool2d` on `x`: controls for the op, kernel size,
 * stride, padding kind or amount, padding mode, dilation and groups, and a `position` slider that steps the focus
 * through the output cells (row-major). A formula line shows each axis's output size as the library computes it;
 * the maps (input | kernel | output) are the bundle `display` shows, the focused cell's window outlined and its
 * computation written out. A combination the library refuses shows its error message in place of nothing: the
 * last good maps and formula stay. Settings that change the output size clamp `position` into it.
 *
 * Without `w`, a conv uses a teaching kernel: a left-to-right gradient, `−1` on the left columns, `+1` on the right
 * (`0` in the middle column of an odd kernel; `1` for a 1×1 kernel), divided by the channels per group, with one
 * output channel per input channel. Each output channel then shows where its group's mean brightness rises from
 * left to right (positive) or falls (negative): vertical edges light up, flat areas are 0, so padding
 * artefacts (a zero border is an edge; reflect padding is not) are plain to see.
 *
 * @param x the input: `[N, C, H, W]`, `[C, H, W]` or `[H, W]` (shown as batch item 0)
 * @param w optional conv weight `[outChannels, C / groups, kH, kW]`: fixes the kernel size and groups
 * @param options initial settings (default conv2d, kernel 3 (pools: 2), stride 1 (pools: the kernel), valid,
 *   zeros, dilation 1, groups 1, position 0)
 * @returns the explorer's root Box: a cell ending in `explore(x)` shows it
 * @example
 * const x = tensor(Array.from({ length: 36 }, (_, i) => i), [1, 1, 6, 6]);
 * explore(x, undefined, { padding: 1, stride: 2 });
 * // formula line: 'height: floor((6 + 1 + 1 − 3) / 2) + 1 = 3' and 'width: …', maps input | kernel | output 3×3
 */
export function explore(x: Tensor, w?: Tensor, options: ExploreOptions = {}): Box {
  const input = asBatched(x);
  const [, channels = 1, height = 0, width = 0] = input.shape;
  if (w !== undefined && (!(w instanceof Tensor) || w.rank !== 4)) {
    fail({
      op: 'explore',
      arg: 'w',
      expected: 'a conv weight [outChannels, inChannels / groups, kH, kW]',
      actual: w instanceof Tensor ? `rank ${w.rank}` : typeof w,
      shapes: w instanceof Tensor ? { input: x.shape, w: w.shape } : { input: x.shape },
      hint: 'leave w out for a teaching kernel',
    });
  }
  const fixedKernel = w ? Math.max(w.shape[2]!, w.shape[3]!) : undefined;
  // A given weight fixes groups to what its shape says (the library checks that it divides).
  const fixedGroups = w ? Math.max(1, Math.round(channels / Math.max(1, w.shape[1]!))) : undefined;
  checkOptions(options, channels, x.shape);
  const initial = initialSettings(options, fixedKernel, fixedGroups);
  const largest = Math.max(height, width, 1);

  const op = toggleButtons<ExploreOp>({ options: EXPLORE_OPS, value: initial.op, description: 'op' });
  /** A slider from `min` that reaches its value and, up to {@link SLIDER_MAX}, the input's longer side. */
  const slider = (description: string, value: number, min: number, disabled = false): Slider =>
    intSlider({ value, min, max: Math.max(value, Math.min(SLIDER_MAX, largest)), description, disabled });
  const kernelSize = slider('kernel', initial.kernelSize, 1);
  const stride = slider('stride', initial.stride, 1);
  const paddingKind = dropdown<(typeof EXPLORE_PADDINGS)[number]>({
    options: EXPLORE_PADDINGS,
    value: typeof initial.padding === 'number' ? 'explicit' : initial.padding,
    description: 'padding',
  });
  const explicit = typeof initial.padding === 'number';
  const amount = slider('amount', explicit ? (initial.padding as number) : 0, 0, !explicit);
  const paddingMode = dropdown<PadMode | 'zeros'>({
    options: EXPLORE_PAD_MODES,
    value: initial.paddingMode,
    description: 'mode',
  });
  const dilation = slider('dilation', initial.dilation, 1);
  const groups = dropdown<number>({
    options: fixedGroups !== undefined ? [fixedGroups] : divisors(channels),
    value: initial.groups,
    description: 'groups',
  });
  // Its range is the output's, set once the op has run (the value given is clamped into it then).
  const position = intSlider({ value: options.position ?? 0, min: 0, max: options.position ?? 0, description: 'position' });
  const formula = html({ value: '' });
  const error = html({ value: '' });
  const maps = output();

  const settings = (): ExploreSettings => ({
    op: op.value,
    kernelSize: kernelSize.value,
    stride: stride.value,
    padding: paddingKind.value === 'explicit' ? amount.value : paddingKind.value,
    paddingMode: paddingMode.value,
    dilation: dilation.value,
    groups: groups.value,
  });

  /** What the last good setting made, so a position change redraws without running the op again. */
  let shown: { result: Tensor; axes: readonly AxisInfo[] } | undefined;
  let tried = '';

  /** The focus of the position slider within the shown output (row-major, clamped). */
  const focusOf = (result: Tensor): [number, number] => {
    const [outH = 1, outW = 1] = result.shape.slice(-2);
    const cell = Math.min(position.value, outH * outW - 1);
    return [Math.floor(cell / outW), cell % outW];
  };
  const draw = (): void => {
    if (!shown) return;
    const focus = focusOf(shown.result);
    const bundle = tensorBundle(shown.result, shown.result.shape.slice(-2).every((n) => n > 0) ? { focus } : {});
    // One update: the new maps replace the old ones (no empty output in between).
    maps.clear({ wait: true });
    maps.append(bundle);
    // A bundle cut down to fit the output limit has no window (its maps' cells are blocks): say why no focus shows.
    const drawn = (bundle.data[FEATURE_MAP_MIME] as FeatureMapPayload | undefined)?.window?.focus !== undefined;
    formula.set({ value: formulaHtml(shown.result, shown.axes, focus, position.value, drawn) });
  };
  const recompute = (): void => {
    const conv = op.value === 'conv2d';
    // A given weight fixes a conv's kernel (a pool's is free): back to it from a pool's size, whose slider
    // observer then recomputes.
    if (fixedKernel !== undefined) {
      kernelSize.set({ disabled: conv });
      if (conv && kernelSize.value !== fixedKernel) return kernelSize.set({ value: fixedKernel });
    }
    const now = settings();
    const key = JSON.stringify(now);
    if (key === tried) return;
    tried = key;
    // Controls that do not apply to the op are disabled (their values stay for when they apply again).
    paddingMode.set({ disabled: !conv });
    groups.set({ disabled: !conv || fixedGroups !== undefined });
    dilation.set({ disabled: now.op === 'avgPool2d' });
    amount.set({ disabled: paddingKind.value !== 'explicit' });
    try {
      const { result, axes } = run(input, w, now, channels);
      error.set({ value: '' });
      const [outH = 0, outW = 0] = result.shape.slice(-2);
      // The slider clamps its value into the new range (as ipywidgets does), so one update says both. Nothing is
      // shown meanwhile, so the position observer does not draw: this draws once, below. (No flag to reset in a
      // `finally`, which an interrupt would skip.)
      shown = undefined;
      position.set({ max: Math.max(0, outH * outW - 1) });
      shown = { result, axes };
    } catch (e) {
      const message = escapeHtml(e instanceof Error ? e.message : String(e));
      error.set({ value: `<span style="color: var(--jp-error-color1, #d32f2f)">${message}</span>` });
      return;
    }
    draw();
  };

  const controls: readonly { observe(key: 'value', handler: () => unknown): () => void }[] = [
    op,
    kernelSize,
    stride,
    paddingKind,
    amount,
    paddingMode,
    dilation,
    groups,
  ];
  for (const control of controls) control.observe('value', recompute);
  position.observe('value', draw);
  recompute();
  return vbox([
    hbox([op, groups]),
    hbox([kernelSize, stride, dilation]),
    hbox([paddingKind, amount, paddingMode]),
    position,
    formula,
    error,
    maps,
  ]);
}

/** `x` as `[N, C, H, W]`: `[C, H, W]` and `[H, W]` gain their leading axes. */
function asBatched(x: Tensor): Tensor {
  if (!(x instanceof Tensor) || x.rank < 2 || x.rank > 4) {
    fail({
      op: 'explore',
      arg: 'x',
      expected: 'a tensor [N, C, H, W], [C, H, W] or [H, W]',
      actual: x instanceof Tensor ? `rank ${x.rank}` : typeof x,
      ...(x instanceof Tensor ? { shapes: { x: x.shape } } : {}),
    });
  }
  return x.rank === 4 ? x : x.reshape([...Array<number>(4 - x.rank).fill(1), ...x.shape]);
}

/**
 * The options checked before any widget opens, so a bad one is an error naming `explore` (not a slider): the keys,
 * the op, padding and mode among the explorer's, counts as integers, groups a divisor of the channels.
 */
function checkOptions(options: ExploreOptions, channels: number, shape: Shape): void {
  const shapes = { x: shape };
  checkOptionKeys('explore', 'options', options, EXPLORE_OPTION_KEYS);
  const among = (arg: string, value: unknown, allowed: readonly unknown[]): void => {
    if (value !== undefined && !allowed.includes(value)) {
      const expected = `one of ${allowed.map((a) => `'${String(a)}'`).join(', ')}`;
      fail({ op: 'explore', arg, expected, actual: JSON.stringify(value) ?? String(value), shapes });
    }
  };
  among('options.op', options.op, EXPLORE_OPS);
  among('options.paddingMode', options.paddingMode, EXPLORE_PAD_MODES);
  if (typeof options.padding === 'number') checkCount('explore', 'options.padding', options.padding, 0, shapes);
  else among('options.padding', options.padding, EXPLORE_PADDINGS.filter((p) => p !== 'explicit'));
  for (const [arg, min] of [['kernelSize', 1], ['stride', 1], ['dilation', 1], ['groups', 1], ['position', 0]] as const) {
    const value = options[arg];
    if (value !== undefined) checkCount('explore', `options.${arg}`, value, min, shapes);
  }
  if (options.groups !== undefined && channels % options.groups !== 0) {
    const expected = `a divisor of the input's ${channels} channels`;
    fail({ op: 'explore', arg: 'options.groups', expected, actual: String(options.groups), shapes });
  }
}

/** The initial settings: the options given, defaults for the rest, the weight's kernel and groups when fixed. */
function initialSettings(
  options: ExploreOptions,
  fixedKernel: number | undefined,
  fixedGroups: number | undefined,
): ExploreSettings {
  const op = options.op ?? 'conv2d';
  const kernelSize = fixedKernel ?? options.kernelSize ?? (op === 'conv2d' ? 3 : 2);
  return {
    op,
    kernelSize,
    // As the library: a pool's stride defaults to its kernel.
    stride: options.stride ?? (op === 'conv2d' ? 1 : kernelSize),
    padding: options.padding ?? 'valid',
    paddingMode: options.paddingMode ?? 'zeros',
    dilation: options.dilation ?? 1,
    groups: fixedGroups ?? options.groups ?? 1,
  };
}

/** The divisors of `n`, ascending: the groups a conv with `n` input and `n` output channels takes. */
function divisors(n: number): number[] {
  const found: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) found.push(d);
  return found.length ? found : [1];
}

/**
 * The teaching kernel of {@link explore}: `[C, C / groups, k, k]`, a left-to-right gradient over each group's
 * channels (column `j` weighs `sign(j − (k − 1) / 2)`; a 1×1 kernel weighs 1), divided by the channels per group.
 *
 * @example teachingKernel(1, 1, 3).toArray(); // [[[[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]]]
 */
export function teachingKernel(channels: number, groups: number, k: number): Tensor {
  const perGroup = channels / groups;
  const column = (j: number): number => (k === 1 ? 1 : Math.sign(j - (k - 1) / 2));
  const filter = Array.from({ length: k * k }, (_, i) => column(i % k) / perGroup);
  return tensor(Array.from({ length: channels * perGroup }, () => filter).flat(), [channels, perGroup, k, k]);
}

/** Runs the op of `s` on `x` (the library checks everything) and returns its result and per-axis arithmetic. */
function run(
  x: Tensor,
  w: Tensor | undefined,
  s: ExploreSettings,
  channels: number,
): { result: Tensor; axes: readonly AxisInfo[] } {
  const window = { stride: s.stride, padding: s.padding };
  if (s.op === 'conv2d') {
    const options = { ...window, dilation: s.dilation, groups: s.groups, paddingMode: s.paddingMode };
    // The groups are checked by the library before the teaching kernel is built from them.
    const weight = w ?? teachingKernel(channels, channels % s.groups === 0 ? s.groups : 1, s.kernelSize);
    const { axes } = convInfo('conv2d', x.shape, weight.shape, options);
    return { result: conv2d(x, weight, options), axes };
  }
  if (s.op === 'maxPool2d') {
    const options = { ...window, dilation: s.dilation };
    return { result: maxPool2d(x, s.kernelSize, options), axes: poolInfo('maxPool2d', x.shape, s.kernelSize, options).axes };
  }
  return { result: avgPool2d(x, s.kernelSize, window), axes: poolInfo('avgPool2d', x.shape, s.kernelSize, window).axes };
}

/** The formula line: each axis's output size as the library writes it, the shapes, and the focused cell. */
function formulaHtml(
  result: Tensor,
  axes: readonly AxisInfo[],
  [row, col]: [number, number],
  position: number,
  focusDrawn: boolean,
): string {
  const op = result.provenance?.op ?? '';
  const input = result.provenance?.input.shape ?? [];
  const names = ['height', 'width'];
  const lines = [
    `${op}: input ${shapeText(input)} → output ${shapeText(result.shape)}`,
    // The library's own text: the pads and the effective kernel (when dilated) are in it.
    ...axes.map((a, i) => `${names[i]}: ${a.formula}`),
    `position ${position} → output (row ${row}, col ${col})` +
      (focusDrawn ? '' : ': not drawn, the maps were reduced to fit the output size limit (explore a smaller input)'),
  ];
  const body = lines.map((line) => `<div>${escapeHtml(line)}</div>`).join('');
  return `<div style="font-family: var(--jp-code-font-family, monospace)">${body}</div>`;
}

const shapeText = (shape: Shape): string => `[${shape.join(',')}]`;
