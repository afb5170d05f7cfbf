/**
 * The rewrite rules, as data: a pattern over a node and its arguments, the replacement, and
 * the algebra that makes it right. `GraphBuilder` applies them as nodes are built (so the
 * gradient transform never materializes what a rule removes), and the `simplify` pass applies
 * them to a whole graph by rebuilding it.
 *
 * EXACT_RULES hold bit for bit in IEEE arithmetic for every input, NaN, the infinities and
 * -0 included (a NaN may come out with another sign bit, which no backend can observe: NaN
 * is NaN). Every one replaces a node by at most one new node (plus a constant), so it never
 * makes a graph bigger. FAST_RULES are the ones that change results in the last bits or at
 * special values; `fastMath: true` opts into them.
 *
 * docs/passes.md lists every rule; a test checks that it does.
 */
import type { DType } from '../dtype.js';
import { OP_CODE, type Emit, type OpName } from '../ops.js';

/** What a pattern can ask of the graph being built. */
export interface RuleGraph {
  opOf(id: number): number;
  argOf(id: number, k: number): number;
  constValue(id: number): number | undefined;
  constant(x: number, dtype?: DType): number;
  readonly emit: Emit<number>;
}

export type Pattern =
  | { readonly kind: 'any'; readonly name: string }
  | { readonly kind: 'const'; readonly name?: string; readonly test: (v: number) => boolean; readonly text: string }
  | { readonly kind: 'op'; readonly op: number; readonly args: readonly Pattern[]; readonly text: string };

/** Bound nodes by pattern name; `dtype` is the type of the node being rewritten. */
export interface Match {
  readonly nodes: Record<string, number>;
  readonly dtype: DType;
  readonly g: RuleGraph;
}

export interface Rule {
  readonly name: string;
  readonly op: OpName;
  readonly args: readonly Pattern[];
  /** Also try the arguments swapped (for + and *, which commute exactly in IEEE). */
  readonly commutative: boolean;
  /** The identity, as printed in docs/passes.md. */
  readonly algebra: string;
  /** Why it holds (or, for fast rules, where it does not). */
  readonly why: string;
  readonly rewrite: (m: Match) => number;
}

export const any = (name: string): Pattern => ({ kind: 'any', name });
/** A constant equal (bit for bit, so -0 is not +0) to `v`. */
export const c = (v: number, name?: string): Pattern =>
  ({ kind: 'const', name, test: (x) => Object.is(x, v), text: Object.is(v, -0) ? '-0' : String(v) });
/** Any constant passing `test`. */
export const cWhere = (name: string, text: string, test: (v: number) => boolean): Pattern => ({ kind: 'const', name, test, text });
export const op = (name: OpName, ...args: Pattern[]): Pattern => ({ kind: 'op', op: OP_CODE[name], args, text: name });

interface RuleSpec {
  args: Pattern[];
  commutative?: boolean;
  algebra: string;
  why: string;
  rewrite: (m: Match) => number;
}

function rule(name: string, opName: OpName, spec: RuleSpec): Rule {
  return { name, op: opName, commutative: spec.commutative ?? false, ...spec };
}

/** The node bound to `name`. */
const at = (m: Match, name: string): number => m.nodes[name];
/** A constant of the rewritten node's type. */
const constOf = (m: Match, v: number): number => m.g.constant(m.dtype === 1 ? Math.fround(v) : v, m.dtype);

/** 2^k for an integer k whose reciprocal is a normal number in f32 (so x/2^k = x*2^-k exactly in f32 and f64). */
function isPowerOfTwo(v: number): boolean {
  if (!(v !== 0 && Number.isFinite(v))) return false;
  const k = Math.log2(Math.abs(v));
  return Number.isInteger(k) && k >= -125 && k <= 125;
}

