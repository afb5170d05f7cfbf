import { beforeAll, describe, expect, test } from 'vitest';
import { graphsEqual, printGraph } from '@adjoint/ir';
import {
  Rng, backends, checkBackend, checkFiniteDifferences, checkInterpAgainstEager, nestedCase, opsUsed, prepare, randomCase,
  reference,
} from '@adjoint/conformance';
import { loadWasmBackend } from '@adjoint/jit';

// The wasm backends compile synchronously once binaryen is loaded.
beforeAll(() => loadWasmBackend());

const SEEDS = Array.from({ length: 320 }, (_, i) => i + 1);
const cases = SEEDS.map((seed) => randomCase(seed));

describe('Rng', () => {
  test('is deterministic per seed and differs between seeds', () => {
    const draw = (seed: number): number[] => { const r = new Rng(seed); return Array.from({ length: 8 }, () => r.u32()); };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw(0)).not.toEqual(draw(1));
  });

  test('floats are uniform-looking in [0, 1) and ints stay in range', () => {
    const r = new Rng(42);
    let sum = 0;
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 20000; i++) {
      const x = r.float();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
      buckets[r.int(10)]++;
    }
    expect(Math.abs(sum / 20000 - 0.5)).toBeLessThan(0.01);
    for (const b of buckets) expect(Math.abs(b - 2000)).toBeLessThan(200);
  });
});

describe('random graph generator', () => {
  test('same seed, same graph and points; the structure does not depend on the data', () => {
    for (const seed of SEEDS.slice(0, 40)) {
      const a = randomCase(seed);
      const b = randomCase(seed);
      expect(b.points).toEqual(a.points);
      const ga = prepare(a, a.points[0]).trace.graph;
      expect(graphsEqual(prepare(b, b.points[0]).trace.graph, ga)).toBe(true);
      expect(graphsEqual(prepare(a, a.points[1]).trace.graph, ga)).toBe(true);
    }
    expect(printGraph(prepare(cases[0]).trace.graph)).not.toBe(printGraph(prepare(cases[1]).trace.graph));
  });

  test('graphs vary in size, mix smooth and kinked flavours, and use most ops', () => {
    const sizes = cases.map((c) => reference(c).prepared.trace.graph.size);
    expect(Math.min(...sizes)).toBeLessThan(80);
    expect(Math.max(...sizes)).toBeGreaterThan(400);
    const smooth = cases.filter((c) => c.fdSkip === undefined).length;
    expect(smooth).toBeGreaterThan(80);
    expect(cases.length - smooth).toBeGreaterThan(80);
    const used = new Set(cases.flatMap((c) => [...opsUsed(c)]));
    for (const op of ['select', 'eq', 'min', 'max', 'floor', 'atan2', 'pow', 'log1p', 'softplus', 'asin']) {
      expect(used.has(op as never)).toBe(true);
    }
  });

  test('values and gradients stay finite (the guards keep every op in its domain)', () => {
    const bad: string[] = [];
    for (const c of cases) {
      reference(c).interp.forEach((o, i) => {
        if (!Number.isFinite(o.value) || !o.gradient.every(Number.isFinite)) bad.push(`${c.name} point ${i}`);
      });
    }
    expect(bad).toEqual([]);
  });
});

describe('random graphs: backends == interp == eager, bit for bit', () => {
  test.each(cases)('$name', (c) => {
    expect([...checkInterpAgainstEager(c), ...backends.flatMap((b) => checkBackend(b, c))]).toEqual([]);
  });
});

// Outer x inner loops of a random template (nested.ts): the shapes rerolling nests.
const nestedCases = Array.from({ length: 24 }, (_, i) => nestedCase(i + 1));

describe('random nested programs: backends == interp == eager, bit for bit', () => {
  test.each(nestedCases)('$name', (c) => {
    expect([...checkInterpAgainstEager(c), ...backends.flatMap((b) => checkBackend(b, c))]).toEqual([]);
  });
});

describe('random smooth graphs: gradient vs finite differences', () => {
  test.each(cases.filter((c) => c.fdSkip === undefined))('$name', (c) => {
    expect(checkFiniteDifferences(c)).toEqual([]);
  });
});
