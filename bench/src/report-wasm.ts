/**
 * The WebAssembly part of the markdown report: the wasm backend against hand-written JS and C,
 * its compile cost and module size, and the Binaryen path against emscripten's.
 */
import { fmt, ratio } from './report.js';
import type { WorkloadResult } from './suite.js';
import type { WasmReport, WasmVariant } from './suite-wasm.js';

function ratioOrDash(x: number | null): string {
  return x === null ? '—' : ratio(x);
}

function handC(r: WorkloadResult): string {
  return 'handC' in r.native ? fmt(r.native.handC.medianUs) : '—';
}

/** Long reasons (often the same on every row) become marked notes under a table. */
export class Notes {
  private readonly marks = new Map<string, string>();
  mark(why: string): string {
    let m = this.marks.get(why);
    if (m === undefined) {
      m = '*'.repeat(this.marks.size + 1);
      this.marks.set(why, m);
    }
    return `—${m.replace(/\*/g, '\\*')}`;
  }
  lines(): string[] {
    return this.marks.size === 0 ? [] : ['', ...[...this.marks].map(([why, m]) => `${m.replace(/\*/g, '\\*')} ${why}`)];
  }
}

function agreement(e: number): string {
  return e === 0 ? '0 (same bits)' : e.toExponential(1);
}

function timeTable(rs: readonly WorkloadResult[]): string[] {
  const notes = new Notes();
  const lines = [
    '| workload | hand JS µs | hand C µs | wasm µs | wasm ×hand JS | wasm ×hand C | wasm ×compiled JS | embedded µs | embedded ×hand JS | embedded ×hand C | embedded vs eager (rel.) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rs) {
    const wa = r.wasm;
    if (!('import' in wa)) {
      lines.push(`| ${r.label} | ${fmt(r.hand.medianUs)} | ${handC(r)} | skipped: ${wa.skipped} |${' |'.repeat(7)}`);
      continue;
    }
    const v = wa.import;
    const e = wa.embedded;
    const emb = 'timing' in e
      ? [fmt(e.timing.medianUs), ratio(e.ratios.toHand), ratioOrDash(e.ratios.toHandC), agreement(e.agreement)]
      : [notes.mark(e.skipped), '—', '—', '—'];
    lines.push(`| ${[
      r.label, fmt(r.hand.medianUs), handC(r), fmt(v.timing.medianUs), ratio(v.ratios.toHand), ratioOrDash(v.ratios.toHandC), ratio(v.ratios.toCompiled), ...emb,
    ].join(' | ')} |`);
  }
  return [...lines, ...notes.lines()];
}

/** codegen + build ms (codegen / build), µs / trace node, bytes (per trace node). */
function compileCells(v: WasmVariant): string[] {
  const c = v.compile;
  return [
    `${fmt(c.codegenMs + c.buildMs)} (${fmt(c.codegenMs)} / ${fmt(c.buildMs)})`, fmt(c.usPerTraceNode),
    `${c.bytes.toLocaleString('en-US')} (${c.bytesPerTraceNode.toPrecision(3)})`,
  ];
}

function compileTable(rs: readonly WorkloadResult[]): string[] {
  const notes = new Notes();
  const lines = [
    '| workload | trace nodes | instructions, functions (loops) | compile ms | codegen + build ms (codegen / build) | µs / trace node | module bytes (per trace node) | embedded: codegen + build ms | embedded µs / trace node | embedded bytes (per trace node) |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rs) {
    const wa = r.wasm;
    if (!('import' in wa)) continue;
    const c = wa.import.compile;
    const e = wa.embedded;
    lines.push(`| ${[
      r.label, c.traceNodes.toLocaleString('en-US'), `${c.instructions.toLocaleString('en-US')}, ${c.functions} (${c.loops})`, fmt(c.ms),
      ...compileCells(wa.import), ...('timing' in e ? compileCells(e) : [notes.mark(e.skipped), '—', '—']),
    ].join(' | ')} |`);
  }
  return lines.length > 2 ? [...lines, ...notes.lines()] : [];
}

function emccTable(rs: readonly WorkloadResult[]): string[] {
  const lines = [
    '| workload | hand JS µs | hand C µs | Binaryen wasm µs | emcc wasm µs | emcc ×hand JS | emcc ×Binaryen | emcc ×hand C | Binaryen codegen + build ms | C file ms + emcc ms | Binaryen / emcc bytes | emcc vs eager (rel.) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|',
  ];
  for (const r of rs) {
    const wa = r.wasm;
    if (!('import' in wa) || wa.emcc === null) continue;
    const e = wa.emcc;
    if ('skipped' in e) {
      lines.push(`| ${r.label} | ${fmt(r.hand.medianUs)} | ${handC(r)} | ${fmt(wa.import.timing.medianUs)} | skipped: ${e.skipped} |${' |'.repeat(7)}`);
      continue;
    }
    const c = wa.import.compile;
    lines.push(`| ${[
      r.label, fmt(r.hand.medianUs), handC(r), fmt(wa.import.timing.medianUs), fmt(e.timing.medianUs),
      ratio(e.ratios.toHand), ratio(e.ratios.toBinaryen), ratioOrDash(e.ratios.toHandC),
      fmt(c.codegenMs + c.buildMs), `${fmt(e.cSourceMs)} + ${fmt(e.compileMs)}`,
      `${c.bytes.toLocaleString('en-US')} / ${e.bytes.toLocaleString('en-US')}`, agreement(e.agreement),
    ].join(' | ')} |`);
  }
  return lines.length > 2 ? lines : [];
}

export function wasmSection(rs: readonly WorkloadResult[], info: WasmReport): string[] {
  const out = ['', '### WebAssembly', ''];
  if (info.skipped !== null) return [...out, `Skipped: ${info.skipped}.`];
  out.push(
    '`backend: \'wasm\'` (Binaryen-built module, math imported from the host\'s `Math`: bit-identical to eager `backward()`, checked before timing) and `math: \'embedded\'` (its own libm, checked to a norm-wise relative 1e-11), called through `fn.gradient` like the compiled JS, in the same interleaved rounds. compile ms: the whole `compileGradientFunction`; codegen: building the module with Binaryen; build: `WebAssembly.Module` + `Instance`; µs / trace node: (codegen + build) / trace nodes. Module bytes: `compileToWasm` with the same options.',
    '',
    ...timeTable(rs),
    '',
    ...compileTable(rs),
  );
  const emcc = emccTable(rs);
  out.push('', '#### Binaryen vs emscripten', '');
  if ('skipped' in info.emcc) out.push(`The emcc contender was skipped: ${info.emcc.skipped}.`);
  else if (emcc.length === 0) out.push('(No workload with an emcc contender ran: W1 n=1000 and W4 have one.)');
  else {
    out.push(
      `The C backend's file (\`compileToC\`) built by ${info.emcc.version} with \`emcc -O3 -sSTANDALONE_WASM --no-entry\` and the C backend's flags (libm compiled in: emscripten's musl), instantiated in Node, inputs / gradient / workspace from its \`malloc\`, copied in and out per call as the wasm backend's kernel does. Checked against eager \`backward()\` to a norm-wise relative 1e-12 before timing.`,
      '',
      ...emcc,
    );
  }
  return out;
}
