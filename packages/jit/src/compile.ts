/**
 * The facade's compile path: trace -> gradient graph -> schedule -> backend -> GradFn.
 * Only this package knows which backends exist.
 */
import { traceValue, Value, type Trace } from '@adjoint/autograd';
import { compileFactory, generateJs, parseSerialized, serializeProgram, type JsFactory } from '@adjoint/backend-js';
import { AdjointError, DEFAULT_CHUNK_SIZE, gradientGraph, scheduleGraph, verifyGraph, type Graph, type ScheduleOptions } from '@adjoint/ir';
import { cached } from './cache.js';
import { makeGradFn, type GradFn } from './gradfn.js';

export type BackendName = 'js' | 'c' | 'wasm';

export interface CompileOptions {
  /** Where the gradient runs. Default 'js'. */
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
  /** Reuse an identical earlier compilation. Default true. */
  cache?: boolean;
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

/** What a compilation produced, for `inspectGeneratedCode` and serialization. */
export interface CompileStats {
  traceNodes: number;
  gradientNodes: number;
  /** Instructions in the generated code (a loop body counts once). */
  instructions: number;
  /** Generated functions: straight chunks and loops. */
  chunks: number;
  loops: number;
  /** Loops nested inside loops. */
  innerLoops: number;
  /** Milliseconds per phase of the first compilation (zero when it came from the cache). */
  ms: { gradient: number; schedule: number; codegen: number; parse: number };
}

interface JsCompiled {
  readonly factory: JsFactory;
  readonly source: string;
  readonly nSpill: number;
  readonly stats: CompileStats;
}

interface Compiled {
  readonly source: string;
  readonly nSpill: number;
  readonly inputNames: readonly string[];
  readonly nParams: number;
  readonly defaults: Float64Array;
  readonly stats: CompileStats | null;
}

const compiledInfo = new WeakMap<GradFn, Compiled>();
const KNOWN_OPTIONS = new Set(['backend', 'inputs', 'chunkSize', 'reroll', 'cache']);

function checkOptions(options: CompileOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new AdjointError('bad-options', `options must be an object such as { backend: 'js' }, got ${options === null ? 'null' : typeof options}`);
  }
  for (const k of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(k)) {
      throw new AdjointError('bad-options', `unknown option "${k}"; the options are ${[...KNOWN_OPTIONS].join(', ')}`);
    }
  }
  const backend = options.backend ?? 'js';
  if (backend === 'c' || backend === 'wasm') {
    throw new AdjointError('backend-unavailable', `the '${backend}' backend is not part of this release yet; use backend: 'js'`);
  }
  if (backend !== 'js') throw new AdjointError('bad-options', `unknown backend ${JSON.stringify(backend)}; use 'js'`);
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
}

function buildJs(graph: Graph, nParams: number, schedule: ScheduleOptions): JsCompiled {
  const t0 = performance.now();
  const grad = gradientGraph(graph, { params: Array.from({ length: nParams }, (_, k) => k) });
  const t1 = performance.now();
  const sched = scheduleGraph(grad, schedule);
  const t2 = performance.now();
  const program = generateJs(sched);
  const t3 = performance.now();
  const factory = compileFactory(program.source);
  const t4 = performance.now();
  return {
    factory,
    source: program.source,
    nSpill: program.nSpill,
    stats: {
      traceNodes: graph.size,
      gradientNodes: grad.size,
      instructions: program.instructions,
      chunks: program.chunks,
      loops: program.loops,
      innerLoops: program.innerLoops,
      ms: { gradient: t1 - t0, schedule: t2 - t1, codegen: t3 - t2, parse: t4 - t3 },
    },
  };
}

/** The shared tail of both entry points: schedule options, the cache, and the GradFn. */
function compileGraph(graph: Graph, nParams: number, defaults: Float64Array, options: CompileOptions): GradFn {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const rr = options.reroll ?? 'auto';
  const schedule: ScheduleOptions = typeof rr === 'object' ? { chunkSize, reroll: true, ...rr } : { chunkSize, reroll: rr };
  const build = (): JsCompiled => buildJs(graph, nParams, schedule);
  const key = `js|${nParams}|${chunkSize}|${String(schedule.reroll)}|${schedule.minTrips ?? ''}|${schedule.minCover ?? ''}|${schedule.nest ?? ''}`;
  const js = options.cache === false ? build() : cached(graph, key, build);
  const fn = makeGradFn({
    kernel: js.factory(new Float64Array(js.nSpill)),
    inputNames: graph.inputNames,
    nParams,
    defaults,
    backend: 'js',
  });
  compiledInfo.set(fn, { ...js, inputNames: graph.inputNames, nParams, defaults });
  return fn;
}

/**
 * Compile the gradient of `output` with respect to `params` (named leaves). Other named
 * leaves the output uses are runtime inputs, passed after the params. A param the output
 * does not depend on gets gradient 0.
 */
export function compileGradientFunction(output: Value, params: readonly Value[], options: CompileOptions = {}): GradFn {
  checkOptions(options);
  const trace: Trace = traceValue(output, params, { inputs: options.inputs });
  return compileGraph(trace.graph, trace.nParams, trace.defaults, options);
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
  checkOptions(rest);
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
  return compileGraph(graph, nParams, defaults === undefined ? new Float64Array(nInputs) : Float64Array.from(defaults), rest);
}

function infoOf(fn: GradFn, caller: string): Compiled {
  const info = typeof fn === 'function' ? compiledInfo.get(fn) : undefined;
  if (info === undefined) {
    throw new AdjointError('not-compiled', `${caller} needs a function returned by compileGradientFunction, compileGraphGradient or loadCompiledFunction`);
  }
  return info;
}

/** The generated JavaScript, with a header describing the compilation. */
export function inspectGeneratedCode(fn: GradFn): string {
  const info = infoOf(fn, 'inspectGeneratedCode');
  // Names go in a comment as ASCII only: \u escapes keep them readable and keep line
  // terminators (U+2028 included) out of the comment.
  const ascii = (n: string): string => JSON.stringify(n).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const names = info.inputNames.map((n, i) => `//   x[${i}] = ${ascii(n)}${i < info.nParams ? `  -> g[${i}]` : ''}`);
  const st = info.stats;
  const lines = [
    `// Adjoint JS backend: ${info.nParams} param(s), ${info.inputNames.length} input(s)`,
    ...(st ? [`// trace ${st.traceNodes} nodes -> gradient graph ${st.gradientNodes} nodes -> ${st.instructions} instructions in ${st.chunks} function(s), ${st.loops} of them loops${st.innerLoops > 0 ? ` (${st.innerLoops} loops nested inside)` : ''}`] : []),
    ...names,
    info.source,
  ];
  return lines.join('\n');
}

/** The statistics of the compilation behind `fn` (null for loaded functions). */
export function compileStats(fn: GradFn): CompileStats | null {
  return infoOf(fn, 'compileStats').stats;
}

/** A standalone text form of a compiled gradient, for `loadCompiledFunction`. */
export function serializeCompiledFunction(fn: GradFn): string {
  const info = infoOf(fn, 'serializeCompiledFunction');
  return serializeProgram(info.source, {
    inputNames: info.inputNames,
    nParams: info.nParams,
    defaults: Array.from(info.defaults, String),
    nSpill: info.nSpill,
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
  compiledInfo.set(fn, { source, nSpill: meta.nSpill, inputNames: meta.inputNames, nParams: meta.nParams, defaults, stats: null });
  return fn;
}
