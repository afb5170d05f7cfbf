/**
 * W5 (never timing): one cell with every backend (and C built in the background) descends to
 * the same point as eager backward() (runCell throws otherwise), the C compiles it measures
 * are real compiler runs, and a C build cache that is not empty is refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { nativeUnavailable } from '../src/native.js';
import { W5_CELLS, runCell } from '../src/w5.js';

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'adjoint-w5-test-'));
  dirs.push(d);
  return d;
}
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const why = nativeUnavailable();
if (why !== null) console.info(`W5 tests run without C: ${why}`);
const backends = why === null ? (['c', 'wasm'] as const) : (['wasm'] as const);

test('the cells are the seed table: 5, 50, 100 variables x 100, 1000, 2000 iterations', () => {
  expect(W5_CELLS.map((c) => `${c.n}/${c.iterations}`)).toEqual(['5/100', '5/1000', '5/2000', '50/100', '50/1000', '50/2000', '100/100', '100/1000', '100/2000']);
});

describe('runCell', () => {
  test('eager, JS and the other backends reach the same point; each compile is inside its end-to-end time', async () => {
    process.env.ADJOINT_CACHE_DIR = freshDir();
    const r = await runCell(6, 30, backends);
    for (const b of ['js', ...backends] as const) {
      const o = r[b]!;
      if ('skipped' in o) throw new Error(`${b}: ${o.skipped}`);
      expect(o.ms).toBeGreaterThanOrEqual(o.compileMs);
      expect(o.compileMs).toBeGreaterThanOrEqual(o.buildMs);
      expect(o.speedup).toBeCloseTo(r.eagerMs / o.ms, 10);
    }
    if (why === null && 'buildMs' in r.c!) expect(r.c.buildMs).toBeGreaterThan(1);   // a compiler ran: ms, not µs
    if (why === null) {
      // C, background ran with C, reached the same point (runCell checks), and its library was built.
      const o = r.cBackground!;
      if ('skipped' in o) throw new Error(`C, background: ${o.skipped}`);
      expect(o.ms).toBeGreaterThanOrEqual(o.compileMs);
      expect(o.nativeMs).toBeGreaterThan(o.compileMs);
    } else expect(r.cBackground).toBeUndefined();
  });

  test.skipIf(why !== null)('refuses a C build cache that already holds libraries', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'old.so'), '');
    process.env.ADJOINT_CACHE_DIR = dir;
    await expect(runCell(6, 10, ['c'])).rejects.toThrow(/empty directory of its own/);
  });
});
