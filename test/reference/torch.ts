/**
 * Differential testing against PyTorch: send cases to test/reference/oracle.py (the project's .venv) in one
 * batch, get PyTorch's float64 results back, and compare within a tolerance.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

export { seededValues } from './seeded';

const ROOT = resolve(__dirname, '..', '..');

/** A tensor on the wire: shape and row-major values. */
export interface WireTensor {
  shape: number[];
  data: number[];
}

export interface OracleCase {
  op: string;
  tensors: Record<string, WireTensor>;
  options?: object;
}

export type OracleResult = WireTensor | { outputs: Record<string, WireTensor> } | { error: string };

/** Runs all cases through PyTorch at once (one Python start-up for a whole sweep). */
export function torchReference(cases: OracleCase[]): OracleResult[] {
  const out = execFileSync(join(ROOT, '.venv', 'bin', 'python'), [join(ROOT, 'test', 'reference', 'oracle.py')], {
    input: JSON.stringify(cases),
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  return JSON.parse(out) as OracleResult[];
}

/** Asserts shape equality, then every value within `atol + rtol·|expected|`, naming the first mismatch. */
export function expectClose(
  actual: { shape: readonly number[]; data: ArrayLike<number> },
  expected: OracleResult,
  label: string,
  { atol = 1e-4, rtol = 1e-4 } = {},
): void {
  if ('error' in expected) throw new Error(`${label}: PyTorch raised ${expected.error}`);
  if ('outputs' in expected) throw new Error(`${label}: PyTorch returned several outputs; compare them one by one`);
  expect([...actual.shape], `${label}: shape`).toEqual(expected.shape);
  for (let i = 0; i < expected.data.length; i++) {
    const want: number = expected.data[i] ?? NaN;
    const got: number = actual.data[i] ?? NaN;
    if (!(Math.abs(got - want) <= atol + rtol * Math.abs(want))) {
      expect.fail(`${label}: value ${i} is ${got}, PyTorch says ${want} (atol ${atol}, rtol ${rtol})`);
    }
  }
}
