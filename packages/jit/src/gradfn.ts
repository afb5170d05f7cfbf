/**
 * GradFn: the function users call. It wraps a backend's kernel `run(x, g) -> f` (inputs in a
 * Float64Array, gradients written into g) with the seed API's calling conventions and with
 * argument checks. `.gradient(Float64Array, out)` is the fast path: no copy, no allocation;
 * a function that computes in float32 takes Float32Arrays the same way (`kernel.f32`).
 */
import { AdjointError, quote } from '@adjoint/ir';

/** A backend's kernel; precision 'f32' kernels also take Float32Arrays as they are (`f32`). */
export type Kernel = ((x: Float64Array, g: Float64Array) => number) & {
  readonly f32?: (x: Float32Array, g: Float32Array) => number;
};

export interface GradFn {
  /** Gradients for the given values: the params, optionally followed by the runtime inputs. */
  (...args: number[]): number[];
  /**
   * Gradients into `out` (allocated when omitted). Pass a Float64Array and an `out` for zero
   * allocation. A function compiled with precision 'f32' also writes into a Float32Array
   * `out`, and with Float32Array values of full length copies nothing at all.
   */
  gradient(values: ArrayLike<number>, out?: Float64Array): Float64Array;
  gradient(values: ArrayLike<number>, out: Float32Array): Float32Array;
  /** The value f and the gradients in one evaluation. */
  valueAndGradient(values: ArrayLike<number>, out?: Float64Array): { value: number; gradient: Float64Array };
  valueAndGradient(values: ArrayLike<number>, out: Float32Array): { value: number; gradient: Float32Array };
  /** The param names, in gradient order. */
  readonly paramNames: readonly string[];
  /** Every input name in argument order: the params, then the runtime inputs. */
  readonly inputNames: readonly string[];
  readonly backend: string;
}

export interface GradFnSpec {
  readonly kernel: Kernel;
  readonly inputNames: readonly string[];
  readonly nParams: number;
  /** Values used for runtime inputs a call leaves out (their traced data). */
  readonly defaults: Float64Array;
  readonly backend: string;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 6).map(quote).join(', ');
  return names.length > 6 ? `${shown}, ... (${names.length} in all)` : shown;
}

export function makeGradFn(spec: GradFnSpec): GradFn {
  const { kernel, inputNames, nParams, defaults } = spec;
  const nInputs = inputNames.length;
  const paramNames = inputNames.slice(0, nParams);
  const x = Float64Array.from(defaults);
  const scratch = new Float64Array(nParams);
  let inputsDirty = false;

  const countError = (got: number): AdjointError => {
    const values = (k: number): string => `${k} value${k === 1 ? '' : 's'}`;
    const extra = nInputs > nParams
      ? `${values(nParams)} (the params: ${listNames(paramNames)}) or ${nInputs} (then the inputs: ${listNames(inputNames.slice(nParams))})`
      : `${values(nParams)} (the params: ${listNames(paramNames)})`;
    return new AdjointError('bad-arguments', `the gradient function expects ${extra}, got ${got}`);
  };

  /** The input buffer for `values`: the array itself when it is a full Float64Array, else a checked copy. */
  const load = (values: ArrayLike<number>): Float64Array => {
    const n = values?.length;
    if (n === nInputs && values instanceof Float64Array) return values;
    if (n !== nInputs && n !== nParams) {
      if (values === null || typeof values !== 'object') {
        throw new AdjointError('bad-arguments', `expected an array of numbers, got ${values === null ? 'null' : typeof values}`);
      }
      throw countError(n);
    }
    // Check every value before writing any, so a refused call leaves no trace.
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== 'number') {
        throw new AdjointError('bad-arguments', `value ${i} (${quote(inputNames[i])}) must be a number, got ${v === null ? 'null' : typeof v}`);
      }
    }
    for (let i = 0; i < n; i++) x[i] = values[i];
    if (n === nParams && inputsDirty) { x.set(defaults.subarray(nParams), nParams); inputsDirty = false; }
    else if (n === nInputs && n > nParams) inputsDirty = true;
    return x;
  };
  // Float32Array `out`: the kernel's f32 entry, with the values as they are when they are a
  // full Float32Array, else checked and rounded through `load` (defaults filled in).
  const x32 = kernel.f32 === undefined ? null : new Float32Array(nInputs);
  const run32 = (values: ArrayLike<number>, out: Float32Array): number => {
    if (kernel.f32 === undefined || x32 === null) {
      throw new AdjointError('bad-out', `out is a Float32Array, but this function computes in f64; pass a Float64Array (or compile with backend 'c' or 'wasm' and precision: 'f32')`);
    }
    if (out.length < nParams) throw new AdjointError('bad-out', `out must have room for ${nParams} gradients, got a Float32Array of length ${out.length}`);
    if (values instanceof Float32Array && values.length === nInputs) return kernel.f32(values, out);
    x32.set(load(values));
    return kernel.f32(x32, out);
  };
  const checkOut = (out: Float64Array | undefined): Float64Array => {
    if (out === undefined) return new Float64Array(nParams);
    if (!(out instanceof Float64Array) || out.length < nParams) {
      const got = out instanceof Float64Array ? `a Float64Array of length ${out.length}`
        : out === null ? 'null' : (out as object)?.constructor?.name ?? typeof out;
      throw new AdjointError('bad-out', `out must be a Float64Array of length ${nParams} or more, got ${got}`);
    }
    return out;
  };

  const fn = ((...args: number[]): number[] => {
    kernel(load(args), scratch);
    const result = new Array<number>(nParams);
    for (let i = 0; i < nParams; i++) result[i] = scratch[i];
    return result;
  }) as GradFn;
  return Object.assign(fn, {
    gradient(values: ArrayLike<number>, out?: Float64Array | Float32Array): Float64Array | Float32Array {
      if (out instanceof Float32Array) {
        run32(values, out);
        return out;
      }
      const g = checkOut(out);
      kernel(load(values), g);
      return g;
    },
    valueAndGradient(values: ArrayLike<number>, out?: Float64Array | Float32Array) {
      if (out instanceof Float32Array) return { value: run32(values, out), gradient: out };
      const g = checkOut(out);
      const value = kernel(load(values), g);
      return { value, gradient: g };
    },
    paramNames,
    inputNames: inputNames.slice(),
    backend: spec.backend,
  });
}
