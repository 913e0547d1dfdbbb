/**
 * The gpu backend's kernel sources, each with a shape legend. gpu.js translates these functions' source to
 * GLSL (or WGSL), so they use only arithmetic, loops, `this.thread` and `this.constants` (baked into the
 * shader). Every output is flat: thread.x is the output's row-major index. Index tables (from shapes/)
 * arrive as Float32Arrays: entry = source index, or −1 for padding.
 */

export interface KernelThis<C> {
  thread: { x: number };
  constants: C;
}

/** Numbers of a conv with up to 3 spatial axes (fewer axes: leading unit axes). */
export interface ConvConstants {
  inChannels: number; outChannels: number; inPerGroup: number; outPerGroup: number;
  inD: number; inH: number; inW: number; outD: number; outH: number; outW: number;
  kd: number; kh: number; kw: number; sd: number; sh: number; sw: number; dd: number; dh: number; dw: number;
  pd: number; ph: number; pw: number; padValue: number;
  /** 1: read the tap tables (reflect, replicate, circular); 0: `o·s + k·d − p`, outside the input = pad value. */
  gather: number;
}

// x [batch][inChannels][inD][inH][inW], w [outChannels][inPerGroup][kd][kh][kw], bias [outChannels],
// tapsD [outD·kd] (and H, W): the input cell each (output, tap) pair reads (axisTaps), −1 for the pad value;
// only read when `gather` is 1 (arithmetic is cheaper than a texture read, where the padding is a constant).
export function convKernel(
  this: KernelThis<ConvConstants>,
  x: Float32Array, w: Float32Array, bias: Float32Array, tapsD: Float32Array, tapsH: Float32Array, tapsW: Float32Array,
): number {
  const ow = this.thread.x % this.constants.outW;
  const oh = Math.floor(this.thread.x / this.constants.outW) % this.constants.outH;
  const od = Math.floor(this.thread.x / (this.constants.outW * this.constants.outH)) % this.constants.outD;
  const plane = Math.floor(this.thread.x / (this.constants.outW * this.constants.outH * this.constants.outD));
  const oc = plane % this.constants.outChannels;
  const n = Math.floor(plane / this.constants.outChannels);
  const firstInChannel = Math.floor(oc / this.constants.outPerGroup) * this.constants.inPerGroup;
  let sum = bias[oc]!;
  for (let c = 0; c < this.constants.inPerGroup; c++) {
    const xPlane = n * this.constants.inChannels + firstInChannel + c;
    for (let a = 0; a < this.constants.kd; a++) {
      let d = od * this.constants.sd + a * this.constants.dd - this.constants.pd;
      if (this.constants.gather > 0) d = tapsD[od * this.constants.kd + a]!;
      if (d >= this.constants.inD) d = -1;
      for (let b = 0; b < this.constants.kh; b++) {
        let r = oh * this.constants.sh + b * this.constants.dh - this.constants.ph;
        if (this.constants.gather > 0) r = tapsH[oh * this.constants.kh + b]!;
        if (r >= this.constants.inH) r = -1;
        for (let e = 0; e < this.constants.kw; e++) {
          let s = ow * this.constants.sw + e * this.constants.dw - this.constants.pw;
          if (this.constants.gather > 0) s = tapsW[ow * this.constants.kw + e]!;
          if (s >= this.constants.inW) s = -1;
          const weight = w[(((oc * this.constants.inPerGroup + c) * this.constants.kd + a) * this.constants.kh + b) * this.constants.kw + e]!;
          if (d < 0 || r < 0 || s < 0) {
            sum += this.constants.padValue * weight;
          } else {
            sum += x[((xPlane * this.constants.inD + d) * this.constants.inH + r) * this.constants.inW + s]! * weight;
          }
        }
      }
    }
  }
  return sum;
}

/** Numbers of a pad of up to 4 axes (fewer: leading unit axes). */
export interface PadConstants {
  in1: number; in2: number; in3: number; out1: number; out2: number; out3: number; value: number;
}

