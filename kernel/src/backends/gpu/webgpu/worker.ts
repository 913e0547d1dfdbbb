/**
 * The WebGPU engine's worker: owns gpu.js (in its `webgpu` mode) and Dawn, and answers the engine's requests
 * through the control block and the shared data buffer (see messages.ts).
 *
 * The engine starts it from this function's source text (`new Worker(`(${webgpuWorker.toString()})()`,
 * { eval: true })`), so the function is self-contained: it `require`s what it needs inside its body, and uses
 * nothing from this module's scope but types (they vanish when compiled). Its constants are its own, tied to
 * messages.ts by their types, or come in its `workerData`.
 */
import type * as Shared from './messages';

/** A gpu.js pipeline result: a buffer on the GPU. */
interface GpuResult {
  toArray(): Promise<Float32Array>;
  delete(): void;
}

/** A kernel gpu.js compiled; in `webgpu` mode every call answers a Promise. */
interface GpuKernel<R> {
  (...args: (Float32Array | GpuResult)[]): Promise<R>;
  destroy(): void;
}

/** gpu.js's settings for a kernel, as far as the worker uses them. */
interface GpuKernelSettings {
  output: number[];
  precision: 'single';
  constants?: object;
  loopMaxIterations?: number;
  pipeline?: boolean;
  immutable?: boolean;
}

/** A gpu.js `GPU` instance. */
interface Gpu {
  createKernel<R>(source: string, settings: GpuKernelSettings): GpuKernel<R>;
  destroy(): void;
}

/** The `webgpu` package (Dawn): its WebGPU globals and a `navigator.gpu` factory. */
interface WebGpuPackage {
  globals: object;
  create(flags: string[]): NavigatorGpu;
}

interface NavigatorGpu {
  requestAdapter(): Promise<GpuAdapter | null>;
}

interface GpuAdapter {
  info?: Partial<Shared.OpenedAdapter>;
  isFallbackAdapter?: boolean;
}

/** Node's module loader's internal entry point, which the worker wraps. */
interface ModuleLoader {
  _load(this: unknown, request: string, ...rest: unknown[]): unknown;
}

/**
 * The worker's code, run from its source text in a worker thread (as CommonJS script code, with `require`).
 * Every failure is reported through the control block with its message: the main thread never waits for a call
 * that failed.
 */
