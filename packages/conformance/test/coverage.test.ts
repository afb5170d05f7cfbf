import { beforeAll, describe, expect, test } from 'vitest';
import { OP_NAMES, graphsEqual, verifyGraph } from '@adjoint/ir';
import { compileGradientFunction, compileStats, inspectGeneratedCode } from '@adjoint/jit';
import {
  CHUNKED_OPTIONS, backends, corpus, makeLeaves, opsUsed, prepare, randomCase, ulpBounds, ulpDistance, withinUlps,
} from '@adjoint/conformance';
import { loadWasmBackend } from '@adjoint/jit';

// The wasm backends compile synchronously once binaryen is loaded.
beforeAll(() => loadWasmBackend());

describe('corpus coverage', () => {
  // Adding an op to the table without a conformance case fails here.
  test('every computing op of OP_NAMES is used by at least one corpus case', () => {
    const used = new Set(corpus.flatMap((c) => [...opsUsed(c)]));
    const missing = OP_NAMES.filter((op) => op !== 'const' && op !== 'input' && !used.has(op));
    expect(missing).toEqual([]);
  });

  test('case names are unique and points have the right length', () => {
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
    for (const c of corpus) {
      expect(c.points.length).toBeGreaterThan(0);
      for (const p of c.points) expect(p.length).toBe(c.nInputs);
      expect(c.nParams).toBeLessThanOrEqual(c.nInputs);
    }
  });

  test.each(corpus)('$name: the graph does not depend on the point', (c) => {
    const first = prepare(c).trace.graph;
    for (const p of c.points.slice(1)) expect(graphsEqual(prepare(c, p).trace.graph, first)).toBe(true);
  });

  test('the deep chain really is deep', () => {
    const deep = corpus.find((c) => c.name.startsWith('deep chain'))!;
    expect(prepare(deep).trace.graph.size).toBeGreaterThan(2000);
  });
});

describe('the verifier accepts every traced and gradient graph', () => {
  const all = [...corpus, ...Array.from({ length: 60 }, (_, i) => randomCase(1000 + i))];
  test.each(all)('$name', (c) => {
    const { trace, gradient } = prepare(c);   // prepare verifies too; check again explicitly
    expect(() => verifyGraph(trace.graph)).not.toThrow();
    expect(() => verifyGraph(gradient)).not.toThrow();
    expect(gradient.outputs.length).toBe(1 + c.nParams);
  });
});

describe('backend registry', () => {
  test('names are unique and JS variants are bit-exact', () => {
    expect(new Set(backends.map((b) => b.name)).size).toBe(backends.length);
    for (const name of ['js', 'js-chunked', 'js-serialized']) expect(ulpBounds[name]).toBe(0);
  });

  test('the chunked options force many chunks with float and bool spills', () => {
    const c = corpus.find((x) => x.name === 'min/max ties')!;
    const { xs, params, inputs } = makeLeaves(c, c.points[0]);
    const fn = compileGradientFunction(c.build(xs), params, { ...CHUNKED_OPTIONS, inputs });
    expect(compileStats(fn)!.chunks).toBeGreaterThan(3);
    const code = inspectGeneratedCode(fn);
    expect(code).toMatch(/t\[\d+\] = r\d+;/);          // a float crosses a chunk
    expect(code).toMatch(/t\[\d+\] = b\d+ \? 1 : 0;/);  // a bool crosses a chunk
  });
});

describe('ulp comparisons', () => {
  test('distance counts representable doubles, across zero too', () => {
    expect(ulpDistance(1, 1 + Number.EPSILON)).toBe(1);
    expect(ulpDistance(-0, 0)).toBe(0);
    expect(ulpDistance(5e-324, -5e-324)).toBe(2);
    expect(ulpDistance(NaN, NaN)).toBe(0);
    expect(ulpDistance(NaN, 1)).toBe(Infinity);
  });

  test('at 0 ulps the sign of zero counts and NaN equals NaN', () => {
    expect(withinUlps(0, -0, 0)).toBe(false);
    expect(withinUlps(NaN, NaN, 0)).toBe(true);
    expect(withinUlps(1, 1 + Number.EPSILON, 0)).toBe(false);
    expect(withinUlps(1, 1 + Number.EPSILON, 1)).toBe(true);
  });
});
