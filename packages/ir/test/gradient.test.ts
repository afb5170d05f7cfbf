import { describe, expect, test } from 'vitest';
import {
  ARITY, CONST, GraphBuilder, INPUT, OP_CODE, gradientGraph, interpret, parseGraph, printGraph, scheduleGraph,
  verifyGraph, verifySchedule, type Graph,
} from '@adjoint/ir';

const rosen = parseGraph(`
%x = input f64 0 "x"
%y = input f64 1 "y"
%one = const f64 1
%hundred = const f64 100
%xx = mul f64 %x, %x
%d = sub f64 %y, %xx
%d2 = mul f64 %d, %d
%a = mul f64 %hundred, %d2
%e = sub f64 %one, %x
%e2 = mul f64 %e, %e
%f = add f64 %a, %e2
return %f
`);

describe('reverse-mode gradient transform', () => {
  test('Rosenbrock gradient matches the analytic one', () => {
    const g = gradientGraph(rosen, { params: [0, 1] });
    verifyGraph(g);
    for (const [x, y] of [[0.3, -0.7], [-1.2, 1], [1, 1]]) {
      const [f, dx, dy] = interpret(g, [x, y]);
      expect(f).toBe(100 * (y - x * x) ** 2 + (1 - x) ** 2);
      expect(dx).toBeCloseTo(-400 * x * (y - x * x) - 2 * (1 - x), 12);
      expect(dy).toBeCloseTo(200 * (y - x * x), 12);
    }
  });

  test('params the output does not reach get an exact 0, and param order is respected', () => {
    const b = new GraphBuilder({ hashCons: false });
    const x = b.input(0, 'x');
    b.input(1, 'unused');
    const f = b.apply('sin', x);
    const g = gradientGraph(b.finish([f]), { params: [1, 0] });
    const [, dUnused, dx] = interpret(g, [0.5, 2]);
    expect(Object.is(dUnused, 0)).toBe(true);
    expect(dx).toBe(Math.cos(0.5));
  });

  test('a parameter gradient is never -0 (the +0 start of backward() is restored)', () => {
    // f = x * c with c = -0 gives adjoint -0 for x without the final 0 + g.
    const g = gradientGraph(parseGraph('%x = input f64 0 "x"\n%c = const f64 -0\n%f = mul f64 %x, %c\nreturn %f'), { params: [0] });
    expect(Object.is(interpret(g, [3])[1], 0)).toBe(true);
  });

  test('non-differentiable ops stop the gradient; comparisons route it through select', () => {
    const g = gradientGraph(parseGraph(`
%x = input f64 0 "x"
%fl = floor f64 %x
%zero = const f64 0
%pos = gt bool %x, %zero
%sq = mul f64 %x, %x
%s = select f64 %pos, %sq, %x
%f = add f64 %s, %fl
return %f`), { params: [0] });
    expect(Array.from(interpret(g, [1.5]))).toEqual([1.5 * 1.5 + 1, 3]);
    expect(Array.from(interpret(g, [-1.5]))).toEqual([-1.5 - 2, 1]);
  });

  test('errors: bad param index, bool output', () => {
    expect(() => gradientGraph(rosen, { params: [2] })).toThrow(/param input index 2 is out of range/);
    const b = new GraphBuilder();
    const x = b.input(0, 'x');
    const c = b.apply('lt', x, x);
    expect(() => gradientGraph({ ...b.finish([x]), outputs: Int32Array.of(c) }, { params: [0] })).toThrow(/bool output/);
  });
});

