/**
 * Writes the static HTML report: `node bench/dist/report-html.js [results.json] [--out file.html]`.
 * Without a file, the newest bench/results/*.json; the page goes to bench/report/index.html.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestResult, renderHtml } from './html.js';
import type { RunReport } from './report.js';

const USAGE = 'usage: node bench/dist/report-html.js [bench/results/<run>.json] [--out bench/report/index.html]';
const bench = fileURLToPath(new URL('..', import.meta.url));

function main(argv: string[]): void {
  let input: string | null = null;
  let out = resolve(bench, 'report', 'index.html');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      return;
    }
    if (a === '--out') {
      const v = argv[++i];
      if (!v) throw new Error(`--out needs a file\n${USAGE}`);
      out = resolve(v);
    } else if (a.startsWith('-')) throw new Error(`unknown argument "${a}"\n${USAGE}`);
    else input = resolve(a);
  }
  input ??= newestResult(resolve(bench, 'results'));
  if (input === null) throw new Error('no bench/results/*.json yet: run ./dev bench (or node bench/dist/main.js --quick) first');
  const rep = JSON.parse(readFileSync(input, 'utf8')) as RunReport;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, renderHtml(rep, basename(input)));
  console.log(`wrote ${out} (from ${input})`);
}

try {
  main(process.argv.slice(2));
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
