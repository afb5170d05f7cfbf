/**
 * Schedule -> one self-contained C99 translation unit (and its header), firmware-ready: no
 * malloc, no mutable globals, reentrant, only <math.h>. The shape follows the schedule:
 *  - one static function per unit (kept out of line, so gcc never rebuilds the huge
 *    function that chunking avoided), registers as locals, loops as `for` loops;
 *  - values read by a later unit live in the caller's workspace `t` (NAME_WORKSPACE_SIZE
 *    values); `NAME` keeps it on the stack when it is small, `NAME_ws` takes it from the caller;
 *  - inputs are read from `inputs`, gradients written into `grad`, all three `restrict`.
 * No user string reaches the code: names appear only in an escaped comment.
 */
import {
  ARITY, BOOL, CONST, INPUT, OP_NAMES, OPS_BY_CODE, emittedInstructions,
  type Addr, type Carried, type ComputeOp, type InnerLoop, type LoopInstr, type LoopOperand, type LoopUnit, type Schedule, type StraightUnit,
} from '@adjoint/ir';
import { cLiteral, cRenders, cType, helperSource, type CRender, type Helper, type Precision } from './render.js';

export interface CGenOptions {
  /** The C identifier of the function (already validated). */
  readonly name: string;
  readonly precision: Precision;
  /** Largest workspace `NAME` puts on the stack, in bytes; bigger graphs offer only `NAME_ws`. */
  readonly maxStackBytes: number;
  /** Params among the inputs (the first nParams). */
  readonly nParams: number;
}

export interface CProgram {
  readonly source: string;
  readonly header: string;
  /** Values (doubles or floats) of the workspace `NAME_ws` needs. */
  readonly workspace: number;
  /** Whether the file defines `NAME` (stack workspace) besides `NAME_ws`. */
  readonly stackEntry: boolean;
  readonly functions: number;
  readonly loops: number;
  readonly innerLoops: number;
  readonly instructions: number;
}

/** A user string as comment text: printable ASCII only, with `*`, `/`, `?` and `\` escaped, so it can neither end the comment nor form a trigraph. */
export function commentText(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]|[*/?]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function affine(base: number, terms: readonly (readonly [number, string])[]): string {
  let out = base !== 0 ? String(base) : '';
  for (const [k, v] of terms) {
    if (k === 0) continue;
    const term = Math.abs(k) === 1 ? v : `${Math.abs(k)} * ${v}`;
    out = out === '' ? (k > 0 ? term : `-${term}`) : `${out} ${k > 0 ? '+' : '-'} ${term}`;
  }
  return out === '' ? '0' : out;
}

const invariant = (a: Addr): boolean => a.table < 0 && a.stride === 0;

