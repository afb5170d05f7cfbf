/**
 * Schedule -> JavaScript source, shaped by what V8 optimizes (see docs/backends.md):
 *  - one function per unit, each under V8's optimizable size, with `let` registers reused
 *    by liveness (declared once, initialized to keep their types stable);
 *  - loop units are `for` loops over their body, with carried variables and operands
 *    addressed `base + stride * i` or through constant Int32Array index tables;
 *  - values read by a later unit live in the Float64Array `t` passed as an argument;
 *  - inputs are read from the Float64Array `x`; gradients go into the caller's `g`;
 *  - nothing is allocated per call.
 * The source is the body of a factory `(t) => run`, where `run(x, g)` returns f.
 * No user string ever reaches the source: inputs are addressed by index only.
 */
import {
  ARITY, OP_NAMES, unitText, type ComputeOp, type Decl, type Schedule, type TextSyntax,
} from '@adjoint/ir';
import { jsLiteral, jsRender, type JsRender } from './render.js';

export interface JsProgram {
  /** Body of the factory: `new Function('t', source)(t)` gives `run(x, g) -> f`. */
  readonly source: string;
  /** Length of the spill buffer `t` each instance needs. */
  readonly nSpill: number;
  /** Generated functions (units). */
  readonly chunks: number;
}

const RENDERS: readonly (JsRender | null)[] = OP_NAMES.map((name) =>
  (name === 'const' || name === 'input' ? null : jsRender[name as ComputeOp]));

function render(op: number, args: readonly string[]): string {
  const r = RENDERS[op]!;
  const ar = ARITY[op];
  return ar === 1 ? r(args[0]) : ar === 2 ? r(args[0], args[1]) : r(args[0], args[1], args[2]);
}

const declare = (keyword: string) => (decls: readonly Decl[], indent: string): string[] =>
  (decls.length === 0 ? [] : [`${indent}${keyword} ${decls.map((d) => `${d.name} = ${d.value}`).join(', ')};`]);

/** JavaScript's spelling for the shared unit walk (`unitText` in @adjoint/ir). */
const JS_SYNTAX: TextSyntax = {
  literal: jsLiteral,
  render,
  consts: declare('const'),
  vars: declare('let'),
  loop: (i, trips) => `for (let ${i} = 0; ${i} < ${trips}; ${i}++) {`,
  intTable: (k) => `T${k}`,
  floatTable: (k) => `F${k}`,
  // Booleans live in `t` as 1 and 0: a read compares with 0, a write converts.
  fromMemory: (read, bool) => (bool ? `(${read} !== 0)` : read),
  toMemory: (reg, bool) => (bool ? `${reg} ? 1 : 0` : reg),
  zero: '0',
  no: 'false',
};

export function generateJs(s: Schedule): JsProgram {
  const g = s.graph;
  const text = unitText(s, JS_SYNTAX);
  const f = g.outputs[0];
  const last = s.units.length - 1;
  // The last unit returns f when it is straight code that defines it (see schedule.ts).
  const returnsF = s.chunkOf[f] === last && s.units[last].kind === 'straight';
  // Each unit is joined on its own, so its line strings die young instead of piling up.
  const units = s.units.map((_, u) => {
    const lines = [`function c${u}(x, g, t) {`, ...text.unit(u)];
    if (returnsF && u === last) lines.push(`  return ${text.atom(f, u)};`);
    lines.push('}');
    return lines.join('\n');
  });
  const parts: string[] = ['"use strict";'];
  s.intTables.forEach((t, k) => text.usedIntTables.has(k) && parts.push(`const T${k} = new Int32Array([${t.join(', ')}]);`));
  s.floatTables.forEach((t, k) => text.usedFloatTables.has(k) && parts.push(`const F${k} = new Float64Array([${Array.from(t, jsLiteral).join(', ')}]);`));
  parts.push(...units);
  // After the last unit: gradients that are leaves, and f.
  const tail: string[] = s.units.map((_, u) => (returnsF && u === last ? `const f = c${u}(x, g, t);` : `c${u}(x, g, t);`));
  const end = s.units.length;
  for (let k = 1; k < g.outputs.length; k++) {
    const o = g.outputs[k];
    if (s.chunkOf[o] < 0) tail.push(`g[${k - 1}] = ${text.atom(o, end)};`);
  }
  tail.push(`return ${returnsF ? 'f' : text.atom(f, end)};`);
  parts.push(`return function run(x, g) { ${tail.join(' ')} };`);
  return {
    source: parts.join('\n'),
    nSpill: s.nSpill,
    chunks: s.units.length,
  };
}

export type RunFn = (x: Float64Array, g: Float64Array) => number;
export type JsFactory = (t: Float64Array) => RunFn;

/** Compile generated source into a factory; each call of the factory is an independent instance. */
export function compileFactory(source: string): JsFactory {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('t', source) as JsFactory;
}
