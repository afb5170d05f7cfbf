/**
 * The per-stage compile report (bench/src/stages.ts) on small graphs: every stage is timed,
 * node counts agree with the passes, and the optimize levels never grow the graph.
 * Correctness only; the figures themselves come from `pnpm bench:stages`.
 */
import { describe, expect, test } from 'vitest';
import { measureLevels, measurePoint, stagesMarkdown } from '../src/stages.js';

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
    const md = stagesMarkdown([measurePoint({ family: 'W3', n: 100 })], [levels]);
    expect(md).toMatch(/\| W3 n=100 \| 793 \|/);
    expect(md).toMatch(/\| W1 n=100 \| 2,774 \| 1,686 \| 1,686 \| 39\.2% \|/);
  });
});
