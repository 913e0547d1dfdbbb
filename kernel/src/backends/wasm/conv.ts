/**
 * The WebAssembly conv engine behind the `'wasm'` backend (backend.ts): conv2d as im2col + a cache-blocked GEMM
 * (4 channels × 8 pixels per SIMD tile), as Winograd F(2×2, 3×3) for the 3 × 3 stride-1 convs where that pays
 * ({@link winogradFits}: 16 GEMMs on the same tile), or a direct SIMD loop for stride-1 depthwise convs, in
 * hand-written WebAssembly (wasm/conv.wat) run on every core (threads.ts). It reads the same {@link ConvInfo}
 * record as the reference loops in ../cpu.ts, which stay the ground truth it is tested against
 * (test/unit/ops/conv2d*.test.ts run on both).
 *
 * All scratch (padded input, packed weights, index tables, the output tile matrix, per-thread im2col panels)
 * lives in one shared wasm memory that only grows: in steady state a call allocates nothing but its result.
 * The JavaScript side of a call only lays out that memory, writes the parameter block and copies the input in
 * and the output out: every loop over pixels or taps runs in the module, so a small conv costs little more
 * than its two copies (the measurements behind this: kernel/src/backends/README.md, "The wasm path").
 */
import { setFlagsFromString } from 'node:v8';
import { axes2d, type AxisInfo, type ConvInfo } from '../../shapes';
import { wasmBase64, wasmFusedBase64 } from './conv-module';
import { ThreadPool, type ConvExports, type Kind, type ThreadHealth } from './threads';
import { wasm, type WasmMemory } from './webassembly';

// Byte offsets of the parameter block at the start of memory (see the table at the top of conv.wat).
const P = {
  K: 0, MTILES: 4, NPAD: 8, A: 12, BIAS: 16, C: 20, X: 24, KTAB: 28, PTAB: 32, KC: 36, CHUNK: 40,
  WP: 44, PLANE: 48, OH: 52, OW: 56, KH: 60, KW: 64, DH: 68, DW: 72, W: 76,
  XRAW: 80, H: 84, WIDTH: 88, TOP: 92, LEFT: 96, HP: 100, ABORT: 104, NEXT: 108, ITEMS: 112,
  SH: 116, SW: 120, CIN: 124, N: 128, PADDED: 132, WRAW: 136, MROWS: 140, PADS: 144, DONE: 148,
  TW: 152, T: 156, PANEL0: 160, BPANELS: 164, V: 168, M: 172, U: 176, ZERO: 180, WINO: 184,
} as const;
type Param = keyof typeof P;
const PARAMS_BYTES = 256;
/** im2col rows packed at once: a 4 × KC weight tile (4 KiB) stays in L1 while it meets every panel. */
const KC = 256;
/** Pixel panels (8 pixels) per GEMM work item at most: a KC × 128 im2col block is 128 KiB, sized for L2. */
const CHUNK = 16;
/** Work items per thread at least (when the conv has that many panels), so a thread that starts late or
 * is descheduled for a while leaves its share to the others instead of making them wait. */
const ITEMS_PER_THREAD = 4;
/**
 * From this many output pixels per channel on, the main thread copies out the columns of C that finished GEMM
 * items cover while the other threads work on (one `set` per output channel for each run of at least this many
 * pixels); below it, the result is copied in one piece after the items (C compacted first), which costs fewer
 * calls than copying each channel's short row.
 */
const COPY_RUN = 2048;
/** Below this many multiply-adds a call runs on the main thread alone: waking a worker costs more. */
const THREAD_MIN_MACS = 1 << 18;
/** Floats past an input plane the depthwise loops may read (the lanes past a row's end, discarded). */
const ROW_SLACK = 16;
/**
 * Where Winograd pays (measured on one thread against im2col, kernel/src/backends/README.md): its transforms
 * cost per channel in and out, what it saves per pair of them. So it needs cin · cout ≥ this · (cin + cout)
 * (16 × 64 and 24 × 24 channels gain 5–10%, 16 × 16 loses 20%) …
 */
