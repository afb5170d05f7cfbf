/**
 * How each op is written in JavaScript. The table's type names every computing op, so a new
 * op that is not rendered here is a type error. Operands are always atoms (a register, an
 * input or spill read, a parenthesized literal), so no rendering needs precedence care.
 * Each rendering performs exactly the operations of the op's `eval` in `@adjoint/ir`, which
 * is what keeps compiled results bit-identical to the interpreter and to `backward()`.
 */
import type { ComputeOp } from '@adjoint/ir';

export type JsRender = (...args: string[]) => string;

export const jsRender: { readonly [K in ComputeOp]: JsRender } = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  neg: (a) => `-${a}`,
  pow: (a, b) => `Math.pow(${a}, ${b})`,
  sqrt: (a) => `Math.sqrt(${a})`,
  exp: (a) => `Math.exp(${a})`,
  log: (a) => `Math.log(${a})`,
  log1p: (a) => `Math.log1p(${a})`,
  expm1: (a) => `Math.expm1(${a})`,
  sin: (a) => `Math.sin(${a})`,
  cos: (a) => `Math.cos(${a})`,
  tan: (a) => `Math.tan(${a})`,
  asin: (a) => `Math.asin(${a})`,
  acos: (a) => `Math.acos(${a})`,
  atan: (a) => `Math.atan(${a})`,
  atan2: (y, x) => `Math.atan2(${y}, ${x})`,
  sinh: (a) => `Math.sinh(${a})`,
  cosh: (a) => `Math.cosh(${a})`,
  tanh: (a) => `Math.tanh(${a})`,
  abs: (a) => `Math.abs(${a})`,
  sign: (a) => `Math.sign(${a})`,
  min: (a, b) => `Math.min(${a}, ${b})`,
  max: (a, b) => `Math.max(${a}, ${b})`,
  floor: (a) => `Math.floor(${a})`,
  ceil: (a) => `Math.ceil(${a})`,
  sigmoid: (a) => `1 / (1 + Math.exp(-${a}))`,
  relu: (a) => `${a} <= 0 ? 0 : ${a}`,
  softplus: (a) => `${a} > 0 ? ${a} + Math.log1p(Math.exp(-${a})) : Math.log1p(Math.exp(${a}))`,
  lt: (a, b) => `${a} < ${b}`,
  le: (a, b) => `${a} <= ${b}`,
  gt: (a, b) => `${a} > ${b}`,
  ge: (a, b) => `${a} >= ${b}`,
  eq: (a, b) => `${a} === ${b}`,
  ne: (a, b) => `${a} !== ${b}`,
  select: (c, a, b) => `${c} ? ${a} : ${b}`,
};

/** A double as a JS atom that evaluates to exactly that double (sign of zero included). */
export function jsLiteral(x: number): string {
  if (Number.isNaN(x)) return '(0 / 0)';
  if (x === Infinity) return '(1 / 0)';
  if (x === -Infinity) return '(-1 / 0)';
  if (Object.is(x, -0)) return '(-0)';
  return x < 0 ? `(${x})` : String(x);
}
