/**
 * The backends under test. Adding one is one line in `backends`: a name, its bound against
 * the interpreter, and how to compile a Value graph into `values -> { value, gradient }`.
 *
 * A backend whose libm is not V8's (C) names its own math: the interpreter runs with those
 * ops evaluated by the backend's platform (a probe compiled from the same render table), and
 * then everything must match bit for bit. How far that libm is from JS's Math is measured
 * per op in `test/libm.test.ts`.
 */
import type { Value } from '@adjoint/autograd';
import { LIBM_OPS, PROBE_NAME, buildSharedLibrary, findCompiler, loadNativeKernel, mathProbeSource, type Precision } from '@adjoint/backend-c';
import { EMBEDDED_LIBM_OPS, binaryenIfLoaded, embeddedLibmFunctions } from '@adjoint/backend-wasm';
import { OP_CODE, type MathOverrides } from '@adjoint/ir';
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
  /** Ops this backend evaluates with its own libm, for the interpreter it is checked against. */
  readonly math?: () => MathOverrides;
  /** 'f32': checked against the interpreter on the graph retyped to f32 (`toFloat32`). */
  readonly precision?: Precision;
  compile(output: Value, params: Value[], inputs: Value[]): CompiledCase;
}

/** Every repetition of two or more copies becomes a loop: exercises the loop form on small graphs. */
export const REROLLED_OPTIONS = { reroll: { minTrips: 2, minCover: 1 }, cache: false } as const satisfies CompileOptions;

/** Many tiny chunks: nearly every value crosses a chunk boundary, bools included. */
export const CHUNKED_OPTIONS = { chunkSize: 3, cache: false } as const satisfies CompileOptions;

/** tcc when installed (./dev setup installs it), else the default compiler. */
function secondCompiler(): string | undefined {
  try { return findCompiler('tcc').path; } catch { return undefined; }
}

function viaJit(options: CompileOptions, roundTrip = false): ConformanceBackend['compile'] {
  return (output, params, inputs) => {
    const compiled = compileGradientFunction(output, params, { ...options, inputs });
    const fn = roundTrip ? loadCompiledFunction(serializeCompiledFunction(compiled)) : compiled;
    // No `out`: each call gets its own gradient array, so results can be kept and compared.
    return (values) => fn.valueAndGradient(values);
  };
}

/**
 * How far the C platform's libm ops may be from V8's Math, in ulps of the result's precision
 * (measured by test/libm.test.ts on glibc, x86-64; docs/backends.md states them). V8's own
 * tanh is the one more than an ulp from glibc's.
 */
export const C_LIBM_ULPS: Readonly<Record<Precision, Readonly<Partial<Record<(typeof LIBM_OPS)[number], number>> & { other: number }>>> = {
  f64: { other: 1, tanh: 2, sigmoid: 2, softplus: 2 },
  f32: { other: 1, sinh: 2, tanh: 2, sigmoid: 2 },
};

// Cache: the embedded wasm libm as interpreter overrides; bound: one.
let embedded: MathOverrides | undefined;

/**
 * The wasm backend's embedded libm, evaluated by the same functions a module embeds, with
 * sigmoid and softplus composed from them as the wasm renderer composes them.
 */
export function wasmEmbeddedMath(): MathOverrides {
  if (embedded === undefined) {
    const binaryen = binaryenIfLoaded();
    if (binaryen === null) throw new Error('wasmEmbeddedMath needs binaryen: await loadWasmBackend() first');
    const fns = embeddedLibmFunctions(binaryen);
    const m: MathOverrides = {};
    for (const op of EMBEDDED_LIBM_OPS) m[op] = (a, b) => fns[op](a, b);
    m.sigmoid = (a) => 1 / (1 + fns.exp(-a, 0));
    m.softplus = (a) => (a > 0 ? a + fns.log1p(fns.exp(-a, 0), 0) : fns.log1p(fns.exp(a, 0), 0));
    embedded = m;
  }
  return embedded;
}

// Cache: the probe per precision; bound: two.
const probes = new Map<Precision, MathOverrides>();

/** The C platform's libm ops, evaluated by a probe built with the default compiler. */
export function cMath(precision: Precision): MathOverrides {
  let math = probes.get(precision);
  if (math === undefined) {
    const lib = buildSharedLibrary(mathProbeSource(precision));
    const probe = loadNativeKernel(lib.path, `${PROBE_NAME}_ws`, { nInputs: 3, nParams: 0, workspace: 1, precision });
    const x = new Float64Array(3);
    const none = new Float64Array(0);
    math = Object.fromEntries(LIBM_OPS.map((op) => [op, (a: number, b: number) => {
      x[0] = OP_CODE[op]; x[1] = a; x[2] = b;
      return probe(x, none);
    }]));
    probes.set(precision, math);
  }
  return math;
}

export const backends: ConformanceBackend[] = [
  // Default options, compile cache included: what users get.
  { name: 'js', ulps: 0, compile: viaJit({}) },
  { name: 'js-chunked', ulps: 0, compile: viaJit(CHUNKED_OPTIONS) },
  { name: 'js-serialized', ulps: 0, compile: viaJit({ cache: false }, true) },
  { name: 'js-rerolled', ulps: 0, compile: viaJit(REROLLED_OPTIONS) },
  // Loops among tiny chunks, through the serialized form: tables and tape survive a round trip.
  { name: 'js-rerolled-serialized', ulps: 0, compile: viaJit({ ...REROLLED_OPTIONS, chunkSize: 3 }, true) },
  // Native C through the N-API addon, gcc -O2 (the default compiler).
  { name: 'c', ulps: 0, math: () => cMath('f64'), compile: viaJit({ backend: 'c', cache: false }) },
  // Loops among tiny chunks, built by tcc where it is installed: a second compiler and C's loop form.
  { name: 'c-rerolled', ulps: 0, math: () => cMath('f64'), compile: viaJit({ ...REROLLED_OPTIONS, chunkSize: 7, backend: 'c', cc: secondCompiler() }) },
  { name: 'c-f32', ulps: 0, precision: 'f32', math: () => cMath('f32'), compile: viaJit({ backend: 'c', precision: 'f32', cache: false }) },
  // WebAssembly importing the host's Math: the JS bits. (Test files await loadWasmBackend() first.)
  { name: 'wasm', ulps: 0, compile: viaJit({ backend: 'wasm', cache: false }) },
  { name: 'wasm-rerolled', ulps: 0, compile: viaJit({ ...REROLLED_OPTIONS, chunkSize: 5, backend: 'wasm' }) },
  // f32 computes each op in float; an imported Math function is called in f64 and rounded,
  // which is what the interpreter does on the graph retyped to f32.
  // An embedded libm and no imports; checked against the interpreter running that libm.
  { name: 'wasm-embedded', ulps: 0, math: wasmEmbeddedMath, compile: viaJit({ ...REROLLED_OPTIONS, backend: 'wasm', math: 'embedded' }) },
  { name: 'wasm-f32', ulps: 0, precision: 'f32', compile: viaJit({ backend: 'wasm', precision: 'f32', cache: false }) },
];

/** Each backend's bound in ulps against the interpreter, by name. */
export const ulpBounds: Readonly<Record<string, number>> = Object.fromEntries(backends.map((b) => [b.name, b.ulps]));
