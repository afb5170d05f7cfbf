/**
 * Schedule -> JavaScript source, shaped by what V8 optimizes (see docs/backends.md):
 *  - one function per chunk, each under V8's optimizable size, with `let` registers reused
 *    by liveness (declared once, initialized to keep their types stable);
 *  - values that cross chunks live in a Float64Array `t` passed as an argument;
 *  - inputs are read from the Float64Array `x` into locals; gradients go into the caller's `g`;
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
  const nChunks = chunkCount(s);
  // Atoms are cached strings: a 10^6-node graph would otherwise make millions of copies.
  const lits = Array.from(g.consts, jsLiteral);
  // Inputs are read into locals once per chunk: repeated bounds-checked x[k] loads cost up to
  // 1.4x on W1 n=100 (measured), since stores to g keep V8 from reusing earlier loads.
  const inputs = Array.from(g.inputNames, (_, k) => `i${k}`);
  const inputStamp = new Int32Array(g.inputNames.length).fill(-1);
  const usedInputs: number[] = [];

  const spills = Array.from({ length: s.nSpill }, (_, k) => `t[${k}]`);
  let maxRegs = 0;
  for (let k = 0; k < s.chunkRegs.length; k++) maxRegs = Math.max(maxRegs, s.chunkRegs[k]);
  const fregs = Array.from({ length: maxRegs }, (_, k) => `r${k}`);
  const bregs = Array.from({ length: maxRegs }, (_, k) => `b${k}`);
  const renders = OP_NAMES.map((name) => (name === 'const' || name === 'input' ? null : jsRender[name as ComputeOp]));

  const atom = (x: number, ch: number): string => {
    const op = g.op[x];
    if (op === CONST) return lits[g.a[x]];
    if (op === INPUT) {
      const k = g.a[x];
      if (inputStamp[k] !== ch) { inputStamp[k] = ch; usedInputs.push(k); }   // declared at the chunk's top
      return inputs[k];
    }
    const bool = g.dtype[x] === BOOL;
    if (s.chunkOf[x] === ch) return (bool ? bregs : fregs)[s.reg[x]];
    return bool ? `(${spills[s.spill[x]]} !== 0)` : spills[s.spill[x]];
  };

  // Each chunk is joined on its own, so its line strings die young instead of piling up.
  const chunks: string[] = ['"use strict";'];
  const lines: string[] = [];
  for (let ch = 0; ch < nChunks; ch++) {
    lines.length = 0;
    lines.push(`function c${ch}(x, g, t) {`);
    const nf = s.chunkRegs[2 * ch];
    const nb = s.chunkRegs[2 * ch + 1];
    if (nf > 0) lines.push('let ' + fregs.slice(0, nf).join(' = 0, ') + ' = 0;');
    if (nb > 0) lines.push('let ' + bregs.slice(0, nb).join(' = false, ') + ' = false;');
    usedInputs.length = 0;
    const declLine = lines.push('') - 1;   // filled with the inputs this chunk reads, once known
    for (let p = s.chunkStart[ch]; p < s.chunkStart[ch + 1]; p++) {
      const i = s.code[p];
      const op = g.op[i];
      const render = renders[op]!;
      const ar = ARITY[op];
      const expr = ar === 1 ? render(atom(g.a[i], ch))
        : ar === 2 ? render(atom(g.a[i], ch), atom(g.b[i], ch))
        : render(atom(g.a[i], ch), atom(g.b[i], ch), atom(g.c[i], ch));
      const isBool = g.dtype[i] === BOOL;
      const r = (isBool ? bregs : fregs)[s.reg[i]];
      let line = `${r} = ${expr};`;
      if (s.spill[i] >= 0) line += isBool ? ` ${spills[s.spill[i]]} = ${r} ? 1 : 0;` : ` ${spills[s.spill[i]]} = ${r};`;
      const outs = s.outputsOf.get(i);
      if (outs !== undefined) for (const k of outs) line += ` g[${k - 1}] = ${r};`;
      lines.push(line);
    }
    if (ch === nChunks - 1) {
      for (let k = 1; k < g.outputs.length; k++) {
        if (s.chunkOf[g.outputs[k]] < 0) lines.push(`g[${k - 1}] = ${atom(g.outputs[k], ch)};`);
      }
      lines.push(`return ${atom(g.outputs[0], ch)};`);
    }
    lines.push('}');
    if (usedInputs.length > 0) lines[declLine] = 'const ' + usedInputs.map((k) => `${inputs[k]} = x[${k}]`).join(', ') + ';';
    else lines.splice(declLine, 1);
    chunks.push(lines.join('\n'));
  }
  const calls: string[] = [];
  for (let ch = 0; ch < nChunks - 1; ch++) calls.push(`c${ch}(x, g, t);`);
  calls.push(`return c${nChunks - 1}(x, g, t);`);
  chunks.push(`return function run(x, g) { ${calls.join(' ')} };`);
  return { source: chunks.join('\n'), nSpill: s.nSpill, chunks: nChunks, instructions: s.code.length };
}

export type RunFn = (x: Float64Array, g: Float64Array) => number;
export type JsFactory = (t: Float64Array) => RunFn;

/** Compile generated source into a factory; each call of the factory is an independent instance. */
export function compileFactory(source: string): JsFactory {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('t', source) as JsFactory;
}
