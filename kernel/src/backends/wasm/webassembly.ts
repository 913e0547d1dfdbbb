/**
 * The part of the WebAssembly JS API the fast backend uses, typed here because the kernel compiles against
 * ES2022 + Node types only (TypeScript declares `WebAssembly` in its DOM lib, which the kernel must not pull in).
 */

/** A compiled module: can be sent to worker threads and instantiated there. */
export type WasmModule = object;

/** A (shared) linear memory. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

/** `globalThis.WebAssembly` with the types above. */
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
