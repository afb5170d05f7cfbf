/**
 * Expression text -> everything the page shows about it: the IR, the JS, C and WAT, the
 * compiled functions and how long each backend took, measured here in the browser. No DOM.
 * A parse error throws (an ExpressionError, with line and column); a backend that fails
 * gives its error in place of its result, so the others still show.
 */
import { parseExpression } from '@adjoint/expr';
import {
  compileGradientFunction, compileStats, compileToC, inspectGeneratedCode, inspectIR, measureCompilationTime, measureExecutionTime,
  type CompileStats, type GradFn, type Value,
} from '@adjoint/jit';
import { messageOf } from './dom.js';

/** A result, or why there is none. */
export type Outcome<T> = { readonly ok: true; readonly value: T; readonly ms: number } | { readonly ok: false; readonly error: string };

export interface Backend {
  /** The compiled gradient (compiled without the cache, so `ms` is a real compilation). */
  readonly fn: GradFn;
  /** inspectGeneratedCode: the generated JS, or the module as WAT. */
  readonly code: string;
}

export interface Compilation {
  /** The variables, in order of first appearance: the params of every backend. */
  readonly names: readonly string[];
  readonly ir: Outcome<{ readonly trace: string; readonly gradient: string }>;
  readonly js: Outcome<Backend>;
  /** null while binaryen is still loading. */
  readonly wasm: Outcome<Backend> | null;
  /** The C file compileToC writes; `ms` is the time to generate it (compiling C needs a C compiler, outside the browser). */
  readonly c: Outcome<string>;
  readonly stats: CompileStats | null;
  readonly passes: readonly PassStat[] | null;
}

/** One optimization pass, as compileStats reports it (in versions that have `passes`). */
export interface PassStat {
  readonly name: string;
  readonly nodesIn: number;
  readonly nodesOut: number;
  readonly ms: number;
}

function attempt<T>(make: () => T): Outcome<T> {
  try {
    const [ms, value] = measureCompilationTime(make);
    return { ok: true, value, ms };
  } catch (e) {
    return { ok: false, error: messageOf(e) };
  }
}

function backend(output: Value, params: Value[], name: 'js' | 'wasm'): Outcome<Backend> {
  const compiled = attempt(() => compileGradientFunction(output, params, { backend: name, cache: false }));
  if (!compiled.ok) return compiled;
  try {
    return { ...compiled, value: { fn: compiled.value, code: inspectGeneratedCode(compiled.value) } };
  } catch (e) {
    return { ok: false, error: messageOf(e) };
  }
}

/** Parse and compile `text`; `wasmLoaded`: binaryen is ready (loadWasmBackend has finished). */
export function compileText(text: string, wasmLoaded: boolean): Compilation {
  const { output, params } = parseExpression(text);
  const js = backend(output, params, 'js');
  const stats = js.ok ? compileStats(js.value.fn) : null;
  return {
    names: js.ok ? js.value.fn.paramNames : params.map((_, k) => `#${k}`),
    ir: js.ok ? attempt(() => inspectIR(js.value.fn)) : js,
    js,
    wasm: wasmLoaded ? backend(output, params, 'wasm') : null,
    c: attempt(() => compileToC(output, params)),
    stats,
    passes: passesOf(stats),
  };
}

/** `stats.passes` where the library reports passes (feature-detected: older versions do not). */
function passesOf(stats: CompileStats | null): readonly PassStat[] | null {
  const passes = (stats as { passes?: unknown } | null)?.passes;
  if (!Array.isArray(passes)) return null;
  return passes.filter((p): p is PassStat => p !== null && typeof p === 'object' && typeof (p as PassStat).name === 'string');
}

/**
 * Milliseconds per gradient call of `fn` at `values`, on the zero-allocation path. Browsers
 * round the clock to 0.1 ms, so the count of calls grows eightfold until a run measures a
 * millisecond or more, then is set for a run of about 20 ms: fast functions are timed over
 * many calls, and slow ones do not stall the page.
 */
export function timeGradient(fn: GradFn, values: Float64Array): number {
  const out = new Float64Array(fn.paramNames.length);
  const call = (): void => { fn.gradient(values, out); };
  const most = 1 << 24;
  let n = 8;
  for (;;) {
    const ms = measureExecutionTime(call, n);
    const total = ms * n;
    if (total >= 15 || n >= most) return ms;
    n = Math.min(most, total < 1 ? n * 8 : Math.ceil((n * 20) / total));
  }
}
