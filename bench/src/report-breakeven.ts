/**
 * Break-even: after how many gradients compiling pays for itself against eager backward(),
 * per backend — compile time / (eager time per gradient - compiled time per gradient).
 */
import { fmt } from './report.js';
import type { F32Outcome } from './suite-f32.js';
import type { WorkloadResult } from './suite.js';

interface Figures { compileMs: number; us: number }

/** Gradients until compile + n * compiled <= n * eager; null when compiled is not faster. */
export function breakEven(compileMs: number, eagerUs: number, compiledUs: number): number | null {
  return compiledUs < eagerUs ? Math.ceil((compileMs * 1000) / (eagerUs - compiledUs)) : null;
}

function backends(r: WorkloadResult): [string, Figures | null][] {
  const native = 'c' in r.native ? { compileMs: r.native.compile.ms, us: r.native.c.medianUs } : null;
  const wasm = 'import' in r.wasm && r.wasm.import !== undefined ? { compileMs: r.wasm.import.compile.ms, us: r.wasm.import.timing.medianUs } : null;
  const f32 = (v: F32Outcome | undefined): Figures | null => (v !== undefined && 'timing' in v ? { compileMs: v.compile.ms, us: v.timing.medianUs } : null);
  return [
    ['JS', { compileMs: r.compile.ms, us: r.compiled.medianUs }], ['C (native)', native], ['wasm', wasm],
    ['C f32', f32(r.f32?.c)], ['wasm f32', f32(r.f32?.wasm)],
  ];
}

export function breakEvenSection(rs: readonly WorkloadResult[]): string[] {
  const timed = rs.filter((r) => 'medianUs' in r.eager);
  if (timed.length === 0) return [];
  const names = backends(timed[0]).map(([n]) => n);
  const lines = [
    '',
    '### Break-even against eager `backward()`',
    '',
    'Gradients after which compile + calls cost less than eager calls: compile ms / (eager µs − compiled µs), same run. Workloads where eager was too slow to time are left out.',
    '',
    `| workload | eager µs | ${names.map((n) => `${n}: compile ms → break-even`).join(' | ')} |`,
    `|---|---:|${names.map(() => '---:').join('|')}|`,
  ];
  for (const r of timed) {
    const eagerUs = (r.eager as { medianUs: number }).medianUs;
    const cells = backends(r).map(([, f]) => {
      if (f === null) return '—';
      const n = breakEven(f.compileMs, eagerUs, f.us);
      return `${fmt(f.compileMs)} → ${n === null ? 'never' : n.toLocaleString('en-US')}`;
    });
    lines.push(`| ${r.label} | ${fmt(eagerUs)} | ${cells.join(' | ')} |`);
  }
  return lines;
}
