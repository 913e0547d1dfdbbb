/**
 * Worker threads for the WebAssembly kernels: every thread instantiates the same compiled module on the same
 * shared memory, so a call is just "run export `gemm` or `depthwise` with your own scratch". The work itself is
 * a list of items the threads take in turn from a counter in the shared memory (conv.wat, NEXT), so a worker
 * that starts late, or is descheduled on a busy machine, leaves its share to the others instead of making the
 * call wait for it. Ops stay synchronous: the main thread wakes the workers through `Atomics`, works through
 * items itself, then waits for the item each worker is still on.
 *
 * Workers start on first use and come on line in the background: until a worker has said it is ready, the
 * main thread and the ready workers take its items, so the first call never waits for a thread to start.
 *
 * A call can be abandoned half-way: the kernel runs a cell under `vm`'s `breakOnSigint`, so an interrupt ends
 * the main thread's JavaScript inside {@link ThreadPool.run} (no `finally` runs) while the workers go on with
 * the items of that call. The next call must not rewrite the shared memory under them: the engine calls
 * {@link ThreadPool.settle} before it writes anything, which raises the abort word the wasm loops poll and
 * waits until every worker is idle.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WasmMemory, WasmModule } from './webassembly';

/** The exports a call runs on every thread; a kind travels to a worker as its index here. */
const KINDS = ['prepare', 'gemm', 'depthwise', 'depthwise3x3', 'wgather', 'wgemm', 'wout'] as const;

/** An export that works through a call's items: `prepare` (padding, weight packing), `gemm`, `depthwise`,
 * `depthwise3x3`, or Winograd's three passes `wgather`, `wgemm` and `wout`. */
export type Kind = (typeof KINDS)[number];

/** The exports of conv.wat, as every thread sees them. */
export interface ConvExports {
  /** Works through the call's items (conv.wat, NEXT and ITEMS) with its scratch at byte `scratch`. */
  prepare(scratch: number): void;
  gemm(scratch: number): void;
  /** `gemm`, `limit` items at most (-1: no limit): 1 when it stopped at the limit, 0 when no item is left. */
  gemmSome(scratch: number, limit: number): number;
  depthwise(scratch: number): void;
  depthwise3x3(scratch: number): void;
  wgather(scratch: number): void;
  wgemm(scratch: number): void;
  wout(scratch: number): void;
  tables(): void;
  compact(rows: number): void;
  /** The GEMM's 4 × 8 tile over `kc` rows (exported for test/bench/wasm-ceiling.cjs). */
  micro(a: number, b: number, c: number, kc: number, ldc: number, first: number, bias: number): void;
}

/** Byte offsets in the shared memory of the two words the threads coordinate through (conv.wat). */
export interface SharedWords {
  /** Non-zero: the wasm loops stop (ABORT). */
  abort: number;
  /** Work items taken so far (NEXT): zeroed before each call. */
  next: number;
}

/**
 * The pool's threads by state. `size`: threads a conv is split over, this one included. `ready`: those that take
 * a slice now (this thread, and each worker that has started and is alive). `busy`: workers still running a
 * slice; between calls that is only a slice of an abandoned (interrupted) call, which the next conv stops and
 * waits for. A healthy idle pool has `ready === size` and `busy === 0`.
 */
export interface ThreadHealth {
  size: number;
  ready: number;
  busy: number;
}

// Control block, per worker (slot 0, the main thread's, is unused). The main thread writes the job (KIND,
// SCRATCH) and then SEQUENCE; the worker writes FAILED (a job that threw) and then FINISHED, and notifies.
const SLOT = 8;
const SEQUENCE = 0; // the last job sent
const FINISHED = 1; // the last job done
const STATE = 2;
const KIND = 3;
const SCRATCH = 4;
const FAILED = 7; // the last job that threw
// Worker states: STARTING until its module is instantiated, GONE once its thread has ended.
const STARTING = 0;
const READY = 1;
const GONE = 2;
/**
 * Convs come in bursts (a layer after another, a loop of calls), and a thread woken from `Atomics.wait` starts
 * tens of microseconds later (a futex wake, more under a hypervisor). So a worker watches for its next job this
 * long before it sleeps, and the main thread watches for the workers' last items this long before it sleeps.
 */
const WORKER_SPIN_MS = 1;
const MAIN_SPIN_MS = 1;
/** Times one slot's thread is replaced after its thread ended; past that the other threads take its items. */
const MAX_RESTARTS = 3;

