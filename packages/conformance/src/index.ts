/**
 * @adjoint/conformance — the cross-backend equivalence suite: a corpus of named cases, a
 * seeded random graph generator, the registry of backends and the runners that compare them
 * with the interpreter, with eager backward() and with finite differences.
 */
export { inputName, type Case, type ExactResult } from './case.js';
export { corpus, compositeCases } from './corpus.js';
export { opCases } from './corpus-ops.js';
export { Rng } from './rng.js';
export { randomCase, RANDOM_STEP_NAMES, INPUT_RANGE, type RandomCaseOptions } from './random.js';
export { nestedCase } from './nested.js';
export {
  backends, ulpBounds, cMath, wasmEmbeddedMath, C_LIBM_ULPS, CHUNKED_OPTIONS, REROLLED_OPTIONS, type ConformanceBackend, type CompiledCase, type Outcome,
} from './backends.js';
export {
  makeLeaves, runEager, prepare, runInterp, compileCase, reference, bitsOf, formatNumber, ulpDistance,
  withinUlps, compareOutcomes, checkInterpAgainstEager, checkBackend, checkExact, finiteDifferences,
  checkFiniteDifferences, opsUsed, DEFAULT_FD_TOL, type Leaves, type Prepared, type Reference,
} from './check.js';
