/**
 * The `'auto'` backend: picks, per size class, the backend that measured fastest, and reports the pick.
 *
 * It measures the convolutions and their gradients (`conv`, `convBackward`); every other kernel runs the
 * reference loops. A size class is the op, its kind (depthwise or not) and the multiply-adds rounded to a power of two. On
 * the first call of a class, every candidate runs the call twice and the second run is timed; the fastest is
 * cached and used from then on. Tiny classes (under 2^12 multiply-adds: microseconds either way) use the
 * reference loops without measuring, so small examples print the same backend on every machine; the
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
  return (info.outShape.reduce((a, b) => a * b, 1) / info.outChannels) * weightLength;
}

/**
 * Creates an auto backend choosing among `candidates()` (asked on each measurement, so a backend that loads
 * lazily costs nothing until a size class is measured; the reference loops are always one of them). Its convs
 * come back in host memory, as they were timed.
 */
export function createAutoBackend(candidates: () => readonly Backend[]): { backend: Backend; choices: () => AutoChoice[] } {
  const cache = new Map<string, { choice: AutoChoice; backend: Backend }>();

  /** One candidate's call, read back: a result left on a device would time only the launch. */
  function run<K extends MeasuredKernel>(candidate: Backend, kernel: K, args: Parameters<Backend[K]>): ReturnType<Backend[K]> {
    const out = (candidate[kernel] as (...a: Parameters<Backend[K]>) => Computed<Values | Gradients>)(...args);
    return { values: onHost(out.values), backend: out.backend } as ReturnType<Backend[K]>;
  }

  /** Runs `kernel` on the cached choice of its size class, measuring the candidates on the class's first call. */
  function measured<K extends MeasuredKernel>(kernel: K, sizeClass: string, macs: number, args: Parameters<Backend[K]>): ReturnType<Backend[K]> {
    let known = cache.get(sizeClass);
    if (!known && macs < MEASURE_FROM_MACS) {
      known = { choice: { sizeClass, choice: cpuBackend.name, ms: {} }, backend: cpuBackend };
      cache.set(sizeClass, known);
    }
    if (known) return run(known.backend, kernel, args);
    const ms: Record<string, number> = {};
    let best: { ms: number; out: ReturnType<Backend[K]>; candidate: Backend } | undefined;
    for (const candidate of candidates()) {
      if (candidate === cpuBackend && macs > REFERENCE_UP_TO_MACS) continue;
      run(candidate, kernel, args);
      const start = performance.now();
      const out = run(candidate, kernel, args);
      const elapsed = performance.now() - start;
      ms[out.backend] = elapsed;
      if (!best || elapsed < best.ms) best = { ms: elapsed, out, candidate };
    }
    if (!best) throw new Error('internal: auto backend has no candidate');
    cache.set(sizeClass, { choice: { sizeClass, choice: best.out.backend, ms }, backend: best.candidate });
    return best.out;
  }

  const conv: Backend['conv'] = (x, w, bias, info) => {
    const macs = macsOf(info, w.length);
    return measured('conv', sizeClassOf(info, macs), macs, [x, w, bias, info]);
  };
  // The gradients cost two convs' multiply-adds (dx and dw); their class names the backward op (`info.op`).
  const convBackward: Backend['convBackward'] = (dy, x, w, info) => {
    const macs = 2 * macsOf(info, w.length);
    return measured('convBackward', sizeClassOf(info, macs), macs, [dy, x, w, info]);
  };

  // Every other op runs the reference loops and is reported as such; a conv and its gradients are reported by
  // the backend that ran them (which says 'cpu' where it handed the call to the reference loops).
  return {
    backend: { ...cpuBackend, name: 'auto', conv, convBackward },
    choices: () => [...cache.values()].map((c) => c.choice),
  };
}

/** The kernels `auto` measures: the convolutions and their gradients, where the fast backends differ most. */
type MeasuredKernel = 'conv' | 'convBackward';
type Gradients = { dx: Values; dw: Values; db: Values };

/** e.g. `'conv2d dense ~2^28 MACs'`: the op, depthwise or not, and the multiply-adds as a power of two. */
function sizeClassOf(info: ConvInfo, macs: number): string {
  const depthwise = info.groups > 1 && info.groups === info.inChannels;
  return `${info.op} ${depthwise ? 'depthwise' : 'dense'} ~2^${Math.round(Math.log2(Math.max(macs, 1)))} MACs`;
}

/** A kernel's result in host memory (each gradient of a backward). */
function onHost(values: Values | Gradients): Float32Array | { dx: Float32Array; dw: Float32Array; db: Float32Array } {
  if ('dx' in values) return { dx: host(values.dx), dw: host(values.dw), db: host(values.db) };
  return host(values);
}
