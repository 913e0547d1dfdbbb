/**
 * The `'auto'` backend: picks, per size class, the backend that measured fastest, and reports the pick.
 *
 * It measures the convolutions and their gradients (`conv`, `convBackward`); every other kernel runs the
 * reference loops. A size class is the op, its kind (depthwise or not) and the multiply-adds rounded to a power of two. On
 * the first call of a class, every candidate runs the call once to warm up, then its fastest of up to three
 * timed runs counts; the fastest candidate is cached and used from then on, looked up without building a string.
 * Tiny classes (under 2^12 multiply-adds: microseconds either way) use the reference loops without measuring, so
 * small examples print the same backend on every machine; the
 * reference loops are not timed above 2^16 multiply-adds (a few ms): beyond, they only lose by more.
 *
 * `name` is the backend that computed the last result, so a Tensor's provenance (and every displayed result)
 * says which one ran; {@link autoChoices} lists the measurements.
 */
import { host, type Backend, type Computed } from './backend';
import { cpuBackend } from './cpu';
import type { ConvInfo } from '../shapes';
import type { Values } from '../tensor';

const MEASURE_FROM_MACS = 2 ** 12;
const REFERENCE_UP_TO_MACS = 2 ** 16;

/** One size class's measurement: the candidates' times of a warm run and the backend chosen. */
export interface AutoChoice {
  /** e.g. `'conv2d dense ~2^28 MACs'`. */
  sizeClass: string;
  /** The backend `auto` uses for this class. */
  choice: string;
  /** Milliseconds of one warm run per candidate measured (empty when the class is too small to measure). */
  ms: Record<string, number>;
}

/** Multiply-adds of a conv: one per output element per kernel tap per input channel of its group. */
function macsOf(info: ConvInfo, weightLength: number): number {
  let outputs = 1;
  for (const size of info.outShape) outputs *= size;
  return (outputs / info.outChannels) * weightLength;
}

/**
 * Creates an auto backend choosing among `candidates()` (asked on each measurement, so a backend that loads
 * lazily costs nothing until a size class is measured; the reference loops are always one of them). Its convs
 * come back in host memory, as they were timed.
 */
