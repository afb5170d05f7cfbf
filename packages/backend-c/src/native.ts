/**
 * Loads a library built by toolchain.ts into this process and binds one of its gradient
 * functions as a JS function, through the one native addon (native/addon.c). The f64 path
 * passes the caller's arrays straight to C: no copies, no allocation per call.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdjointError, quote } from '@adjoint/ir';
import { libraryLoaded } from './prune.js';

/** What a kernel's C function expects: `double NAME(const double *x, double *g, double *t)`. */
export interface KernelLayout {
  /** Length of x: the params first, then the other inputs. */
  readonly nInputs: number;
  /** Length of g: one gradient entry per param. */
  readonly nParams: number;
  /** Length of t, the scratch array; the kernel owns one for its whole life. */
  readonly workspace: number;
  /** 'f32': the C function takes and returns float; values are rounded on the way in. */
  readonly precision: 'f64' | 'f32';
}

/**
 * Writes df/dparam into g[0..nParams) and returns f. A kernel of precision 'f32' also has
 * `f32`, which takes Float32Arrays and hands them to C as they are: no copy either way.
 */
export type NativeKernel = ((x: Float64Array, g: Float64Array) => number) & {
  readonly f32?: (x: Float32Array, g: Float32Array) => number;
};

type Handle = object;
interface Addon {
  open(path: string): Handle;
  symbol(library: Handle, name: string): Handle;
  call(fn: Handle, x: Float64Array, g: Float64Array, t: Float64Array): number;
  callF32(fn: Handle, x: Float32Array, g: Float32Array, t: Float32Array): number;
  bind(fn: Handle, x: Float64Array | Float32Array, g: Float64Array | Float32Array, t: Float64Array | Float32Array, f32: boolean): Handle;
  run(bound: Handle): number;
}

/**
 * Up to this many inputs + params a kernel copies values through arrays bound once, which
 * saves the addon's three typed-array lookups per call (~150 ns -> ~50 ns for an empty
 * function); past it the copies would cost more than the lookups.
 */
export const BOUND_CALL_LIMIT = 256;

// Resolved against this file, which is src/native.ts under the tests and dist/native.js when
// built: `../dist/` names the same file from both.
const ADDON_URL = new URL('../dist/adjoint_native.node', import.meta.url);

// Cache: the addon, loaded on first use; bound: one.
let addon: Addon | undefined;
// Cache: dlopen handle per absolute library path; bound: the libraries loaded in this
// process. A library stays loaded for the life of the process anyway (content-hashed names
// make that safe), so dropping entries would free nothing.
const libraries = new Map<string, Handle>();

/** The native addon, or an error saying how to build it. */
export function nativeAddon(): Addon {
  if (addon !== undefined) return addon;
  const path = fileURLToPath(ADDON_URL);
  if (!existsSync(path)) {
    throw new AdjointError('native-addon-missing',
      `the C backend's native addon ${path} is not built — run ./dev setup (it needs python3, make and a C compiler)`);
  }
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (e) {
    throw new AdjointError('native-addon-missing',
      `cannot load the native addon ${path}: ${(e as Error).message} — rebuild it for this Node with ./dev setup`);
  }
  return addon;
}

/** True when the addon is built and loads, so the C backend can run code in this process. */
export function nativeAvailable(): boolean {
  try {
    nativeAddon();
    return true;
  } catch {
    return false;
  }
}

function openLibrary(libPath: string): Handle {
  const path = resolve(libPath);   // dlopen searches the library path for a name without '/'
  const known = libraries.get(path);
  if (known !== undefined) {
    libraryLoaded(path);
    return known;
  }
  let library: Handle;
  try {
    library = nativeAddon().open(path);
  } catch (e) {
    if (e instanceof AdjointError) throw e;
    throw new AdjointError('native-load-failed',
      `cannot load ${path}: ${(e as Error).message} — build it with buildSharedLibrary for this machine`);
  }
  libraries.set(path, library);
  libraryLoaded(path);   // mapped now: the cache may prune its file
  return library;
}

function checkLayout(layout: KernelLayout): void {
  for (const key of ['nInputs', 'nParams', 'workspace'] as const) {
    const n = layout[key];
    if (!Number.isInteger(n) || n < 0) {
      throw new AdjointError('bad-layout', `layout.${key} must be a non-negative integer, got ${String(n)}`);
    }
  }
  if (layout.precision !== 'f64' && layout.precision !== 'f32') {
    throw new AdjointError('bad-layout', `layout.precision must be 'f64' or 'f32', got ${quote(String(layout.precision))}`);
  }
}

