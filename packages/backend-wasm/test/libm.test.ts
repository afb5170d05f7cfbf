/**
 * The embedded libm against V8's Math: special values bit for bit (NaN, +-0, +-inf, overflow,
 * underflow), and ~100k seeded random inputs per function within LIBM_ULP_BOUND. The measured
 * maximum per function is printed (console.info), for the bound table and the docs.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadBinaryen } from '../src/binaryen.js';
import { addLibm, LIBM_OPS, LIBM_ULP_BOUND, type LibmOp } from '../src/libm/index.js';

type Binaryen = typeof import('binaryen').default;
type Fn2 = (a: number, b: number) => number;

const REFERENCE: Record<LibmOp, Fn2> = {
  exp: Math.exp, log: Math.log, log1p: Math.log1p, expm1: Math.expm1, sin: Math.sin, cos: Math.cos,
  tan: Math.tan, asin: Math.asin, acos: Math.acos, atan: Math.atan, atan2: Math.atan2,
  sinh: Math.sinh, cosh: Math.cosh, tanh: Math.tanh, pow: Math.pow,
};
const BINARY = new Set<LibmOp>(['atan2', 'pow']);

let binaryen: Binaryen;
/** The libm, optimized the way the backend ships it, and as built (the optimizer hides nothing). */
let optimized: Record<LibmOp, Fn2>;
let plain: Record<LibmOp, Fn2>;

async function instantiate(optimize: boolean): Promise<Record<LibmOp, Fn2>> {
  const m = new binaryen.Module();
  try {
    const names = addLibm(binaryen, m, LIBM_OPS);
    for (const [op, name] of names) m.addFunctionExport(name, op);
    expect(m.validate()).toBe(1);
    if (optimize) {
      binaryen.setOptimizeLevel(2);
      m.optimize();
      expect(m.validate()).toBe(1);
    }
    const bytes = m.emitBinary();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const mod = await WebAssembly.compile(bytes);
    expect(WebAssembly.Module.imports(mod)).toEqual([]);
    const { exports } = await WebAssembly.instantiate(mod, {});
    return exports as unknown as Record<LibmOp, Fn2>;
  } finally {
    m.dispose();
  }
}

beforeAll(async () => {
  binaryen = await loadBinaryen();
  optimized = await instantiate(true);
  plain = await instantiate(false);
});

// ---- measuring ----
const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
/** Doubles in order as integers (-0 and +0 both 0), so ulp distance is a subtraction. */
function ordered(x: number): bigint {
  f64[0] = x;
  const b = i64[0];
  return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
}
function ulps(got: number, want: number): number {
  if (Number.isNaN(got) || Number.isNaN(want)) return Number.isNaN(got) && Number.isNaN(want) ? 0 : Infinity;
  const d = ordered(got) - ordered(want);
  return Number(d < 0n ? -d : d);
}
const sameBits = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
const show = (x: number) => (Object.is(x, -0) ? '-0' : String(x));
function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return 5e-324;
  f64[0] = x;
  i64[0] += x > 0 ? 1n : -1n;
  return f64[0];
}
const nextDown = (x: number) => -nextUp(-x);
const around = (xs: readonly number[]) => xs.flatMap((x) => [nextDown(x), x, nextUp(x)]);

/** Special results (NaN, zeros, infinities) must match bit for bit; finite ones within the bound. */
function check(op: LibmOp, lib: Record<LibmOp, Fn2>, args: readonly (readonly [number, number])[]): string[] {
  const bad: string[] = [];
  for (const [a, b] of args) {
    const want = REFERENCE[op](a, b);
    const got = lib[op](a, b);
    const special = !Number.isFinite(want) || want === 0 || !Number.isFinite(got) || got === 0;
    const ok = special ? sameBits(got, want) : ulps(got, want) <= LIBM_ULP_BOUND[op];
    if (!ok) bad.push(`${op}(${show(a)}${BINARY.has(op) ? `, ${show(b)}` : ''}) = ${show(got)}, Math gives ${show(want)}`);
  }
  return bad;
}

// ---- special values and edges ----
const MIN_SUB = 5e-324;
const MIN_NORMAL = 2.2250738585072014e-308;
const MAX = Number.MAX_VALUE;
const BASICS = [NaN, 0, -0, Infinity, -Infinity, MIN_SUB, -MIN_SUB, MIN_NORMAL, -MIN_NORMAL, MAX, -MAX,
  1, -1, 0.5, -0.5, 2, -2, 3, -3, 10, -10, 1e-300, -1e-300, 1e300, -1e300, 2 ** -27, -(2 ** -27), 2 ** -54, 2 ** -60];
