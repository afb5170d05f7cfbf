/**
 * Argument reduction modulo pi/2 for |x| >= 2^22 (Payne-Hanek), in integer arithmetic.
 *
 * x = M 2^E with M a 53-bit integer. x * 2/pi mod 4 only needs the bits of 2/pi from about
 * bit E onwards: earlier bits contribute multiples of 4. With i0 = floor((E + 30) / 32) and
 * M' = M 2^(E - 32 i0 + 30) (a shift of 0..31), seven 32-bit words U[i0..i0+6] of 2/pi give
 *   x * 2/pi = Q 2^-222,  Q = sum_t M' U[i0+t] 2^(32 (6 - t)),
 * so bit 222 of Q is the units bit whatever E is, and the fraction is bits 221 down. The
 * words left out change the fraction by < 2^-138; the closest any double comes to a multiple of
 * pi/2 is ~2^-61 (relative), so the reduced argument keeps > 70 correct bits.
 *
 * The 2/pi words come from a br_table function (no linear memory needed). The result is
 * r = rh + rl with x = n pi/2 + r, |r| <= pi/4: rh is returned, rl and n are left in two
 * module globals for the caller to read right after the call.
 */
import * as C from './coefficients.js';
import { Fn, type V } from './ir.js';
import type { Binaryen, BinaryenModule } from '../binaryen.js';

export const REM_LO = 'libm.rem_pio2.lo';
export const REM_N = 'libm.rem_pio2.n';
const WORD = 'libm.two_over_pi_word';
const WINDOW = 7;

/** word(i) = 32 bits of 2/pi with weight 2^-32i (word(0) = 0, the integer part). */
function addWordFunction(b: Binaryen, m: BinaryenModule): void {
  const words = [0, ...C.TWO_OVER_PI];
  const labels = words.map((_, i) => `w${i}`);
  let body = m.switch(labels, labels[labels.length - 1], m.local.get(0, b.i32));
  words.forEach((w, i) => {
    body = m.block(labels[i], [body]);
    body = m.block(null, [body, m.return(m.i64.const(BigInt(w)))]);
  });
  m.addFunction(WORD, b.i32, b.i64, [], m.block(null, [body, m.unreachable()], b.i64));
}

