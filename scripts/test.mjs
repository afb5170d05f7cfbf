// Type-checks the test files (vitest only strips their types), runs the whole vitest suite once,
// smoke-runs the benchmark's quick mode, and prints the closing line CI reads: "N passed, N failed". The type-check counts as one test.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

// Only on a full run: a filtered run (arguments given) is for iterating on a few tests.
const typecheck = process.argv.length > 2 ? null : spawnSync('pnpm', ['exec', 'tsc', '-p', 'tsconfig.test.json'], { stdio: 'inherit' });
if (typecheck !== null) console.log(typecheck.status === 0 ? 'typecheck of the test files: ok' : 'typecheck of the test files: FAILED (errors above)');

const results = '.vitest-results.json';
rmSync(results, { force: true });
const run = spawnSync('pnpm', ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(results)) {
  const r = JSON.parse(readFileSync(results, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  skipped = r.numPendingTests + r.numTodoTests;
  // A suite that failed to load (syntax error, bad import) has no tests but must count as a failure.
  for (const file of r.testResults) if (file.status === 'failed' && file.assertionResults.length === 0) failed++;
}
if (run.status !== 0 && failed === 0) failed = 1;   // vitest itself failed (crash, no results)
if (typecheck !== null) { if (typecheck.status === 0) passed++; else failed++; }
// Also only on a full run: the benchmark's quick mode runs every path of `./dev bench` once
// (each system's gradient is checked before it is timed; no timing is asserted). One test.
if (typecheck !== null) {
  const bench = spawnSync(process.execPath, ['bench/dist/main.js', '--quick'], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(bench.status === 0 ? 'bench --quick smoke run: ok' : 'bench --quick smoke run: FAILED (see above)');
  if (bench.status === 0) passed++; else failed++;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
