import { describe, expect, test } from 'vitest';
import { compileFactory, generateJs, jsLiteral, parseSerialized, serializeProgram } from '@adjoint/backend-js';
import { gradientGraph, interpret, parseGraph, scheduleGraph } from '@adjoint/ir';

const graph = parseGraph(`
%x = input f64 0 "x"
%y = input f64 1 "y"
%c = const f64 -0
%m = mul f64 %x, %y
%s = sin f64 %m
%lt = lt bool %s, %c
%r = select f64 %lt, %m, %s
%t = tanh f64 %r
%f = add f64 %t, %c
return %f
`);

function run(source: string, nSpill: number, inputs: number[], nParams: number): number[] {
  const fn = compileFactory(source)(new Float64Array(nSpill));
  const g = new Float64Array(nParams);
  const f = fn(Float64Array.from(inputs), g);
  return [f, ...g];
}

describe('JS code generation', () => {
  test('literals evaluate to exactly the double they stand for', () => {
    for (const x of [0, -0, 1.5, -2.5, NaN, Infinity, -Infinity, 5e-324, -1.7976931348623157e308, 0.1]) {
      const back = new Function(`return ${jsLiteral(x)};`)() as number;
      expect(Object.is(back, x)).toBe(true);
    }
  });

  test.each([1, 2, 3, 4, 1800])('chunk size %i gives the interpreter\'s bits', (chunkSize) => {
    const grad = gradientGraph(graph, { params: [0, 1] });
    const program = generateJs(scheduleGraph(grad, { chunkSize }));
    for (const p of [[0.3, 2], [-1, 0.5], [0, -0], [2, 3]]) {
      const want = Array.from(interpret(grad, p));
      const got = run(program.source, program.nSpill, p, 2);
      got.forEach((v, k) => expect(Object.is(v, want[k]), `output ${k} at ${p}: ${v} vs ${want[k]}`).toBe(true));
    }
    if (chunkSize < 4) expect(program.chunks).toBeGreaterThan(1);
  });

  test('the source never mentions input names', () => {
    const g = parseGraph('%0 = input f64 0 "x); globalThis.pwned = 1; //"\n%1 = exp f64 %0\nreturn %1');
    const program = generateJs(scheduleGraph(gradientGraph(g, { params: [0] })));
    expect(program.source).not.toContain('pwned');
  });

  test('serialized programs round-trip and reject edits', () => {
    const meta = { inputNames: ['x'], nParams: 1, defaults: ['0'], nSpill: 0 };
    const text = serializeProgram('return function run(x, g) { return 1; };', meta);
    expect(parseSerialized(text).meta).toEqual(meta);
    expect(() => parseSerialized(text.replace('return 1', 'return 2'))).toThrow(/checksum does not match/);
    expect(() => parseSerialized(text.replace('v1', 'v9'))).toThrow(/first line/);
  });
});
