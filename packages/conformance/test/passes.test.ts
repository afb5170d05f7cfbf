/**
 * The optimization pipeline against the unoptimized gradient, on the corpus, 320 random
 * graphs and nested loop programs: every level verifies after every pass, never grows the
 * graph, and level 1 (the default) is bit-identical to level 0 (which mirrors backward()).
 * Level 2 is bit-identical too unless it changed the trace (a repeat merged, a node
 * rewritten); fastMath is held to a tolerance.
 */
import { describe, expect, test } from 'vitest';
import { traceValue } from '@adjoint/autograd';
import { CONST, INPUT, cse, interpret, simplify, optimizeGradient, type Graph, type OptimizeLevel, type PipelineResult } from '@adjoint/ir';
import { corpus, makeLeaves, nestedCase, randomCase, type Case } from '@adjoint/conformance';

const cases: Case[] = [
  ...corpus,
  ...Array.from({ length: 320 }, (_, i) => randomCase(i + 1)),
  ...Array.from({ length: 20 }, (_, i) => nestedCase(i)),
];

function pipeline(c: Case, optimize: OptimizeLevel, fastMath = false): { trace: Graph; result: PipelineResult } {
  const { xs, params, inputs } = makeLeaves(c, c.points[0]);
  const trace = traceValue(c.build(xs), params, { inputs }).graph;
  return { trace, result: optimizeGradient(trace, { params: Array.from({ length: c.nParams }, (_, k) => k), optimize, fastMath, verify: true }) };
}

const computing = (g: Graph): number => {
  let n = 0;
  for (let i = 0; i < g.size; i++) if (g.op[i] !== CONST && g.op[i] !== INPUT) n++;
  return n;
};

/** Same bits, in the sense the suite uses: Object.is, so -0 is not +0 and NaN is NaN. */
function expectSameBits(got: Float64Array, want: Float64Array, where: string): void {
  for (let k = 0; k < want.length; k++) {
    if (!Object.is(got[k], want[k])) throw new Error(`${where}: output ${k} is ${got[k]}, expected ${want[k]}`);
  }
}

describe('optimization levels', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const level0 = pipeline(c, 0).result.graph;
    const level1 = pipeline(c, 1).result.graph;
    const { trace, result: r2 } = pipeline(c, 2);
    expect(level1.size).toBeLessThanOrEqual(level0.size);
    // Level 2 can trade two equal adjoint terms for a constant factor (g + g -> 2 * g): no more computing nodes.
    expect(computing(r2.graph)).toBeLessThanOrEqual(computing(level1));
    // Did level 2 change the trace (merge a repeat, rewrite a node)? Then the reverse sweep
    // meets the contributions in another order, and sums may round differently.
    const merged = computing(simplify(cse(trace).graph).graph) < computing(trace);
    for (const point of c.points) {
      const want = interpret(level0, point);
      expectSameBits(interpret(level1, point), want, `${c.name} level 1 at [${point.join(', ')}]`);
      const got2 = interpret(r2.graph, point);
      if (!merged) expectSameBits(got2, want, `${c.name} level 2 at [${point.join(', ')}]`);
      else expectClose(got2, want, 1e-9, `${c.name} level 2`);
    }
  });
});

function expectClose(got: Float64Array, want: Float64Array, tol: number, where: string): void {
  for (let k = 0; k < want.length; k++) {
    if (!Number.isFinite(want[k])) continue;   // documented: fast rules may turn NaN into a number
    const scale = Math.max(1, Math.abs(want[k]));
    if (!(Math.abs(got[k] - want[k]) <= tol * scale)) throw new Error(`${where}: output ${k} is ${got[k]}, expected ${want[k]} within ${tol}`);
  }
}

describe('fastMath', () => {
  test.each(cases.filter((c) => c.fdSkip === undefined).map((c) => [c.name, c] as const))('%s stays within 1e-9', (_, c) => {
    const exact = pipeline(c, 0).result.graph;
    const fast = pipeline(c, 1, true).result.graph;
    for (const point of c.points) expectClose(interpret(fast, point), interpret(exact, point), 1e-9, `${c.name} fastMath at [${point.join(', ')}]`);
  });
});
