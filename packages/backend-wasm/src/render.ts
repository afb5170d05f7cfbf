/**
 * How each op is computed in wasm. The table's type names every computing op, so a new op
 * that is not rendered here is a type error. Each entry performs exactly the operations of
 * the op's `eval` in `@adjoint/ir` (the reference meaning), so results are bit-identical to
 * the interpreter and the JS backend when the math functions are the host's `Math`:
 *  - + - * / sqrt abs neg floor ceil min max and comparisons are single IEEE instructions
 *    (f64.min/max propagate NaN and order -0 below +0, exactly as Math.min/max do);
 *  - transcendental functions are calls of f64 -> f64 functions (imported `Math.*` or the
 *    embedded libm);
 *  - in f32 mode, a function of one op that is not a single IEEE instruction (sigmoid,
 *    softplus, exp...) is computed in f64 and rounded once, which is what the interpreter does
 *    for an f32 node: evaluate in f64, then Math.fround. For + - * / sqrt the f32
 *    instruction equals that double rounding exactly.
 */
import type { ComputeOp } from '@adjoint/ir';
import type { BinaryenModule, ExpressionRef, WasmType } from './binaryen.js';
import type { FloatOps } from './target.js';

/** The ops that call a math function, by the function's name in JS's `Math`. */
export const MATH_FNS = [
  'exp', 'log', 'log1p', 'expm1', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sinh', 'cosh', 'tanh', 'pow',
] as const satisfies readonly ComputeOp[];
export type MathFn = (typeof MATH_FNS)[number];
export const BINARY_MATH: ReadonlySet<MathFn> = new Set<MathFn>(['atan2', 'pow']);

/** An operand that can be read again; `cheap` ones (a local, a constant) cost nothing to repeat. */
export interface Operand {
  get(): ExpressionRef;
  readonly cheap: boolean;
}

export interface RenderContext {
  readonly m: BinaryenModule;
  /** Instructions of the float type (f64, or f32 in f32 mode) and of f64. */
  readonly f: FloatOps;
  readonly d: FloatOps;
  /** The wasm types of the float type and of f64. */
  readonly float: WasmType;
  readonly f64: WasmType;
  /** True in f32 mode: functions are computed in f64 between widen and narrow. */
  readonly wide: boolean;
  constant(x: number): ExpressionRef;
  widen(x: ExpressionRef): ExpressionRef;
  narrow(x: ExpressionRef): ExpressionRef;
  /** A call of an f64 math function. */
  libm(fn: MathFn, args: readonly ExpressionRef[]): ExpressionRef;
  /** The operand itself when cheap, else a local it is first stored in (for ops reading it twice). */
  keep(a: Operand, type: WasmType): Operand;
}

export interface WasmRender {
  /** Math functions the op calls. */
  readonly math: readonly MathFn[];
  readonly emit: (c: RenderContext, args: readonly Operand[]) => ExpressionRef;
}

const instr = (emit: WasmRender['emit']): WasmRender => ({ math: [], emit });

/** A math function of the op's operands, in f64. */
const call = (fn: MathFn): WasmRender => ({
  math: [fn],
  emit: (c, args) => c.narrow(c.libm(fn, args.map((a) => c.widen(a.get())))),
});

/** An operand widened to f64, readable more than once. */
function wideOperand(c: RenderContext, a: Operand): Operand {
  return c.wide ? c.keep({ get: () => c.widen(a.get()), cheap: false }, c.f64) : c.keep(a, c.float);
}

export const wasmRender: { readonly [K in ComputeOp]: WasmRender } = {
  add: instr((c, [a, b]) => c.f.add(a.get(), b.get())),
  sub: instr((c, [a, b]) => c.f.sub(a.get(), b.get())),
  mul: instr((c, [a, b]) => c.f.mul(a.get(), b.get())),
  div: instr((c, [a, b]) => c.f.div(a.get(), b.get())),
  neg: instr((c, [a]) => c.f.neg(a.get())),
  pow: call('pow'),
  sqrt: instr((c, [a]) => c.f.sqrt(a.get())),
  exp: call('exp'),
  log: call('log'),
  log1p: call('log1p'),
  expm1: call('expm1'),
  sin: call('sin'),
  cos: call('cos'),
  tan: call('tan'),
  asin: call('asin'),
  acos: call('acos'),
  atan: call('atan'),
  atan2: call('atan2'),
  sinh: call('sinh'),
  cosh: call('cosh'),
  tanh: call('tanh'),
  abs: instr((c, [a]) => c.f.abs(a.get())),
  // Math.sign: ±1 with a's sign where |a| > 0; a itself for ±0 and NaN.
  sign: instr((c, [x]) => {
    const a = c.keep(x, c.float);
    return c.m.select(c.f.gt(c.f.abs(a.get()), c.constant(0)), c.f.copysign(c.constant(1), a.get()), a.get());
  }),
  min: instr((c, [a, b]) => c.f.min(a.get(), b.get())),
  max: instr((c, [a, b]) => c.f.max(a.get(), b.get())),
  floor: instr((c, [a]) => c.f.floor(a.get())),
  ceil: instr((c, [a]) => c.f.ceil(a.get())),
  // 1 / (1 + exp(-a))
  sigmoid: {
    math: ['exp'],
    emit: (c, [a]) => {
      const d = c.d;
      return c.narrow(d.div(d.const(1), d.add(d.const(1), c.libm('exp', [d.neg(c.widen(a.get()))]))));
    },
  },
  // a <= 0 ? 0 : a (NaN stays NaN, -0 becomes +0)
  relu: instr((c, [x]) => {
    const a = c.keep(x, c.float);
    return c.m.select(c.f.le(a.get(), c.constant(0)), c.constant(0), a.get());
  }),
  // a > 0 ? a + log1p(exp(-a)) : log1p(exp(a)), branching so only one side's calls run
  softplus: {
    math: ['exp', 'log1p'],
    emit: (c, [x]) => {
      const a = wideOperand(c, x);
      const d = c.d;
      const log1pExp = (v: ExpressionRef): ExpressionRef => c.libm('log1p', [c.libm('exp', [v])]);
      return c.narrow(c.m.if(d.gt(a.get(), d.const(0)), d.add(a.get(), log1pExp(d.neg(a.get()))), log1pExp(a.get())));
    },
  },
  lt: instr((c, [a, b]) => c.f.lt(a.get(), b.get())),
  le: instr((c, [a, b]) => c.f.le(a.get(), b.get())),
  gt: instr((c, [a, b]) => c.f.gt(a.get(), b.get())),
  ge: instr((c, [a, b]) => c.f.ge(a.get(), b.get())),
  eq: instr((c, [a, b]) => c.f.eq(a.get(), b.get())),
  ne: instr((c, [a, b]) => c.f.ne(a.get(), b.get())),
  select: instr((c, [cond, a, b]) => c.m.select(cond.get(), a.get(), b.get())),
};
