/**
 * The op table: every op once, with its signature, its reference meaning and its
 * derivative side by side. Everything else — the eager `Value`, the interpreter, the
 * gradient transform, each backend's renderer — is driven by this table.
 *
 * VJP rules are written against `Emit<T>`, an algebra with one method per op. Eager
 * `backward()` runs them on numbers and the gradient transform runs them on graph nodes,
 * so both perform the same operations in the same order: that is what makes compiled
 * gradients bit-identical to `backward()`. Every rule is linear in the incoming adjoint
 * `g` (g is only multiplied, negated, divided by something or selected): an adjoint that is
 * zero stays zero, which the gradient transform relies on (see gradient.ts).
 */

export const OP_NAMES = [
  'const', 'input',
  'add', 'sub', 'mul', 'div', 'neg', 'pow',
  'sqrt', 'exp', 'log', 'log1p', 'expm1',
  'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2',
  'sinh', 'cosh', 'tanh',
  'abs', 'sign', 'min', 'max', 'floor', 'ceil',
  'sigmoid', 'relu', 'softplus',
  'lt', 'le', 'gt', 'ge', 'eq', 'ne', 'select',
] as const;

export type OpName = (typeof OP_NAMES)[number];
/** Ops that compute something (everything but the leaves `const` and `input`). */
export type ComputeOp = Exclude<OpName, 'const' | 'input'>;
/** Numeric op code: the op's index in OP_NAMES, as stored in a graph's `op` array. */
export type OpCode = number;

export const OP_CODE = Object.fromEntries(OP_NAMES.map((n, i) => [n, i])) as { readonly [K in OpName]: number };

/** A value's kind: a float (f64 or f32) or a boolean from a comparison. */
export type Kind = 'float' | 'bool';

/** The algebra VJP rules are written in: one method per computing op, plus constants. */
export type Emit<T> = { readonly [K in ComputeOp]: (...args: T[]) => T } & { c(x: number): T };

/** Contributions to each argument's adjoint; `null` means "contributes nothing". */
export type Vjp = <T>(g: T, args: readonly T[], out: T, e: Emit<T>) => readonly (T | null)[];

export interface OpDef {
  readonly args: readonly Kind[];
  readonly result: Kind;
  /** Reference meaning on doubles; booleans are 1 and 0. */
  readonly eval: (a: number, b: number, c: number) => number;
  /** Reverse-mode rule; null for ops with no derivative anywhere (comparisons, floor...). */
  readonly vjp: Vjp | null;
}

const F: readonly Kind[] = ['float'];
const FF: readonly Kind[] = ['float', 'float'];
// Evals are wrapped to their exact arity: callers pad unused operands with 0, and variadic
// functions such as Math.min would otherwise see the padding.
const unary = (evalFn: (a: number) => number, vjp: Vjp | null): OpDef =>
  ({ args: F, result: 'float', eval: (a) => evalFn(a), vjp });
const binary = (evalFn: (a: number, b: number) => number, vjp: Vjp | null): OpDef =>
  ({ args: FF, result: 'float', eval: (a, b) => evalFn(a, b), vjp });
const compare = (evalFn: (a: number, b: number) => number): OpDef =>
  ({ args: FF, result: 'bool', eval: (a, b) => evalFn(a, b), vjp: null });
const leaf: OpDef = {
  args: [], result: 'float', vjp: null,
  eval: () => { throw new Error('leaves are not evaluated through the op table'); },
};
const noGradient: Vjp = () => [null];

/** Stable softplus: log(1 + e^a) without overflow for large a. */
export function softplus(a: number): number {
  return a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a));
}

