/**
 * The facade's options and their checks. Every refusal names the option and what it accepts;
 * options that belong to one backend are refused on the others, with the backend to use.
 */
import { checkPrecision, type Precision } from '@adjoint/backend-c';
import type { Value } from '@adjoint/autograd';
import { AdjointError, DEFAULT_CHUNK_SIZE, DEFAULT_OPTIMIZE, checkOptimize, type OptimizeLevel, type ScheduleOptions } from '@adjoint/ir';

export type BackendName = 'js' | 'c' | 'wasm';

/** One finished stage of a compile, as `onProgress` reports it. */
export interface CompileStep {
  /** 'trace', a pass of the gradient pipeline ('gradient', 'dce', 'cse', 'simplify'), 'schedule', 'codegen' or 'build'. */
  readonly stage: string;
  /** Milliseconds it took. */
  readonly ms: number;
  /** What it produced: nodes (trace and passes), instructions (schedule, codegen, build). */
  readonly size: number;
}

export interface CompileOptions {
  /** Where the gradient runs: 'js' (default), 'c' (native code through N-API, Node only) or 'wasm'. */
  backend?: BackendName;
  /** Order of the runtime inputs (named leaves that are not params). Default: creation order. */
  inputs?: readonly Value[];
  /** Most instructions per generated function. Default 1800 (V8 stops optimizing near 2,000 statements). */
  chunkSize?: number;
  /**
   * Turn repeated structure (a traced loop) back into loops. 'auto' (default) rerolls when
   * the code does not fit one function; true always; false never; an object always, with
   * its own thresholds (defaults: loops of at least 4 iterations replacing at least 32
   * instructions). Results are bit-identical in every case.
   */
  reroll?: boolean | 'auto' | RerollThresholds;
  /**
   * How hard to optimize the gradient graph (docs/passes.md): 0 none; 1 (default) exact rules,
   * merging and dead-code elimination, bit-identical to backward(); 2 also merges repeated
   * subexpressions of the trace before differentiating (last-bit differences possible).
   */
  optimize?: OptimizeLevel;
  /** Also apply rewrites that change results in the last bits or at NaN/Infinity/-0 (x*0 = 0, ...). Default false. */
  fastMath?: boolean;
  /** Reuse an identical earlier compilation. Default true. */
  cache?: boolean;
  /**
   * Called as each stage of the compile finishes: 'trace', each pass ('gradient', 'dce', ...),
   * 'schedule', 'codegen', 'build'; stages a cache hit skips are not reported. A 10^6-node
   * graph takes seconds per stage: print these to show progress.
   */
  onProgress?: (step: CompileStep) => void;
  /** c and wasm: compute in 'f64' (default) or 'f32'. Arguments and results stay JS numbers. */
  precision?: Precision;
  /** c: the C compiler (default: $CC, else the first of cc, gcc, clang, tcc). */
  cc?: string;
  /** c: the optimization level, 0-3 (default 2; 0-1 build large graphs much faster). */
  optLevel?: 0 | 1 | 2 | 3;
  /**
   * c: return at once and build the library in a worker thread. Until it is built, calls run
   * the JS backend's code for the same schedule; the first call after that runs native code,
   * even in a loop that never yields to the event loop (one atomic read per call tells). A
   * library already in the build cache is used from the first call. JS and C give the same
   * bits for + - * / sqrt and comparisons; libm functions (sin, exp, pow, tanh, ...) may differ
   * in the last bit (docs/backends.md), so such a graph's results can change by an ulp at the
   * switch. A failed build keeps JS code, warns once (process warning ADJOINT_C_BUILD_FAILED)
   * and says why in compileStats(fn).native. Not with precision 'f32' (the JS code computes
   * in f64). Default false.
   */
  background?: boolean;
  /** c: the build cache directory (default $ADJOINT_CACHE_DIR, else ~/.cache/adjoint). */
  cacheDir?: string;
  /** c: the build cache's size cap in megabytes, 0 = no limit (default $ADJOINT_CACHE_MAX_MB, else 1024). */
  cacheMaxMB?: number;
  /** wasm: 'import' (default) takes sin, exp, ... from the host's Math (bit-identical to JS); 'embedded' has its own. */
  math?: 'import' | 'embedded';
}

export interface RerollThresholds {
  /** Fewest iterations worth a loop (at least 2). */
  minTrips?: number;
  /** Fewest instructions a loop must replace. */
  minCover?: number;
  /**
   * Loops inside loop bodies (default true): much less code, full speed within ~100 calls.
   * false keeps each loop body straight-line, which can run faster once V8 has optimized
   * large bodies (the MLP: 0.45x vs 0.62x hand-written, after ~0.5 s of warm-up).
   */
  nest?: boolean;
}

const COMMON = ['backend', 'inputs', 'chunkSize', 'reroll', 'cache', 'optimize', 'fastMath', 'onProgress'];
const BACKEND_OPTIONS: Readonly<Record<string, readonly BackendName[]>> = {
  precision: ['c', 'wasm'], cc: ['c'], optLevel: ['c'], background: ['c'], cacheDir: ['c'], cacheMaxMB: ['c'], math: ['wasm'],
};

