/**
 * The CPU reference backend: plain loops that follow the definitions (kernel/docs/semantics.md §1.3, §6.1,
 * §8) line by line. It is the ground truth the other backends are tested against; clarity beats speed here.
 *
 * Every loop reads one index table from shapes/ (`windowSources`, `transposedTargets`) instead of
 * re-deriving `o·s + j·d − pL` per axis, so one loop serves 1-D, 2-D and 3-D.
 */
import { hostBackend, type HostKernels } from './backend';
import { layerLoops } from './layers';
import { poolPlanes, rowMajorStrides, transposedTargets, windowSources, type ConvInfo, type PoolWindowsInfo, type WindowInfo } from '../shapes';

/** Cells per channel plane: `[Π inSizes, Π outSizes, Π kernel]`. */
function planeSizes(info: WindowInfo): [inPlane: number, outPlane: number, taps: number] {
  return [...poolPlanes(info), info.axes.reduce((k, a) => k * a.kernel, 1)];
}

/** Plane sizes, channels per group, and the zeroed output `[batch, outChannels, ...outSizes]` of a conv. */
function convLayout(info: ConvInfo): {
  inPlane: number;
  outPlane: number;
  K: number;
  inPerGroup: number;
  outPerGroup: number;
  out: Float32Array;
} {
  const [inPlane, outPlane, K] = planeSizes(info);
  return {
    inPlane,
    outPlane,
    K,
    inPerGroup: info.inChannels / info.groups,
    outPerGroup: info.outChannels / info.groups,
    out: new Float32Array(info.batch * info.outChannels * outPlane),
  };
}

/**
 * Visits every cell of an im2col matrix `[batch, channels·K, outPlane]` with the image cell
 * `[batch, channels, ...inSizes]` it holds (`-1` where it holds the constant pad value).
 */
function eachColumnCell(
  batch: number,
  channels: number,
  info: WindowInfo,
  visit: (column: number, image: number) => void,
): void {
  const [inPlane, outPlane, K] = planeSizes(info);
  const source = windowSources(info);
  for (let nc = 0; nc < batch * channels; nc++) {
    for (let q = 0; q < K; q++) {
      for (let p = 0; p < outPlane; p++) {
        const s = source[p * K + q]!;
        visit((nc * K + q) * outPlane + p, s < 0 ? -1 : nc * inPlane + s);
      }
    }
  }
}

/**
 * The maximum of each window and where it is: `out` `[batch, channels, ...outSizes]`, and per output the flat
 * index of its maximum within the input plane (`h·inWidth + w` in 2-D), −1 for a window with no real cell.
 */
function maxWindows(x: Float32Array, info: PoolWindowsInfo): { out: Float32Array; argmax: Int32Array } {
  const [, outPlane] = poolPlanes(info);
  const out = new Float32Array(info.batch * info.channels * outPlane);
  const argmax = new Int32Array(out.length).fill(-1);
  forEachWindow(info, (plane, o, cells) => {
    let best = -Infinity;
    for (const c of cells) {
      const v = x[plane + c]!;
      // PyTorch's CPU kernel: `v > max || isnan(v)`. Ties keep the first maximum, a NaN wins and only a later
      // NaN replaces it (so the gradient goes to the last NaN), and the first real cell starts the search (an
      // all −∞ window points at it). A window without real cells stays −∞ and points nowhere.
      if (v > best || Number.isNaN(v) || argmax[o] === -1) {
        best = v;
        argmax[o] = c;
      }
    }
    out[o] = best;
  });
  return { out, argmax };
}

