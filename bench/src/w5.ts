/**
 * W5, the seed's end-to-end table: gradient descent on W1 Rosenbrock with 5, 50 and 100
 * variables for 100, 1000 and 2000 iterations. Eager rebuilds the graph and calls backward()
 * every iteration; each backend (JS, and C and wasm where they run) builds it once, compiles
 * (cache off) and calls the gradient. All take the same steps, and their final points must
 * agree bit for bit (Rosenbrock is + - * only, and C is built with -ffp-contract=off).
 * Wherever C is timed, so is "C, background" (`background: true`): the descent starts on JS
 * code while a worker runs the C compiler, and goes on in native code once it is done.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileGradientFunction, compileStats, loadWasmBackend, nativeReady, type BackendName, type GradFn } from '@adjoint/jit';
import { median } from './timing.js';
import { rosenbrock, type Workload } from './workloads.js';

export const W5_SIZES = [5, 50, 100];
export const W5_ITERATIONS = [100, 1000, 2000];

/** The backends W5 can time besides JS (C includes "C, background"). */
export const W5_BACKENDS = ['c', 'wasm'] as const;
export type W5Backend = (typeof W5_BACKENDS)[number];

/** What one descent compiles with: a backend, or C built in the background. */
type Contender = BackendName | 'c-background';

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

/** One backend's descent, end to end (medians over repeats in a W5Row). */
export interface W5Run {
  /** Build once + compile + iterations. */
  ms: number;
  /** The compile inside ms, and its build step (C: the C compiler; wasm: WebAssembly compile + instantiate). */
  compileMs: number;
  buildMs: number;
  /** eager ms / ms. */
  speedup: number;
  /**
   * C, background: ms from the compile call until the library was built (the next call ran
   * native code); above `ms` when the descent was over first and ran on JS code throughout.
   * buildMs is then the compile's own part: the cache lookup and starting the worker.
   */
  nativeMs?: number;
}

export type W5Outcome = W5Run | { skipped: string };

export interface W5Row {
  n: number;
  iterations: number;
  repeats: number;
  eagerMs: number;
  /** The JS backend, end to end: build once + compile + iterations. */
  compiledMs: number;
  /** The compile inside compiledMs (median over repeats). */
  compileMs: number;
  speedup: number;
  /** The C and wasm backends (absent in runs before they were measured). */
  c?: W5Outcome;
  wasm?: W5Outcome;
  /** C with `background: true` (absent in runs before it was measured). */
  cBackground?: W5Outcome;
  seed: { eager: number; compiled: number; speedup: number } | null;
}

