/**
 * sin, cos, tan.
 *
 * Reduction to r = rh + rl in [-pi/4, pi/4] and a quadrant n, x = n pi/2 + r:
 *  - |x| <= pi/4: r = x.
 *  - |x| < 2^22: Cody-Waite. First with pi/2 = PIO2_1 (31 bits, so n * PIO2_1 and the
 *    subtraction are exact) + PIO2_1T: good to ~2^-64 absolute, enough when |r| > 1/16. Closer
 *    to a multiple of pi/2, pi/2 in four pieces (31 + 31 + 31 + 53 bits, ~150 bits) with exact
 *    two-sums keeps every bit of the cancellation: r good to ~2^-120, while no double comes
 *    closer than ~2^-61 to a multiple of pi/2.
 *  - larger finite x: Payne-Hanek (rempio2.ts).
 * Kernels on |r| <= pi/4 (minimax fits, fit.mjs):
 *   sin r = rh + (rh z S(z) + rl (1 - z/2)),   cos r = (1 - z/2) + (z^2 K(z) - rh rl),  z = rh^2,
 * each as an unrounded leading term plus a small tail; for cos, z = rh^2 and 1 - z/2 are both
 * split exactly.
 * tan = sin/cos or -cos/sin, divided in double-double (the quotient is corrected by its exact
 * residual), so tan is as accurate as the kernels.
 */
import * as C from './coefficients.js';
import { Fn, type Build, type V } from './ir.js';
import { REM_LO, REM_N } from './rempio2.js';

type Which = 'sin' | 'cos' | 'tan';

interface Reduced { rh: V; rl: V; n: V }

/** Reduces x (|x| >= 2^-27, anything else returns directly) into locals. */
function reduce(f: Fn, x: V, large: string): Reduced {
  const m = f.m;
  const rh = f.local();
  const rl = f.local();
  const n = f.local(f.b.i32);
  const ax = f.let(f.abs(x));
  f.if(f.le(ax, f.k(Math.PI / 4)), () => {
    rh.set(x);
    rl.set(f.k(0));
    n.set(m.i32.const(0));
  }, () => f.if(f.lt(ax, f.k(2 ** 22)), () => {
    const [nf, ni] = f.roundInt(f.mul(x, f.k(C.INV_PIO2)));
    n.set(m.i32.wrap(ni()));
    const a = f.let(f.sub(x, f.mul(nf, f.k(C.PIO2_1))));                 // exact
    // quick: pi/2 - PIO2_1 as one double; r + rl is then off by < 2^-64, fine unless |r| is small
    const w = f.let(f.mul(nf, f.k(C.PIO2_1T)));
    const r = f.let(f.sub(a, w));
    f.if(f.gt(f.abs(r), f.k(1 / 16)), () => {
      rh.set(r);
      rl.set(f.sub(f.sub(a, r), w));
    }, () => {
      // x near a multiple of pi/2: all four pieces, each step an exact two-sum
      const [s1, e1] = f.twoSum(a, f.let(f.neg(f.mul(nf, f.k(C.PIO2_2)))));   // n * piece exact
      const [s2, e2] = f.twoSum(s1, f.let(f.neg(f.mul(nf, f.k(C.PIO2_3)))));
      const tail = f.let(f.sub(f.add(e1, e2), f.mul(nf, f.k(C.PIO2_4))));
      const [h, l] = f.twoSum(s2, tail);
      rh.set(h);
      rl.set(l);
    });
  }, () => f.if(f.lt(ax, f.k(Infinity)), () => {
    rh.set(m.call(large, [x()], f.b.f64));
    rl.set(m.global.get(REM_LO, f.b.f64));
    n.set(m.global.get(REM_N, f.b.i32));
  }, () => f.ret(f.sub(x, x)))));                                            // inf, NaN -> NaN
  return { rh, rl, n };
}

/** sin r and cos r, each as leading term + tail (value = hi + lo, |lo| <= 0.11 |hi|). */
function kernels(f: Fn, { rh, rl }: Reduced): { sh: V; sl: V; ch: V; cl: V } {
  const z = f.let(f.mul(rh, rh));
  const sl = f.let(f.add(f.mul(f.mul(rh, z), f.estrin(z, C.SIN)), f.sub(rl, f.mul(f.mul(rl, z), f.k(0.5)))));
  // cos needs z's rounding error too (z/2 is up to 0.31 against a result >= 0.707): rh^2 from
  // rh's halves, exact
  const [a, bb] = f.split(rh);
  const zl = f.add(f.add(f.sub(f.mul(a, a), z), f.mul(f.mul(a, bb), f.k(2))), f.mul(bb, bb));
  const hz = f.let(f.mul(z, f.k(0.5)));
  const ch = f.let(f.sub(f.k(1), hz));
  const lost = f.sub(f.sub(f.k(1), ch), hz);   // exact: 1 - hz is a fast two-sum
  const cl = f.let(f.add(lost, f.sub(f.mul(f.mul(z, z), f.estrin(z, C.COS)), f.add(f.mul(rh, rl), f.mul(zl, f.k(0.5))))));
  return { sh: rh, sl, ch, cl };
}

function build(which: Which, large: string): Build {
  return (b, m, name) => {
    const f = new Fn(b, m, [b.f64]);
    const x = f.param(0);
    // sin x = x, cos x = 1, tan x = x once x^2/3 is below half an ulp (keeps -0 too)
    f.if(f.lt(f.abs(x), f.k(2 ** -27)), () => f.ret(which === 'cos' ? f.k(1) : x()));
    const red = reduce(f, x, large);
    const { sh, sl, ch, cl } = kernels(f, red);
    const I = m.i32;
    const q = f.let(which === 'cos' ? I.add(red.n(), I.const(1)) : red.n(), b.i32);
    const odd = f.let(I.and(q(), I.const(1)), b.i32);
    if (which !== 'tan') {
      // quadrant q: sin, cos, -sin, -cos
      const v = f.let(f.select(odd, f.add(ch, cl), f.add(sh, sl)));
      f.ret(f.select(I.and(q(), I.const(2)), f.neg(v), v));
    } else {
      // tan = sin/cos, or -cos/sin in odd quadrants: N/D with N, D double-doubles
      const [nh, nl] = f.fastTwoSum(f.let(f.select(odd, ch, sh)), f.let(f.select(odd, cl, sl)));
      const [dh, dl] = f.fastTwoSum(f.let(f.select(odd, sh, ch)), f.let(f.select(odd, sl, cl)));
      const q0 = f.let(f.div(nh, dh));
      const [p, pe] = f.twoProd(q0, dh);
      // N - q0 D = (nh - p) - pe + nl - q0 dl; nh - p is exact (they agree to an ulp)
      const res = f.add(f.sub(f.sub(nh, p), pe), f.sub(nl, f.mul(q0, dl)));
      const t = f.let(f.add(q0, f.div(res, dh)));
      f.ret(f.select(odd, f.neg(t), t));
    }
    f.finish(name, b.f64);
  };
}

export const buildSin = (large: string): Build => build('sin', large);
export const buildCos = (large: string): Build => build('cos', large);
export const buildTan = (large: string): Build => build('tan', large);
