/**
 * The WebAssembly contenders of one workload, compiled and checked here and timed by suite.ts
 * in the same interleaved rounds as the others:
 *  - 'wasm': `backend: 'wasm'` with math imported from the host's Math (bit-identical to JS);
 *  - 'wasm-embedded': `math: 'embedded'` (its own libm), once the backend has one;
 *  - 'emcc' (W1 n=1000 and W4 only): the C backend's file built by emscripten, the other road
 *    from a gradient to a .wasm (emcc.ts).
 */
import {
  AdjointError, compileGradientFunction, compileStats, compileToC, compileToWasm, loadWasmBackend, type GradFn,
} from '@adjoint/jit';
import { buildWithEmcc, cLayout, emccProbe, emccUnavailable, instantiateEmcc } from './emcc.js';
import { LIBM_TOLERANCE, relError } from './native.js';
import type { Contender, Timing, WarmRule } from './timing.js';
import { ik, rosenbrock, springs, type Workload } from './workloads.js';

/** emcc's musl libm against V8's Math: what the emcc contender must agree with eager to. */
export const EMCC_TOLERANCE = 1e-12;
/** The embedded libm against V8's Math (norm-wise relative, like the C backend's check). */
export const EMBEDDED_TOLERANCE = LIBM_TOLERANCE;

/**
 * Wasm code starts in V8's baseline tier (Liftoff, ~2-3x slower) and is recompiled by TurboFan
 * on a background thread; the warm-up's stability test cannot tell the tiers apart, and on a
 * busy 2-core machine one full run timed the emcc module at Liftoff speed after 0.3 s of
 * warm-up (4.7 µs on W1 n=1000 where every other run gave 1.8). So wasm warms up for 1 s at least.
 */
export const WASM_WARM_MIN_MS = 1000;

/** Run-wide: whether binaryen loaded, and which emcc (or why none). */
export interface WasmReport {
  skipped: string | null;
  emcc: { version: string } | { skipped: string };
}

let loadProblem: string | null = 'loadWasmBackend() was not awaited';

/** Loads binaryen (once, ~0.4 s); returns why the wasm contenders cannot run, or null. */
export async function prepareWasm(): Promise<WasmReport> {
  try {
    await loadWasmBackend();
    loadProblem = null;
  } catch (e) {
    loadProblem = `binaryen did not load: ${(e as Error).message}`;
  }
  return { skipped: loadProblem, emcc: emccProbe() };
}

/** Why no wasm contender can run (binaryen not loaded), or null. */
export function wasmUnavailable(): string | null {
  return loadProblem;
}

/** The warm-up rule of a wasm contender: at least WASM_WARM_MIN_MS (see there). */
export function wasmWarm(warm: WarmRule): WarmRule {
  return { ...warm, minMs: Math.max(warm.minMs, WASM_WARM_MIN_MS), maxMs: Math.max(warm.maxMs, WASM_WARM_MIN_MS + 1000) };
}

/** The wasm compile path on sizes the suite never measures, so its JS code is optimized before compile times are taken. */
export function warmWasmCompiler(): void {
  if (loadProblem !== null) return;
  for (const w of [rosenbrock(7), ik(7), springs(7), rosenbrock(301)]) {
    for (let r = 0; r < 5; r++) {
      const b = w.build(w.x);
      compileGradientFunction(b.output, b.params, { backend: 'wasm', cache: false }).gradient(w.x, new Float64Array(w.nParams));
    }
  }
}

/** The workloads with an emcc contender (one emcc run costs ~1 s). */
export function emccMeasured(w: Workload): boolean {
  return w.id === 'W4' || (w.id === 'W1' && w.n === 1000);
}

export interface WasmCompile {
  /** compileGradientFunction wall time with backend 'wasm' (trace, gradient, schedule, codegen, build). */
  ms: number;
  /** Binaryen module build (codegen) and WebAssembly compile + instantiate (build). */
  codegenMs: number;
  buildMs: number;
  /** (codegen + build) µs per trace node: the backend's own share of a compile. */
  usPerTraceNode: number;
  traceNodes: number;
  instructions: number;
  functions: number;
  loops: number;
  /** Module size (compileToWasm with the same options) and bytes per trace node. */
  bytes: number;
  bytesPerTraceNode: number;
}

