/**
 * One entry per backend: how a schedule becomes an artifact, and how an artifact becomes a
 * kernel `run(x, g) -> f` (one per GradFn, each with its own workspace). The table's type
 * names every backend, so adding one is a type error until it has an entry here.
 */
import {
  DEFAULT_C_NAME, buildSharedLibrary, findCompiler, generateC, loadNativeKernel, lookupSharedLibrary, type BuildOptions, type CCompiler,
} from '@adjoint/backend-c';
import { compileFactory, generateJs } from '@adjoint/backend-js';
import { binaryenIfLoaded, generateWasm, instantiateKernel, watText } from '@adjoint/backend-wasm';
import { AdjointError, emittedInstructions, type Schedule } from '@adjoint/ir';
import { BackgroundNative } from './background.js';
import type { Kernel } from './gradfn.js';
import type { BackendName, CompileOptions } from './options.js';

export interface Artifact {
  /** A fresh kernel with its own workspace (so two GradFns never share state). */
  readonly kernel: () => Kernel;
  /** What `inspectGeneratedCode` shows: generated JS, C or WAT (made on demand: WAT of a big module is slow to print). */
  readonly text: () => string;
  /** Functions the generated code defines, for `compileStats`. */
  readonly functions: number;
  /** Milliseconds of codegen, and of turning code into something callable (JS parse, C compiler (in the background: the cache lookup and the worker's start), wasm compile). */
  readonly codegenMs: number;
  readonly buildMs: number;
  /** C: the compiler and level that built it, e.g. "gcc 12.2.0 -O2" (a cache hit still names them). */
  readonly toolchain?: string;
  /** wasm only: the module. */
  readonly wasm?: Uint8Array;
  /** C built in the background: its state, and the switch from JS to native code. */
  readonly native?: BackgroundNative;
  /** JS only: what `serializeCompiledFunction` writes. */
  readonly js?: { readonly source: string; readonly nSpill: number };
}

/**
 * How the C backend builds: 'block' runs the compiler before returning; 'background' builds
 * in a worker while calls run JS code; 'async' builds in a worker for a caller that waits
 * (compileGradientFunctionAsync) and makes no call before. The other backends ignore it.
 */
export type BuildMode = 'block' | 'background' | 'async';

type Build = (s: Schedule, nParams: number, options: CompileOptions, mode: BuildMode) => Artifact;

const buildJs: Build = (s) => {
  const t0 = performance.now();
  const p = generateJs(s);
  const t1 = performance.now();
  const factory = compileFactory(p.source);
  const t2 = performance.now();
  return {
    kernel: () => factory(new Float64Array(p.nSpill)),
    text: () => p.source,
    functions: p.chunks,
    codegenMs: t1 - t0, buildMs: t2 - t1,
    js: { source: p.source, nSpill: p.nSpill },
  };
};

const buildC: Build = (s, nParams, options, mode) => {
  const precision = options.precision ?? 'f64';
  const t0 = performance.now();
  // Node calls NAME_ws with a workspace it owns, so no stack entry is needed.
  const p = generateC(s, s.graph.inputNames, { name: DEFAULT_C_NAME, precision, maxStackBytes: 0, nParams });
  const t1 = performance.now();
  const build: BuildOptions = { ...cTier(emittedInstructions(s), options), cacheDir: options.cacheDir, cacheMaxMB: options.cacheMaxMB };
  const layout = { nInputs: s.graph.inputNames.length, nParams, workspace: p.workspace, precision };
  const toolchain = (compiler: CCompiler): string =>
    `${compiler.kind} ${compiler.version}${compiler.kind === 'tcc' ? '' : ` -O${build.optLevel ?? 2}`}`;
  const common = { text: () => p.source, functions: p.functions, codegenMs: t1 - t0 };
  if (mode !== 'block') {
    // A bad compiler name or a missing addon throws here, before any worker starts.
    const found = lookupSharedLibrary(p.source, build);
    const native = BackgroundNative.start(p.source, build, found, layout, mode === 'background' ? s : null, emittedInstructions(s));
    return { ...common, kernel: () => native.kernel(), buildMs: performance.now() - t1, toolchain: toolchain(found.compiler), native };
  }
  const lib = buildSharedLibrary(p.source, build);
  const t2 = performance.now();
  return {
    ...common,
    kernel: () => loadNativeKernel(lib.path, `${DEFAULT_C_NAME}_ws`, layout),
    buildMs: t2 - t1,
    toolchain: toolchain(lib.compiler),
  };
};

/**
 * Past this many instructions the default build is the fast tier: gcc's time grows with the
 * code (~0.3 ms per straight-line statement at -O2, even in chunks: CODEGEN-FACTS.md), so a
 * 10^5-instruction graph would take half a minute; tcc takes about one second.
 */
export const C_FAST_TIER_INSTRUCTIONS = 20_000;

/** The compiler and level: the user's, else gcc -O2 (or $CC), else for big code tcc, or -O1 without it. */
function cTier(instructions: number, options: CompileOptions): BuildOptions {
  // globalThis: in a browser there is no process, and the build then says it needs Node.
  const chosen = options.cc !== undefined || options.optLevel !== undefined || (globalThis.process?.env.CC ?? '') !== '';
  if (chosen || instructions <= C_FAST_TIER_INSTRUCTIONS) {
    return { cc: options.cc, optLevel: options.optLevel };
  }
  try {
    return { cc: findCompiler('tcc').path };
  } catch {
    return { optLevel: 1 };
  }
}

/** binaryen, which the wasm backend needs loaded (it loads asynchronously: `loadWasmBackend`). */
export function loadedBinaryen(caller: string): NonNullable<ReturnType<typeof binaryenIfLoaded>> {
  const b = binaryenIfLoaded();
  if (b === null) {
    throw new AdjointError('wasm-not-loaded', `${caller} with the wasm backend needs binaryen, which loads asynchronously (~0.4 s, once per process): `
      + 'run `await loadWasmBackend()` first, or use the async form (compileGradientFunctionAsync, compileToWasmAsync)');
  }
  return b;
}

const buildWasm: Build = (s, _nParams, options) => {
  const binaryen = loadedBinaryen('compiling');
  const t0 = performance.now();
  const p = generateWasm(binaryen, s, { math: options.math, precision: options.precision });
  const t1 = performance.now();
  // Compile once to check the module and time it; each kernel instantiates its own memory.
  const first = instantiateKernel(p.bytes, p);
  const t2 = performance.now();
  let handed = false;
  return {
    kernel: () => { if (handed) return instantiateKernel(p.bytes, p); handed = true; return first; },
    text: () => watText(binaryen, p.bytes),
    functions: p.functions,
    codegenMs: t1 - t0, buildMs: t2 - t1,
    wasm: p.bytes,
  };
};

export const BUILDERS: { readonly [K in BackendName]: Build } = { js: buildJs, c: buildC, wasm: buildWasm };
