/**
 * The verifier: the invariants every pass and backend may assume. Run it after anything
 * that builds or rewrites a graph (tests run it after every pass).
 */
import { AdjointError } from './errors.js';
import { BOOL, CONST, DTYPE_NAMES, F32, F64, INPUT, argArray, type Graph } from './graph.js';
import { ARITY, OPS_BY_CODE, OP_NAMES } from './ops.js';
import { printNode } from './text.js';

export function verifyGraph(g: Graph): void {
  const fail = (i: number, why: string): never => {
    const line = i >= 0 && i < g.size && g.op[i] < OP_NAMES.length ? `\n  at: ${safePrint(g, i)}` : '';
    throw new AdjointError('ir-verify', `node %${i}: ${why}${line}`);
  };
  const inputSeen = new Int32Array(g.inputNames.length).fill(-1);
  for (let i = 0; i < g.size; i++) {
    const op = g.op[i];
    if (op >= OP_NAMES.length) fail(i, `unknown op code ${op}`);
    const t = g.dtype[i];
    if (t !== F64 && t !== F32 && t !== BOOL) fail(i, `unknown dtype code ${t}`);
    if (op === CONST || op === INPUT) {
      if (t === BOOL) fail(i, `${OP_NAMES[op]} must be a float`);
      if (op === CONST && !(g.a[i] >= 0 && g.a[i] < g.consts.length)) fail(i, `constant pool index ${g.a[i]} out of range`);
      if (op === INPUT) {
        const k = g.a[i];
        if (!(k >= 0 && k < g.inputNames.length)) fail(i, `input index ${k} out of range (${g.inputNames.length} inputs)`);
        if (inputSeen[k] >= 0) fail(i, `input ${k} already has node %${inputSeen[k]}`);
        inputSeen[k] = i;
      }
      continue;
    }
    const def = OPS_BY_CODE[op];
    let float = -1;
    for (let k = 0; k < 3; k++) {
      const x = argArray(g, k)[i];
      if (k >= ARITY[op]) {
        if (x !== -1) fail(i, `unused argument slot ${k} must be -1`);
        continue;
      }
      if (!(x >= 0 && x < i)) fail(i, `argument ${k} is %${x}, which is not an earlier node`);
      const at = g.dtype[x];
      if ((def.args[k] === 'bool') !== (at === BOOL)) fail(i, `argument ${k} has type ${DTYPE_NAMES[at]}, expected ${def.args[k]}`);
      if (at !== BOOL) {
        if (float !== -1 && float !== at) fail(i, 'mixes f32 and f64 arguments');
        float = at;
      }
    }
    const want = def.result === 'bool' ? BOOL : float;
    if (t !== want) fail(i, `result type is ${DTYPE_NAMES[t]}, expected ${DTYPE_NAMES[want]}`);
  }
  for (let k = 0; k < g.outputs.length; k++) {
    const o = g.outputs[k];
    if (!(o >= 0 && o < g.size)) throw new AdjointError('ir-verify', `output ${k} is %${o}, which does not exist`);
    if (g.dtype[o] === BOOL) throw new AdjointError('ir-verify', `output ${k} (%${o}) is a bool; outputs must be floats`);
  }
}

function safePrint(g: Graph, i: number): string {
  try {
    return printNode(g, i);
  } catch {
    return `(unprintable node %${i})`;
  }
}
