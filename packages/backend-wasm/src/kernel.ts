/**
 * Loaders: bytes of a generated module -> `kernel(x, g) -> f`, the calling convention every
 * Adjoint backend's kernel has. The kernel copies the inputs into the module's memory, calls
 * `run`, and copies the gradient out (converting from f32 in f32 mode); it allocates nothing.
 * The memory never grows, so the typed-array views made once stay valid.
 */
import { AdjointError } from '@adjoint/ir';
import type { WasmProgram } from './codegen.js';
import type { MathFn } from './render.js';
import { wasmApi, type WasmGlobal, type WasmImports, type WasmInstance, type WasmMemory } from './wasm-api.js';

/** `kernel(x, g) -> f`; in f32 mode also `f32`, which takes Float32Arrays (a plain copy each way, no conversion). */
export type Kernel = ((x: Float64Array, g: Float64Array) => number) & {
  readonly f32?: (x: Float32Array, g: Float32Array) => number;
};

/** What a loader needs to know about a module besides its bytes. */
export type KernelInfo = Pick<WasmProgram, 'nInputs' | 'nParams' | 'precision' | 'math'>;

/** The host's math functions a module with math 'import' calls (JS's `Math` by default). */
export type MathImports = { readonly [K in MathFn]?: (...args: number[]) => number };

function imports(info: KernelInfo, math: MathImports): WasmImports {
  return info.math === 'import' ? { Math: math } : {};
}

function kernelOf(instance: WasmInstance, info: KernelInfo): Kernel {
  const exports = instance.exports;
  const memory = exports.memory as WasmMemory;
  const run = exports.run as () => number;
  const offset = (name: string): number => (exports[name] as WasmGlobal).value as number;
  const Floats = info.precision === 'f32' ? Float32Array : Float64Array;
  const xs = new Floats(memory.buffer, offset('input'), info.nInputs);
  const gs = new Floats(memory.buffer, offset('grad'), info.nParams);
  const { nInputs, nParams } = info;
  const kernel = <T extends Float64Array | Float32Array>(x: T, g: T): number => {
    if (x.length !== nInputs) throw new AdjointError('bad-arguments', `the kernel takes ${nInputs} input values, got ${x.length}`);
    if (g.length < nParams) throw new AdjointError('bad-arguments', `the gradient array needs room for ${nParams} values, has ${g.length}`);
    xs.set(x);   // f32 mode from a Float64Array: rounds each value to float, as Math.fround does
    const f = run();
    g.set(gs);
    return f;
  };
  // One function serves both: set() copies from either array type into the module's memory.
  const f32: (x: Float32Array, g: Float32Array) => number = kernel;
  return info.precision === 'f32' ? Object.assign(kernel, { f32 }) : kernel;
}

/**
 * Compile and instantiate synchronously. Browsers refuse synchronous compilation of modules
 * over 4 KB on the main thread: use `instantiateKernelAsync` there.
 */
export function instantiateKernel(bytes: Uint8Array, info: KernelInfo, math: MathImports = Math): Kernel {
  const instance = new wasmApi.Instance(new wasmApi.Module(bytes), imports(info, math));
  return kernelOf(instance, info);
}

export async function instantiateKernelAsync(bytes: Uint8Array, info: KernelInfo, math: MathImports = Math): Promise<Kernel> {
  const module = await wasmApi.compile(bytes);
  return kernelOf(await wasmApi.instantiate(module, imports(info, math)), info);
}
