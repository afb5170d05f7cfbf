/**
 * W5, the seed's end-to-end table: gradient descent on W1 Rosenbrock with 5, 50 and 100
 * variables for 100, 1000 and 2000 iterations. Eager rebuilds the graph and calls backward()
 * every iteration; compiled builds it once, compiles (cache off) and calls the gradient. Both
 * take the same steps, and their final points must agree bit for bit.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compileGradientFunction } from '@adjoint/jit';
import { median } from './timing.js';
import { rosenbrock, type Workload } from './workloads.js';

export const W5_SIZES = [5, 50, 100];
export const W5_ITERATIONS = [100, 1000, 2000];

/** The seed README's figures (ms), for reference only: another machine, another library. */
const SEED: Record<string, { eager: number; compiled: number; speedup: number }> = {
  '5/100': { eager: 2.98, compiled: 0.13, speedup: 21 },
  '5/1000': { eager: 20.75, compiled: 0.37, speedup: 54 },
  '5/2000': { eager: 41.03, compiled: 0.14, speedup: 289 },
  '50/100': { eager: 16.41, compiled: 0.55, speedup: 30 },
  '50/1000': { eager: 179.5, compiled: 2.29, speedup: 78 },
  '100/100': { eager: 34.22, compiled: 0.97, speedup: 35 },
  '100/1000': { eager: 352.86, compiled: 6.43, speedup: 55 },
};

/** Library warm-up per W5 process, before the measured cell. */
const WARM_MS = 400;

/** Small enough to stay stable on Rosenbrock at these points (curvature < ~2000). */
const LEARNING_RATE = 1e-4;

export interface W5Row {
  n: number;
  iterations: number;
  repeats: number;
  eagerMs: number;
  /** End to end: build once + compile + iterations. */
  compiledMs: number;
  /** The compile inside compiledMs (median over repeats). */
  compileMs: number;
  speedup: number;
  seed: { eager: number; compiled: number; speedup: number } | null;
}

function eagerRun(w: Workload, iterations: number): Float64Array {
  const x = Float64Array.from(w.x);
  for (let k = 0; k < iterations; k++) {
    const b = w.build(x);
    b.output.backward();
    for (let i = 0; i < x.length; i++) x[i] -= LEARNING_RATE * b.params[i].grad;
  }
  return x;
}

function compiledRun(w: Workload, iterations: number): { x: Float64Array; compileMs: number } {
  const x = Float64Array.from(w.x);
  const b = w.build(x);
  const t0 = performance.now();
  const fn = compileGradientFunction(b.output, b.params, { cache: false });
  const compileMs = performance.now() - t0;
  const g = new Float64Array(x.length);
  for (let k = 0; k < iterations; k++) {
    fn.gradient(x, g);
    for (let i = 0; i < x.length; i++) x[i] -= LEARNING_RATE * g[i];
  }
  return { x, compileMs };
}

/**
 * One cell, as a child process runs it: warm the library up on W1 with n+1 variables (so
 * Value, backward() and the compiler are optimized, as in a program that has been running),
 * then time one eager and one compiled descent on n variables. The n+1 warm-up matters: V8
 * caches `new Function` code by source text, so compiling the same graph again in one
 * process would reuse already-optimized generated code and flatter the compiled column.
 */
export function runCell(n: number, iterations: number): { eagerMs: number; compiledMs: number; compileMs: number } {
  const warm = rosenbrock(n + 1);
  const start = performance.now();
  for (let r = 0; r < 5 || performance.now() - start < WARM_MS; r++) { eagerRun(warm, 100); compiledRun(warm, 100); }
  const w = rosenbrock(n);
  const t0 = performance.now();
  const xe = eagerRun(w, iterations);
  const t1 = performance.now();
  const c = compiledRun(w, iterations);
  const t2 = performance.now();
  for (let i = 0; i < n; i++) {
    if (!Object.is(xe[i], c.x[i])) throw new Error(`W5 n=${n}: eager and compiled descents diverged at x[${i}]`);
  }
  return { eagerMs: t1 - t0, compiledMs: t2 - t1, compileMs: c.compileMs };
}

/** Every repeat of every cell in a fresh process (w5-cell.js), so no generated code is reused. */
export function runW5(repeats: number, log: (m: string) => void): W5Row[] {
  const cell = fileURLToPath(new URL('./w5-cell.js', import.meta.url));
  const rows: W5Row[] = [];
  for (const n of W5_SIZES) {
    for (const iterations of W5_ITERATIONS) {
      log(`[W5 n=${n}, ${iterations} iterations] ${repeats} fresh processes`);
      const runs = Array.from({ length: repeats }, () => {
        const out = execFileSync(process.execPath, [cell, String(n), String(iterations)], { encoding: 'utf8' });
        return JSON.parse(out) as ReturnType<typeof runCell>;
      });
      const eagerMs = median(runs.map((r) => r.eagerMs));
      const compiledMs = median(runs.map((r) => r.compiledMs));
      rows.push({
        n, iterations, repeats, eagerMs, compiledMs, compileMs: median(runs.map((r) => r.compileMs)),
        speedup: eagerMs / compiledMs, seed: SEED[`${n}/${iterations}`] ?? null,
      });
    }
  }
  return rows;
}
