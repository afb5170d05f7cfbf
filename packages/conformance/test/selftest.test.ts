// The suite must be able to fail: deliberately broken backends are caught, and the
// finite-difference estimator is accurate on functions whose derivative we know.
import { describe, expect, test } from 'vitest';
import {
  backends, checkBackend, corpus, finiteDifferences, prepare, type Case, type ConformanceBackend, type Outcome,
} from '@adjoint/conformance';

const js = backends.find((b) => b.name === 'js')!;

/** The JS backend with its results passed through `damage`. */
function broken(name: string, damage: (r: Outcome) => Outcome, ulps = 0): ConformanceBackend {
  return {
    name, ulps,
    compile: (output, params, inputs) => {
      const run = js.compile(output, params, inputs);
      return (values) => damage(run(values));
    },
  };
}

/** The next double above x >= 0: exactly one ulp. */
function nextUp(x: number): number {
  const f = new Float64Array([x]);
  new BigInt64Array(f.buffer)[0] += 1n;
  return f[0];
}

const named = (name: string): Case => corpus.find((c) => c.name === name)!;

describe('broken backends are caught', () => {
  test('a flipped sign of zero in a gradient', () => {
    const flipZeros = broken('flip-zeros', (r) => ({ ...r, gradient: r.gradient.map((g) => (g === 0 ? -g : g)) }));
    expect(checkBackend(flipZeros, named('-0 inputs')).join('\n')).toMatch(/d\/dp1: interp 0 \(0x0000000000000000\) vs flip-zeros -0/);
  });

  test('one ulp off in the value: caught at 0 ulps, accepted at 1', () => {
    const nudge = (ulps: number): ConformanceBackend =>
      broken(`nudge-${ulps}`, (r) => ({ ...r, value: nextUp(r.value) }), ulps);
    const c = named('rosenbrock n=5');
    expect(checkBackend(nudge(0), c).length).toBeGreaterThan(0);
    expect(checkBackend(nudge(1), c)).toEqual([]);
  });

  test('a gradient written to the wrong slot', () => {
    const swap = broken('swap', (r) => ({ ...r, gradient: Float64Array.from(r.gradient).reverse() }));
    expect(checkBackend(swap, named('op atan2')).length).toBeGreaterThan(0);
  });
});

describe('finite differences', () => {
  test('match a known derivative to 1e-9', () => {
    const c: Case = {
      name: 'sin(p0) * exp(p1) + p0^3', nInputs: 2, nParams: 2,
      build: ([a, b]) => a.sin().mul(b.exp()).add(a.pow(3)),
      points: [[0.7, -0.4]],
    };
    for (const [a, b] of [[0.7, -0.4], [-2, 1.5], [3, 0.1]]) {
      const fd = finiteDifferences(prepare(c).trace.graph, [a, b], 2);
      const want = [Math.cos(a) * Math.exp(b) + 3 * a * a, Math.sin(a) * Math.exp(b)];
      for (let k = 0; k < 2; k++) expect(Math.abs(fd[k] - want[k])).toBeLessThan(1e-9 * Math.max(1, Math.abs(want[k])));
    }
  });

  test('only perturb params, never runtime inputs', () => {
    const c: Case = { name: 'p0 * x0', nInputs: 2, nParams: 1, build: ([p, x]) => p.mul(x), points: [[2, 3]] };
    const fd = finiteDifferences(prepare(c).trace.graph, [2, 3], 1);
    expect(fd.length).toBe(1);
    expect(Math.abs(fd[0] - 3)).toBeLessThan(1e-12);
  });
});
