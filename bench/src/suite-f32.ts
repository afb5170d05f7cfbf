/**
 * The float32 contenders of one workload: 'c-f32' (`backend: 'c', precision: 'f32'`) and
 * 'wasm-f32' (`backend: 'wasm', precision: 'f32'`, math imported as in 'wasm'). Compiled and
 * checked against the f64 eager gradient here; suite.ts times them in the same interleaved
 * rounds as the f64 contenders, so `×f64` compares the two precisions of one backend.
 */
import { compileGradientFunction, compileStats, type GradFn } from '@adjoint/jit';
import { freshCacheDir, nativeUnavailable, relError } from './native.js';
import { wasmUnavailable, wasmWarm } from './suite-wasm.js';
import type { Contender, Timing, WarmRule } from './timing.js';
import type { Workload } from './workloads.js';

/** float32's unit roundoff, 2^-24 ≈ 6.0e-8. */
const U32 = 2 ** -24;

export interface F32Tolerance {
  /** Norm-wise relative error of the gradient against the f64 eager one. */
  gradient: number;
  /** |f - f64| / |f64|. */
  value: number;
}

/**
 * How far an f32 build may be from the f64 reference, chosen from the errors measured on every
 * workload size at the benchmark point and a shifted one (C and wasm give the same errors to
 * two digits on W1-W3 and the same range on W4: the arithmetic sets them, not a backend):
 *  - gradient: <= 4e-7 (a few float32 ulps) everywhere except W2 at n=1000, so 1e-5 leaves
 *    ~25x. W2 n=1000 measures 6.0e-4 (3.3e-5 at the shifted point): its angles are prefix sums
 *    over ~16 turns and its gradient suffix sums of terms that cancel; a hand-written float32
 *    version (Math.fround after every operation) gives the same 6.0e-4. So 5e-3 for W2 past n=50.
 *  - f: one long sum of ~n terms, so the classic bound of recursive summation, n·u (floor
 *    1e-5): measured 1.1e-4 on W1 n=100000 (bound 6.0e-3), 1.4e-4 on W3 n=100000 (1.2e-2),
 *    1.2e-5 on W2 n=1000 (6.0e-5), <= 2e-6 elsewhere.
 */
export function f32Tolerance(w: Workload): F32Tolerance {
  return {
    gradient: w.id === 'W2' && w.n > 50 ? 5e-3 : 1e-5,
    value: Math.max(1e-5, w.nParams * U32),
  };
}

/**
 * --quick runs the f32 contenders on two workloads only (each adds a C build and >= 1 s of
 * wasm warm-up): straight-line code with sin/cos, and nested loops with tanh. bench/test
 * checks every size.
 */
export const QUICK_F32 = ['W2 n=10', 'W4 MLP'];

export interface F32Compile {
  /** compileGradientFunction wall time (C: in a fresh build cache, so a real compiler run). */
  ms: number;
  codegenMs: number;
  /** The C compiler, or WebAssembly compile + instantiate. */
  buildMs: number;
}

export interface F32Variant {
  compile: F32Compile;
  timing: Timing;
  /** Measured before timing, against eager backward() in f64. */
  error: { gradient: number; value: number };
  tolerance: F32Tolerance;
  /** From the medians: / hand JS; / the same backend in f64 (null when that was not timed). */
  ratios: { toHand: number; toF64: number | null };
}

export type F32Outcome = F32Variant | { skipped: string };

export interface F32Result {
  c: F32Outcome;
  wasm: F32Outcome;
}

export interface F32Plan {
  contenders: Contender[];
  finish(t: Map<string, Timing>): F32Result;
}

interface Checked {
  fn: GradFn;
  compile: F32Compile;
  error: { gradient: number; value: number };
}

