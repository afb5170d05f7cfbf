/**
 * The native contenders of one workload: 'c' (the C backend, default options) and 'hand-c'
 * (bench/hand/<id>.c, gcc -O2), both called through loadNativeKernel. Compiled and checked
 * here; suite.ts times them interleaved with the JS contenders.
 */
import { compileGradientFunction, compileStats } from '@adjoint/jit';
import { HAND_TOLERANCE, LIBM_TOLERANCE, freshCacheDir, loadHandC, nativeUnavailable, relError } from './native.js';
import type { Contender, Timing, WarmRule } from './timing.js';
import type { Workload } from './workloads.js';

export interface NativeCompile {
  /** compileGradientFunction wall time with backend 'c' (trace, gradient, schedule, codegen, C compiler). */
  ms: number;
  /** The C compiler alone (a real run: the cache directory is fresh). */
  buildMs: number;
  usPerTraceNode: number;
  instructions: number;
  functions: number;
  loops: number;
  /** Building bench/hand/<id>.c, for comparison. */
  handBuildMs: number;
}

export interface NativeResult {
  compile: NativeCompile;
  c: Timing;
  handC: Timing;
  /** Norm-wise relative errors found before timing: native vs eager, hand C vs hand JS. */
  agreement: { cVsEager: number; handCVsHandJs: number };
  /** From the medians: native / hand JS, native / hand C, hand C / hand JS. */
  ratios: { cToHand: number; cToHandC: number; handCToHand: number };
}

export type NativeOutcome = NativeResult | { skipped: string };

export interface NativePlan {
  contenders: Contender[];
  finish(t: Map<string, Timing>, handJs: Timing): NativeResult;
}

/** Compiles both native contenders and checks them, or says why there are none. */
export function planNative(
  w: Workload, warm: WarmRule, gEager: Float64Array, fEager: number, gHand: Float64Array, progress: (m: string) => void,
): NativePlan | { skipped: string } {
  const why = nativeUnavailable();
  if (why !== null) return { skipped: why };
  const x = w.x;
  freshCacheDir();
  progress('compiling with the C backend');
  const built = w.build(x);
  const t0 = performance.now();
  const fn = compileGradientFunction(built.output, built.params, { inputs: built.inputs, backend: 'c', cache: false });
  const ms = performance.now() - t0;
  const st = compileStats(fn)!;
  const hand = loadHandC(w);

  const gC = new Float64Array(w.nParams);
  const gHandC = new Float64Array(w.nParams).fill(NaN);   // hand C must write every entry
  const { value } = fn.valueAndGradient(x, gC);
  const fHandC = hand.run(x, gHandC);
  const fHand = w.hand(x, new Float64Array(w.nParams));
  const cVsEager = relError(gC, gEager);
  const handCVsHandJs = relError(gHandC, gHand);
  // Refuse to time a wrong gradient, as for the JS contenders.
  if (!(cVsEager <= LIBM_TOLERANCE) || !(Math.abs(value - fEager) <= LIBM_TOLERANCE * Math.abs(fEager))) {
    throw new Error(`${w.label}: the C backend disagrees with backward(): f ${value} vs ${fEager}, gradient error ${cVsEager}`);
  }
  if (!(handCVsHandJs <= HAND_TOLERANCE) || !(Math.abs(fHandC - fHand) <= HAND_TOLERANCE * Math.abs(fHand))) {
    throw new Error(`${w.label}: hand C disagrees with hand JS: f ${fHandC} vs ${fHand}, gradient error ${handCVsHandJs}`);
  }

  const compile: NativeCompile = {
    ms, buildMs: st.ms.build, usPerTraceNode: (ms * 1000) / st.traceNodes,
    instructions: st.instructions, functions: st.chunks, loops: st.loops, handBuildMs: hand.buildMs,
  };
  const handRun = hand.run;
  return {
    contenders: [
      { name: 'c', run: () => { fn.gradient(x, gC); return gC[0]; }, warm },
      { name: 'hand-c', run: () => handRun(x, gHandC), warm },
    ],
    finish(t, handJs) {
      const c = t.get('c')!;
      const handC = t.get('hand-c')!;
      return {
        compile, c, handC,
        agreement: { cVsEager, handCVsHandJs },
        ratios: { cToHand: c.medianUs / handJs.medianUs, cToHandC: c.medianUs / handC.medianUs, handCToHand: handC.medianUs / handJs.medianUs },
      };
    },
  };
}