export const ops: { readonly [K in OpName]: OpDef } = {
  const: leaf,
  input: leaf,

  add: binary((a, b) => a + b, (g) => [g, g]),
  sub: binary((a, b) => a - b, (g, _, __, e) => [g, e.neg(g)]),
  mul: binary((a, b) => a * b, (g, [a, b], _, e) => [e.mul(g, b), e.mul(g, a)]),
  // d(a/b)/db = -a/b^2 = -(out/b)
  div: binary((a, b) => a / b, (g, [, b], out, e) => [e.div(g, b), e.neg(e.mul(g, e.div(out, b)))]),
  neg: unary((a) => -a, (g, _, __, e) => [e.neg(g)]),
  // d(a^b) = b a^(b-1) da + a^b ln(a) db; the db term is only built when b needs a gradient
  pow: binary(Math.pow, (g, [a, b], out, e) => [
    e.mul(g, e.mul(b, e.pow(a, e.sub(b, e.c(1))))),
    e.mul(g, e.mul(out, e.log(a))),
  ]),

  sqrt: unary(Math.sqrt, (g, _, out, e) => [e.mul(g, e.div(e.c(0.5), out))]),   // 1/(2 sqrt a)
  exp: unary(Math.exp, (g, _, out, e) => [e.mul(g, out)]),
  log: unary(Math.log, (g, [a], _, e) => [e.div(g, a)]),
  log1p: unary(Math.log1p, (g, [a], _, e) => [e.div(g, e.add(e.c(1), a))]),
  expm1: unary(Math.expm1, (g, _, out, e) => [e.mul(g, e.add(out, e.c(1)))]),   // e^a = expm1(a) + 1

  sin: unary(Math.sin, (g, [a], _, e) => [e.mul(g, e.cos(a))]),
  cos: unary(Math.cos, (g, [a], _, e) => [e.mul(g, e.neg(e.sin(a)))]),
  tan: unary(Math.tan, (g, _, out, e) => [e.mul(g, e.add(e.c(1), e.mul(out, out)))]),   // 1 + tan^2
  asin: unary(Math.asin, (g, [a], _, e) => [e.div(g, e.sqrt(e.sub(e.c(1), e.mul(a, a))))]),
  acos: unary(Math.acos, (g, [a], _, e) => [e.neg(e.div(g, e.sqrt(e.sub(e.c(1), e.mul(a, a)))))]),
  atan: unary(Math.atan, (g, [a], _, e) => [e.div(g, e.add(e.c(1), e.mul(a, a)))]),
  // atan2(y, x): d/dy = x/(x^2+y^2), d/dx = -y/(x^2+y^2)
  atan2: binary(Math.atan2, (g, [y, x], _, e) => {
    const r2 = e.add(e.mul(x, x), e.mul(y, y));
    return [e.mul(g, e.div(x, r2)), e.mul(g, e.div(e.neg(y), r2))];
  }),

  sinh: unary(Math.sinh, (g, [a], _, e) => [e.mul(g, e.cosh(a))]),
  cosh: unary(Math.cosh, (g, [a], _, e) => [e.mul(g, e.sinh(a))]),
  tanh: unary(Math.tanh, (g, _, out, e) => [e.mul(g, e.sub(e.c(1), e.mul(out, out)))]),   // 1 - tanh^2

  abs: unary(Math.abs, (g, [a], _, e) => [e.mul(g, e.sign(a))]),   // subgradient 0 at 0
  sign: unary(Math.sign, noGradient),
  // Ties send the whole adjoint to the first argument.
  min: binary(Math.min, (g, [a, b], _, e) => {
    const first = e.le(a, b);
    return [e.select(first, g, e.c(0)), e.select(first, e.c(0), g)];
  }),
  max: binary(Math.max, (g, [a, b], _, e) => {
    const first = e.ge(a, b);
    return [e.select(first, g, e.c(0)), e.select(first, e.c(0), g)];
  }),
  floor: unary(Math.floor, noGradient),
  ceil: unary(Math.ceil, noGradient),

  sigmoid: unary((a) => 1 / (1 + Math.exp(-a)), (g, _, out, e) => [e.mul(g, e.mul(out, e.sub(e.c(1), out)))]),
  // NaN propagates (NaN <= 0 is false); relu(-0) = +0; subgradient 0 at 0.
  relu: unary((a) => (a <= 0 ? 0 : a), (g, [a], _, e) => [e.select(e.gt(a, e.c(0)), g, e.c(0))]),
  softplus: unary(softplus, (g, [a], _, e) => [e.mul(g, e.sigmoid(a))]),

  lt: compare((a, b) => (a < b ? 1 : 0)),
  le: compare((a, b) => (a <= b ? 1 : 0)),
  gt: compare((a, b) => (a > b ? 1 : 0)),
  ge: compare((a, b) => (a >= b ? 1 : 0)),
  eq: compare((a, b) => (a === b ? 1 : 0)),
  ne: compare((a, b) => (a !== b ? 1 : 0)),
  select: {
    args: ['bool', 'float', 'float'], result: 'float',
    eval: (c, a, b) => (c !== 0 ? a : b),
    vjp: (g, [c], _, e) => [null, e.select(c, g, e.c(0)), e.select(c, e.c(0), g)],
  },
};

/** Op definitions indexed by op code, for hot loops. */
export const OPS_BY_CODE: readonly OpDef[] = OP_NAMES.map((n) => ops[n]);
export const ARITY: Uint8Array = Uint8Array.from(OPS_BY_CODE, (d) => d.args.length);

export function opName(code: OpCode): OpName {
  return OP_NAMES[code];
}

export function isOpName(s: string): s is OpName {
  return Object.prototype.hasOwnProperty.call(OP_CODE, s);
}

/**
 * Build an `Emit<T>` from a constant maker and an op applier: one method per computing op,
 * each calling `apply(code, a, b, c)` with unused operands as `pad`.
 */
export function makeEmit<T>(constant: (x: number) => T, apply: (code: OpCode, a: T, b: T, c: T) => T, pad: T): Emit<T> {
  const e: Record<string, unknown> = { c: constant };
  for (const name of OP_NAMES) {
    if (name === 'const' || name === 'input') continue;
    const code = OP_CODE[name];
    e[name] = (a: T, b: T = pad, c: T = pad) => apply(code, a, b, c);
  }
  return e as Emit<T>;
}

/** The VJP algebra evaluated on doubles, used by eager `backward()`. */
export const numericEmit: Emit<number> = makeEmit((x) => x, (code, a, b, c) => OPS_BY_CODE[code].eval(a, b, c), 0);
