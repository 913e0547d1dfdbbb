/**
 * The WebAssembly conv engine behind the `'wasm'` backend (backend.ts): conv2d as im2col + a cache-blocked GEMM (4 channels × 8 pixels per SIMD tile),
 * or a direct SIMD loop for stride-1 depthwise convs, in hand-written WebAssembly (wasm/conv.wat) run on
 * every core (threads.ts). It reads the same {@link ConvInfo} record as the reference loops in ../cpu.ts, which
 * stay the ground truth it is tested against (test/unit/ops/conv2d*.test.ts run on both).
 *
 * All scratch (padded input, packed weights, index tables, the output tile matrix, per-thread im2col panels)
 * lives in one shared wasm memory that only grows: in steady state a call allocates nothing but its result.
 */
import { setFlagsFromString } from 'node:v8';
import { axes2d, type AxisInfo, type ConvInfo } from '../../shapes';
import { wasmBase64, wasmFusedBase64 } from './conv-module';
import { ThreadPool, type ConvExports, type Job, type ThreadHealth } from './threads';
import { wasm, type WasmMemory } from './webassembly';

// Byte offsets of the parameter block at the start of memory (see the table at the top of conv.wat).
const P = {
  K: 0, MTILES: 4, NPAD: 8, A: 12, BIAS: 16, C: 20, X: 24, KTAB: 28, PTAB: 32, KC: 36, CHUNK: 40,
  WP: 44, PLANE: 48, OH: 52, OW: 56, KH: 60, KW: 64, DH: 68, DW: 72, W: 76,
  XRAW: 80, H: 84, WIDTH: 88, TOP: 92, LEFT: 96, HP: 100, ABORT: 104,
} as const;
const PARAMS_BYTES = 256;
/** im2col rows packed at once: a 4 × KC weight tile (16 KiB) stays in L1 while it meets every panel. */
const KC = 256;
/** Pixel panels (8 pixels) packed at once: a KC × 128 im2col block is 128 KiB, sized for L2. */
const CHUNK = 16;
/** Below this many multiply-adds a call runs on the main thread alone: waking a worker costs more. */
const THREAD_MIN_MACS = 1 << 18;
const PAGE = 65536;
const MAX_PAGES = 16384;

const ceilTo = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;

/** Bump allocator over the shared memory for one call: returns byte offsets aligned to 64 bytes. */
class Layout {
  end = PARAMS_BYTES;
  take(floats: number): number {
    const at = this.end;
    this.end = ceilTo(this.end + 4 * floats, 64);
    return at;
  }
}

/** The conv engine: one shared wasm memory, the module instantiated on it here and in every worker thread. */
export class WasmConv {
  private readonly memory: WasmMemory = new wasm.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
  private readonly exports: ConvExports;
  private readonly pool: ThreadPool;
  private f32 = new Float32Array(0);
  private i32 = new Int32Array(0);

  /** @param threads threads a conv is split over, this one included (threads.ts, `threadCount`, by default) */
  constructor(threads?: number) {
    const module = new wasm.Module(kernelBytes());
    this.exports = new wasm.Instance(module, { env: { memory: this.memory } }).exports as unknown as ConvExports;
    this.pool = new ThreadPool(module, this.memory, this.exports, P.ABORT, threads);
  }

  /** The worker threads by state (threads.ts, {@link ThreadHealth}). */
  get threads(): ThreadHealth {
    return this.pool.health();
  }

