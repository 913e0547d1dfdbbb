/**
 * The wasm backend's worker pool (kernel/src/backends/wasm/threads.ts): a wait that cannot miss its wake-up,
 * thousands of mixed-size convs in a row, a call abandoned half-way (what an interrupt does to a cell in the
 * kernel), a worker's failed slice, and a worker thread that ends. After each, convs agree with the reference
 * loops and every worker is in use again.
 */
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { conv2d, convInfo, tensor, useBackend, zeros, type ConvOptions, type Shape } from '../../../kernel/src/index';
import { wasmThreads } from '../../../kernel/src/backends';
import { host } from '../../../kernel/src/backends/backend';
import { cpuBackend } from '../../../kernel/src/backends/cpu';
import { WasmConv } from '../../../kernel/src/backends/wasm/conv';
import { awaitValue, type ConvExports, type Kind } from '../../../kernel/src/backends/wasm/threads';
import { expectClose, seededValues } from '../../reference/torch';

/** What the tests reach inside an engine: its memory and pool, the pool's main-thread exports and workers. */
interface Internals {
  memory: { buffer: ArrayBufferLike };
  pool: {
    main: ConvExports;
    workers: (Worker | undefined)[];
    run(kind: Kind, threads: number, scratch: number, scratchBytes: number): void;
  };
}

const internals = (engine: WasmConv): Internals => engine as unknown as Internals;

/** What an interrupt does to the main thread's slice: V8 ends its JavaScript there. */
const interrupted = (): never => {
  throw new Error('interrupted');
};

/** Byte offset of the abort word in the engine's parameter block (conv.wat, ABORT). */
const ABORT = 104;

/** Yields to the event loop until `condition` holds (the workers start and end in the background). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A seeded conv problem: input, weights, bias and its info record. */
function problem(x: Shape, w: Shape, padding: number, seed: number, groups = 1, options: ConvOptions = {}) {
  const size = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
  return {
    x: new Float32Array(seededValues(size(x), seed)),
    w: new Float32Array(seededValues(size(w), seed + 1)),
    bias: new Float32Array(seededValues(w[0] ?? 0, seed + 2)),
    info: convInfo('conv2d', x, w, { padding, groups, ...options }),
  };
}

/** Runs `p` on the engine and checks it against the reference loops (1e-4). */
function expectAgrees(engine: WasmConv, p: ReturnType<typeof problem>, label: string): void {
  const got = engine.conv2d(p.x, p.w, p.bias, p.info);
  const want = host(cpuBackend.conv(p.x, p.w, p.bias, p.info).values);
  const expected = { shape: [...p.info.outShape], data: Array.from(want) };
  expectClose({ shape: p.info.outShape, data: got ?? [] }, expected, label);
}

/** Starts the engine's workers (a conv big enough to split) and waits until each has said it is ready. */
async function started(engine: WasmConv): Promise<void> {
  expectAgrees(engine, problem([1, 16, 40, 40], [16, 16, 3, 3], 1, 1), 'warm-up');
  await until(() => engine.threads.ready === engine.threads.size);
}

afterEach(() => {
  vi.restoreAllMocks();
  useBackend('auto');
});

describe('awaitValue', () => {
  it('wakes for a store that lands between two of its reads (no lost wake-up)', () => {
    const cells = new Int32Array(new SharedArrayBuffer(4));
    const { load, wait } = Atomics;
    // The other thread finishes (stores 1, notifies) just after the first read: nobody waits yet, so its
    // notify wakes no one.
    let reads = 0;
    vi.spyOn(Atomics, 'load').mockImplementation(((array: Int32Array, index: number) => {
      const value = load(array, index);
      if (++reads === 1) Atomics.store(cells, 0, 1);
      return value;
    }) as typeof Atomics.load);
    // A wait on the value the cell already holds would sleep for good: no store or notify is left to come.
    vi.spyOn(Atomics, 'wait').mockImplementation(((array: Int32Array, index: number, value: number) => {
      if (load(array, index) === value) throw new Error(`waits while the cell holds ${value}: its wake-up came`);
      return wait(array, index, value, 0);
    }) as typeof Atomics.wait);
    awaitValue(cells, 0, 1);
    expect(reads).toBe(2);
  });
});

