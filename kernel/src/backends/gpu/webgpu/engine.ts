/**
 * A synchronous engine over gpu.js's `webgpu` mode. In Node, WebGPU is Dawn (the optional package
 * `webgpu@0.6.2`, a prebuilt native module), and every WebGPU call that returns data returns a Promise, while
 * ConvLab's ops are synchronous. So gpu.js and Dawn live in a worker thread, and each engine call posts one
 * message to it and blocks on `Atomics.wait` until the worker says it is done (a message wakes the worker even
 * while this thread is blocked; `Atomics.waitAsync` in the worker does not). Floats travel through one shared
 * buffer, grown when a call needs more and reused after; results stay in the worker as gpu.js pipeline
 * buffers, named by {@link WebGpuHandle}s, until read or freed.
 *
 * Dawn needs a Vulkan driver on Linux. Where the machine has none, `setup.sh --test` (or `--gpu`) unpacks
 * Mesa's software one (llvmpipe) into the user's cache and writes `.setup/vulkan.env`, which the test and lab
 * scripts source.
 *
 * @example
 * const engine = openWebGpu();
 * if (!('unavailable' in engine)) {
 *   const source = 'function (x) { return 2 * x[this.thread.x]; }';
 *   const twice = engine.run('twice', source, 3, {}, 1, [Float32Array.of(1, 2, 3)]);
 *   engine.read(twice); // Float32Array [2, 4, 6]
 * }
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { inNode, SOFTWARE_RENDERER } from '../environment';
import {
  DONE,
  LENGTH,
  STATUS,
  WEBGPU_VERSION,
  type Call,
  type InputSlot,
  type OpenedAdapter,
  type Request,
  type WorkerData,
} from './messages';
import { webgpuWorker } from './worker';

/** A result of {@link WebGpuEngine.run}: a buffer on the GPU, `length` floats. */
export interface WebGpuHandle {
  readonly id: number;
  readonly length: number;
}

export interface WebGpuEngine {
  /** e.g. 'llvmpipe (Mesa 25.0.7), software' or the GPU's description */
  readonly adapter: string;
  /** true for a software/fallback adapter (llvmpipe, SwiftShader, isFallbackAdapter) */
  readonly software: boolean;
  /** Runs a gpu.js kernel given as function source text over `size` threads (1-D output [size]), with
   *  gpu.js settings { constants, loopMaxIterations, precision:'single', pipeline:true, immutable:true };
   *  inputs are host Float32Arrays (copied to the worker) or handles of this engine (stay on the GPU).
   *  `key` identifies the compiled kernel (same key ⇒ reuse). Returns a handle; the result stays on the GPU. */
  run(
    key: string,
    source: string,
    size: number,
    constants: object,
    loopMaxIterations: number,
    inputs: readonly (Float32Array | WebGpuHandle)[],
  ): WebGpuHandle;
  /** Reads a result back (synchronously). */
  read(handle: WebGpuHandle): Float32Array;
  /** Frees a result's GPU buffer. */
  free(handle: WebGpuHandle): void;
  /** Destroys `key`'s compiled kernel (free its results first); a later run under `key` compiles afresh. */
  forget(key: string): void;
  close(): void;
}

/** Longest wait for one call (ms): a big kernel takes seconds on llvmpipe. `CONVLAB_WEBGPU_TIMEOUT_MS` overrides. */
const CALL_TIMEOUT_MS = (inNode && Number(process.env['CONVLAB_WEBGPU_TIMEOUT_MS'])) || 60_000;
/** First size of the shared data buffer (bytes); it doubles as needed. */
const FIRST_DATA_BYTES = 1 << 18;