export function addRemPio2Large(b: Binaryen, m: BinaryenModule, name: string): void {
  addWordFunction(b, m);
  m.addGlobal(REM_LO, b.f64, true, m.f64.const(0));
  m.addGlobal(REM_N, b.i32, true, m.i32.const(0));
  const f = new Fn(b, m, [b.f64]);
  const x = f.param(0);
  const I = m.i64;
  const i64 = b.i64;
  const c = (v: bigint) => I.const(v);
  const bits = f.let(f.bits(f.abs(x)), i64);
  const e = f.let(I.sub(I.shr_u(bits(), c(52n)), c(1075n)), i64);          // x = M 2^e, e >= -30
  const i0 = f.let(I.shr_s(I.add(e(), c(30n)), c(5n)), i64);
  const sh = f.let(I.sub(I.add(e(), c(30n)), I.shl(i0(), c(5n))), i64);     // 0..31
  const mant = f.let(I.or(I.and(bits(), c((1n << 52n) - 1n)), c(1n << 52n)), i64);
  // M' = M << sh (up to 84 bits) as limbs A (top 20 bits), B, C (low 32)
  const low = f.let(I.shl(mant(), sh()), i64);
  const limbC = f.let(I.and(low(), c(0xffffffffn)), i64);
  const limbB = f.let(I.shr_u(low(), c(32n)), i64);
  const limbA = f.let(m.select(I.eqz(sh()), c(0n), I.shr_u(mant(), I.sub(c(64n), sh()))), i64);
  const start = f.let(m.i32.wrap(i0()), b.i32);
  const words: V[] = [];
  for (let t = 0; t < WINDOW; t++) words.push(f.let(m.call(WORD, [m.i32.add(start(), m.i32.const(t))], i64), i64));
  // Column sums: the product of limb L (weight 2^(32 off)) and word t lands at 32 (off - t)
  // (low half) and one limb up (high half). Only limbs 0..6 matter: above is a multiple of 4.
  const columns: (() => number)[][] = Array.from({ length: WINDOW }, () => []);
  for (let t = 0; t < WINDOW; t++) {
    for (const [limb, off] of [[limbC, 6], [limbB, 7], [limbA, 8]] as const) {
      const j = off - t;
      if (j > WINDOW) continue;
      const prod = f.let(I.mul(limb(), words[t]()), i64);
      if (j >= 0 && j < WINDOW) columns[j].push(() => I.and(prod(), c(0xffffffffn)));
      if (j + 1 >= 0 && j + 1 < WINDOW) columns[j + 1].push(() => I.shr_u(prod(), c(32n)));
    }
  }
  const limbs: V[] = [];
  let carry: V | null = null;
  for (let j = 0; j < WINDOW; j++) {
    let sum = carry ? carry() : c(0n);
    for (const term of columns[j]) sum = I.add(sum, term());
    const s = f.let(sum, i64);
    limbs.push(f.let(I.and(s(), c(0xffffffffn)), i64));
    carry = f.let(I.shr_u(s(), c(32n)), i64);
  }
  const [, , L2, L3, L4, L5, L6] = limbs;
  const n0 = f.let(m.i32.wrap(I.shr_u(L6(), c(30n))), b.i32);
  const fh0 = f.let(I.or(I.or(I.shl(I.and(L6(), c(0x3fffffffn)), c(34n)), I.shl(L5(), c(2n))), I.shr_u(L4(), c(30n))), i64);
  const fl0 = f.let(I.or(I.or(I.shl(I.and(L4(), c(0x3fffffffn)), c(34n)), I.shl(L3(), c(2n))), I.shr_u(L2(), c(30n))), i64);
  // fraction >= 1/2: round n up and take the fraction's two's complement (r < 0)
  const up = f.let(I.shr_u(fh0(), c(63n)), i64);
  const neg = f.let(m.i32.wrap(up()), b.i32);
  const fl1 = f.let(m.select(neg(), I.sub(c(0n), fl0()), fl0()), i64);
  const fh1 = f.let(m.select(neg(), I.add(I.xor(fh0(), c(-1n)), I.extend_u(I.eqz(fl0()))), fh0()), i64);
  // normalize the 128-bit fraction (a zero high word is all but impossible; handled anyway)
  const zeroHi = f.let(I.eqz(fh1()), b.i32);
  const fh = f.let(m.select(zeroHi(), fl1(), fh1()), i64);
  const fl = f.let(m.select(zeroHi(), c(0n), fl1()), i64);
  const lz = f.let(I.clz(fh()), i64);
  const nh = f.let(I.or(I.shl(fh(), lz()), m.select(I.eqz(lz()), c(0n), I.shr_u(fl(), I.sub(c(64n), lz())))), i64);
  const nl = f.let(I.shl(fl(), lz()), i64);
  const ex = f.let(I.add(lz(), m.select(zeroHi(), c(64n), c(0n))), i64);
  // fraction = hi + lo exactly to ~2^-117: hi takes nh's top 53 bits, lo the next 64
  const hi = f.let(f.mul(m.f64.convert_u.i64(I.and(nh(), c(~0x7ffn))), f.pow2(I.sub(c(-64n), ex()))));
  const loBits = I.or(I.shl(I.and(nh(), c(0x7ffn)), c(53n)), I.shr_u(nl(), c(11n)));
  const lo = f.let(f.mul(m.f64.convert_u.i64(loBits), f.pow2(I.sub(c(-117n), ex()))));
  // r = fraction * pi/2 in double-double
  const [p, pe] = f.twoProd(hi, f.kv(C.PIO2[0]));
  const tail = f.let(f.add(pe, f.add(f.mul(hi, f.k(C.PIO2[1])), f.mul(lo, f.k(C.PIO2[0])))));
  const [rh, rl] = f.fastTwoSum(p, tail);
  // sign: negative x mirrors everything; a rounded-up fraction is negative
  const flip = f.let(m.i32.xor(f.lt(x, f.k(0)), neg()), b.i32);
  const n = f.let(m.i32.add(n0(), neg()), b.i32);
  f.emit(m.global.set(REM_N, m.select(f.lt(x, f.k(0)), m.i32.sub(m.i32.const(0), n()), n())));
  f.emit(m.global.set(REM_LO, f.select(flip, f.neg(rl), rl)));
  f.ret(f.select(flip, f.neg(rh), rh));
  f.finish(name, b.f64);
}