// x [in0][in1][in2][in3], s0 [out0] … s3 [out3]: the input cell each output cell copies (PadAxis.source).
export function padKernel(
  this: KernelThis<PadConstants>,
  x: Float32Array, s0: Float32Array, s1: Float32Array, s2: Float32Array, s3: Float32Array,
): number {
  const i3 = this.thread.x % this.constants.out3;
  const i2 = Math.floor(this.thread.x / this.constants.out3) % this.constants.out2;
  const i1 = Math.floor(this.thread.x / (this.constants.out3 * this.constants.out2)) % this.constants.out1;
  const i0 = Math.floor(this.thread.x / (this.constants.out3 * this.constants.out2 * this.constants.out1));
  const a = s0[i0]!;
  const b = s1[i1]!;
  const c = s2[i2]!;
  const d = s3[i3]!;
  if (a < 0 || b < 0 || c < 0 || d < 0) return this.constants.value;
  return x[((a * this.constants.in1 + b) * this.constants.in2 + c) * this.constants.in3 + d]!;
}

/** Numbers of a 2-D pool: window tables are `[out · most]`, −1 past a window's real cells. */
export interface PoolConstants {
  inH: number; inW: number; outH: number; outW: number; mostH: number; mostW: number;
  /** 1: max pooling; 0: average. */
  max: number;
  /** 1: the average's divisor counts padding. */
  countIncludePad: number;
}

// x [planes][inH][inW]; rows [outH·mostH], cols [outW·mostW]: the real input rows/cols of each window;
// paddedRows [outH], paddedCols [outW]: window sizes counting padding (the divisor when it counts).
// Max: the first maximum in window order wins, and a NaN wins and stays (as PyTorch). The backend sends a max
// pool here only when every window holds a real cell (`best` starts at 0, not −∞, which GLSL cannot write).
export function poolKernel(
  this: KernelThis<PoolConstants>,
  x: Float32Array, rows: Float32Array, cols: Float32Array, paddedRows: Float32Array, paddedCols: Float32Array,
): number {
  const j = this.thread.x % this.constants.outW;
  const i = Math.floor(this.thread.x / this.constants.outW) % this.constants.outH;
  const plane = Math.floor(this.thread.x / (this.constants.outW * this.constants.outH));
  let sum = 0;
  let best = 0;
  let seen = 0;
  let sawNaN = 0;
  let realRows = 0;
  let realCols = 0;
  for (let a = 0; a < this.constants.mostH; a++) {
    const r = rows[i * this.constants.mostH + a]!;
    if (r >= 0) {
      realRows += 1;
      realCols = 0;
      for (let b = 0; b < this.constants.mostW; b++) {
        const c = cols[j * this.constants.mostW + b]!;
        if (c >= 0) {
          realCols += 1;
          const v = x[(plane * this.constants.inH + r) * this.constants.inW + c]!;
          sum += v;
          // NaN: neither below nor at-or-above `best` (a value read at run time: WGSL compilers may fold
          // `v !== v` to false, and GLSL ES 1.0 has no isnan). Once a NaN is kept, nothing replaces it.
          if (sawNaN === 0) {
            if (!(v < best) && !(v >= best)) {
              best = v;
              sawNaN = 1;
            } else if (seen === 0 || v > best) {
              best = v;
            }
          }
          seen = 1;
        }
      }
    }
  }
  if (this.constants.max > 0) return best;
  if (this.constants.countIncludePad > 0) return sum / (paddedRows[i]! * paddedCols[j]!);
  return sum / (realRows * realCols);
}

export function reluKernel(this: KernelThis<object>, x: Float32Array): number {
  const v = x[this.thread.x]!;
  if (v < 0) return 0;
  return v; // NaN stays NaN, as PyTorch
}