/** The engine: a worker that owns gpu.js and the device, and the shared memory between it and this thread. */
class WorkerEngine implements WebGpuEngine {
  adapter = '';
  software = false;
  private readonly controlBuffer = new SharedArrayBuffer(16);
  private readonly control = new Int32Array(this.controlBuffer);
  private data = new SharedArrayBuffer(FIRST_DATA_BYTES);
  private dataSent = false;
  private calls = 0;
  private nextId = 1;
  /** What each key's kernel was compiled for: its output size, constants and inputs. */
  private readonly signatures = new Map<string, string>();
  /** Handles not yet freed, by id. */
  private readonly live = new Map<number, WebGpuHandle>();
  /** Why the engine no longer works (closed, or a call timed out), once it does not. */
  private broken: string | undefined;
  private readonly worker: Worker;

  constructor(webgpuPath: string, gpujsPath: string) {
    const workerData: WorkerData = {
      control: this.controlBuffer,
      data: this.data,
      webgpuPath,
      gpujsPath,
      webgpuVersion: WEBGPU_VERSION,
    };
    // The worker runs from its function's source text: JavaScript both in kernel/dist and under vitest's transform.
    this.worker = new Worker(`(${webgpuWorker.toString()})()`, { eval: true, workerData });
    this.dataSent = true;
    // An idle engine must not keep a script or a test run alive.
    this.worker.unref();
    this.worker.on('error', (error) => (this.broken ??= `its worker failed (${error.message})`));
  }

  /** Bytes of the shared data buffer (for tests: repeated sizes must not grow it). */
  get sharedBytes(): number {
    return this.data.byteLength;
  }

  /** Starts Dawn and gpu.js in the worker and runs a smoke-test kernel; throws why not. */
  open(timeoutMs: number): void {
    // Loading Dawn and gpu.js comes before the adapter's own timeout: allow for it.
    const bytes = this.call({ op: 'open', timeoutMs }, timeoutMs + 10_000);
    const info = JSON.parse(this.text(bytes)) as OpenedAdapter;
    // Dawn's description is the Vulkan driver's name and version:
    // 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1'.
    const mesa = /^(.+?): Mesa (\d+\.\d+(?:\.\d+)?)/.exec(info.description ?? '');
    const name = mesa
      ? `${mesa[1]} (Mesa ${mesa[2]})`
      : info.description ||
        info.device ||
        [info.vendor, info.architecture].filter(Boolean).join(' ') ||
        'unnamed adapter';
    this.software =
      info.isFallbackAdapter ||
      SOFTWARE_RENDERER.test(`${name} ${info.vendor ?? ''} ${info.architecture ?? ''}`);
    this.adapter = this.software ? `${name}, software` : name;
  }

  /** A key's later calls must have its first call's size, constants and input kinds and lengths (gpu.js bakes
   *  them in): one that differs throws, instead of running with the first call's. */
  readonly run: WebGpuEngine['run'] = (key, source, size, constants, loopMaxIterations, inputs) => {
    if (this.broken) throw new Error(`Error in webgpu run '${key}': ${this.broken}`);
    let floats = 0;
    const slots: InputSlot[] = inputs.map((input, i) => {
      if (input instanceof Float32Array) {
        const slot = { offset: floats, length: input.length };
        floats += input.length;
        return slot;
      }
      if (this.live.get(input.id) !== input) {
        throw new Error(
          `Error in webgpu run '${key}': input ${i} (handle ${input.id}) was freed or belongs to another engine`,
        );
      }
      return { id: input.id };
    });
    const signature = `output [${size}], constants ${JSON.stringify(constants)}, inputs [${inputs
      .map((input) => `${input instanceof Float32Array ? 'host' : 'handle'} ${input.length}`)
      .join(', ')}]`;
    const compiled = this.signatures.get(key) ?? signature;
    if (compiled !== signature) {
      throw new Error(
        `Error in webgpu run '${key}': kernel '${key}' was compiled for ${compiled}, but got ${signature}; give each variant its own key`,
      );
    }
    this.reserve(floats);
    const view = new Float32Array(this.data);
    inputs.forEach((input, i) => {
      const slot = slots[i]!;
      if (input instanceof Float32Array && 'offset' in slot) view.set(input, slot.offset);
    });
    const handle: WebGpuHandle = Object.freeze({ id: this.nextId++, length: size });
    this.call(
      { op: 'run', id: handle.id, key, source, size, constants, loopMaxIterations, inputs: slots },
      CALL_TIMEOUT_MS,
      `run '${key}'`,
    );
    this.signatures.set(key, signature);
    this.live.set(handle.id, handle);
    return handle;
  };

