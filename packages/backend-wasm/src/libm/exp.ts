/**
 * exp, expm1, sinh, cosh, tanh: one exponential kernel plus the algebra of each function.
 *
 * Kernel: x = k ln2 + r with k = round(x / ln2), |r| <= ln2/2 (ln2 in two pieces so k * LN2_HI
 * is exact and r keeps its low bits as rl), then e^r = 1 + r + r^2/2 + r^3 P(r) with P a
 * minimax fit (fit.mjs, relative error < 2^-64). The result is kept as 2^k (1 + r + qq), and
 * each function adds the leading terms in an order that leaves one final rounding, so results
 * stay within ~0.6 ulp of the true value.
 */
import * as C from './coefficients.js';
import { Fn, type Build, type V } from './ir.js';

export interface ExpParts {
  /** e^(x + xl) = 2^k (1 + r + qq), |r| <= 0.3466, |qq| < 0.07. */
  readonly r: V;
  readonly qq: V;
  /** k as a double and as an i64. */
  readonly kf: V;
  readonly ki: V;
}

/** The exponential kernel for |x| < 1400, so |k| < 2^11 (NaN gives NaN parts, never a trap). */
export function expParts(f: Fn, x: V, xl?: V): ExpParts {
  const [kf, ki] = f.roundInt(f.mul(x, f.k(C.INV_LN2)));
  const hi = f.let(f.sub(x, f.mul(kf, f.k(C.LN2_HI))));   // exact (Sterbenz)
  const lo = f.let(f.mul(kf, f.k(C.LN2_LO)));
  const r = f.let(f.sub(hi, lo));
  const rl0 = f.sub(f.sub(hi, r), lo);                        // what r lost
  const rl = f.let(xl ? f.add(rl0, xl) : rl0);
  // e^(r + rl) - 1 - r = q + rl e^r with q = r^2 (1/2 + r P(r)) and e^r = 1 + r + q; rl is
  // below 2^-44 (pow's low part), so rl (1 + r + q) leaves an error of rl^2
  const q = f.let(f.mul(f.mul(r, r), f.add(f.k(0.5), f.mul(r, f.estrin(r, C.EXP)))));
  const qq = f.let(f.add(q, f.add(rl, f.mul(rl, f.add(r, q)))));
  return { r, qq, kf, ki };
}

/** 1 + r + qq as a double: 1 + r split exactly first, so only the final addition rounds. */
export function expMantissa(f: Fn, p: ExpParts): V {
  const [s, e] = f.fastTwoSum(f.kv(1), p.r);
  return f.let(f.add(s, f.add(e, p.qq)));
}

/**
 * mantissa * 2^k for k in [-2044, 2046], in two steps: the first is exact, the second rounds
 * once into overflow or the subnormal range.
 */
export function scaleWide(f: Fn, mant: V, ki: V): V {
  const m = f.m;
  const k1 = f.let(m.i64.shr_s(ki(), m.i64.const(1n)), f.b.i64);
  return f.let(f.mul(f.mul(mant, f.pow2(k1)), f.pow2(m.i64.sub(ki(), k1()))));
}

export const buildExp: Build = (b, m, name) => {
  const f = new Fn(b, m, [b.f64]);
  const x = f.param(0);
  f.if(f.lt(f.abs(x), f.k(708)), () => {   // 2^k is a normal number: one scaling
    const p = expParts(f, x);
    f.ret(f.mul(expMantissa(f, p), f.pow2(p.ki)));
  });
  // Overflow, underflow, infinities, NaN: clamping keeps k small enough to scale in two steps
  // and still over/underflows (NaN passes through min/max).
  const xc = f.let(f.max(f.min(x, f.k(710)), f.k(-746)));
  const p = expParts(f, xc);
  f.ret(scaleWide(f, expMantissa(f, p), p.ki));
  f.finish(name, b.f64);
};

export const buildExpm1 = (expName: string): Build => (b, m, name) => {
  const f = new Fn(b, m, [b.f64]);
  const x = f.param(0);
  f.if(f.gt(x, f.k(700)), () => f.ret(m.call(expName, [x()], b.f64)));   // e^x - 1 rounds to e^x
  f.if(f.lt(f.abs(x), f.k(2 ** -54)), () => f.ret(x));                       // +-0, tiny, subnormal
  const p = expParts(f, f.let(f.max(x, f.k(-60))));                         // below -60: -1
  const t = f.let(f.pow2(p.ki));
  const [ph, pl] = f.fastTwoSum(p.r, p.qq);
  // -53 <= k <= 52: 2^k - 1 is exact and |2^k - 1| >= |2^k ph| for k != 0 (k = 0 is safe too),
  // so after one exact two-sum the result is rounded once. Below -53 the result rounds to -1.
  const [s, e] = f.fastTwoSum(f.let(f.sub(t, f.k(1))), f.let(f.mul(t, ph)));
  const small = f.add(s, f.add(e, f.mul(t, pl)));
  // k > 52: 2^k (1 + p - 2^-k), where 2^-k is below p's last bit
  const [s2, e2] = f.fastTwoSum(f.kv(1), ph);
  const big = f.mul(f.add(s2, f.add(e2, f.sub(pl, f.pow2(m.i64.sub(m.i64.const(0n), p.ki()))))), t);
  f.ret(f.select(f.gt(p.kf, f.k(52)), big, small));
  f.finish(name, b.f64);
};