function compileChecked(
  w: Workload, backend: 'c' | 'wasm', tol: F32Tolerance, fEager: number, gEager: Float64Array, progress: (m: string) => void,
): Checked {
  const name = backend === 'c' ? 'C' : 'wasm';
  progress(`compiling with the ${name} backend, precision: 'f32'`);
  const b = w.build(w.x);
  const t0 = performance.now();
  const fn = compileGradientFunction(b.output, b.params, { inputs: b.inputs, backend, precision: 'f32', cache: false });
  const ms = performance.now() - t0;
  const st = compileStats(fn)!;
  const g = new Float64Array(w.nParams).fill(NaN);
  const { value } = fn.valueAndGradient(w.x, g);
  const error = { gradient: relError(g, gEager), value: Math.abs(value - fEager) / Math.abs(fEager) };
  progress(`${name} f32: gradient max relative error ${error.gradient.toExponential(2)}, f ${error.value.toExponential(2)} (tolerance ${tol.gradient.toExponential(0)} / ${tol.value.toExponential(1)})`);
  // Refuse to time a wrong gradient; NaN fails both tests.
  if (!(error.gradient <= tol.gradient) || !(error.value <= tol.value)) {
    throw new Error(`${w.label}: ${name} with precision 'f32' is too far from backward(): gradient error ${error.gradient}, f ${value} vs ${fEager} (tolerance ${tol.gradient} / ${tol.value})`);
  }
  // The timed path (Float32Arrays, no conversion) must give the bits checked here.
  const g32 = fn.gradient(Float32Array.from(w.x), new Float32Array(w.nParams));
  if (g32.some((v, i) => !Object.is(v, g[i]))) {
    throw new Error(`${w.label}: ${name} with precision 'f32' gives other bits from Float32Arrays than from Float64Arrays`);
  }
  return { fn, compile: { ms, codegenMs: st.ms.codegen, buildMs: st.ms.build }, error };
}

/**
 * Compiles and checks the f32 contenders of one workload. `skip` gives, per backend, why it
 * does not run (not selected, --quick), or null; a backend that cannot run here says so too.
 */
export function planF32(
  w: Workload, warm: WarmRule, skip: { c: string | null; wasm: string | null },
  fEager: number, gEager: Float64Array, progress: (m: string) => void,
): F32Plan {
  const tol = f32Tolerance(w);
  // Timed the way a float32 user calls them: Float32Array values and out, which the kernels
  // take as they are (no conversion; compileChecked checks both paths give the same bits).
  const x = Float32Array.from(w.x);
  const contenders: Contender[] = [];
  const why = { c: skip.c ?? nativeUnavailable(), wasm: skip.wasm ?? wasmUnavailable() };

  let c: Checked | null = null;
  if (why.c === null) {
    freshCacheDir();
    c = compileChecked(w, 'c', tol, fEager, gEager, progress);
    const { fn } = c;
    const g = new Float32Array(w.nParams);
    contenders.push({ name: 'c-f32', run: () => { fn.gradient(x, g); return g[0]; }, warm });
  }
  let wa: Checked | null = null;
  if (why.wasm === null) {
    wa = compileChecked(w, 'wasm', tol, fEager, gEager, progress);
    const { fn } = wa;
    const g = new Float32Array(w.nParams);
    contenders.push({ name: 'wasm-f32', run: () => { fn.gradient(x, g); return g[0]; }, warm: wasmWarm(warm) });
  }

  return {
    contenders,
    finish(t) {
      const hand = t.get('hand')!.medianUs;
      const variant = (k: Checked, name: string, f64: string): F32Variant => {
        const timing = t.get(name)!;
        const base = t.get(f64);
        return {
          compile: k.compile, timing, error: k.error, tolerance: tol,
          ratios: { toHand: timing.medianUs / hand, toF64: base === undefined ? null : timing.medianUs / base.medianUs },
        };
      };
      return {
        c: c === null ? { skipped: why.c! } : variant(c, 'c-f32', 'c'),
        wasm: wa === null ? { skipped: why.wasm! } : variant(wa, 'wasm-f32', 'wasm'),
      };
    },
  };
}
