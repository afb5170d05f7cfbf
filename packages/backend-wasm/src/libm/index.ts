/**
 * The embedded libm: Math.exp, Math.sin, Math.pow... written as binaryen IR, so a module with
 * `math: 'embedded'` imports nothing. Each function is straight-line range reduction plus a
 * minimax polynomial (coefficients from fit.mjs); no linear memory, no tables in memory.
 * Results match JS on every special value (NaN, +-0, +-inf, overflow, underflow, subnormals)
 * and are within LIBM_ULP_BOUND ulps of V8's Math on finite values (test/libm.test.ts).
 *
 * The functions rely on exact IEEE arithmetic (two-sums, Dekker products): binaryen's optimizer
 * keeps that by default, but must not run with fast-math (binaryen.setFastMath(true)).
 * Coefficients: fit.mjs -> coefficients.ts. Speed against imported Math: bench.mjs.
 */
import type { ComputeOp } from '@adjoint/ir';
import type { Binaryen, BinaryenModule } from '../binaryen.js';
import { buildAcos, buildAsin } from './asin.js';
import { buildAtan, buildAtan2 } from './atan.js';
import { buildCosh, buildExp, buildExpm1, buildSinh, buildTanh } from './exp.js';
import type { Build } from './ir.js';
import { buildLog, buildLog1p } from './log.js';
import { buildPow } from './pow.js';
import { addRemPio2Large } from './rempio2.js';
import { buildCos, buildSin, buildTan } from './trig.js';

/** The ops the embedded libm provides. */
export const LIBM_OPS = [
  'exp', 'log', 'log1p', 'expm1', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2',
  'sinh', 'cosh', 'tanh', 'pow',
] as const satisfies readonly ComputeOp[];
export type LibmOp = (typeof LIBM_OPS)[number];

/**
 * Largest distance, in ulps, from V8's Math result over finite results (special values match
 * exactly). Each function here is within 0.55-0.9 ulp of the true value (30k random inputs per
 * function against 200-bit references: exp 0.60, expm1 0.88, log 0.72, log1p 0.76, sin 0.66,
 * cos 0.73, tan 0.78, asin 0.63, acos 0.56, atan 0.55, atan2 0.54, sinh 0.74, cosh 0.62,
 * tanh 0.75, pow 0.60), so where V8 is within 1 ulp too the two differ by at most 1. V8 itself
 * is off by up to 1.1 ulp for expm1, 1.2 for atan2, 1.7 for sinh, 1.6 for cosh (near overflow)
 * and 2 for tanh: those get 2.
 */
export const LIBM_ULP_BOUND: Record<LibmOp, number> = {
  exp: 1, log: 1, log1p: 1, expm1: 2, sin: 1, cos: 1, tan: 1, asin: 1, acos: 1, atan: 1,
  atan2: 2, sinh: 2, cosh: 2, tanh: 2, pow: 1,
};

const name = (fn: string) => `libm.${fn}`;
const REM_PIO2_LARGE = name('rem_pio2_large');

/** Each function: how to build it and the internal functions it calls. */
const FUNCTIONS: Record<LibmOp, { readonly build: Build; readonly deps?: readonly string[] }> = {
  exp: { build: buildExp },
  expm1: { build: buildExpm1(name('exp')), deps: ['exp'] },
  log: { build: buildLog },
  log1p: { build: buildLog1p },
  sin: { build: buildSin(REM_PIO2_LARGE), deps: [REM_PIO2_LARGE] },
  cos: { build: buildCos(REM_PIO2_LARGE), deps: [REM_PIO2_LARGE] },
  tan: { build: buildTan(REM_PIO2_LARGE), deps: [REM_PIO2_LARGE] },
  asin: { build: buildAsin },
  acos: { build: buildAcos },
  atan: { build: buildAtan },
  atan2: { build: buildAtan2 },
  sinh: { build: buildSinh },
  cosh: { build: buildCosh },
  tanh: { build: buildTanh },
  pow: { build: buildPow },
};

const isLibmOp = (op: string): op is LibmOp => Object.prototype.hasOwnProperty.call(FUNCTIONS, op);

/**
 * Adds to `module` the functions `ops` need (each once per module, with what they call) and
 * returns the internal function name per op. Ops the libm does not provide are left out.
 * Signatures: (f64) -> f64, and (f64 y, f64 x) -> f64 for atan2, (f64 a, f64 b) -> f64 for pow.
 */
export function addLibm(binaryen: Binaryen, module: BinaryenModule, ops: readonly ComputeOp[]): ReadonlyMap<ComputeOp, string> {
  const ensure = (fn: string): void => {
    if (fn === REM_PIO2_LARGE) {
      if (module.getFunction(fn) === 0) addRemPio2Large(binaryen, module, fn);
      return;
    }
    if (!isLibmOp(fn)) throw new Error(`internal: unknown libm function ${fn}`);
    const def = FUNCTIONS[fn];
    for (const dep of def.deps ?? []) ensure(dep);
    if (module.getFunction(name(fn)) === 0) def.build(binaryen, module, name(fn));
  };
  const names = new Map<ComputeOp, string>();
  for (const op of ops) {
    if (!isLibmOp(op)) continue;
    ensure(op);
    names.set(op, name(op));
  }
  return names;
}