/** Numbers of conv2d's gradients (zero padding; `conv2dBackward` refuses other modes). */
export interface GradConstants {
  batch: number; inChannels: number; outChannels: number; inPerGroup: number; outPerGroup: number;
  inH: number; inW: number; outH: number; outW: number; kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number; padTop: number; padLeft: number;
}

// dx [batch][inChannels][inH][inW]: Σ over the outputs whose windows read this cell, dy · w (the gather
// form of kernel/docs/semantics.md §10.1: output i reads row r with tap ki when i·sh = r + padTop − ki·dh).
export function inputGradKernel(this: KernelThis<GradConstants>, dy: Float32Array, w: Float32Array): number {
  const s = this.thread.x % this.constants.inW;
  const r = Math.floor(this.thread.x / this.constants.inW) % this.constants.inH;
  const ci = Math.floor(this.thread.x / (this.constants.inW * this.constants.inH)) % this.constants.inChannels;
  const n = Math.floor(this.thread.x / (this.constants.inW * this.constants.inH * this.constants.inChannels));
  const group = Math.floor(ci / this.constants.inPerGroup);
  const c = ci - group * this.constants.inPerGroup;
  let sum = 0;
  for (let k = 0; k < this.constants.outPerGroup; k++) {
    const oc = group * this.constants.outPerGroup + k;
    for (let ki = 0; ki < this.constants.kh; ki++) {
      const rowSpan = r + this.constants.padTop - ki * this.constants.dh;
      const i = Math.floor(rowSpan / this.constants.sh);
      if (rowSpan >= 0 && i * this.constants.sh === rowSpan && i < this.constants.outH) {
        for (let kj = 0; kj < this.constants.kw; kj++) {
          const colSpan = s + this.constants.padLeft - kj * this.constants.dw;
          const j = Math.floor(colSpan / this.constants.sw);
          if (colSpan >= 0 && j * this.constants.sw === colSpan && j < this.constants.outW) {
            sum +=
              dy[((n * this.constants.outChannels + oc) * this.constants.outH + i) * this.constants.outW + j]! *
              w[((oc * this.constants.inPerGroup + c) * this.constants.kh + ki) * this.constants.kw + kj]!;
          }
        }
      }
    }
  }
  return sum;
}

// dw [outChannels][inPerGroup][kh][kw]: Σ over batch and output cells of dy · the input cell that tap read.
export function weightGradKernel(this: KernelThis<GradConstants>, dy: Float32Array, x: Float32Array): number {
  const kj = this.thread.x % this.constants.kw;
  const ki = Math.floor(this.thread.x / this.constants.kw) % this.constants.kh;
  const c = Math.floor(this.thread.x / (this.constants.kw * this.constants.kh)) % this.constants.inPerGroup;
  const oc = Math.floor(this.thread.x / (this.constants.kw * this.constants.kh * this.constants.inPerGroup));
  const ci = Math.floor(oc / this.constants.outPerGroup) * this.constants.inPerGroup + c;
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) {
    for (let i = 0; i < this.constants.outH; i++) {
      const r = i * this.constants.sh + ki * this.constants.dh - this.constants.padTop;
      if (r >= 0 && r < this.constants.inH) {
        for (let j = 0; j < this.constants.outW; j++) {
          const s = j * this.constants.sw + kj * this.constants.dw - this.constants.padLeft;
          if (s >= 0 && s < this.constants.inW) {
            sum +=
              dy[((n * this.constants.outChannels + oc) * this.constants.outH + i) * this.constants.outW + j]! *
              x[((n * this.constants.inChannels + ci) * this.constants.inH + r) * this.constants.inW + s]!;
          }
        }
      }
    }
  }
  return sum;
}

// db [outChannels]: Σ of dy over batch and output cells.
export function biasGradKernel(this: KernelThis<GradConstants>, dy: Float32Array): number {
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) {
    for (let p = 0; p < this.constants.outH * this.constants.outW; p++) {
      sum += dy[(n * this.constants.outChannels + this.thread.x) * this.constants.outH * this.constants.outW + p]!;
    }
  }
  return sum;
}