/** What one cell process measures (one repeat). */
export interface CellResult {
  eagerMs: number;
  js: W5Run;
  c?: W5Outcome;
  cBackground?: W5Outcome;
  wasm?: W5Outcome;
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

/** One descent; `bgDir`: the build cache of C, background (a directory of its own, so that C's library is not a hit for it). */
function compiledRun(w: Workload, iterations: number, contender: Contender, bgDir = ''): { x: Float64Array; compileMs: number; buildMs: number; fn: GradFn } {
  const x = Float64Array.from(w.x);
  const b = w.build(x);
  const t0 = performance.now();
  const fn = contender === 'c-background'
    ? compileGradientFunction(b.output, b.params, { backend: 'c', background: true, cacheDir: bgDir, cache: false })
    : compileGradientFunction(b.output, b.params, { backend: contender, cache: false });
  const compileMs = performance.now() - t0;
  const g = new Float64Array(x.length);
  for (let k = 0; k < iterations; k++) {
    fn.gradient(x, g);
    for (let i = 0; i < x.length; i++) x[i] -= LEARNING_RATE * g[i];
  }
  return { x, compileMs, buildMs: compileStats(fn)!.ms.build, fn };
}

function libraries(dir: string): number {
  return readdirSync(dir).filter((f) => f.endsWith('.so')).length;
}

/**
 * At least 5 rounds and WARM_MS of eager (when asked) and compiled descents on `w` with each
 * contender. C, background waits for each build, so that no compiler runs beside what follows.
 */
async function warmUp(w: Workload, eager: boolean, contenders: readonly Contender[], bgDir = ''): Promise<void> {
  const start = performance.now();
  for (let r = 0; r < 5 || performance.now() - start < WARM_MS; r++) {
    if (eager) eagerRun(w, 100);
    for (const c of contenders) {
      const { fn } = compiledRun(w, 100, c, bgDir);
      if (c === 'c-background') await nativeReady(fn);
    }
  }
}

/**
 * One cell, as a child process runs it: warm the library up on W1 with n+1 variables (so
 * Value, backward() and the compiler of every backend are optimized, as in a program that
 * has been running), then time one eager descent and one per backend on n variables. The n+1
 * warm-up matters: V8 caches `new Function` code by source text, and the C backend's build
 * cache by content hash, so compiling the same graph again in one process would reuse
 * already-optimized (or already-built) code and flatter the compiled columns. With C, the
 * build cache ($ADJOINT_CACHE_DIR) must be a directory of this process alone: the measured
 * compile is checked to have run the C compiler; C, background builds into directories of
 * its own inside it (`bg-warm`, then the empty `bg`), and each timed build is awaited after
 * its descent, outside the time, so that it does not run beside the next measurement.
 *
 * wasm is warmed up and timed last, after eager, JS and C: while binaryen's own code tiers up
 * (V8 compiles its hot wasm functions on background threads), everything else in the process
 * runs slower — eager's 100 iterations on 5 variables took 3-12 ms after a warm-up that
 * included the wasm backend, 0.8-4 ms without it.
 */
export async function runCell(n: number, iterations: number, backends: readonly W5Backend[]): Promise<CellResult> {
  const cacheDir = process.env.ADJOINT_CACHE_DIR;
  if (backends.includes('c') && (cacheDir === undefined || libraries(cacheDir) !== 0)) {
    throw new Error('W5 with C needs ADJOINT_CACHE_DIR set to an empty directory of its own, so that its compile is a real compiler run');
  }
  const warm = rosenbrock(n + 1);
  const w = rosenbrock(n);
  let xe: Float64Array | null = null;
  let eagerMs = 0;
  const bgWarm = join(cacheDir ?? '', 'bg-warm');
  const bgDir = join(cacheDir ?? '', 'bg');
  const timed = async (contender: Contender): Promise<W5Run> => {
    const dir = contender === 'c-background' ? bgDir : cacheDir!;
    const builds = contender === 'c' || contender === 'c-background';
    const before = builds ? libraries(dir) : 0;
    const t1 = performance.now();
    const c = compiledRun(w, iterations, contender, bgDir);
    const ms = performance.now() - t1;
    let nativeMs: number | undefined;
    if (contender === 'c-background') {
      const st = (await nativeReady(c.fn))!;
      if (st.state === 'failed') throw new Error(`W5 n=${n}: the background C build failed: ${st.error}`);
      nativeMs = c.compileMs + st.ms!;
    }
    if (builds && libraries(dir) !== before + 1) {
      throw new Error(`W5 n=${n}: the ${contender} compile did not build a new library (a cache hit would not be a cold compile)`);
    }
    for (let i = 0; i < n; i++) {
      if (!Object.is(xe![i], c.x[i])) throw new Error(`W5 n=${n}: eager and ${contender} descents diverged at x[${i}]: ${xe![i]} vs ${c.x[i]}`);
    }
    return { ms, compileMs: c.compileMs, buildMs: c.buildMs, speedup: eagerMs / ms, ...(nativeMs !== undefined ? { nativeMs } : {}) };
  };

  const first: Contender[] = backends.includes('c') ? ['js', 'c', 'c-background'] : ['js'];
  if (backends.includes('c')) {
    mkdirSync(bgWarm);
    mkdirSync(bgDir);
  }
  await warmUp(warm, true, first, bgWarm);
  const t0 = performance.now();
  xe = eagerRun(w, iterations);
  eagerMs = performance.now() - t0;
  const out: CellResult = { eagerMs, js: await timed('js') };
  if (backends.includes('c')) {
    out.c = await timed('c');
    out.cBackground = await timed('c-background');
  }
  if (backends.includes('wasm')) {
    try {
      await loadWasmBackend();
    } catch (e) {
      out.wasm = { skipped: `binaryen did not load: ${(e as Error).message}` };
    }
    if (out.wasm === undefined) {
      await warmUp(warm, false, ['wasm']);
      out.wasm = await timed('wasm');
    }
  }
  return out;
}

/** A W5 cell: n variables, that many iterations. */
export interface W5Cell {
  n: number;
  iterations: number;
}

export const W5_CELLS: readonly W5Cell[] = W5_SIZES.flatMap((n) => W5_ITERATIONS.map((iterations) => ({ n, iterations })));

function medianRun(runs: readonly W5Run[], eagerMs: number): W5Run {
  const ms = median(runs.map((r) => r.ms));
  const out: W5Run = { ms, compileMs: median(runs.map((r) => r.compileMs)), buildMs: median(runs.map((r) => r.buildMs)), speedup: eagerMs / ms };
  const native = runs.map((r) => r.nativeMs).filter((v): v is number => v !== undefined);
  if (native.length > 0) out.nativeMs = median(native);
  return out;
}

/**
 * Every repeat of every cell in a fresh process (w5-cell.js) with a fresh, empty C build
 * cache, so no generated code is reused and every C compile runs the compiler. `backends`:
 * per backend besides JS, null to time it or why it is skipped.
 */
export function runW5(cells: readonly W5Cell[], repeats: number, backends: Record<W5Backend, string | null>, log: (m: string) => void): W5Row[] {
  const cell = fileURLToPath(new URL('./w5-cell.js', import.meta.url));
  const timed = W5_BACKENDS.filter((b) => backends[b] === null);
  const rows: W5Row[] = [];
  for (const { n, iterations } of cells) {
    log(`[W5 n=${n}, ${iterations} iterations] ${repeats} fresh process${repeats === 1 ? '' : 'es'} (JS${timed.map((b) => `, ${b === 'c' ? 'C, C background' : b}`).join('')})`);
    const runs = Array.from({ length: repeats }, () => {
      const dir = mkdtempSync(join(tmpdir(), 'adjoint-w5-'));
      try {
        const out = execFileSync(process.execPath, [cell, String(n), String(iterations), timed.join(',')], {
          encoding: 'utf8', env: { ...process.env, ADJOINT_CACHE_DIR: dir },
        });
        return JSON.parse(out) as CellResult;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    const eagerMs = median(runs.map((r) => r.eagerMs));
    const js = medianRun(runs.map((r) => r.js), eagerMs);
    const row: W5Row = {
      n, iterations, repeats, eagerMs, compiledMs: js.ms, compileMs: js.compileMs, speedup: js.speedup, seed: SEED[`${n}/${iterations}`] ?? null,
    };
    for (const b of W5_BACKENDS) {
      const why = backends[b];
      if (why !== null) { row[b] = { skipped: why }; continue; }
      row[b] = medianOutcome(runs.map((r) => r[b]!), eagerMs);
    }
    // C, background runs with C; a skipped C skips it for the same reason.
    row.cBackground = backends.c !== null ? { skipped: backends.c } : medianOutcome(runs.map((r) => r.cBackground!), eagerMs);
    rows.push(row);
  }
  return rows;
}

function medianOutcome(got: readonly W5Outcome[], eagerMs: number): W5Outcome {
  const skip = got.find((g): g is { skipped: string } => 'skipped' in g);
  return skip ?? medianRun(got as W5Run[], eagerMs);
}
