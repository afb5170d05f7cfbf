/**
 * The compile-stages part of the reports (bench/src/stages.ts measures it): µs per trace node
 * for each stage of a compilation, and gradient nodes per optimize level. The markdown here is
 * what `./dev bench` and `pnpm bench:stages` print; html.ts draws the same figures as tables.
 */
import type { LevelOutcome, LevelRow, StageOutcome, StageRow, StagesReport } from './stages.js';

/** The stages in pipeline order; a pass that did not run at the level measured has no column. */
const STAGES = ['values', 'trace', 'cse', 'simplify', 'gradient', 'dce', 'schedule', 'codegen', 'build'];

/** The stages any row of the run timed, in pipeline order. */
export function stageColumns(rows: readonly StageOutcome[]): string[] {
  return STAGES.filter((s) => rows.some((r) => 'ms' in r && r.ms[s] !== undefined));
}

/** µs per trace node of one stage, or null where the row has no such stage. */
export function usPerNode(r: StageRow, stage: string): number | null {
  const ms = r.ms[stage];
  return ms === undefined ? null : (1000 * ms) / r.traceNodes;
}

export function totalMs(r: StageRow): number {
  return Object.values(r.ms).reduce((a, b) => a + b, 0);
}

/** The share of gradient nodes optimize 1 removes from optimize 0's graph. */
/** How many times the levels' compile + 1000 calls were timed (older results did not say: 3). */
export function levelRepeats(levels: readonly LevelOutcome[]): number {
  for (const l of levels) if (!('error' in l)) return l.repeats ?? 3;
  return 3;
}

export function levelCut(l: LevelRow): number {
  return 1 - l.nodes[1] / l.nodes[0];
}

/** "2026-11-23 17:14 UTC" from an ISO date. */
export function minuteUtc(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

const int = (n: number): string => n.toLocaleString('en-US');
// A child's stderr can hold anything; a | would end the table cell.
const cellText = (s: string): string => s.replace(/\|/g, '\\|');

function stageTable(rows: readonly StageOutcome[]): string[] {
  const cols = stageColumns(rows);
  const out = [
    `| graph | trace nodes | gradient nodes | ${cols.join(' | ')} | total ms | peak RSS |`,
    `|---|---:|---:|${cols.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const r of rows) {
    if ('error' in r) { out.push(`| ${r.label} | failed: ${cellText(r.error)} |`); continue; }
    const per = cols.map((s) => usPerNode(r, s)?.toFixed(3) ?? '');
    out.push(`| ${r.label} | ${int(r.traceNodes)} | ${int(r.gradientNodes)} | ${per.join(' | ')} | ${totalMs(r).toFixed(0)} | ${r.peakRssMB.toFixed(0)} MB |`);
  }
  return out;
}

function levelTable(levels: readonly LevelOutcome[]): string[] {
  const out = [
    '| workload | optimize 0 | optimize 1 | optimize 2 | cut (0 -> 1) | compile + 1000 calls, 0 | same, 1 |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const l of levels) {
    if ('error' in l) { out.push(`| ${l.label} | failed: ${cellText(l.error)} |`); continue; }
    out.push(`| ${l.label} | ${l.nodes.map(int).join(' | ')} | ${(100 * levelCut(l)).toFixed(1)}% | ${l.compileAndCalls[0].toFixed(1)} | ${l.compileAndCalls[1].toFixed(1)} |`);
  }
  return out;
}

/** Both tables, under a line with the date of the run that measured them. */
export function stagesMarkdown(rep: Pick<StagesReport, 'rows' | 'levels' | 'seconds'>, date: string): string {
  return [
    '### Compile throughput per stage (µs per trace node; JS backend, optimize 1)',
    '',
    `Run of ${minuteUtc(date)}, ${rep.seconds.toFixed(0)} s for this part. Each graph is compiled in a process of its own after warming the compiler up (so peak RSS is its own): building the \`Value\`s, tracing, each pass of the gradient pipeline, schedule, codegen and the JS build, in µs per trace node; total ms is their sum.`,
    '',
    ...stageTable(rep.rows),
    '',
    `### Gradient nodes per optimize level, and compile + 1000 calls (fastest of ${levelRepeats(rep.levels)}, ms)`,
    '',
    ...levelTable(rep.levels),
  ].join('\n');
}

/** The part in the run's markdown report; nothing when it did not run or the run predates it. */
export function stagesSection(rep: StagesReport | undefined, date: string): string[] {
  if (rep === undefined || rep.skipped !== null) return [];
  return ['', stagesMarkdown(rep, date)];
}
