/**
 * @adjoint/backend-wasm — schedule -> WebAssembly through binaryen, and loaders for Node and
 * browsers. binaryen is loaded lazily (`loadBinaryen`): importing this package costs nothing.
 */
import { loadBinaryen } from './binaryen.js';
import { generateWasm, type WasmOptions, type WasmProgram } from './codegen.js';
import type { Schedule } from '@adjoint/ir';

export { loadBinaryen, binaryenIfLoaded, type Binaryen } from './binaryen.js';
export { generateWasm, optimizeLevels, OPTIMIZE_BUDGET, OPTIMIZE_MAX_SIZE, type WasmOptions, type WasmProgram } from './codegen.js';
export { instantiateKernel, instantiateKernelAsync, type Kernel, type KernelInfo, type MathImports } from './kernel.js';
export { watText } from './text.js';
export { embeddedLibmFunctions } from './embedded-libm.js';
export { LIBM_OPS as EMBEDDED_LIBM_OPS, LIBM_ULP_BOUND as EMBEDDED_LIBM_ULP_BOUND, type LibmOp } from './libm/index.js';

/** `generateWasm` with binaryen loaded first (the first call waits ~0.4 s for it). */
export async function compileSchedule(schedule: Schedule, options: WasmOptions = {}): Promise<WasmProgram> {
  return generateWasm(await loadBinaryen(), schedule, options);
}
