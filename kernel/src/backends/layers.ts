/**
 * The reference loops of the layer kernels (ops/nn.ts): the matrix products behind `linear` and its gradients
 * (kernel/docs/semantics.md, "Layers, losses and training"). Every loop runs its innermost index along a
 * contiguous row of both operands, so a training step's products stream through memory instead of striding
 * across it; sums are carried in float64 and rounded to float32 once.
 */
import type { HostKernels } from './backend';

/**
 * `out[i,:] = Σ_j a(i, j) · b[j,:]` for an `[m, n]` coefficient table `a` (a function, so `dy` can be read
 * transposed) and `b` `[n, p]` row-major: the i-k-j order, each output row summed in a float64 row that stays
 * in cache.
 */
function rowCombinations(
  m: number,
  n: number,
  p: number,
  a: (i: number, j: number) => number,
  b: Float32Array,
): Float32Array {
  const out = new Float32Array(m * p);
  const row = new Float64Array(p);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let j = 0; j < n; j++) {
      const g = a(i, j);
      const bRow = j * p;
      for (let k = 0; k < p; k++) row[k]! += g * b[bRow + k]!;
    }
    out.set(row, i * p);
  }
  return out;
}

/**
 * `Σ_k a[aStart + k] · b[bStart + k]` for `k < n`, in four partial sums: independent additions keep the CPU's
 * adders busy where one running sum waits on each previous add (1.6× on a linear [32, 400] → 120). Four plain
 * `let`s: V8 compiled an array destructuring of them twice as slow.
 */
function dot(a: Float32Array, aStart: number, b: Float32Array, bStart: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += a[aStart + k]! * b[bStart + k]!;
    s1 += a[aStart + k + 1]! * b[bStart + k + 1]!;
    s2 += a[aStart + k + 2]! * b[bStart + k + 2]!;
    s3 += a[aStart + k + 3]! * b[bStart + k + 3]!;
  }
  for (; k < n; k++) s0 += a[aStart + k]! * b[bStart + k]!;
  return s0 + s1 + s2 + s3;
}

/** The layer kernels in host memory; cpu.ts merges them into the reference backend. */
export const layerLoops: Pick<HostKernels, 'linear' | 'linearBackward'> = {
  linear(x, w, bias, rows, inFeatures, outFeatures) {
    const out = new Float32Array(rows * outFeatures);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < outFeatures; o++) {
        // y[r,o] = b[o] + Σ_k x[r,k]·w[o,k]: a dot product of two contiguous rows (w is [out, in]).
        out[r * outFeatures + o] = (bias ? bias[o]! : 0) + dot(x, r * inFeatures, w, o * inFeatures, inFeatures);
      }
    }
    return out;
  },

  linearBackward(dy, x, w, rows, inFeatures, outFeatures) {
    // dx[r,:] = Σ_o dy[r,o]·w[o,:] and dw[o,:] = Σ_r dy[r,o]·x[r,:]: both are sums of contiguous rows.
    const dx = rowCombinations(rows, outFeatures, inFeatures, (r, o) => dy[r * outFeatures + o]!, w);
    const dw = rowCombinations(outFeatures, rows, inFeatures, (o, r) => dy[r * outFeatures + o]!, x);
    const db = new Float64Array(outFeatures);
    for (let i = 0; i < dy.length; i++) db[i % outFeatures]! += dy[i]!;
    return { dx, dw, db: Float32Array.from(db) };
  },
};
