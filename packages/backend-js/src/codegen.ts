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
  ARITY, BOOL, CONST, INPUT, OP_NAMES, OPS_BY_CODE, emittedInstructions,
  type Addr, type Carried, type ComputeOp, type InnerLoop, type LoopInstr, type LoopOperand, type LoopUnit, type Schedule, type StraightUnit,
} from '@adjoint/ir';
import { jsLiteral, jsRender, type JsRender } from './render.js';

export interface JsProgram {
  /** Body of the factory: `new Function('t', source)(t)` gives `run(x, g) -> f`. */
  readonly source: string;
  /** Length of the spill buffer `t` each instance needs. */
  readonly nSpill: number;
  /** Generated functions (units). */
  readonly chunks: number;
  /** Loops among them. */
  readonly loops: number;
  /** Loops inside those loops' bodies. */
  readonly innerLoops: number;
  /** Instructions in the source (a loop body counts once). */
  readonly instructions: number;
}

const RENDERS: readonly (JsRender | null)[] = OP_NAMES.map((name) =>
  (name === 'const' || name === 'input' ? null : jsRender[name as ComputeOp]));

function render(op: number, args: readonly string[]): string {
  const r = RENDERS[op]!;
  const ar = ARITY[op];
  return ar === 1 ? r(args[0]) : ar === 2 ? r(args[0], args[1]) : r(args[0], args[1], args[2]);
}

/** `base + stride * i + outer * o` as short JS. */
function affine(base: number, terms: readonly (readonly [number, string])[]): string {
  let out = base !== 0 ? String(base) : '';
  for (const [k, v] of terms) {
    if (k === 0) continue;
    const term = Math.abs(k) === 1 ? v : `${Math.abs(k)} * ${v}`;
    out = out === '' ? (k > 0 ? term : `-${term}`) : `${out} ${k > 0 ? '+' : '-'} ${term}`;
  }
  return out === '' ? '0' : out;
}

/** The index expression of an address at loop counter `i` (and enclosing counter `o`). */
function index(a: Addr, i = 'i', o = 'o'): string {
  const k = affine(a.base, [[a.stride, i], [a.outer, o]]);
  return a.table >= 0 ? `T${a.table}[${k}]` : k;
}

/** `let` lines for nf float registers `${f}k = 0` and nb bool registers `${b}k = false`. */
function declareRegisters(f: string, b: string, nf: number, nb: number, indent: string): string[] {
  const out: string[] = [];
  if (nf > 0) out.push(`${indent}let ` + Array.from({ length: nf }, (_, k) => `${f}${k} = 0`).join(', ') + ';');
  if (nb > 0) out.push(`${indent}let ` + Array.from({ length: nb }, (_, k) => `${b}${k} = false`).join(', ') + ';');
  return out;
}

/** Booleans live in `t` as 1 and 0: a read compares with 0, a write converts. */
const fromMemory = (read: string, bool: boolean): string => (bool ? `(${read} !== 0)` : read);
const toMemory = (reg: string, bool: boolean): string => (bool ? `${reg} ? 1 : 0` : reg);

/** True when an address does not change with the loop counter: read it once, before the loop. */
const invariant = (a: Addr): boolean => a.table < 0 && a.stride === 0;