export const EXACT_RULES: readonly Rule[] = [
  rule('mul-one', 'mul', { args: [any('x'), c(1)], commutative: true, algebra: 'x * 1 = x', why: 'multiplying by one is exact for every x, NaN and -0 included', rewrite: (m) => at(m, 'x') }),
  rule('mul-minus-one', 'mul', { args: [any('x'), c(-1)], commutative: true, algebra: 'x * -1 = -x', why: 'the product is exact and only the sign changes', rewrite: (m) => m.g.emit.neg(at(m, 'x')) }),
  rule('mul-neg-neg', 'mul', {
    args: [op('neg', any('x')), op('neg', any('y'))], algebra: '(-x) * (-y) = x * y',
    why: 'the sign of a product is the xor of the signs, zeros included, and rounding to nearest is symmetric',
    rewrite: (m) => m.g.emit.mul(at(m, 'x'), at(m, 'y')),
  }),
  rule('div-one', 'div', { args: [any('x'), c(1)], algebra: 'x / 1 = x', why: 'exact for every x', rewrite: (m) => at(m, 'x') }),
  rule('div-minus-one', 'div', { args: [any('x'), c(-1)], algebra: 'x / -1 = -x', why: 'exact; only the sign changes', rewrite: (m) => m.g.emit.neg(at(m, 'x')) }),
  rule('div-neg-neg', 'div', {
    args: [op('neg', any('x')), op('neg', any('y'))], algebra: '(-x) / (-y) = x / y',
    why: 'as for products: signs xor, rounding is symmetric', rewrite: (m) => m.g.emit.div(at(m, 'x'), at(m, 'y')),
  }),
  rule('div-power-of-two', 'div', {
    args: [any('x'), cWhere('k', '2^n', isPowerOfTwo)], algebra: 'x / 2^n = x * 2^-n',
    why: 'both are x*2^-n correctly rounded (2^-n is exact and normal in f32 and f64 for |n| <= 125); a multiply is cheaper than a divide',
    rewrite: (m) => m.g.emit.mul(at(m, 'x'), constOf(m, 1 / m.g.constValue(at(m, 'k'))!)),
  }),
  rule('neg-neg', 'neg', { args: [op('neg', any('x'))], algebra: '-(-x) = x', why: 'negation only flips the sign bit', rewrite: (m) => at(m, 'x') }),
  rule('add-minus-zero', 'add', {
    args: [any('x'), c(-0)], commutative: true, algebra: 'x + (-0) = x',
    why: 'exact for x = +0 too (+0 + -0 = +0); x + (+0) is not a rule: -0 + +0 = +0', rewrite: (m) => at(m, 'x'),
  }),
  rule('add-neg', 'add', {
    args: [any('x'), op('neg', any('y'))], commutative: true, algebra: 'x + (-y) = x - y',
    why: 'IEEE 754 defines x - y as x + (-y); addition commutes exactly', rewrite: (m) => m.g.emit.sub(at(m, 'x'), at(m, 'y')),
  }),
  rule('sub-zero', 'sub', { args: [any('x'), c(0)], algebra: 'x - (+0) = x', why: 'x + (-0) = x, including x = -0', rewrite: (m) => at(m, 'x') }),
  rule('sub-neg', 'sub', { args: [any('x'), op('neg', any('y'))], algebra: 'x - (-y) = x + y', why: 'x - (-y) is x + y by definition', rewrite: (m) => m.g.emit.add(at(m, 'x'), at(m, 'y')) }),
  rule('sub-from-minus-zero', 'sub', {
    args: [c(-0), any('y')], algebra: '(-0) - y = -y', why: '-0 + (-y) = -y for every y: -0 is the identity of addition',
    rewrite: (m) => m.g.emit.neg(at(m, 'y')),
  }),
  rule('pow-one', 'pow', { args: [any('x'), c(1)], algebra: 'x ^ 1 = x', why: 'Math.pow(x, 1) is x for every x, NaN and -0 included (ECMA-262 Number::exponentiate)', rewrite: (m) => at(m, 'x') }),
  rule('pow-zero', 'pow', { args: [any('x'), c(0)], algebra: 'x ^ 0 = 1', why: 'Math.pow(x, ±0) is 1 even for x = NaN', rewrite: (m) => constOf(m, 1) }),
  rule('pow-minus-zero', 'pow', { args: [any('x'), c(-0)], algebra: 'x ^ -0 = 1', why: 'as x ^ +0', rewrite: (m) => constOf(m, 1) }),
  rule('abs-neg', 'abs', { args: [op('neg', any('x'))], algebra: '|-x| = |x|', why: 'abs clears the sign bit', rewrite: (m) => m.g.emit.abs(at(m, 'x')) }),
  rule('abs-abs', 'abs', { args: [op('abs', any('x'))], algebra: '||x|| = |x|', why: 'abs is idempotent', rewrite: (m) => m.g.emit.abs(at(m, 'x')) }),
  rule('min-same', 'min', { args: [any('x'), any('x')], algebra: 'min(x, x) = x', why: 'holds for -0 and NaN too', rewrite: (m) => at(m, 'x') }),
  rule('max-same', 'max', { args: [any('x'), any('x')], algebra: 'max(x, x) = x', why: 'holds for -0 and NaN too', rewrite: (m) => at(m, 'x') }),
  rule('select-same', 'select', { args: [any('c'), any('v'), any('v')], algebra: 'select(c, v, v) = v', why: 'both branches are the same node', rewrite: (m) => at(m, 'v') }),
];

