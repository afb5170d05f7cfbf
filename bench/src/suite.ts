/**
 * One workload at one size: compile figures, then hand-written vs compiled vs eager per-gradient
 * times, measured in the same process and interleaved.
 */
import { compileGradientFunction, compileStats, type GradFn } from '@adjoint/jit';
import { planNative, type NativeOutcome } from './suite-c.js';
import { QUICK_F32, planF32, type F32Result } from './suite-f32.js';
import { planWasm, type WasmOutcome } from './suite-wasm.js';
import { measure, type Contender, type Timing, type WarmRule } from './timing.js';
import { ik, rosenbrock, springs, type Workload } from './workloads.js';

export interface Settings {
  quick: boolean;
  rounds: number;
  roundMs: number;
  /** Warm-up of hand-written and eager code. */
  warm: WarmRule;
  /** Compiled code: warm-up ms per generated instruction (TurboFan's cost), and its cap. */
  warmMsPerInstruction: number;
  warmCapMs: number;
  /** Skip eager when its estimated measuring time passes this. */
  eagerBudgetMs: number;
  /** Systems timed besides hand-written and compiled JS (--systems); null: all. */
  systems?: readonly string[] | null;
}

/** The optional systems of a workload run, as --systems names them. */
export const OPTIONAL_SYSTEMS = ['straight', 'eager', 'c', 'c-f32', 'wasm', 'wasm-f32'] as const;

export interface CompileFigures {
  /** Building the Value graph once (not part of compilation). */
  buildMs: number;
  /** compileGradientFunction wall time: trace + the four phases below. One compile (see below). */
  ms: number;
  phases: { trace: number; gradient: number; schedule: number; codegen: number; build: number };
  traceNodes: number;
  gradientNodes: number;
  instructions: number;
  chunks: number;
  loops: number;
  usPerTraceNode: number;
  /** The first gradient call after compiling: V8 parses and compiles the generated code lazily. */
  firstCallMs: number;
}

export type EagerResult = Timing | { skipped: string; oneCallMs: number };

export interface WorkloadResult {
  id: string;
  label: string;
  n: number;
  nParams: number;
  f: number;
  compile: CompileFigures;
  hand: Timing;
  compiled: Timing;
  /**
   * The same graph compiled with `reroll: false` (straight-line chunks), with its compile ms:
   * the before/after of rerolling. A reason instead when the default compile made no loops.
   */
  straight: (Timing & { compileMs: number }) | { skipped: string };
  eager: EagerResult;
  /** The C backend and hand-written C, timed in the same rounds (or why not). */
  native: NativeOutcome;
  /** The wasm backend (import and embedded math) and, on W1 n=1000 and W4, emcc's build of the C file. */
  wasm: WasmOutcome;
  /** The C and wasm backends with precision 'f32' (or why not). Absent in runs before they existed. */
  f32: F32Result;
  /** The compiled warm-up rule: its minimum, and whether the cap cut it short of what TurboFan needs. */
  compiledWarm: { minMs: number; capped: boolean };
  /** compiled / hand and eager / hand, from the medians. */
  ratios: { compiled: number; straight: number | null; eager: number | null };
}

/**
 * Compile figures come from ONE compile per graph: V8 caches `new Function` code by source
 * text, so compiling the same graph again would measure a cache hit in the parse phase and a
 * pre-optimized first call. The compiler itself is warmed up beforehand on other sizes.
 */