  /** Bytes of scratch memory held now (it only grows, to the largest call so far). */
  get scratchBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Grows the memory to `bytes` if needed; false when that is beyond the 1 GiB the module declares. */
  private reserve(bytes: number): boolean {
    const pages = Math.ceil(bytes / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (pages > MAX_PAGES) return false;
    if (pages > have) this.memory.grow(pages - have);
    if (this.f32.buffer !== this.memory.buffer || this.f32.length * 4 !== this.memory.buffer.byteLength) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
    return true;
  }

  private setParams(values: Partial<Record<keyof typeof P, number>>): void {
    for (const [key, value] of Object.entries(values)) this.i32[P[key as keyof typeof P] / 4] = value;
  }

  /** Space for {@link writePaddedInput}: the padded input, and the unpadded one where they differ. */
  private takeInput(layout: Layout, info: ConvInfo, rows: AxisInfo, cols: AxisInfo, slack = 0): { X: number; XRAW: number } {
    const plane = (rows.inSize + rows.padBefore + rows.padAfter) * (cols.inSize + cols.padBefore + cols.padAfter);
    const X = layout.take(info.inChannels * plane + slack);
    const padded = plane !== rows.inSize * cols.inSize;
    return { X, XRAW: padded ? layout.take(info.inChannels * rows.inSize * cols.inSize) : X };
  }

  /** Copies batch item `n` of `x` into X, zero-padded per `info` (the wasm `pad` export does the padding). */
  private writePaddedInput(x: Float32Array, n: number, info: ConvInfo, rows: AxisInfo, cols: AxisInfo,
    at: { X: number; XRAW: number }): void {
    const size = info.inChannels * rows.inSize * cols.inSize;
    this.f32.set(x.subarray(n * size, (n + 1) * size), at.XRAW / 4);
    if (at.XRAW === at.X) return;
    this.setParams({ X: at.X, XRAW: at.XRAW, H: rows.inSize, WIDTH: cols.inSize, TOP: rows.padBefore,
      LEFT: cols.padBefore, HP: rows.inSize + rows.padBefore + rows.padAfter,
      WP: cols.inSize + cols.padBefore + cols.padAfter });
    this.exports.pad(0, info.inChannels);
  }

  /** Splits `[0, count)` into one job per thread (one job for small work). */
  private jobs(kind: Job['kind'], count: number, macs: number, scratch: (thread: number) => number): Job[] {
    const threads = macs < THREAD_MIN_MACS ? 1 : Math.min(this.pool.size, count);
    return Array.from({ length: threads }, (_, t) => ({
      kind,
      args: [Math.floor((t * count) / threads), Math.floor(((t + 1) * count) / threads), scratch(t)],
    }));
  }

  /** conv2d per {@link Backend.conv2d}, or undefined when the scratch would not fit in 1 GiB. */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, info: ConvInfo): Float32Array | undefined {
    // Before anything is written: a worker may still run a slice of an interrupted call, reading this memory.
    this.pool.settle();
    const [rows, cols] = axes2d(info);
    const out = new Float32Array(info.batch * info.outChannels * rows.outSize * cols.outSize);
    if (out.length === 0) return out;
    const depthwise = info.groups === info.inChannels && info.groups === info.outChannels && rows.stride === 1 && cols.stride === 1;
    return (depthwise ? this.depthwise(x, w, bias, info, rows, cols, out) : this.gemm(x, w, bias, info, rows, cols, out))
      ? out
      : undefined;
  }

  private depthwise(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, info: ConvInfo,
    rows: AxisInfo, cols: AxisInfo, out: Float32Array): boolean {
    const channels = info.inChannels;
    const wp = cols.inSize + cols.padBefore + cols.padAfter;
    const plane = (rows.inSize + rows.padBefore + rows.padAfter) * wp;
    const oh = rows.outSize;
    const ow = cols.outSize;
    const layout = new Layout();
    // Slack after the input: the lanes past the output width read up to 8 floats beyond the last row.
    const input = this.takeInput(layout, info, rows, cols, 16);
    const W = layout.take(w.length);
    const BIAS = layout.take(channels);
    const C = layout.take(channels * oh * ow);
    const TMP = layout.take(8 * this.pool.size);
    if (!this.reserve(layout.end)) return false;
    this.f32.set(w, W / 4);
    if (bias) this.f32.set(bias, BIAS / 4);
    else this.f32.fill(0, BIAS / 4, BIAS / 4 + channels);
    const kind = rows.kernel === 3 && cols.kernel === 3 ? 'depthwise3x3' : 'depthwise';
    const jobs = this.jobs(kind, channels, channels * oh * ow * rows.kernel * cols.kernel, (t) => TMP + 32 * t);
    for (let n = 0; n < info.batch; n++) {
      this.writePaddedInput(x, n, info, rows, cols, input);
      this.setParams({ X: input.X, W, BIAS, C, WP: wp, PLANE: plane, OH: oh, OW: ow, KH: rows.kernel,
        KW: cols.kernel, DH: rows.dilation, DW: cols.dilation });
      this.pool.run(jobs);
      out.set(this.f32.subarray(C / 4, C / 4 + channels * oh * ow), n * channels * oh * ow);
    }
    return true;
  }

