/**
 * The README's benchmark table, generated from a results JSON (default: the newest full run
 * in bench/results): `node bench/dist/readme.js [results.json]` rewrites the text between the
 * `<!-- bench:table -->` markers of README.md. No figure in that table is typed by hand.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, ratio } from './report.js';

interface Timing { medianUs: number }
interface Row {
  id: string;
  label: string;
  hand: Timing;
  compiled: Timing;
  eager: Timing | { skipped: string };
  native?: { c: Timing; handC: Timing } | { skipped: string };
  wasm?: { import?: { timing: Timing }; embedded?: { timing: Timing } | { skipped: string } };
  f32?: { c: F32 | { skipped: string }; wasm: F32 | { skipped: string } };
}
interface F32 { timing: Timing; error: { gradient: number } }
interface Run { date: string; quick: boolean; totalSeconds: number; machine: { node: string; cpu: string; cores: number }; workloads: Row[] }

/** The workloads the README shows, by label. */
const SHOWN = ['W1 n=100', 'W1 n=1000', 'W2 n=1000', 'W3 n=1000', 'W4 MLP', 'W1 n=100000'];
const START = '<!-- bench:table -->';
const END = '<!-- /bench:table -->';

const cell = (t: Timing | undefined, hand: number): string => (t === undefined ? '—' : `${fmt(t.medianUs)} (${ratio(t.medianUs / hand)})`);
const timed = <T extends object>(x: T | { skipped: string } | undefined): T | undefined => (x === undefined || 'skipped' in x ? undefined : x);

/** The faster of the f32 builds (C, wasm) of a row, with its backend's name. */
function fastestF32(r: Row): { name: string; v: F32 } | undefined {
  const all = ([['C', timed(r.f32?.c)], ['wasm', timed(r.f32?.wasm)]] as const).flatMap(([name, v]) => (v === undefined ? [] : [{ name, v }]));
  return all.length === 0 ? undefined : all.reduce((a, b) => (b.v.timing.medianUs < a.v.timing.medianUs ? b : a));
}

/**
 * The f32 line under the table: the largest gradient error of the f32 builds on the rows shown,
 * and, when one row stands out, the largest of the others.
 */
function f32Note(rows: readonly Row[]): string {
  const errs = rows.flatMap((r) => [timed(r.f32?.c), timed(r.f32?.wasm)].flatMap((v) => (v === undefined ? [] : [{ label: r.label, e: v.error.gradient }])));
  if (errs.length === 0) return 'f32: not in this run.';
  const worst = errs.reduce((a, b) => (b.e > a.e ? b : a));
  const rest = errs.filter((x) => x.label !== worst.label);
  const others = rest.length === 0 ? 0 : Math.max(...rest.map((x) => x.e));
  const tail = rest.length > 0 && worst.e > 10 * others ? ` (on ${worst.label}, where float32 itself loses that much; the other rows: at most ${others.toExponential(1)})` : '';
  // A backend that did not run on some rows is named with its reason, so "faster" is not read as measured.
  const missing = (['c', 'wasm'] as const).flatMap((b) => {
    const off = rows.flatMap((r) => {
      const v = r.f32?.[b];
      return v !== undefined && 'skipped' in v ? [{ label: r.label, why: v.skipped }] : [];
    });
    return off.length === 0 ? [] : [` ${b === 'c' ? 'C' : 'wasm'} f32 did not run on ${off.map((o) => o.label).join(', ')} (${off[0].why}).`];
  });
  return `f32: \`precision: 'f32'\` called with Float32Array values and out, the faster of C and wasm (named in the cell); its gradients are within ${worst.e.toExponential(1)} of the f64 ones, norm-wise relative${tail}.${missing.join('')}`;
}

export function readmeTable(run: Run): string {
  const lines = [
    `Medians of the run of ${run.date.slice(0, 16).replace('T', ' ')} UTC (\`./dev bench\`, ${Math.round(run.totalSeconds)} s; Node ${run.machine.node}, ${run.machine.cpu}, ${run.machine.cores} cores),`,
    'µs per value + gradient, and in parentheses the ratio to the hand-written JS gradient timed in the same run.',
    'wasm: the faster of importing the host\'s `Math` and `math: \'embedded\'`.',
    f32Note(SHOWN.flatMap((label) => run.workloads.filter((w) => w.label === label))),
    '',
    '| workload | hand JS | hand C | Adjoint JS | Adjoint C (native) | Adjoint wasm | Adjoint f32 | eager `backward()` |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const label of SHOWN) {
    const r = run.workloads.find((w) => w.label === label);
    if (r === undefined) continue;
    const f32 = fastestF32(r);
    const h = r.hand.medianUs;
    const native = timed(r.native);
    const wasms = [r.wasm?.import?.timing, timed(r.wasm?.embedded)?.timing].filter((t): t is Timing => t !== undefined);
    const wasm = wasms.length === 0 ? undefined : wasms.reduce((a, b) => (b.medianUs < a.medianUs ? b : a));
    const f32Cell = f32 === undefined ? '—' : `${fmt(f32.v.timing.medianUs)} (${ratio(f32.v.timing.medianUs / h)}, ${f32.name})`;
    lines.push(`| ${label} | ${fmt(h)} | ${cell(native?.handC, h)} | ${cell(r.compiled, h)} | ${cell(native?.c, h)} | ${cell(wasm, h)} | ${f32Cell} | ${cell(timed(r.eager), h)} |`);
  }
  return lines.join('\n');
}

function newestFullRun(dir: string): string {
  // The run files writeJson names (html.ts RUN_FILE), full runs only.
  const files = readdirSync(dir).filter((f) => /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.json$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no full run in ${dir}: run ./dev bench first`);
  return join(dir, files[files.length - 1]);
}

function main(): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const file = process.argv[2] ?? newestFullRun(join(root, 'bench', 'results'));
  const run = JSON.parse(readFileSync(file, 'utf8')) as Run;
  if (run.quick) throw new Error(`${file} is a --quick run; the README shows full runs only`);
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} ... ${END} section`);
  writeFileSync(readme, `${text.slice(0, a + START.length)}\n${readmeTable(run)}\n${text.slice(b)}`);
  console.log(`README.md: benchmark table from ${file}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
