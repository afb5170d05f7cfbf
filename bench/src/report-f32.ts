/**
 * The float32 part of the markdown report: the C and wasm backends with precision 'f32'
 * against the same backend in f64 and hand-written JS, their measured errors and compile cost.
 */
import { fmt, ratio } from './report.js';
import { Notes } from './report-wasm.js';
import type { F32Outcome } from './suite-f32.js';
import type { WorkloadResult } from './suite.js';

/** µs of the f64 build of each backend, or a dash. */
function f64Us(r: WorkloadResult, backend: 'c' | 'wasm'): string {
  if (backend === 'c') return 'c' in r.native ? fmt(r.native.c.medianUs) : '—';
  return 'import' in r.wasm ? fmt(r.wasm.import.timing.medianUs) : '—';
}

function timeCells(v: F32Outcome, notes: Notes): string[] {
  if ('skipped' in v) return [notes.mark(v.skipped), '—', '—'];
  return [fmt(v.timing.medianUs), v.ratios.toF64 === null ? '—' : ratio(v.ratios.toF64), ratio(v.ratios.toHand)];
}

function errorCells(v: F32Outcome, notes: Notes): string[] {
  if ('skipped' in v) return [notes.mark(v.skipped), '—', '—'];
  const c = v.compile;
  return [v.error.gradient.toExponential(1), v.error.value.toExponential(1), `${fmt(c.ms)} (${fmt(c.buildMs)})`];
}

function tolerance(r: WorkloadResult): string {
  const v = [r.f32.c, r.f32.wasm].find((x) => 'tolerance' in x);
  return v !== undefined && 'tolerance' in v ? `${v.tolerance.gradient.toExponential(0)} / ${v.tolerance.value.toExponential(1)}` : '—';
}

export function f32Section(rs: readonly WorkloadResult[]): string[] {
  const withF32 = rs.filter((r) => r.f32 !== undefined);
  if (withF32.length === 0) return [];
  const notes = new Notes();
  const times = [
    '| workload | hand JS µs | C µs | C f32 µs | C f32 ×C | C f32 ×hand JS | wasm µs | wasm f32 µs | wasm f32 ×wasm | wasm f32 ×hand JS |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const errors = [
    '| workload | C f32: gradient error | f error | compile ms (C compiler ms) | wasm f32: gradient error | f error | compile ms (wasm build ms) | tolerance: gradient / f |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of withF32) {
    times.push(`| ${[r.label, fmt(r.hand.medianUs), f64Us(r, 'c'), ...timeCells(r.f32.c, notes), f64Us(r, 'wasm'), ...timeCells(r.f32.wasm, notes)].join(' | ')} |`);
    errors.push(`| ${[r.label, ...errorCells(r.f32.c, notes), ...errorCells(r.f32.wasm, notes), tolerance(r)].join(' | ')} |`);
  }
  return [
    '', '### float32', '',
    '`precision: \'f32\'` on the C backend (generated C in `float`, gcc -O2, through the same N-API addon: inputs rounded to float on the way in, the gradient widened on the way out) and on the wasm backend (f32 module, math imported from the host\'s `Math`, as the f64 *wasm* column), timed in the same interleaved rounds as the f64 builds; ×C / ×wasm = f32 median / the f64 median of the same backend. Before timing, each f32 gradient is compared with eager `backward()` in f64: gradient error = norm-wise relative (max |g − g64| / max |g64|), f error = |f − f64| / |f64|; the run stops past the tolerance (`bench/src/suite-f32.ts` says how it was chosen).',
    '',
    ...times,
    '',
    ...errors,
    ...notes.lines(),
  ];
}