export function generateJs(s: Schedule): JsProgram {
  const g = s.graph;
  // Atoms are cached strings: a 10^6-node graph would otherwise make millions of copies.
  const lits = Array.from(g.consts, jsLiteral);
  const inputs = Array.from(g.inputNames, (_, k) => `i${k}`);
  const spills = Array.from({ length: s.nSpill }, (_, k) => `t[${k}]`);
  let maxRegs = 0;
  for (const u of s.units) if (u.kind === 'straight') maxRegs = Math.max(maxRegs, u.fregs, u.bregs);
  const fregs = Array.from({ length: maxRegs }, (_, k) => `r${k}`);
  const bregs = Array.from({ length: maxRegs }, (_, k) => `b${k}`);
  const memRead = (x: number): string => fromMemory(spills[s.spill[x]], g.dtype[x] === BOOL);

  // Inputs a straight unit reads are copied into locals once: repeated bounds-checked x[k]
  // loads cost up to 1.4x on W1 n=100 (measured), since stores to g block load elimination.
  const inputStamp = new Int32Array(g.inputNames.length).fill(-1);
  const usedInputs: number[] = [];
  const atom = (x: number, u: number): string => {
    const op = g.op[x];
    if (op === CONST) return lits[g.a[x]];
    if (op === INPUT) {
      const k = g.a[x];
      if (inputStamp[k] !== u) { inputStamp[k] = u; usedInputs.push(k); }
      return inputs[k];
    }
    if (s.chunkOf[x] === u) return (g.dtype[x] === BOOL ? bregs : fregs)[s.reg[x]];
    return memRead(x);
  };

  const straightUnit = (unit: StraightUnit, u: number, lines: string[]): void => {
    lines.push(...declareRegisters('r', 'b', unit.fregs, unit.bregs, ''));
    usedInputs.length = 0;
    const declLine = lines.push('') - 1;   // filled with the inputs this unit reads, once known
    const args: string[] = [];
    for (let p = unit.start; p < unit.end; p++) {
      const i = s.code[p];
      const op = g.op[i];
      args.length = ARITY[op];
      for (let k = 0; k < args.length; k++) args[k] = atom(k === 0 ? g.a[i] : k === 1 ? g.b[i] : g.c[i], u);
      const isBool = g.dtype[i] === BOOL;
      const r = (isBool ? bregs : fregs)[s.reg[i]];
      let line = `${r} = ${render(op, args)};`;
      if (s.spill[i] >= 0) line += ` ${spills[s.spill[i]]} = ${toMemory(r, isBool)};`;
      const outs = s.outputsOf.get(i);
      if (outs !== undefined) for (const k of outs) line += ` g[${k - 1}] = ${r};`;
      lines.push(line);
    }
    if (usedInputs.length > 0) lines[declLine] = 'const ' + usedInputs.map((k) => `${inputs[k]} = x[${k}]`).join(', ') + ';';
    else lines.splice(declLine, 1);
  };

  /**
   * A loop: `unit` at depth 0 (counter i) or an inner loop at depth 1 (counter q, inside the
   * outer body, which still sees i). Each depth has its own names, so an inner loop never
   * touches the outer body's registers.
   */
  const NAMES = [
    { i: 'i', o: 'o', f: 'r', b: 'b', k: 'k', h: 'o', v: 'v' },
    { i: 'q', o: 'i', f: 's', b: 'y', k: 'm', h: 'p', v: 'w' },
  ] as const;
  const renderLoop = (loop: LoopUnit | InnerLoop, depth: 0 | 1, lines: string[], indent: string): void => {
    const nm = NAMES[depth];
    const hoisted: string[] = [];
    const hoistedName = new Map<string, string>();
    // Values that are the same in every iteration are read once, before the loop.
    const hoist = (expr: string): string => {
      let name = hoistedName.get(expr);
      if (name === undefined) {
        name = `${nm.h}${hoistedName.size}`;
        hoistedName.set(expr, name);
        hoisted.push(`${name} = ${expr}`);
      }
      return name;
    };
    // A split address reads its table once per outer iteration, before this loop.
    const at = (a: Addr): string => {
      if (!(a.table >= 0 && a.split === true)) return index(a, nm.i, nm.o);
      const head = hoist(`T${a.table}[${affine(0, [[a.outer, nm.o]])}]`);
      const rest = affine(a.base, [[a.stride, nm.i]]);
      return rest === '0' ? head : `${head} + ${rest}`;
    };
    const regName = (ins: LoopInstr): string => `${ins.dtype === BOOL ? nm.b : nm.f}${ins.reg}`;
    const reg = (j: number): string => regName(loop.body[j]);
    const operand = (a: LoopOperand, bool: boolean): string => {
      switch (a.kind) {
        case 'const': return jsLiteral(a.value);
        case 'consts': return `F${a.table}[${at(a.index)}]`;
        case 'input': return invariant(a.addr) ? hoist(`x[${at(a.addr)}]`) : `x[${at(a.addr)}]`;
        case 'local': return reg(a.j);
        case 'carried': return `${nm.k}${a.c}`;
        case 'outer': return hoist(memRead(a.node));
        case 'mem': return fromMemory(invariant(a.addr) ? hoist(`t[${at(a.addr)}]`) : `t[${at(a.addr)}]`, bool);
      }
    };
    const body: string[] = [];
    const after: string[] = [];
    // An address read twice in an iteration is loaded once: stores to g and t keep V8 from
    // reusing the first load itself (they might alias).
    const uses = new Map<string, number>();
    const exprs = loop.body.map((ins) => ins.args.map((a, k) => {
      const e = operand(a, OPS_BY_CODE[ins.op].args[k] === 'bool');
      if (e.endsWith(']')) uses.set(e, (uses.get(e) ?? 0) + 1);
      return e;
    }));
    const loaded = new Map<string, string>();
    const inner = 'inner' in loop ? loop.inner : [];
    const innerBefore = (j: number): void => {
      for (const il of inner) {
        if (il.before !== j) continue;
        body.push(`${indent}  {`);   // its own block: every inner loop declares the same names
        renderLoop(il, 1, body, indent + '    ');
        body.push(`${indent}  }`);
      }
    };
    loop.body.forEach((ins, j) => {
      innerBefore(j);
      const r = reg(j);
      const args = exprs[j].map((e) => {
        if ((uses.get(e) ?? 0) < 2) return e;
        let name = loaded.get(e);
        if (name === undefined) {
          name = `${nm.v}${loaded.size}`;
          loaded.set(e, name);
          body.push(`${indent}  const ${name} = ${e};`);
        }
        return name;
      });
      let line = `${r} = ${render(ins.op, args)};`;
      const bool = ins.dtype === BOOL;
      const stored = toMemory(r, bool);
      if (ins.store !== null) line += ` t[${at(ins.store)}] = ${stored};`;
      // A final value is in its carried variable after the loop; otherwise store every time.
      const c = ins.storeLast >= 0 ? loop.carried.findIndex((v) => v.j === j) : -1;
      if (ins.storeLast >= 0 && c < 0) line += ` t[${ins.storeLast}] = ${stored};`;
      if (c >= 0) after.push(`${indent}t[${ins.storeLast}] = ${toMemory(`${nm.k}${c}`, bool)};`);
      for (const o of ins.outputs) line += ` g[${at(o)}] = ${r};`;
      body.push(`${indent}  ${line}`);
    });
    innerBefore(loop.body.length);
    if (loop.carried.length > 0) body.push(`${indent}  ` + loop.carried.map((c, k) => `${nm.k}${k} = ${reg(c.j)};`).join(' '));
    // The first iteration's value: the init address at counter 0.
    const initRead = (c: Carried): string => fromMemory(`t[${at({ ...c.init, stride: 0 })}]`, c.dtype === BOOL);
    const inits = loop.carried.map((c, k) => `${nm.k}${k} = ${initRead(c)}`);   // may hoist: before the hoisted line
    if (hoisted.length > 0) lines.push(`${indent}const ` + hoisted.join(', ') + ';');
    if (inits.length > 0) lines.push(`${indent}let ` + inits.join(', ') + ';');
    lines.push(...declareRegisters(nm.f, nm.b, loop.fregs, loop.bregs, indent));
    lines.push(`${indent}for (let ${nm.i} = 0; ${nm.i} < ${loop.trips}; ${nm.i}++) {`, ...body, `${indent}}`, ...after);
  };

  // Each unit is joined on its own, so its line strings die young instead of piling up.
  const parts: string[] = ['"use strict";'];
  s.intTables.forEach((t, k) => parts.push(`const T${k} = new Int32Array([${t.join(', ')}]);`));
  s.floatTables.forEach((t, k) => parts.push(`const F${k} = new Float64Array([${Array.from(t, jsLiteral).join(', ')}]);`));
  const lines: string[] = [];
  const f = g.outputs[0];
  const last = s.units.length - 1;
  // The last unit returns f when it is straight code that defines it (see schedule.ts).
  const returnsF = s.chunkOf[f] === last && s.units[last].kind === 'straight';
  s.units.forEach((unit, u) => {
    lines.length = 0;
    lines.push(`function c${u}(x, g, t) {`);
    if (unit.kind === 'straight') straightUnit(unit, u, lines); else renderLoop(unit, 0, lines, '');
    if (returnsF && u === last) lines.push(`return ${atom(f, u)};`);
    lines.push('}');
    parts.push(lines.join('\n'));
  });
  // After the last unit: gradients that are leaves, and f.
  const tail: string[] = s.units.map((_, u) => (returnsF && u === last ? `const f = c${u}(x, g, t);` : `c${u}(x, g, t);`));
  const end = s.units.length;
  for (let k = 1; k < g.outputs.length; k++) {
    const o = g.outputs[k];
    if (s.chunkOf[o] < 0) tail.push(`g[${k - 1}] = ${g.op[o] === INPUT ? `x[${g.a[o]}]` : atom(o, end)};`);
  }
  tail.push(`return ${returnsF ? 'f' : g.op[f] === INPUT ? `x[${g.a[f]}]` : atom(f, end)};`);
  parts.push(`return function run(x, g) { ${tail.join(' ')} };`);
  return {
    source: parts.join('\n'),
    nSpill: s.nSpill,
    chunks: s.units.length,
    loops: s.units.filter((u) => u.kind === 'loop').length,
    innerLoops: s.units.reduce((n, u) => n + (u.kind === 'loop' ? u.inner.length : 0), 0),
    instructions: emittedInstructions(s),
  };
}

export type RunFn = (x: Float64Array, g: Float64Array) => number;
export type JsFactory = (t: Float64Array) => RunFn;

/** Compile generated source into a factory; each call of the factory is an independent instance. */
export function compileFactory(source: string): JsFactory {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('t', source) as JsFactory;
}