  read(handle: WebGpuHandle): Float32Array {
    if (this.broken) throw new Error(`Error in webgpu read: ${this.broken}`);
    if (this.live.get(handle.id) !== handle) {
      throw new Error(
        `Error in webgpu read: handle ${handle.id} was freed or belongs to another engine; read a result before freeing it`,
      );
    }
    this.reserve(handle.length);
    const length = this.call({ op: 'read', id: handle.id }, CALL_TIMEOUT_MS, 'read');
    return new Float32Array(this.data, 0, length).slice();
  }

  free(handle: WebGpuHandle): void {
    if (this.live.get(handle.id) !== handle || this.broken) return;
    this.live.delete(handle.id);
    // Nothing to wait for: the worker takes messages in order, so the buffer is gone before the next call runs.
    this.worker.postMessage({ op: 'free', call: 0, id: handle.id } satisfies Request);
  }

  forget(key: string): void {
    if (this.broken || !this.signatures.delete(key)) return;
    this.worker.postMessage({ op: 'forget', call: 0, key } satisfies Request);
  }

  close(): void {
    if (!this.broken) this.worker.postMessage({ op: 'close', call: 0 } satisfies Request);
    this.broken ??= 'the engine was closed';
    this.live.clear();
    if (opened === this) opened = undefined;
  }

  /** Makes the data buffer hold at least `floats` floats: the next power of two of bytes, kept for later calls. */
  private reserve(floats: number): void {
    if (floats * 4 <= this.data.byteLength) return;
    this.data = new SharedArrayBuffer(2 ** Math.ceil(Math.log2(floats * 4)));
    this.dataSent = false;
  }

  /** Posts one request and blocks until the worker finishes it; returns its result length or throws its message. */
  private call(request: Call, timeoutMs: number, what = 'open'): number {
    if (this.broken) throw new Error(`Error in webgpu ${what}: ${this.broken}`);
    const call = ++this.calls;
    this.worker.postMessage({
      ...request,
      call,
      ...(this.dataSent ? {} : { data: this.data }),
    } satisfies Request);
    this.dataSent = true;
    const deadline = performance.now() + timeoutMs;
    while (Atomics.load(this.control, DONE) !== call) {
      const left = deadline - performance.now();
      if (left <= 0) {
        // The worker is left to finish on its own: ending a thread inside a Dawn call aborts the process, and
        // so does exiting while one runs, so the exit waits for the call (a minute at most).
        this.close();
        this.broken = `a call timed out after ${timeoutMs} ms, so the engine was closed`;
        process.once('exit', () => {
          const until = performance.now() + Math.max(timeoutMs, 60_000);
          while (Atomics.load(this.control, DONE) !== call && performance.now() < until) {
            Atomics.wait(this.control, DONE, call - 1, until - performance.now());
          }
        });
        throw new Error(
          `Error in webgpu ${what}: the worker did not answer within ${timeoutMs} ms (timed out; set CONVLAB_WEBGPU_TIMEOUT_MS to wait longer)`,
        );
      }
      Atomics.wait(this.control, DONE, call - 1, left);
    }
    const length = Atomics.load(this.control, LENGTH);
    if (Atomics.load(this.control, STATUS) !== 0)
      throw new Error(`Error in webgpu ${what}: ${this.text(length)}`);
    return length;
  }

