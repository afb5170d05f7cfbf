import { describe, expect, test } from 'vitest';
import {
  AdjointError, GraphBuilder, OP_CODE, interpret, parseGraph, printGraph, verifyGraph,
} from '@adjoint/ir';

const sample = `; f = x*x + sin(y) * 2.5, plus a branch-free clamp
%0 = input f64 0 "x"
%1 = input f64 1 "y"
%2 = mul f64 %0, %0
%3 = sin f64 %1
%4 = const f64 2.5
%5 = mul f64 %3, %4
%6 = add f64 %2, %5
%7 = const f64 -0
%8 = lt bool %6, %7
%9 = select f64 %8, %7, %6
return %9, %6
`;

describe('IR text form', () => {
  test('print -> parse -> print is the identity', () => {
    const g = parseGraph(sample);
    verifyGraph(g);
    const printed = printGraph(g);
    expect(printGraph(parseGraph(printed))).toBe(printed);
    expect(printed).toContain('%7 = const f64 -0');
    expect(printed).toContain('%8 = lt bool %6, %7');
  });

  test('special constants and escaped names round-trip', () => {
    const b = new GraphBuilder();
    const x = b.input(0, 'a "quoted"\nname');
    const outs = [NaN, Infinity, -Infinity, -0, 5e-324, 1.7976931348623157e308, 0.1].map((c) => b.apply('add', x, b.constant(c)));
    const g = b.finish(outs);
    const back = parseGraph(printGraph(g));
    expect(back.inputNames).toEqual(['a "quoted"\nname']);
    expect(Array.from(back.consts)).toEqual(Array.from(g.consts));
    expect(Object.is(back.consts[3], -0)).toBe(true);
  });

  test('labels may be names and need not be numbered', () => {
    const g = parseGraph('%x = input f64 0 "x"\n%sq = mul f64 %x, %x\nreturn %sq\n');
    expect(interpret(g, [3])[0]).toBe(9);
  });

  const errors: [string, string, RegExp][] = [
    ['unknown op', '%0 = input f64 0 "x"\n%1 = frob f64 %0\nreturn %1', /ir:2:6: unknown op "frob"/],
    ['undefined label', '%0 = input f64 0 "x"\n%1 = mul f64 %0, %7\nreturn %1', /ir:2:18: %7 is not defined/],
    ['bad type name', '%0 = input f65 0 "x"\nreturn %0', /ir:1:12: unknown type "f65"/],
    ['wrong declared type', '%0 = input f64 0 "x"\n%1 = lt f64 %0, %0\nreturn %0', /ir:2:9: lt of these arguments has type bool/],
    ['float where bool is needed', '%0 = input f64 0 "x"\n%1 = select f64 %0, %0, %0\nreturn %1', /ir:2:6: select argument 0 must be a bool/],
    ['missing return', '%0 = input f64 0 "x"\n', /missing the final "return/],
    ['trailing text', '%0 = input f64 0 "x" extra\nreturn %0', /ir:1:22: unexpected text/],
    ['duplicate label', '%0 = input f64 0 "x"\n%0 = input f64 1 "y"\nreturn %0', /ir:2:1: %0 is defined twice/],
    ['missing comma', '%0 = input f64 0 "x"\n%1 = add f64 %0 %0\nreturn %1', /ir:2:17: expected ','/],
    ['bad number', '%0 = const f64 abc\nreturn %0', /ir:1:16: expected a number/],
  ];
  test.each(errors)('parse error: %s', (_, text, message) => {
    let err: unknown;
    try { parseGraph(text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(AdjointError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('builder and verifier', () => {
  test('hash-consing merges equal nodes and constants by bits', () => {
    const b = new GraphBuilder();
    const x = b.input(0, 'x');
    expect(b.apply('mul', x, x)).toBe(b.apply('mul', x, x));
    expect(b.constant(0)).not.toBe(b.constant(-0));
    expect(b.constant(NaN)).toBe(b.constant(NaN));
    const raw = new GraphBuilder({ hashCons: false });
    const y = raw.input(0, 'y');
    expect(raw.apply('mul', y, y)).not.toBe(raw.apply('mul', y, y));
  });

  test('hash-consing survives table growth', () => {
    const b = new GraphBuilder({ capacity: 16 });
    let x = b.input(0, 'x');
    const ids: number[] = [];
    for (let i = 0; i < 5000; i++) { x = b.apply('add', x, b.constant(i)); ids.push(x); }
    let y = b.input(0, 'x');
    for (let i = 0; i < 5000; i++) { y = b.apply('add', y, b.constant(i)); expect(y).toBe(ids[i]); }
    expect(b.size).toBe(1 + 5000 * 2);
    // Commuted operands find the node after the rehashes too.
    const products = ids.map((id, i) => b.apply('mul', id, b.constant(i)));
    ids.forEach((id, i) => expect(b.apply('mul', b.constant(i), id)).toBe(products[i]));
  });

  test('the builder rejects bad arguments with clear errors', () => {
    const b = new GraphBuilder();
    const x = b.input(0, 'x');
    expect(() => b.apply('add', x, 99)).toThrow(/argument 1 refers to node 99/);
    expect(() => b.apply('neg', x, x)).toThrow(/takes 1 argument/);
    const c = b.apply('lt', x, x);
    expect(() => b.apply('add', x, c)).toThrow(/must be a float, got bool/);
  });

  test('the verifier catches corrupted graphs', () => {
    const g = parseGraph(sample);
    const bad = { ...g, a: g.a.slice() };
    bad.a[2] = 5;   // a forward reference breaks topological order
    expect(() => verifyGraph(bad)).toThrow(/node %2: argument 0 is %5, which is not an earlier node/);
    const badType = { ...g, dtype: g.dtype.slice() };
    badType.dtype[8] = 0;
    expect(() => verifyGraph(badType)).toThrow(/result type is f64, expected bool/);
    const boolOut = { ...g, outputs: Int32Array.of(8) };
    expect(() => verifyGraph(boolOut)).toThrow(/outputs must be floats/);
    const badOp = { ...g, op: g.op.slice() };
    badOp.op[3] = OP_CODE.atan2;
    expect(() => verifyGraph(badOp)).toThrow(/argument 1 is %-1/);
  });
});

describe('interpreter', () => {
  test('evaluates the sample', () => {
    const g = parseGraph(sample);
    const [clamped, raw] = interpret(g, [-2, 0.5]);
    expect(raw).toBe(4 + Math.sin(0.5) * 2.5);
    expect(clamped).toBe(raw);
    const [c2, r2] = interpret(g, [0, -1]);
    expect(r2).toBeLessThan(0);
    expect(Object.is(c2, -0)).toBe(true);
  });
  test('too few inputs is an error', () => {
    expect(() => interpret(parseGraph(sample), [1])).toThrow(/2 inputs, got 1/);
  });
});

describe('graph size limit', () => {
  test('growing past maxNodes is a graph-too-large error that says what to do', () => {
    const b = new GraphBuilder({ hashCons: false, capacity: 16, maxNodes: 64 });
    let x = b.input(0, 'x');
    let err: unknown;
    try {
      for (let i = 0; i < 100; i++) x = b.apply('sin', x);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AdjointError);
    expect((err as AdjointError).code).toBe('graph-too-large');
    expect((err as Error).message).toMatch(/at most 64 nodes; build it in parts/);
    expect(b.size).toBe(64);   // what was built stays consistent
  });
});
