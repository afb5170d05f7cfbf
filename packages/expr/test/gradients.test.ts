/**
 * Whole programs: a parsed expression's compiled gradient equals the same expression built
 * by hand with Values — through eager backward() and compiled — bit for bit (Object.is).
 */
import { describe, expect, test } from 'vitest';
import { Value } from '@adjoint/autograd';
import { compileGradientFunction } from '@adjoint/jit';
import { parseExpression } from '@adjoint/expr';

interface Program {
  readonly name: string;
  readonly text: string;
  readonly names: readonly string[];
  readonly build: (v: Readonly<Record<string, Value>>) => Value;
  readonly points: readonly (readonly number[])[];
}

const PROGRAMS: readonly Program[] = [
  {
    name: 'Rosenbrock',
    text: '(1 - x)^2 + 100*(y - x^2)^2',
    names: ['x', 'y'],
    build: ({ x, y }) => new Value(1).sub(x).pow(2).add(new Value(100).mul(y.sub(x.pow(2)).pow(2))),
    points: [[-1.2, 1], [0.3, 0.7], [1, 1]],
  },
  {
    name: 'two-link arm with bindings',
    text: [
      'px = cos(a) + 0.8*cos(a + b)',
      'py = sin(a) + 0.8*sin(a + b)',
      'dx = px - tx; dy = py - ty',
      'dx*dx + dy*dy',
    ].join('\n'),
    names: ['a', 'b', 'tx', 'ty'],
    build: ({ a, b, tx, ty }) => {
      const px = a.cos().add(new Value(0.8).mul(a.add(b).cos()));
      const py = a.sin().add(new Value(0.8).mul(a.add(b).sin()));
      const dx = px.sub(tx);
      const dy = py.sub(ty);
      return dx.mul(dx).add(dy.mul(dy));
    },
    points: [[0.3, 0.9, 1.2, 0.8], [-1, 2, 0.5, -0.25]],
  },
  {
    name: 'piecewise with select and a repeated subexpression',
    text: 'h = huber_d; r = w*u - t; a = abs(r); select(a <= h, r*r/2, h*(a - h/2)) + relu(-r) / (1 + exp(-w))',
    names: ['huber_d', 'w', 'u', 't'],
    build: ({ huber_d: h, w, u, t }) => {
      const r = w.mul(u).sub(t);
      const a = r.abs();
      const loss = a.le(h).select(r.mul(r).div(2), h.mul(a.sub(h.div(2))));
      return loss.add(r.neg().relu().div(new Value(1).add(w.neg().exp())));
    },
    points: [[1, 0.5, 3, 0.2], [0.5, -2, 1.5, 0.25], [0.1, 0, 0, 0]],
  },
  {
    name: 'every kind of token',
    text: 'atan2(y, x) * tanh(x - y) - softplus(x/y) + min(x, 2, y)^2 - max(1e-3, log1p(x^2)) + expm1(-0.5*y) + floor(x) * ceil(y)',
    names: ['y', 'x'],
    build: ({ x, y }) => y.atan2(x).mul(x.sub(y).tanh()).sub(x.div(y).softplus())
      .add(x.min(2).min(y).pow(2)).sub(new Value(1e-3).max(x.pow(2).log1p()))
      .add(new Value(-0.5).mul(y).expm1()).add(x.floor().mul(y.ceil())),
    points: [[0.4, 1.7], [-2.25, 0.6], [3, -1]],
  },
];

describe.each(PROGRAMS)('$name', (p) => {
  const { output, params } = parseExpression(p.text);

  test('params are the free names in order of first appearance', () => {
    expect(params.map((v) => v.paramName)).toEqual(p.names);
  });

  test('compiled gradient = hand-built backward() = hand-built compiled, bit for bit', () => {
    const fn = compileGradientFunction(output, params);
    for (const point of p.points) {
      const leaves = Object.fromEntries(p.names.map((n, k) => [n, new Value(point[k], n)]));
      const hand = p.build(leaves);
      hand.backward();
      const handFn = compileGradientFunction(hand, p.names.map((n) => leaves[n]));
      const parsed = fn.valueAndGradient(point);
      const built = handFn.valueAndGradient(point);
      expect(Object.is(parsed.value, hand.data), `f at ${point.join(', ')}`).toBe(true);
      p.names.forEach((n, k) => {
        expect(Object.is(parsed.gradient[k], leaves[n].grad), `d/d${n} vs backward() at ${point.join(', ')}`).toBe(true);
        expect(Object.is(parsed.gradient[k], built.gradient[k]), `d/d${n} vs compiled at ${point.join(', ')}`).toBe(true);
      });
    }
  });
});

test('parse-time data is 0 for every param, so the traced defaults are 0', () => {
  const { output, params } = parseExpression('x * y + 1');
  expect(params.map((v) => v.data)).toEqual([0, 0]);
  expect(output.data).toBe(1);
  expect(Array.from(compileGradientFunction(output, params).gradient([2, 3]))).toEqual([3, 2]);
});

test('a long chain parses without deep recursion', () => {
  const n = 20_000;
  const text = Array.from({ length: n }, (_, i) => `x${i % 7}*${i + 1}`).join(' + ');
  const { params, output } = parseExpression(text);
  expect(params).toHaveLength(7);
  const g = compileGradientFunction(output, params).gradient([1, 1, 1, 1, 1, 1, 1]);
  let expected0 = 0;
  for (let i = 0; i < n; i += 7) expected0 += i + 1;
  expect(g[0]).toBe(expected0);
});
