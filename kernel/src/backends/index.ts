/**
 * Backend selection. Only the CPU reference backend exists so far; `useBackend` and `backend()` are the
 * switch every op reads, so new backends plug in here without touching the ops.
 */
import type { Backend } from './backend';
import { cpuBackend } from './cpu';

export type { Backend } from './backend';

let current: Backend = cpuBackend;

/** The backend ops run on now. @example backend().name; // 'cpu' */
export function backend(): Backend {
  return current;
}

/** Chooses the backend for later ops. @example useBackend('cpu'); */
export function useBackend(name: 'cpu'): Backend {
  current = { cpu: cpuBackend }[name];
  return current;
}