function compileFigures(w: Workload, progress: (m: string) => void): { fn: GradFn; figures: CompileFigures } {
  const t0 = performance.now();
  const built = w.build(w.x);
  const buildMs = performance.now() - t0;
  progress('compiling');
  const t1 = performance.now();
  const fn = compileGradientFunction(built.output, built.params, { inputs: built.inputs, cache: false });
  const ms = performance.now() - t1;
  const st = compileStats(fn)!;
  const t2 = performance.now();
  fn.gradient(w.x, new Float64Array(w.nParams));
  const firstCallMs = performance.now() - t2;
  return {
    fn,
    figures: {
      buildMs, ms,
      // trace: everything outside the pipeline's own phases (tracing and the facade's checks).
      phases: { ...st.ms, trace: ms - (st.ms.gradient + st.ms.schedule + st.ms.codegen + st.ms.build) },
      traceNodes: st.traceNodes, gradientNodes: st.gradientNodes, instructions: st.instructions, chunks: st.chunks,
      loops: st.loops, usPerTraceNode: (ms * 1000) / st.traceNodes, firstCallMs,
    },
  };
}

/** Runs the whole compile path on sizes the suite never measures, so the compiler's own code is optimized. */
export function warmCompiler(): void {
  for (const w of [rosenbrock(7), ik(7), springs(7), rosenbrock(301)]) {
    for (let r = 0; r < 20; r++) {
      const b = w.build(w.x);
      compileGradientFunction(b.output, b.params, { cache: false }).gradient(w.x, new Float64Array(w.nParams));
    }
  }
}

/** Eager: what a user without a compiler does — rebuild the graph at x, call backward(). */
function eagerGradient(w: Workload, x: Float64Array, g: Float64Array): number {
  const b = w.build(x);
  b.output.backward();
  const p = b.params;
  for (let i = 0; i < p.length; i++) g[i] = p[i].grad;
  return b.output.data;
}

/** Refuse to time a wrong gradient: compiled must equal eager bit for bit and be close to hand. */
function checkAgreement(label: string, compiled: Float64Array, eager: Float64Array, hand: Float64Array): void {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < hand.length; i++) {
    if (!Object.is(compiled[i], eager[i])) throw new Error(`${label}: compiled gradient[${i}] = ${compiled[i]} but backward() gives ${eager[i]}`);
    scale = Math.max(scale, Math.abs(hand[i]));
    err = Math.max(err, Math.abs(compiled[i] - hand[i]));
  }
  if (err > 1e-9 * scale) throw new Error(`${label}: compiled and hand-written gradients differ by ${err} (scale ${scale})`);
}