const WINOGRAD_MIN_PAIRS_PER_CHANNEL = 12;
/** … and this many 2 × 2 output tiles (4 panels): a 7 × 7 output (16 tiles) loses 15%. */
const WINOGRAD_MIN_TILES = 32;
/** Bytes of a Winograd block's transformed input and products (V and M): the image goes block by block of
 * panels so that they stay in the last-level cache between the three passes. */
const WINOGRAD_BLOCK_BYTES = 8 << 20;
/** Scratch per thread on the Winograd path: a panel's windows and their corners (conv.wat, wgather). */
const WINOGRAD_SCRATCH_BYTES = 1024;
const PAGE = 65536;
const MAX_PAGES = 16384;

const ceilTo = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;

/** Floats in one zero-padded input plane. */
const paddedPlane = (rows: AxisInfo, cols: AxisInfo): number =>
  (rows.inSize + rows.padBefore + rows.padAfter) * (cols.inSize + cols.padBefore + cols.padAfter);

/**
 * A result array the call writes in full before anyone reads it, so it need not be zeroed: a dedicated
 * ArrayBuffer of uninitialized memory (Node's `Buffer.allocUnsafeSlow`, never a slice of Buffer's pool). For a
 * large output, zeroing it first costs about as much again as the copy into it.
 */
function uninitialized(length: number): Float32Array {
  return new Float32Array(Buffer.allocUnsafeSlow(4 * length).buffer, 0, length);
}

/**
 * A call's result, allocated on first use ({@link uninitialized}): by the main thread in its part of the call's
 * first GEMM or depthwise run, where the allocation (a system call, at times a collection that frees earlier
 * results) overlaps the workers' items instead of preceding them.
 */
class Result {
  private array: Float32Array | undefined;
  constructor(private readonly length: number) {}

  get values(): Float32Array {
    this.array ??= uninitialized(this.length);
    return this.array;
  }
}

