/**
 * Receptive field and jump through a stack of layers (the shape trace's "RF" and "jump" columns).
 */
import { perAxis } from './checks';
import type { AxisInfo, ReceptiveInfo, ReceptiveLayer } from './types';

/**
 * The field of the input itself: one pixel, jump 1, centred on pixel 0.
 *
 * @example
 * receptiveStart(2); // { jump: [1, 1], size: [1, 1], start: [0.5, 0.5] }
 */
export function receptiveStart(axes: number): ReceptiveInfo {
  return { jump: Array<number>(axes).fill(1), size: Array<number>(axes).fill(1), start: Array<number>(axes).fill(0.5) };
}

/**
 * One step of the recurrence of kernel/docs/semantics.md §9.1, per axis, from the axis records of a windowed op.
 *
 * @example
 * receptiveStep(receptiveStart(1), [{ stride: 2, effectiveKernel: 3, padBefore: 1 }]); // { jump: [2], size: [3], start: [0.5] }
 */
export function receptiveStep(
  previous: ReceptiveInfo,
  axes: readonly Pick<AxisInfo, 'stride' | 'effectiveKernel' | 'padBefore'>[],
): ReceptiveInfo {
  return {
    jump: axes.map((a, i) => (previous.jump[i] ?? 1) * a.stride),
    size: axes.map((a, i) => (previous.size[i] ?? 1) + (a.effectiveKernel - 1) * (previous.jump[i] ?? 1)),
    start: axes.map(
      (a, i) => (previous.start[i] ?? 0.5) + ((a.effectiveKernel - 1) / 2 - a.padBefore) * (previous.jump[i] ?? 1),
    ),
  };
}

/**
 * Receptive field of a stack of conv/pool layers, per layer and per axis (kernel/docs/semantics.md §9, Dang Ha The Hien's
 * recurrence). The number of axes is the longest array among the layers' values, or 1.
 *
 * @example
 * receptiveField([
 *   { kernel: 3, padding: 1 }, { kernel: 3, stride: 2, padding: 1 }, { kernel: 2, stride: 2 },
 *   { kernel: 3, padding: 2, dilation: 2 }, { kernel: 5, stride: 2, padding: 2 },
 * ]).map((r) => r.size[0]); // [3, 5, 7, 23, 39]   (jumps 1, 2, 4, 4, 8)
 */
export function receptiveField(layers: readonly ReceptiveLayer[]): ReceptiveInfo[] {
  const op = 'receptiveField';
  const lengthOf = (v: number | readonly number[] | undefined): number => (typeof v === 'object' ? v.length : 1);
  const n = Math.max(1, ...layers.map((l) => Math.max(lengthOf(l.kernel), lengthOf(l.stride), lengthOf(l.dilation), lengthOf(l.padding))));
  let field = receptiveStart(n);
  return layers.map((layer, index) => {
    const where = (name: string): string => `layers[${index}].${name}`;
    const kernels = perAxis(op, where('kernel'), layer.kernel, n, 1, {});
    const strides = perAxis(op, where('stride'), layer.stride ?? 1, n, 1, {});
    const dilations = perAxis(op, where('dilation'), layer.dilation ?? 1, n, 1, {});
    const pads = perAxis(op, where('padding'), layer.padding ?? 0, n, 0, {});
    const axes = kernels.map((k, i) => ({
      stride: strides[i] ?? 1,
      effectiveKernel: (dilations[i] ?? 1) * (k - 1) + 1,
      padBefore: pads[i] ?? 0,
    }));
    field = receptiveStep(field, axes);
    return field;
  });
}
