/**
 * Correctness of the bench's native contenders (never timing): the hand-written C gradients
 * of bench/hand/ agree with the hand-written JS ones, the C backend agrees with eager
 * backward() within libm's differences, and the callgrind driver builds and computes the
 * same gradients.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findCompiler } from '@adjoint/backend-c';
import { compileGradientFunction, compileStats } from '@adjoint/jit';
import { buildDriver, countInstructions, runDriver, valgrindMissing, type Driver } from '../src/callgrind.js';
import { irregular } from '../src/irregular.js';
import { HAND_TOLERANCE, LIBM_TOLERANCE, loadHandC, nativeUnavailable, relError } from '../src/native.js';
import { MLP_PARAMS, makeWorkload, type WorkloadId } from '../src/workloads.js';
import { SIZES, eager, shifted } from './helpers.js';

// Every library these tests build goes to a directory of their own.
const cacheDir = mkdtempSync(join(tmpdir(), 'adjoint-bench-test-'));
process.env.ADJOINT_CACHE_DIR = cacheDir;
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const why = nativeUnavailable();
if (why !== null) console.info(`skipping the native bench tests: ${why}`);

const sizes = SIZES;

describe.skipIf(why !== null).each(sizes)('%s n=%i native', (id, n) => {
  const w = makeWorkload(id, n);
  const points = [['benchmark point', w.x], ['shifted point', shifted(w)]] as const;

  test.each(points)('hand C agrees with hand JS at the %s', (_, x) => {
    const { run } = loadHandC(w);
    const gC = new Float64Array(w.nParams).fill(NaN);   // the hand C must write every entry
    const gJs = new Float64Array(w.nParams);
    const fC = run(x, gC);
    const fJs = w.hand(x, gJs);
    expect(Math.abs(fC - fJs)).toBeLessThanOrEqual(HAND_TOLERANCE * Math.abs(fJs));
    expect(relError(gC, gJs)).toBeLessThanOrEqual(HAND_TOLERANCE);
    // No libm in W1 and W3: the same operations in the same order give the same bits.
    if (id === 'W1' || id === 'W3') {
      expect(fC).toBe(fJs);
      for (let i = 0; i < w.nParams; i++) expect(Object.is(gC[i], gJs[i]), `gradient[${i}]`).toBe(true);
    }
  });

  test.each(points)('the C backend agrees with eager backward() at the %s', (_, x) => {
    const b = w.build(x);
    const fn = compileGradientFunction(b.output, b.params, { inputs: b.inputs, backend: 'c', cache: false });
    const { value, gradient } = fn.valueAndGradient(x);
    const ref = eager(w, x);
    expect(Math.abs(value - ref.f)).toBeLessThanOrEqual(LIBM_TOLERANCE * Math.abs(ref.f));
    expect(relError(gradient, ref.g)).toBeLessThanOrEqual(LIBM_TOLERANCE);
  });
});

describe.skipIf(why !== null)('the irregular compile-time graph', () => {
  test('is straight-line code, and the C backend agrees with eager backward() on it', () => {
    const irr = irregular(1500);
    const b = irr.build();
    const fn = compileGradientFunction(b.output, b.params, { backend: 'c', cache: false });
    expect(compileStats(fn)!.loops).toBe(0);
    const { value, gradient } = fn.valueAndGradient(irr.x);
    b.output.backward();
    expect(Number.isFinite(value)).toBe(true);
    expect(Math.abs(value - b.output.data)).toBeLessThanOrEqual(LIBM_TOLERANCE * Math.abs(b.output.data));
    expect(relError(gradient, Float64Array.from(b.params, (p) => p.grad))).toBeLessThanOrEqual(LIBM_TOLERANCE);
  });

  test('is a function of its seed', () => {
    expect(irregular(300).build().output.data).toBe(irregular(300).build().output.data);
    expect(irregular(300, 7).build().output.data).not.toBe(irregular(300).build().output.data);
  });
});

function gccMissing(): string | null {
  try {
    findCompiler('gcc');
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
const noGcc = gccMissing();
if (noGcc !== null) console.info(`skipping the callgrind driver tests: ${noGcc}`);
const noValgrind = valgrindMissing();
if (noValgrind !== null) console.info(`skipping the callgrind runs: ${noValgrind}`);

describe.skipIf(noGcc !== null).each([['W1', 1000], ['W4', MLP_PARAMS]] as [WorkloadId, number][])('callgrind driver, %s n=%i', (id, n) => {
  const w = makeWorkload(id, n);
  // Built in a hook: a skipped describe's body still runs to collect its tests.
  let d: Driver;
  beforeAll(() => { d = buildDriver(w); });
  afterAll(() => { if (d !== undefined) rmSync(d.dir, { recursive: true, force: true }); });
  const gJs = new Float64Array(w.nParams);
  const fJs = w.hand(w.x, gJs);

  test('builds, and both kernels compute the hand-written JS gradient', () => {
    for (const [kernel, tol] of [['gen', LIBM_TOLERANCE], ['hand', HAND_TOLERANCE]] as const) {
      const { f, g } = runDriver(d, kernel, 2);
      expect(g.length).toBe(w.nParams);
      expect(Math.abs(f - fJs)).toBeLessThanOrEqual(tol * Math.abs(fJs));
      expect(relError(g, gJs)).toBeLessThanOrEqual(tol);
    }
  });

  test.skipIf(noValgrind !== null)('callgrind counts instructions inside each kernel', () => {
    const gen = countInstructions(d, 'gen', 3);
    const hand = countInstructions(d, 'hand', 3);
    // Only a sanity range: each gradient touches every param at least a few times.
    for (const c of [gen, hand]) {
      expect(c).toBeGreaterThan(4 * w.nParams);
      expect(c).toBeLessThan(1e8);
    }
  });
});