export function webgpuWorker(): void {
  const { workerData, parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { pathToFileURL } = require('node:url') as typeof import('node:url');
  // The control block's slots, as messages.ts numbers them (its types make a mismatch a compile error).
  const DONE: typeof Shared.DONE = 0;
  const STATUS: typeof Shared.STATUS = 1;
  const LENGTH: typeof Shared.LENGTH = 2;
  // A real dynamic import, out of the compilers' reach: tsc's CommonJS output turns `import(url)` into
  // `require()` behind a module-scope helper, and vitest's transform into `__vite_ssr_dynamic_import__(url)`,
  // neither of which exists in the worker; and `webgpu` is an ES module, which only a real `import()` loads.
  const load = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

  // gpu.js loads headless-gl (the optional 'gl' package) when it is required. gl's native module can be loaded
  // by one thread only ("Module did not self-register" in the next), and the main thread's gpu backend may want
  // it (setGpuMode('headlessgl')): so this thread never loads it.
  const Module = require('node:module') as unknown as ModuleLoader;
  const moduleLoad = Module._load;
  Module._load = function (this: unknown, request: string, ...rest: unknown[]): unknown {
    if (request === 'gl') throw new Error('headless-gl is left to the main thread');
    return moduleLoad.call(this, request, ...rest);
  };
  if (!parentPort) throw new Error('internal: the webgpu worker runs outside a worker thread');
  const port: import('node:worker_threads').MessagePort = parentPort;
  const shared = workerData as Shared.WorkerData;
  const control = new Int32Array(shared.control);
  let data = shared.data;
  let gpu: Gpu | undefined;
  const kernels = new Map<string, GpuKernel<GpuResult>>();
  const results = new Map<number, GpuResult>();

  /** The `message` of a thrown value that has one. */
  const messageOf = (error: unknown): unknown =>
    typeof error === 'object' && error !== null && 'message' in error ? error.message : undefined;

  function finish(call: number, status: number, length: number): void {
    control[STATUS] = status;
    control[LENGTH] = length;
    Atomics.store(control, DONE, call);
    Atomics.notify(control, DONE);
  }
  function reply(text: string): number {
    const bytes = Buffer.from(text);
    const view = new Uint8Array(data);
    const length = Math.min(bytes.length, view.length);
    view.set(bytes.subarray(0, length));
    return length;
  }
  function within<T>(promise: Promise<T>, what: string, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(what + ' did not answer within ' + ms + ' ms')), ms);
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  }

  async function open(request: Extract<Shared.Call, { op: 'open' }>): Promise<string> {
    let webgpu: WebGpuPackage;
    try {
      webgpu = (await load(pathToFileURL(shared.webgpuPath).href)) as WebGpuPackage;
    } catch (error) {
      throw new Error(
        'the optional package webgpu@' +
          shared.webgpuVersion +
          ' does not load (' +
          String(error ? messageOf(error) : error).split('\n')[0] +
          ')',
      );
    }
    Object.assign(globalThis, webgpu.globals);
    const navigatorGpu = webgpu.create([]);
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu: navigatorGpu },
      configurable: true,
      writable: true,
    });
    const adapter = await within(navigatorGpu.requestAdapter(), 'requestAdapter()', request.timeoutMs);
    if (!adapter) {
      const icd = process.env['VK_ICD_FILENAMES'];
      throw new Error(
        'Dawn found no WebGPU adapter: none of ' +
          (icd ? 'the Vulkan drivers VK_ICD_FILENAMES names (' + icd + ')' : "the system's Vulkan drivers") +
          ' is one it accepts (Mesa lavapipe before 23 is not; bash kernel/scripts/setup.sh --gpu unpacks Mesa 25)',
      );
    }
    const info = adapter.info || {};
    const { GPU } = require(shared.gpujsPath) as { GPU: new (settings: { mode: 'webgpu' }) => Gpu };
    gpu = new GPU({ mode: 'webgpu' });
    // A smoke test that takes the whole path once: device, shader compile, dispatch and read-back.
    const probe = gpu.createKernel<ArrayLike<number>>('function () { return this.thread.x + 1; }', {
      output: [4],
      precision: 'single',
    });
    const values = await within(probe(), 'the first kernel', request.timeoutMs);
    probe.destroy();
    if (Array.from(values).join() !== '1,2,3,4') {
      throw new Error('the smoke-test kernel returned ' + Array.from(values).join() + ', expected 1,2,3,4');
    }
    const opened: Shared.OpenedAdapter = {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: Boolean(info.isFallbackAdapter || adapter.isFallbackAdapter),
    };
    return JSON.stringify(opened);
  }

  function result(id: number): GpuResult {
    const held = results.get(id);
    if (!held) throw new Error('internal: no webgpu result ' + id + ' in the worker');
    return held;
  }

  async function run(request: Extract<Shared.Call, { op: 'run' }>): Promise<number> {
    if (!gpu) throw new Error('internal: webgpu run before the worker opened');
    let kernel = kernels.get(request.key);
    if (!kernel) {
      kernel = gpu.createKernel<GpuResult>(request.source, {
        output: [request.size],
        constants: request.constants,
        loopMaxIterations: request.loopMaxIterations,
        precision: 'single',
        pipeline: true,
        immutable: true,
      });
      kernels.set(request.key, kernel);
    }
    const args = request.inputs.map((slot) =>
      'id' in slot ? result(slot.id) : new Float32Array(data, slot.offset * 4, slot.length),
    );
    try {
      results.set(request.id, await kernel(...args));
    } catch (error) {
      // A kernel that failed to build fails again the same way; a lost device needs a fresh one anyway.
      kernels.delete(request.key);
      kernel.destroy();
      throw error;
    }
    return 0;
  }

  async function read(request: Extract<Shared.Call, { op: 'read' }>): Promise<number> {
    const values = await result(request.id).toArray();
    new Float32Array(data, 0, values.length).set(values);
    return values.length;
  }

  // A failure outside a call's own promise chain (a Dawn callback throwing) fails the call that is running.
  let running = 0;
  const failRunning = (error: unknown): void => {
    if (running) {
      finish(running, 1, reply('the worker failed: ' + ((error && messageOf(error)) || String(error))));
    }
    running = 0;
  };
  process.on('uncaughtException', failRunning);
  process.on('unhandledRejection', failRunning);

  async function serve(request: Shared.Request): Promise<void> {
    if (request.data) data = request.data;
    running = request.call;
    try {
      if (request.op === 'close') {
        // Frees everything and lets the thread end by itself (terminating it inside Dawn aborts the process).
        for (const held of results.values()) held.delete();
        for (const kernel of kernels.values()) kernel.destroy();
        if (gpu) gpu.destroy();
        port.close();
        return;
      }
      if (request.op === 'free') {
        const held = results.get(request.id);
        results.delete(request.id);
        if (held) held.delete();
        return;
      }
      if (request.op === 'forget') {
        const kernel = kernels.get(request.key);
        kernels.delete(request.key);
        if (kernel) kernel.destroy();
        return;
      }
      const length =
        request.op === 'open'
          ? reply(await open(request))
          : request.op === 'run'
            ? await run(request)
            : await read(request);
      if (running) finish(request.call, 0, length);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (running) finish(request.call, 1, reply(message || String(error)));
    }
    running = 0;
  }
  // One request at a time, in order: a close waits for a call that is still running.
  let queue = Promise.resolve();
  port.on('message', (request: Shared.Request) => {
    queue = queue.then(() => serve(request));
  });
}