// Runs in each worker (CommonJS, evaluated from this string so it works from TypeScript source and dist alike).
// A job that throws leaves the worker ready: only that call fails. A thread that ends marks itself gone and
// finishes its job, so a main thread waiting for it wakes up.
const workerSource = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, index } = workerData;
const ctl = new Int32Array(control);
const base = index * ${SLOT};
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const kinds = ${JSON.stringify(KINDS)};
process.on('exit', () => {
  Atomics.store(ctl, base + ${STATE}, ${GONE});
  Atomics.store(ctl, base + ${FINISHED}, Atomics.load(ctl, base + ${SEQUENCE}));
  Atomics.notify(ctl, base + ${FINISHED});
});
let seen = Atomics.load(ctl, base + ${SEQUENCE});
Atomics.store(ctl, base + ${STATE}, ${READY});
for (;;) {
  const until = performance.now() + ${WORKER_SPIN_MS};
  while (Atomics.load(ctl, base + ${SEQUENCE}) === seen && performance.now() < until);
  Atomics.wait(ctl, base + ${SEQUENCE}, seen);
  seen = Atomics.load(ctl, base + ${SEQUENCE});
  try {
    exports[kinds[ctl[base + ${KIND}]]](ctl[base + ${SCRATCH}]);
  } catch (error) {
    Atomics.store(ctl, base + ${FAILED}, seen);
  }
  Atomics.store(ctl, base + ${FINISHED}, seen);
  Atomics.notify(ctl, base + ${FINISHED});
}
`;

/**
 * Threads a job is split over, the main thread included: every core the machine offers (at most 8), or
 * `CONVLAB_THREADS` from the environment.
 * @example threadCount(); // 2 on a 2-core machine
 */
export function threadCount(): number {
  return Math.max(1, Number(process.env['CONVLAB_THREADS']) || Math.min(8, availableParallelism()));
}

/**
 * Blocks until `cells[index] === value`, a value another thread stores and then notifies. Each wait names the
 * value this loop just read, so a store between two reads wakes it: waiting on a second read could name the
 * final value itself and sleep through the notify that already came.
 * @example awaitValue(control, 8 + 1, 5); // returns once worker 1 has finished job 5
 */
export function awaitValue(cells: Int32Array, index: number, value: number): void {
  for (let seen = Atomics.load(cells, index); seen !== value; seen = Atomics.load(cells, index)) {
    Atomics.wait(cells, index, seen);
  }
}

/** Reads `cells[index]` until it is `value` or `ms` have passed (then {@link awaitValue} sleeps if need be). */
function spinFor(cells: Int32Array, index: number, value: number, ms: number): void {
  const until = performance.now() + ms;
  while (Atomics.load(cells, index) !== value && performance.now() < until);
}

/** Threads that work through the items of a conv on shared wasm memory: the main thread plus `size − 1` workers. */
export class ThreadPool {
  /** Threads a call is split over at most, the main thread included ({@link threadCount} by default). */
  readonly size: number;
  private readonly control: Int32Array;
  /** The abort word in the shared memory: the wasm loops stop early while it is non-zero (conv.wat, ABORT). */
  private readonly abort: Int32Array;
  /** The work counter in the shared memory (conv.wat, NEXT). */
  private readonly next: Int32Array;
  /** Per slot (index 0 unused): the worker, once started. */
  private readonly workers: (Worker | undefined)[] = [];
  private readonly restarts: number[];
  private sequence = 0;
  private sweepPending = false;

  /**
   * @param main the module's exports on this thread, which takes items along with the workers
   * @param words byte offsets in `memory` of the abort word and the work counter (i32s the wasm loops read)
   */
  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
    private readonly main: ConvExports,
    words: SharedWords,
    size = threadCount(),
  ) {
    this.size = Math.max(1, size);
    this.control = new Int32Array(new SharedArrayBuffer(4 * SLOT * this.size));
    // A shared memory's buffers are never detached: a view made before the memory grows stays valid.
    this.abort = new Int32Array(memory.buffer, words.abort, 1);
    this.next = new Int32Array(memory.buffer, words.next, 1);
    this.restarts = new Array<number>(this.size).fill(0);
  }

  /**
   * Runs export `kind` on up to `threads` threads (this one and each ready worker), thread `t` with its scratch
   * at byte `scratch + t · scratchBytes`; returns when all are done, which is when the call's items are. Throws
   * an internal error when a worker's part failed (the worker stays in use). Call {@link settle} first, before
   * writing the memory the call reads.
   * @param part this thread's part, given its exports and scratch, run once the workers are woken: by default
   *   the export `kind` itself. conv.ts adds work of its own outside the wasm memory (touching the result's
   *   pages, copying out finished columns) around this thread's items: the items it would have taken meanwhile
   *   go to the workers, so that work overlaps theirs.
   */
  run(kind: Kind, threads: number, scratch: number, scratchBytes: number,
    part: (main: ConvExports, scratch: number) => void = (main, at) => main[kind](at)): void {
    if (this.busyWorkers() > 0) {
      throw new Error('internal: conv workers still busy with an earlier call (settle first)');
    }
    this.start();
    // Before any thread is woken: the stores below publish it to the workers along with the job.
    Atomics.store(this.next, 0, 0);
    const sequence = ++this.sequence;
    const sent: number[] = [];
    for (let i = 1; i < Math.min(threads, this.size); i++) {
      const base = i * SLOT;
      if (Atomics.load(this.control, base + STATE) !== READY) continue;
      this.control[base + KIND] = KINDS.indexOf(kind);
      this.control[base + SCRATCH] = scratch + i * scratchBytes;
      Atomics.store(this.control, base + SEQUENCE, sequence);
      Atomics.notify(this.control, base + SEQUENCE);
      sent.push(i);
    }
    if (sent.length > 0) this.sweepLater();
    part(this.main, scratch);
    let failed: number | undefined;
    for (const i of sent) {
      const base = i * SLOT;
      spinFor(this.control, base + FINISHED, sequence, MAIN_SPIN_MS);
      awaitValue(this.control, base + FINISHED, sequence);
      const threw = Atomics.load(this.control, base + FAILED) === sequence;
      if (threw || Atomics.load(this.control, base + STATE) === GONE) failed ??= i;
    }
    if (failed !== undefined) {
      throw new Error(`internal: conv worker ${failed} failed running ${kind} (scratch at ${scratch + failed * scratchBytes})`);
    }
  }

  /**
   * Returns once no worker runs a slice. A slice still running here belongs to a call that was abandoned (an
   * interrupt ended this thread inside {@link run}): it is told to stop (the abort word, which the wasm loops
   * read once per block of work) and waited for. The engine calls this before it writes the shared memory.
   */
  settle(): void {
    if (this.busyWorkers() > 0) {
      Atomics.store(this.abort, 0, 1);
      for (let i = 1; i < this.size; i++) {
        const base = i * SLOT;
        if (Atomics.load(this.control, base + STATE) === GONE) continue;
        awaitValue(this.control, base + FINISHED, Atomics.load(this.control, base + SEQUENCE));
      }
    }
    // Also lowers a word left raised by the sweep, or by a settle that was itself interrupted.
    if (Atomics.load(this.abort, 0) !== 0) Atomics.store(this.abort, 0, 0);
  }

  /** The threads by state (see {@link ThreadHealth}). */
  health(): ThreadHealth {
    let ready = 1;
    for (let i = 1; i < this.size; i++) {
      if (this.workers[i] && Atomics.load(this.control, i * SLOT + STATE) === READY) ready++;
    }
    return { size: this.size, ready, busy: this.busyWorkers() };
  }

  /** Workers (alive) whose last job has not finished. */
  private busyWorkers(): number {
    let busy = 0;
    for (let i = 1; i < this.size; i++) {
      const base = i * SLOT;
      if (Atomics.load(this.control, base + STATE) === GONE) continue;
      if (Atomics.load(this.control, base + FINISHED) !== Atomics.load(this.control, base + SEQUENCE)) busy++;
    }
    return busy;
  }

  /**
   * Once the current task is over, raises the abort word if a worker still runs a slice: `run` is synchronous,
   * so such a slice was abandoned, and it should give its core back now rather than at the next conv's settle.
   */
  private sweepLater(): void {
    if (this.sweepPending) return;
    // Scheduled before the flag is set: an interrupt between the two may cost a second sweep, never the sweeps.
    setImmediate(() => {
      this.sweepPending = false;
      if (this.busyWorkers() > 0) Atomics.store(this.abort, 0, 1);
    }).unref();
    this.sweepPending = true;
  }

  /** Starts each worker not started yet, and replaces one whose thread ended (see {@link MAX_RESTARTS}). */
  private start(): void {
    for (let index = 1; index < this.size; index++) {
      const base = index * SLOT;
      const current = this.workers[index];
      if (current && Atomics.load(this.control, base + STATE) !== GONE) continue;
      if (current) {
        if ((this.restarts[index] ?? 0) >= MAX_RESTARTS) continue;
        this.restarts[index] = (this.restarts[index] ?? 0) + 1;
        void current.terminate();
      }
      // Nothing outstanding: the new thread reads SEQUENCE when it starts and waits for the next one.
      Atomics.store(this.control, base + FINISHED, Atomics.load(this.control, base + SEQUENCE));
      Atomics.store(this.control, base + STATE, STARTING);
      const worker = new Worker(workerSource, {
        eval: true,
        workerData: { module: this.module, memory: this.memory, control: this.control.buffer, index },
      });
      // Idle workers must not keep a script or a test run alive.
      worker.unref();
      const gone = (): void => {
        // A replaced thread's late events must not mark its successor.
        if (this.workers[index] !== worker) return;
        Atomics.store(this.control, base + STATE, GONE);
        Atomics.store(this.control, base + FINISHED, Atomics.load(this.control, base + SEQUENCE));
        Atomics.notify(this.control, base + FINISHED);
      };
      worker.on('error', gone).on('exit', gone);
      this.workers[index] = worker;
    }
  }
}