export function checkOptions(options: CompileOptions, extra: readonly string[] = []): BackendName {
  if (options === null || typeof options !== 'object') {
    throw new AdjointError('bad-options', `options must be an object such as { backend: 'js' }, got ${options === null ? 'null' : typeof options}`);
  }
  const backend = options.backend ?? 'js';
  if (backend !== 'js' && backend !== 'c' && backend !== 'wasm') {
    throw new AdjointError('bad-options', `unknown backend ${JSON.stringify(backend)}; use 'js', 'c' or 'wasm'`);
  }
  const known = [...COMMON, ...Object.keys(BACKEND_OPTIONS), ...extra];
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new AdjointError('bad-options', `unknown option "${k}"; the options are ${known.join(', ')}`);
    const only = BACKEND_OPTIONS[k];
    if (only !== undefined && !only.includes(backend) && (options as Record<string, unknown>)[k] !== undefined) {
      throw new AdjointError('bad-options', `option "${k}" is for the ${only.map((b) => `'${b}'`).join(' and ')} backend${only.length > 1 ? 's' : ''}; add backend: '${only[0]}'`);
    }
  }
  checkPrecision(options.precision);
  checkOptimize(options);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new AdjointError('bad-options', `onProgress must be a function (step) => void, got ${options.onProgress === null ? 'null' : typeof options.onProgress}`);
  }
  if (options.cc !== undefined && (typeof options.cc !== 'string' || options.cc === '')) {
    throw new AdjointError('bad-options', `cc must be a compiler command such as 'gcc', got ${JSON.stringify(options.cc) ?? String(options.cc)}`);
  }
  const ol = options.optLevel;
  if (ol !== undefined && !(ol === 0 || ol === 1 || ol === 2 || ol === 3)) {
    throw new AdjointError('bad-options', `optLevel must be 0, 1, 2 or 3, got ${String(ol)}`);
  }
  checkBuildOptions(options);
  if (options.math !== undefined && options.math !== 'import' && options.math !== 'embedded') {
    throw new AdjointError('bad-options', `math must be 'import' or 'embedded', got ${JSON.stringify(options.math) ?? String(options.math)}`);
  }
  const cs = options.chunkSize;
  if (cs !== undefined && !(Number.isInteger(cs) && cs >= 1)) {
    throw new AdjointError('bad-options', `chunkSize must be a positive integer, got ${String(cs)}`);
  }
  const rr = options.reroll;
  if (rr !== null && typeof rr === 'object') {
    for (const [k, v] of Object.entries(rr)) {
      if (k === 'nest') {
        if (typeof v !== 'boolean') throw new AdjointError('bad-options', `reroll.nest must be true or false, got ${String(v)}`);
        continue;
      }
      if (k !== 'minTrips' && k !== 'minCover') throw new AdjointError('bad-options', `unknown reroll option "${k}"; the options are minTrips, minCover, nest`);
      if (!(Number.isInteger(v) && (v as number) >= (k === 'minTrips' ? 2 : 1))) {
        throw new AdjointError('bad-options', `reroll.${k} must be an integer >= ${k === 'minTrips' ? 2 : 1}, got ${String(v)}`);
      }
    }
  } else if (rr !== undefined && rr !== true && rr !== false && rr !== 'auto') {
    throw new AdjointError('bad-options', `reroll must be true, false, 'auto' or { minTrips, minCover, nest }, got ${JSON.stringify(rr) ?? String(rr)}`);
  }
  return backend;
}

/** background, cacheDir and cacheMaxMB. */
function checkBuildOptions(options: CompileOptions): void {
  const { background, cacheDir, cacheMaxMB } = options;
  if (background !== undefined && typeof background !== 'boolean') {
    throw new AdjointError('bad-options', `background must be true or false, got ${JSON.stringify(background) ?? String(background)}`);
  }
  if (background === true && options.precision === 'f32') {
    throw new AdjointError('bad-options', "background: true runs JS code, in f64, until the library is built, so precision 'f32' would change "
      + 'the results at the switch; drop background (compileGradientFunctionAsync builds f32 without blocking), or drop precision');
  }
  if (cacheDir !== undefined && (typeof cacheDir !== 'string' || cacheDir === '')) {
    throw new AdjointError('bad-options', `cacheDir must be a directory path, got ${JSON.stringify(cacheDir) ?? String(cacheDir)}`);
  }
  if (cacheMaxMB !== undefined && !(typeof cacheMaxMB === 'number' && Number.isFinite(cacheMaxMB) && cacheMaxMB >= 0)) {
    throw new AdjointError('bad-options', `cacheMaxMB must be a non-negative number of megabytes (0 = no limit), got ${JSON.stringify(cacheMaxMB) ?? String(cacheMaxMB)}`);
  }
}

/** The schedule options the facade options ask for. */
export function scheduleOptions(options: CompileOptions): ScheduleOptions {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const rr = options.reroll ?? 'auto';
  return typeof rr === 'object' ? { chunkSize, reroll: true, ...rr } : { chunkSize, reroll: rr };
}

/** A cache key for everything in `options` that changes the generated code or where it is built. */
export function optionsKey(backend: BackendName, options: CompileOptions): string {
  const s = scheduleOptions(options);
  return [backend, s.chunkSize, String(s.reroll), s.minTrips ?? '', s.minCover ?? '', s.nest ?? '',
    options.precision ?? 'f64', options.cc ?? '', options.optLevel ?? '', options.math ?? '',
    options.optimize ?? DEFAULT_OPTIMIZE, options.fastMath === true, options.cacheDir ?? ''].join('|');
}
