/**
 * Compile time of the C backend per compiler tier (gcc -O2, gcc -O1, tcc) on rerolled graphs
 * (W1, W4) and on an irregular straight-line graph of ~10^5 nodes, each build a real compiler
 * run in a fresh cache directory. A short interleaved timing of each tier's code shows what
 * the faster build costs at run time.
 */
import { compileGradientFunction, compileStats, type GradFn } from '@adjoint/jit';
import { findCompiler } from '@adjoint/backend-c';
import { irregular, STEPS_PER_100K_NODES } from './irregular.js';
import { LIBM_TOLERANCE, freshCacheDir, relError } from './native.js';
import { measure, type Contender } from './timing.js';
import { mlp, rosenbrock, type Built } from './workloads.js';

interface TierSpec {
  name: string;
  cc: string;
  optLevel?: 0 | 1 | 2 | 3;
}

const TIERS: readonly TierSpec[] = [
  { name: 'gcc -O2', cc: 'gcc', optLevel: 2 },
  { name: 'gcc -O1', cc: 'gcc', optLevel: 1 },
  { name: 'tcc', cc: 'tcc' },
];

/** Repeat a tier's compile (best of 3) only while all its compiles together stay under this. */
const REPEAT_MS = 1500;

export interface TierCell {
  tier: string;
  /** compileGradientFunction wall time: trace, gradient, schedule, codegen and the compiler. */
  compileMs: number;
  /** The C compiler alone. */
  buildMs: number;
  /** Compiler µs per trace node. */
  buildUsPerNode: number;
  /** compileMs and buildMs are the least of this many compiles (each in a fresh cache). */
  builds: number;
  /** µs per gradient of this tier's code (median of a short interleaved timing). */
  runUs: number;
  /** Norm-wise relative error of the gradient against the reference (hand JS, or eager). */
  error: number;
}

export interface TierRow {
  label: string;
  traceNodes: number;
  instructions: number;
  functions: number;
  loops: number;
  cells: (TierCell | { tier: string; skipped: string })[];
}

interface TierGraph {
  label: string;
  x: Float64Array;
  nParams: number;
  build(): Built;
  /** The gradient to agree with; null: eager backward() on the built graph. */
  reference: ((x: Float64Array, g: Float64Array) => number) | null;
}

function graphs(quick: boolean): TierGraph[] {
  const fromWorkload = (w: ReturnType<typeof rosenbrock>): TierGraph =>
    ({ label: w.label, x: w.x, nParams: w.nParams, build: () => w.build(w.x), reference: w.hand });
  // --quick: the same kinds of graph, 10x smaller where it matters.
  const irr = irregular(quick ? STEPS_PER_100K_NODES / 10 : STEPS_PER_100K_NODES);
  return [
    fromWorkload(rosenbrock(1000)),
    fromWorkload(rosenbrock(quick ? 10_000 : 100_000)),
    fromWorkload(mlp()),
    { label: irr.label, x: irr.x, nParams: irr.x.length, build: irr.build, reference: null },
  ];
}

function available(cc: string): string | null {
  try {
    findCompiler(cc);
    return null;
  } catch (e) {
    return (e as Error).message.split(' — ')[0];
  }
}

export function runTiers(quick: boolean, progress: (m: string) => void): TierRow[] {
  const rows: TierRow[] = [];
  for (const gr of graphs(quick)) {
    const log = (m: string): void => progress(`[C tiers, ${gr.label}] ${m}`);
    const built = gr.build();
    const want = new Float64Array(gr.nParams);
    if (gr.reference !== null) gr.reference(gr.x, want);
    else {
      built.output.backward();
      built.params.forEach((p, i) => { want[i] = p.grad; });
    }
    const row: TierRow = { label: gr.label, traceNodes: 0, instructions: 0, functions: 0, loops: 0, cells: [] };
    const fns: { cell: TierCell; fn: GradFn }[] = [];
    for (const tier of TIERS) {
      const why = available(tier.cc);
      if (why !== null) {
        row.cells.push({ tier: tier.name, skipped: why });
        continue;
      }
      log(`compiling with ${tier.name}`);
      // Short builds are noisy on a shared machine: best of up to 3 while they stay under
      // REPEAT_MS in all; each is a real compiler run in its own fresh cache directory.
      let fn: GradFn | null = null;
      let compileMs = Infinity;
      let buildMs = Infinity;
      let builds = 0;
      const start = performance.now();
      do {
        freshCacheDir();
        const t0 = performance.now();
        fn = compileGradientFunction(built.output, built.params, {
          inputs: built.inputs, backend: 'c', cc: tier.cc, optLevel: tier.optLevel, cache: false,
        });
        compileMs = Math.min(compileMs, performance.now() - t0);
        buildMs = Math.min(buildMs, compileStats(fn)!.ms.build);
        builds++;
      } while (builds < 3 && performance.now() - start < REPEAT_MS);
      const st = compileStats(fn)!;
      Object.assign(row, { traceNodes: st.traceNodes, instructions: st.instructions, functions: st.chunks, loops: st.loops });
      const g = fn.gradient(gr.x, new Float64Array(gr.nParams));
      const error = relError(g, want);
      if (!(error <= LIBM_TOLERANCE)) throw new Error(`${gr.label}, ${tier.name}: the C gradient differs from the reference by ${error}`);
      const cell: TierCell = {
        tier: tier.name, compileMs, buildMs, buildUsPerNode: (buildMs * 1000) / st.traceNodes, builds, runUs: NaN, error,
      };
      row.cells.push(cell);
      fns.push({ cell, fn });
    }
    // Run time of each tier's code: enough to rank them, not a full measurement.
    const contenders: Contender[] = fns.map(({ cell, fn }) => {
      const g = new Float64Array(gr.nParams);
      return { name: cell.tier, run: () => { fn.gradient(gr.x, g); return g[0]; }, warm: { minMs: 50, minCalls: 3, maxMs: 300 } };
    });
    if (contenders.length > 0) {
      const t = measure(contenders, { rounds: quick ? 3 : 5, roundMs: quick ? 10 : 30 }, log);
      for (const { cell } of fns) cell.runUs = t.get(cell.tier)!.medianUs;
    }
    rows.push(row);
  }
  return rows;
}
