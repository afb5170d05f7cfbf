/**
 * A small builder for writing the libm as straight-line binaryen IR, plus the error-free
 * transformations (two-sum, two-product) the functions use to carry extra precision.
 *
 * Binaryen IR is a tree: an expression may appear once. So every value used twice lives in a
 * local, and a local is a function `V` that makes a fresh `local.get` each time it is called.
 * Arguments of the arithmetic helpers may be an expression or a `V`; constants go through `k()`.
 */
import type { Binaryen, BinaryenModule, ExpressionRef, WasmType } from '../binaryen.js';

export type E = ExpressionRef;
/** A local variable: calling it yields a fresh `local.get`. */
export type V = () => E;
export type Arg = E | V;
/** Adds one libm function named `name` to the module. */
export type Build = (b: Binaryen, m: BinaryenModule, name: string) => void;

/** 1.5 * 2^52: adding it rounds a double of magnitude < 2^51 to an integer, kept in the low bits. */
export const MAGIC = 6755399441055744;
/** 2^27 + 1: Dekker's splitting constant for a 53-bit significand. */
const SPLITTER = 134217729;

export class Fn {
  private readonly vars: WasmType[] = [];
  private readonly blocks: E[][] = [[]];
  private readonly used = new Set<E>();

  constructor(readonly b: Binaryen, readonly m: BinaryenModule, readonly params: readonly WasmType[]) {}

  // ---- locals and statements ----
  param(i: number): V {
    const type = this.params[i];
    return () => this.m.local.get(i, type);
  }
  /** A fresh local of `type`, unset. */
  local(type: WasmType = this.b.f64): V & { set(e: Arg): void } {
    const index = this.params.length + this.vars.length;
    this.vars.push(type);
    const get = (() => this.m.local.get(index, type)) as V & { set(e: Arg): void };
    get.set = (e: Arg) => this.emit(this.m.local.set(index, this.x(e)));
    return get;
  }
  /** Binds `e` to a fresh local (f64 unless said otherwise). */
  let(e: Arg, type: WasmType = this.b.f64): V {
    const v = this.local(type);
    v.set(e);
    return v;
  }
  emit(e: E): void {
    this.blocks[this.blocks.length - 1].push(e);
  }
  private collect(body: () => void): E {
    this.blocks.push([]);
    body();
    const stmts = this.blocks.pop() as E[];
    return stmts.length === 1 ? stmts[0] : this.m.block(null, stmts, this.b.none);
  }
  if(cond: E, then: () => void, otherwise?: () => void): void {
    const t = this.collect(then);
    this.emit(otherwise ? this.m.if(cond, t, this.collect(otherwise)) : this.m.if(cond, t));
  }
  ret(e: Arg): void {
    this.emit(this.m.return(this.x(e)));
  }
  /** Adds the function; the body must end in `ret`. */
  finish(name: string, result: WasmType): void {
    const body = this.blocks[0];
    body.push(this.m.unreachable());
    this.m.addFunction(name, this.b.createType([...this.params]), result, this.vars, this.m.block(null, body, result));
  }

  // ---- f64 ----
  /** An argument as an expression; an expression passed twice would corrupt the tree, so it throws. */
  x(a: Arg): E {
    if (typeof a === 'function') return a();
    if (this.used.has(a)) throw new Error('internal: libm IR expression used twice (bind it with let)');
    this.used.add(a);
    return a;
  }
  k(c: number): E {
    return this.m.f64.const(c);
  }
  /** A constant usable where a local is expected. */
  kv(c: number): V {
    return () => this.m.f64.const(c);
  }
  add(a: Arg, b: Arg): E { return this.m.f64.add(this.x(a), this.x(b)); }
  sub(a: Arg, b: Arg): E { return this.m.f64.sub(this.x(a), this.x(b)); }
  mul(a: Arg, b: Arg): E { return this.m.f64.mul(this.x(a), this.x(b)); }
  div(a: Arg, b: Arg): E { return this.m.f64.div(this.x(a), this.x(b)); }
  neg(a: Arg): E { return this.m.f64.neg(this.x(a)); }
  abs(a: Arg): E { return this.m.f64.abs(this.x(a)); }
  sqrt(a: Arg): E { return this.m.f64.sqrt(this.x(a)); }
  trunc(a: Arg): E { return this.m.f64.trunc(this.x(a)); }
  min(a: Arg, b: Arg): E { return this.m.f64.min(this.x(a), this.x(b)); }
  max(a: Arg, b: Arg): E { return this.m.f64.max(this.x(a), this.x(b)); }
  copysign(a: Arg, b: Arg): E { return this.m.f64.copysign(this.x(a), this.x(b)); }
  lt(a: Arg, b: Arg): E { return this.m.f64.lt(this.x(a), this.x(b)); }
  le(a: Arg, b: Arg): E { return this.m.f64.le(this.x(a), this.x(b)); }
  gt(a: Arg, b: Arg): E { return this.m.f64.gt(this.x(a), this.x(b)); }
  ge(a: Arg, b: Arg): E { return this.m.f64.ge(this.x(a), this.x(b)); }
  eq(a: Arg, b: Arg): E { return this.m.f64.eq(this.x(a), this.x(b)); }
  ne(a: Arg, b: Arg): E { return this.m.f64.ne(this.x(a), this.x(b)); }
  select(c: Arg, a: Arg, b: Arg): E { return this.m.select(this.x(c), this.x(a), this.x(b)); }
  /** Nested selects: the value of the first true condition, else `otherwise`. */
  choose(cases: readonly (readonly [Arg, Arg])[], otherwise: Arg): E {
    let acc: Arg = otherwise;
    for (let i = cases.length - 1; i >= 0; i--) acc = this.select(cases[i][0], cases[i][1], acc);
    return typeof acc === 'function' ? acc() : acc;
  }
  bits(a: Arg): E { return this.m.i64.reinterpret(this.x(a)); }
  fromBits(a: Arg): E { return this.m.f64.reinterpret(this.x(a)); }
  /** Sign bit of a double set (true for -0 and negative NaNs too). */
  signbit(a: Arg): E { return this.m.i64.lt_s(this.bits(a), this.m.i64.const(0n)); }

