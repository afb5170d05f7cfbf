/**
 * The facade's compile path: trace -> gradient graph -> schedule -> backend -> GradFn.
 * Only this package knows which backends exist.
 */
import { traceValue, type Value, type Trace } from '@adjoint/autograd';
import { compileFactory, parseSerialized, serializeProgram } from '@adjoint/backend-js';
import { checkCName, checkMaxStackBytes, DEFAULT_C_NAME, generateC } from '@adjoint/backend-c';
import { AdjointError, optimizeGradient, printGraph, type PassStat, type PipelineResult, loopCounts, scheduleGraph, verifyGraph, emittedInstructions, type Graph, type Schedule } from '@adjoint/ir';
import { BUILDERS, loadedBinaryen, type Artifact, type BuildMode } from './backends.js';
import type { BackgroundNative, NativeStatus } from './background.js';
import { generateWasm, loadBinaryen, type WasmProgram } from '@adjoint/backend-wasm';
import { cached } from './cache.js';
import { makeGradFn, type GradFn } from './gradfn.js';
import { checkOptions, optionsKey, scheduleOptions, type BackendName, type CompileOptions } from './options.js';

export type { BackendName, CompileOptions, CompileStep, RerollThresholds } from './options.js';
export type { NativeStatus } from './background.js';
export type { PassStat } from '@adjoint/ir';

/** What a compilation produced, for `inspectGeneratedCode` and serialization. */
export interface CompileStats {
  backend: BackendName;
  traceNodes: number;
  gradientNodes: number;
  /** The gradient pipeline, pass by pass: nodes in and out, time, rules applied (docs/passes.md). */
  passes: readonly PassStat[];
  /** Instructions in the generated code (a loop body counts once). */
  instructions: number;
  /** Generated functions: straight chunks and loops. */
  chunks: number;
  loops: number;
  /** Loops nested inside loops. */
  innerLoops: number;
  /**
   * Milliseconds per phase of the first compilation (zero when it came from the cache).
   * trace: Value graph -> IR (0 for compileGraphGradient); gradient: every pass of `passes`; build: JS parse, the C compiler (0 on a disk-cache hit) or wasm compilation.
   */
  ms: { trace: number; gradient: number; schedule: number; codegen: number; build: number };
  /** backend 'c': the compiler and level that built it, e.g. "gcc 12.2.0 -O2". */
  toolchain?: string;
  /**
   * backend 'c' built in a worker (`background: true`, compileGradientFunctionAsync): building,
   * native or failed (with the error), and the milliseconds until the library was ready.
   * `ms.build` is then the compile's own part: the cache lookup and starting the worker.
   */
  native?: NativeStatus;
}

interface Built {
  readonly artifact: Artifact;
  readonly stats: CompileStats;
}

interface Compiled {
  readonly backend: BackendName;
  readonly text: () => string;
  readonly js?: Artifact['js'];
  readonly inputNames: readonly string[];
  readonly nParams: number;
  readonly defaults: Float64Array;
  readonly stats: CompileStats | null;
  /** The traced graph (null for loaded functions) and the optimize options, for `inspectIR`. */
  readonly graph: Graph | null;
  readonly options: OptimizeOptions;
  /** backend 'c' built in a worker. */
  readonly native?: BackgroundNative;
}

const compiledInfo = new WeakMap<GradFn, Compiled>();

function build(graph: Graph, nParams: number, backend: BackendName, options: CompileOptions, traceMs: number, mode: BuildMode): Built {
  const { grad, passes, sched, instructions, gradientMs, scheduleMs } = scheduled(graph, nParams, options);
  const artifact = BUILDERS[backend](sched, nParams, options, mode);
  report(options, 'codegen', artifact.codegenMs, instructions);
  report(options, 'build', artifact.buildMs, instructions);
  return {
    artifact,
    stats: {
      backend,
      traceNodes: graph.size,
      gradientNodes: grad.size,
      passes,
      instructions,
      chunks: artifact.functions,
      ...loopCounts(sched),
      ms: { trace: traceMs, gradient: gradientMs, schedule: scheduleMs, codegen: artifact.codegenMs, build: artifact.buildMs },
      ...(artifact.toolchain !== undefined ? { toolchain: artifact.toolchain } : {}),
    },
  };
}

