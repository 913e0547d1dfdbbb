/**
 * Sweep helpers for the differential tests, and one test body run on every backend, so all meet the same checks:
 * `describeEachBackend(title, body)` runs `body` once per backend in {@link BACKENDS}, that backend selected.
 */
import type { Tensor } from '../../../kernel/src/index';
import type { BackendName } from '../../../kernel/src/backends';
import { onEveryBackend } from './helpers';
import { expectClose, seededValues, torchReference, type OracleCase } from '../../reference/torch';

/**
 * The backends the library's sweeps run on: all of them. The gpu.js backend runs them in gpu.js's `cpu` mode
 * (its kernel sources as JavaScript): on a GL context it compiles a shader per geometry, seconds each on
 * software GL, so there it runs the conv2d bodies (ops/conv2d.test.ts, ops/conv2d-torch.test.ts) and one case per
 * kernel (backends/gpu.test.ts).
 */
export const BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'gpu'];

/** One test body per backend in {@link BACKENDS}, that backend selected (see helpers.ts `onEveryBackend`). */
export function describeEachBackend(title: string, body: (name: BackendName) => void): void {
  onEveryBackend(title, body, BACKENDS, ['cpu']);
}

/** Values rounded to float32, so a float64 oracle sees exactly what a ConvLab tensor holds. */
export function float32(values: number[]): number[] {
  return Array.from(Float32Array.from(values));
}

/** Seeded float32 values in [-1, 1) for a shape. */
export function seeded(shape: readonly number[], seed: number): number[] {
  return float32(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
  );
}

/** Time limit of a test that starts the PyTorch oracle (a Python start-up plus `import torch` on a busy machine). */
export const ORACLE_TIMEOUT_MS = 120_000;

/** One differential case: what PyTorch is asked, and the ConvLab call that must agree with it. */
export interface DiffCase {
  label: string;
  oracle: OracleCase;
  run: () => Tensor;
}

/** Sends every case to PyTorch in one batch, then compares each ConvLab result (default tolerance 1e-4). */
export function expectMatchesTorch(
  cases: readonly DiffCase[],
  tolerance?: { atol?: number; rtol?: number },
): void {
  const expected = torchReference(cases.map((c) => c.oracle));
  cases.forEach((c, i) => expectClose(c.run(), expected[i]!, c.label, tolerance));
}
