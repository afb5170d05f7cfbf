/**
 * The seam to the embedded libm (`./libm/`): math functions compiled into the module, for
 * hosts without a JS `Math` (wasmtime, wasm3, a microcontroller runtime). `addLibm(binaryen,
 * module, ops)` adds internal functions for the given math ops and returns their names; each
 * takes and returns f64 ((f64) -> f64, or (f64, f64) -> f64 for atan2 and pow).
 */
import type { ComputeOp } from '@adjoint/ir';
import type { Binaryen, BinaryenModule } from './binaryen.js';
import { addLibm, LIBM_OPS, type LibmOp } from './libm/index.js';
import { wasmApi } from './wasm-api.js';

export type AddLibm = (binaryen: Binaryen, module: BinaryenModule, ops: readonly ComputeOp[]) => ReadonlyMap<ComputeOp, string>;

export const embeddedLibm: AddLibm | null = addLibm;

/**
 * The embedded functions callable from JS, built the way modules use them (optimized at -O2):
 * what the conformance suite plugs into the interpreter to check `math: 'embedded'` modules
 * bit for bit.
 */
export function embeddedLibmFunctions(binaryen: Binaryen): Readonly<Record<LibmOp, (a: number, b: number) => number>> {
  const m = new binaryen.Module();
  const level = binaryen.getOptimizeLevel();   // binaryen's level is global state: leave it as found
  try {
    for (const [op, name] of addLibm(binaryen, m, LIBM_OPS)) m.addFunctionExport(name, op);
    binaryen.setOptimizeLevel(2);
    m.optimize();
    const instance = new wasmApi.Instance(new wasmApi.Module(m.emitBinary()), {});
    return instance.exports as Record<LibmOp, (a: number, b: number) => number>;
  } finally {
    binaryen.setOptimizeLevel(level);
    m.dispose();
  }
}
