/**
 * asin and acos, one polynomial: asin(y) = y + y w A(w), w = y^2 <= 1/4 (fit.mjs).
 *
 * |x| <= 1/2: direct (acos = pi/2 - asin, the subtraction split exactly).
 * |x| > 1/2: with w = (1 - |x|)/2 (exact) and s = sqrt(w),
 *   asin|x| = pi/2 - 2 asin(s),  acos x = 2 asin(s) (x > 0),  pi - 2 asin(s) (x < 0).
 * s's rounding would cost up to half an ulp there, so s is carried as df + c: df is s cut to
 * 21 bits (df^2 exact) and c = (w - df^2) / (s + df), since w - df^2 = (s - df)(s + df).
 * pi/2 - 2 df is exact (2 df has few bits and the difference is >= 1/2).
 */
import * as C from './coefficients.js';
import { Fn, type Build, type V } from './ir.js';

/** s = sqrt(w) as df + c, and the polynomial tail s w A(w). */
function rootTerms(f: Fn, ax: V): { df: V; c: V; tail: V } {
  const m = f.m;
  const w = f.let(f.mul(f.sub(f.k(1), ax), f.k(0.5)));   // |x| > 1 gives w < 0: NaN below
  const s = f.let(f.sqrt(w));
  const df = f.let(f.fromBits(m.i64.and(f.bits(s), m.i64.const(-(1n << 32n)))));
  const c0 = f.div(f.sub(w, f.mul(df, df)), f.add(s, df));
  const c = f.let(f.select(f.gt(w, f.k(0)), c0, f.k(0)));   // w = 0 (|x| = 1) would give 0/0
  const tail = f.let(f.mul(f.mul(s, w), f.estrin(w, C.ASIN)));
  return { df, c, tail };
}

export const buildAsin: Build = (b, m, name) => {
  const f = new Fn(b, m, [b.f64]);
  const x = f.param(0);
  const ax = f.let(f.abs(x));
  f.if(f.le(ax, f.k(0.5)), () => {   // also keeps -0 and tiny x
    const z = f.let(f.mul(x, x));
    f.ret(f.add(x, f.mul(x, f.mul(z, f.estrin(z, C.ASIN)))));
  });
  const { df, c, tail } = rootTerms(f, ax);   // NaN and |x| > 1 end up NaN
  const hi = f.sub(f.k(C.PIO2[0]), f.mul(df, f.k(2)));
  const lo = f.sub(f.k(C.PIO2[1]), f.mul(f.add(c, tail), f.k(2)));
  f.ret(f.copysign(f.add(hi, lo), x));
  f.finish(name, b.f64);
};

export const buildAcos: Build = (b, m, name) => {
  const f = new Fn(b, m, [b.f64]);
  const x = f.param(0);
  const ax = f.let(f.abs(x));
  f.if(f.le(ax, f.k(0.5)), () => {   // pi/2 - x - x z A(z), with pi/2 - x split exactly
    const z = f.let(f.mul(x, x));
    const [s, e] = f.fastTwoSum(f.kv(C.PIO2[0]), f.let(f.neg(x)));
    f.ret(f.add(s, f.add(e, f.sub(f.k(C.PIO2[1]), f.mul(x, f.mul(z, f.estrin(z, C.ASIN)))))));
  });
  const { df, c, tail } = rootTerms(f, ax);
  const twoDf = f.let(f.mul(df, f.k(2)));
  const small = f.let(f.mul(f.add(c, tail), f.k(2)));
  // x < 0: pi - 2 df is not exact, so split it
  const [s, e] = f.fastTwoSum(f.kv(C.PI[0]), f.let(f.neg(twoDf)));
  const negative = f.add(s, f.add(e, f.sub(f.k(C.PI[1]), small)));
  f.ret(f.select(f.lt(x, f.k(0)), negative, f.add(twoDf, small)));
  f.finish(name, b.f64);
};
