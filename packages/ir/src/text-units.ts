/**
 * Schedule units as C-like text, for the backends that print code (JS and C): the walk, the
 * registers, hoisting, carried variables and inner loops are the same in both languages, so
 * they live here once; a backend supplies a `TextSyntax` with its spelling of literals, ops,
 * declarations and memory. The wasm backend builds expressions instead and has its own walk.
 *
 * Names: straight units use registers r/b and input locals i; a loop at depth 0 has counter i
 * (enclosing counter o), registers r/b, carried k, hoisted h, loaded v; an inner loop q/i,
 * s/y, m, p, w. Memory: inputs `x`, the spill/tape buffer `t`, gradients `g`.
 */
import { BOOL, CONST, INPUT } from './graph.js';
import type { Carried, InnerLoop, LoopInstr, LoopOperand, LoopUnit } from './loops.js';
import { ARITY, OPS_BY_CODE } from './ops.js';
import type { Addr } from './loop-plan.js';
import type { Schedule, StraightUnit } from './schedule.js';

/** A declared local: its kind decides the type (`int` holds index table entries in C). */
export interface Decl { readonly kind: 'float' | 'bool' | 'int'; readonly name: string; readonly value: string }

export interface TextSyntax {
  /** A constant of the graph as an atom that evaluates to exactly that value. */
  literal(x: number): string;
  /** An op applied to atoms. */
  render(op: number, args: readonly string[]): string;
  /** Immutable locals, in order. */
  consts(decls: readonly Decl[], indent: string): string[];
  /** Mutable locals, in order. */
  vars(decls: readonly Decl[], indent: string): string[];
  /** The opening line of `for (counter = 0; counter < trips; counter++) {`. */
  loop(counter: string, trips: number): string;
  /** Names of index table k and constant table k. */
  intTable(k: number): string;
  floatTable(k: number): string;
  /** Booleans live in memory as 1 and 0: a read tests, a write converts. */
  fromMemory(read: string, bool: boolean): string;
  toMemory(reg: string, bool: boolean): string;
  /** The initial value of a register of each kind. */
  readonly zero: string;
  readonly no: string;
}

/** `base + stride * i + outer * o` as short text. */
export function affine(base: number, terms: readonly (readonly [number, string])[]): string {
  let out = base !== 0 ? String(base) : '';
  for (const [k, v] of terms) {
    if (k === 0) continue;
    const term = Math.abs(k) === 1 ? v : `${Math.abs(k)} * ${v}`;
    out = out === '' ? (k > 0 ? term : `-${term}`) : `${out} ${k > 0 ? '+' : '-'} ${term}`;
  }
  return out === '' ? '0' : out;
}

/** True when an address does not change with the loop counter: read it once, before the loop. */
const invariant = (a: Addr): boolean => a.table < 0 && a.stride === 0;

const names = (prefix: string, n: number, kind: 'float' | 'bool', value: string): Decl[] =>
  Array.from({ length: n }, (_, k) => ({ kind, name: `${prefix}${k}`, value }));

// Per loop depth: counter, enclosing counter, float and bool registers, carried, hoisted, loaded.
const NAMES = [
  { i: 'i', o: 'o', f: 'r', b: 'b', k: 'k', h: 'h', v: 'v' },
  { i: 'q', o: 'i', f: 's', b: 'y', k: 'm', h: 'p', v: 'w' },
] as const;

export interface UnitText {
  /** The body of unit u (indented by two spaces), without the function around it. */
  unit(u: number): string[];
  /** A value as an atom in unit u's code; u = units.length: after the last unit (from memory). */
  atom(x: number, u: number): string;
  /** Tables some unit read (emit only these: unused static data is a C warning). */
  readonly usedIntTables: ReadonlySet<number>;
  readonly usedFloatTables: ReadonlySet<number>;
}