export function createAutoBackend(candidates: () => readonly Backend[]): { backend: Backend; choices: () => AutoChoice[] } {
  const choices: AutoChoice[] = [];
  // The chosen backend per op and size class, found without building a string: `auto` must cost nothing next to
  // the backend it picks, and a 28×28 conv takes tens of microseconds (test/bench/conv2d-bench.cjs prints the overhead).
  const chosen = new Map<string, Backend[]>();

  /** One candidate's call, read back: a result left on a device would time only the launch. */
  function run<K extends MeasuredKernel>(candidate: Backend, kernel: K, args: Parameters<Backend[K]>): ReturnType<Backend[K]> {
    return onHost((candidate[kernel] as (...a: Parameters<Backend[K]>) => Computed<Values | Gradients>)(...args)) as ReturnType<Backend[K]>;
  }

  /**
   * A size class's first call: measures the candidates, caches the fastest and returns its result. Each candidate
   * runs once to warm up, then is timed up to three times (while its runs stay under 20 ms together) and keeps
   * its fastest run: one timed run of a sub-millisecond conv can lose to a timer tick or a GC pause.
   */
  function measure<K extends MeasuredKernel>(kernel: K, info: ConvInfo, macs: number, args: Parameters<Backend[K]>): ReturnType<Backend[K]> {
    const depthwise = isDepthwise(info);
    const ms: Record<string, number> = {};
    // Tiny classes are not measured: the reference loops, the same on every machine.
    const pool = macs < MEASURE_FROM_MACS ? [cpuBackend] : candidates().filter((c) => c !== cpuBackend || macs <= REFERENCE_UP_TO_MACS);
    let best: { ms: number; out: ReturnType<Backend[K]>; candidate: Backend } | undefined;
    for (const candidate of pool) {
      let out = run(candidate, kernel, args);
      if (macs < MEASURE_FROM_MACS) {
        best = { ms: 0, out, candidate };
        break;
      }
      let fastest = Infinity;
      // With one candidate there is nothing to choose: its first run is the answer, timed warm once for the record.
      const runs = pool.length === 1 ? 1 : 3;
      for (let timed = 0, spent = 0; timed < runs && spent < 20; timed++) {
        const start = performance.now();
        out = run(candidate, kernel, args);
        const elapsed = performance.now() - start;
        fastest = Math.min(fastest, elapsed);
        spent += elapsed;
      }
      ms[out.backend] = fastest;
      if (!best || fastest < best.ms) best = { ms: fastest, out, candidate };
    }
    if (!best) throw new Error('internal: auto backend has no candidate');
    choices.push({ sizeClass: `${info.op} ${depthwise ? 'depthwise' : 'dense'} ~2^${log2Class(macs)} MACs`, choice: best.out.backend, ms });
    const slots = chosen.get(info.op) ?? [];
    slots[slotOf(depthwise, macs)] = best.candidate;
    chosen.set(info.op, slots);
    return best.out;
  }

  /** The cached choice for a call's op and size class, if the class was measured. */
  const chosenFor = (info: ConvInfo, macs: number): Backend | undefined => chosen.get(info.op)?.[slotOf(isDepthwise(info), macs)];

  /** Runs `kernel` on the cached choice of its size class, measuring the candidates on the class's first call. */
  function measured<K extends MeasuredKernel>(kernel: K, info: ConvInfo, macs: number, args: Parameters<Backend[K]>): ReturnType<Backend[K]> {
    const backend = chosenFor(info, macs);
    return backend ? run(backend, kernel, args) : measure(kernel, info, macs, args);
  }

  const conv: Backend['conv'] = (x, w, bias, info) => {
    // The cached choice called directly, without the generic path's argument list: most calls end here.
    const macs = macsOf(info, w.length);
    const backend = chosenFor(info, macs);
    return backend ? onHost(backend.conv(x, w, bias, info)) : measure('conv', info, macs, [x, w, bias, info]);
  };
  // The gradients cost two convs' multiply-adds (dx and dw); their class names the backward op (`info.op`).
  const convBackward: Backend['convBackward'] = (dy, x, w, info) =>
    measured('convBackward', info, 2 * macsOf(info, w.length), [dy, x, w, info]);

  // Every other op runs the reference loops and is reported as such; a conv and its gradients are reported by
  // the backend that ran them (which says 'cpu' where it handed the call to the reference loops).
  return {
    backend: { ...cpuBackend, name: 'auto', conv, convBackward },
    choices: () => [...choices],
  };
}

const isDepthwise = (info: ConvInfo): boolean => info.groups > 1 && info.groups === info.inChannels;
/** The multiply-adds of a class as a power of two (rounded). */
const log2Class = (macs: number): number => Math.round(Math.log2(Math.max(macs, 1)));
/** A class's slot in its op's table: the dense classes 0 … 63 (2^0 … 2^63 MACs), the depthwise ones after. */
const slotOf = (depthwise: boolean, macs: number): number => (depthwise ? 64 : 0) + log2Class(macs);

/** The kernels `auto` measures: the convolutions and their gradients, where the fast backends differ most. */
type MeasuredKernel = 'conv' | 'convBackward';
type Gradients = { dx: Values; dw: Values; db: Values };

/** A kernel's result in host memory (each gradient of a backward): as it is when it already is. */
function onHost<V extends Values | Gradients>(out: Computed<V>): Computed<V> {
  const values: Values | Gradients = out.values;
  if (values instanceof Float32Array) return out;
  const read = 'dx' in values ? { dx: host(values.dx), dw: host(values.dw), db: host(values.db) } : host(values);
  return { values: read as V, backend: out.backend };
}