  private text(bytes: number): string {
    return Buffer.from(new Uint8Array(this.data, 0, bytes).slice()).toString('utf8');
  }
}

let opened: WorkerEngine | undefined;
let unavailable: { unavailable: string } | undefined;

/**
 * Opens the engine: loads `webgpu` (optional dependency), requests an adapter and device, all with timeouts so
 * it never hangs; returns the engine or why WebGPU does not work here (one readable sentence). Cached after the
 * first call. Opening takes 0.2–0.4 s here; the timeout is generous because a loaded 2-core machine (CI running
 * test files in parallel) can be many times slower, and a machine without an adapter answers at once anyway.
 * @example openWebGpu(); // { unavailable: 'WebGPU is unavailable: Dawn found no WebGPU adapter: …' } without Vulkan
 */
export function openWebGpu(timeoutMs = 15_000): WebGpuEngine | { unavailable: string } {
  if (opened) return opened;
  if (unavailable) return unavailable;
  if (!inNode) {
    return (unavailable = {
      unavailable: "WebGPU is unavailable: this synchronous engine runs in Node only (in a browser the gpu backend uses gpu.js's WebGL2).",
    });
  }
  const paths = resolvePaths();
  if (typeof paths === 'string') return (unavailable = { unavailable: `WebGPU is unavailable: ${paths}.` });
  // Dawn on Linux has only its Vulkan backend: without the loader it finds no adapter (and says so on stderr).
  if (!vulkanLoaderFound()) {
    return (unavailable = {
      unavailable:
        'WebGPU is unavailable: the Vulkan loader libvulkan.so.1 is not installed, so Dawn has no adapter ' +
        "(bash kernel/scripts/setup.sh --gpu unpacks one with Mesa's software driver and writes .setup/vulkan.env to source).",
    });
  }
  const engine = new WorkerEngine(...paths);
  try {
    engine.open(timeoutMs);
  } catch (error) {
    engine.close();
    const why = (error instanceof Error ? error.message : String(error)).replace(
      /^Error in webgpu open: /,
      '',
    );
    return (unavailable = { unavailable: `WebGPU is unavailable: ${why.replace(/\.?$/, '.')}` });
  }
  return (opened = engine);
}

/** Bytes of an engine's shared data buffer (what a test checks does not grow when sizes repeat). */
export function sharedBytes(engine: WebGpuEngine): number {
  return engine instanceof WorkerEngine ? engine.sharedBytes : 0;
}

/**
 * The `webgpu` package this module is written for, and gpu.js: resolved from here, so the kernel's own
 * `node_modules/webgpu` (0.6.2) wins over the 0.2.9 that gpu.js pins and npm hoists to the root. Returns
 * why not as text when either is missing or the wrong version.
 */
function resolvePaths(): [webgpuPath: string, gpujsPath: string] | string {
  let webgpuPath: string;
  let gpujsPath: string;
  try {
    gpujsPath = require.resolve('gpu.js', { paths: [__dirname] });
  } catch {
    return 'the optional package gpu.js is not installed (npm install gpu.js)';
  }
  try {
    const manifest = require.resolve('webgpu/package.json', { paths: [__dirname] });
    const version = (require(manifest) as { version: string }).version;
    if (version !== WEBGPU_VERSION) {
      return `the webgpu package found at ${dirname(manifest)} is ${version}, not ${WEBGPU_VERSION} (run npm install in the project)`;
    }
    webgpuPath = require.resolve(`${dirname(manifest)}/index.js`);
  } catch {
    return `the optional package webgpu@${WEBGPU_VERSION} is not installed (npm install in the project)`;
  }
  return [webgpuPath, gpujsPath];
}

/** True where the dynamic linker can find the Vulkan loader (Linux; elsewhere Dawn uses Metal or D3D, so true). */
function vulkanLoaderFound(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env['LD_LIBRARY_PATH'] ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/lib/x86_64-linux-gnu',
    '/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return dirs.some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}