export interface WasmVariant {
  compile: WasmCompile;
  timing: Timing;
  /** Norm-wise relative gradient error against eager backward() (0: bit for bit). */
  agreement: number;
  /** From the medians: / hand JS, / hand C (null without native code), / compiled JS. */
  ratios: { toHand: number; toHandC: number | null; toCompiled: number };
}

export interface EmccResult {
  command: string;
  /** compileToC (trace to C file) and the emcc run, ms. */
  cSourceMs: number;
  compileMs: number;
  bytes: number;
  bytesPerTraceNode: number;
  timing: Timing;
  agreement: number;
  /** From the medians: / hand JS, / the Binaryen path ('wasm'), / hand C (null without native code). */
  ratios: { toHand: number; toBinaryen: number; toHandC: number | null };
}

export interface WasmResult {
  import: WasmVariant;
  embedded: WasmVariant | { skipped: string };
  /** null: not measured on this workload (emccMeasured). */
  emcc: EmccResult | { skipped: string } | null;
}

export type WasmOutcome = WasmResult | { skipped: string };

export interface WasmPlan {
  contenders: Contender[];
  finish(t: Map<string, Timing>): WasmResult;
}

interface Compiled {
  fn: GradFn;
  compile: WasmCompile;
}

function compileWasm(w: Workload, math: 'import' | 'embedded', bytes: Uint8Array): Compiled {
  const b = w.build(w.x);
  const t0 = performance.now();
  const fn = compileGradientFunction(b.output, b.params, { inputs: b.inputs, backend: 'wasm', math, cache: false });
  const ms = performance.now() - t0;
  const st = compileStats(fn)!;
  return {
    fn,
    compile: {
      ms, codegenMs: st.ms.codegen, buildMs: st.ms.build,
      usPerTraceNode: ((st.ms.codegen + st.ms.build) * 1000) / st.traceNodes,
      traceNodes: st.traceNodes, instructions: st.instructions, functions: st.chunks, loops: st.loops,
      bytes: bytes.length, bytesPerTraceNode: bytes.length / st.traceNodes,
    },
  };
}

