/**
 * The optimize and fastMath options through the facade: every backend at every level gives
 * backward()'s bits (level 2 on a graph without repeats), compileStats reports the passes,
 * inspectIR shows the graphs, and bad values are refused with the fix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  AdjointError, Value, compileGradientFunction, compileStats, compileToC, inspectGeneratedCode, inspectIR, loadWasmBackend,
  type BackendName,
} from '@adjoint/jit';
import { EXACT_RULES, FAST_RULES } from '@adjoint/ir';

beforeAll(() => loadWasmBackend());

/** A small IK-like graph with subtractions (negated adjoints) and libm calls. */
function arm(a0 = 0.3, a1 = -0.4, tx = 1.2, ty = 0.5) {
  const t0 = new Value(a0, 't0');
  const t1 = new Value(a1, 't1');
  const x = t0.cos().add(t0.add(t1).cos());
  const y = t0.sin().add(t0.add(t1).sin());
  const loss = x.sub(tx).square().add(y.sub(ty).square());
  return { loss, params: [t0, t1] };
}

function eager(a0: number, a1: number): number[] {
  const { loss, params } = arm(a0, a1);
  loss.backward();
  return [loss.data, ...params.map((p) => p.grad)];
}

const bits = (xs: ArrayLike<number>): string[] => Array.from(xs, (v) => (Object.is(v, -0) ? '-0' : String(v)));

describe.each(['js', 'c', 'wasm'] as BackendName[])('%s backend', (backend) => {
  test.each([0, 1, 2] as const)('optimize: %i matches backward() bit for bit', (optimize) => {
    const { loss, params } = arm();
    const fn = compileGradientFunction(loss, params, { backend, optimize, cache: false });
    for (const [a0, a1] of [[0.3, -0.4], [1.1, 2.5], [-0.7, 0]]) {
      const { value, gradient } = fn.valueAndGradient([a0, a1]);
      expect(bits([value, ...gradient])).toEqual(bits(eager(a0, a1)));
    }
  });
});

describe('pass statistics and inspection', () => {
  test('compileStats lists the passes of the level, with nodes in and out', () => {
    const { loss, params } = arm();
    const passesOf = (optimize: 0 | 1 | 2) => compileStats(compileGradientFunction(loss, params, { optimize, cache: false }))!.passes;
    expect(passesOf(0).map((p) => p.name)).toEqual(['gradient']);
    expect(passesOf(1).map((p) => p.name)).toEqual(['gradient', 'dce']);
    expect(passesOf(2).map((p) => p.name)).toEqual(['cse', 'simplify', 'gradient', 'dce']);
    const [gradient, dce] = passesOf(1);
    expect(dce.nodesIn).toBe(gradient.nodesOut);
    expect(dce.nodesOut).toBeLessThan(passesOf(0)[0].nodesOut);
    // The subtractions' negated adjoints fold into the sums: no neg node is built.
    expect(inspectIR(compileGradientFunction(loss, params)).gradient).not.toMatch(/= neg /);
    expect(inspectIR(compileGradientFunction(loss, params, { optimize: 0 })).gradient).toMatch(/= neg /);
  });

  test('inspectGeneratedCode and inspectIR show the pipeline and both graphs', () => {
    const { loss, params } = arm();
    const fn = compileGradientFunction(loss, params);
    expect(inspectGeneratedCode(fn)).toMatch(/passes: gradient \d+ -> \d+ .*dce \d+ -> \d+/);
    const ir = inspectIR(fn);
    expect(ir.trace).toContain('%0 = input f64 0 "t0"');
    expect(ir.gradient.trimEnd().split('\n').length - 1).toBe(compileStats(fn)!.gradientNodes);
  });

  test('fastMath applies the fast rules and stays close to the exact result', () => {
    const x = new Value(0.75, 'x');
    const f = x.mul(0).add(x.div(3)).add(x.sub(x));
    const exact = compileGradientFunction(f, [x], { cache: false });
    const fast = compileGradientFunction(f, [x], { fastMath: true, cache: false });
    const rules = compileStats(fast)!.passes[0].rules;
    expect(rules['fast-mul-zero']).toBeGreaterThan(0);
    expect(rules['fast-div-const']).toBeGreaterThan(0);
    expect(compileStats(fast)!.gradientNodes).toBeLessThan(compileStats(exact)!.gradientNodes);
    const e = exact.valueAndGradient([0.75]);
    const q = fast.valueAndGradient([0.75]);
    expect(q.value).toBeCloseTo(e.value, 14);
    expect(q.gradient[0]).toBeCloseTo(e.gradient[0], 14);
    // ...and differs exactly where documented: x*0 and x - x at Infinity are NaN, not 0.
    expect(exact.valueAndGradient([Infinity]).value).toBeNaN();
    expect(fast.valueAndGradient([Infinity]).value).toBe(Infinity);
  });

  test('compileToC takes optimize and fastMath', () => {
    const { loss, params } = arm();
    expect(compileToC(loss, params, { optimize: 0 })).toMatch(/= -/);
    expect(compileToC(loss, params, { optimize: 2, fastMath: true })).toContain('double adjoint_grad(');
  });
});

describe('bad options', () => {
  const { loss, params } = arm();
  const refusal = (options: object): string => {
    try {
      compileGradientFunction(loss, params, options);
    } catch (e) {
      expect(e).toBeInstanceOf(AdjointError);
      return (e as Error).message;
    }
    throw new Error('expected a refusal');
  };
  test('optimize must be 0, 1 or 2', () => {
    expect(refusal({ optimize: 3 })).toMatch(/optimize must be 0, 1 or 2, got 3/);
    expect(refusal({ optimize: '1' })).toMatch(/optimize must be 0, 1 or 2, got "1"/);
  });
  test('fastMath must be a boolean and needs a level that rewrites', () => {
    expect(refusal({ fastMath: 'yes' })).toMatch(/fastMath must be true or false/);
    expect(refusal({ fastMath: true, optimize: 0 })).toMatch(/optimize: 1 or 2/);
  });
});

test('docs/passes.md lists every rule', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../../docs/passes.md'), 'utf8');
  for (const r of [...EXACT_RULES, ...FAST_RULES]) expect(doc, `docs/passes.md should describe rule ${r.name}`).toContain(`\`${r.name}\``);
});