/** The reference loops, in host memory. */
const loops: Omit<HostKernels, keyof typeof layerLoops> = {
  // -- convolution, transposed convolution, im2col/col2im --

  conv(x, w, bias, info) {
    const { batch, inChannels, outChannels, padValue } = info;
    const { inPlane, outPlane, K, inPerGroup, outPerGroup, out } = convLayout(info);
    const source = windowSources(info);
    for (let n = 0; n < batch; n++) {
      for (let oc = 0; oc < outChannels; oc++) {
        const firstInChannel = Math.floor(oc / outPerGroup) * inPerGroup;
        for (let p = 0; p < outPlane; p++) {
          // y[n,oc,p] = b[oc] + Σ_c Σ_q w[oc,c,q] · xpad[n, c, window p, tap q]
          let sum = bias ? bias[oc]! : 0;
          for (let c = 0; c < inPerGroup; c++) {
            const xPlane = (n * inChannels + firstInChannel + c) * inPlane;
            const wTaps = (oc * inPerGroup + c) * K;
            for (let q = 0; q < K; q++) {
              const s = source[p * K + q]!;
              sum += (s < 0 ? padValue : x[xPlane + s]!) * w[wTaps + q]!;
            }
          }
          out[(n * outChannels + oc) * outPlane + p] = sum;
        }
      }
    }
    return out;
  },

  convTranspose(x, w, bias, info) {
    const { batch, inChannels, outChannels } = info;
    const { inPlane, outPlane, K, inPerGroup, outPerGroup, out } = convLayout(info);
    const target = transposedTargets(info);
    for (let n = 0; n < batch; n++) {
      for (let oc = 0; oc < outChannels; oc++) {
        out.fill(
          bias ? bias[oc]! : 0,
          (n * outChannels + oc) * outPlane,
          (n * outChannels + oc + 1) * outPlane,
        );
      }
      for (let ic = 0; ic < inChannels; ic++) {
        const group = Math.floor(ic / inPerGroup);
        for (let p = 0; p < inPlane; p++) {
          // Scatter: input cell p adds x·w[ic, o, q] to output cell i·s + j·d − pL of every channel o of its group.
          const value = x[(n * inChannels + ic) * inPlane + p]!;
          for (let o = 0; o < outPerGroup; o++) {
            const yPlane = (n * outChannels + group * outPerGroup + o) * outPlane;
            const wTaps = (ic * outPerGroup + o) * K;
            for (let q = 0; q < K; q++) {
              const t = target[p * K + q]!;
              if (t >= 0) out[yPlane + t] += value * w[wTaps + q]!;
            }
          }
        }
      }
    }
    return out;
  },

  im2col(x, batch, channels, info) {
    const [, outPlane, K] = planeSizes(info);
    const out = new Float32Array(batch * channels * K * outPlane);
    eachColumnCell(batch, channels, info, (column, image) => {
      out[column] = image < 0 ? info.padValue : x[image]!;
    });
    return out;
  },

  col2im(cols, batch, channels, info) {
    const [inPlane] = planeSizes(info);
    const out = new Float32Array(batch * channels * inPlane);
    // The adjoint of im2col's gather: add each column cell back to the image cell it read.
    eachColumnCell(batch, channels, info, (column, image) => {
      if (image >= 0) out[image] += cols[column]!;
    });
    return out;
  },

  pad(x, axes, value) {
    const out = new Float32Array(axes.reduce((n, a) => n * a.outSize, 1));
    // No values to write: return before walking the leading axes, which may be long when a later one is empty.
    if (out.length === 0) return out;
    const strides = rowMajorStrides(axes.map((a) => a.inSize));
    let o = 0;
    // Walk the output in row-major order; `offset` is the input index so far, or -1 once any axis is padding.
    const walk = (axis: number, offset: number): void => {
      const { source, outSize } = axes[axis]!;
      const stride = strides[axis]!;
      for (let i = 0; i < outSize; i++) {
        const s = source[i]!;
        const next = offset < 0 || s < 0 ? -1 : offset + s * stride;
        if (axis === axes.length - 1) out[o++] = next < 0 ? value : x[next]!;
        else walk(axis + 1, next);
      }
    };
    if (axes.length === 0) out[0] = x[0]!;
    else walk(0, 0);
    return out;
  },

  relu(x) {
    return x.map((v) => (v < 0 ? 0 : v)); // NaN stays NaN
  },

  // ── Pooling and gradients ──────────────────────────────────────────────────────────────────────────────

  maxPool(x, info) {
    return maxWindows(x, info).out;
  },

  maxPoolIndices(x, info) {
    return Float32Array.from(maxWindows(x, info).argmax);
  },

  avgPool(x, info, countIncludePad) {
    return windowSums(x, info, (v) => v, (sum, divisor) => sum / divisor, countIncludePad);
  },

  lpPool(x, info, p) {
    return windowSums(x, info, (v) => Math.abs(v) ** p, (sum) => sum ** (1 / p), false);
  },

  maxPoolBackward(dy, x, info) {
    const { argmax } = maxWindows(x, info);
    const [inPlane, outPlane] = poolPlanes(info);
    const dx = new Float64Array(info.batch * info.channels * inPlane);
    for (let o = 0; o < dy.length; o++) {
      const at = argmax[o]!;
      if (at >= 0) dx[Math.floor(o / outPlane) * inPlane + at]! += dy[o]!;
    }
    return Float32Array.from(dx);
  },

  avgPoolBackward(dy, info, countIncludePad) {
    const [inPlane] = poolPlanes(info);
    const dx = new Float64Array(info.batch * info.channels * inPlane);
    forEachWindow(info, (plane, o, cells, paddedTaps) => {
      const share = dy[o]! / (countIncludePad ? paddedTaps : cells.length);
      for (const c of cells) dx[plane + c]! += share;
    });
    return Float32Array.from(dx);
  },

  lpPoolBackward(dy, x, info, p) {
    // y = (Σ |x|^p)^(1/p), so ∂y/∂x = sign(x)·|x|^(p−1) · y^(1−p); where y = 0 every term is 0 (the subgradient).
    const y = windowSums(x, info, (v) => Math.abs(v) ** p, (sum) => sum ** (1 / p), false);
    const [inPlane] = poolPlanes(info);
    const dx = new Float64Array(info.batch * info.channels * inPlane);
    forEachWindow(info, (plane, o, cells) => {
      const out = y[o]!;
      if (out === 0) return;
      const scale = dy[o]! * out ** (1 - p);
      for (const c of cells) {
        const v = x[plane + c]!;
        dx[plane + c]! += scale * Math.sign(v) * Math.abs(v) ** (p - 1);
      }
    });
    return Float32Array.from(dx);
  },

  maxUnpool(x, indices, info) {
    const { inPlane, outPlane } = info;
    const out = new Float32Array(info.batch * info.channels * outPlane);
    for (let plane = 0; plane < info.batch * info.channels; plane++) {
      for (let q = 0; q < inPlane; q++) {
        // A scatter in row-major order: a later value sent to the same cell overwrites (PyTorch's CPU kernel).
        const at = indices[plane * inPlane + q]!;
        if (at >= 0) out[plane * outPlane + at] = x[plane * inPlane + q]!;
      }
    }
    return out;
  },

  convBackward(dy, x, w, info) {
    // The scatter form of kernel/docs/semantics.md §10.1: every output cell sends dy·w back to the inputs it read, and dy·x to the
    // weights it used, through the forward loop's window table (so one loop serves 1-D, 2-D and 3-D). One loop
    // nest for all three gradients, accumulated in float64.
    const { batch, inChannels, outChannels, groups } = info;
    const [inPlane, outPlane, K] = planeSizes(info);
    const inPerGroup = inChannels / groups;
    const outPerGroup = outChannels / groups;
    const source = windowSources(info);
    const dx = new Float64Array(x.length);
    const dw = new Float64Array(w.length);
    const db = new Float64Array(outChannels);
    for (let n = 0; n < batch; n++) {
      for (let oc = 0; oc < outChannels; oc++) {
        const firstInChannel = Math.floor(oc / outPerGroup) * inPerGroup;
        for (let p = 0; p < outPlane; p++) {
          const g = dy[(n * outChannels + oc) * outPlane + p]!;
          db[oc]! += g;
          for (let c = 0; c < inPerGroup; c++) {
            const xPlane = (n * inChannels + firstInChannel + c) * inPlane;
            const wTaps = (oc * inPerGroup + c) * K;
            for (let q = 0; q < K; q++) {
              const s = source[p * K + q]!;
              if (s < 0) continue; // padding: no input cell to send to (zero padding only, which the op checks)
              dx[xPlane + s]! += g * w[wTaps + q]!;
              dw[wTaps + q]! += g * x[xPlane + s]!;
            }
          }
        }
      }
    }
    return { dx: Float32Array.from(dx), dw: Float32Array.from(dw), db: Float32Array.from(db) };
  },
};

