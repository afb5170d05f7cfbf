/**
 * compileGraphGradient: graphs built without Value objects (GraphBuilder, or IR text) compile
 * to the same GradFn, with the same bits as the Value path, and bad input is refused clearly.
 */
import { describe, expect, test } from 'vitest';
import {
  AdjointError, GraphBuilder, Value, compileGradientFunction, compileGraphGradient, compileStats, parseGraph,
  type Graph,
} from '@adjoint/jit';

/** The planar IK arm of the seed: n unit links, target (tx, ty) as runtime inputs. */
function ikGraph(n: number): Graph {
  const b = new GraphBuilder({ hashCons: false });
  const theta = Array.from({ length: n }, (_, k) => b.input(k, `theta${k}`));
  const tx = b.input(n, 'tx');
  const ty = b.input(n + 1, 'ty');
  let phi = theta[0];
  let x = -1;
  let y = -1;
  for (let k = 0; k < n; k++) {
    if (k > 0) phi = b.apply('add', phi, theta[k]);
    const c = b.apply('cos', phi);
    const s = b.apply('sin', phi);
    x = x < 0 ? c : b.apply('add', x, c);
    y = y < 0 ? s : b.apply('add', y, s);
  }
  const dx = b.apply('sub', x, tx);
  const dy = b.apply('sub', y, ty);
  return b.finish([b.apply('add', b.apply('mul', dx, dx), b.apply('mul', dy, dy))]);
}

function ikValues(n: number, angles: readonly number[], target: readonly [number, number]) {
  const theta = angles.map((a, k) => new Value(a, `theta${k}`));
  const tx = new Value(target[0], 'tx');
  const ty = new Value(target[1], 'ty');
  let phi = theta[0];
  let x: Value | null = null;
  let y: Value | null = null;
  for (let k = 0; k < n; k++) {
    if (k > 0) phi = phi.add(theta[k]);
    x = x === null ? phi.cos() : x.add(phi.cos());
    y = y === null ? phi.sin() : y.add(phi.sin());
  }
  const f = x!.sub(tx).square().add(y!.sub(ty).square());
  return { f, theta, inputs: [tx, ty] };
}

describe('compileGraphGradient', () => {
  test.each([10, 3000])('the IK arm with %i links built with GraphBuilder matches the Value path bit for bit', (n) => {
    const angles = Array.from({ length: n }, (_, i) => 0.05 + (0.1 * ((13 * i) % 17)) / 17);
    const target: [number, number] = [0.6 * n, 0.4 * n];
    const built = compileGraphGradient(ikGraph(n), { nParams: n, defaults: [...angles, ...target], cache: false });
    const { f, theta, inputs } = ikValues(n, angles, target);
    const traced = compileGradientFunction(f, theta, { inputs, cache: false });
    // Params only: the runtime inputs keep their defaults, as with traced data.
    const a = built.valueAndGradient(angles);
    const b = traced.valueAndGradient(angles);
    expect(Object.is(a.value, b.value)).toBe(true);
    for (let k = 0; k < n; k++) expect(Object.is(a.gradient[k], b.gradient[k]), `gradient ${k}`).toBe(true);
    // Every argument, with a new target.
    const all = Float64Array.from([...angles, 1.5, -2]);
    expect(Object.is(built.valueAndGradient(all).value, traced.valueAndGradient(all).value)).toBe(true);
    if (n > 1000) expect(compileStats(built)!.loops).toBeGreaterThan(0);
  });

  test('IR text compiles too; defaults are 0 unless given', () => {
    const g = parseGraph(`
%x = input f64 0 "x"
%y = input f64 1 "y"
%one = const f64 1
%a = sub f64 %one, %x
%xx = mul f64 %x, %x
%d = sub f64 %y, %xx
%dd = mul f64 %d, %d
%h = const f64 100
%t = mul f64 %h, %dd
%aa = mul f64 %a, %a
%f = add f64 %aa, %t
return %f`);
    const fn = compileGraphGradient(g, { nParams: 2 });
    const { value, gradient } = fn.valueAndGradient([0.5, -0.25]);
    const d = -0.25 - 0.25;
    expect(value).toBe((1 - 0.5) * (1 - 0.5) + 100 * (d * d));
    expect(gradient[1]).toBe(200 * d);
    expect(fn.paramNames).toEqual(['x', 'y']);
    const zero = compileGraphGradient(g, { nParams: 1 });
    expect(zero.valueAndGradient([1]).value).toBe(100);   // y defaults to 0: (1-1)^2 + 100 (0 - 1)^2
  });

  test('bad input is refused with a message that names the fix', () => {
    const g = ikGraph(3);
    const code = (f: () => unknown): string => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(AdjointError); return `${(e as AdjointError).code}: ${(e as Error).message}`; }
      throw new Error('expected an AdjointError');
    };
    expect(code(() => compileGraphGradient({} as Graph, { nParams: 1 }))).toMatch(/^bad-graph: .*GraphBuilder/);
    expect(code(() => compileGraphGradient(g, { nParams: 6 }))).toMatch(/^bad-options: nParams must be an integer from 0 to 5 .*got 6/);
    expect(code(() => compileGraphGradient(g, { nParams: 1.5 }))).toMatch(/^bad-options: nParams/);
    expect(code(() => compileGraphGradient(g, { nParams: 3, defaults: [1, 2] }))).toMatch(/^bad-options: defaults must hold one number per input \(5\), got length 2/);
    expect(code(() => compileGraphGradient(g, { nParams: 3, inputs: [] } as never))).toMatch(/^bad-options: the inputs option is for Value graphs/);
    expect(code(() => compileGraphGradient(g, { nParams: 3, chunkSize: 0 }))).toMatch(/^bad-options: chunkSize/);
    expect(code(() => compileGraphGradient(g, null as never))).toMatch(/^bad-options: options must be an object such as \{ nParams: 2 \}/);
    const bad = { ...g, a: Int32Array.from(g.a, (v, i) => (i === g.size - 1 ? g.size + 5 : v)) };
    expect(code(() => compileGraphGradient(bad, { nParams: 3 }))).toMatch(/^ir-verify: /);
    const b = new GraphBuilder();
    const x = b.input(0, 'x');
    expect(code(() => compileGraphGradient(b.finish([b.apply('lt', x, b.constant(0))]), { nParams: 1 }))).toMatch(/^ir-verify: output 0 \(%\d+\) is a bool/);
  });
});
