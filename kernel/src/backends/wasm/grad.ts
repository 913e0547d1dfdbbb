/**
 * conv2d gradients on the WebAssembly engine (kernel/docs/semantics.md §10.1). Both large gradients are
 * convolutions themselves, so they run on the forward engine ({@link WasmConv.conv2d}) over re-arranged host
 * arrays; the reference loops (../cpu.ts) stay the ground truth they are tested against.
 *
 * Per spatial axis, with stride `s`, dilation `d`, kernel `k`, pads `pL`, `pR`, input `L`, output `Lout`:
 *
 * - `dw[o,c,j] = Σ_n Σ_i dy[n,o,i] · xpad[n,c,i·s + j·d]` is a conv whose "batch" is the input channels and whose
 *   "channels" are the batch: `x` as `[C, N, L]` (same pads) by `dy` as `[O, N, Lout]`, at stride `d` and
 *   dilation `s`. Its output `[C, O, ≥ k]` is cropped to the kernel (the floor of the forward size can leave a
 *   few more offsets) and transposed back to `[O, C, k]`. With groups, a group's channels are contiguous rows
 *   of both swapped arrays, so each group is one conv of its rows.
 * - `dx[n,c,i·s + j·d − pL] += Σ_o dy[n,o,i] · w[o,c,j]` is a conv of `dy` spread out by the stride (`s − 1`
 *   zeros between cells) at offset `d·(k − 1) − pL`, in a plane of `L + d·(k − 1)` cells, by the weight flipped
 *   with in and out swapped (`[C, O/g, k]`) at dilation `d`, stride 1, no padding: output length exactly `L`.
 *   Spread cells that fall outside that plane only ever met padding, so dropping them is exact. Groups carry
 *   over unchanged (the swapped weight is grouped as a forward conv weight is).
 * - `db[o] = Σ_n Σ_i dy[n,o,i]`.
 */
import { allocationLimit, axes2d, convInfo, type ConvInfo } from '../../shapes';
import type { WasmConv } from './conv';

/** The three gradients of conv2d, in the layouts of `x`, `w` and the bias. */
export interface Conv2dGradientValues {
  dx: Float32Array;
  dw: Float32Array;
  db: Float32Array;
}

/**
 * conv2d's gradients on `engine`, or undefined to hand the call to the reference loops: an empty tensor, a
 * re-arranged array beyond the allocation limit, or scratch the engine cannot hold.
 *
 * @param dy `info.outShape` `[N, O, outHeight, outWidth]`
 * @param x `[N, C, H, W]`; `w` `[O, C/groups, kH, kW]`; `info` the forward conv's record (zero padding, 2 axes)
 * @returns `dx` `[N, C, H, W]`, `dw` `[O, C/groups, kH, kW]`, `db` `[O]`
 * @example
 * // x = 1..9 as 1×1×3×3, w = [[1, 0], [0, −1]], dy all ones (1×1×2×2):
 * conv2dGradients(new WasmConv(), dy, x, w, convInfo('conv2dBackward', [1, 1, 3, 3], [1, 1, 2, 2], {}));
 * // { dx: [1, 1, 0, 1, 0, −1, 0, −1, −1], dw: [12, 16, 24, 28], db: [4] }
 */
export function conv2dGradients(
  engine: WasmConv,
  dy: Float32Array,
  x: Float32Array,
  w: Float32Array,
  info: ConvInfo,
): Conv2dGradientValues | undefined {
  if (dy.length === 0 || x.length === 0 || w.length === 0) return undefined;
  const dx = inputGradient(engine, dy, w, info);
  const dw = dx && weightGradient(engine, dy, x, info);
  return dx && dw ? { dx, dw, db: biasGradient(dy, info) } : undefined;
}

/** True when `count` float32 values fit the allocation limit (checks.ts): beyond it, decline rather than fail. */
function fits(count: number): boolean {
  return count * Float32Array.BYTES_PER_ELEMENT <= allocationLimit();
}

/** `[A, B, plane]` → `[B, A, plane]`: swaps the two leading axes of a row-major array. */
function swapLeadingAxes(values: Float32Array, a: number, b: number, plane: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      out.set(values.subarray((i * b + j) * plane, (i * b + j + 1) * plane), (j * a + i) * plane);
    }
  }
  return out;
}