describe('exact rewrites in the gradient builder', () => {
  test('1*x, x/1, --x, x + -0, x - 0 and constant operands fold; x + 0 and x * 0 do not', () => {
    const b = new GraphBuilder();
    const x = b.input(0, 'x');
    const one = b.constant(1);
    expect(b.apply('mul', one, x)).toBe(x);
    expect(b.apply('mul', x, one)).toBe(x);
    expect(b.apply('div', x, one)).toBe(x);
    expect(b.apply('neg', b.apply('neg', x))).toBe(x);
    expect(b.apply('add', x, b.constant(-0))).toBe(x);
    expect(b.apply('sub', x, b.constant(0))).toBe(x);
    const folded = b.apply('mul', b.constant(3), b.constant(100));
    expect(b.constValue(folded)).toBe(300);
    expect(b.apply('add', x, b.constant(0))).not.toBe(x);   // -0 + 0 = +0
    expect(b.constValue(b.apply('mul', x, b.constant(0)))).toBeUndefined();   // NaN * 0 = NaN
  });

  test('rewrites never change a value: random inputs including -0, NaN and infinities', () => {
    const src = `
%x = input f64 0 "x"
%one = const f64 1
%nz = const f64 -0
%z = const f64 0
%a = mul f64 %one, %x
%b = div f64 %a, %one
%c = neg f64 %b
%d = neg f64 %c
%e = add f64 %d, %nz
%f = sub f64 %e, %z
%g = add f64 %f, %z
return %g, %f, %e
`;
    const raw = parseGraph(src);
    const b = new GraphBuilder();
    const map: number[] = [];
    for (let i = 0; i < raw.size; i++) {
      const op = raw.op[i];
      map[i] = op === CONST ? b.constant(raw.consts[raw.a[i]]) : op === INPUT ? b.input(raw.a[i], 'x')
        : b.node(op, map[raw.a[i]], ARITY[op] > 1 ? map[raw.b[i]] : -1);
    }
    const simplified = b.finish(Array.from(raw.outputs, (o) => map[o]));
    expect(simplified.size).toBeLessThan(raw.size);
    for (const v of [-0, 0, NaN, Infinity, -Infinity, 1.5, -3e-310]) {
      const want = interpret(raw, [v]);
      const got = interpret(simplified, [v]);
      want.forEach((w, k) => expect(Object.is(got[k], w)).toBe(true));
    }
  });
});

/** Schedule at a chunk size, straight and rerolled as eagerly as possible, and verify both. */
function checkSchedule(g: Graph, chunkSize: number): void {
  verifySchedule(scheduleGraph(g, { chunkSize, reroll: false }));
  verifySchedule(scheduleGraph(g, { chunkSize, reroll: true, minTrips: 2, minCover: 1 }));
}

describe('schedule', () => {
  test('register and spill reuse is sound at every chunk size', () => {
    const g = gradientGraph(rosen, { params: [0, 1] });
    for (const size of [1, 2, 3, 5, 8, 1000]) checkSchedule(g, size);
  });

  test('registers are reused: a long forward chain needs one', () => {
    const b = new GraphBuilder();
    let x = b.input(0, 'x');
    for (let i = 0; i < 5000; i++) x = b.apply('sin', b.apply('mul', x, x));
    const g = b.finish([x]);
    expect(scheduleGraph(g, { chunkSize: 100_000, reroll: false }).units[0].fregs).toBe(1);
    checkSchedule(g, 700);
    // Its gradient keeps every forward value for the reverse sweep (the tape), but no more.
    const grad = gradientGraph(g, { params: [0] });
    expect(scheduleGraph(grad, { chunkSize: 100_000, reroll: false }).units[0].fregs).toBeLessThan(10_000 + 10);
    checkSchedule(grad, 700);
  });

  test('dead nodes are not scheduled', () => {
    const g = parseGraph('%x = input f64 0 "x"\n%dead = exp f64 %x\n%f = sin f64 %x\nreturn %f');
    const s = scheduleGraph(g);
    expect(Array.from(s.code)).toEqual([2]);
    expect(printGraph(g)).toContain('%1 = exp');
  });

  test('bool values crossing chunks are scheduled like floats', () => {
    const g = gradientGraph(parseGraph(`
%x = input f64 0 "x"
%y = input f64 1 "y"
%c = lt bool %x, %y
%m = mul f64 %x, %y
%e = exp f64 %m
%s = select f64 %c, %e, %m
return %s`), { params: [0, 1] });
    expect(g.op.includes(OP_CODE.select)).toBe(true);
    for (const size of [1, 2, 3]) checkSchedule(g, size);
  });
});
