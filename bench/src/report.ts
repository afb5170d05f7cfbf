/**
 * The run's outputs: a markdown report for people (stdout, pasted into docs/benchmarks.md)
 * and a JSON file with every figure and the machine it came from.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TierRow } from './ctiers.js';
import type { CallOverhead } from './native.js';
import type { PeersReport } from './peers.js';
import { breakEvenSection } from './report-breakeven.js';
import { peersSection } from './report-peers.js';
import { stagesSection } from './report-stages.js';
import { wasmSection } from './report-wasm.js';
import type { WasmReport } from './suite-wasm.js';
import type { StagesReport } from './stages.js';
import type { Settings, WorkloadResult } from './suite.js';
import { f32Section } from './report-f32.js';
import type { W5Outcome, W5Row } from './w5.js';

export interface Machine {
  node: string;
  v8: string;
  cpu: string;
  cores: number;
  platform: string;
  memoryGB: number;
}

export function machineInfo(): Machine {
  const c = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    platform: `${process.platform} ${process.arch}`,
    memoryGB: Math.round(totalmem() / 2 ** 30),
  };
}

export interface RunReport {
  date: string;
  command: string;
  quick: boolean;
  only: string[] | null;
  machine: Machine;
  settings: Settings & { w5Repeats: number };
  workloads: WorkloadResult[];
  w5: W5Row[];
  native: NativeReport;
  wasm: WasmReport;
  /** Peer libraries (jax-js, tfjs) on W1, W2 and W4. */
  peers: PeersReport;
  /** Compile throughput per stage and nodes per optimize level (absent in runs before `./dev bench` measured them). */
  stages?: StagesReport;
  totalSeconds: number;
}

/** The C backend's run-wide figures; per-workload ones are in WorkloadResult.native. */
export interface NativeReport {
  /** Why no native code ran (no addon, no compiler), else null. */
  skipped: string | null;
  overhead: CallOverhead | null;
  tiers: TierRow[];
}