/** Floats in a 4 KiB page of memory (the smallest page the host maps). */
const PAGE_FLOATS = 1024;

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
  /** Whether the 3 × 3 stride-1 convs {@link winogradFits} accepts go through Winograd F(2×2, 3×3); the tests
   * and the benchmarks turn it off to run the same convs through im2col. */
  winograd = true;

  /** @param threads threads a conv is split over, this one included (threads.ts, `threadCount`, by default) */
  constructor(threads?: number) {
    const module = new wasm.Module(kernelBytes());
    this.exports = new wasm.Instance(module, { env: { memory: this.memory } }).exports as unknown as ConvExports;
    this.pool = new ThreadPool(module, this.memory, this.exports, { abort: P.ABORT, next: P.NEXT }, threads);
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
    if (this.f32.length * 4 !== this.memory.buffer.byteLength) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
    return true;
  }

  private set(param: Param, value: number): void {
    this.i32[P[param] >> 2] = value;
  }

  /** Threads for a call of `macs` multiply-adds. */
  private threadsFor(macs: number): number {
    return macs < THREAD_MIN_MACS ? 1 : this.pool.size;
  }

  /** conv2d per {@link Backend.conv2d}, or undefined when the scratch would not fit in 1 GiB. */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, info: ConvInfo): Float32Array | undefined {
    // Before anything is written: a worker may still run a slice of an interrupted call, reading this memory.
    this.pool.settle();
    const [rows, cols] = axes2d(info);
    const length = info.batch * info.outChannels * rows.outSize * cols.outSize;
    if (length === 0) return new Float32Array(0);
    const out = new Result(length);
    const depthwise = info.groups === info.inChannels && info.groups === info.outChannels && rows.stride === 1 && cols.stride === 1;
    if (depthwise) return this.depthwise(x, w, bias, info, rows, cols, out) ? out.values : undefined;
    // Winograd needs more scratch than im2col; where that does not fit, im2col may.
    if (this.winograd && winogradFits(info, rows, cols) && this.winogradConv(x, w, bias, info, rows, cols, out)) return out.values;
    return this.gemm(x, w, bias, info, rows, cols, out) ? out.values : undefined;
  }

  /** The geometry of a call: input and padded sizes, output sizes, kernel, strides, dilations. */
  private writeGeometry(rows: AxisInfo, cols: AxisInfo): void {
    const hp = rows.inSize + rows.padBefore + rows.padAfter;
    const wp = cols.inSize + cols.padBefore + cols.padAfter;
    this.set('H', rows.inSize);
    this.set('WIDTH', cols.inSize);
    this.set('TOP', rows.padBefore);
    this.set('LEFT', cols.padBefore);
    this.set('HP', hp);
    this.set('WP', wp);
    this.set('PLANE', hp * wp);
    this.set('OH', rows.outSize);
    this.set('OW', cols.outSize);
    this.set('N', rows.outSize * cols.outSize);
    this.set('KH', rows.kernel);
    this.set('KW', cols.kernel);
    this.set('SH', rows.stride);
    this.set('SW', cols.stride);
    this.set('DH', rows.dilation);
    this.set('DW', cols.dilation);
  }

  /** Batch item `n` of `x` (`floats` per item) to byte `at` of the memory. */
  private copyIn(x: Float32Array, n: number, floats: number, at: number): void {
    this.f32.set(x.length === floats ? x : x.subarray(n * floats, (n + 1) * floats), at >> 2);
  }

  /**
   * The weights, as given, to byte `at`, and the bias (zeros where the op has none) to byte `biasAt`: `groups`
   * runs of `perGroup` values, each `biasStride` floats after the previous (a GEMM group's run is padded to its
   * 4-channel tiles).
   */
  private writeWeights(w: Float32Array, at: number, bias: Float32Array | undefined, biasAt: number, groups: number,
    perGroup: number, biasStride: number): void {
    const { f32 } = this;
    f32.set(w, at >> 2);
    f32.fill(0, biasAt >> 2, (biasAt >> 2) + groups * biasStride);
    if (!bias) return;
    for (let g = 0; g < groups; g++) {
      f32.set(groups === 1 ? bias : bias.subarray(g * perGroup, (g + 1) * perGroup), (biasAt >> 2) + g * biasStride);
    }
  }

  /** `floats` values from byte `from` of the memory to `out` at `to`. */
  private copyOut(from: number, floats: number, out: Float32Array, to: number): void {
    out.set(this.f32.subarray(from >> 2, (from >> 2) + floats), to);
  }

  /**
   * Writes a zero into every memory page of the result's `[from, from + floats)`, allocating the result on first
   * use. A fresh result's pages are mapped by the system only when first written, about a microsecond each (784
   * page faults for L2's 3.2 MB result, 1 ms and more: more than copying it). Done by the main thread while the
   * workers start on the call's items (its part in {@link ThreadPool.run}), the faults overlap their work, and
   * the copy out writes mapped pages. On one thread (`split` false) the faults cost the same wherever they
   * fall: it only allocates.
   */
  private touchPages(out: Result, from: number, floats: number, split: boolean): void {
    const values = out.values;
    if (!split) return;
    const end = from + floats;
    for (let i = from; i < end; i += PAGE_FLOATS) values[i] = 0;
    if (floats > 0) values[end - 1] = 0;
  }

  /**
   * Columns [p0, p1) of the first `rows` rows of C (at byte `from`, rows `npad` floats long) to `out`, row m at
   * `to + m · n + p0`.
   */
  private copyColumns(from: number, npad: number, rows: number, p0: number, p1: number, out: Float32Array, to: number,
    n: number): void {
    const row = (from >> 2) + p0;
    for (let m = 0; m < rows; m++) {
      out.set(this.f32.subarray(row + m * npad, row + m * npad + p1 - p0), to + m * n + p0);
    }
  }

  /**
   * One GEMM call on `threads` threads, its result copied out while it runs: items [0, copied) are out; the
   * finished ones after them (`c.done`, conv.wat DONE) go out once they cover COPY_RUN pixels, or all of them once
   * this thread has no item left, and after the call those the workers finished last. Row m of C's first `c.rows`
   * (`c.npad` floats long, `c.n` of them real) goes to the result at `to + m · c.n`.
   */
  private gemmCopying(threads: number, scratch: number, scratchBytes: number,
    c: { C: number; npad: number; rows: number; n: number; items: number; chunk: number; done: number }, out: Result,
    to: number): void {
    this.i32.fill(0, c.done >> 2, (c.done >> 2) + c.items);
    let copied = 0;
    const copyFinished = (all: boolean): void => {
      let ready = copied;
      while (ready < c.items && Atomics.load(this.i32, (c.done >> 2) + ready) !== 0) ready++;
      const p0 = copied * c.chunk * 8;
      const p1 = Math.min(ready * c.chunk * 8, c.n);
      if (p1 <= p0 || (!all && p1 - p0 < COPY_RUN)) return;
      this.copyColumns(c.C, c.npad, c.rows, p0, p1, out.values, to, c.n);
      copied = ready;
    };
    this.pool.run('gemm', threads, scratch, scratchBytes, (main, at) => {
      this.touchPages(out, to, c.rows * c.n, threads > 1);
      while (main.gemmSome(at, 1) !== 0) copyFinished(false);
      copyFinished(true);
    });
    copyFinished(true);
  }

  private depthwise(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, info: ConvInfo,
    rows: AxisInfo, cols: AxisInfo, out: Result): boolean {
    const channels = info.inChannels;
    const inFloats = channels * rows.inSize * cols.inSize;
    const outFloats = channels * rows.outSize * cols.outSize;
    const threads = this.threadsFor(outFloats * rows.kernel * cols.kernel);
    const layout = new Layout();
    const XRAW = layout.take(inFloats + ROW_SLACK);
    const W = layout.take(w.length);
    const BIAS = layout.take(channels);
    const C = layout.take(outFloats);
    // Each thread pads the channel it works on into its own scratch (after 8 floats for a row's last partial
    // vector), where it stays in cache while it is read: no pass over the whole padded input.
    const plane = paddedPlane(rows, cols);
    const padded = plane !== rows.inSize * cols.inSize;
    const scratchBytes = 4 * ceilTo(8 + (padded ? plane + ROW_SLACK : 0), 16);
    const SCRATCH = layout.take((threads * scratchBytes) / 4);
    if (!this.reserve(layout.end)) return false;
    this.writeGeometry(rows, cols);
    this.set('X', XRAW);
    this.set('XRAW', XRAW);
    this.set('W', W);
    this.set('BIAS', BIAS);
    this.set('C', C);
    this.set('PADDED', padded ? 1 : 0);
    this.set('ITEMS', channels);
    this.writeWeights(w, W, bias, BIAS, 1, channels, channels);
    const unrolled = rows.kernel === 3 && cols.kernel === 3 && rows.dilation === 1 && cols.dilation === 1;
    const kind: Kind = unrolled ? 'depthwise3x3' : 'depthwise';
    for (let n = 0; n < info.batch; n++) {
      this.copyIn(x, n, inFloats, XRAW);
      this.pool.run(kind, threads, SCRATCH, scratchBytes, (main, scratch) => {
        this.touchPages(out, n * outFloats, outFloats, threads > 1);
        main[kind](scratch);
      });
      this.copyOut(C, outFloats, out.values, n * outFloats);
    }
    return true;
  }

  private gemm(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, info: ConvInfo,
    rows: AxisInfo, cols: AxisInfo, out: Result): boolean {
    const { groups } = info;
    const inPerGroup = info.inChannels / groups;
    const outPerGroup = info.outChannels / groups;
    const inFloats = info.inChannels * rows.inSize * cols.inSize;
    const plane = paddedPlane(rows, cols);
    const padded = plane !== rows.inSize * cols.inSize;
    const K = inPerGroup * rows.kernel * cols.kernel;
    const N = rows.outSize * cols.outSize;
    const npad = ceilTo(N, 8);
    const panels = npad / 8;
    const mtiles = Math.ceil(outPerGroup / 4);
    const threads = this.threadsFor(mtiles * 4 * K * npad);
    const chunk = Math.min(CHUNK, Math.ceil(panels / (ITEMS_PER_THREAD * threads)));
    const colBytes = 4 * Math.min(KC, K) * chunk * 8;
    const items = Math.ceil(panels / chunk);
    const layout = new Layout();
    const X = layout.take(info.inChannels * plane);
    const XRAW = padded ? layout.take(inFloats) : X;
    const WRAW = layout.take(w.length);
    const A = layout.take(groups * mtiles * 4 * K);
    const BIAS = layout.take(groups * mtiles * 4);
    const KTAB = layout.take(K);
    const PTAB = layout.take(npad);
    const C = layout.take(mtiles * 4 * npad);
    const DONE = layout.take(items);
    const SCRATCH = layout.take((threads * colBytes) / 4);
    if (!this.reserve(layout.end)) return false;
    this.writeGeometry(rows, cols);
    this.set('XRAW', XRAW);
    this.set('K', K);
    this.set('CIN', inPerGroup);
    this.set('MTILES', mtiles);
    this.set('NPAD', npad);
    this.set('KTAB', KTAB);
    this.set('PTAB', PTAB);
    this.set('C', C);
    this.set('KC', KC);
    this.set('CHUNK', chunk);
    this.set('WRAW', WRAW);
    this.set('MROWS', outPerGroup);
    this.set('DONE', DONE);
    this.set('WINO', 0);
    this.writeWeights(w, WRAW, bias, BIAS, groups, outPerGroup, mtiles * 4);
    this.exports.tables();

    for (let n = 0; n < info.batch; n++) {
      this.copyIn(x, n, inFloats, XRAW);
      // The threads pad the input (each batch item) and pack the weights as [group][tile][k][4 channels] (the
      // first), item by item, before any GEMM item reads them.
      const pads = padded ? info.inChannels : 0;
      const tiles = n === 0 ? groups * mtiles : 0;
      if (pads + tiles > 0) {
        this.set('X', X);
        this.set('A', A);
        this.set('PADS', pads);
        this.set('ITEMS', pads + tiles);
        this.pool.run('prepare', threads, SCRATCH, colBytes);
      }
      this.set('ITEMS', items);
      for (let g = 0; g < groups; g++) {
        this.set('X', X + 4 * g * inPerGroup * plane);
        this.set('A', A + 16 * g * mtiles * K);
        this.set('BIAS', BIAS + 16 * g * mtiles);
        const to = (n * info.outChannels + g * outPerGroup) * N;
        if (N >= COPY_RUN) {
          // Large: the result is copied out while the items run.
          this.gemmCopying(threads, SCRATCH, colBytes, { C, npad, rows: outPerGroup, n: N, items, chunk, done: DONE }, out, to);
          continue;
        }
        this.pool.run('gemm', threads, SCRATCH, colBytes, (main, scratch) => {
          this.touchPages(out, to, outPerGroup * N, threads > 1);
          main.gemm(scratch);
        });
        if (npad !== N) this.exports.compact(outPerGroup);
        this.copyOut(C, outPerGroup * N, out.values, to);
      }
    }
    return true;
  }

  /**
   * conv2d by Winograd F(2×2, 3×3) (conv.wat, "Winograd"), for a conv {@link winogradFits} accepts. Per batch
   * item: `prepare` pads the input to whole tiles (and, for the first, packs and transforms the weights), then
   * per block of panels `wgather`, `wgemm` and `wout` write the block's output tiles straight into C
   * ([cout][OH][OW]), which is copied out once.
   */
  private winogradConv(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, info: ConvInfo,
    rows: AxisInfo, cols: AxisInfo, out: Result): boolean {
    const cin = info.inChannels;
    const cout = info.outChannels;
    const tw = Math.ceil(cols.outSize / 2);
    const th = Math.ceil(rows.outSize / 2);
    const panels = Math.ceil((tw * th) / 8);
    const mtiles = Math.ceil(cout / 4);
    const block = Math.min(panels, Math.max(1, Math.floor(WINOGRAD_BLOCK_BYTES / (16 * 8 * 4 * (cin + mtiles * 4)))));
    // The padded input covers every tile's 4 × 4 window: one more row or column of zeros where OH or OW is odd.
    const hp = 2 * th + 2;
    const wp = 2 * tw + 2;
    const N = rows.outSize * cols.outSize;
    const inFloats = cin * rows.inSize * cols.inSize;
    const threads = this.threadsFor(16 * mtiles * 4 * cin * panels * 8);
    const layout = new Layout();
    const X = layout.take(cin * hp * wp);
    const XRAW = layout.take(inFloats);
    const WRAW = layout.take(w.length);
    const A = layout.take(mtiles * 4 * 9 * cin);
    const U = layout.take(16 * mtiles * 4 * cin);
    const BIAS = layout.take(mtiles * 4);
    const ZERO = layout.take(4);
    const V = layout.take(16 * block * 8 * cin);
    const M = layout.take(16 * mtiles * 4 * block * 8);
    const C = layout.take(cout * N);
    const SCRATCH = layout.take((threads * WINOGRAD_SCRATCH_BYTES) / 4);
    if (!this.reserve(layout.end)) return false;
    this.writeGeometry(rows, cols);
    this.set('HP', hp);
    this.set('WP', wp);
    this.set('PLANE', hp * wp);
    this.set('X', X);
    this.set('XRAW', XRAW);
    this.set('WRAW', WRAW);
    this.set('A', A);
    this.set('U', U);
    this.set('BIAS', BIAS);
    this.set('ZERO', ZERO);
    this.set('V', V);
    this.set('M', M);
    this.set('C', C);
    this.set('K', 9 * cin);
    this.set('CIN', cin);
    this.set('MTILES', mtiles);
    this.set('MROWS', cout);
    this.set('KC', KC);
    this.set('TW', tw);
    this.set('T', tw * th);
    this.set('WINO', 1);
    this.f32.fill(0, ZERO >> 2, (ZERO >> 2) + 4);
    this.writeWeights(w, WRAW, bias, BIAS, 1, cout, mtiles * 4);
    for (let n = 0; n < info.batch; n++) {
      this.copyIn(x, n, inFloats, XRAW);
      this.set('PADS', cin);
      this.set('ITEMS', cin + (n === 0 ? mtiles : 0));
      this.pool.run('prepare', threads, SCRATCH, WINOGRAD_SCRATCH_BYTES);
      for (let first = 0; first < panels; first += block) {
        const bp = Math.min(block, panels - first);
        const chunk = Math.min(CHUNK, bp);
        this.set('PANEL0', first);
        this.set('BPANELS', bp);
        this.set('CHUNK', chunk);
        this.set('ITEMS', bp * Math.ceil(cin / 16));
        this.pool.run('wgather', threads, SCRATCH, WINOGRAD_SCRATCH_BYTES);
        this.set('ITEMS', 16 * Math.ceil(bp / chunk) * Math.ceil(mtiles / 16));
        // The longest of the three passes: the result's page faults overlap it (see touchPages).
        this.pool.run('wgemm', threads, SCRATCH, WINOGRAD_SCRATCH_BYTES, (main, scratch) => {
          if (first === 0) this.touchPages(out, n * cout * N, cout * N, threads > 1);
          main.wgemm(scratch);
        });
        this.set('ITEMS', cout);
        this.pool.run('wout', threads, SCRATCH, WINOGRAD_SCRATCH_BYTES);
      }
      this.copyOut(C, cout * N, out.values, n * cout * N);
    }
    return true;
  }
}

/**
 * Whether a conv goes through Winograd F(2×2, 3×3) on the wasm engine: one group, a 3 × 3 kernel, stride and
 * dilation 1, and enough channels and tiles to pay for its transforms ({@link WINOGRAD_MIN_PAIRS_PER_CHANNEL},
 * {@link WINOGRAD_MIN_TILES}).
 * @example winogradFits(info, ...axes2d(info)); // true for x [1, 64, 56, 56], w [64, 64, 3, 3], padding 1
 */
export function winogradFits(info: ConvInfo, rows: AxisInfo, cols: AxisInfo): boolean {
  const { inChannels: cin, outChannels: cout } = info;
  return info.groups === 1 && [rows, cols].every((axis) => axis.kernel === 3 && axis.stride === 1 && axis.dilation === 1) &&
    cin * cout >= WINOGRAD_MIN_PAIRS_PER_CHANNEL * (cin + cout) &&
    Math.ceil(rows.outSize / 2) * Math.ceil(cols.outSize / 2) >= WINOGRAD_MIN_TILES;
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