function moduleBytes(w: Workload, math: 'import' | 'embedded'): Uint8Array {
  const b = w.build(w.x);
  return compileToWasm(b.output, b.params, { inputs: b.inputs, math });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The embedded variant's module, or why there is none to time. */
function embeddedModule(w: Workload, importBytes: Uint8Array): Uint8Array | { skipped: string } {
  let bytes: Uint8Array;
  try {
    bytes = moduleBytes(w, 'embedded');
  } catch (e) {
    if (e instanceof AdjointError && e.code === 'not-yet') return { skipped: `embedded: not available yet (${e.message})` };
    throw e;
  }
  if (sameBytes(bytes, importBytes)) return { skipped: 'same module as import mode (the graph calls no math function)' };
  return bytes;
}

/** Refuse to time a wrong gradient: import mode must equal backward() bit for bit. */
function checkBitForBit(label: string, f: number, g: Float64Array, fEager: number, gEager: Float64Array): void {
  if (!Object.is(f, fEager)) throw new Error(`${label}: wasm f = ${f} but backward() gives ${fEager}`);
  for (let i = 0; i < g.length; i++) {
    if (!Object.is(g[i], gEager[i])) throw new Error(`${label}: wasm gradient[${i}] = ${g[i]} but backward() gives ${gEager[i]}`);
  }
}

function checkClose(label: string, what: string, tol: number, f: number, g: Float64Array, fEager: number, gEager: Float64Array): number {
  const err = relError(g, gEager);
  if (!(err <= tol) || !(Math.abs(f - fEager) <= tol * Math.abs(fEager))) {
    throw new Error(`${label}: ${what} disagrees with backward(): f ${f} vs ${fEager}, gradient error ${err} (tolerance ${tol})`);
  }
  return err;
}

interface EmccPlan {
  run: (x: Float64Array, g: Float64Array) => number;
  partial: Omit<EmccResult, 'timing' | 'ratios'>;
}

function planEmcc(w: Workload, fEager: number, gEager: Float64Array, traceNodes: number, progress: (m: string) => void): EmccPlan | { skipped: string } {
  const why = emccUnavailable();
  if (why !== null) return { skipped: why };
  const name = 'adjoint_bench';
  const b = w.build(w.x);
  const t0 = performance.now();
  const source = compileToC(b.output, b.params, { inputs: b.inputs, name });
  const cSourceMs = performance.now() - t0;
  progress('building the C file with emcc');
  let built;
  try {
    built = buildWithEmcc([source], [`${name}_ws`]);
  } catch (e) {
    progress(`emcc failed: ${(e as Error).message}`);
    return { skipped: `emcc failed: ${(e as Error).message.split('\n')[0]}` };
  }
  const run = instantiateEmcc(built.bytes).kernel(name, cLayout(source, name));
  const g = new Float64Array(w.nParams).fill(NaN);
  const f = run(w.x, g);
  const agreement = checkClose(w.label, 'the emcc module', EMCC_TOLERANCE, f, g, fEager, gEager);
  return {
    run,
    partial: {
      command: built.command, cSourceMs, compileMs: built.ms, bytes: built.bytes.length,
      bytesPerTraceNode: built.bytes.length / traceNodes, agreement,
    },
  };
}

/** Compiles and checks the wasm contenders of one workload, or says why there are none. */
export function planWasm(
  w: Workload, warm: WarmRule, fEager: number, gEager: Float64Array, progress: (m: string) => void,
): WasmPlan | { skipped: string } {
  if (loadProblem !== null) return { skipped: loadProblem };
  const x = w.x;
  warm = wasmWarm(warm);
  progress('compiling with the wasm backend');
  const importBytes = moduleBytes(w, 'import');
  const imp = compileWasm(w, 'import', importBytes);
  const gImp = new Float64Array(w.nParams);
  checkBitForBit(w.label, imp.fn.valueAndGradient(x, gImp).value, gImp, fEager, gEager);
  // Timed as the compiled JS is: the zero-allocation gradient(x, out).
  const contenders: Contender[] = [{ name: 'wasm', run: () => { imp.fn.gradient(x, gImp); return gImp[0]; }, warm }];

  const embBytes = embeddedModule(w, importBytes);
  let emb: (Compiled & { agreement: number }) | { skipped: string };
  if ('skipped' in embBytes) emb = embBytes;
  else {
    progress('compiling with the wasm backend, math: embedded');
    const c = compileWasm(w, 'embedded', embBytes);
    const g = new Float64Array(w.nParams);
    const agreement = checkClose(w.label, 'wasm with math: embedded', EMBEDDED_TOLERANCE, c.fn.valueAndGradient(x, g).value, g, fEager, gEager);
    contenders.push({ name: 'wasm-embedded', run: () => { c.fn.gradient(x, g); return g[0]; }, warm });
    emb = { ...c, agreement };
  }

  const emcc = emccMeasured(w) ? planEmcc(w, fEager, gEager, imp.compile.traceNodes, progress) : null;
  if (emcc !== null && 'run' in emcc) {
    const g = new Float64Array(w.nParams);
    const run = emcc.run;
    contenders.push({ name: 'emcc', run: () => run(x, g), warm });
  }

  return {
    contenders,
    finish(t) {
      const hand = t.get('hand')!.medianUs;
      const handC = t.get('hand-c')?.medianUs;
      const compiled = t.get('compiled')!.medianUs;
      const variant = (timing: Timing, compile: WasmCompile, agreement: number): WasmVariant => ({
        compile, timing, agreement,
        ratios: { toHand: timing.medianUs / hand, toHandC: handC === undefined ? null : timing.medianUs / handC, toCompiled: timing.medianUs / compiled },
      });
      const wasmT = t.get('wasm')!;
      let emccOut: WasmResult['emcc'] = null;
      if (emcc !== null) {
        if ('run' in emcc) {
          const timing = t.get('emcc')!;
          emccOut = {
            ...emcc.partial, timing,
            ratios: { toHand: timing.medianUs / hand, toBinaryen: timing.medianUs / wasmT.medianUs, toHandC: handC === undefined ? null : timing.medianUs / handC },
          };
        } else emccOut = emcc;
      }
      return {
        import: variant(wasmT, imp.compile, 0),
        embedded: 'skipped' in emb ? emb : variant(t.get('wasm-embedded')!, emb.compile, emb.agreement),
        emcc: emccOut,
      };
    },
  };
}
