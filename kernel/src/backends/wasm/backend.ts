/**
 * The fast CPU backend `'wasm'`: zero-padded conv2d and its gradients (grad.ts) on the WebAssembly SIMD engine
 * (conv.ts) on every core; every other op, and convs it does not take, on the reference loops (reported as `cpu`).
 */
import { host, isZeroPadded2d, layered, type Backend } from '../backend';
import { cpuBackend } from '../cpu';
import { WasmConv } from './conv';
import { conv2dGradients } from './grad';
import { threadCount, type ThreadHealth } from './threads';

/** Made on the first conv: its memory and worker threads cost nothing until then. */
let engine: WasmConv | undefined;

/** The engine, made on first use. */
function conv2dEngine(): WasmConv {
  engine ??= new WasmConv();
  return engine;
}

/**
 * Bytes of scratch memory the fast backend holds (0 before its first conv): it grows to the largest call so
 * far and is reused, so repeating a call leaves it unchanged.
 * @example wasmScratchBytes(); // 4194304 after a 64-channel 56×56 3×3 conv
 */
export function wasmScratchBytes(): number {
  return engine?.scratchBytes ?? 0;
}

/**
 * The fast backend's threads: `size` (threads a conv is split over, this one included), `ready` (those that take
 * a slice now: this thread and each worker that has started and is alive) and `busy` (workers still running a
 * slice of an interrupted conv; the next conv stops them first). The workers start at the first wasm conv, so
 * before it only `size` is set. A healthy pool after a conv: `ready === size`, `busy === 0`.
 * @example
 * useBackend('wasm');
 * conv2d(zeros([1, 16, 64, 64]), zeros([16, 16, 3, 3]), { padding: 1 });
 * wasmThreads(); // { size: 2, ready: 2, busy: 0 } on a 2-core machine, once its worker has started
 */
export function wasmThreads(): ThreadHealth {
  return engine?.threads ?? { size: threadCount(), ready: 0, busy: 0 };
}

/**
 * The fast CPU backend: conv2d and its gradients (`convBackward` with two spatial axes, as convs on the same engine: grad.ts) in
 * WebAssembly SIMD on all cores, every other op on the reference loops. Falls back to the reference loops for a
 * conv whose scratch would exceed 1 GiB.
 *
 * @example
 * useBackend('wasm');
 * conv2d(tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]),
 *        tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]])).toArray(); // [[[[348, 393], [528, 573]]]]
 */
export const wasmBackend: Backend = layered(
  'wasm',
  {
    conv(x, w, bias, info) {
      if (!isZeroPadded2d(info)) return undefined;
      return conv2dEngine().conv2d(host(x), host(w), bias && host(bias), info);
    },
    convBackward(dy, x, w, info) {
      // Gradients reach only real input cells: right for zero padding alone (the op refuses the other modes);
      // 1-D and 3-D gradients decline to the reference loops.
      if (!isZeroPadded2d(info)) return undefined;
      return conv2dGradients(conv2dEngine(), host(dy), host(x), host(w), info);
    },
  },
  cpuBackend,
);
