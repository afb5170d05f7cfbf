/**
 * A conformance case: a function of named inputs, built from `Value`s, and the points to check
 * it at. The first `nParams` inputs are params (differentiated); the rest are runtime inputs.
 * `build` must make the same graph whatever the inputs' data: compiled code is traced once and
 * then run at every point, exactly as users run it.
 */
import type { Value } from '@adjoint/autograd';

export interface ExactResult {
  readonly value: number;
  readonly gradient: readonly number[];
}

export interface Case {
  readonly name: string;
  readonly nInputs: number;
  readonly nParams: number;
  readonly build: (xs: Value[]) => Value;
  /** Input vectors (length nInputs), in the smooth domain of the case's ops unless stated. */
  readonly points: readonly (readonly number[])[];
  /** Tolerance of the finite-difference check, relative to max(1, |gradient|). Default 1e-6. */
  readonly fdTol?: number;
  /** Why finite differences cannot check this case; the suite prints it instead of skipping silently. */
  readonly fdSkip?: string;
  /**
   * Results derived by hand from IEEE semantics and the documented subgradients, for cases
   * where the exact bits are the point (signed zeros, ties, unreached params).
   */
  readonly exact?: (point: readonly number[]) => ExactResult;
}

/** Input names: p0.. for params, x0.. for runtime inputs. */
export function inputName(c: Pick<Case, 'nParams'>, i: number): string {
  return i < c.nParams ? `p${i}` : `x${i - c.nParams}`;
}