/**
 * Rules that are right in real arithmetic but not always in floating point. `fastMath: true`
 * enables them; the conformance suite holds them to a tolerance, not to the bit.
 */
export const FAST_RULES: readonly Rule[] = [
  rule('fast-mul-zero', 'mul', { args: [any('x'), c(0)], commutative: true, algebra: 'x * 0 = 0', why: 'wrong for x = NaN or ±Infinity (NaN) and for negative x (-0)', rewrite: (m) => constOf(m, 0) }),
  rule('fast-add-zero', 'add', { args: [any('x'), c(0)], commutative: true, algebra: 'x + 0 = x', why: 'wrong for x = -0 (-0 + 0 = +0)', rewrite: (m) => at(m, 'x') }),
  rule('fast-sub-self', 'sub', { args: [any('x'), any('x')], algebra: 'x - x = 0', why: 'wrong for NaN and ±Infinity (NaN)', rewrite: (m) => constOf(m, 0) }),
  rule('fast-div-self', 'div', { args: [any('x'), any('x')], algebra: 'x / x = 1', why: 'wrong for 0, NaN and ±Infinity (NaN)', rewrite: (m) => constOf(m, 1) }),
  rule('fast-div-const', 'div', {
    args: [any('x'), cWhere('k', 'k', (v) => v !== 0 && Number.isFinite(v))], algebra: 'x / k = x * (1/k)',
    why: '1/k is rounded, so the product can differ from the quotient in the last bit', rewrite: (m) => m.g.emit.mul(at(m, 'x'), constOf(m, 1 / m.g.constValue(at(m, 'k'))!)),
  }),
  rule('fast-mul-const-const', 'mul', {
    args: [op('mul', any('x'), cWhere('a', 'a', () => true)), cWhere('b', 'b', () => true)], commutative: true, algebra: '(x * a) * b = x * (a * b)',
    why: 'reassociation: a*b is rounded once where the original rounds twice, and can overflow differently',
    rewrite: (m) => m.g.emit.mul(at(m, 'x'), constOf(m, m.g.constValue(at(m, 'a'))! * m.g.constValue(at(m, 'b'))!)),
  }),
  rule('fast-add-const-const', 'add', {
    args: [op('add', any('x'), cWhere('a', 'a', () => true)), cWhere('b', 'b', () => true)], commutative: true, algebra: '(x + a) + b = x + (a + b)',
    why: 'reassociation: rounds once where the original rounds twice',
    rewrite: (m) => m.g.emit.add(at(m, 'x'), constOf(m, m.g.constValue(at(m, 'a'))! + m.g.constValue(at(m, 'b'))!)),
  }),
  rule('fast-pow-two', 'pow', { args: [any('x'), c(2)], algebra: 'x ^ 2 = x * x', why: 'x*x is correctly rounded; a libm pow need not be', rewrite: (m) => m.g.emit.mul(at(m, 'x'), at(m, 'x')) }),
  rule('fast-pow-half', 'pow', { args: [any('x'), c(0.5)], algebra: 'x ^ 0.5 = sqrt(x)', why: 'wrong at -0 (pow gives +0) and -Infinity (pow gives +Infinity)', rewrite: (m) => m.g.emit.sqrt(at(m, 'x')) }),
];
