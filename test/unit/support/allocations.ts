/**
 * Counts the typed arrays code builds, so a test can check that a request is refused (or a display is made)
 * without building anything sized by the request — by counting the work, not timing it.
 */

type Kind = 'Int32Array' | 'Float32Array' | 'Float64Array';

/**
 * Runs `run` with `globalThis[kind]` wrapped so that every `new kind(length)` records its length; returns the
 * lengths and what `run` threw (or `undefined`). The library reads these constructors from the global object at
 * each call, so the wrapper sees the library's allocations.
 *
 * @example
 * typedArraysBuilt('Int32Array', () => pad(zeros([1, 1, 2, 2]), 1e6)).lengths; // [] (refused before any table)
 */
export function typedArraysBuilt(kind: Kind, run: () => void): { lengths: number[]; error: unknown } {
  const original = globalThis[kind];
  const lengths: number[] = [];
  globalThis[kind] = new Proxy(original, {
    construct(target, args: unknown[], newTarget) {
      if (typeof args[0] === 'number') lengths.push(args[0]);
      return Reflect.construct(target, args, newTarget) as object;
    },
  }) as never;
  let error: unknown;
  try {
    run();
  } catch (thrown) {
    error = thrown;
  } finally {
    globalThis[kind] = original as never;
  }
  return { lengths, error };
}
