/**
 * pow(a, b) = |a|^b = e^(b log|a|), with ECMAScript's special cases (Number::exponentiate):
 * b = +-0 gives 1 even for NaN a; |a| = 1 with b = +-inf gives NaN (C gives 1); a negative base
 * needs an integral b and takes the sign of b's parity.
 *
 * For |b log a| up to 745 to stay within ~0.5 ulp, log|a| must be good to ~2^-70 relative,
 * so it is computed in double-double:
 *   a = 2^k m, m in [sqrt(1/2), sqrt2), then m is taken around the nearest of three centres
 *   c in {2^-1/3, 1, 2^1/3} (8-bit approximations, log c tabulated as double-doubles):
 *   log m = log c + u (1 + w),  u = 2s, s = (m - c)/(m + c), |s| <= 0.0585,
 *   w = z/3 + z^2 Q(z), z = s^2.
 * s is a double-double (division corrected by its exact residual), z too (two-product), z/3
 * keeps its exact division residual, and u w is a two-product: what is left in plain doubles is
 * ~2^-60 of w, itself ~2^-8 of the result. The centre c = 1 around m = 1 means no cancellation
 * when a is near 1 (log a small): the error stays relative. b log|a| is a two-product, and
 * the exponential kernel takes the low half as a correction to its reduced argument.
 */
import * as C from './coefficients.js';
import { expMantissa, expParts, scaleWide } from './exp.js';
import { Fn, type Arg, type Build } from './ir.js';

const SQRT1_2_BITS = 0x3fe6a09e667f3bcdn;

export const buildPow: Build = (b, m, name) => {
  const f = new Fn(b, m, [b.f64, b.f64]);
  const a = f.param(0);
  const y = f.param(1);
  const I = m.i64;
  f.if(f.eq(y, f.k(0)), () => f.ret(f.k(1)));
  f.if(f.or(f.ne(a, a), f.ne(y, y)), () => f.ret(f.k(NaN)));
  // exact or correctly rounded shortcuts, as in fdlibm (so also as in V8)
  f.if(f.eq(y, f.k(1)), () => f.ret(a));
  f.if(f.eq(y, f.k(2)), () => f.ret(f.mul(a, a)));
  f.if(f.eq(y, f.k(-1)), () => f.ret(f.div(f.k(1), a)));
  f.if(f.and(f.eq(y, f.k(0.5)), f.not(f.signbit(a))), () => f.ret(f.sqrt(a)));   // not -0, -inf
  const ab = f.let(f.abs(a));
  const yInt = f.let(f.eq(f.trunc(y), y), b.i32);   // true for +-inf too, which is handled first
  const half = f.let(f.mul(y, f.k(0.5)));
  const yOdd = f.let(f.and(yInt, f.ne(f.trunc(half), half)), b.i32);
  f.if(f.eq(f.abs(y), f.k(Infinity)), () => {
    f.ret(f.select(f.eq(ab, f.k(1)), f.k(NaN), f.select(m.i32.eq(f.gt(ab, f.k(1)), f.gt(y, f.k(0))), f.k(Infinity), f.k(0))));
  });
  const neg = f.let(f.and(f.signbit(a), yOdd), b.i32);
  const signed = (v: Arg) => { const t = f.let(v); return f.select(neg, f.neg(t), t); };
  f.if(f.or(f.eq(ab, f.k(0)), f.eq(ab, f.k(Infinity))), () => {
    f.ret(signed(f.select(m.i32.eq(f.eq(ab, f.k(Infinity)), f.gt(y, f.k(0))), f.k(Infinity), f.k(0))));
  });
  f.if(f.and(f.lt(a, f.k(0)), f.not(yInt)), () => f.ret(f.k(NaN)));
  f.if(f.eq(ab, f.k(1)), () => f.ret(signed(f.k(1))));

  // ---- log|a| as Lh + Ll ----
  const xs = f.local();
  const kadj = f.local();
  xs.set(ab);
  kadj.set(f.k(0));
  f.if(f.lt(ab, f.k(2 ** -1022)), () => {   // subnormal
    xs.set(f.mul(ab, f.k(2 ** 54)));
    kadj.set(f.k(-54));
  });
  const bits = f.let(f.bits(xs), b.i64);
  const k = f.let(I.shr_s(I.sub(bits(), I.const(SQRT1_2_BITS)), I.const(52n)), b.i64);
  const mant = f.let(f.fromBits(I.sub(bits(), I.shl(k(), I.const(52n)))));
  const kf = f.let(f.add(m.f64.convert_s.i64(k()), kadj));
  const lo = f.let(f.lt(mant, f.k(C.POW_SPLIT[0])), b.i32);
  const mid = f.let(f.lt(mant, f.k(C.POW_SPLIT[1])), b.i32);
  const pick = (v: readonly number[]) => f.choose([[lo, f.k(v[0])], [mid, f.k(v[1])]], f.k(v[2]));
  const c = f.let(pick(C.POW_C));
  const fr = f.let(f.sub(mant, c));                                       // exact (Sterbenz)
  const [dh, dl] = f.fastTwoSum(f.let(f.mul(c, f.k(2))), fr);            // m + c = 2c + fr
  const sh = f.let(f.div(fr, dh));
  const [p, pe] = f.twoProd(sh, dh);
  const sl = f.let(f.div(f.sub(f.sub(f.sub(fr, p), pe), f.mul(sh, dl)), dh));
  const uh = f.let(f.mul(sh, f.k(2)));
  const ul = f.let(f.mul(sl, f.k(2)));
  const [zh, zl0] = f.twoProd(sh, sh);
  const zl = f.add(zl0, f.mul(f.mul(sh, sl), f.k(2)));
  const w1 = f.let(f.div(zh, f.k(3)));
  const r3 = f.sub(f.sub(zh, f.mul(w1, f.k(2))), w1);                     // zh - 3 w1, exact
  const wlo = f.let(f.add(f.mul(f.add(r3, zl), f.k(1 / 3)), f.mul(f.mul(zh, zh), f.horner(zh, C.POW_LOG))));
  const [t1, t2] = f.twoProd(uh, w1);
  const [h1, e1] = f.fastTwoSum(f.let(f.mul(kf, f.k(C.LN2_HI))), f.let(pick(C.POW_LOG_C.map((v) => v[0]))));
  const [h2, e2] = f.twoSum(h1, uh);
  const [h3, e3] = f.fastTwoSum(h2, t1);
  const small = f.add(f.add(f.mul(kf, f.k(C.LN2_LO)), pick(C.POW_LOG_C.map((v) => v[1]))),
    f.add(f.add(ul, t2), f.add(f.mul(uh, wlo), f.mul(ul, w1))));
  const [lh, ll] = f.fastTwoSum(h3, f.let(f.add(f.add(f.add(e1, e2), e3), small)));

  // ---- e^(y log|a|) ----
  const yl = f.let(f.mul(y, lh));
  f.if(f.not(f.lt(f.abs(yl), f.k(1000))), () => f.ret(signed(f.select(f.gt(yl, f.k(0)), f.k(Infinity), f.k(0)))));
  const [ph, pl] = f.twoProd(y, lh);   // |y| < 2^63 here, no overflow
  const parts = expParts(f, ph, f.let(f.add(pl, f.mul(y, ll))));
  f.ret(signed(scaleWide(f, expMantissa(f, parts), parts.ki)));
  f.finish(name, b.f64);
};