describe('wasm engine paths on several threads', () => {
  // Each case has enough multiply-adds to be split over the threads, so its work items (conv.wat, NEXT) go to
  // whichever thread takes them; on 1 thread the same items run in order.
  const cases: [label: string, p: ReturnType<typeof problem>][] = [
    ['GEMM, 7 channels (a partial 4-channel tile), 41×37 output (pixels past the last 8-pixel panel)',
      problem([1, 5, 41, 37], [7, 5, 3, 3], 1, 21)],
    ['GEMM, strides 2 and 3 with dilation 2', problem([1, 6, 81, 73], [9, 6, 3, 3], 2, 22, 1, { stride: [2, 3], dilation: 2 })],
    ['GEMM, batch 3 and 2 groups with padding (each batch item padded, the weights packed once)',
      problem([3, 8, 30, 28], [10, 4, 3, 5], 2, 23, 2)],
    ['GEMM, a 1×1 kernel without padding', problem([2, 32, 24, 20], [24, 32, 1, 1], 0, 24)],
    // From 2048 output pixels per channel (conv.ts, COPY_RUN) on, the main thread copies out finished columns
    // of C between its items.
    ['GEMM, stride 2, 7×7 kernel, 70×61 output (columns copied out during the call; pixels past the last panel)',
      problem([1, 3, 140, 122], [10, 3, 7, 7], 3, 28, 1, { stride: 2 })],
    ['GEMM, batch 2 and 2 groups, 64×80 output (columns copied out during the call, group by group)',
      problem([2, 4, 64, 80], [6, 2, 3, 3], 1, 29, 2)],
    ['depthwise 3×3, padding 1', problem([2, 24, 45, 37], [24, 1, 3, 3], 1, 25, 24)],
    ['depthwise 3×3 without padding (read in place)', problem([1, 24, 45, 37], [24, 1, 3, 3], 0, 26, 24)],
    ['depthwise 5×5 with dilation 2 (the general loop)', problem([1, 16, 40, 33], [16, 1, 5, 5], 3, 27, 16, { dilation: 2 })],
    ['Winograd, 33 → 34 channels (partial channel tiles), 41×37 output (odd: half tiles; panels wrapping rows)',
      problem([1, 33, 41, 37], [34, 33, 3, 3], 1, 28)],
    ['Winograd, batch 2 without padding, 7 tiles per row (every panel wraps)', problem([2, 40, 16, 16], [24, 40, 3, 3], 0, 29)],
    ['Winograd, padding 2, 300 → 72 channels (two k-blocks of the GEMM; 16 + 2 channel tiles per item)',
      problem([1, 300, 9, 10], [72, 300, 3, 3], 2, 30)],
    ['Winograd, a 200×200 output in 4 blocks of panels (1250 panels, 341 to a block)',
      problem([1, 24, 200, 200], [24, 24, 3, 3], 1, 31)],
  ];

  it.each([3, 1])('agree with the reference loops on %i thread(s)', async (threads) => {
    const engine = new WasmConv(threads);
    await started(engine);
    for (const [label, p] of cases) expectAgrees(engine, p, label);
    expect(engine.threads).toEqual({ size: threads, ready: threads, busy: 0 });
  });
});

describe('wasm engine: which path a conv takes', () => {
  /** The exports the engine's calls ran, in order of first use. */
  function kindsRun(engine: WasmConv, p: ReturnType<typeof problem>): Kind[] {
    const { pool } = internals(engine);
    const kinds = new Set<Kind>();
    const run = pool.run.bind(pool);
    vi.spyOn(pool, 'run').mockImplementation((kind, ...rest) => {
      kinds.add(kind);
      run(kind, ...rest);
    });
    expectAgrees(engine, p, 'path');
    vi.restoreAllMocks();
    return [...kinds];
  }

  it('3×3 stride-1 convs with enough channels and tiles go through Winograd; others, or with it off, through im2col', () => {
    const engine = new WasmConv(1);
    const winograd = problem([1, 64, 20, 20], [64, 64, 3, 3], 1, 40);
    expect(kindsRun(engine, winograd)).toEqual(['prepare', 'wgather', 'wgemm', 'wout']);
    expect(kindsRun(engine, problem([1, 64, 20, 20], [64, 64, 3, 3], 1, 41, 1, { stride: 2 }))).toEqual(['prepare', 'gemm']);
    expect(kindsRun(engine, problem([1, 64, 20, 20], [64, 64, 3, 3], 2, 42, 1, { dilation: 2 }))).toEqual(['prepare', 'gemm']);
    expect(kindsRun(engine, problem([1, 16, 20, 20], [16, 16, 3, 3], 1, 43))).toEqual(['prepare', 'gemm']);
    expect(kindsRun(engine, problem([1, 64, 7, 7], [64, 64, 3, 3], 1, 47))).toEqual(['prepare', 'gemm']);
    expect(kindsRun(engine, problem([1, 64, 20, 20], [64, 32, 3, 3], 1, 44, 2))).toEqual(['prepare', 'gemm']);
    engine.winograd = false;
    expect(kindsRun(engine, winograd)).toEqual(['prepare', 'gemm']);
  });

  it('im2col after Winograd on the same engine: the weight packing no longer transforms (its flag is reset)', () => {
    const engine = new WasmConv(1);
    expectAgrees(engine, problem([1, 32, 12, 12], [32, 32, 3, 3], 1, 45), 'Winograd');
    expectAgrees(engine, problem([1, 32, 12, 12], [32, 32, 3, 3], 1, 46, 1, { stride: 2 }), 'im2col after it');
  });
});