const HALF_PI_MULTIPLES = [1, 2, 3, 4, 5, 6, 7, 8, 100, 1000, 12345, 2 ** 20, 2 ** 21, 2 ** 22, 2 ** 23, 2 ** 30, 2 ** 40, 2 ** 52]
  .flatMap((k) => [k * (Math.PI / 2), -k * (Math.PI / 2)]);
// hard cases for the reduction: doubles very close to multiples of pi/2
const HARD_TRIG = [6381956970095103 * 2 ** 797, 5.319372648326541e255, 1e22, -1e22, 2 ** 1023, 1.5707963267948966e9,
  3.141592653589793e15, 355, 103993, 104348, 208341, 312689, 833719, 1146408, 4272943, 5419351, 80143857, 165707065];
const EDGES: Record<LibmOp, readonly number[]> = {
  exp: around([709.782712893384, 709.7827128933841, 708, 708.3964185322641, -708, -708.3964185322641, -708.4, -745.1332191019411,
    -745.1332191019412, -744.44007192138, -745, 0.34657359027997264, -0.34657359027997264, 1e-16, -1e-16]),
  expm1: around([709.782712893384, 700, -60, -37.42994775023705, -38, 36.7, 37.5, 0.34657359027997264, -0.34657359027997264,
    1.0397, 2 ** -54, 2 ** -53, 1e-10, -1e-10, 52 * Math.LN2, 53 * Math.LN2]),
  log: around([Math.SQRT2, Math.SQRT1_2, 1.0000000000000002, 0.9999999999999999, Math.E, 1.5, 0.75, 2 ** 1023, 2 ** -1022, 2 ** -1074, 2 ** -1073]),
  log1p: around([-1, -0.9999999999999999, Math.SQRT1_2 - 1, Math.SQRT2 - 1, -0.5, 1e-10, -1e-10, 2 ** -54, 2 ** -53, 1, 2 ** 53, MAX]),
  sin: [...around([Math.PI / 4, 0.785398163397448, 2 ** -26, 2 ** 22, 2 ** 22 - 1]), ...HALF_PI_MULTIPLES, ...around(HALF_PI_MULTIPLES.slice(0, 20)), ...HARD_TRIG],
  cos: [...around([Math.PI / 4, 2 ** -26, 2 ** 22]), ...HALF_PI_MULTIPLES, ...around(HALF_PI_MULTIPLES.slice(0, 20)), ...HARD_TRIG],
  tan: [...around([Math.PI / 4, 2 ** -26, 2 ** 22]), ...HALF_PI_MULTIPLES, ...around(HALF_PI_MULTIPLES.slice(0, 20)), ...HARD_TRIG],
  asin: around([1, -1, 0.5, -0.5, 0.9999999999999999, -0.9999999999999999, 0.7071067811865476, 1e-8, 0.999]),
  acos: around([1, -1, 0.5, -0.5, 0.9999999999999999, -0.9999999999999999, 0.7071067811865476, 1e-8, -0.999]),
  atan: around([0.375, 0.72, 1.3875, 4.236, 2 ** 60, -(2 ** 60), 2 ** 53, 1e-8, 0.4142135623730951, 2.414213562373095]),
  atan2: [],
  sinh: around([1, -1, 710.4758600739439, -710.4758600739439, 710.475860073944, 709.78, 22, 2 ** -27, 0.5]),
  cosh: around([0.5, -0.5, 710.4758600739439, -710.4758600739439, 710.475860073944, 709.78, 22, 2 ** -27, 1]),
  tanh: around([0.55, -0.55, 22, -22, 19.06, 0.5493061443340548, 2 ** -27, 2 ** -28, 1e-8, 1, 20]),
  pow: [],
};
const POW_BASES = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 0.5, -0.5, 2, -2, 3, -3, 10, -10, MIN_SUB, -MIN_SUB, MIN_NORMAL,
  MAX, -MAX, 1.0000000000000002, 0.9999999999999999, -1.0000000000000002, -0.9999999999999999, Math.E, 1e-300, 1e300, 0.1, 7];
const POW_EXPONENTS = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 2, -2, 3, -3, 0.5, -0.5, 1.5, -1.5, 1 / 3, 2 ** 53, -(2 ** 53),
  2 ** 53 + 2, 2 ** 53 - 1, -(2 ** 53 - 1), 1e308, -1e308, MIN_SUB, -MIN_SUB, 1023, 1024, -1074, -1075, 1074, 0.1, 2 ** 52 + 1, 1e10];
const ATAN2_ARGS = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 2, -2, MIN_SUB, -MIN_SUB, MAX, -MAX, 1e-300, -1e-300, 1e300, -1e300, 0.375, 4.236];

