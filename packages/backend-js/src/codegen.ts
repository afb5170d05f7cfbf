/**
 * Schedule -> JavaScript source, shaped by what V8 optimizes (see docs/backends.md):
 *  - one function per chunk, each under V8's optimizable size, with `let` registers reused
 *    by liveness (declared once, initialized to keep their types stable);
 *  - values that cross chunks live in a Float64Array `t` passed as an argument;
 *  - inputs are read from the Float64Array `x`; gradients are written into the caller's `g`;
 *  - nothing is allocated per call.
 * The source is the body of a factory `(t) => run`, where `run(x, g)` returns f.
 * No user string ever reaches the source: inputs are addressed by index only.
 */
import { ARITY, BOOL, CONST, INPUT, OP_NAMES, chunkCount, type ComputeOp, type Schedule } from '@adjoint/ir';
import { jsLiteral, jsRender } from './render.js';

export interface JsProgram {
  /** Body of the factory: `new Function('t', source)(t)` gives `run(x, g) -> f`. */
  readonly source: string;
  /** Length of the spill buffer `t` each instance needs. */
  readonly nSpill: number;
  readonly chunks: number;
  readonly instructions: number;
}

export function generateJs(s: Schedule): JsProgram {
  const g = s.graph;
  const lits = Array.from(g.consts, jsLiteral);
  const nChunks = chunkCount(s);
  const out: string[] = ['"use strict";'];

  const atom = (x: number, ch: number): string => {
    const op = g.op[x];
    if (op === CONST) return lits[g.a[x]];
    if (op === INPUT) return `x[${g.a[x]}]`;
    if (s.chunkOf[x] === ch) return (g.dtype[x] === BOOL ? 'b' : 'r') + s.reg[x];
    return g.dtype[x] === BOOL ? `(t[${s.spill[x]}] !== 0)` : `t[${s.spill[x]}]`;
  };
  const renders = OP_NAMES.map((name) => (name === 'const' || name === 'input' ? null : jsRender[name as ComputeOp]));

  for (let ch = 0; ch < nChunks; ch++) {
    out.push(`function c${ch}(x, g, t) {`);
    const nf = s.chunkRegs[2 * ch];
    const nb = s.chunkRegs[2 * ch + 1];
    if (nf > 0) out.push('let ' + Array.from({ length: nf }, (_, k) => `r${k} = 0`).join(', ') + ';');
    if (nb > 0) out.push('let ' + Array.from({ length: nb }, (_, k) => `b${k} = false`).join(', ') + ';');
    for (let p = s.chunkStart[ch]; p < s.chunkStart[ch + 1]; p++) {
      const i = s.code[p];
      const op = g.op[i];
      const render = renders[op]!;
      const ar = ARITY[op];
      const expr = ar === 1 ? render(atom(g.a[i], ch))
        : ar === 2 ? render(atom(g.a[i], ch), atom(g.b[i], ch))
        : render(atom(g.a[i], ch), atom(g.b[i], ch), atom(g.c[i], ch));
      const isBool = g.dtype[i] === BOOL;
      const r = (isBool ? 'b' : 'r') + s.reg[i];
      out.push(`${r} = ${expr};`);
      if (s.spill[i] >= 0) out.push(isBool ? `t[${s.spill[i]}] = ${r} ? 1 : 0;` : `t[${s.spill[i]}] = ${r};`);
      const outs = s.outputsOf.get(i);
      if (outs !== undefined) for (const k of outs) out.push(`g[${k - 1}] = ${r};`);
    }
    if (ch === nChunks - 1) {
      for (let k = 1; k < g.outputs.length; k++) {
        if (s.chunkOf[g.outputs[k]] < 0) out.push(`g[${k - 1}] = ${atom(g.outputs[k], ch)};`);
      }
      out.push(`return ${atom(g.outputs[0], ch)};`);
    }
    out.push('}');
  }
  const calls: string[] = [];
  for (let ch = 0; ch < nChunks - 1; ch++) calls.push(`c${ch}(x, g, t);`);
  calls.push(`return c${nChunks - 1}(x, g, t);`);
  out.push(`return function run(x, g) { ${calls.join(' ')} };`);
  return { source: out.join('\n'), nSpill: s.nSpill, chunks: nChunks, instructions: s.code.length };
}

export type RunFn = (x: Float64Array, g: Float64Array) => number;
export type JsFactory = (t: Float64Array) => RunFn;

/** Compile generated source into a factory; each call of the factory is an independent instance. */
export function compileFactory(source: string): JsFactory {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('t', source) as JsFactory;
}