/** Three significant digits, never in exponent form. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return x.toPrecision(3);
}

export function ratio(x: number): string {
  return x >= 100 ? `${Math.round(x)}x` : `${x.toPrecision(2)}x`;
}

function warmNote(r: WorkloadResult): string {
  const w = r.compiled.warmup;
  const notes = [`${(w.ms / 1000).toFixed(1)} s`, `${w.calls.toLocaleString('en-US')} calls`];
  if (r.compiledWarm.capped) notes.push('capped: not fully optimized');
  else if (!w.stable) notes.push('not settled');
  return notes.join(', ');
}

function timeTable(rs: readonly WorkloadResult[]): string[] {
  const lines = [
    '| workload | params | hand-written JS µs | compiled JS µs | compiled ×hand | straight-line µs | straight ×hand | eager µs | eager ×hand | compiled warm-up |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rs) {
    const straight = 'medianUs' in r.straight ? [fmt(r.straight.medianUs), ratio(r.ratios.straight!)] : ['same code (no loops)', '—'];
    const eager = 'medianUs' in r.eager
      ? [fmt(r.eager.medianUs), ratio(r.ratios.eager!)]
      : [`skipped (1 call: ${fmt(r.eager.oneCallMs)} ms)`, '—'];
    lines.push(`| ${r.label} | ${r.nParams.toLocaleString('en-US')} | ${fmt(r.hand.medianUs)} | ${fmt(r.compiled.medianUs)} | ${ratio(r.ratios.compiled)} | ${straight.join(' | ')} | ${eager.join(' | ')} | ${warmNote(r)} |`);
  }
  return lines;
}

function compileTable(rs: readonly WorkloadResult[]): string[] {
  const lines = [
    '| workload | trace nodes | instructions | functions (loops) | build graph ms | compile ms | µs / trace node | trace / gradient / schedule / codegen / build ms | first call ms | straight-line compile ms |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const r of rs) {
    const c = r.compile;
    const p = c.phases;
    const phases = [p.trace, p.gradient, p.schedule, p.codegen, p.build].map(fmt).join(' / ');
    lines.push(`| ${r.label} | ${c.traceNodes.toLocaleString('en-US')} | ${c.instructions.toLocaleString('en-US')} | ${c.chunks} (${c.loops}) | ${fmt(c.buildMs)} | ${fmt(c.ms)} | ${fmt(c.usPerTraceNode)} | ${phases} | ${fmt(c.firstCallMs)} | ${'compileMs' in r.straight ? fmt(r.straight.compileMs) : '—'} |`);
  }
  return lines;
}

function nativeTable(rs: readonly WorkloadResult[]): string[] {
  const lines = [
    '| workload | hand JS µs | hand C µs | C backend µs | C ×hand C | C ×hand JS | hand C ×hand JS | C compile ms | of which gcc ms | µs / trace node | instructions, functions (loops) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rs) {
    const n = r.native;
    if (!('ratios' in n)) {
      lines.push(`| ${r.label} | ${fmt(r.hand.medianUs)} | skipped: ${n.skipped} | | | | | | | | |`);
      continue;
    }
    const c = n.compile;
    lines.push(`| ${r.label} | ${fmt(r.hand.medianUs)} | ${fmt(n.handC.medianUs)} | ${fmt(n.c.medianUs)} | ${ratio(n.ratios.cToHandC)} | ${ratio(n.ratios.cToHand)} | ${ratio(n.ratios.handCToHand)} | ${fmt(c.ms)} | ${fmt(c.buildMs)} | ${fmt(c.usPerTraceNode)} | ${c.instructions.toLocaleString('en-US')}, ${c.functions} (${c.loops}) |`);
  }
  return lines;
}

function tierTable(rows: readonly TierRow[]): string[] {
  const tiers = rows[0]?.cells.map((c) => c.tier) ?? [];
  const lines = [
    `| graph | trace nodes | instructions, functions (loops) | ${tiers.map((t) => `${t}: compiler ms (µs / node) / compile ms / run µs`).join(' | ')} |`,
    `|---|---:|---|${tiers.map(() => '---:').join('|')}|`,
  ];
  for (const r of rows) {
    const cells = r.cells.map((c) => ('skipped' in c ? `skipped: ${c.skipped}` : `${fmt(c.buildMs)} (${fmt(c.buildUsPerNode)}) / ${fmt(c.compileMs)} / ${fmt(c.runUs)}`));
    lines.push(`| ${r.label} | ${r.traceNodes.toLocaleString('en-US')} | ${r.instructions.toLocaleString('en-US')}, ${r.functions} (${r.loops}) | ${cells.join(' | ')} |`);
  }
  return lines;
}

function nativeSection(rep: RunReport): string[] {
  const nat = rep.native;
  const out = ['', '### C backend', ''];
  if (nat.skipped !== null) return [...out, `Skipped: ${nat.skipped}.`];
  if (rep.workloads.length > 0) {
    out.push(
      '`backend: \'c\'` with default options (generated C99, gcc -O2 -ffp-contract=off, through the N-API addon) against `bench/hand/*.c` built with the same flags and called the same way (`loadNativeKernel`), timed in the same interleaved rounds as the table above. Compile ms: `compileGradientFunction` wall time in a fresh build cache; gcc ms: the compiler alone.',
      '',
      ...nativeTable(rep.workloads),
    );
  }
  if (nat.overhead !== null) {
    out.push('', `Call overhead: an empty C function through \`loadNativeKernel\` costs ${fmt(nat.overhead.ns)} ns per call (an empty JS function timed the same way: ${fmt(nat.overhead.jsNs)} ns).`);
  }
  if (nat.tiers.length > 0) {
    out.push(
      '',
      '#### C compile time per tier',
      '',
      'Each cell: the C compiler alone in ms (µs per trace node) / the whole `compileGradientFunction` in ms / µs per gradient of that build (short interleaved timing). Fresh cache directory per build; compile figures are the best of 3 where 3 compiles take under 1.5 s, else of one; the irregular graph is a seeded random DAG over 100 inputs with no repeated structure (straight-line code).',
      '',
      ...tierTable(nat.tiers),
    );
  }
  return out;
}

/** A W5 backend's two cells: end-to-end ms (compile ms[, of which the C compiler]) and the speedup over eager. */
function w5Cells(o: W5Outcome | undefined, build: boolean): string[] {
  if (o === undefined) return ['—', '—'];
  if ('skipped' in o) return [`skipped: ${o.skipped}`, '—'];
  return [`${fmt(o.ms)} (${fmt(o.compileMs)}${build ? `, ${fmt(o.buildMs)}` : ''})`, ratio(o.speedup)];
}

/** The background C run's cells: end-to-end ms (compile ms, and when native code took over) and the speedup. */
function w5BackgroundCells(o: W5Outcome | undefined): string[] {
  if (o === undefined) return ['—', '—'];
  if ('skipped' in o) return [`skipped: ${o.skipped}`, '—'];
  const native = o.nativeMs === undefined ? '' : o.nativeMs < o.ms ? `, native after ${fmt(o.nativeMs)}` : ', JS throughout';
  return [`${fmt(o.ms)} (${fmt(o.compileMs)}${native})`, ratio(o.speedup)];
}

