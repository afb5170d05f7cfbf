/**
 * Compile throughput per stage (issue 7): building the Values, tracing, each pass of the
 * gradient pipeline, schedule, codegen and build, in µs per trace node, for series of sizes
 * with repeated structure (W1, W3: rerolled into loops) and without (the irregular DAG:
 * straight-line code), plus node counts per optimize level for W1-W4 and the cost of
 * compile + 1000 calls at each level.
 *
 *   node bench/dist/stages.js [--quick] [--huge]
 *
 * `./dev bench` runs the same measurement (runStages) as one of its parts; this command runs
 * it alone and writes bench/results/stages-*.json. Every point runs in its own process, so its
 * peak RSS is its own and one point's garbage does not slow the next. --huge adds the
 * 10^6-step sizes (W1 n=10^6 is ~11M trace nodes and needs ~3 GB); --quick keeps the two
 * smallest sizes of each series.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileGradientFunction, compileStats, type CompileStats } from '@adjoint/jit';
import { irregular, STEPS_PER_100K_NODES } from './irregular.js';
import { machineInfo } from './report.js';
import { stagesMarkdown } from './report-stages.js';
import { makeWorkload, MLP_PARAMS, type Built, type WorkloadId } from './workloads.js';

export interface Point { family: 'W1' | 'W3' | 'irregular'; n: number }

export interface StageRow {
  label: string;
  traceNodes: number;
  gradientNodes: number;
  /** Milliseconds per stage, in pipeline order. */
  ms: Record<string, number>;
  peakRssMB: number;
}

export interface LevelRow {
  label: string;
  /** Gradient nodes at optimize 0, 1, 2. */
  nodes: [number, number, number];
  /** Fastest of `repeats`: compile + 1000 calls, ms, at optimize 0 and 1. */
  compileAndCalls: [number, number];
  /** How many times each was timed (results before this field: 3). */
  repeats?: number;
}

/** A point or level whose child process failed: the last lines of its stderr. */
export interface StageFailure { label: string; error: string }
export type StageOutcome = StageRow | StageFailure;
export type LevelOutcome = LevelRow | StageFailure;

/** What runStages measured, as the run's JSON and stages-*.json carry it. */
export interface StagesReport {
  /** Why the part did not run (not selected), else null. */
  skipped: string | null;
  rows: StageOutcome[];
  levels: LevelOutcome[];
  /** Wall time of the whole part, child processes included. */
  seconds: number;
}

const SERIES: readonly Point[] = [
  ...[100, 1000, 10_000, 100_000, 1_000_000].map((n) => ({ family: 'W1' as const, n })),
  ...[100, 1000, 10_000, 100_000, 1_000_000].map((n) => ({ family: 'W3' as const, n })),
  ...[1, 10, 100, 1000].map((k) => ({ family: 'irregular' as const, n: Math.round((STEPS_PER_100K_NODES * k) / 100) })),
];

/** The label measurePoint gives p, without building its graph. */
function pointLabel(p: Point): string {
  return p.family === 'irregular' ? irregular(p.n).label : makeWorkload(p.family, p.n).label;
}

function build(p: Point): { label: string; built: Built } {
  if (p.family === 'irregular') {
    const g = irregular(p.n);
    return { label: g.label, built: g.build() };
  }
  const w = makeWorkload(p.family, p.n);
  return { label: w.label, built: w.build(w.x) };
}

/** One point, in this process: what the parent reads from our stdout. */
export function measurePoint(p: Point): StageRow {
  // Warm the compiler's own code first, so small points measure the pipeline, not V8 warming up.
  for (let i = 0; i < 3; i++) {
    const w = makeWorkload('W1', 200);
    const b = w.build(w.x);
    compileGradientFunction(b.output, b.params, { cache: false });
  }
  const t0 = performance.now();
  const { label, built } = build(p);
  const valuesMs = performance.now() - t0;
  const fn = compileGradientFunction(built.output, built.params, { inputs: built.inputs, cache: false });
  const st = compileStats(fn)!;
  return {
    label,
    traceNodes: st.traceNodes,
    gradientNodes: st.gradientNodes,
    ms: stageMs(valuesMs, st),
    peakRssMB: peakRssMB(),
  };
}

/**
 * This process's peak RSS, MB. Linux carries ru_maxrss over fork and exec, so a child's
 * process.resourceUsage().maxRSS is at least its parent's RSS (under `./dev bench`, hundreds
 * of MB); VmHWM in /proc/self/status is the peak of this process's own memory.
 */
