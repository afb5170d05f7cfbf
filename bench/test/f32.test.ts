/**
 * Correctness of the bench's float32 contenders (never timing): the C and wasm backends with
 * precision 'f32' stay within the bench's f32 tolerance of eager backward() in f64 on every
 * workload size the tests use, at two points; planF32 compiles, checks and reports them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { compileGradientFunction, type GradFn } from '@adjoint/jit';
import { nativeUnavailable, relError } from '../src/native.js';
import { QUICK_F32, f32Tolerance, planF32 } from '../src/suite-f32.js';
import { prepareWasm } from '../src/suite-wasm.js';
import type { Timing } from '../src/timing.js';
import { makeWorkload } from '../src/workloads.js';
import { SIZES, eager, shifted } from './helpers.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'adjoint-bench-f32-'));
process.env.ADJOINT_CACHE_DIR = cacheDir;
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const noWasm = (await prepareWasm()).skipped;
const noNative = nativeUnavailable();
for (const [what, why] of [['C', noNative], ['wasm', noWasm]] as const) if (why !== null) console.info(`skipping the ${what} f32 tests: ${why}`);

const backends = [['c', noNative], ['wasm', noWasm]] as const;

describe.each(SIZES)('%s n=%i f32', (id, n) => {
  const w = makeWorkload(id, n);
  const tol = f32Tolerance(w);

  test.for(backends)('%s: within the f32 tolerance of backward() in f64 at two points', ([backend, why], ctx) => {
    if (why !== null) return ctx.skip(why);
    const b = w.build(w.x);
    // One compile serves both points: the params are the function's arguments.
    const fn: GradFn = compileGradientFunction(b.output, b.params, { inputs: b.inputs, backend, precision: 'f32', cache: false });
    for (const x of [w.x, shifted(w)]) {
      const g = new Float64Array(w.nParams).fill(NaN);
      const { value } = fn.valueAndGradient(x, g);
      const ref = eager(w, x);
      const gErr = relError(g, ref.g);
      expect(gErr).toBeLessThanOrEqual(tol.gradient);
      expect(Math.abs(value - ref.f)).toBeLessThanOrEqual(tol.value * Math.abs(ref.f));
      // float32 is not float64: an error of exactly 0 would mean the f64 code ran.
      expect(gErr).toBeGreaterThan(0);
    }
  });
});

test('the --quick workloads exist', () => {
  const labels = SIZES.map(([id, n]) => makeWorkload(id, n).label);
  for (const l of QUICK_F32) expect(labels).toContain(l);
});

describe('planF32', () => {
  const timing = (us: number): Timing => ({
    medianUs: us, minUs: us, maxUs: us, rounds: 1, callsPerRound: 1, warmup: { calls: 1, ms: 0, stable: true, firstUs: us, lastUs: us },
  });
  const w = makeWorkload('W2', 10);
  const ref = eager(w, w.x);
  const warm = { minMs: 0, minCalls: 1, maxMs: 0 };

  test('compiles and checks both contenders, and finish() turns timings into ratios', () => {
    const plan = planF32(w, warm, { c: null, wasm: null }, ref.f, ref.g, () => {});
    const names = plan.contenders.map((c) => c.name);
    expect(names).toEqual([...(noNative === null ? ['c-f32'] : []), ...(noWasm === null ? ['wasm-f32'] : [])]);
    const scale = Math.max(...Array.from(ref.g, Math.abs));
    for (const c of plan.contenders) expect(Math.abs(c.run() - ref.g[0])).toBeLessThanOrEqual(f32Tolerance(w).gradient * scale);
    const t = new Map([['hand', timing(2)], ['c', timing(4)], ['c-f32', timing(3)], ['wasm-f32', timing(1)]]);
    const r = plan.finish(t);
    if (noNative === null) {
      if (!('timing' in r.c)) throw new Error(r.c.skipped);
      expect(r.c.ratios).toEqual({ toHand: 1.5, toF64: 0.75 });
      expect(r.c.error.gradient).toBeGreaterThan(0);
      expect(r.c.error.gradient).toBeLessThanOrEqual(r.c.tolerance.gradient);
      expect(r.c.compile.buildMs).toBeGreaterThan(0);
    }
    if (noWasm === null) {
      if (!('timing' in r.wasm)) throw new Error(r.wasm.skipped);
      expect(r.wasm.ratios).toEqual({ toHand: 0.5, toF64: null });   // no f64 'wasm' timing in this map
    }
  });

  test('a skipped backend has no contender and says why', () => {
    const plan = planF32(w, warm, { c: 'not selected (--systems)', wasm: 'not in --quick' }, ref.f, ref.g, () => {});
    expect(plan.contenders).toEqual([]);
    expect(plan.finish(new Map([['hand', timing(1)]]))).toEqual({ c: { skipped: 'not selected (--systems)' }, wasm: { skipped: 'not in --quick' } });
  });

  test('refuses a gradient past the tolerance', () => {
    const bad = Float64Array.from(ref.g, (v) => v * (1 + 1e-3));
    expect(() => planF32(w, warm, { c: 'off', wasm: null }, ref.f, bad, () => {})).toThrow(/too far from backward\(\)/);
  });
});