describe('wasm thread pool', () => {
  it('runs 10000 mixed-size convs in a row, agreeing with the reference loops on a sample', () => {
    // The loop that hung (unbounded, within seconds to minutes) while the main thread could miss a worker's
    // wake-up; most of its calls are split over the threads. About 3 s on 2 cores.
    useBackend('wasm');
    for (let i = 0; i < 10000; i++) {
      const x: Shape = [1, 4 + ((i * 5) % 13), 16 + ((i * 7) % 29), 16 + ((i * 11) % 31)];
      const w: Shape = [3 + ((i * 3) % 11), x[1]!, 3, 3];
      if (i % 100 !== 0) {
        conv2d(zeros(x), zeros(w), { padding: 1 });
        continue;
      }
      const p = problem(x, w, 1, i);
      const got = conv2d(tensor(p.x, x), tensor(p.w, w), { padding: 1, bias: tensor(p.bias, [w[0]!]) });
      const want = host(cpuBackend.conv(p.x, p.w, p.bias, p.info).values);
      const expected = { shape: [...p.info.outShape], data: Array.from(want) };
      expectClose(got, expected, `conv ${i}: x=[${x}] w=[${w}]`);
    }
    const { size } = wasmThreads();
    expect(wasmThreads()).toEqual({ size, ready: size, busy: 0 });
  });

  it('after a call abandoned while its workers ran their slices, the next conv is right and every worker ready', async () => {
    const engine = new WasmConv(3);
    await started(engine);
    // What an interrupt does: V8 ends the main thread's JavaScript inside run (here: its own slice throws),
    // after the workers got their slices of a long conv (about 9·10^9 multiply-adds each).
    const { pool } = internals(engine);
    const main = pool.main;
    pool.main = { ...main, gemm: interrupted, gemmSome: interrupted };
    const long = problem([1, 128, 256, 256], [128, 128, 5, 5], 2, 7);
    expect(() => engine.conv2d(long.x, long.w, long.bias, long.info)).toThrow('interrupted');
    pool.main = main;
    expect(engine.threads).toEqual({ size: 3, ready: 3, busy: 2 });
    // The next conv has another geometry: its parameters and scratch land where the old slices read.
    expectAgrees(engine, problem([1, 24, 33, 47], [20, 24, 3, 3], 1, 11), 'the conv after the abandoned one');
    expect(engine.threads).toEqual({ size: 3, ready: 3, busy: 0 });
    // Depthwise uses the workers too.
    expectAgrees(engine, problem([1, 32, 40, 40], [32, 1, 3, 3], 1, 13, 32), 'a depthwise conv after it');
    expect(engine.threads).toEqual({ size: 3, ready: 3, busy: 0 });
  });

  it('tells the slices of an abandoned call to stop once the task that abandoned it is over', async () => {
    const engine = new WasmConv(2);
    await started(engine);
    const { pool, memory } = internals(engine);
    const main = pool.main;
    pool.main = { ...main, gemm: interrupted, gemmSome: interrupted };
    const long = problem([1, 128, 256, 256], [128, 128, 5, 5], 2, 7);
    expect(() => engine.conv2d(long.x, long.w, long.bias, long.info)).toThrow('interrupted');
    pool.main = main;
    // Each worker has seconds of work left; the word goes up when this task ends, not at the next conv.
    const abort = new Int32Array(memory.buffer, ABORT, 1);
    expect([Atomics.load(abort, 0), engine.threads.busy]).toEqual([0, 1]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(Atomics.load(abort, 0)).toBe(1);
    await until(() => engine.threads.busy === 0);
    // The next conv lowers the word again before its own slices run.
    expectAgrees(engine, problem([1, 24, 33, 47], [20, 24, 3, 3], 1, 11), 'the conv after the stopped one');
    expect(Atomics.load(abort, 0)).toBe(0);
    expect(engine.threads).toEqual({ size: 2, ready: 2, busy: 0 });
  });

  it("a worker's failed slice fails that call only: the worker stays in use", async () => {
    const engine = new WasmConv(2);
    await started(engine);
    // The items of the warm-up conv again, all left to the worker (this thread takes none), whose packing
    // scratch lies past the memory's end: its first item traps.
    const { pool } = internals(engine);
    const main = pool.main;
    pool.main = { ...main, gemm: () => {} };
    expect(() => pool.run('gemm', 2, 0, 0x7fff_fff0)).toThrow(/^internal: conv worker 1 failed running gemm/);
    pool.main = main;
    expect(engine.threads).toEqual({ size: 2, ready: 2, busy: 0 });
    expectAgrees(engine, problem([1, 24, 33, 47], [20, 24, 3, 3], 1, 11), 'the conv after the failed slice');
  });

  it('replaces a worker whose thread ended', async () => {
    const engine = new WasmConv(2);
    await started(engine);
    await internals(engine).pool.workers[1]?.terminate();
    expect(engine.threads).toEqual({ size: 2, ready: 1, busy: 0 });
    // Its items go to this thread while the replacement starts.
    expectAgrees(engine, problem([1, 24, 33, 47], [20, 24, 3, 3], 1, 11), 'the conv after the thread ended');
    await until(() => engine.threads.ready === 2);
    expectAgrees(engine, problem([1, 16, 30, 30], [24, 16, 3, 3], 1, 17), 'a conv on the replacement');
    expect(engine.threads).toEqual({ size: 2, ready: 2, busy: 0 });
  });
});