/** `dx` as the conv of the spread `dy` by the flipped, swapped weight (see the file comment). */
function inputGradient(engine: WasmConv, dy: Float32Array, w: Float32Array, info: ConvInfo): Float32Array | undefined {
  const { batch, inChannels, outChannels, groups } = info;
  const [rows, cols] = axes2d(info);
  const inPerGroup = inChannels / groups;
  const outPerGroup = outChannels / groups;
  // The spread plane: `L + d·(k − 1)` cells, so a valid conv with effective kernel `d·(k − 1) + 1` returns `L`.
  const height = rows.inSize + rows.effectiveKernel - 1;
  const width = cols.inSize + cols.effectiveKernel - 1;
  if (!fits(batch * outChannels * height * width)) return undefined;
  const spread = new Float32Array(batch * outChannels * height * width);
  const top = rows.effectiveKernel - 1 - rows.padBefore;
  const left = cols.effectiveKernel - 1 - cols.padBefore;
  for (let plane = 0; plane < batch * outChannels; plane++) {
    for (let i = 0; i < rows.outSize; i++) {
      const r = top + i * rows.stride;
      if (r < 0 || r >= height) continue; // a window row that lay wholly in the padding sends nothing back
      for (let j = 0; j < cols.outSize; j++) {
        const c = left + j * cols.stride;
        if (c < 0 || c >= width) continue;
        spread[(plane * height + r) * width + c] = dy[(plane * rows.outSize + i) * cols.outSize + j]!;
      }
    }
  }
  // wT[g·C/g + c, o, kH−1−a, kW−1−b] = w[g·O/g + o, c, a, b]: flipped (the scatter read as a gather), swapped.
  const taps = rows.kernel * cols.kernel;
  const flipped = new Float32Array(w.length);
  for (let g = 0; g < groups; g++) {
    for (let o = 0; o < outPerGroup; o++) {
      for (let c = 0; c < inPerGroup; c++) {
        const from = ((g * outPerGroup + o) * inPerGroup + c) * taps;
        const to = ((g * inPerGroup + c) * outPerGroup + o) * taps;
        for (let t = 0; t < taps; t++) flipped[to + taps - 1 - t] = w[from + t]!;
      }
    }
  }
  const spreadShape = [batch, outChannels, height, width];
  const flippedShape = [inChannels, outPerGroup, rows.kernel, cols.kernel];
  const record = convInfo(info.op, spreadShape, flippedShape, { dilation: [rows.dilation, cols.dilation], groups });
  return engine.conv2d(spread, flipped, undefined, record);
}

/** `dw` as one conv per group of the swapped `x` by the swapped `dy` (see the file comment). */
function weightGradient(engine: WasmConv, dy: Float32Array, x: Float32Array, info: ConvInfo): Float32Array | undefined {
  const { batch, inChannels, outChannels, groups } = info;
  const [rows, cols] = axes2d(info);
  const inPerGroup = inChannels / groups;
  const outPerGroup = outChannels / groups;
  const inPlane = rows.inSize * cols.inSize;
  const outPlane = rows.outSize * cols.outSize;
  const xT = swapLeadingAxes(x, batch, inChannels, inPlane);
  const dyT = swapLeadingAxes(dy, batch, outChannels, outPlane);
  const dw = new Float32Array(outChannels * inPerGroup * rows.kernel * cols.kernel);
  for (let g = 0; g < groups; g++) {
    const xShape = [inPerGroup, batch, rows.inSize, cols.inSize];
    const dyShape = [outPerGroup, batch, rows.outSize, cols.outSize];
    const record = convInfo(info.op, xShape, dyShape, {
      stride: [rows.dilation, cols.dilation],
      dilation: [rows.stride, cols.stride],
      padding: [[rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter]],
    });
    const out = engine.conv2d(
      xT.subarray(g * inPerGroup * batch * inPlane, (g + 1) * inPerGroup * batch * inPlane),
      dyT.subarray(g * outPerGroup * batch * outPlane, (g + 1) * outPerGroup * batch * outPlane),
      undefined,
      record,
    );
    if (!out) return undefined;
    // out is [C/g, O/g, ≥kH, ≥kW]: keep the first kH × kW offsets, as [O, C/g, kH, kW].
    const [offsetRows, offsetCols] = axes2d(record);
    for (let c = 0; c < inPerGroup; c++) {
      for (let o = 0; o < outPerGroup; o++) {
        const from = (c * outPerGroup + o) * offsetRows.outSize;
        const to = ((g * outPerGroup + o) * inPerGroup + c) * rows.kernel;
        for (let a = 0; a < rows.kernel; a++) {
          const line = (from + a) * offsetCols.outSize;
          dw.set(out.subarray(line, line + cols.kernel), (to + a) * cols.kernel);
        }
      }
    }
  }
  return dw;
}

/** `db[o]`: `dy` summed over batch and space, in float64 (as the reference loops). */
function biasGradient(dy: Float32Array, info: ConvInfo): Float32Array {
  const { batch, outChannels } = info;
  const plane = dy.length / (batch * outChannels);
  const db = new Float64Array(outChannels);
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < outChannels; o++) {
      const from = (n * outChannels + o) * plane;
      for (let i = from; i < from + plane; i++) db[o]! += dy[i]!;
    }
  }
  return Float32Array.from(db);
}
