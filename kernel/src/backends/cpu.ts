/**
 * The CPU reference backend: plain loops that follow the definitions (conv-semantics §1.1, §1.7, §1.8) line
 * by line. It is the ground truth the other backends are tested against; clarity beats speed here.
 *
 * Every loop reads one index table from shapes.ts (`windowSources`, `transposedTargets`) instead of
 * re-deriving `o·s + j·d − pL` per axis, so one loop serves 1-D, 2-D and 3-D.
 */
import type { Backend } from './backend';
import { transposedTargets, windowSources, type ConvInfo, type WindowInfo } from '../shapes';

/** Cells per channel plane: `[Π inSizes, Π outSizes, Π kernel]`. */
function planeSizes(info: WindowInfo): [inPlane: number, outPlane: number, taps: number] {
  return info.axes.reduce<[number, number, number]>(
    ([i, o, k], a) => [i * a.inSize, o * a.outSize, k * a.kernel],
    [1, 1, 1],
  );
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

export const cpuBackend: Backend = {
  name: 'cpu',

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
};
