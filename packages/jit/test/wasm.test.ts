/**
 * backend: 'wasm' through the facade: binaryen loads asynchronously, so the synchronous
 * compile asks for it by name; after loadWasmBackend() it is a drop-in for the JS backend,
 * bit for bit, and compileToWasm gives a module any host can instantiate with its Math.
 */
import { describe, expect, test } from 'vitest';
import {
  AdjointError, Value, compileGradientFunction, compileGradientFunctionAsync, compileStats, compileToWasm, compileToWasmAsync,
  inspectGeneratedCode, loadWasmBackend,
} from '@adjoint/jit';
import { rosenbrock } from './rosenbrock.js';

const x = new Value(0.7, 'x');
const y = new Value(-1.2, 'y');
const s = new Value(2, 'scale');   // a runtime input
const f = x.sin().mul(y).add(y.div(x.exp())).mul(s).add(x.max(y).tanh());

describe('before binaryen is loaded (this file runs in its own process)', () => {
  test('the synchronous compile names the fix', () => {
    let err: unknown;
    try { compileGradientFunction(f, [x, y], { backend: 'wasm' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(AdjointError);
    expect((err as AdjointError).code).toBe('wasm-not-loaded');
    expect((err as Error).message).toMatch(/await loadWasmBackend\(\)/);
    expect((err as Error).message).toMatch(/compileGradientFunctionAsync/);
  });

  test('the async compile waits for it', async () => {
    const fn = await compileGradientFunctionAsync(f, [x, y], { backend: 'wasm' });
    expect(fn(0.3, 0.4)).toEqual(compileGradientFunction(f, [x, y])(0.3, 0.4));
  });
});

describe("backend: 'wasm'", () => {
  test('every calling convention of GradFn equals the JS backend bit for bit', async () => {
    await loadWasmBackend();
    const js = compileGradientFunction(f, [x, y]);
    const w = compileGradientFunction(f, [x, y], { backend: 'wasm' });
    expect(w.backend).toBe('wasm');
    expect(w.inputNames).toEqual(['x', 'y', 'scale']);
    expect(w(0.1, -3)).toEqual(js(0.1, -3));
    expect(w(0.1, -3, 5)).toEqual(js(0.1, -3, 5));
    const out = new Float64Array(2);
    expect(w.gradient(new Float64Array([1, 2, 3]), out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(js.gradient([1, 2, 3])));
    expect(Object.is(w.valueAndGradient([-0, 0]).value, js.valueAndGradient([-0, 0]).value)).toBe(true);
  });

  test('two GradFns of one graph have their own memories', async () => {
    await loadWasmBackend();
    const { f: r, xs } = rosenbrock(2000);
    const a = compileGradientFunction(r, xs, { backend: 'wasm' });
    const b = compileGradientFunction(r, xs, { backend: 'wasm' });
    const pa = new Float64Array(2000).fill(0.5);
    const ga = Array.from(a.gradient(pa));
    b.gradient(new Float64Array(2000).fill(-0.25));
    expect(Array.from(a.gradient(pa))).toEqual(ga);
  });

  test('inspectGeneratedCode shows the WAT; W1 n=100000 is a few loops', async () => {
    await loadWasmBackend();
    const w = compileGradientFunction(f, [x, y], { backend: 'wasm', cache: false });
    const text = inspectGeneratedCode(w);
    expect(text).toMatch(/^;; Adjoint WebAssembly backend: 2 param\(s\), 3 input\(s\)/);
    expect(text).toMatch(/\(module/);
    expect(text).toMatch(/\(import "Math" "sin"/);
    const { f: r, xs } = rosenbrock(100_000);
    const big = compileGradientFunction(r, xs, { backend: 'wasm', cache: false });
    expect(compileStats(big)!.loops).toBeGreaterThan(0);
    const p = Float64Array.from(xs, (v) => v.data);
    expect(Array.from(big.gradient(p))).toEqual(Array.from(compileGradientFunction(r, xs, { cache: false }).gradient(p)));
  });

  test('precision f32', async () => {
    await loadWasmBackend();
    const [gx] = compileGradientFunction(f, [x, y], { backend: 'wasm', precision: 'f32' })(0.1, 0.2);
    expect(gx).toBe(Math.fround(gx));
    expect(Math.abs(gx - compileGradientFunction(f, [x, y])(0.1, 0.2)[0])).toBeLessThan(1e-5);
  });
});

describe('compileToWasm', () => {
  test('a standalone module with the documented ABI', async () => {
    const bytes = await compileToWasmAsync(f, [x, y]);
    expect(compileToWasm(f, [x, y])).toEqual(bytes);
    const { instance } = await WebAssembly.instantiate(bytes, { Math });
    const { memory, input, grad, run } = instance.exports as unknown as {
      memory: WebAssembly.Memory; input: WebAssembly.Global; grad: WebAssembly.Global; run: () => number;
    };
    new Float64Array(memory.buffer, input.value as number, 3).set([0.3, 0.4, 2]);
    const value = run();
    const g = Array.from(new Float64Array(memory.buffer, grad.value as number, 2));
    const want = compileGradientFunction(f, [x, y]).valueAndGradient([0.3, 0.4, 2]);
    expect(value).toBe(want.value);
    expect(g).toEqual(Array.from(want.gradient));
  });

  test('bad options are refused with the fix', async () => {
    await loadWasmBackend();
    expect(() => compileToWasm(f, [x, y], { math: 'libm' as never })).toThrow(/'import' or 'embedded'/);
    expect(() => compileToWasm(f, [x, y], { cc: 'gcc' } as never)).toThrow(/unknown option "cc" for compileToWasm/);
  });
});