export function unitText(s: Schedule, syntax: TextSyntax): UnitText {
  const g = s.graph;
  // Atoms are cached strings: a 10^6-node graph would otherwise make millions of copies.
  const lits = Array.from(g.consts, (x) => syntax.literal(x));
  const spills = Array.from({ length: s.nSpill }, (_, k) => `t[${k}]`);
  const memRead = (x: number): string => syntax.fromMemory(spills[s.spill[x]], g.dtype[x] === BOOL);
  const usedIntTables = new Set<number>();
  const usedFloatTables = new Set<number>();
  const intTable = (k: number): string => { usedIntTables.add(k); return syntax.intTable(k); };
  const index = (a: Addr, i: string, o: string): string => {
    const k = affine(a.base, [[a.stride, i], [a.outer, o]]);
    return a.table >= 0 ? `${intTable(a.table)}[${k}]` : k;
  };

  // Inputs a straight unit reads are copied into locals once: repeated bounds-checked x[k]
  // loads cost up to 1.4x in V8 (W1 n=100), since stores to g block load elimination.
  const inputStamp = new Int32Array(g.inputNames.length).fill(-1);
  const usedInputs: number[] = [];
  const atom = (x: number, u: number): string => {
    const op = g.op[x];
    if (op === CONST) return lits[g.a[x]];
    if (op === INPUT) {
      const k = g.a[x];
      if (u >= s.units.length) return `x[${k}]`;
      if (inputStamp[k] !== u) { inputStamp[k] = u; usedInputs.push(k); }
      return `i${k}`;
    }
    if (s.chunkOf[x] === u) return `${g.dtype[x] === BOOL ? 'b' : 'r'}${s.reg[x]}`;
    return memRead(x);
  };

  const straight = (unit: StraightUnit, u: number): string[] => {
    const lines = syntax.vars([...names('r', unit.fregs, 'float', syntax.zero), ...names('b', unit.bregs, 'bool', syntax.no)], '  ');
    usedInputs.length = 0;
    const declLine = lines.push('') - 1;   // filled with the inputs this unit reads, once known
    const args: string[] = [];
    for (let p = unit.start; p < unit.end; p++) {
      const i = s.code[p];
      const op = g.op[i];
      args.length = ARITY[op];
      for (let k = 0; k < args.length; k++) args[k] = atom(k === 0 ? g.a[i] : k === 1 ? g.b[i] : g.c[i], u);
      const bool = g.dtype[i] === BOOL;
      const r = `${bool ? 'b' : 'r'}${s.reg[i]}`;
      let line = `  ${r} = ${syntax.render(op, args)};`;
      if (s.spill[i] >= 0) line += ` ${spills[s.spill[i]]} = ${syntax.toMemory(r, bool)};`;
      const outs = s.outputsOf.get(i);
      if (outs !== undefined) for (const k of outs) line += ` g[${k - 1}] = ${r};`;
      lines.push(line);
    }
    const inputs = syntax.consts(usedInputs.map((k): Decl => ({ kind: 'float', name: `i${k}`, value: `x[${k}]` })), '  ');
    lines.splice(declLine, 1, ...inputs);
    return lines;
  };

  /**
   * A loop at depth 0 (counter i) or an inner loop at depth 1 (counter q, inside the outer
   * body, which still sees i). Each depth has its own names, so an inner loop never touches
   * the outer body's registers.
   */
  const loop = (l: LoopUnit | InnerLoop, depth: 0 | 1, lines: string[], indent: string): void => {
    const nm = NAMES[depth];
    const hoisted: Decl[] = [];
    const hoistedName = new Map<string, string>();
    // Values that are the same in every iteration are read once, before the loop.
    const hoist = (value: string, kind: Decl['kind']): string => {
      let name = hoistedName.get(value);
      if (name === undefined) {
        name = `${nm.h}${hoistedName.size}`;
        hoistedName.set(value, name);
        hoisted.push({ kind, name, value });
      }
      return name;
    };
    // A split address reads its table once per outer iteration, before this loop.
    const at = (a: Addr): string => {
      if (!(a.table >= 0 && a.split === true)) return index(a, nm.i, nm.o);
      const head = hoist(`${intTable(a.table)}[${affine(0, [[a.outer, nm.o]])}]`, 'int');
      const rest = affine(a.base, [[a.stride, nm.i]]);
      return rest === '0' ? head : `${head} + ${rest}`;
    };
    const reg = (j: number): string => {
      const ins: LoopInstr = l.body[j];
      return `${ins.dtype === BOOL ? nm.b : nm.f}${ins.reg}`;
    };
    const operand = (a: LoopOperand, bool: boolean): string => {
      switch (a.kind) {
        case 'const': return syntax.literal(a.value);
        case 'consts': usedFloatTables.add(a.table); return `${syntax.floatTable(a.table)}[${at(a.index)}]`;
        case 'input': return invariant(a.addr) ? hoist(`x[${at(a.addr)}]`, 'float') : `x[${at(a.addr)}]`;
        case 'local': return reg(a.j);
        case 'carried': return `${nm.k}${a.c}`;
        case 'outer': return hoist(memRead(a.node), g.dtype[a.node] === BOOL ? 'bool' : 'float');
        case 'mem': return syntax.fromMemory(invariant(a.addr) ? hoist(`t[${at(a.addr)}]`, 'float') : `t[${at(a.addr)}]`, bool);
      }
    };
    const body: string[] = [];
    const after: string[] = [];
    // An address read twice in an iteration is loaded once: stores to g and t keep V8 from
    // reusing the first load itself (they might alias).
    const uses = new Map<string, number>();
    const exprs = l.body.map((ins) => ins.args.map((a, k) => {
      const e = operand(a, OPS_BY_CODE[ins.op].args[k] === 'bool');
      if (e.endsWith(']')) uses.set(e, (uses.get(e) ?? 0) + 1);
      return e;
    }));
    const loaded = new Map<string, string>();
    const inner = 'inner' in l ? l.inner : [];
    const innerBefore = (j: number): void => {
      for (const il of inner) {
        if (il.before !== j) continue;
        body.push(`${indent}  {`);   // its own block: every inner loop declares the same names
        loop(il, 1, body, indent + '    ');
        body.push(`${indent}  }`);
      }
    };
    l.body.forEach((ins, j) => {
      innerBefore(j);
      const r = reg(j);
      const args = exprs[j].map((e) => {
        if ((uses.get(e) ?? 0) < 2) return e;
        let name = loaded.get(e);
        if (name === undefined) {
          name = `${nm.v}${loaded.size}`;
          loaded.set(e, name);
          body.push(...syntax.consts([{ kind: 'float', name, value: e }], `${indent}  `));
        }
        return name;
      });
      let line = `${r} = ${syntax.render(ins.op, args)};`;
      const bool = ins.dtype === BOOL;
      const stored = syntax.toMemory(r, bool);
      if (ins.store !== null) line += ` t[${at(ins.store)}] = ${stored};`;
      // A final value is in its carried variable after the loop; otherwise store every time.
      const c = ins.storeLast >= 0 ? l.carried.findIndex((v) => v.j === j) : -1;
      if (ins.storeLast >= 0 && c < 0) line += ` t[${ins.storeLast}] = ${stored};`;
      if (c >= 0) after.push(`${indent}t[${ins.storeLast}] = ${syntax.toMemory(`${nm.k}${c}`, bool)};`);
      for (const o of ins.outputs) line += ` g[${at(o)}] = ${r};`;
      body.push(`${indent}  ${line}`);
    });
    innerBefore(l.body.length);
    if (l.carried.length > 0) body.push(`${indent}  ` + l.carried.map((c, k) => `${nm.k}${k} = ${reg(c.j)};`).join(' '));
    // The first iteration's value: the init address at counter 0 (may hoist: read before the hoisted line).
    const initRead = (c: Carried): string => syntax.fromMemory(`t[${at({ ...c.init, stride: 0 })}]`, c.dtype === BOOL);
    const inits = l.carried.map((c, k): Decl => ({ kind: c.dtype === BOOL ? 'bool' : 'float', name: `${nm.k}${k}`, value: initRead(c) }));
    lines.push(...syntax.consts(hoisted, indent), ...syntax.vars(inits, indent));
    lines.push(...syntax.vars([...names(nm.f, l.fregs, 'float', syntax.zero), ...names(nm.b, l.bregs, 'bool', syntax.no)], indent));
    lines.push(`${indent}${syntax.loop(nm.i, l.trips)}`, ...body, `${indent}}`, ...after);
  };

  return {
    unit(u) {
      const unit = s.units[u];
      if (unit.kind === 'straight') return straight(unit, u);
      const lines: string[] = [];
      loop(unit, 0, lines, '  ');
      return lines;
    },
    atom,
    usedIntTables,
    usedFloatTables,
  };
}
