/**
 * backend: 'c' through the facade: the same GradFn interface as JS, computed by native code;
 * the C it runs is what inspectGeneratedCode shows; big graphs take the fast tier.
 */
import { describe, expect, test } from 'vitest';
import { Value, compileGradientFunction, compileStats, compileToC, inspectGeneratedCode, loadWasmBackend } from '@adjoint/jit';
import { C_FAST_TIER_INSTRUCTIONS } from '../src/backends.js';
import { rosenbrock } from './rosenbrock.js';


describe("backend: 'c'", () => {
  const x = new Value(2, 'x');
  const y = new Value(-1.5, 'y');
  const s = new Value(0.5, 'scale');   // a runtime input
  const f = x.mul(x).mul(y).add(y.div(x)).mul(s);

  test('every calling convention of GradFn, runtime inputs included, equals the JS backend', () => {
    const js = compileGradientFunction(f, [x, y]);
    const c = compileGradientFunction(f, [x, y], { backend: 'c' });
    expect(c.backend).toBe('c');
    expect(c.paramNames).toEqual(['x', 'y']);
    expect(c.inputNames).toEqual(['x', 'y', 'scale']);
    expect(c(3, 4)).toEqual(js(3, 4));
    expect(c(3, 4, 2)).toEqual(js(3, 4, 2));
    const out = new Float64Array(2);
    expect(c.gradient(new Float64Array([1, 2, 3]), out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(js.gradient([1, 2, 3])));
    expect(c.valueAndGradient([1, 2]).value).toBe(js.valueAndGradient([1, 2]).value);
  });

  test('two GradFns of one graph have their own workspaces', () => {
    const { f: r, xs } = rosenbrock(3000);   // loops: values live in the workspace
    const a = compileGradientFunction(r, xs, { backend: 'c' });
    const b = compileGradientFunction(r, xs, { backend: 'c' });
    const pa = new Float64Array(3000).fill(0.5);
    const pb = new Float64Array(3000).fill(-0.25);
    const ga = a.gradient(pa);
    b.gradient(pb);
    expect(Array.from(a.gradient(pa))).toEqual(Array.from(ga));
  });

  test('inspectGeneratedCode shows the C; compileStats names the compiler', () => {
    const c = compileGradientFunction(f, [x, y], { backend: 'c', cache: false });
    const text = inspectGeneratedCode(c);
    expect(text).toMatch(/^\/\/ Adjoint C \(native\) backend: 2 param\(s\), 3 input\(s\)/);
    expect(text).toMatch(/double adjoint_grad_ws\(const double \*restrict x/);
    const st = compileStats(c)!;
    expect(st.backend).toBe('c');
    expect(st.toolchain).toMatch(/^(gcc|clang|cc) [\d.]+ -O2$/);
  });

  test('precision f32 computes in float', () => {
    const c = compileGradientFunction(f, [x, y], { backend: 'c', precision: 'f32' });
    const [gx] = c(0.1, 0.2);
    expect(gx).toBe(Math.fround(gx));
    expect(Math.abs(gx - compileGradientFunction(f, [x, y])(0.1, 0.2)[0])).toBeLessThan(1e-6);
  });

  test('f32: float C equals float wasm bit for bit, from Float64Arrays (copied with set) and from Float32Arrays (not copied)', async () => {
    await loadWasmBackend();
    // + - * only: float C and float wasm round every one the same way.
    const ps = Array.from({ length: 40 }, (_, i) => new Value(0.1 * i - 1.7, `p${i}`));
    const ins = Array.from({ length: 20 }, (_, i) => new Value(0.3 + i / 7, `u${i}`));
    let acc = new Value(0);
    ps.forEach((p, i) => { acc = acc.add(p.mul(ins[i % 20]).sub(p.mul(p))); });
    const c = compileGradientFunction(acc, ps, { backend: 'c', precision: 'f32', inputs: ins });
    const w = compileGradientFunction(acc, ps, { backend: 'wasm', precision: 'f32', inputs: ins });
    const values = Float64Array.from([...ps, ...ins], (v, i) => v.data + i * 1e-9);   // not floats
    const gc = c.valueAndGradient(values);
    const gw = w.valueAndGradient(values);
    expect(gc.value).toBe(gw.value);
    expect(Array.from(gc.gradient)).toEqual(Array.from(gw.gradient));
    gc.gradient.forEach((g) => expect(g).toBe(Math.fround(g)));
    const exact = compileGradientFunction(acc, ps, { inputs: ins }).gradient(values);
    gc.gradient.forEach((g, i) => expect(Math.abs(g - exact[i])).toBeLessThan(1e-5 * (1 + Math.abs(exact[i]))));

    // Float32Arrays in and out: the same bits with no conversion (values rounded as the
    // Float64Array path rounds them); params only, the inputs' defaults filled in.
    const v32 = Float32Array.from(values);
    for (const fn of [c, w]) {
      const out = new Float32Array(40);
      const r = fn.valueAndGradient(v32, out);
      expect(r.gradient).toBe(out);
      expect(r.value).toBe(gc.value);
      expect(Array.from(out)).toEqual(Array.from(gc.gradient));
      const paramsOnly = fn.gradient(v32.subarray(0, 40), new Float32Array(40));
      const viaF64 = fn.gradient(Float64Array.from(v32.subarray(0, 40)));
      expect(Array.from(paramsOnly)).toEqual(Array.from(viaF64));
    }
    // A small graph (C copies through buffers bound once) takes them too.
    const small = compileGradientFunction(x.mul(x).mul(y), [x, y], { backend: 'c', precision: 'f32' });
    const g2 = small.gradient(Float32Array.of(1.5, -2), new Float32Array(2));
    expect(Array.from(g2)).toEqual(Array.from(small.gradient([1.5, -2])));
    expect(Array.from(g2)).toEqual([2 * 1.5 * -2, 1.5 * 1.5]);
    // A function that computes in f64 refuses a Float32Array out, saying what to do.
    expect(() => compileGradientFunction(acc, ps, { backend: 'c', inputs: ins }).gradient(v32, new Float32Array(40)))
      .toThrow(/out is a Float32Array, but this function computes in f64; pass a Float64Array/);
  });

  test('compileToC is the source the native backend builds', () => {
    const c = compileGradientFunction(f, [x, y], { backend: 'c', cache: false });
    expect(inspectGeneratedCode(c)).toContain(compileToC(f, [x, y], { maxStackBytes: 0 }).split('#include <math.h>')[1]);
  });

  test('W1 n=100000 rerolls into a few loops and matches the JS backend', () => {
    const { f: r, xs } = rosenbrock(100_000);
    const c = compileGradientFunction(r, xs, { backend: 'c', cache: false });
    const st = compileStats(c)!;
    expect(st.loops).toBeGreaterThan(0);
    expect(st.instructions).toBeLessThan(200);
    const js = compileGradientFunction(r, xs, { cache: false });
    const p = Float64Array.from(xs, (v) => v.data);
    expect(c.valueAndGradient(p).value).toBe(js.valueAndGradient(p).value);
    expect(Array.from(c.gradient(p))).toEqual(Array.from(js.gradient(p)));
  });

  test('straight-line code past the fast-tier size is built by the fast tier (tcc, or -O1)', () => {
    // No repeated structure worth a loop: a chain of distinct ops.
    const v = Array.from({ length: 40 }, (_, i) => new Value(0.01 * (i + 1), `v${i}`));
    let acc = new Value(0);
    for (let k = 0; k < 3600; k++) {
      const a = v[(k * 7) % 40];
      const b = v[(k * 13 + 5) % 40];
      acc = [acc.add(a.mul(b)), acc.mul(a.sin()).add(b), acc.sub(a.div(b.add(2))), acc.add(a.tanh().mul(b))][k % 4];
    }
    const c = compileGradientFunction(acc, v, { backend: 'c', cache: false, reroll: false });
    const st = compileStats(c)!;
    expect(st.instructions).toBeGreaterThan(C_FAST_TIER_INSTRUCTIONS);
    expect(st.toolchain).toMatch(/^tcc|-O1$/);
    const js = compileGradientFunction(acc, v, { cache: false, reroll: false });
    const p = Float64Array.from(v, (u) => u.data);
    const want = js.gradient(p);
    const got = c.gradient(p);
    for (let k = 0; k < 40; k++) expect(Math.abs(got[k] - want[k])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want[k])));
  });
});