/** The shared tail of both entry points: the cache, the backend, and the GradFn. */
function compileGraph(graph: Graph, nParams: number, defaults: Float64Array, backend: BackendName, options: CompileOptions, traceMs = 0): GradFn {
  const mode: BuildMode = backend === 'c' && options.background === true ? 'background' : 'block';
  return gradFnOf(builtFor(graph, nParams, backend, options, traceMs, mode), graph, nParams, defaults, backend, options);
}

/** The compilation, from the in-memory cache unless `cache: false`. */
function builtFor(graph: Graph, nParams: number, backend: BackendName, options: CompileOptions, traceMs: number, mode: BuildMode): Built {
  const make = (): Built => build(graph, nParams, backend, options, traceMs, mode);
  // A failed C build is not reused: the next compile tries again (the compiler may be fixed).
  const failed = (b: Built): boolean => b.artifact.native?.failure() != null;
  return options.cache === false ? make() : cached(graph, `${nParams}|${optionsKey(backend, options)}|${mode}`, make, failed);
}

function gradFnOf(built: Built, graph: Graph, nParams: number, defaults: Float64Array, backend: BackendName, options: CompileOptions): GradFn {
  const fn = makeGradFn({ kernel: built.artifact.kernel(), inputNames: graph.inputNames, nParams, defaults, backend });
  compiledInfo.set(fn, {
    backend, text: built.artifact.text, js: built.artifact.js, inputNames: graph.inputNames, nParams, defaults, stats: built.stats, graph,
    options: { optimize: options.optimize, fastMath: options.fastMath }, native: built.artifact.native,
  });
  return fn;
}

/**
 * Compile the gradient of `output` with respect to `params` (named leaves). Other named
 * leaves the output uses are runtime inputs, passed after the params. A param the output
 * does not depend on gets gradient 0.
 */
export function compileGradientFunction(output: Value, params: readonly Value[], options: CompileOptions = {}): GradFn {
  const backend = checkOptions(options);
  const { trace, traceMs } = traced(output, params, options);
  return compileGraph(trace.graph, trace.nParams, trace.defaults, backend, options, traceMs);
}

/** Load what the wasm backend needs (binaryen, ~0.4 s, once per process); then it compiles synchronously. */
export async function loadWasmBackend(): Promise<void> {
  await loadBinaryen();
}

/**
 * `compileGradientFunction` that never waits for a compiler on this thread: wasm waits for
 * binaryen if `loadWasmBackend` has not run; C builds in a worker thread, and the promise is
 * fulfilled once the native code is loaded (at once on a build-cache hit), or rejected with
 * the build's error, as the synchronous form would throw it. With `background: true` it is
 * the synchronous form: fulfilled at once, with a function that runs JS code until the
 * build is done. Tracing, passes and code generation run before the first await, as in the
 * synchronous form.
 */
export async function compileGradientFunctionAsync(output: Value, params: readonly Value[], options: CompileOptions = {}): Promise<GradFn> {
  if (options === null || typeof options !== 'object' || options.backend === 'js' || options.backend === undefined || options.background === true) {
    return compileGradientFunction(output, params, options);
  }
  if (options.backend === 'wasm') {
    await loadBinaryen();
    return compileGradientFunction(output, params, options);
  }
  const backend = checkOptions(options);
  const { trace, traceMs } = traced(output, params, options);
  const built = builtFor(trace.graph, trace.nParams, backend, options, traceMs, 'async');
  const native = built.artifact.native!;
  if ((await native.ready()).state === 'failed') throw native.failure()!;
  return gradFnOf(built, trace.graph, trace.nParams, trace.defaults, backend, options);
}

/**
 * Fulfilled when the background C build of `fn` is over, with its state: 'native' (the next
 * call runs native code) or 'failed' (it keeps running JS code; `error` says why). Never
 * rejected. At once with null when `fn` has no build in the background. The process stays
 * alive until the build is done, as for any awaited I/O.
 */
export function nativeReady(fn: GradFn): Promise<NativeStatus | null> {
  const native = infoOf(fn, 'nativeReady').native;
  return native === undefined ? Promise.resolve(null) : native.ready();
}

export interface GraphCompileOptions extends Omit<CompileOptions, 'inputs'> {
  /** Inputs 0 .. nParams-1 are the params (differentiated); the others are runtime inputs. */
  nParams: number;
  /** Input values used when a call passes only the params. Default: 0 for every input. */
  defaults?: ArrayLike<number>;
}

