/**
 * Parse errors: an AdjointError 'bad-expression' with line:column, the line and a caret, that
 * names what was expected. The exact messages are part of the interface: editors show them.
 */
import { describe, expect, test } from 'vitest';
import { AdjointError } from '@adjoint/ir';
import { ExpressionError, FUNCTION_NAMES, MAX_DEPTH, parseExpression } from '@adjoint/expr';

function errorOf(text: string, source?: string): ExpressionError {
  try {
    parseExpression(text, source === undefined ? {} : { source });
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionError);
    expect(e).toBeInstanceOf(AdjointError);
    expect((e as AdjointError).code).toBe('bad-expression');
    return e as ExpressionError;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe('positions and carets', () => {
  test("an unclosed '(' names where it opened", () => {
    const e = errorOf('sin((x + 1) * (y', 'model.expr');
    expect(e.message).toBe([
      "model.expr:1:17: expected ')' to close '(' at 1:15, found end of input",
      '  sin((x + 1) * (y',
      '                  ^',
    ].join('\n'));
    expect([e.line, e.column]).toEqual([1, 17]);
    expect(e.reason).toBe("expected ')' to close '(' at 1:15, found end of input");
  });

  test('the brief example', () => {
    expect(errorOf('x*(yy w').message).toBe("1:7: expected ')' to close '(' at 1:3, found 'w'\n  x*(yy w\n        ^");
  });

  test('errors on later lines count lines and columns from 1', () => {
    const e = errorOf('a = x\nb = a +\n    * 2\nb');
    expect(e.message).toBe("3:5: expected a number, a name, a function call or '(', found '*'\n      * 2\n      ^");
    expect([e.line, e.column]).toEqual([3, 5]);
  });

  test('tabs in the line keep the caret under the character', () => {
    expect(errorOf('\tx +\t$').message).toBe("1:6: unexpected '$'; expressions are made of numbers, names, + - * / ^, comparisons, parentheses and function calls\n  \tx +\t$\n  \t   \t^");
  });

  test('end of input points just after the last character', () => {
    expect(errorOf('x *\n\n  ').message).toBe("1:4: expected a number, a name, a function call or '(', found end of input\n  x *\n     ^");
    expect(errorOf('').message).toBe('1:1: expected an expression, found end of input\n  \n  ^');
    expect(errorOf('# only a comment\n').reason).toBe('expected an expression, found end of input');
  });
});

describe('what was expected', () => {
  test.each([
    ['x y', "1:3: expected an operator, ';' or a new line, found 'y'"],
    ['2x', "1:2: unexpected 'x' right after the number 2; write an operator between them, e.g. 2*x"],
    ['1.5.2', "1:4: unexpected '.' right after the number 1.5"],
    ['x**2', '1:3: expected a number, a name, a function call or \'(\', found \'*\' (powers are written x^2, not x**2)'],
    ['x)', "1:2: unexpected ')': there is no '(' for it to close"],
    ['()', "1:2: expected a number, a name, a function call or '(', found ')'"],
    ['sin(x', "1:6: expected ',' or ')' to close 'sin(' at 1:4, found end of input"],
    ['max(x y)', "1:7: expected ',' or ')' to close 'max(' at 1:4, found 'y'"],
    ['atan2(x)', '1:1: atan2 takes 2 arguments, got 1 (atan2(y, x): the angle of the point (x, y))'],
    ['sin()', '1:1: sin takes 1 argument, got 0 (sine)'],
    ['min(x)', '1:1: min takes at least 2 arguments, got 1'],
    ['sin', "1:1: 'sin' is a function; call it as sin(...)"],
    ['a = 2; a(3)', "1:8: 'a' is a value, not a function; write a*(...) to multiply"],
    ['x < y', '1:1: the result is a comparison; the output must be a number, e.g. select(cond, 1, 0)'],
    ['x < y < z', '1:7: comparisons do not chain (a < b < c)'],
    ['2 * (x > 0)', "1:5: a comparison cannot be an operand of '*'; it can only be the condition of select(cond, a, b) or if(cond, a, b)"],
    ['sin(x >= 1)', "1:5: a comparison cannot be an operand of 'sin'"],
    ['select(x, 1, 2)', "1:8: select's first argument must be a comparison such as x < 0"],
    ['if(x < 1, y == 2, 3)', "1:11: a comparison cannot be an operand of 'if'"],
    ['x = 1', '1:6: expected the result after the last binding'],
    ['x + 1; y', '1:1: only the last statement is the result, so this value would be unused'],
    ['y = x; x = 2; x + y', "1:8: 'x' is already a parameter (used at 1:5); a name must be bound before its first use"],
    ['a = 1; a = 2; a', "1:8: 'a' is already bound at 1:1; use a new name"],
    ['exp = 2; exp', "1:1: 'exp' is a function; bind the value to another name"],
    ['x == 1 = 2', "1:8: unexpected '=': '=' binds a name at the start of a statement"],
    ['1e400 * x', '1:1: the number 1e400 is too large for a double'],
    ['x && y', "1:3: unexpected '&'; expressions are made of numbers, names, + - * / ^, comparisons, parentheses and function calls (there are no logical operators"],
    ['x\u0007', '1:2: unexpected character U+0007'],
    ['θ + 1', "1:1: unexpected 'θ'"],
  ])('%j', (text, expected) => {
    expect(errorOf(text).message.split('\n')[0]).toContain(expected);
  });

  test('an unknown function lists the known ones, and the closest', () => {
    const e = errorOf('1 + sqr(x)');
    expect(e.reason).toBe(`unknown function 'sqr' (did you mean sqrt?); the functions are ${FUNCTION_NAMES.join(', ')}`);
    expect([e.line, e.column]).toEqual([1, 5]);
    expect(errorOf('gamma(x)').reason).toMatch(/^unknown function 'gamma'; the functions are abs, acos, asin, atan, atan2, ceil, cos, /);
  });

  test('nesting deeper than MAX_DEPTH is an error, not a stack overflow', () => {
    expect(errorOf(`${'('.repeat(MAX_DEPTH + 5)}x${')'.repeat(MAX_DEPTH + 5)}`).reason).toMatch(/nested too deeply/);
    expect(errorOf(`${'-'.repeat(100_000)}x`).reason).toMatch(/nested too deeply/);
    expect(errorOf(`x${'^x'.repeat(MAX_DEPTH + 1)}`).reason).toMatch(/nested too deeply/);
    expect(parseExpression(`${'('.repeat(MAX_DEPTH - 1)}x${')'.repeat(MAX_DEPTH - 1)}`).params).toHaveLength(1);
  });
});

describe('user text is never code', () => {
  test('JavaScript in the text is a parse error, and runs nothing', () => {
    const g = globalThis as { pwned?: boolean };
    expect(errorOf('x; globalThis.pwned = true').reason).toMatch(/unexpected '\.'/);
    expect(errorOf('constructor.constructor("globalThis.pwned = true")()').reason).toMatch(/unknown function 'constructor'|unexpected/);
    expect(errorOf('`${1}`').reason).toMatch(/unexpected '`'/);
    expect(g.pwned).toBeUndefined();
  });

  test('names that are Object.prototype members are ordinary params', () => {
    const { params } = parseExpression('toString * __proto__ + hasOwnProperty + constructor');
    expect(params.map((p) => p.paramName)).toEqual(['toString', '__proto__', 'hasOwnProperty', 'constructor']);
    expect(errorOf('toString(x)').reason).toMatch(/^unknown function 'toString'/);
  });

  test('bad arguments', () => {
    expect(() => parseExpression(42 as unknown as string)).toThrow(/needs the expression text as a string, got number/);
    expect(() => parseExpression('x', { source: 3 as unknown as string })).toThrow(AdjointError);
  });
});
