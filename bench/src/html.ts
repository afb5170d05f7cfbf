/**
 * The static HTML report of one bench run (bench/results/*.json): one self-contained page with
 * inline CSS and inline SVG charts drawn here; no script, nothing fetched. Every string from
 * the JSON goes through esc().
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, ratio, type RunReport } from './report.js';
import { levelCut, levelRepeats, minuteUtc, stageColumns, totalMs, usPerNode } from './report-stages.js';
import type { WorkloadResult } from './suite.js';
import type { W5Outcome } from './w5.js';
import { esc, logBarChart, logLogChart, type Series } from './svg.js';

/** One timed cell: µs per gradient and the ratio to hand-written JS (of the same group for peers). */
interface Cell {
  us: number;
  ratio: number;
}

/** A contender: its time on a workload, or why it did not run there (string), or nothing (null). */
interface System {
  name: string;
  color: string;
  cell(r: WorkloadResult): Cell | string | null;
  /** Compile ms of the build timed above, where the JSON has it. */
  compileMs?(r: WorkloadResult): number | null;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#393b79', '#637939', '#843c39', '#7b4173', '#e7969c', '#6baed6'];

function own(us: number, r: WorkloadResult): Cell {
  return { us, ratio: us / r.hand.medianUs };
}

/** The contenders every run can have, in table order. Old JSON files may lack the C and wasm parts. */
const CORE: Omit<System, 'color'>[] = [
  { name: 'hand-written JS', cell: (r) => own(r.hand.medianUs, r) },
  { name: 'compiled JS', cell: (r) => own(r.compiled.medianUs, r), compileMs: (r) => r.compile.ms },
  {
    name: 'straight-line JS',
    cell: (r) => ('medianUs' in r.straight ? own(r.straight.medianUs, r) : r.straight.skipped),
    compileMs: (r) => ('compileMs' in r.straight ? r.straight.compileMs : null),
  },
  { name: 'eager', cell: (r) => ('medianUs' in r.eager ? own(r.eager.medianUs, r) : r.eager.skipped) },
  {
    name: 'native C',
    cell: (r) => (!r.native ? null : 'ratios' in r.native ? own(r.native.c.medianUs, r) : r.native.skipped),
    compileMs: (r) => (r.native && 'ratios' in r.native ? r.native.compile.ms : null),
  },
  { name: 'hand C', cell: (r) => (!r.native ? null : 'ratios' in r.native ? own(r.native.handC.medianUs, r) : r.native.skipped) },
  {
    name: 'wasm',
    cell: (r) => (!r.wasm ? null : 'import' in r.wasm ? own(r.wasm.import.timing.medianUs, r) : r.wasm.skipped),
    compileMs: (r) => (r.wasm && 'import' in r.wasm ? r.wasm.import.compile.ms : null),
  },
  {
    name: 'wasm embedded',
    cell: (r) => {
      if (!r.wasm || !('import' in r.wasm)) return null;
      const e = r.wasm.embedded;
      return 'timing' in e ? own(e.timing.medianUs, r) : e.skipped;
    },
    compileMs: (r) => (r.wasm && 'import' in r.wasm && 'timing' in r.wasm.embedded ? r.wasm.embedded.compile.ms : null),
  },
  {
    name: 'emcc',
    cell: (r) => {
      if (!r.wasm || !('import' in r.wasm) || !r.wasm.emcc) return null;
      const e = r.wasm.emcc;
      return 'timing' in e ? own(e.timing.medianUs, r) : e.skipped;
    },
    compileMs: (r) => (r.wasm && 'import' in r.wasm && r.wasm.emcc && 'timing' in r.wasm.emcc ? r.wasm.emcc.cSourceMs + r.wasm.emcc.compileMs : null),
  },
  ...(['c', 'wasm'] as const).map((b): Omit<System, 'color'> => ({
    name: b === 'c' ? 'C f32' : 'wasm f32',
    cell: (r) => {
      const v = r.f32?.[b];
      return v === undefined ? null : 'timing' in v ? own(v.timing.medianUs, r) : v.skipped;
    },
    compileMs: (r) => {
      const v = r.f32?.[b];
      return v !== undefined && 'timing' in v ? v.compile.ms : null;
    },
  })),
];

/** Every contender with at least one figure or reason in this run, peers (one per library setup) last. */
export function systems(rep: RunReport): System[] {
  const rows = rep.peers?.rows ?? [];
  const peerNames = [...new Set(rows.map((p) => p.peer))];
  const peers: Omit<System, 'color'>[] = peerNames.map((name) => ({
    name,
    cell: (r) => {
      const row = rows.find((p) => p.peer === name && p.workload === r.label);
      if (!row) return null;
      return row.us !== null && row.ratio !== null ? { us: row.us, ratio: row.ratio } : row.skipped ?? 'not run';
    },
  }));
  return [...CORE, ...peers]
    .filter((s) => rep.workloads.some((r) => s.cell(r) !== null))
    .map((s, k) => ({ ...s, color: PALETTE[k % PALETTE.length] }));
}

const int = (n: number): string => n.toLocaleString('en-US');

function timeCell(c: Cell | string | null): string {
  if (c === null) return '<td class="na">—</td>';
  if (typeof c === 'string') return `<td class="na" title="${esc(c)}">—</td>`;
  const cls = c.ratio <= 1.05 ? 'fast' : c.ratio <= 3 ? 'mid' : 'slow';
  return `<td class="num"><span class="us">${esc(fmt(c.us))}</span> <span class="x ${cls}">${esc(ratio(c.ratio))}</span></td>`;
}

function timeTable(rep: RunReport, ss: readonly System[]): string {
  const head = ss.map((s) => `<th><span class="swatch" style="background:${esc(s.color)}"></span>${esc(s.name)}</th>`).join('');
  const rows = rep.workloads.map((r) => `<tr><th scope="row">${esc(r.label)}</th><td class="num">${esc(int(r.nParams))}</td><td class="num">${esc(int(r.compile.traceNodes))}</td>${ss.map((s) => timeCell(s.cell(r))).join('')}</tr>`);
  return `<table id="times"><thead><tr><th>workload</th><th>params</th><th>trace nodes</th>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function compileTable(rep: RunReport, ss: readonly System[]): string {
  const withCompile = ss.filter((s) => s.compileMs !== undefined);
  const head = withCompile.map((s) => `<th>${esc(s.name)} ms</th>`).join('');
  const rows = rep.workloads.map((r) => {
    const cells = withCompile.map((s) => {
      const ms = s.compileMs!(r);
      return ms === null ? '<td class="na">—</td>' : `<td class="num">${esc(fmt(ms))}</td>`;
    });
    return `<tr><th scope="row">${esc(r.label)}</th><td class="num">${esc(int(r.compile.traceNodes))}</td><td class="num">${esc(fmt(r.compile.usPerTraceNode))}</td>${cells.join('')}</tr>`;
  });
  return `<table id="compile"><thead><tr><th>workload</th><th>trace nodes</th><th>compiled JS µs / trace node</th>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** Time per gradient against graph size for one workload family (W1, W3: sizes n). */
function sizeChart(rep: RunReport, ss: readonly System[], id: string): string | null {
  const rs = rep.workloads.filter((r) => r.id === id);
  if (rs.length === 0) return null;
  const series: Series[] = ss.map((s) => ({
    name: s.name,
    color: s.color,
    points: rs.flatMap((r) => {
      const c = s.cell(r);
      return c !== null && typeof c !== 'string' ? [{ x: r.compile.traceNodes, y: c.us, label: `${r.label}, ${int(r.compile.traceNodes)} trace nodes: ${fmt(c.us)} µs` }] : [];
    }),
  }));
  return logLogChart({ title: `${id}: µs per gradient vs trace nodes`, xLabel: 'trace nodes (log)', yLabel: 'µs per gradient (log)', series, lines: true });
}

function speedupChart(rep: RunReport, ss: readonly System[]): string {
  const eager = ss.find((s) => s.name === 'eager');
  const groups = rep.workloads.flatMap((r) => {
    const e = eager?.cell(r);
    if (!e || typeof e === 'string') return [];
    const bars = ss.filter((s) => s !== eager).flatMap((s) => {
      const c = s.cell(r);
      return c !== null && typeof c !== 'string' ? [{ name: s.name, color: s.color, value: e.us / c.us }] : [];
    });
    return [{ label: r.label, bars }];
  });
  return logBarChart({ title: 'Speedup over eager backward() (eager µs / system µs)', yLabel: 'speedup (log)', groups, legend: ss.filter((s) => s !== eager) });
}

function compileChart(rep: RunReport, ss: readonly System[]): string {
  const series: Series[] = ss.filter((s) => s.compileMs !== undefined).map((s) => ({
    name: s.name,
    color: s.color,
    points: rep.workloads.flatMap((r) => {
      const ms = s.compileMs!(r);
      return ms === null ? [] : [{ x: r.compile.traceNodes, y: ms, label: `${r.label}: ${fmt(ms)} ms` }];
    }),
  }));
  return logLogChart({ title: 'Compile time vs trace nodes (all workloads)', xLabel: 'trace nodes (log)', yLabel: 'compile ms (log)', series, lines: false });
}

/** One W5 backend: end-to-end ms, of which compile ms, and the speedup over eager (below 1x marked slow). */
function w5Cells(o: W5Outcome | undefined): string {
  if (o === undefined) return '<td class="na">—</td>'.repeat(3);
  if ('skipped' in o) return `<td class="na" title="${esc(o.skipped)}">—</td>`.repeat(3);
  const cls = o.speedup >= 1 ? 'fast' : 'slow';
  return `<td class="num">${esc(fmt(o.ms))}</td><td class="num">${esc(fmt(o.compileMs))}</td><td class="num"><span class="x ${cls}">${esc(ratio(o.speedup))}</span></td>`;
}

function w5Table(rep: RunReport): string {
  const rows = (rep.w5 ?? []).map((r) => `<tr><th scope="row">W1 Rosenbrock, ${esc(int(r.n))} vars</th><td class="num">${esc(int(r.iterations))}</td><td class="num">${esc(fmt(r.eagerMs))}</td>${
    w5Cells({ ms: r.compiledMs, compileMs: r.compileMs, buildMs: 0, speedup: r.speedup })}${w5Cells(r.c)}${w5Cells(r.cBackground)}${w5Cells(r.wasm)}</tr>`);
  if (rows.length === 0) return '';
  const group = (name: string): string => `<th colspan="3">${name}</th>`;
  return `<h2>W5: end to end, including compile</h2>
<p class="note">Gradient descent on W1 Rosenbrock for the given iterations; each backend's ms include its compile (a cold one: fresh process, empty C build cache). Speedup = eager ms / backend ms; below 1x the backend loses to eager end to end. <em>C, background</em> computes with JS code while gcc builds in a worker thread, then switches to native code (<code>background: true</code>); it builds into its own empty cache directory.</p>
<div class="wrap"><table id="w5"><thead><tr><th rowspan="2">graph</th><th rowspan="2">iterations</th><th rowspan="2">eager ms</th>${group('JS')}${group('C (native)')}${group('C, background')}${group('wasm')}</tr>
<tr>${'<th>ms</th><th>of which compile</th><th>speedup</th>'.repeat(4)}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

const failedCells = (error: string, span: number): string => `<td class="na" colspan="${span}" title="${esc(error)}">failed (hover for why)</td>`;

/** Compile stages (stages.ts): µs per trace node per stage, and gradient nodes per optimize level. */
function stagesTables(rep: RunReport): string {
  const st = rep.stages;
  if (st === undefined || st.skipped !== null) return '';
  const cols = stageColumns(st.rows);
  const rows = st.rows.map((r) => {
    const head = `<tr><th scope="row">${esc(r.label)}</th>`;
    if ('error' in r) return `${head}${failedCells(r.error, cols.length + 4)}</tr>`;
    const per = cols.map((c) => {
      const us = usPerNode(r, c);
      return us === null ? '<td class="na">—</td>' : `<td class="num">${esc(us.toFixed(3))}</td>`;
    });
    return `${head}<td class="num">${esc(int(r.traceNodes))}</td><td class="num">${esc(int(r.gradientNodes))}</td>${per.join('')}<td class="num">${esc(totalMs(r).toFixed(0))}</td><td class="num">${esc(r.peakRssMB.toFixed(0))} MB</td></tr>`;
  });
  const levels = st.levels.map((l) => {
    const head = `<tr><th scope="row">${esc(l.label)}</th>`;
    if ('error' in l) return `${head}${failedCells(l.error, 6)}</tr>`;
    const nums = [...l.nodes.map(int), `${(100 * levelCut(l)).toFixed(1)}%`, ...l.compileAndCalls.map((ms) => ms.toFixed(1))];
    return `${head}${nums.map((v) => `<td class="num">${esc(v)}</td>`).join('')}</tr>`;
  });
  return `<h2>Compile stages</h2>
<p class="note">Run of ${esc(minuteUtc(rep.date))}, ${esc(st.seconds.toFixed(0))} s for this part. JS backend, optimize 1; each graph compiled in a process of its own after warming the compiler up: building the <code>Value</code>s, tracing, each pass of the gradient pipeline, schedule, codegen and the JS build, in µs per trace node; total ms is their sum, peak RSS the process's.</p>
<div class="wrap"><table id="stages"><thead><tr><th>graph</th><th>trace nodes</th><th>gradient nodes</th>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}<th>total ms</th><th>peak RSS</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody></table></div>
<p class="note">Gradient nodes per <code>optimize</code> level, and compile + 1000 calls at levels 0 and 1 (ms, fastest of ${levelRepeats(st.levels)}).</p>
<div class="wrap"><table id="levels"><thead><tr><th>workload</th><th>optimize 0</th><th>optimize 1</th><th>optimize 2</th><th>cut (0 → 1)</th><th>compile + 1000 calls, 0</th><th>same, 1</th></tr></thead>\n<tbody>\n${levels.join('\n')}\n</tbody></table></div>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px auto;max-width:1280px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin:0 0 4px}.meta code{background:#f3f3f3;padding:1px 4px;border-radius:3px}
.wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border:1px solid #ddd;padding:4px 8px;white-space:nowrap}thead th{background:#f5f5f5;vertical-align:bottom}
tbody th{text-align:left;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}td.na{color:#aaa;text-align:center}
.x{font-size:11px;padding:0 3px;border-radius:3px}.x.fast{background:#dff3df}.x.mid{background:#fff2cc}.x.slow{background:#f8dcdc}
.swatch{display:inline-block;width:10px;height:10px;margin-right:5px;border-radius:2px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
svg.chart{background:#fff;border:1px solid #e3e3e3;max-width:100%;height:auto}
svg .title{font-size:14px;font-weight:600;fill:#222}svg .plot{fill:#fcfcfc;stroke:#bbb}
svg .grid{stroke:#e6e6e6}svg .base{stroke:#555;stroke-dasharray:4 3}
svg .tick,svg .legend{font-size:11px;fill:#444}svg .axis-label{font-size:12px;fill:#333}
svg .line{fill:none;stroke-width:1.8}svg .dot{stroke:#fff;stroke-width:0.8}
.note{color:#666;font-size:12px;max-width:900px}
`;

/** The whole page. `source` names the JSON file it was built from. */
export function renderHtml(rep: RunReport, source: string): string {
  const m = rep.machine;
  const ss = systems(rep);
  const charts = ['W1', 'W3'].map((id) => sizeChart(rep, ss, id)).filter((c): c is string => c !== null);
  const s = rep.settings;
  const peers = rep.peers?.peers ?? [];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Adjoint benchmarks, ${esc(rep.date)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>Adjoint benchmarks${rep.quick ? ' (quick run)' : ''}</h1>
<p class="meta" id="machine">${esc(m.cpu)}, ${esc(String(m.cores))} cores, ${esc(String(m.memoryGB))} GB, ${esc(m.platform)} · Node ${esc(m.node)} (V8 ${esc(m.v8)})</p>
<p class="meta">Run ${esc(rep.date)} · <code>${esc(rep.command)}</code> · ${esc(rep.totalSeconds.toFixed(0))} s in all · from <code>${esc(source)}</code></p>
<h2>Time per gradient (value + full gradient)</h2>
<p class="note">Each cell: µs per gradient (median of ${esc(String(s.rounds))} interleaved rounds of ~${esc(String(s.roundMs))} ms) and the ratio to hand-written JS of the same run (peers: of their own timing group). — : not run (hover for the reason). Trace nodes: size of the traced graph.</p>
<div class="wrap">${timeTable(rep, ss)}</div>
<h2>Scaling</h2>
<div class="charts">${charts.join('\n')}</div>
<h2>Speedup over eager</h2>
<p class="note">Workloads where eager <code>backward()</code> was timed; bars above the dashed line are faster than eager.</p>
<div class="charts">${speedupChart(rep, ss)}</div>
<h2>Compile time</h2>
<p class="note">Wall time of <code>compileGradientFunction</code> per backend (emcc: writing the C file + emcc), cache off.</p>
<div class="charts">${compileChart(rep, ss)}</div>
<div class="wrap">${compileTable(rep, ss)}</div>
${w5Table(rep)}
${stagesTables(rep)}
${peers.length ? `<p class="note">Peers: ${peers.map((p) => esc(`${p.name} ${p.version}`)).join('; ')}.</p>` : ''}
</body>
</html>
`;
}

/** The name of a bench run's JSON (writeJson): its ISO date, `-quick` for quick runs. Other tools write other files there. */
export const RUN_FILE = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z(-quick)?\.json$/;

/** The newest bench run in `dir` by name (names start with the ISO date), or null. */
export function newestResult(dir: string): string | null {
  const names = readdirSync(dir).filter((n) => RUN_FILE.test(n)).sort();
  return names.length ? join(dir, names[names.length - 1]) : null;
}
