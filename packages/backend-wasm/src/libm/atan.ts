/**
 * atan and atan2, on one kernel for the angle of (ax, ay), both >= 0.
 *
 * With lo = min(ax, ay), hi = max: the angle is atan(lo/hi) or, when ay > ax, pi/2 minus it.
 * For t = lo/hi <= 1 pick the nearest centre c in {0, 1/2, 1} (bounds 0.375, 0.72) and use
 *   atan t = atan c + atan v,  v = (t - c)/(1 + c t) = (lo - c hi)/(hi + c lo),  |v| <= 0.375,
 * and atan v = v + v z T(z) (z = v^2, minimax fit). lo - c hi is exact near the centre (c is
 * a power of two or 0) and hi + c lo an exact two-sum; v is rounded by one division, and its
 * exact residual (a two-product) corrects it, so v is good to ~2^-100 whatever the rounding of
 * the ratio. The five angles atan c and pi/2 - atan c are {0, atan 1/2, pi/4, atan 2, pi/2}
 * (double-doubles); the leading sum is split exactly and the result rounded once (~0.55 ulp).
 * atan2 works on (ax, ay) directly, never on a rounded ratio; for x < 0 the angle is pi minus
 * it (the same table, taken from pi).
 */
import * as C from './coefficients.js';
import { Fn, type Arg, type Build, type E, type V } from './ir.js';

/** atan(ay/ax) in [0, pi/2], or pi minus it when `fromPi` (i32) is set. ax, ay finite >= 0. */
function angle(f: Fn, ax: V, ay: V, fromPi: V | null): E {
  const I = f.m.i32;
  const i32 = f.b.i32;
  const swap = f.let(f.gt(ay, ax), i32);
  const lo = f.let(f.min(ax, ay));
  const hi = f.let(f.max(ax, ay));
  const r0 = f.let(f.lt(lo, f.mul(hi, f.k(0.375))), i32);
  const r1 = f.let(f.lt(lo, f.mul(hi, f.k(0.72))), i32);
  const c = f.let(f.choose([[r0, f.k(0)], [r1, f.k(0.5)]], f.k(1)));
  const num = f.let(f.sub(lo, f.mul(hi, c)));
  const [dh, dl] = f.fastTwoSum(hi, f.let(f.mul(lo, c)));
  // one division: v = num / D to within an ulp, then the exact residual corrects it. For tiny
  // num the residual's products underflow: there v = num / D correctly rounded is the answer.
  const v = f.local();
  const vl = f.local();
  f.if(f.gt(f.abs(num), f.k(2 ** -960)), () => {
    const rcp = f.let(f.div(f.k(1), dh));
    v.set(f.mul(num, rcp));
    const [p, pe] = f.twoProd(v, dh);
    vl.set(f.mul(f.sub(f.sub(f.sub(num, p), pe), f.mul(v, dl)), rcp));   // (num - v D) / D
  }, () => {
    v.set(f.div(num, dh));
    vl.set(f.k(0));
  });
  const z = f.let(f.mul(v, v));
  // atan(v + vl) = v + v z T(z) + vl (1 - z) to well below an ulp
  const tail = f.let(f.add(f.mul(f.mul(v, z), f.estrin(z, C.ATAN)), f.sub(vl, f.mul(vl, z))));
  // which of the five angles: region 0, 1, 2 counted from 0, or from pi/2 when swapped
  const region = f.let(I.add(I.eqz(r0()), I.eqz(r1())), i32);
  const index = f.let(f.m.select(swap(), I.sub(I.const(4), region()), region()), i32);
  const base = (part: 0 | 1): E => {
    const pick = (t: readonly (readonly [number, number])[]) =>
      f.choose([0, 1, 2, 3].map((i) => [I.eq(index(), I.const(i)), f.k(t[i][part])] as const), f.k(t[4][part]));
    return fromPi === null ? pick(C.ATAN_BASE) : f.select(fromPi, pick(C.ATAN_BASE_FROM_PI), pick(C.ATAN_BASE));
  };
  const bh = f.let(base(0));
  const bl = f.let(base(1));
  const flip = f.let(fromPi === null ? swap() : I.xor(swap(), fromPi()), i32);
  const sv = f.let(f.select(flip, f.neg(v), v));
  const st = f.select(flip, f.neg(tail), tail);
  const [s, e] = f.fastTwoSum(bh, sv);   // |angle| >= 2|v| unless it is 0 (region 0, unswapped)
  return f.add(s, f.add(e, f.add(bl, st)));
}

export const buildAtan: Build = (b, m, name) => {
  const f = new Fn(b, m, [b.f64]);
  const x = f.param(0);
  // beyond 2^60 atan rounds to pi/2; clamping also turns inf into a finite t (NaN stays NaN)
  const t = f.let(f.min(f.abs(x), f.k(2 ** 60)));
  f.ret(f.copysign(angle(f, f.kv(1), t, null), x));   // copysign keeps atan(-0) = -0
  f.finish(name, b.f64);
};

export const buildAtan2: Build = (b, m, name) => {
  const f = new Fn(b, m, [b.f64, b.f64]);
  const y = f.param(0);
  const x = f.param(1);
  const xneg = f.let(f.signbit(x), b.i32);   // x < 0 or x = -0
  f.if(f.ne(x, x), () => f.ret(x));
  f.if(f.ne(y, y), () => f.ret(y));
  const ax = f.local();
  const ay = f.local();
  ax.set(f.abs(x));
  ay.set(f.abs(y));
  // zeros and infinities (ECMAScript's table), all signs taken from y
  const sy = (v: Arg) => f.copysign(v, y);
  f.if(f.eq(y, f.k(0)), () => f.ret(sy(f.select(xneg, f.k(Math.PI), f.k(0)))));
  f.if(f.eq(x, f.k(0)), () => f.ret(sy(f.k(Math.PI / 2))));
  f.if(f.eq(ay, f.k(Infinity)), () => f.ret(sy(f.select(f.eq(ax, f.k(Infinity)), f.select(xneg, f.k(3 * Math.PI / 4), f.k(Math.PI / 4)), f.k(Math.PI / 2)))));
  f.if(f.eq(ax, f.k(Infinity)), () => f.ret(sy(f.select(xneg, f.k(Math.PI), f.k(0)))));
  // only the ratio matters: scale huge or tiny pairs (exactly, by a power of 2) so that the
  // denominator and the residual products neither overflow nor underflow
  const big = f.let(f.max(ax, ay));
  f.if(f.gt(big, f.k(2 ** 800)), () => {
    ax.set(f.mul(ax, f.k(2 ** -600)));
    ay.set(f.mul(ay, f.k(2 ** -600)));
  });
  f.if(f.lt(big, f.k(2 ** -800)), () => {
    ax.set(f.mul(ax, f.k(2 ** 600)));
    ay.set(f.mul(ay, f.k(2 ** 600)));
  });
  f.ret(sy(angle(f, ax, ay, xneg)));
  f.finish(name, b.f64);
};