export function generateC(s: Schedule, inputNames: readonly string[], opts: CGenOptions): CProgram {
  const g = s.graph;
  const N = opts.name;
  const ty = cType(opts.precision, `${N}_`);
  const T = ty.name;
  const table = cRenders(ty);
  const renders: readonly (CRender | null)[] = OP_NAMES.map((n) => (n === 'const' || n === 'input' ? null : table[n as ComputeOp]));
  const helpers = new Set<Helper>();
  const render = (op: number, args: readonly string[]): string => {
    const r = renders[op]!;
    if (r.helper !== undefined) helpers.add(r.helper);
    return r.text(...args.slice(0, ARITY[op]));
  };
  const lits = Array.from(g.consts, (x) => cLiteral(opts.precision === 'f32' ? Math.fround(x) : x, ty));
  const fromMemory = (read: string, bool: boolean): string => (bool ? `(${read} != 0)` : read);
  const toMemory = (reg: string, bool: boolean): string => (bool ? `(${T})${reg}` : reg);
  const memRead = (x: number): string => fromMemory(`t[${s.spill[x]}]`, g.dtype[x] === BOOL);
  // Tables are emitted only when some code reads them (unused static data is a warning).
  const usedInt = new Set<number>();
  const usedFloat = new Set<number>();
  const intTable = (k: number): string => { usedInt.add(k); return `${N}_T${k}`; };
  const index = (a: Addr, i: string, o: string): string => {
    const k = affine(a.base, [[a.stride, i], [a.outer, o]]);
    return a.table >= 0 ? `${intTable(a.table)}[${k}]` : k;
  };
  const declare = (type: string, names: readonly string[], init: string, indent: string): string[] =>
    (names.length === 0 ? [] : [`${indent}${type} ${names.map((n) => `${n} = ${init}`).join(', ')};`]);
  const regs = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, k) => `${prefix}${k}`);
  const params = `const ${T} *restrict x, ${T} *restrict g, ${T} *restrict t`;

  const atom = (x: number, u: number): string => {
    const op = g.op[x];
    if (op === CONST) return lits[g.a[x]];
    if (op === INPUT) return `x[${g.a[x]}]`;
    if (s.chunkOf[x] === u) return `${g.dtype[x] === BOOL ? 'b' : 'r'}${s.reg[x]}`;
    return memRead(x);
  };

  const straightUnit = (unit: StraightUnit, u: number, lines: string[]): void => {
    lines.push(...declare(T, regs('r', unit.fregs), ty.int(0), '  '), ...declare('int', regs('b', unit.bregs), '0', '  '));
    for (let p = unit.start; p < unit.end; p++) {
      const i = s.code[p];
      const op = g.op[i];
      const args = [0, 1, 2].slice(0, ARITY[op]).map((k) => atom(k === 0 ? g.a[i] : k === 1 ? g.b[i] : g.c[i], u));
      const bool = g.dtype[i] === BOOL;
      const r = `${bool ? 'b' : 'r'}${s.reg[i]}`;
      let line = `  ${r} = ${render(op, args)};`;
      if (s.spill[i] >= 0) line += ` t[${s.spill[i]}] = ${toMemory(r, bool)};`;
      for (const k of s.outputsOf.get(i) ?? []) line += ` g[${k - 1}] = ${r};`;
      lines.push(line);
    }
  };

  // Per loop depth: counter, enclosing counter, float/bool registers, carried, hoisted, loaded.
  const NAMES = [
    { i: 'i', o: 'o', f: 'r', b: 'b', k: 'k', h: 'h', v: 'v' },
    { i: 'q', o: 'i', f: 's', b: 'y', k: 'm', h: 'p', v: 'w' },
  ] as const;
  const renderLoop = (loop: LoopUnit | InnerLoop, depth: 0 | 1, lines: string[], indent: string): void => {
    const nm = NAMES[depth];
    const hoisted: string[] = [];
    const hoistedName = new Map<string, string>();
    // Values that are the same in every iteration are read once, before the loop.
    const hoist = (expr: string, type: string): string => {
      let name = hoistedName.get(expr);
      if (name === undefined) {
        name = `${nm.h}${hoistedName.size}`;
        hoistedName.set(expr, name);
        hoisted.push(`${indent}const ${type} ${name} = ${expr};`);
      }
      return name;
    };
    const at = (a: Addr): string => {
      if (!(a.table >= 0 && a.split === true)) return index(a, nm.i, nm.o);
      const head = hoist(`${intTable(a.table)}[${affine(0, [[a.outer, nm.o]])}]`, 'int');
      const rest = affine(a.base, [[a.stride, nm.i]]);
      return rest === '0' ? head : `${head} + ${rest}`;
    };
    const reg = (j: number): string => {
      const ins: LoopInstr = loop.body[j];
      return `${ins.dtype === BOOL ? nm.b : nm.f}${ins.reg}`;
    };
    const operand = (a: LoopOperand, bool: boolean): string => {
      switch (a.kind) {
        case 'const': return cLiteral(opts.precision === 'f32' ? Math.fround(a.value) : a.value, ty);
        case 'consts': usedFloat.add(a.table); return `${N}_F${a.table}[${at(a.index)}]`;
        case 'input': return invariant(a.addr) ? hoist(`x[${at(a.addr)}]`, T) : `x[${at(a.addr)}]`;
        case 'local': return reg(a.j);
        case 'carried': return `${nm.k}${a.c}`;
        case 'outer': return hoist(memRead(a.node), g.dtype[a.node] === BOOL ? 'int' : T);
        case 'mem': return fromMemory(invariant(a.addr) ? hoist(`t[${at(a.addr)}]`, T) : `t[${at(a.addr)}]`, bool);
      }
    };
    const body: string[] = [];
    const after: string[] = [];
    // An address read twice in an iteration is loaded once (as the JS backend does).
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
          body.push(`${indent}  const ${T} ${name} = ${e};`);
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
    const initRead = (c: Carried): string => fromMemory(`t[${at({ ...c.init, stride: 0 })}]`, c.dtype === BOOL);
    const inits = loop.carried.map((c, k) => `${indent}${c.dtype === BOOL ? 'int' : T} ${nm.k}${k} = ${initRead(c)};`);
    lines.push(...hoisted, ...inits);
    lines.push(...declare(T, regs(nm.f, loop.fregs), ty.int(0), indent), ...declare('int', regs(nm.b, loop.bregs), '0', indent));
    lines.push(`${indent}for (int ${nm.i} = 0; ${nm.i} < ${loop.trips}; ${nm.i}++) {`, ...body, `${indent}}`, ...after);
  };

  const f = g.outputs[0];
  const last = s.units.length - 1;
  const returnsF = s.chunkOf[f] === last && s.units[last].kind === 'straight';
  const units: string[] = [];
  s.units.forEach((unit, u) => {
    const lines: string[] = [];
    const returns = returnsF && u === last;
    lines.push(`static ${N}_NOINLINE ${returns ? T : 'void'} ${N}_u${u}(${params}) {`);
    lines.push('  (void)x; (void)g; (void)t;   /* not every unit reads all three */');
    if (unit.kind === 'straight') straightUnit(unit, u, lines); else renderLoop(unit, 0, lines, '  ');
    if (returns) lines.push(`  return ${atom(f, u)};`);
    lines.push('}');
    units.push(lines.join('\n'));
  });

  const nInputs = inputNames.length;
  const nParams = opts.nParams;
  const workspace = Math.max(1, s.nSpill);
  const bytes = workspace * (T === 'double' ? 8 : 4);
  const stackEntry = bytes <= opts.maxStackBytes;
  const tail: string[] = s.units.map((_, u) => (returnsF && u === last ? `  const ${T} f = ${N}_u${u}(x, g, t);` : `  ${N}_u${u}(x, g, t);`));
  for (let k = 1; k < g.outputs.length; k++) {
    const o = g.outputs[k];
    if (s.chunkOf[o] < 0) tail.push(`  g[${k - 1}] = ${atom(o, s.units.length)};`);
  }
  tail.push(`  return ${returnsF ? 'f' : atom(f, s.units.length)};`);

  const abi = [
    `/* ${N}: f and its gradient, generated by Adjoint (precision ${opts.precision}).`,
    ` *`,
    ` *   ${T} ${N}_ws(const ${T} *inputs, ${T} *grad, ${T} *workspace);`,
    ...(stackEntry ? [` *   ${T} ${N}(const ${T} *inputs, ${T} *grad);   (workspace on the stack: ${bytes} bytes)`]
      : [` *   (no ${N}(inputs, grad): its ${bytes}-byte workspace is too big for the stack; pass one to ${N}_ws)`]),
    ` *`,
    ` * Both return f and write df/dinputs[k] to grad[k] for the ${nParams} params. inputs holds`,
    ` * ${N}_N_INPUTS values, params first; workspace holds ${N}_WORKSPACE_SIZE values. The three`,
    ` * arrays must not overlap. No allocation, no global state: safe to call from several threads.`,
    ` *`,
    ...inputNames.map((n, k) => ` *   inputs[${k}] = ${commentText(n)}${k < nParams ? `  -> grad[${k}]` : ''}`),
    ` */`,
  ];
  const defines = [
    `#define ${N}_N_INPUTS ${nInputs}`,
    `#define ${N}_N_PARAMS ${nParams}`,
    `#define ${N}_WORKSPACE_SIZE ${workspace}`,
  ];
  const protos = [
    `${T} ${N}_ws(const ${T} *inputs, ${T} *grad, ${T} *workspace);`,
    ...(stackEntry ? [`${T} ${N}(const ${T} *inputs, ${T} *grad);`] : []),
  ];
  const tables: string[] = [];
  const rows = (xs: readonly string[]): string => xs.reduce((out, x, k) => out + (k % 16 === 0 ? '\n  ' : ' ') + x + (k + 1 < xs.length ? ',' : ''), '');
  s.intTables.forEach((t, k) => usedInt.has(k) && tables.push(`static const int ${N}_T${k}[${t.length}] = {${rows(Array.from(t, String))}\n};`));
  s.floatTables.forEach((t, k) => usedFloat.has(k) && tables.push(`static const ${T} ${N}_F${k}[${t.length}] = {${rows(Array.from(t, (v) => cLiteral(opts.precision === 'f32' ? Math.fround(v) : v, ty)))}\n};`));
  const source = [
    ...abi,
    '#include <math.h>',
    '',
    ...defines,
    '',
    '/* Each unit stays a function of its own: inlined into one, it would cost gcc minutes. */',
    '#if defined(__GNUC__)',
    `#define ${N}_NOINLINE __attribute__((noinline))`,
    '#else',
    `#define ${N}_NOINLINE`,
    '#endif',
    '',
    ...helperSource(ty, helpers),
    ...tables,
    ...units,
    '',
    `${T} ${N}_ws(const ${T} *restrict x, ${T} *restrict g, ${T} *restrict t) {`,
    ...tail,
    '}',
    ...(stackEntry ? ['', `${T} ${N}(const ${T} *inputs, ${T} *grad) {`, `  ${T} workspace[${N}_WORKSPACE_SIZE];`, `  return ${N}_ws(inputs, grad, workspace);`, '}'] : []),
    '',
  ].join('\n');
  const guard = `${N.toUpperCase()}_H`;
  const header = [...abi, `#ifndef ${guard}`, `#define ${guard}`, '', ...defines, '', ...protos, '', `#endif`, ''].join('\n');
  return {
    source,
    header,
    workspace,
    stackEntry,
    functions: s.units.length,
    loops: s.units.filter((u) => u.kind === 'loop').length,
    innerLoops: s.units.reduce((n, u) => n + (u.kind === 'loop' ? u.inner.length : 0), 0),
    instructions: emittedInstructions(s),
  };
}
