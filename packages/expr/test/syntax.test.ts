/**
 * The grammar: precedence, associativity, unary minus, bindings and statement separators.
 * Structure is checked by comparing the traced graph with the one hand-built Values give,
 * node for node; constant expressions also by their value.
 */
import { describe, expect, test } from 'vitest';
import { traceValue, Value } from '@adjoint/autograd';
import { graphsEqual, printGraph } from '@adjoint/ir';
import { parseExpression } from '@adjoint/expr';

/** The IR of a parsed expression, with its params as given by the parser. */
function irOf(text: string): string {
  const { output, params } = parseExpression(text);
  return printGraph(traceValue(output, params).graph);
}

/** The IR of a hand-built expression over leaves named in `names`. */
function irOfBuilt(names: readonly string[], build: (...xs: Value[]) => Value): string {
  const xs = names.map((n) => new Value(0, n));
  return printGraph(traceValue(build(...xs), xs).graph);
}

const valueOf = (text: string): number => parseExpression(text).output.data;

describe('precedence and associativity', () => {
  test.each([
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['10 - 4 - 3', 3],              // left-associative
    ['100 / 10 / 5', 2],
    ['2 ^ 3 ^ 2', 512],             // right-associative: 2^(3^2)
    ['(2 ^ 3) ^ 2', 64],
    ['-2 ^ 2', -4],                 // -(2^2), as in mathematics
    ['2 ^ -1', 0.5],                // a sign in the exponent
    ['2 * 3 ^ 2', 18],
    ['-3 * -2', 6],
    ['- - 4', 4],
    ['+4 - +1', 3],
    ['8 / 2 * 4', 16],
    ['1 - 2 + 3', 2],
    ['2^2^-1', Math.SQRT2],
    ['1.5e1 + .5 + 2. + 1E-1', 17.6],
  ])('%s = %d', (text, expected) => {
    expect(valueOf(text)).toBe(expected);
  });

  test('mixed operators build the same graph as the method chain', () => {
    expect(irOf('x + y * z')).toBe(irOfBuilt(['x', 'y', 'z'], (x, y, z) => x.add(y.mul(z))));
    expect(irOf('x - y - z')).toBe(irOfBuilt(['x', 'y', 'z'], (x, y, z) => x.sub(y).sub(z)));
    expect(irOf('x / y * z')).toBe(irOfBuilt(['x', 'y', 'z'], (x, y, z) => x.div(y).mul(z)));
    expect(irOf('x ^ y ^ z')).toBe(irOfBuilt(['x', 'y', 'z'], (x, y, z) => x.pow(y.pow(z))));
    expect(irOf('-x ^ 2')).toBe(irOfBuilt(['x'], (x) => x.pow(2).neg()));
    expect(irOf('(x + y) * -z')).toBe(irOfBuilt(['x', 'y', 'z'], (x, y, z) => x.add(y).mul(z.neg())));
  });

  test('the negative of a constant is a constant, of anything else a neg node', () => {
    expect(irOf('x * -2')).toBe(irOfBuilt(['x'], (x) => x.mul(-2)));
    expect(irOf('-x')).toBe(irOfBuilt(['x'], (x) => x.neg()));
    expect(irOf('-(2) * x')).toBe(irOfBuilt(['x'], (x) => new Value(-2).mul(x)));
  });
});

describe('names and params', () => {
  test('every free name is a param, in order of first appearance', () => {
    const { params } = parseExpression('b * sin(a) + b / c_2 + a');
    expect(params.map((p) => p.paramName)).toEqual(['b', 'a', 'c_2']);
    expect(params.every((p) => p.isLeaf && p.data === 0)).toBe(true);
  });

  test('a name used twice is one param', () => {
    expect(irOf('x * x')).toBe(irOfBuilt(['x'], (x) => x.mul(x)));
  });

  test('a constant expression has no params and is still a Value', () => {
    const { output, params } = parseExpression('2 * 3');
    expect(params).toEqual([]);
    expect(output).toBeInstanceOf(Value);
    expect(output.data).toBe(6);
    expect(parseExpression('7').output.data).toBe(7);
  });

  test('the output can be a param itself', () => {
    const { output, params } = parseExpression('x');
    expect(output).toBe(params[0]);
  });
});

describe('statements and bindings', () => {
  test('a binding is the same node wherever it is used', () => {
    expect(irOf('a = x * x; a + sin(a)')).toBe(irOfBuilt(['x'], (x) => { const a = x.mul(x); return a.add(a.sin()); }));
  });

  test('newlines separate statements; wrapped lines continue', () => {
    const text = [
      '# a comment line',
      'r2 = x^2 +',
      '     y^2          # wrapped after an operator',
      'r = sqrt(r2)',
      'w = r',
      '    * 2           # wrapped before an operator',
      'f = atan2(',
      '  y, x)           # wrapped inside parentheses',
      '',
      'w + f',
      '',
    ].join('\n');
    expect(irOf(text)).toBe(irOfBuilt(['x', 'y'], (x, y) => {
      const r = x.pow(2).add(y.pow(2)).sqrt();
      return r.mul(2).add(y.atan2(x));
    }));
  });

  test('a line starting with a minus continues the line before', () => {
    expect(irOf('x\n- 1')).toBe(irOfBuilt(['x'], (x) => x.sub(1)));
  });

  test('semicolons, CRLF line ends and empty statements', () => {
    expect(irOf(';; a = x;;\r\n\r\nb = a * y ;\r\na - b;')).toBe(irOfBuilt(['x', 'y'], (x, y) => x.sub(x.mul(y))));
  });

  test('a binding can hold a comparison for select', () => {
    expect(irOf('neg = x < 0; select(neg, -x, x)')).toBe(irOfBuilt(['x'], (x) => x.lt(0).select(x.neg(), x)));
  });

  test('comparisons build the comparison ops', () => {
    const cases: [string, (x: Value, y: Value) => Value][] = [
      ['<', (x, y) => x.lt(y)], ['<=', (x, y) => x.le(y)], ['>', (x, y) => x.gt(y)],
      ['>=', (x, y) => x.ge(y)], ['==', (x, y) => x.eq(y)], ['!=', (x, y) => x.ne(y)],
    ];
    for (const [op, cmp] of cases) {
      expect(irOf(`if(x ${op} y + 1, x, y)`), op).toBe(irOfBuilt(['x', 'y'], (x, y) => Value.select(cmp(x, y.add(1)), x, y)));
    }
  });
});

describe('what the parser builds is exactly the hand-built trace', () => {
  test('graphsEqual on a larger expression', () => {
    const text = 'u = x*y - z; v = exp(-u^2/2); min(v, 1 - v, 0.25) + log1p(abs(u)) * sigmoid(z)';
    const { output, params } = parseExpression(text);
    const xs = ['x', 'y', 'z'].map((n) => new Value(0, n));
    const [x, y, z] = xs;
    const u = x.mul(y).sub(z);
    const v = u.pow(2).neg().div(2).exp();
    const built = v.min(new Value(1).sub(v)).min(0.25).add(u.abs().log1p().mul(z.sigmoid()));
    expect(graphsEqual(traceValue(output, params).graph, traceValue(built, xs).graph)).toBe(true);
  });
});