/**
 * The reference backend (`'cpu'`): the ground truth every other backend is tested against.
 * @example cpuBackend.relu(Float32Array.of(-1, 2)).values; // Float32Array [0, 2]
 */
export const cpuBackend = hostBackend('cpu', { ...loops, ...layerLoops });

/**
 * Calls `visit` for every output cell with the input plane's offset, the output index, the window's real cells
 * (flat indices within the input plane, in row-major window order) and the window's divisor when padding counts.
 * Window by window in row-major order, each visited in every plane: a window's cells are built once, as the
 * product of its per-axis taps, and only one window's cells are held at a time (listing every window of a plane
 * at once would hold output cells × window cells numbers, beyond memory for a large stride-1 pool).
 */
function forEachWindow(
  info: PoolWindowsInfo,
  visit: (plane: number, o: number, cells: readonly number[], paddedTaps: number) => void,
): void {
  const strides = rowMajorStrides(info.axes.map((a) => a.inSize));
  const [inPlane, outPlane] = poolPlanes(info);
  const planes = info.batch * info.channels;
  let window = 0;
  const walk = (axis: number, cells: readonly number[], padded: number): void => {
    if (axis === info.axes.length) {
      for (let p = 0; p < planes; p++) visit(p * inPlane, p * outPlane + window, cells, padded);
      window++;
      return;
    }
    const { outSize, taps, paddedTaps } = info.axes[axis]!;
    for (let i = 0; i < outSize; i++) {
      const next = cells.flatMap((c) => taps[i]!.map((t) => c + t * strides[axis]!));
      walk(axis + 1, next, padded * paddedTaps[i]!);
    }
  };
  walk(0, [0], 1);
}

/** Sums `term(x)` over each window's real cells (in float64), then `finish(sum, divisor)`. */
function windowSums(
  x: Float32Array,
  info: PoolWindowsInfo,
  term: (v: number) => number,
  finish: (sum: number, divisor: number) => number,
  countIncludePad: boolean,
): Float32Array {
  const [, outPlane] = poolPlanes(info);
  const out = new Float32Array(info.batch * info.channels * outPlane);
  forEachWindow(info, (plane, o, cells, paddedTaps) => {
    let sum = 0;
    for (const c of cells) sum += term(x[plane + c]!);
    out[o] = finish(sum, countIncludePad ? paddedTaps : cells.length);
  });
  return out;
}