function edgeArgs(op: LibmOp): (readonly [number, number])[] {
  const cross = (as: readonly number[], bs: readonly number[]) => as.flatMap((a) => bs.map((b) => [a, b] as const));
  if (op === 'pow') return cross(POW_BASES, POW_EXPONENTS);
  if (op === 'atan2') return cross(ATAN2_ARGS, ATAN2_ARGS);
  return [...BASICS, ...EDGES[op]].map((x) => [x, 0] as const);
}

describe('embedded libm: special values and edges', () => {
  test.each(LIBM_OPS.map((op) => [op]))('%s', (op) => {
    const args = edgeArgs(op);
    expect(check(op, optimized, args)).toEqual([]);
    expect(check(op, plain, args)).toEqual([]);
  });

  test('exact results stay exact', () => {
    const exact: [LibmOp, number, number, number][] = [
      ['pow', 2, 10, 1024], ['pow', 3, 3, 27], ['pow', -2, 3, -8], ['pow', 10, -2, 0.01], ['pow', 2, -1074, MIN_SUB], ['pow', 4, 0.5, 2],
      ['pow', 2, 1023, 2 ** 1023], ['pow', -0, -3, -Infinity], ['pow', -0, 3, -0], ['pow', -8, 1 / 3, NaN], ['pow', -1, Infinity, NaN],
      ['pow', NaN, 0, 1], ['pow', -Infinity, -3, -0], ['pow', -Infinity, 0.5, Infinity], ['pow', -0, 0.5, 0],
      ['exp', 0, 0, 1], ['log', 1, 0, 0], ['cos', 0, 0, 1], ['sin', -0, 0, -0], ['tanh', -0, 0, -0], ['tanh', Infinity, 0, 1],
      ['atan2', 0, -0, Math.PI], ['atan2', -0, -0, -Math.PI], ['atan2', -0, 0, -0], ['atan2', Infinity, -Infinity, 3 * Math.PI / 4],
      ['acos', 1, 0, 0], ['acos', -1, 0, Math.PI], ['asin', 1, 0, Math.PI / 2], ['atan', Infinity, 0, Math.PI / 2], ['cosh', 0, 0, 1],
    ];
    for (const [op, a, b, want] of exact) expect(show(optimized[op](a, b)), `${op}(${show(a)}, ${show(b)})`).toBe(show(want));
  });
});

// ---- random inputs ----
/** xorshift128+, seeded per function: the same inputs on every run. */
function rng(seed: number): () => number {
  let s0 = BigInt(seed) * 0x9e3779b97f4a7c15n & 0xffffffffffffffffn | 1n;
  let s1 = 0x2545f4914f6cdd1dn;
  return () => {
    let x = s0;
    const y = s1;
    s0 = y;
    x ^= (x << 23n) & 0xffffffffffffffffn;
    s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return Number(((s1 + y) & 0xffffffffffffffffn) >> 11n) / 2 ** 53;
  };
}
type Gen = (r: () => number) => number;
const uniform = (lo: number, hi: number): Gen => (r) => lo + (hi - lo) * r();
/** Random sign, exponent uniform in [lo, hi], random significand: covers every magnitude. */
const logUniform = (lo: number, hi: number, signed = true): Gen => (r) => {
  const e = Math.floor(lo + (hi - lo + 1) * r());
  const v = (1 + r()) * 2 ** e;
  return signed && r() < 0.5 ? -v : v;
};
const nearHalfPi: Gen = (r) => Math.round(uniform(-1e6, 1e6)(r)) * (Math.PI / 2) + uniform(-1e-6, 1e-6)(r);
const UNARY: Record<Exclude<LibmOp, 'atan2' | 'pow'>, readonly Gen[]> = {
  exp: [uniform(-746, 710), uniform(-1, 1), logUniform(-60, 9)],
  expm1: [uniform(-60, 710), uniform(-1, 1), logUniform(-60, 6), uniform(-40, 40)],
  log: [logUniform(-1074, 1023, false), uniform(0.5, 2), (r) => 1 + uniform(-1e-3, 1e-3)(r)],
  log1p: [uniform(-1, 1), logUniform(-60, 1023, false), (r) => -logUniform(-60, -1, false)(r), uniform(-0.3, 0.5)],
  sin: [uniform(-10, 10), logUniform(-30, 1023), uniform(-(2 ** 22), 2 ** 22), nearHalfPi],
  cos: [uniform(-10, 10), logUniform(-30, 1023), uniform(-(2 ** 22), 2 ** 22), nearHalfPi],
  tan: [uniform(-10, 10), logUniform(-30, 1023), uniform(-(2 ** 22), 2 ** 22), nearHalfPi],
  asin: [uniform(-1, 1), logUniform(-60, -1), (r) => (r() < 0.5 ? -1 : 1) * (1 - logUniform(-53, -2, false)(r))],
  acos: [uniform(-1, 1), logUniform(-60, -1), (r) => (r() < 0.5 ? -1 : 1) * (1 - logUniform(-53, -2, false)(r))],
  atan: [logUniform(-60, 70), uniform(-5, 5), uniform(-1, 1)],
  sinh: [uniform(-712, 712), uniform(-2, 2), logUniform(-60, 3)],
  cosh: [uniform(-712, 712), uniform(-2, 2), logUniform(-60, 3)],
  tanh: [uniform(-25, 25), uniform(-1, 1), logUniform(-60, 5)],
};
const BINARY_GENS: Record<'atan2' | 'pow', readonly ((r: () => number) => [number, number])[]> = {
  atan2: [
    (r) => [logUniform(-1074, 1023)(r), logUniform(-1074, 1023)(r)],
    (r) => [uniform(-2, 2)(r), uniform(-2, 2)(r)],
    (r) => { const x = logUniform(-100, 100)(r); return [x * uniform(-5, 5)(r), x]; },
  ],
  pow: [
    // any positive base, an exponent that keeps the result mostly finite
    (r) => { const a = logUniform(-1074, 1023, false)(r); return [a, uniform(-760, 760)(r) / Math.log(a)]; },
    (r) => [uniform(0, 4)(r), uniform(-30, 30)(r)],
    (r) => [-logUniform(-20, 20, false)(r), Math.round(uniform(-60, 60)(r))],   // negative base, integral exponent
    (r) => [1 + uniform(-1e-6, 1e-6)(r), logUniform(0, 30, true)(r)],          // base near 1, large exponent
  ],
};
const N = 100_000;

