/**
 * The words for an op's window, shared by the view's footer (extension) and the static figure's footer (the
 * kernel's `text/html`), so the two say the same thing.
 */
import type { FeatureMapWindow } from './schema';

/** A window's padding mode in words (absent means `'zeros'`; max pooling's `'-inf'` reads `−∞`). @example paddingModeText('-inf'); // '−∞' */
export function paddingModeText(mode: string | undefined): string {
  return mode === undefined ? 'zeros' : mode === '-inf' ? '−∞' : mode;
}

/**
 * The window's parameters as footer parts: kernel, stride, dilation, padding with its mode (always named; `−∞`
 * for max pooling's `'-inf'`), groups, and an Lp pool's p. `pad`'s window is a 1×1 stand-in that maps output
 * cells to input cells: only its padding is said.
 *
 * @example windowParts('conv2d', { kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padding: [[1, 1], [1, 1]], groups: 1 })
 * // ['kernel 3×3', 'stride 1×1', 'dilation 1×1', 'padding 1,1 / 1,1 (zeros)', 'groups 1']
 * @example windowParts('pad', { kernel: [1, 1], stride: [1, 1], dilation: [1, 1], padding: [[2, 2], [2, 2]], groups: 1, paddingMode: 'reflect' })
 * // ['padding 2,2 / 2,2 (reflect)']
 */
export function windowParts(op: string, window: FeatureMapWindow): string[] {
  const padding = `padding ${window.padding.map(([a, b]) => `${a},${b}`).join(' / ')} (${paddingModeText(window.paddingMode)})`;
  if (op === 'pad') return [padding];
  const parts = [
    `kernel ${window.kernel.join('×')}`,
    `stride ${window.stride.join('×')}`,
    `dilation ${window.dilation.join('×')}`,
    padding,
    `groups ${window.groups}`,
  ];
  if (window.power !== undefined) parts.push(`p ${window.power}`);
  return parts;
}