function peakRssMB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m !== null) return Number(m[1]) / 1024;
  } catch {
    // no /proc: not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

function stageMs(valuesMs: number, st: CompileStats): Record<string, number> {
  const ms: Record<string, number> = { values: valuesMs, trace: st.ms.trace };
  for (const pass of st.passes) ms[pass.name] = pass.ms;
  ms.schedule = st.ms.schedule;
  ms.codegen = st.ms.codegen;
  ms.build = st.ms.build;
  return ms;
}

/**
 * Repeats of compile + 1000 calls per level. The first calls of a fresh function run before
 * V8 has optimized it, and when that happens swings by 3x on a loaded machine; the fastest of
 * 3 still flipped which level won between runs, the fastest of 7 is steadier.
 */
export const LEVEL_REPEATS = 7;

export function measureLevels(id: WorkloadId, n: number): LevelRow {
  const w = makeWorkload(id, n);
  const b = w.build(w.x);
  const nodes = ([0, 1, 2] as const).map((optimize) =>
    compileStats(compileGradientFunction(b.output, b.params, { inputs: b.inputs, optimize, cache: false }))!.gradientNodes) as LevelRow['nodes'];
  const best = [Infinity, Infinity];
  const g = new Float64Array(w.nParams);
  for (let rep = 0; rep < LEVEL_REPEATS; rep++) {
    // Alternate which level goes first: each compile leaves garbage the next one collects.
    for (const optimize of rep % 2 === 0 ? [0, 1] as const : [1, 0] as const) {
      const t0 = performance.now();
      const fn = compileGradientFunction(b.output, b.params, { inputs: b.inputs, optimize, cache: false });
      for (let i = 0; i < 1000; i++) fn.valueAndGradient(w.x, g);
      best[optimize] = Math.min(best[optimize], performance.now() - t0);
    }
  }
  return { label: w.label, nodes, compileAndCalls: best as [number, number], repeats: LEVEL_REPEATS };
}

function runChild(args: string[]): unknown {
  const r = spawnSync(process.execPath, ['--max-old-space-size=6144', fileURLToPath(import.meta.url), ...args], { encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-3).join(' ') };
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** The points of a run: the two smallest of each series with quick, the 10^6 ones only with huge. */
export function stagePoints(o: { quick: boolean; huge: boolean }): Point[] {
  return (['W1', 'W3', 'irregular'] as const).flatMap((f) => {
    const series = SERIES.filter((p) => p.family === f);
    return o.quick ? series.slice(0, 2) : o.huge ? series : series.slice(0, -1);
  });
}

export function levelPoints(quick: boolean): [WorkloadId, number][] {
  return quick ? [['W1', 100], ['W4', MLP_PARAMS]] : [['W1', 1000], ['W2', 1000], ['W3', 1000], ['W4', MLP_PARAMS]];
}

/**
 * Every point and level in a child process of its own (this file, --point / --levels), one at a
 * time. A failed child becomes a StageFailure, so one bad point does not lose the others.
 */
export function runStages(o: { quick: boolean; huge: boolean }, log: (msg: string) => void): StagesReport {
  const start = performance.now();
  const rows: StageOutcome[] = [];
  for (const p of stagePoints(o)) {
    log(`${p.family} ${p.n.toLocaleString('en-US')} ...`);
    const r = runChild(['--point', p.family, String(p.n)]) as StageRow | { error: string };
    rows.push('error' in r ? { label: pointLabel(p), error: r.error } : r);
  }
  const levels: LevelOutcome[] = [];
  for (const [id, n] of levelPoints(o.quick)) {
    log(`optimize levels of ${id} n=${n} ...`);
    const r = runChild(['--levels', id, String(n)]) as LevelRow | { error: string };
    levels.push('error' in r ? { label: makeWorkload(id, n).label, error: r.error } : r);
  }
  return { skipped: null, rows, levels, seconds: (performance.now() - start) / 1000 };
}

/** The labels of the points and levels that failed, each with its error. */
export function stageFailures(rep: StagesReport): string[] {
  return [...rep.rows, ...rep.levels].flatMap((r) => ('error' in r ? [`${r.label}: ${r.error}`] : []));
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--point') {
    console.log(JSON.stringify(measurePoint({ family: argv[1] as Point['family'], n: Number(argv[2]) })));
    return;
  }
  if (argv[0] === '--levels') {
    console.log(JSON.stringify(measureLevels(argv[1] as WorkloadId, Number(argv[2]))));
    return;
  }
  const quick = argv.includes('--quick');
  const huge = argv.includes('--huge');
  const bad = argv.filter((a) => a !== '--quick' && a !== '--huge');
  if (bad.length > 0) throw new Error(`unknown argument ${bad[0]}; usage: node bench/dist/stages.js [--quick] [--huge]`);
  const rep = runStages({ quick, huge }, (m) => process.stderr.write(`stages: ${m}\n`));
  const date = new Date().toISOString();
  const dir = new URL('../results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`stages-${date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}${quick ? '-quick' : ''}.json`, dir);
  writeFileSync(file, JSON.stringify({ date, machine: machineInfo(), quick, huge, ...rep }, null, 2) + '\n');
  console.log(stagesMarkdown(rep, date));
  process.stderr.write(`stages: wrote ${fileURLToPath(file)}\n`);
  for (const f of stageFailures(rep)) process.stderr.write(`stages: failed: ${f}\n`);
  if (stageFailures(rep).length > 0) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
