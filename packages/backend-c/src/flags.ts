/**
 * The compiler flags Adjoint builds and checks generated C with. Plain data, no Node: the
 * browser entry (browser.ts) exports them too.
 */
import type { CompilerKind } from './toolchain.js';

/** Warning-free means warning-free under these, with every compiler we support. */
export const STRICT_C99_FLAGS: readonly string[] = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic'];

/**
 * Flags for a shared library. -ffp-contract=off: no fused multiply-add, so + - * / give the
 * same bits as JavaScript; never fast-math. -fno-math-errno only drops errno writes (sqrt
 * inlines as one instruction), values are unchanged. tcc has no optimizer and never
 * contracts. An unrecognized compiler gets gcc's flags: nearly all accept them, and one
 * that does not fails loudly instead of silently giving different numbers.
 */
export function sharedLibraryFlags(kind: CompilerKind, optLevel: 0 | 1 | 2 | 3): string[] {
  if (kind === 'tcc') return ['-std=c99', '-fPIC', '-shared'];
  return ['-std=c99', `-O${optLevel}`, '-ffp-contract=off', '-fno-math-errno', ...NO_LIBM_FOLDING, '-fPIC', '-shared'];
}

/**
 * gcc evaluates libm calls whose argument it can prove constant (after inlining or partial
 * redundancy elimination) with MPFR, correctly rounded, where the run-time libm may be one ulp
 * off: the same graph would give different bits at -O1 and -O2 (seen on a random graph,
 * tanh at -O2). Treating these functions as plain calls keeps every call a libm call.
 */
const NO_LIBM_FOLDING = ['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sinh', 'cosh', 'tanh', 'exp', 'expm1', 'log', 'log1p', 'pow']
  .flatMap((f) => [`-fno-builtin-${f}`, `-fno-builtin-${f}f`]);
