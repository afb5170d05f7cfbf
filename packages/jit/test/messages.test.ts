import { describe, expect, test } from 'vitest';
import { Value, compileGradientFunction, inspectGeneratedCode, loadCompiledFunction, serializeCompiledFunction } from '@adjoint/jit';
import { checksum, parseGraph } from '@adjoint/ir';

describe('error messages say what was received and how to fix it', () => {
  test('a single Value as params', () => {
    const x = new Value(1, 'x');
    expect(() => compileGradientFunction(x.mul(x), x as unknown as Value[])).toThrow(/a single Value; wrap it in an array: \[x\]/);
  });
  test('one param: "1 value", not "1 values"', () => {
    const x = new Value(1, 'x');
    expect(() => compileGradientFunction(x.mul(x), [x])(1, 2)).toThrow(/expects 1 value \(the params: "x"\), got 2/);
  });
  test('a bad out buffer names what it got', () => {
    const x = new Value(1, 'x'), y = new Value(1, 'y');
    const fn = compileGradientFunction(x.mul(y), [x, y]);
    expect(() => fn.gradient([1, 2], new Float64Array(1))).toThrow(/got a Float64Array of length 1/);
    expect(() => fn.gradient([1, 2], [0, 0] as unknown as Float64Array)).toThrow(/got Array/);
  });
  test('loading bytes instead of text', () => {
    expect(() => loadCompiledFunction(new Uint8Array(4) as unknown as string)).toThrow(/read the file as text/);
  });
  test('a re-signed file asking for an absurd spill buffer is refused as bad-serialized', () => {
    const x = new Value(1, 'x');
    const text = serializeCompiledFunction(compileGradientFunction(x.exp(), [x]));
    const [header, , ...rest] = text.split('\n');
    const body = rest.join('\n').replace(/"nSpill":\d+/, '"nSpill":1e15');
    const resigned = `${header}\n// checksum ${checksum(body)}\n${body}`;
    expect(() => loadCompiledFunction(resigned)).toThrow(/meta line is missing fields/);
  });
  test('an IR line missing an operand says how many the op takes', () => {
    expect(() => parseGraph('%0 = input f64 0 "x"\n%1 = mul f64 %0\nreturn %1')).toThrow(/ir:2:\d+: mul takes 2 operands, got 1/);
  });
  test('inspect keeps non-ASCII names readable as \\u escapes', () => {
    const t = new Value(1, 'θ0');
    expect(inspectGeneratedCode(compileGradientFunction(t.sin(), [t]))).toContain('"\\u03b80"');
  });
});
