/**
 * What the WebGPU engine (`engine.ts`) and its worker (`worker.ts`) share: the layout of the control
 * block, the requests the engine posts, the worker's `workerData` and the adapter facts `open` answers with.
 * The worker may use the types only (it runs from its function's source text, without this module), so the
 * constants it needs are its own, tied to these by their types, or arrive in its `workerData`.
 */

/** The version of the `webgpu` package the engine is written for (gpu.js's own pin, 0.2.9, fails on bookworm). */
export const WEBGPU_VERSION = '0.6.2';

// Control block (an Int32Array over a 16-byte SharedArrayBuffer): [the call the worker finished, its status
// (0 ok, 1 failed), its result length (floats, or bytes of text)].
export const DONE = 0;
export const STATUS = 1;
export const LENGTH = 2;

/** One input as the worker gets it: floats at `offset` in the data buffer, or a handle's id. */
export type InputSlot = { offset: number; length: number } | { id: number };

/** What the worker is asked to do. */
export type Call =
  | { op: 'open'; timeoutMs: number }
  | {
      op: 'run';
      id: number;
      key: string;
      source: string;
      size: number;
      constants: object;
      loopMaxIterations: number;
      inputs: InputSlot[];
    }
  | { op: 'read'; id: number }
  | { op: 'free'; id: number }
  | { op: 'forget'; key: string }
  | { op: 'close' };

/** A message to the worker: one call, numbered; `data` only when the buffer was replaced. */
export type Request = Call & { call: number; data?: SharedArrayBuffer };

/** The worker's `workerData`. */
export interface WorkerData {
  /** The control block's buffer (see {@link DONE}, {@link STATUS}, {@link LENGTH}). */
  control: SharedArrayBuffer;
  /** The first data buffer; a request's `data` replaces it. */
  data: SharedArrayBuffer;
  /** The `webgpu` package's index.js, and gpu.js's main file, as the engine resolved them. */
  webgpuPath: string;
  gpujsPath: string;
  /** {@link WEBGPU_VERSION}, for the worker's message when the package does not load. */
  webgpuVersion: string;
}

/** What the worker's `open` answers with (as JSON text in the data buffer): the adapter's info. */
export interface OpenedAdapter {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter: boolean;
}