/**
 * Compile the gradient of a graph built without `Value` objects (`GraphBuilder`, or
 * `parseGraph` on IR text): its first output is f, its inputs (in index order) are the
 * function's arguments, the first `nParams` of them the params. For big programmatic graphs
 * this skips tracing and its garbage: the builder records straight into typed arrays.
 */
export function compileGraphGradient(graph: Graph, options: GraphCompileOptions): GradFn {
  if (options === null || typeof options !== 'object') {
    throw new AdjointError('bad-options', `options must be an object such as { nParams: 2 }, got ${options === null ? 'null' : typeof options}`);
  }
  const { nParams, defaults, ...rest } = options;
  if ('inputs' in rest) {
    throw new AdjointError('bad-options', 'the inputs option is for Value graphs; a built graph\'s arguments are its input nodes, in index order');
  }
  const backend = checkOptions(rest);
  if (graph === null || typeof graph !== 'object' || !(graph.op instanceof Uint8Array) || !(graph.outputs instanceof Int32Array)) {
    throw new AdjointError('bad-graph', 'compileGraphGradient needs a Graph, from new GraphBuilder() ... .finish([f]) or parseGraph(text)');
  }
  verifyGraph(graph);
  const nInputs = graph.inputNames.length;
  if (!(Number.isInteger(nParams) && nParams >= 0 && nParams <= nInputs)) {
    throw new AdjointError('bad-options', `nParams must be an integer from 0 to ${nInputs} (the graph's inputs), got ${String(nParams)}`);
  }
  if (defaults !== undefined && (defaults === null || typeof defaults.length !== 'number' || defaults.length !== nInputs)) {
    throw new AdjointError('bad-options', `defaults must hold one number per input (${nInputs}), got ${defaults === null ? 'null' : `length ${String(defaults.length)}`}`);
  }
  return compileGraph(graph, nParams, defaults === undefined ? new Float64Array(nInputs) : Float64Array.from(defaults), backend, rest);
}

function infoOf(fn: GradFn, caller: string): Compiled {
  const info = typeof fn === 'function' ? compiledInfo.get(fn) : undefined;
  if (info === undefined) {
    throw new AdjointError('not-compiled', `${caller} needs a function returned by compileGradientFunction, compileGraphGradient or loadCompiledFunction`);
  }
  return info;
}

const BACKEND_TITLES: { readonly [K in BackendName]: string } = { js: 'JS', c: 'C (native)', wasm: 'WebAssembly' };

/** The generated code (JS, C or WAT), with a header describing the compilation. */
export function inspectGeneratedCode(fn: GradFn): string {
  const info = infoOf(fn, 'inspectGeneratedCode');
  const rem = info.backend === 'wasm' ? ';;' : '//';
  // Names go in a comment as ASCII only: \u escapes keep them readable and keep line
  // terminators (U+2028 included) out of the comment.
  const ascii = (n: string): string => JSON.stringify(n).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const names = info.inputNames.map((n, i) => `${rem}   x[${i}] = ${ascii(n)}${i < info.nParams ? `  -> g[${i}]` : ''}`);
  const st = info.stats;
  const lines = [
    `${rem} Adjoint ${BACKEND_TITLES[info.backend]} backend: ${info.nParams} param(s), ${info.inputNames.length} input(s)`,
    ...(st ? [`${rem} trace ${st.traceNodes} nodes -> gradient graph ${st.gradientNodes} nodes -> ${st.instructions} instructions in ${st.chunks} function(s), ${st.loops} of them loops${st.innerLoops > 0 ? ` (${st.innerLoops} loops nested inside)` : ''}`] : []),
    ...(st ? [`${rem} passes: ${st.passes.map((p) => `${p.name} ${p.nodesIn} -> ${p.nodesOut} (${p.ms.toFixed(1)} ms)`).join(', ')}`] : []),
    ...names,
    info.text(),
  ];
  return lines.join('\n');
}

/**
 * The IR text behind `fn`: the traced graph, and the gradient graph the backend compiled
 * (outputs f, then df/dparam in param order). The gradient graph is rebuilt on demand, so
 * compiled functions do not keep it in memory.
 */
export function inspectIR(fn: GradFn): { trace: string; gradient: string } {
  const info = infoOf(fn, 'inspectIR');
  if (info.graph === null) {
    throw new AdjointError('bad-arguments', 'inspectIR needs the traced graph, which a function from loadCompiledFunction does not have; inspect it where it was compiled');
  }
  return { trace: printGraph(info.graph), gradient: printGraph(gradientOf(info.graph, info.nParams, info.options).graph) };
}

