/**
 * The functions expressions can call: each is one IR op (docs/ir.md), applied exactly as the
 * `Value` method of the same name would, so a parsed expression and the same expression
 * written with `Value`s give the same graph and the same gradient bits.
 */
import type { ComputeOp } from '@adjoint/ir';

export interface FunctionDef {
  /** The IR op the call becomes. */
  readonly op: ComputeOp;
  /** Argument count; `variadic` functions take at least this many and fold left. */
  readonly arity: number;
  readonly variadic?: boolean;
  /** The first argument is a comparison (select). */
  readonly condition?: boolean;
  /** One line for the docs and `--help`. */
  readonly doc: string;
}

const unary = (op: ComputeOp, doc: string): FunctionDef => ({ op, arity: 1, doc });

export const FUNCTIONS: { readonly [name: string]: FunctionDef } = {
  sin: unary('sin', 'sine'),
  cos: unary('cos', 'cosine'),
  tan: unary('tan', 'tangent'),
  asin: unary('asin', 'arcsine'),
  acos: unary('acos', 'arccosine'),
  atan: unary('atan', 'arctangent'),
  atan2: { op: 'atan2', arity: 2, doc: 'atan2(y, x): the angle of the point (x, y)' },
  sinh: unary('sinh', 'hyperbolic sine'),
  cosh: unary('cosh', 'hyperbolic cosine'),
  tanh: unary('tanh', 'hyperbolic tangent'),
  exp: unary('exp', 'e^x'),
  log: unary('log', 'natural logarithm'),
  log1p: unary('log1p', 'log(1 + x), accurate near 0'),
  expm1: unary('expm1', 'e^x - 1, accurate near 0'),
  sqrt: unary('sqrt', 'square root'),
  abs: unary('abs', 'absolute value (gradient 0 at 0)'),
  sign: unary('sign', '-1, 0 or 1 (no gradient)'),
  floor: unary('floor', 'round down (no gradient)'),
  ceil: unary('ceil', 'round up (no gradient)'),
  sigmoid: unary('sigmoid', '1 / (1 + e^-x)'),
  relu: unary('relu', 'max(x, 0) (gradient 0 at 0)'),
  softplus: unary('softplus', 'log(1 + e^x), computed stably'),
  pow: { op: 'pow', arity: 2, doc: 'pow(a, b) = a^b' },
  min: { op: 'min', arity: 2, variadic: true, doc: 'min(a, b, ...): the smallest, folded left (ties: the first gets the gradient)' },
  max: { op: 'max', arity: 2, variadic: true, doc: 'max(a, b, ...): the largest, folded left (ties: the first gets the gradient)' },
  select: { op: 'select', arity: 3, condition: true, doc: 'select(cond, a, b): a where the comparison cond holds, else b' },
  if: { op: 'select', arity: 3, condition: true, doc: 'if(cond, a, b): the same as select' },
};

export const FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS).sort();

export function isFunctionName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FUNCTIONS, name);
}

/** The known name closest to `name` (edit distance at most 2), for "did you mean". */
export function closestFunction(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of FUNCTION_NAMES) {
    const d = editDistance(name.toLowerCase(), known);
    if (d < bestDistance) { best = known; bestDistance = d; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}
