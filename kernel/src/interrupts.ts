/**
 * Interrupts for code the library runs outside a cell's own call: a widget's deferred run (`interact`'s function,
 * after a burst of slider moves) is made stoppable the way a cell is, and state that a `finally` block would have
 * put back is reset after an interrupt — Node ends interrupted code (`breakOnSigint`) without running its `catch`
 * or `finally` blocks, so a capture that redirects `display()` would otherwise stay redirected.
 *
 * The kernel host installs the runner (host.ts: marked running for the control thread, under `breakOnSigint`) and
 * calls {@link recoverFromInterrupt} after every interrupted cell or comm handler. Outside a kernel, calls just run.
 *
 * @example
 * const forget = onInterrupt(() => { capturing.length = 0; });
 * setImmediate(() => runInterruptibly(() => fn()));
 */

/** Runs a call so that an interrupt can stop it. */
export type InterruptibleRunner = (call: () => void) => void;

let runner: InterruptibleRunner = (call) => call();
const resets = new Set<() => void>();

/** Installs how deferred library calls run (the kernel host's runner); returns the previous one. */
export function setInterruptibleRunner(next: InterruptibleRunner): InterruptibleRunner {
  const previous = runner;
  runner = next;
  return previous;
}

/** Runs `call` (a callback the library deferred, e.g. with `setImmediate`) so that the interrupt button stops it. */
export function runInterruptibly(call: () => void): void {
  runner(call);
}

/** Registers state to reset after an interrupt cut code short; returns a function that unregisters it. */
export function onInterrupt(reset: () => void): () => void {
  resets.add(reset);
  return () => void resets.delete(reset);
}

/** Runs every registered reset (the host calls it after an interrupted cell or comm handler). Never throws. */
export function recoverFromInterrupt(): void {
  for (const reset of resets) {
    try {
      reset();
    } catch {
      // One reset's failure must not keep the others from running.
    }
  }
}