  private gemm(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, info: ConvInfo,
    rows: AxisInfo, cols: AxisInfo, out: Float32Array): boolean {
    const { groups } = info;
    const inPerGroup = info.inChannels / groups;
    const outPerGroup = info.outChannels / groups;
    const wp = cols.inSize + cols.padBefore + cols.padAfter;
    const plane = (rows.inSize + rows.padBefore + rows.padAfter) * wp;
    const taps = rows.kernel * cols.kernel;
    const K = inPerGroup * taps;
    const N = rows.outSize * cols.outSize;
    const npad = ceilTo(N, 8);
    const mtiles = Math.ceil(outPerGroup / 4);
    const colFloats = Math.min(KC, K) * CHUNK * 8;
    const layout = new Layout();
    const input = this.takeInput(layout, info, rows, cols);
    const WRAW = layout.take(w.length);
    const A = layout.take(groups * mtiles * 4 * K);
    const BIAS = layout.take(groups * mtiles * 4);
    const KTAB = layout.take(K);
    const PTAB = layout.take(npad);
    const C = layout.take(mtiles * 4 * npad);
    const COL = layout.take(this.pool.size * colFloats);
    if (!this.reserve(layout.end)) return false;
    const { f32, i32 } = this;

    // Weights as [group][tile][k][4 channels] (packed in wasm: this loop is megabytes for big layers).
    f32.set(w, WRAW / 4);
    f32.fill(0, BIAS / 4, BIAS / 4 + groups * mtiles * 4);
    for (let g = 0; g < groups; g++) {
      this.exports.packWeights(WRAW + 4 * g * outPerGroup * K, A + 16 * g * mtiles * K, outPerGroup, K);
      if (bias) f32.set(bias.subarray(g * outPerGroup, (g + 1) * outPerGroup), BIAS / 4 + g * mtiles * 4);
    }
    // Byte offsets into a group's padded input: tap k = (channel, ki, kj), and each output pixel's corner.
    let k = KTAB / 4;
    for (let c = 0; c < inPerGroup; c++) {
      for (let ki = 0; ki < rows.kernel; ki++) {
        for (let kj = 0; kj < cols.kernel; kj++) {
          i32[k++] = 4 * (c * plane + ki * rows.dilation * wp + kj * cols.dilation);
        }
      }
    }
    let p = PTAB / 4;
    for (let i = 0; i < rows.outSize; i++) {
      for (let j = 0; j < cols.outSize; j++) i32[p++] = 4 * (i * rows.stride * wp + j * cols.stride);
    }
    i32.fill(0, p, PTAB / 4 + npad);
    this.setParams({ K, MTILES: mtiles, NPAD: npad, KTAB, PTAB, C, KC, CHUNK });
    const jobs = this.jobs('gemm', npad / 8, mtiles * 4 * K * npad, (t) => COL + 4 * t * colFloats);

    for (let n = 0; n < info.batch; n++) {
      this.writePaddedInput(x, n, info, rows, cols, input);
      for (let g = 0; g < groups; g++) {
        this.setParams({ X: input.X + 4 * g * inPerGroup * plane, A: A + 16 * g * mtiles * K, BIAS: BIAS + 16 * g * mtiles });
        this.pool.run(jobs);
        for (let m = 0; m < outPerGroup; m++) {
          const from = C / 4 + m * npad;
          out.set(f32.subarray(from, from + N), (n * info.outChannels + g * outPerGroup + m) * N);
        }
      }
    }
    return true;
  }
}

/**
 * The fused-multiply-add build of conv.wat where the engine has relaxed SIMD, else the plain one. Node 20's V8
 * (11.3) has relaxed SIMD behind a flag that is safe to set before the first module using it is compiled;
 * later engines have it on by default.
 */
function kernelBytes(): Uint8Array {
  const fused = Buffer.from(wasmFusedBase64, 'base64');
  if (wasm.validate(fused)) return fused;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return wasm.validate(fused) ? fused : Buffer.from(wasmBase64, 'base64');
}
