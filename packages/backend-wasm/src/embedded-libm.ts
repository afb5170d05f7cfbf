/**
 * The seam to the embedded libm (`./libm/`, written separately): math functions compiled into
 * the module, for hosts without a JS `Math` (wasmtime, wasm3, a microcontroller runtime).
 *
 * Its interface: `addLibm(binaryen, module, ops)` adds internal functions for the given math
 * ops and returns their names; each takes and returns f64 ((f64) -> f64, or (f64, f64) -> f64
 * for atan2 and pow). Until `./libm/index.js` exists this is null and `math: 'embedded'`
 * fails with a clear error; once it does, this file becomes:
 *   import { addLibm } from './libm/index.js';
 *   export const embeddedLibm: AddLibm | null = addLibm;
 */
import type { ComputeOp } from '@adjoint/ir';
import type { Binaryen, BinaryenModule } from './binaryen.js';

export type AddLibm = (binaryen: Binaryen, module: BinaryenModule, ops: readonly ComputeOp[]) => ReadonlyMap<ComputeOp, string>;

export const embeddedLibm: AddLibm | null = null;
