/**
 * `./dev bench` end to end, through the built entry point (bench/dist/main.js) the way the CI
 * smoke run calls it. Its stages part spawns bench/dist/stages.js for every point, so it cannot
 * run from the TypeScript sources: beforeAll compiles bench first (tsc -p, incremental: about
 * two seconds when nothing changed; the packages' builds are left as they are).
 * No figure is checked, only that the run carries them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunReport } from '../src/report.js';
import type { StageRow } from '../src/stages.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'bench', 'dist', 'main.js');

function buildBench(): void {
  const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'bench', 'tsconfig.json')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc -p bench failed:\n${r.stdout}${r.stderr}`);
}

function bench(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('./dev bench', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-bench-'));
  beforeAll(buildBench);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--quick --only stages: the results JSON carries the quick stages rows and levels, stdout their tables', () => {
    const file = join(dir, 'run.json');
    const r = bench('--quick', '--only', 'stages', '--json', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${file}`);
    const rep = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
    expect(rep).toMatchObject({ quick: true, only: ['STAGES'], workloads: [], w5: [] });
    const st = rep.stages!;
    expect(st.skipped).toBeNull();
    expect(st.rows.map((x) => x.label)).toEqual([
      'W1 n=100', 'W1 n=1000', 'W3 n=100', 'W3 n=1000', 'irregular DAG, 580 steps', 'irregular DAG, 5,800 steps',
    ]);
    for (const row of st.rows) {
      if ('error' in row) throw new Error(`${row.label} failed: ${row.error}`);
      expect(Object.keys(row.ms)).toEqual(['values', 'trace', 'gradient', 'dce', 'schedule', 'codegen', 'build']);
      expect(row.gradientNodes).toBeGreaterThan(row.traceNodes);
    }
    expect(st.rows[0]).toMatchObject({ traceNodes: 1089, gradientNodes: 1686 });
    expect(st.levels).toMatchObject([{ label: 'W1 n=100', nodes: [2774, 1686, 1686] }, { label: 'W4 MLP' }]);
    expect(st.seconds).toBeGreaterThan(0);
    // The markdown report: only this part, both its tables.
    expect(r.stdout).toContain('### Compile throughput per stage');
    expect(r.stdout).toMatch(/^\| W1 n=100 \| 1,089 \| 1,686 \|/m);
    expect(r.stdout).toMatch(/^\| W1 n=100 \| 2,774 \| 1,686 \| 1,686 \| 39\.2% \|/m);
    expect(r.stdout).not.toContain('### Time per gradient');
  });

  // Linux carries a parent's peak RSS over into its children's getrusage, and ./dev bench is big.
  test.skipIf(!existsSync('/proc/self/status'))('a stages point reports its own peak RSS, not its parent\'s', () => {
    const ballast = new Float64Array(40e6).fill(1);   // ~320 MB resident in this process
    const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'dist', 'stages.js'), '--point', 'W1', '100'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const row = JSON.parse(r.stdout.trim().split('\n').pop()!) as StageRow;
    expect(ballast[1]).toBe(1);
    expect(row.peakRssMB).toBeGreaterThan(10);
    expect(row.peakRssMB).toBeLessThan(250);   // W1 n=100 needs ~60 MB
  });

  test('--only names the parts, stages among them', () => {
    const r = bench('--only', 'W9');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown part W9; the parts are W1, W2, W3, W4, W5, C, stages');
  });
});
