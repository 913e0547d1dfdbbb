/**
 * Sweep helpers for the differential tests, and one test body for every backend (STYLE.md item 3):
 * `describeEachBackend(title, body)` runs `body` once per
 * backend with that backend selected. Only 'cpu' exists today; a new backend joins the list here.
 */
import { afterAll, beforeEach, describe } from 'vitest';
import { useBackend, type Tensor } from '../../kernel/src/index';
import { expectClose, seededValues, torchReference, type OracleCase } from '../reference/torch';

export const BACKENDS = ['cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export function describeEachBackend(title: string, body: (name: BackendName) => void): void {
  for (const name of BACKENDS) {
    describe(`${title} [${name}]`, () => {
      beforeEach(() => {
        useBackend(name);
      });
      afterAll(() => {
        useBackend('cpu');
      });
      body(name);
    });
  }
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
