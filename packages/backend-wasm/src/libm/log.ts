/**
 * log and log1p.
 *
 * Reduction: x = 2^k m with m in [sqrt(1/2), sqrt(2)), read off the bits (subtracting the bits
 * of sqrt(1/2) first makes the exponent field step up exactly where m crosses it). With
 * f = m - 1 (exact) and s = f / (2 + f):
 *   log(m) = 2 atanh(s) = 2s + s z R(z),  z = s^2 <= 0.0295,
 * and since 2s = f - hfsq + s hfsq (hfsq = f^2/2),
 *   log(m) = f - (hfsq - s (hfsq + z R(z))),
 * where the bracket is ~f^2/2, so s's rounding reaches the result scaled down by |s| < 0.18.
 * k ln2 + f is added by an exact two-sum, leaving one final rounding (~0.6 ulp overall).
 */
import * as C from './coefficients.js';
import { Fn, type Arg, type Build, type E, type V } from './ir.js';

const SQRT1_2_BITS = 0x3fe6a09e667f3bcdn;   // bits of sqrt(1/2)

/** k ln2 + log(1 + fr) + lo, for |fr| <= sqrt2 - 1 and a small extra term `lo`. */
function logOf(f: Fn, fr: V, kf: Arg, lo: Arg): E {
  const k = f.let(kf);
  const s = f.let(f.div(fr, f.add(f.k(2), fr)));
  const z = f.let(f.mul(s, s));
  const hfsq = f.let(f.mul(f.mul(fr, f.k(0.5)), fr));
  const sR = f.mul(s, f.add(hfsq, f.mul(z, f.estrin(z, C.LOG))));
  const tail = f.let(f.sub(hfsq, f.add(sR, f.add(f.mul(k, f.k(C.LN2_LO)), lo))));
  const [hi, e] = f.fastTwoSum(f.let(f.mul(k, f.k(C.LN2_HI))), fr);   // |k ln2| >= |fr| unless k = 0
  return f.add(hi, f.sub(e, tail));
}

/** Splits a positive normal double: returns m - 1 and k (as a double) with x = 2^k m. */
function reduce(f: Fn, x: Arg): { fr: V; kf: V } {
  const m = f.m;
  const bits = f.let(f.bits(x), f.b.i64);
  const k = f.let(m.i64.shr_s(m.i64.sub(bits(), f.i64(SQRT1_2_BITS)), m.i64.const(52n)), f.b.i64);
  const mant = f.fromBits(m.i64.sub(bits(), m.i64.shl(k(), m.i64.const(52n))));
  return { fr: f.let(f.sub(mant, f.k(1))), kf: f.let(m.f64.convert_s.i64(k())) };
}

export const buildLog: Build = (b, m, name) => {
  const f = new Fn(b, m, [b.f64]);
  const x = f.param(0);
  const xs = f.local();
  const kadj = f.local();
  xs.set(x);
  kadj.set(f.k(0));
  f.if(f.not(f.and(f.ge(x, f.k(2 ** -1022)), f.lt(x, f.k(Infinity)))), () => {
    f.if(f.eq(x, f.k(0)), () => f.ret(f.k(-Infinity)));
    f.if(f.not(f.gt(x, f.k(0))), () => f.ret(f.k(NaN)));   // negative, NaN
    f.if(f.eq(x, f.k(Infinity)), () => f.ret(x));
    xs.set(f.mul(x, f.k(2 ** 54)));                          // subnormal: make it normal
    kadj.set(f.k(-54));
  });
  const { fr, kf } = reduce(f, xs);
  f.ret(logOf(f, fr, f.add(kf, kadj), f.k(0)));
  f.finish(name, b.f64);
};

export const buildLog1p: Build = (b, m, name) => {
  const f = new Fn(b, m, [b.f64]);
  const x = f.param(0);
  f.if(f.not(f.and(f.gt(x, f.k(-1)), f.lt(x, f.k(Infinity)))), () => {
    f.if(f.eq(x, f.k(-1)), () => f.ret(f.k(-Infinity)));
    f.if(f.eq(x, f.k(Infinity)), () => f.ret(x));
    f.ret(f.k(NaN));                                         // x < -1, NaN
  });
  const ax = f.let(f.abs(x));
  f.if(f.lt(ax, f.k(2 ** -54)), () => f.ret(x));           // +-0, tiny: log1p(x) rounds to x
  // u = 1 + x rounded; c is what the rounding lost (fast two-sum, larger operand first), and
  // log1p(x) = log(u) + c/u to first order.
  const u = f.let(f.add(x, f.k(1)));
  const c = f.select(f.ge(ax, f.k(1)), f.sub(f.k(1), f.sub(u, x)), f.sub(x, f.sub(u, f.k(1))));
  const { fr, kf } = reduce(f, u);
  // With 1 + x already in [sqrt(1/2), sqrt2), f = x itself is exact: no correction needed.
  const near = f.let(f.and(f.gt(x, f.k(Math.SQRT1_2 - 1)), f.lt(x, f.k(Math.SQRT2 - 1))), b.i32);
  const fsel = f.let(f.select(near, x, fr));
  f.ret(logOf(f, fsel, f.select(near, f.k(0), kf), f.select(near, f.k(0), f.div(c, u))));
  f.finish(name, b.f64);
};
