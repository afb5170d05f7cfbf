/**
 * Correctness of the bench's WebAssembly contenders (never timing): the wasm backend equals
 * eager backward() bit for bit on every workload size the tests use, math: 'embedded' (once it
 * exists) is close to it, and the emcc build of the C file, loaded by bench/src/emcc.ts, gives
 * the same gradients (bit for bit without libm calls).
 */
import { describe, expect, test } from 'vitest';
import { AdjointError, compileGradientFunction, compileToC, loadWasmBackend } from '@adjoint/jit';
import { buildWithEmcc, cLayout, emccUnavailable, instantiateEmcc } from '../src/emcc.js';
import { relError } from '../src/native.js';
import { EMBEDDED_TOLERANCE, EMCC_TOLERANCE, emccMeasured, planWasm, prepareWasm } from '../src/suite-wasm.js';
import type { Timing } from '../src/timing.js';
import { MLP_PARAMS, makeWorkload } from '../src/workloads.js';
import { SIZES, eager, shifted } from './helpers.js';

// Compiling for wasm is synchronous once binaryen has loaded; the skip conditions below compile.
await loadWasmBackend();

const sizes = SIZES;

/** Why math: 'embedded' cannot compile yet, or null once it can (probed on a graph that calls tanh). */
function embeddedMissing(): string | null {
  const w = makeWorkload('W2', 3);
  const b = w.build(w.x);
  try {
    compileGradientFunction(b.output, b.params, { backend: 'wasm', math: 'embedded', cache: false });
    return null;
  } catch (e) {
    if (e instanceof AdjointError && e.code === 'not-yet') return e.message;
    throw e;
  }
}

const noEmbedded = embeddedMissing();
if (noEmbedded !== null) console.info(`skipping the math: 'embedded' tests: ${noEmbedded}`);

describe.each(sizes)('%s n=%i wasm', (id, n) => {
  const w = makeWorkload(id, n);
  const points = [['benchmark point', w.x], ['shifted point', shifted(w)]] as const;

  test.each(points)('math: import equals eager backward() bit for bit at the %s', (_, x) => {
    const b = w.build(x);
    const fn = compileGradientFunction(b.output, b.params, { inputs: b.inputs, backend: 'wasm', cache: false });
    const { value, gradient } = fn.valueAndGradient(x);
    const ref = eager(w, x);
    expect(Object.is(value, ref.f)).toBe(true);
    const off = Array.from(gradient).flatMap((v, i) => (Object.is(v, ref.g[i]) ? [] : [`gradient[${i}] ${v} vs ${ref.g[i]}`]));
    expect(off).toEqual([]);
  });

  test.skipIf(noEmbedded !== null)('math: embedded is close to eager backward()', () => {
    const b = w.build(w.x);
    const fn = compileGradientFunction(b.output, b.params, { inputs: b.inputs, backend: 'wasm', math: 'embedded', cache: false });
    const { value, gradient } = fn.valueAndGradient(w.x);
    const ref = eager(w, w.x);
    expect(Math.abs(value - ref.f)).toBeLessThanOrEqual(EMBEDDED_TOLERANCE * Math.abs(ref.f));
    expect(relError(gradient, ref.g)).toBeLessThanOrEqual(EMBEDDED_TOLERANCE);
  });
});

describe('planWasm', () => {
  test('compiles and checks the contenders, and finish() turns timings into ratios', async () => {
    expect((await prepareWasm()).skipped).toBeNull();
    const w = makeWorkload('W2', 10);
    expect(emccMeasured(w)).toBe(false);
    const ref = eager(w, w.x);
    const plan = planWasm(w, { minMs: 0, minCalls: 1, maxMs: 0 }, ref.f, ref.g, () => {});
    if (!('contenders' in plan)) throw new Error(`no plan: ${plan.skipped}`);
    const names = plan.contenders.map((c) => c.name);
    expect(names[0]).toBe('wasm');
    expect(names).not.toContain('emcc');
    // Each run returns gradient[0]: import mode's bits, embedded's within its tolerance.
    expect(plan.contenders[0].run()).toBe(ref.g[0]);
    const scale = Math.max(...Array.from(ref.g, Math.abs));
    for (const c of plan.contenders.slice(1)) expect(Math.abs(c.run() - ref.g[0])).toBeLessThanOrEqual(EMBEDDED_TOLERANCE * scale);
    const timing = (us: number): Timing => ({
      medianUs: us, minUs: us, maxUs: us, rounds: 1, callsPerRound: 1, warmup: { calls: 1, ms: 0, stable: true, firstUs: us, lastUs: us },
    });
    const t = new Map([['hand', timing(2)], ['compiled', timing(4)], ['wasm', timing(3)], ['wasm-embedded', timing(5)]]);
    const r = plan.finish(t);
    expect(r.import.ratios).toEqual({ toHand: 1.5, toHandC: null, toCompiled: 0.75 });
    expect(r.import.agreement).toBe(0);
    expect(r.import.compile.bytes).toBeGreaterThan(0);
    expect(r.emcc).toBeNull();
    if ('timing' in r.embedded) expect(r.embedded.ratios.toHand).toBe(2.5);
    else expect(r.embedded.skipped).toMatch(/not available yet|same module/);
  });
});

const noEmcc = emccUnavailable();
if (noEmcc !== null) console.info(`skipping the emcc contender tests: ${noEmcc}`);

describe.skipIf(noEmcc !== null)('the emcc contender (bench/src/emcc.ts)', () => {
  test('W1 n=1000 (bit for bit) and W4 (to 1e-12) from one emcc run', () => {
    const ws = [makeWorkload('W1', 1000), makeWorkload('W4', MLP_PARAMS)];
    expect(ws.every(emccMeasured)).toBe(true);
    const sources = ws.map((w) => {
      const b = w.build(w.x);
      return compileToC(b.output, b.params, { inputs: b.inputs, name: w.id.toLowerCase() });
    });
    const module = instantiateEmcc(buildWithEmcc(sources, ws.map((w) => `${w.id.toLowerCase()}_ws`)).bytes);
    ws.forEach((w, k) => {
      const name = w.id.toLowerCase();
      const kernel = module.kernel(name, cLayout(sources[k], name));
      for (const x of [w.x, shifted(w)]) {
        const g = new Float64Array(w.nParams).fill(NaN);
        const f = kernel(x, g);
        const ref = eager(w, x);
        if (w.id === 'W1') {
          // + - * only: IEEE arithmetic, and wasm has no fused multiply-add.
          expect(Object.is(f, ref.f)).toBe(true);
          expect(Array.from(g).every((v, i) => Object.is(v, ref.g[i]))).toBe(true);
        } else {
          expect(Math.abs(f - ref.f)).toBeLessThanOrEqual(EMCC_TOLERANCE * Math.abs(ref.f));
          expect(relError(g, ref.g)).toBeLessThanOrEqual(EMCC_TOLERANCE);
        }
      }
    });
  });
});