/**
 * (e^a +- e^-a)/2 for a >= 1/2 (or NaN). With e^a = 2^k (M + Ml) (k >= 1) and e^-a = 2^-k / M
 * (dropping Ml costs 2^-53 of a term at most a third of the result), the value is
 * 2^(k-1) (M + Ml +- 2^-2k / M); the leading sum is split exactly, and scaling by 2^(k-2)
 * then 2 lets the result overflow correctly (from a = 710.476).
 */
function hyperbolic(f: Fn, ax: V, sign: 1 | -1): V {
  const m = f.m;
  const p = expParts(f, f.let(f.min(ax, f.k(710.5))));   // sinh, cosh overflow above 710.476
  const [mh, e] = f.fastTwoSum(f.kv(1), p.r);
  const [M, Ml] = f.fastTwoSum(mh, f.let(f.add(e, p.qq)));
  const twoNeg2k = f.pow2(m.i64.mul(p.ki(), m.i64.const(-2n)));
  const inv = f.select(f.le(p.kf, f.k(60)), f.div(twoNeg2k, M), f.k(0));   // beyond: below M's last bit
  const [h, e2] = f.fastTwoSum(M, f.let(sign > 0 ? inv : f.neg(inv)));   // |inv| < M
  const inner = f.add(h, f.add(e2, Ml));
  return f.let(f.mul(f.mul(inner, f.pow2(m.i64.sub(p.ki(), m.i64.const(2n)))), f.k(2)));
}

export const buildSinh: Build = (b, m, name) => {
  const f = new Fn(b, m, [b.f64]);
  const x = f.param(0);
  const ax = f.let(f.abs(x));
  f.if(f.lt(ax, f.k(1)), () => {   // odd polynomial: no cancellation, sign and -0 kept
    const z = f.let(f.mul(x, x));
    f.ret(f.add(x, f.mul(x, f.mul(z, f.estrin(z, C.SINH)))));
  });
  f.ret(f.copysign(hyperbolic(f, ax, -1), x));
  f.finish(name, b.f64);
};

export const buildCosh: Build = (b, m, name) => {
  const f = new Fn(b, m, [b.f64]);
  const x = f.param(0);
  const ax = f.let(f.abs(x));
  f.if(f.lt(ax, f.k(0.5)), () => {   // 1 + z/2 + z^2 K(z): 1/e^x would cost a quarter ulp here
    const z = f.let(f.mul(x, x));
    f.ret(f.add(f.k(1), f.mul(z, f.add(f.k(0.5), f.mul(z, f.estrin(z, C.COSH))))));
  });
  f.ret(hyperbolic(f, ax, 1));
  f.finish(name, b.f64);
};

/**
 * tanh: |x| < 0.55, the odd polynomial x + x^3 T(x^2); above, 1 - 2/(e^2|x| + 1) with e^2|x|
 * kept as a double-double so the division's input is exact to ~2^-60. Below 0.55 that form
 * would lose a bit to cancellation (2/(E+1) > 1/2); from 22 on the result rounds to 1.
 */
export const buildTanh: Build = (b, m, name) => {
  const f = new Fn(b, m, [b.f64]);
  const x = f.param(0);
  const ax = f.let(f.abs(x));
  f.if(f.lt(ax, f.k(0.55)), () => {
    const z = f.let(f.mul(x, x));
    // copysign: x + x (z T) would turn -0 into +0, T being negative
    f.ret(f.copysign(f.add(x, f.mul(x, f.mul(z, f.estrin(z, C.TANH)))), x));
  });
  const a2 = f.let(f.mul(f.min(ax, f.k(22)), f.k(2)));   // NaN stays NaN
  const p = expParts(f, a2);
  const [mh, e] = f.fastTwoSum(f.kv(1), p.r);
  const [M, Ml] = f.fastTwoSum(mh, f.let(f.add(e, p.qq)));   // e^r = M + Ml, |Ml| <= ulp(M)/2
  const t = f.let(f.pow2(p.ki));
  // D = E + 1 = 2^k M + 1 + 2^k Ml, 2^k M >= 2
  const [dh, dl0] = f.fastTwoSum(f.let(f.mul(M, t)), f.kv(1));
  const dl = f.let(f.add(dl0, f.mul(Ml, t)));
  const q = f.let(f.div(f.k(2), dh));
  // 1 - 2/(dh + dl) = (1 - q) + q^2 dl / 2 to first order; 1 - q split exactly (q <= 1/2)
  const [s, e2] = f.fastTwoSum(f.kv(1), f.let(f.neg(q)));
  f.ret(f.copysign(f.add(s, f.add(e2, f.mul(f.mul(q, q), f.mul(dl, f.k(0.5))))), x));
  f.finish(name, b.f64);
};
