/**
 * The backends under test. Adding one is one line in `backends`: a name, its bound against
 * the interpreter, and how to compile a Value graph into `values -> { value, gradient }`.
 */
import type { Value } from '@adjoint/autograd';
import {
  compileGradientFunction, loadCompiledFunction, serializeCompiledFunction, type CompileOptions,
} from '@adjoint/jit';

export interface Outcome {
  readonly value: number;
  readonly gradient: Float64Array;
}

/** Inputs: the params' values, then the runtime inputs'. */
export type CompiledCase = (values: Float64Array) => Outcome;

export interface ConformanceBackend {
  readonly name: string;
  /**
   * Largest distance in ulps from the interpreter tolerated on any output. 0 means
   * bit-identical, compared with Object.is (the sign of zero counts; NaN equals NaN).
   * The JS variants are 0; C and wasm will state theirs (libm differs from V8's Math).
   */
  readonly ulps: number;
  compile(output: Value, params: Value[], inputs: Value[]): CompiledCase;
}

/** Every repetition of two or more copies becomes a loop: exercises the loop form on small graphs. */
export const REROLLED_OPTIONS = { reroll: { minTrips: 2, minCover: 1 }, cache: false } as const satisfies CompileOptions;

/** Many tiny chunks: nearly every value crosses a chunk boundary, bools included. */
export const CHUNKED_OPTIONS = { chunkSize: 3, cache: false } as const satisfies CompileOptions;

function viaJit(options: CompileOptions, roundTrip = false): ConformanceBackend['compile'] {
  return (output, params, inputs) => {
    const compiled = compileGradientFunction(output, params, { ...options, inputs });
    const fn = roundTrip ? loadCompiledFunction(serializeCompiledFunction(compiled)) : compiled;
    // No `out`: each call gets its own gradient array, so results can be kept and compared.
    return (values) => fn.valueAndGradient(values);
  };
}

export const backends: ConformanceBackend[] = [
  // Default options, compile cache included: what users get.
  { name: 'js', ulps: 0, compile: viaJit({}) },
  { name: 'js-chunked', ulps: 0, compile: viaJit(CHUNKED_OPTIONS) },
  { name: 'js-serialized', ulps: 0, compile: viaJit({ cache: false }, true) },
  { name: 'js-rerolled', ulps: 0, compile: viaJit(REROLLED_OPTIONS) },
  // Loops among tiny chunks, through the serialized form: tables and tape survive a round trip.
  { name: 'js-rerolled-serialized', ulps: 0, compile: viaJit({ ...REROLLED_OPTIONS, chunkSize: 3 }, true) },
];

/** Each backend's bound in ulps against the interpreter, by name. */
export const ulpBounds: Readonly<Record<string, number>> = Object.fromEntries(backends.map((b) => [b.name, b.ulps]));
