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
}
interface Run { date: string; quick: boolean; totalSeconds: number; machine: { node: string; cpu: string; cores: number }; workloads: Row[] }

/** The workloads the README shows, by label. */
const SHOWN = ['W1 n=100', 'W1 n=1000', 'W2 n=1000', 'W3 n=1000', 'W4 MLP', 'W1 n=100000'];
const START = '<!-- bench:table -->';
const END = '<!-- /bench:table -->';

const cell = (t: Timing | undefined, hand: number): string => (t === undefined ? '—' : `${fmt(t.medianUs)} (${ratio(t.medianUs / hand)})`);
const timed = <T extends object>(x: T | { skipped: string } | undefined): T | undefined => (x === undefined || 'skipped' in x ? undefined : x);

export function readmeTable(run: Run): string {
  const lines = [
    `Medians of the run of ${run.date.slice(0, 16).replace('T', ' ')} UTC (\`./dev bench\`, ${Math.round(run.totalSeconds)} s; Node ${run.machine.node}, ${run.machine.cpu}, ${run.machine.cores} cores),`,
    'µs per value + gradient, and in parentheses the ratio to the hand-written JS gradient timed in the same run.',
    'wasm: the faster of importing the host\'s `Math` and `math: \'embedded\'`.',
    '',
    '| workload | hand JS | hand C | Adjoint JS | Adjoint C (native) | Adjoint wasm | eager `backward()` |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const label of SHOWN) {
    const r = run.workloads.find((w) => w.label === label);
    if (r === undefined) continue;
    const h = r.hand.medianUs;
    const native = timed(r.native);
    const wasms = [r.wasm?.import?.timing, timed(r.wasm?.embedded)?.timing].filter((t): t is Timing => t !== undefined);
    const wasm = wasms.length === 0 ? undefined : wasms.reduce((a, b) => (b.medianUs < a.medianUs ? b : a));
    lines.push(`| ${label} | ${fmt(h)} | ${cell(native?.handC, h)} | ${cell(r.compiled, h)} | ${cell(native?.c, h)} | ${cell(wasm, h)} | ${cell(timed(r.eager), h)} |`);
  }
  return lines.join('\n');
}

function newestFullRun(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.includes('quick')).sort();
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