describe('embedded libm: random inputs within LIBM_ULP_BOUND of Math', () => {
  test.each(LIBM_OPS.map((op, i) => [op, i]))('%s', (op, seed) => {
    const r = rng(seed + 1);
    const args: [number, number][] = [];
    for (let i = 0; i < N; i++) {
      if (op === 'atan2' || op === 'pow') args.push(BINARY_GENS[op][i % BINARY_GENS[op].length](r));
      else args.push([UNARY[op][i % UNARY[op].length](r), 0]);
    }
    let max = 0;
    let worst = '';
    let off = 0;
    const unstable: string[] = [];
    for (const [a, b] of args) {
      const want = REFERENCE[op](a, b);
      const got = optimized[op](a, b);
      // binaryen's optimizer must not change a bit (no fast-math): the backend may ship either
      if (!sameBits(got, plain[op](a, b)) && unstable.length < 5) unstable.push(`${op}(${show(a)}, ${show(b)})`);
      const d = ulps(got, want);
      if (d > 0) off++;
      if (d > max || (d === Infinity && !worst)) {
        max = d;
        worst = `${op}(${show(a)}${BINARY.has(op) ? `, ${show(b)}` : ''}) = ${show(got)} vs ${show(want)}`;
      }
    }
    console.info(`libm ${op}: max ${max} ulp from Math over ${N} inputs, ${((100 * off) / N).toFixed(2)}% differ${max ? `; worst ${worst}` : ''}`);
    expect(max, worst).toBeLessThanOrEqual(LIBM_ULP_BOUND[op]);
    expect(unstable, 'optimized and unoptimized libm differ').toEqual([]);
    expect(check(op, optimized, args)).toEqual([]);   // and zeros, infinities, NaN bit for bit
  });
});

describe('addLibm', () => {
  test('adds only what the ops need, once per module, and ignores other ops', () => {
    const m = new binaryen.Module();
    try {
      expect([...addLibm(binaryen, m, ['tanh', 'add', 'sigmoid', 'mul']).keys()]).toEqual(['tanh']);
      expect(m.getNumFunctions()).toBe(1);
      const names = addLibm(binaryen, m, ['tanh', 'expm1', 'sin', 'cos']);
      expect([...names.keys()]).toEqual(['tanh', 'expm1', 'sin', 'cos']);
      // tanh, expm1 + exp, sin + cos + the large reduction + its 2/pi word table
      expect(m.getNumFunctions()).toBe(7);
      addLibm(binaryen, m, ['sin', 'cos', 'tan']);
      expect(m.getNumFunctions()).toBe(8);
      expect(m.validate()).toBe(1);
    } finally {
      m.dispose();
    }
  });
});
