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
    '| W1 n=1000 | 2.00 | — | 2.20 (1.1x) | — | 1.90 (0.95x) | — |',
    '| W4 MLP | 66.4 | 22.8 (0.34x) | 43.9 (0.66x) | 26.4 (0.40x) | 29.5 (0.44x) | 15,354 (231x) |',
  ]);
});
