/**
 * The reference interpreter: the meaning of the IR. Every backend is tested against it.
 * Booleans are 1 and 0; f32 nodes are rounded with Math.fround after every op.
 *
 * `math` replaces the meaning of some ops, for backends whose libm is not V8's: with the
 * backend's own `sin`, `exp`, ... plugged in, everything else (the order of operations,
 * rounding, + - * / sqrt) must still match bit for bit.
 */
import { AdjointError } from './errors.js';
import { CONST, F32, INPUT, type Graph } from './graph.js';
import { OP_NAMES, OPS_BY_CODE, type ComputeOp, type OpDef } from './ops.js';

export type MathOverrides = Partial<Record<ComputeOp, OpDef['eval']>>;

/** Every node's value for the given inputs. */
export function evaluateAll(g: Graph, inputs: ArrayLike<number>, math: MathOverrides = {}): Float64Array {
  if (inputs.length < g.inputNames.length) {
    throw new AdjointError('bad-arguments', `the graph has ${g.inputNames.length} inputs, got ${inputs.length} values`);
  }
  const v = new Float64Array(g.size);
  const evals = OPS_BY_CODE.map((d, code) => math[OP_NAMES[code] as ComputeOp] ?? d.eval);
  for (let i = 0; i < g.size; i++) {
    const op = g.op[i];
    let x: number;
    if (op === CONST) x = g.consts[g.a[i]];
    else if (op === INPUT) x = inputs[g.a[i]];
    else x = evals[op](v[g.a[i]], g.b[i] >= 0 ? v[g.b[i]] : 0, g.c[i] >= 0 ? v[g.c[i]] : 0);
    v[i] = g.dtype[i] === F32 ? Math.fround(x) : x;
  }
  return v;
}

/** The graph's outputs for the given inputs. */
export function interpret(g: Graph, inputs: ArrayLike<number>, math: MathOverrides = {}): Float64Array {
  const v = evaluateAll(g, inputs, math);
  return Float64Array.from(g.outputs, (o) => v[o]);
}