  // ---- i64 / i32 ----
  i64(v: bigint): E { return this.m.i64.const(v); }
  and(a: Arg, b: Arg): E { return this.m.i32.and(this.x(a), this.x(b)); }
  or(a: Arg, b: Arg): E { return this.m.i32.or(this.x(a), this.x(b)); }
  not(a: Arg): E { return this.m.i32.eqz(this.x(a)); }

  /** 2^k for an i64 k in [-1022, 1023]. */
  pow2(k: Arg): E {
    const m = this.m;
    return m.f64.reinterpret(m.i64.shl(m.i64.add(this.x(k), m.i64.const(1023n)), m.i64.const(52n)));
  }
  /**
   * Rounds `a` (|a| < 2^51) to the nearest integer: returns it as a double and as an i64.
   * Adding MAGIC leaves the integer in the low bits, so no float-to-int conversion (which
   * would trap on NaN) is needed.
   */
  roundInt(a: Arg): [V, V] {
    const shifted = this.let(this.add(a, this.k(MAGIC)));
    const kf = this.let(this.sub(shifted, this.k(MAGIC)));
    const ki = this.let(this.m.i64.sub(this.bits(shifted), this.bits(this.k(MAGIC))), this.b.i64);
    return [kf, ki];
  }

  // ---- polynomials ----
  /** c[0] + z c[1] + z^2 c[2] + ... by Horner. */
  horner(z: V, c: readonly number[]): E {
    let acc = this.k(c[c.length - 1]);
    for (let i = c.length - 2; i >= 0; i--) acc = this.add(this.mul(acc, z), this.k(c[i]));
    return acc;
  }
  /**
   * The same polynomial in Estrin's form: pairs (c0 + c1 z) + z^2 (c2 + c3 z) + ..., which
   * shortens the dependency chain (the CPU overlaps the pairs). Only for tails whose own
   * rounding is far below the result's ulp.
   */
  estrin(z: V, c: readonly number[]): E {
    let terms: E[] = [];
    for (let i = 0; i < c.length; i += 2) {
      terms.push(i + 1 < c.length ? this.add(this.k(c[i]), this.mul(z, this.k(c[i + 1]))) : this.k(c[i]));
    }
    let zp = z;
    while (terms.length > 1) {
      const sq = this.let(this.mul(zp, zp));   // z^2, z^4, z^8...
      const next: E[] = [];
      for (let i = 0; i < terms.length; i += 2) next.push(i + 1 < terms.length ? this.add(terms[i], this.mul(sq, terms[i + 1])) : terms[i]);
      terms = next;
      zp = sq;
    }
    return terms[0];
  }

  // ---- error-free transformations (exact when nothing overflows or underflows) ----
  /** s + e = a + b exactly, given |a| >= |b| (or a = 0). */
  fastTwoSum(a: V, b: V): [V, V] {
    const s = this.let(this.add(a, b));
    return [s, this.let(this.sub(b, this.sub(s, a)))];
  }
  /** s + e = a + b exactly, any order (Knuth). */
  twoSum(a: V, b: V): [V, V] {
    const s = this.let(this.add(a, b));
    const bb = this.let(this.sub(s, a));
    return [s, this.let(this.add(this.sub(a, this.sub(s, bb)), this.sub(b, bb)))];
  }
  /** hi + lo = a with hi, lo of <= 26 bits each (|a| < 2^996). */
  split(a: V): [V, V] {
    const t = this.let(this.mul(a, this.k(SPLITTER)));
    const hi = this.let(this.sub(t, this.sub(t, a)));
    return [hi, this.let(this.sub(a, hi))];
  }
  /** p + e = a * b exactly (Dekker), barring overflow and underflow. */
  twoProd(a: V, b: V): [V, V] {
    const p = this.let(this.mul(a, b));
    const [ah, al] = this.split(a);
    const [bh, bl] = this.split(b);
    const e = this.add(this.add(this.add(this.sub(this.mul(ah, bh), p), this.mul(ah, bl)), this.mul(al, bh)), this.mul(al, bl));
    return [p, this.let(e)];
  }
}