/** The statistics of the compilation behind `fn` (null for loaded functions). */
export function compileStats(fn: GradFn): CompileStats | null {
  const { stats, native } = infoOf(fn, 'compileStats');
  return stats === null || native === undefined ? stats : { ...stats, native: native.status() };
}

/** A standalone text form of a compiled gradient, for `loadCompiledFunction`. */
export function serializeCompiledFunction(fn: GradFn): string {
  const info = infoOf(fn, 'serializeCompiledFunction');
  if (info.js === undefined) {
    throw new AdjointError('bad-arguments', `serializeCompiledFunction writes JavaScript; this function runs on the '${info.backend}' backend (use compileToC or compileToWasm for portable ${info.backend === 'c' ? 'C' : 'modules'})`);
  }
  return serializeProgram(info.js.source, {
    inputNames: info.inputNames,
    nParams: info.nParams,
    defaults: Array.from(info.defaults, String),
    nSpill: info.js.nSpill,
  });
}

/** Load a gradient from `serializeCompiledFunction` text; the format and checksum are checked first. */
export function loadCompiledFunction(code: string): GradFn {
  const { source, meta } = parseSerialized(code);
  const defaults = Float64Array.from(meta.defaults, Number);
  const factory = compileFactory(source);
  const fn = makeGradFn({
    kernel: factory(new Float64Array(meta.nSpill)),
    inputNames: meta.inputNames,
    nParams: meta.nParams,
    defaults,
    backend: 'js',
  });
  compiledInfo.set(fn, {
    backend: 'js', text: () => source, js: { source, nSpill: meta.nSpill }, inputNames: meta.inputNames, nParams: meta.nParams, defaults, stats: null, graph: null, options: {},
  });
  return fn;
}

export interface CSourceOptions extends Pick<CompileOptions, 'inputs' | 'chunkSize' | 'reroll' | 'precision' | 'optimize' | 'fastMath' | 'onProgress'> {
  /** The function's name, a C identifier (default 'adjoint_grad'): `NAME`, `NAME_ws`, `NAME_N_INPUTS`, ... */
  name?: string;
  /** Also return the matching header. */
  header?: boolean;
  /** Largest workspace `NAME` keeps on the stack, in bytes (default 16384); past it only `NAME_ws` exists. */
  maxStackBytes?: number;
}

/**
 * The gradient of `output` as one self-contained C99 file (see docs/backends.md for the ABI):
 * `double NAME(const double *inputs, double *grad)` returns f and writes the gradient.
 */
export function compileToC(output: Value, params: readonly Value[], options?: CSourceOptions & { header?: false }): string;
export function compileToC(output: Value, params: readonly Value[], options: CSourceOptions & { header: true }): { source: string; header: string };
export function compileToC(output: Value, params: readonly Value[], options?: CSourceOptions): string | { source: string; header: string };
export function compileToC(output: Value, params: readonly Value[], options: CSourceOptions = {}): string | { source: string; header: string } {
  const { name, header, maxStackBytes, ...rest } = checkFileOptions('compileToC', options, CSOURCE_OPTIONS, "{ name: 'arm_grad' }");
  checkOptions({ ...rest, backend: 'c' });
  if (header !== undefined && typeof header !== 'boolean') {
    throw new AdjointError('bad-options', `header must be true or false, got ${String(header)}`);
  }
  const { schedule, instructions, nParams } = traceAndSchedule(output, params, rest);
  const t0 = performance.now();
  const p = generateC(schedule, schedule.graph.inputNames, {
    name: name === undefined ? DEFAULT_C_NAME : checkCName(name),
    precision: rest.precision ?? 'f64',
    maxStackBytes: checkMaxStackBytes(maxStackBytes),
    nParams,
  });
  report(rest, 'codegen', performance.now() - t0, instructions);
  return header === true ? { source: p.source, header: p.header } : p.source;
}

export interface WasmModuleOptions extends Pick<CompileOptions, 'inputs' | 'chunkSize' | 'reroll' | 'precision' | 'math' | 'optimize' | 'fastMath' | 'onProgress'> {}

/**
 * The gradient of `output` as a standalone WebAssembly module (see docs/backends.md for its
 * ABI: exports memory, globals input and grad, and run(): f64). Needs `loadWasmBackend()`
 * to have finished; `compileToWasmAsync` waits for it.
 */
