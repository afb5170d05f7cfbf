/**
 * An input file -> the Values to compile. Every kind of input ends as the same `Program`, so
 * the commands never ask where it came from:
 *   .expr       the expression syntax (@adjoint/expr); every free name is a param
 *   .ir         IR text (parseGraph); f is the first output, the inputs are the params
 *   .js / .mjs  a module whose default export is a function returning { output, params }
 *               (Values, optionally inputs) or { graph, nParams }
 */
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as jit from '@adjoint/jit';
import { AdjointError, Value, parseGraph, type Graph } from '@adjoint/jit';
import { parseExpression } from '@adjoint/expr';
import { CONST, F32, INPUT, opName, verifyGraph, type ComputeOp } from '@adjoint/ir';
import { UsageError } from './args.js';

/** A problem with the input itself (exit 1); the message is printed as it is. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export interface Program {
  readonly output: Value;
  readonly params: Value[];
  /** Runtime inputs in argument order after the params; undefined: the named leaves in creation order. */
  readonly inputs?: Value[];
  /** The IR computes in f32. */
  readonly f32: boolean;
  /** A note for inspect, e.g. that an IR file has more outputs than f. */
  readonly note?: string;
}

export interface Input {
  /** A file path, or undefined for --expr text. */
  readonly file?: string;
  readonly expr?: string;
  /** --params N: the first N inputs are params, the rest runtime inputs. */
  readonly nParams?: number;
}

