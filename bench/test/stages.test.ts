/**
 * The per-stage compile report (bench/src/stages.ts) on small graphs: every stage is timed,
 * node counts agree with the passes, and the optimize levels never grow the graph.
 * Correctness only; the figures themselves come from `./dev bench` (its stages part) or
 * `pnpm bench:stages`.
 */
import { describe, expect, test } from 'vitest';
import { stagesMarkdown, stagesSection } from '../src/report-stages.js';
import { levelPoints, measureLevels, measurePoint, stageFailures, stagePoints, type StagesReport } from '../src/stages.js';

const DATE = '2026-11-23T17:14:12.432Z';

describe('compile stages', () => {
  test('a point times every stage of the pipeline, in order', () => {
    const row = measurePoint({ family: 'W1', n: 100 });
    expect(Object.keys(row.ms)).toEqual(['values', 'trace', 'gradient', 'dce', 'schedule', 'codegen', 'build']);
    for (const ms of Object.values(row.ms)) expect(ms).toBeGreaterThanOrEqual(0);
    expect(row.traceNodes).toBe(1089);
    expect(row.gradientNodes).toBeGreaterThan(row.traceNodes);
    expect(row.peakRssMB).toBeGreaterThan(0);
    const irregular = measurePoint({ family: 'irregular', n: 200 });
    expect(irregular.traceNodes).toBeGreaterThan(200);
  });

  test('levels: optimize 1 and 2 never have more nodes than 0, and the report prints them', () => {
    const levels = measureLevels('W1', 100);
    expect(levels.nodes[1]).toBeLessThan(levels.nodes[0]);
    expect(levels.nodes[2]).toBeLessThanOrEqual(levels.nodes[1]);
    const md = stagesMarkdown({ rows: [measurePoint({ family: 'W3', n: 100 })], levels: [levels], seconds: 4.2 }, DATE);
    expect(md).toMatch(/\| W3 n=100 \| 793 \|/);
    expect(md).toMatch(/\| W1 n=100 \| 2,774 \| 1,686 \| 1,686 \| 39\.2% \|/);
    expect(md).toContain('Run of 2026-11-23 17:14 UTC, 4 s for this part.');
  });

  test('--quick keeps the two smallest points of each series and two levels; --huge adds 10^6', () => {
    const names = (o: { quick: boolean; huge: boolean }) => stagePoints(o).map((p) => `${p.family} ${p.n}`);
    expect(names({ quick: true, huge: false })).toEqual(['W1 100', 'W1 1000', 'W3 100', 'W3 1000', 'irregular 580', 'irregular 5800']);
    expect(names({ quick: false, huge: false })).toEqual([
      'W1 100', 'W1 1000', 'W1 10000', 'W1 100000', 'W3 100', 'W3 1000', 'W3 10000', 'W3 100000', 'irregular 580', 'irregular 5800', 'irregular 58000',
    ]);
    expect(names({ quick: false, huge: true })).toContain('W1 1000000');
    expect(levelPoints(true).map(([id]) => id)).toEqual(['W1', 'W4']);
    expect(levelPoints(false).map(([id]) => id)).toEqual(['W1', 'W2', 'W3', 'W4']);
  });

  test('a failed point or level is a row of its own, named by stageFailures; a skipped part prints nothing', () => {
    const rep: StagesReport = {
      skipped: null, seconds: 1,
      rows: [{ label: 'W1 n=100000', error: 'heap out of memory | abort' }],
      levels: [{ label: 'W4 MLP', error: 'exit 134' }],
    };
    expect(stageFailures(rep)).toEqual(['W1 n=100000: heap out of memory | abort', 'W4 MLP: exit 134']);
    const md = stagesSection(rep, DATE).join('\n');
    expect(md).toContain('| W1 n=100000 | failed: heap out of memory \\| abort |');
    expect(md).toContain('| W4 MLP | failed: exit 134 |');
    expect(stagesSection({ skipped: 'not selected (--only)', rows: [], levels: [], seconds: 0 }, DATE)).toEqual([]);
    expect(stagesSection(undefined, DATE)).toEqual([]);
  });
});
