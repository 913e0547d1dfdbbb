/**
 * Backend selection: `useBackend` and `backend()` are the switch every op reads, so backends plug in here
 * without touching the ops. `'cpu'` is the reference loops (the ground truth), `'wasm'` the fast CPU path.
 */
import type { Backend } from './backend';
import { cpuBackend } from './cpu';
import { wasmBackend } from './fast';

export type { Backend } from './backend';

const backends = { cpu: cpuBackend, wasm: wasmBackend } as const;

/** A backend's name, as `useBackend` takes it. */
export type BackendName = keyof typeof backends;

/** Every backend, by name: the test suites run their bodies over this list. */
export const allBackends: readonly Backend[] = Object.values(backends);

let current: Backend = cpuBackend;

/** The backend ops run on now. @example backend().name; // 'cpu' */
export function backend(): Backend {
  return current;
}

/** Chooses the backend for later ops. @example useBackend('wasm').name; // 'wasm' */
export function useBackend(name: BackendName): Backend {
  current = backends[name];
  return current;
}
