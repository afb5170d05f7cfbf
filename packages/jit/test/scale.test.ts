import { describe, expect, test } from 'vitest';
import { compileGradientFunction, compileStats } from '@adjoint/jit';
import { rosenbrock } from './rosenbrock.js';

function handGradient(x: Float64Array, g: Float64Array): number {
  g.fill(0);
  let f = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const d = x[i + 1] - x[i] * x[i];
    const e = 1 - x[i];
    f += 100 * d * d + e * e;
    g[i] += -400 * d * x[i] - 2 * e;
    g[i + 1] += 200 * d;
  }
  return f;
}

describe('scale', () => {
  test.each([
    ['rerolled into loops (the default)', 'auto' as const],
    ['as straight-line chunks', false],
  ])('W1 Rosenbrock n=100000 (about 10^6 IR nodes) %s compiles and matches backward() bit for bit', (_, reroll) => {
    const n = 100_000;
    const { f, xs } = rosenbrock(n);
    const fn = compileGradientFunction(f, xs, { cache: false, reroll });
    const stats = compileStats(fn)!;
    expect(stats.traceNodes).toBeGreaterThan(1_000_000);
    if (reroll === false) {
      expect(stats.chunks).toBeGreaterThan(100);
      expect(stats.loops).toBe(0);
    } else {
      // ASAP order puts each term's derivative right after the term: one loop, a few instructions.
      expect(stats.loops).toBeGreaterThanOrEqual(1);
      expect(stats.instructions).toBeLessThan(100);
    }

    const x = Float64Array.from(xs, (v) => v.data);
    const out = new Float64Array(n);
    const { value } = fn.valueAndGradient(x, out);
    f.backward();
    expect(value).toBe(f.data);
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (!Object.is(out[i], xs[i].grad)) mismatches++;
    expect(mismatches).toBe(0);

    const hand = new Float64Array(n);
    const hf = handGradient(x, hand);
    expect(value).toBeCloseTo(hf, 6);
    for (let i = 0; i < n; i += 997) expect(out[i]).toBeCloseTo(hand[i], 9);
  });
});
