/**
 * The CPU reference backend: plain loops that follow the definition (conv-semantics §1.1) line by line.
 * It is the ground truth the other backends are tested against; clarity beats speed here.
 */
import type { Backend } from './backend';
import { axes2d } from '../shapes';

export const cpuBackend: Backend = {
  name: 'cpu',

  conv2d(x, w, bias, info) {
    const { batch, inChannels, outChannels, groups } = info;
    const [rows, cols] = axes2d(info);
    const inPerGroup = inChannels / groups;
    const outPerGroup = outChannels / groups;
    const out = new Float32Array(batch * outChannels * rows.outSize * cols.outSize);
    let o = 0;
    for (let n = 0; n < batch; n++) {
      for (let oc = 0; oc < outChannels; oc++) {
        const firstInChannel = Math.floor(oc / outPerGroup) * inPerGroup;
        for (let i = 0; i < rows.outSize; i++) {
          for (let j = 0; j < cols.outSize; j++) {
            let sum = bias ? (bias[oc] ?? 0) : 0;
            for (let c = 0; c < inPerGroup; c++) {
              const xPlane = (n * inChannels + firstInChannel + c) * rows.inSize;
              const wPlane = (oc * inPerGroup + c) * rows.kernel;
              for (let ki = 0; ki < rows.kernel; ki++) {
                // Row in the unpadded input; cells that fall in the padding are zero and add nothing.
                const r = i * rows.stride + ki * rows.dilation - rows.padBefore;
                if (r < 0 || r >= rows.inSize) continue;
                for (let kj = 0; kj < cols.kernel; kj++) {
                  const col = j * cols.stride + kj * cols.dilation - cols.padBefore;
                  if (col < 0 || col >= cols.inSize) continue;
                  sum += (x[(xPlane + r) * cols.inSize + col] ?? 0) * (w[(wPlane + ki) * cols.kernel + kj] ?? 0);
                }
              }
            }
            out[o++] = sum;
          }
        }
      }
    }
    return out;
  },
};
