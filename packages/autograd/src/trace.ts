/**
 * Record the graph behind a Value as IR. Inputs come first: the params in the order given,
 * then the other named leaves (runtime inputs) in creation order or `options.inputs` order.
 * Unnamed leaves become constants. Computing nodes keep creation order, so the gradient
 * transform visits them exactly as `backward()` does.
 */
import { AdjointError, BOOL, CONST, F64, INPUT, OP_NAMES, quote, type Graph } from '@adjoint/ir';
import { NameTable } from './names.js';
import { Value, reachable } from './value.js';

export interface TraceOptions {
  /** Fixes the order of the named leaves that are not params (runtime inputs). */
  inputs?: readonly Value[];
}

export interface Trace {
  /** Outputs [f]; input k is params[k] for k < nParams, then the runtime inputs. */
  readonly graph: Graph;
  readonly nParams: number;
  /** The traced `.data` of every input, by input index: the value used when a call omits it. */
  readonly defaults: Float64Array;
}

/** The consecutive arrays of `size` entries that make up `buffer` (one allocation for several arrays). */
function split<T extends Uint8Array | Int32Array>(buffer: T, size: number): T[] {
  return Array.from({ length: buffer.length / size }, (_, k) => buffer.subarray(k * size, (k + 1) * size) as T);
}

function describe(x: unknown): string {
  return x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
}

export function traceValue(output: Value, params: readonly Value[], options: TraceOptions = {}): Trace {
  if (!(output instanceof Value)) {
    throw new AdjointError('bad-output', `the output must be a Value (the result of your computation), got ${describe(output)}`);
  }
  if (output.isBool) {
    throw new AdjointError('bool-output', 'the output is a comparison result; differentiate a number, e.g. select(cond, a, b)');
  }
  if (!Array.isArray(params)) {
    const hint = params instanceof Value ? 'a single Value; wrap it in an array: [x]' : describe(params);
    throw new AdjointError('bad-params', `params must be an array of Values, got ${hint}`);
  }
  const byName = new NameTable();
  const claim = (v: Value, role: string): string => {
    const name = v.paramName!;
    const other = byName.claim(v);
    if (other === v) throw new AdjointError('duplicate-param', `${role} ${quote(name)} is listed twice`);
    if (other !== undefined) {
      throw new AdjointError('duplicate-name', `two different inputs are named ${quote(name)}; give each new Value(x, name) its own name`);
    }
    return name;
  };
  params.forEach((p, k) => {
    if (!(p instanceof Value)) throw new AdjointError('bad-param', `param ${k} must be a Value, got ${describe(p)}`);
    if (!p.isLeaf) {
      throw new AdjointError('param-not-leaf',
        `param ${k} is the result of ${OP_NAMES[p.op]}; params must be leaves made with new CompilableValue(value, name)`);
    }
    if (p.paramName === undefined) {
      throw new AdjointError('unnamed-param', `param ${k} has no name; create it as new CompilableValue(${p.data}, "p${k}")`);
    }
    claim(p, 'param');
  });

  const { found, rank } = reachable(output);
  const mark = output.mark;
  const inputs: Value[] = [...params];
  // Params get their input index now, so `params[v.index] === v` tells exactly whether v is
  // one (other Values' index is stale scratch, but it never points at themselves in params).
  params.forEach((p, k) => { p.index = k; });
  const isParam = (v: Value): boolean => params[v.index] === v;
  if (options.inputs !== undefined) {
    options.inputs.forEach((v, k) => {
      if (!(v instanceof Value) || !v.isLeaf || v.paramName === undefined) {
        throw new AdjointError('bad-input', `options.inputs[${k}] must be a named leaf, new CompilableValue(value, name)`);
      }
      if (isParam(v)) throw new AdjointError('bad-input', `options.inputs[${k}] (${quote(v.paramName)}) is already a param`);
      claim(v, 'input');
      inputs.push(v);
    });
  }
  let nConsts = 0;
  let nOps = 0;
  for (let r = 0; r < rank.length; r++) {
    const v = found[rank[r]];
    if (!v.isLeaf) { nOps++; continue; }
    if (v.paramName === undefined) { nConsts++; continue; }
    if (isParam(v)) continue;
    if (options.inputs !== undefined) {
      if (byName.get(v.paramName) !== v) {
        throw new AdjointError('missing-input', `the output uses the named leaf ${quote(v.paramName)}, which is missing from options.inputs`);
      }
      continue;
    }
    claim(v, 'input');
    inputs.push(v);
  }
  // Node k < inputs.length is input k; then every other reachable Value in creation order.
  // Written straight into the graph's arrays rather than through a GraphBuilder: Value.apply
  // has already checked every operand, and a trace merges and rewrites nothing.
  const nInputs = inputs.length;
  const size = nInputs + nConsts + nOps;
  // One buffer for all the graph's arrays: each large allocation can cost a full garbage
  // collection of the heap, which holds the whole Value graph (see carve in ir/schedule.ts).
  const buffer = new ArrayBuffer(8 * nConsts + 14 * size);
  const consts = new Float64Array(buffer, 0, nConsts);
  const [a, b, c] = split(new Int32Array(buffer, 8 * nConsts, 3 * size), size);
  const [op, dtype] = split(new Uint8Array(buffer, 8 * nConsts + 12 * size, 2 * size), size);
  b.fill(-1);
  c.fill(-1);
  inputs.forEach((v, k) => {
    op[k] = INPUT;
    dtype[k] = F64;
    a[k] = k;
    v.index = k;
  });
  let id = nInputs;
  let nc = 0;
  for (let r = 0; r < rank.length; r++) {
    const v = found[rank[r]];
    const x = v.x;
    if (x === null) {
      if (v.paramName !== undefined) continue;
      op[id] = CONST;
      dtype[id] = F64;
      a[id] = nc;
      consts[nc++] = v.data;
    } else {
      op[id] = v.op;
      dtype[id] = v.isBool ? BOOL : F64;
      a[id] = x.index;
      if (v.y !== null) b[id] = v.y.index;
      if (v.z !== null) c[id] = v.z.index;
    }
    v.index = id++;
  }
  if (output.mark !== mark) throw new Error('internal: trace epoch changed during tracing');
  const graph: Graph = {
    size, op, dtype, a, b, c, consts, inputNames: inputs.map((v) => v.paramName!), outputs: Int32Array.of(output.index),
  };
  return { graph, nParams: params.length, defaults: Float64Array.from(inputs, (v) => v.data) };
}