export async function loadProgram(input: Input): Promise<Program> {
  if (input.expr !== undefined) return split(parseExpression(input.expr, { source: '<expr>' }), input.nParams);
  const file = input.file!;
  const ext = extname(file).toLowerCase();
  if (ext === '.expr') return split(parseExpression(readText(file), { source: file }), input.nParams);
  if (ext === '.ir') return loadIr(file, input.nParams);
  if (ext === '.js' || ext === '.mjs') return loadModule(file, input.nParams);
  throw new InputError(`${file}: unknown kind of file '${ext || '(no extension)'}'; use .expr (an expression), .ir (IR text) or .js/.mjs (a module)`);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${describeFsError(e)}`);
  }
}

export function describeFsError(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

/** The first `nParams` names are params, the others runtime inputs. */
function split(p: { output: Value; params: Value[] }, nParams: number | undefined): Program {
  const all = p.params;
  const n = checkParams(nParams, all.length);
  return { output: p.output, params: all.slice(0, n), inputs: all.slice(n), f32: false };
}

function checkParams(nParams: number | undefined, nInputs: number): number {
  if (nParams === undefined) return nInputs;
  if (nParams > nInputs) {
    throw new UsageError(`--params ${nParams} is more than the ${nInputs} input(s) the function has`);
  }
  return nParams;
}

function loadIr(file: string, nParams: number | undefined): Program {
  const text = readText(file);
  let graph: Graph;
  try {
    graph = parseGraph(text);
  } catch (e) {
    // IR errors start with "ir:line:col:"; name the file instead.
    if (e instanceof AdjointError) throw new InputError(e.message.replace(/^ir:/, `${file}:`));
    throw e;
  }
  const program = graphToProgram(graph, checkParams(nParams, graph.inputNames.length));
  const extra = graph.outputs.length - 1;
  return extra > 0 ? { ...program, note: `the IR has ${graph.outputs.length} outputs; f is the first, the others are ignored` } : program;
}

/**
 * A graph rebuilt as Values, node by node in graph order: the trace of the result is the
 * graph again (same nodes, same order), so every compile path takes Values.
 */
export function graphToProgram(g: Graph, nParams: number): Program {
  verifyGraph(g);
  if (g.outputs.length === 0) throw new InputError('the graph has no outputs; its first output is the function f');
  const inputs = g.inputNames.map((name) => new Value(0, name));
  const values: Value[] = new Array(g.size);
  let f32 = false;
  for (let i = 0; i < g.size; i++) {
    const op = g.op[i];
    if (g.dtype[i] === F32) f32 = true;
    if (op === INPUT) values[i] = inputs[g.a[i]];
    else if (op === CONST) values[i] = new Value(g.consts[g.a[i]]);
    else {
      const args = [g.a[i], g.b[i], g.c[i]].filter((j) => j >= 0).map((j) => values[j]);
      values[i] = Value.apply(opName(op) as ComputeOp, ...args);
    }
  }
  return { output: values[g.outputs[0]], params: inputs.slice(0, nParams), inputs: inputs.slice(nParams), f32 };
}

async function loadModule(file: string, nParams: number | undefined): Promise<Program> {
  const url = pathToFileURL(resolve(file)).href;
  readText(file);   // a missing file is reported like the others, not as an import failure
  let mod: { default?: unknown };
  try {
    mod = await import(url) as { default?: unknown };
  } catch (e) {
    throw new InputError(`${file}: the module failed to load: ${describeThrown(e, url)}`);
  }
  if (typeof mod.default !== 'function') {
    throw new InputError(`${file}: the default export must be a function returning { output, params } or { graph, nParams }, e.g.\n`
      + '  export default ({ Value }) => { const x = new Value(0, "x"); return { output: x.mul(x), params: [x] }; }');
  }
  let result: unknown;
  try {
    // The function gets this CLI's @adjoint/jit, so its Values are the ones the CLI compiles.
    result = await (mod.default as (api: typeof jit) => unknown)(jit);
  } catch (e) {
    if (e instanceof AdjointError) throw new InputError(`${file}: ${e.message}`);
    throw new InputError(`${file}: the default export threw ${describeThrown(e, url)}`);
  }
  return fromModuleResult(file, result, nParams);
}

function fromModuleResult(file: string, result: unknown, nParams: number | undefined): Program {
  const r = (result ?? {}) as { output?: unknown; params?: unknown; inputs?: unknown; graph?: unknown; nParams?: unknown };
  if (isGraph(r.graph)) {
    const n = nParams ?? r.nParams ?? r.graph.inputNames.length;
    if (!(typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= r.graph.inputNames.length)) {
      throw new InputError(`${file}: nParams must be an integer from 0 to ${r.graph.inputNames.length} (the graph's inputs), got ${String(n)}`);
    }
    return graphToProgram(r.graph, n);
  }
  if (nParams !== undefined) {
    throw new UsageError('--params is for .expr and .ir files and modules returning { graph }; a module returning Values lists its params itself');
  }
  const foreign = (v: unknown): boolean => !(v instanceof Value) && typeof v === 'object' && v !== null && 'backward' in v;
  if (foreign(r.output) || (Array.isArray(r.params) && r.params.some(foreign))) {
    throw new InputError(`${file}: the Values come from another copy of @adjoint/jit; build them with the one the CLI passes to your function: export default ({ Value }) => ...`);
  }
  if (!(r.output instanceof Value) || !Array.isArray(r.params)) {
    throw new InputError(`${file}: the default export must return { output, params } (a Value and an array of Values) or { graph, nParams }`);
  }
  if (r.inputs !== undefined && !Array.isArray(r.inputs)) throw new InputError(`${file}: inputs must be an array of Values`);
  return { output: r.output, params: r.params as Value[], ...(r.inputs !== undefined ? { inputs: r.inputs as Value[] } : {}), f32: false };
}

function isGraph(g: unknown): g is Graph {
  return typeof g === 'object' && g !== null && (g as Graph).op instanceof Uint8Array && (g as Graph).outputs instanceof Int32Array;
}

/** What a user module threw: the message and where in the module, without the CLI's stack. */
function describeThrown(e: unknown, url: string): string {
  if (!(e instanceof Error)) return String(e);
  const where = (e.stack ?? '').split('\n').find((l) => l.includes(url));
  // Node does not say where a module's syntax error is; node --check does.
  const hint = e instanceof SyntaxError && where === undefined ? ` (run 'node --check ${fileURLToPath(url)}' to see where)` : '';
  return `${e.name}: ${e.message}${hint}${where !== undefined ? `\n  ${where.trim()}` : ''}`;
}