export function runWorkload(w: Workload, s: Settings, log: (m: string) => void): WorkloadResult {
  const progress = (m: string): void => log(`[${w.label}] ${m}`);
  const { fn, figures } = compileFigures(w, progress);
  const x = w.x;
  const gHand = new Float64Array(w.nParams);
  const gComp = new Float64Array(w.nParams);
  const gEager = new Float64Array(w.nParams);

  progress('one eager evaluation (check and cost estimate)');
  const t0 = performance.now();
  const f = eagerGradient(w, x, gEager);
  const oneEagerMs = performance.now() - t0;
  fn.gradient(x, gComp);
  w.hand(x, gHand);
  checkAgreement(w.label, gComp, gEager, gHand);

  const wantWarm = Math.max(s.warm.minMs, figures.instructions * s.warmMsPerInstruction);
  const compiledWarm = Math.min(s.warmCapMs, wantWarm);
  const contenders: Contender[] = [
    { name: 'hand', run: () => w.hand(x, gHand), warm: s.warm },
    {
      name: 'compiled',
      run: () => { fn.gradient(x, gComp); return gComp[0]; },
      warm: { minMs: compiledWarm, minCalls: s.warm.minCalls, maxMs: compiledWarm + s.warm.maxMs },
    },
  ];
  // Straight-line code of the same graph, when rerolling changed anything.
  let straight: WorkloadResult['straight'] = { skipped: 'no loops: the default compile is straight-line already' };
  let straightFn: GradFn | null = null;
  let straightCompileMs = 0;
  let straightWarm = 0;
  const on = (system: (typeof OPTIONAL_SYSTEMS)[number]): boolean => s.systems == null || s.systems.includes(system);
  const notSelected = { skipped: 'not selected (--systems)' };
  if (!on('straight')) straight = notSelected;
  if (figures.loops > 0 && on('straight')) {
    progress('compiling straight-line (reroll: false)');
    const b = w.build(x);
    const t1 = performance.now();
    straightFn = compileGradientFunction(b.output, b.params, { inputs: b.inputs, cache: false, reroll: false });
    straightCompileMs = performance.now() - t1;
    const gStraight = new Float64Array(w.nParams);
    straightFn.gradient(x, gStraight);
    checkAgreement(`${w.label} straight-line`, gStraight, gEager, gHand);
    straightWarm = Math.min(s.warmCapMs, Math.max(s.warm.minMs, compileStats(straightFn)!.instructions * s.warmMsPerInstruction));
    const sf = straightFn;
    contenders.push({
      name: 'straight',
      run: () => { sf.gradient(x, gStraight); return gStraight[0]; },
      warm: { minMs: straightWarm, minCalls: s.warm.minCalls, maxMs: straightWarm + s.warm.maxMs },
    });
  }
  const eagerWarm: WarmRule = { minMs: s.warm.minMs, minCalls: 3, maxMs: s.warm.maxMs };
  const eagerEstimate = Math.max(eagerWarm.minMs, eagerWarm.minCalls * oneEagerMs) + s.rounds * Math.max(s.roundMs, oneEagerMs);
  const skipEager = eagerEstimate > s.eagerBudgetMs || !on('eager');
  if (!skipEager) contenders.push({ name: 'eager', run: () => eagerGradient(w, x, gEager), warm: eagerWarm });
  const nativePlan = on('c') ? planNative(w, s.warm, Float64Array.from(gEager), f, Float64Array.from(gHand), progress) : notSelected;
  if ('contenders' in nativePlan) contenders.push(...nativePlan.contenders);
  const wasmPlan = on('wasm') ? planWasm(w, s.warm, f, Float64Array.from(gEager), progress) : notSelected;
  if ('contenders' in wasmPlan) contenders.push(...wasmPlan.contenders);
  const notQuick = s.quick && !QUICK_F32.includes(w.label) ? `not in --quick (it runs f32 on ${QUICK_F32.join(' and ')})` : null;
  const f32Plan = planF32(w, s.warm, {
    c: on('c-f32') ? notQuick : notSelected.skipped, wasm: on('wasm-f32') ? notQuick : notSelected.skipped,
  }, f, Float64Array.from(gEager), progress);
  contenders.push(...f32Plan.contenders);

  const t = measure(contenders, { rounds: s.rounds, roundMs: s.roundMs }, progress);
  const hand = t.get('hand')!;
  const compiled = t.get('compiled')!;
  const st = t.get('straight');
  if (st !== undefined) straight = { ...st, compileMs: straightCompileMs };
  const eager: EagerResult = skipEager
    ? { skipped: on('eager') ? `one evaluation took ${oneEagerMs.toFixed(0)} ms; measuring would take ~${(eagerEstimate / 1000).toFixed(0)} s` : notSelected.skipped, oneCallMs: oneEagerMs }
    : t.get('eager')!;
  const native: NativeOutcome = 'contenders' in nativePlan ? nativePlan.finish(t, hand) : nativePlan;
  const wasm: WasmOutcome = 'contenders' in wasmPlan ? wasmPlan.finish(t) : wasmPlan;
  const f32 = f32Plan.finish(t);
  return {
    id: w.id, label: w.label, n: w.n, nParams: w.nParams, f,
    compile: figures, hand, compiled, straight, eager, native, wasm, f32,
    compiledWarm: { minMs: compiledWarm, capped: wantWarm > compiledWarm },
    ratios: {
      compiled: compiled.medianUs / hand.medianUs,
      straight: 'medianUs' in straight ? straight.medianUs / hand.medianUs : null,
      eager: 'medianUs' in eager ? eager.medianUs / hand.medianUs : null,
    },
  };
}