export function compileToWasm(output: Value, params: readonly Value[], options: WasmModuleOptions = {}): Uint8Array {
  return wasmProgram(output, params, options, loadedBinaryen('compileToWasm')).bytes;
}

export async function compileToWasmAsync(output: Value, params: readonly Value[], options: WasmModuleOptions = {}): Promise<Uint8Array> {
  return wasmProgram(output, params, options, await loadBinaryen()).bytes;
}

function wasmProgram(output: Value, params: readonly Value[], options: WasmModuleOptions, binaryen: Parameters<typeof generateWasm>[0]): WasmProgram {
  checkOptions({ ...checkFileOptions('compileToWasm', options, WASM_MODULE_OPTIONS, "{ math: 'embedded' }"), backend: 'wasm' });
  const { schedule, instructions } = traceAndSchedule(output, params, options);
  const t0 = performance.now();
  const program = generateWasm(binaryen, schedule, { math: options.math, precision: options.precision });
  report(options, 'codegen', performance.now() - t0, instructions);
  return program;
}

const CSOURCE_OPTIONS = ['inputs', 'chunkSize', 'reroll', 'precision', 'optimize', 'fastMath', 'onProgress', 'name', 'header', 'maxStackBytes'];
const WASM_MODULE_OPTIONS = ['inputs', 'chunkSize', 'reroll', 'precision', 'math', 'optimize', 'fastMath', 'onProgress'];

/** The options of compileToC / compileToWasm: an object with only the keys that call takes. */
function checkFileOptions<T extends object>(caller: string, options: T, allowed: readonly string[], example: string): T {
  if (options === null || typeof options !== 'object') {
    throw new AdjointError('bad-options', `options must be an object such as ${example}, got ${options === null ? 'null' : typeof options}`);
  }
  for (const k of Object.keys(options)) {
    if (!allowed.includes(k)) throw new AdjointError('bad-options', `unknown option "${k}" for ${caller}; the options are ${allowed.join(', ')}`);
  }
  return options;
}

type OptimizeOptions = Pick<CompileOptions, 'optimize' | 'fastMath'>;

/** Trace, differentiate with respect to the params, schedule: what every code generator consumes. */
type StageOptions = Pick<CompileOptions, 'inputs' | 'chunkSize' | 'reroll' | 'onProgress'> & OptimizeOptions;

function traceAndSchedule(output: Value, params: readonly Value[], options: StageOptions): { schedule: Schedule; instructions: number; nParams: number } {
  const { trace } = traced(output, params, options);
  const { sched, instructions } = scheduled(trace.graph, trace.nParams, options);
  return { schedule: sched, instructions, nParams: trace.nParams };
}

/** The trace of `output`, reported to onProgress. */
function traced(output: Value, params: readonly Value[], options: StageOptions): { trace: Trace; traceMs: number } {
  const t0 = performance.now();
  const trace = traceValue(output, params, { inputs: options.inputs });
  const traceMs = performance.now() - t0;
  report(options, 'trace', traceMs, trace.graph.size);
  return { trace, traceMs };
}

/** The gradient pipeline (each pass reported to onProgress) and the schedule (reported too). */
function scheduled(graph: Graph, nParams: number, options: StageOptions) {
  const t0 = performance.now();
  const { graph: grad, passes } = gradientOf(graph, nParams, options);
  const t1 = performance.now();
  const sched = scheduleGraph(grad, scheduleOptions(options));
  const scheduleMs = performance.now() - t1;
  const instructions = emittedInstructions(sched);
  report(options, 'schedule', scheduleMs, instructions);
  return { grad, passes, sched, instructions, gradientMs: t1 - t0, scheduleMs };
}

/** The optimized gradient graph of a trace whose first nParams inputs are the params. */
function gradientOf(graph: Graph, nParams: number, options: OptimizeOptions & Pick<CompileOptions, 'onProgress'>): PipelineResult {
  const onPass = options.onProgress === undefined ? undefined : (p: PassStat): void => report(options, p.name, p.ms, p.nodesOut);
  return optimizeGradient(graph, { params: Array.from({ length: nParams }, (_, k) => k), optimize: options.optimize, fastMath: options.fastMath, onPass });
}

/** Tell options.onProgress that a stage is done. */
function report(options: Pick<CompileOptions, 'onProgress'>, stage: string, ms: number, size: number): void {
  options.onProgress?.({ stage, ms, size });
}