function w5Table(rows: readonly W5Row[]): string[] {
  const lines = [
    '| graph | iterations | eager ms | JS ms (compile ms) | JS speedup | C ms (compile ms, C compiler ms) | C speedup | C background ms (compile ms, native after ms) | C background speedup | wasm ms (compile ms) | wasm speedup | seed README: eager / compiled ms, speedup |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const seed = r.seed ? `${r.seed.eager} / ${r.seed.compiled}, ${r.seed.speedup}x` : '—';
    const js = w5Cells({ ms: r.compiledMs, compileMs: r.compileMs, buildMs: 0, speedup: r.speedup }, false);
    lines.push(`| W1 Rosenbrock, ${r.n} vars | ${r.iterations} | ${fmt(r.eagerMs)} | ${[...js, ...w5Cells(r.c, true), ...w5BackgroundCells(r.cBackground), ...w5Cells(r.wasm, false)].join(' | ')} | ${seed} |`);
  }
  return lines;
}

export function markdown(rep: RunReport): string {
  const m = rep.machine;
  const s = rep.settings;
  const out = [
    `## Results ${rep.date}${rep.quick ? ' (--quick)' : ''}`,
    '',
    `\`${rep.command}\` — Node ${m.node} (V8 ${m.v8}), ${m.cpu}, ${m.cores} cores, ${m.platform}; ${rep.totalSeconds.toFixed(0)} s in all.`,
  ];
  if (rep.workloads.length > 0) {
    out.push(
      '',
      `### Time per gradient (value + full gradient)`,
      '',
      `Median of ${s.rounds} interleaved rounds of ~${s.roundMs} ms each, after warm-up; ×hand = time / hand-written JS, same run.`,
      '',
      ...timeTable(rep.workloads),
      '',
      '### Compile time',
      '',
      '`compileGradientFunction` wall time, cache off, one compile per graph after warming the compiler up on other sizes; µs / trace node = compile ms / trace nodes. Building the Value graph and the first call (V8 compiles the generated code lazily) are extra.',
      '',
      ...compileTable(rep.workloads),
    );
  }
  if (rep.workloads.length > 0) out.push(...breakEvenSection(rep.workloads));
  if (rep.workloads.length > 0 || rep.native.tiers.length > 0) out.push(...nativeSection(rep));
  if (rep.workloads.length > 0) out.push(...wasmSection(rep.workloads, rep.wasm));
  if (rep.workloads.length > 0) out.push(...f32Section(rep.workloads));
  if (rep.workloads.length > 0 || rep.peers.rows.length > 0) out.push(...peersSection(rep.peers));
  if (rep.w5.length > 0) {
    out.push(
      '',
      '### W5: end to end, including compile (the seed\'s table)',
      '',
      `Gradient descent on W1 Rosenbrock with n variables (lr 1e-4, the same steps for every system, final points equal bit for bit). Eager rebuilds the graph and calls \`backward()\` each iteration; each backend builds it once, compiles (cache off) and iterates: its ms include the compile. Each repeat runs in a fresh process with the library warmed up on n+1 variables and an empty C build cache, so every C compile is a real compiler run (checked); median of ${rep.settings.w5Repeats}. Speedup = eager ms / backend ms (below 1x: slower than eager, end to end). *C background* (\`background: true\`) computes with JS code while the C compiler runs in a worker thread, then switches to native code; it builds into its own empty cache directory, and its build is awaited after the timed loop ("JS throughout": the descent ended before the library was ready). The seed's figures were measured elsewhere with another library and are for orientation only.`,
      '',
      ...w5Table(rep.w5),
    );
  }
  out.push(...stagesSection(rep.stages, rep.date));
  return out.join('\n') + '\n';
}

/**
 * Writes the run's JSON to `file`, by default bench/results/<ISO date>.json (colons made
 * filename-safe, `-quick` for quick runs), and returns its path.
 */
export function writeJson(rep: RunReport, file?: string): string {
  if (file === undefined) {
    const dir = new URL('../results/', import.meta.url);
    const name = `${rep.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}${rep.quick ? '-quick' : ''}.json`;
    file = fileURLToPath(new URL(name, dir));
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(rep, null, 2) + '\n');
  return file;
}
