/**
 * Every function: it becomes its op, with the graph and the compiled gradient the
 * hand-built `Value` expression gives, bit for bit, at points inside its domain.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { traceValue, Value } from '@adjoint/autograd';
import { OP_NAMES, graphsEqual } from '@adjoint/ir';
import { compileGradientFunction } from '@adjoint/jit';
import { FUNCTIONS, FUNCTION_NAMES, parseExpression } from '@adjoint/expr';

/** Arguments inside every function's domain (asin and acos need |x| <= 1). */
const POINTS: readonly (readonly [number, number, number])[] = [[0.3, -0.7, 2.5], [-0.9, 0.45, 0.1], [0.5, 0.5, -1.25]];

/** For each function: its call text, and the same call on hand-built Values. */
const CASES: { readonly [name: string]: readonly [string, (x: Value, y: Value, z: Value) => Value] } = {
  sin: ['sin(x)', (x) => x.sin()],
  cos: ['cos(x)', (x) => x.cos()],
  tan: ['tan(x)', (x) => x.tan()],
  asin: ['asin(x)', (x) => x.asin()],
  acos: ['acos(x)', (x) => x.acos()],
  atan: ['atan(x)', (x) => x.atan()],
  atan2: ['atan2(x, y)', (x, y) => x.atan2(y)],
  sinh: ['sinh(x)', (x) => x.sinh()],
  cosh: ['cosh(x)', (x) => x.cosh()],
  tanh: ['tanh(x)', (x) => x.tanh()],
  exp: ['exp(x)', (x) => x.exp()],
  log: ['log(z*z)', (_, __, z) => z.mul(z).log()],
  log1p: ['log1p(x)', (x) => x.log1p()],
  expm1: ['expm1(x)', (x) => x.expm1()],
  sqrt: ['sqrt(z*z + x)', (x, _, z) => z.mul(z).add(x).sqrt()],
  abs: ['abs(x)', (x) => x.abs()],
  sign: ['sign(x) * y', (x, y) => x.sign().mul(y)],
  floor: ['floor(z) + x', (x, _, z) => z.floor().add(x)],
  ceil: ['ceil(z) * x', (x, _, z) => z.ceil().mul(x)],
  sigmoid: ['sigmoid(x)', (x) => x.sigmoid()],
  relu: ['relu(x)', (x) => x.relu()],
  softplus: ['softplus(x)', (x) => x.softplus()],
  pow: ['pow(z*z, y)', (_, y, z) => z.mul(z).pow(y)],
  min: ['min(x, y, z)', (x, y, z) => x.min(y).min(z)],
  max: ['max(x, y, z)', (x, y, z) => x.max(y).max(z)],
  select: ['select(x < y, x*z, y)', (x, y, z) => x.lt(y).select(x.mul(z), y)],
  if: ['if(x >= y, x*z, y)', (x, y, z) => Value.select(x.ge(y), x.mul(z), y)],
};

describe('the function table', () => {
  test('has every op the brief lists, plus select and if', () => {
    const listed = 'sin cos tan asin acos atan atan2 sinh cosh tanh exp log log1p expm1 sqrt abs sign min max floor ceil sigmoid relu softplus pow'.split(' ');
    expect([...FUNCTION_NAMES].sort()).toEqual([...listed, 'select', 'if'].sort());
  });

  test('every function is an IR op', () => {
    for (const name of FUNCTION_NAMES) expect(OP_NAMES, name).toContain(FUNCTIONS[name].op);
  });

  test('every function has a case here', () => {
    expect(Object.keys(CASES).sort()).toEqual([...FUNCTION_NAMES].sort());
  });
});

describe.each(FUNCTION_NAMES.map((name) => ({ name })))('$name', ({ name }) => {
  const [text, build] = CASES[name];

  test(`${text} traces to the hand-built graph`, () => {
    const { output, params } = parseExpression(text);
    const xs = ['x', 'y', 'z'].map((n) => new Value(0, n));
    const hand = traceValue(build(xs[0], xs[1], xs[2]), xs);
    // Hand-built leaves not used by the call still are params; give the parsed trace the same.
    const byName = new Map(params.map((p) => [p.paramName, p]));
    const all = ['x', 'y', 'z'].map((n) => byName.get(n) ?? new Value(0, n));
    expect(graphsEqual(traceValue(output, all).graph, hand.graph)).toBe(true);
  });

  test('value and gradient are bit-identical to the hand-built Values', () => {
    const { output, params } = parseExpression(text);
    const compiled = compileGradientFunction(output, params);
    for (const point of POINTS) {
      const at = (n: string): number => point[['x', 'y', 'z'].indexOf(n)];
      const xs = ['x', 'y', 'z'].map((n) => new Value(at(n), n));
      const f = build(xs[0], xs[1], xs[2]);
      f.backward();
      const args = params.map((p) => at(p.paramName!));
      const { value, gradient } = compiled.valueAndGradient(args);
      expect(Object.is(value, f.data), `f at ${point.join(', ')}`).toBe(true);
      params.forEach((p, k) => {
        const hand = xs[['x', 'y', 'z'].indexOf(p.paramName!)].grad;
        expect(Object.is(gradient[k], hand), `d/d${p.paramName} at ${point.join(', ')}: ${gradient[k]} vs ${hand}`).toBe(true);
      });
    }
  });
});

test('docs/cli.md lists every function', () => {
  const docs = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
  const table = docs.slice(docs.indexOf('### Functions'));
  for (const name of FUNCTION_NAMES) expect(table, name).toContain(`\`${name}(`);
});
