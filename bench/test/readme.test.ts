/** The README's benchmark table is generated from a results JSON: the rows, cells and ratios. */
import { expect, test } from 'vitest';
import { readmeTable } from '../src/readme.js';

const t = (medianUs: number) => ({ medianUs });
const run = {
  date: '2026-11-23T14:12:47.194Z', quick: false, totalSeconds: 307.2,
  machine: { node: 'v20.20.2', cpu: 'AMD EPYC', cores: 2 },
  workloads: [
    {
      id: 'W4', label: 'W4 MLP', hand: t(66.4), compiled: t(43.9), eager: t(15354),
      native: { c: t(26.4), handC: t(22.8) },
      wasm: { import: { timing: t(54.8) }, embedded: { timing: t(29.5) } },
      f32: { c: { timing: t(31.3), error: { gradient: 1.7e-7 } }, wasm: { timing: t(53.2), error: { gradient: 1.1e-7 } } },
    },
    {
      id: 'W2', label: 'W2 n=1000', hand: t(25), compiled: t(22), eager: t(2500),
      native: { c: t(24), handC: t(21) }, wasm: { import: { timing: t(24) }, embedded: { timing: t(23) } },
      f32: { c: { skipped: 'no compiler' }, wasm: { timing: t(20), error: { gradient: 6.0e-4 } } },
    },
    {
      id: 'W1', label: 'W1 n=1000', hand: t(2), compiled: t(2.2), eager: { skipped: 'too slow' },
      native: { skipped: 'no compiler' }, wasm: { import: { timing: t(1.9) }, embedded: { skipped: 'same module' } },
    },
    { id: 'W9', label: 'not shown', hand: t(1), compiled: t(1), eager: t(1) },
  ],
};

test('rows in the README order, with ratios to hand-written JS and dashes for what did not run', () => {
  const lines = readmeTable(run).split('\n');
  expect(lines[0]).toMatch(/^Medians of the run of 2026-11-23 14:12 UTC \(`\.\/dev bench`, 307 s; Node v20\.20\.2, AMD EPYC, 2 cores\)/);
  const rows = lines.filter((l) => l.startsWith('| W'));
  expect(rows).toEqual([
    '| W1 n=1000 | 2.00 | — | 2.20 (1.1x) | — | 1.90 (0.95x) | — | — |',
    '| W2 n=1000 | 25.0 | 21.0 (0.84x) | 22.0 (0.88x) | 24.0 (0.96x) | 23.0 (0.92x) | 20.0 (0.80x, wasm) | 2,500 (100x) |',
    '| W4 MLP | 66.4 | 22.8 (0.34x) | 43.9 (0.66x) | 26.4 (0.40x) | 29.5 (0.44x) | 31.3 (0.47x, C) | 15,354 (231x) |',
  ]);
});

test('the f32 line names the largest gradient error of the rows shown, and the others\' when one row stands out', () => {
  const note = readmeTable(run).split('\n').find((l) => l.startsWith('f32:'))!;
  expect(note).toContain('within 6.0e-4 of the f64 ones');
  expect(note).toContain('on W2 n=1000');
  expect(note).toContain('at most 1.7e-7');
  expect(note).toContain('C f32 did not run on W2 n=1000 (no compiler).');
  expect(note).not.toContain('wasm f32 did not run');
  const old = { ...run, workloads: run.workloads.map(({ f32: _, ...w }) => w) };
  expect(readmeTable(old).split('\n')).toContain('f32: not in this run.');
});
