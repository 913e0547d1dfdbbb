/**
 * Worker threads for the WebAssembly kernels: every thread instantiates the same compiled module on the same
 * shared memory, so a job is just "run export `gemm` or `depthwise` on this slice". Ops stay synchronous: the
 * main thread hands slices out through `Atomics`, runs its own slice, then waits for the others.
 *
 * Workers start on first use and come on line in the background: until a worker has said it is ready, the
 * main thread runs that worker's slice itself, so the first call never waits for a thread to start.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WasmMemory, WasmModule } from './webassembly';

/** One slice of work: the export to run and its three integer arguments. */
export interface Job {
  kind: (typeof KINDS)[number];
  args: [number, number, number];
}

/** The exports a job can run; a job's kind travels as its index here. */
const KINDS = ['gemm', 'depthwise', 'depthwise3x3'] as const;

/** The exports of conv.wat, as every thread sees them. */
export interface ConvExports {
  gemm(p0: number, p1: number, col: number): void;
  depthwise(c0: number, c1: number, tmp: number): void;
  depthwise3x3(c0: number, c1: number, tmp: number): void;
  pad(c0: number, c1: number): void;
  packWeights(src: number, dst: number, rows: number, K: number): void;
}

// Control block, per worker: [sequence, finished sequence, ready (1) or failed (2), kind, arg0, arg1, arg2].
const SLOT = 8;
const SEQUENCE = 0;
const FINISHED = 1;
const STATE = 2;
const KIND = 3;
const ARGS = 4;

// Runs in each worker (CommonJS, evaluated from this string so it works from TypeScript source and dist alike).
const workerSource = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, index } = workerData;
const ctl = new Int32Array(control);
const base = index * ${SLOT};
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const kinds = ${JSON.stringify(KINDS)};
Atomics.store(ctl, base + ${STATE}, 1);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, base + ${SEQUENCE}, seen);
  seen = Atomics.load(ctl, base + ${SEQUENCE});
  try {
    const a = ctl[base + ${ARGS}], b = ctl[base + ${ARGS + 1}], c = ctl[base + ${ARGS + 2}];
    exports[kinds[ctl[base + ${KIND}]]](a, b, c);
  } catch (error) {
    Atomics.store(ctl, base + ${STATE}, 2);
  }
  Atomics.store(ctl, base + ${FINISHED}, seen);
  Atomics.notify(ctl, base + ${FINISHED});
}
`;

/** Threads that run slices of a conv on shared wasm memory: the main thread plus `size − 1` workers. */
export class ThreadPool {
  /**
   * Threads a job is split over, the main thread included: every core the machine offers (at most 8), or
   * `CONVLAB_THREADS` from the environment.
   */
  readonly size: number;
  private readonly control: Int32Array;
  private workers: Worker[] | undefined;
  private sequence = 0;

  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
    private readonly main: ConvExports,
    size = Number(process.env['CONVLAB_THREADS']) || Math.min(8, availableParallelism()),
  ) {
    this.size = Math.max(1, size);
    this.control = new Int32Array(new SharedArrayBuffer(4 * SLOT * this.size));
  }

  /** Runs `jobs[0]` here and the others on the workers (or here, for a worker not yet ready); returns when all are done. */
  run(jobs: readonly Job[]): void {
    const workers = this.start();
    const sent: number[] = [];
    this.sequence++;
    jobs.forEach((job, i) => {
      const base = i * SLOT;
      if (i === 0 || !workers[i - 1] || Atomics.load(this.control, base + STATE) !== 1) return;
      this.control[base + KIND] = KINDS.indexOf(job.kind);
      this.control.set(job.args, base + ARGS);
      Atomics.store(this.control, base + SEQUENCE, this.sequence);
      Atomics.notify(this.control, base + SEQUENCE);
      sent.push(i);
    });
    jobs.forEach((job, i) => {
      if (!sent.includes(i)) runHere(this.main, job);
    });
    for (const i of sent) {
      const base = i * SLOT;
      while (Atomics.load(this.control, base + FINISHED) !== this.sequence) {
        Atomics.wait(this.control, base + FINISHED, Atomics.load(this.control, base + FINISHED));
      }
      if (Atomics.load(this.control, base + STATE) === 2) {
        throw new Error(`internal: conv worker ${i} failed on ${JSON.stringify(jobs[i])}`);
      }
    }
  }

  private start(): Worker[] {
    if (this.workers) return this.workers;
    this.workers = [];
    for (let index = 1; index < this.size; index++) {
      const worker = new Worker(workerSource, {
        eval: true,
        workerData: { module: this.module, memory: this.memory, control: this.control.buffer, index },
      });
      // Idle workers must not keep a script or a test run alive.
      worker.unref();
      worker.on('error', () => Atomics.store(this.control, index * SLOT + STATE, 2));
      this.workers.push(worker);
    }
    return this.workers;
  }
}

function runHere(exports: ConvExports, job: Job): void {
  exports[job.kind](...job.args);
}