/**
 * Bind `symbol` of the library at `libPath` as `(x, g) => f`. Each kernel has its own
 * workspace, so two kernels (even of the same function) never share scratch memory.
 * Not reentrant per kernel, which a synchronous C call cannot be anyway.
 */
export function loadNativeKernel(libPath: string, symbol: string, layout: KernelLayout): NativeKernel {
  checkLayout(layout);
  const api = nativeAddon();
  const library = openLibrary(libPath);
  let fn: Handle;
  try {
    fn = api.symbol(library, symbol);
  } catch (e) {
    throw new AdjointError('native-symbol-missing',
      `${resolve(libPath)} has no function ${quote(symbol)} (${(e as Error).message}) — use the name the C generator gave it`);
  }
  const { nInputs, nParams, precision } = layout;
  // The addon needs a real data pointer; a zero-length array may have none.
  const ws = Math.max(1, layout.workspace);
  const check = (x: Float64Array, g: Float64Array): void => {
    if (!(x instanceof Float64Array) || !(g instanceof Float64Array) || x.length < nInputs || g.length < nParams) {
      throw new AdjointError('bad-arguments',
        `a native kernel takes (x: Float64Array of ${nInputs}+, g: Float64Array of ${nParams}+), `
        + `got (${describe(x)}, ${describe(g)})`);
    }
  };

  if (precision === 'f64') {
    const t = new Float64Array(ws);
    if (nInputs + nParams <= BOUND_CALL_LIMIT) {
      const bx = new Float64Array(Math.max(1, nInputs));
      const bg = new Float64Array(Math.max(1, nParams));
      const bound = api.bind(fn, bx, bg, t, false);
      return (x, g) => {
        check(x, g);
        // A loop is cheapest for a few values, set() (a memcpy) for more.
        if (nInputs > 16 && x.length === nInputs) bx.set(x); else for (let i = 0; i < nInputs; i++) bx[i] = x[i];
        const f = api.run(bound);
        if (nParams > 16) g.set(bg); else for (let i = 0; i < nParams; i++) g[i] = bg[i];
        return f;
      };
    }
    return (x, g) => {
      check(x, g);
      return api.call(fn, x, g, t);
    };
  }
  // f32: the C side works in float, so values cross in buffers of our own, bound once.
  // The bound handle holds raw pointers into all three arrays, so the kernel must keep all
  // three alive: an array no closure mentions is collectable, and the workspace `t` once was
  // (C wrote into freed memory on graphs with a workspace).
  const buffers = {
    x: new Float32Array(Math.max(1, nInputs)),
    g: new Float32Array(Math.max(1, nParams)),
    t: new Float32Array(ws),
  };
  const bound = api.bind(fn, buffers.x, buffers.g, buffers.t, true);
  const run = (x: Float64Array, g: Float64Array): number => {
    check(x, g);
    const { x: x32, g: g32 } = buffers;
    // set() converts between f64 and f32 in C++, ~3x faster than a JS loop past a few values.
    if (nInputs > 16 && x.length === nInputs) x32.set(x); else for (let i = 0; i < nInputs; i++) x32[i] = x[i];
    const f = api.run(bound);
    if (nParams > 16) g.set(g32); else for (let i = 0; i < nParams; i++) g[i] = g32[i];
    return f;
  };
  const f32 = (x: Float32Array, g: Float32Array): number => {
    if (!(x instanceof Float32Array) || !(g instanceof Float32Array) || x.length < nInputs || g.length < nParams) {
      throw new AdjointError('bad-arguments',
        `a float32 native kernel takes (x: Float32Array of ${nInputs}+, g: Float32Array of ${nParams}+), got (${describe(x)}, ${describe(g)})`);
    }
    // Few values: through the bound buffers, as the f64 path does (cheaper than the addon's
    // per-call array lookups); many: the caller's arrays themselves.
    if (nInputs + nParams > BOUND_CALL_LIMIT) return api.callF32(fn, x, g, buffers.t);
    const { x: bx, g: bg } = buffers;
    if (x.length === nInputs) bx.set(x); else bx.set(x.subarray(0, nInputs));
    const f = api.run(bound);
    if (nParams > 0) g.set(bg);
    return f;
  };
  return Object.assign(run, { f32 });
}

function describe(v: unknown): string {
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of ${(v as unknown as { length: number }).length}`;
  return v === null ? 'null' : typeof v;
}
