/**
 * Record the graph behind a Value as IR. Inputs come first: the params in the order given,
 * then the other named leaves (runtime inputs) in creation order or `options.inputs` order.
 * Unnamed leaves become constants. Computing nodes keep creation order, so the gradient
 * transform visits them exactly as `backward()` does.
 */
import { AdjointError, GraphBuilder, OP_NAMES, quote, type Graph } from '@adjoint/ir';
import { Value, topoOrder } from './value.js';

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
  const byName = new Map<string, Value>();
  const claim = (v: Value, role: string): string => {
    const name = v.paramName!;
    const other = byName.get(name);
    if (other === v) throw new AdjointError('duplicate-param', `${role} ${quote(name)} is listed twice`);
    if (other !== undefined) {
      throw new AdjointError('duplicate-name', `two different inputs are named ${quote(name)}; give each new Value(x, name) its own name`);
    }
    byName.set(name, v);
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

  const order = topoOrder(output);
  const mark = output.mark;
  const b = new GraphBuilder({ hashCons: false, capacity: order.length + params.length + 16 });
  const inputs: Value[] = [...params];
  params.forEach((p, k) => { p.index = b.input(k, p.paramName!); });
  const isParam = new Set(params);
  if (options.inputs !== undefined) {
    options.inputs.forEach((v, k) => {
      if (!(v instanceof Value) || !v.isLeaf || v.paramName === undefined) {
        throw new AdjointError('bad-input', `options.inputs[${k}] must be a named leaf, new CompilableValue(value, name)`);
      }
      if (isParam.has(v)) throw new AdjointError('bad-input', `options.inputs[${k}] (${quote(v.paramName)}) is already a param`);
      claim(v, 'input');
      v.index = b.input(inputs.length, v.paramName);
      inputs.push(v);
    });
  }
  for (const v of order) {
    if (!v.isLeaf || v.paramName === undefined || isParam.has(v)) continue;
    if (options.inputs !== undefined) {
      if (byName.get(v.paramName) !== v) {
        throw new AdjointError('missing-input', `the output uses the named leaf ${quote(v.paramName)}, which is missing from options.inputs`);
      }
      continue;
    }
    claim(v, 'input');
    v.index = b.input(inputs.length, v.paramName);
    inputs.push(v);
  }
  for (const v of order) {
    if (v.isLeaf) {
      if (v.paramName === undefined) v.index = b.constant(v.data);
    } else {
      const args = v.args;
      v.index = b.node(v.op, args[0].index, args.length > 1 ? args[1].index : -1, args.length > 2 ? args[2].index : -1);
    }
  }
  if (output.mark !== mark) throw new Error('internal: trace epoch changed during tracing');
  const graph = b.finish([output.index]);
  return { graph, nParams: params.length, defaults: Float64Array.from(inputs, (v) => v.data) };
}
