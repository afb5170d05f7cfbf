/**
 * A loop unit (or an inner loop inside one) as a wasm `loop` over an i32 counter, mirroring
 * the JS backend's `renderLoop` construct for construct:
 *  - operands are read at `base + stride*i + outer*o` (scaled to bytes), through an index
 *    table, or for split addresses through a table entry read once per enclosing iteration;
 *  - values the same in every iteration (invariant reads, values from before the loop) are
 *    read once, into locals, before the loop;
 *  - carried values live in locals: read from their init address before the loop, updated at
 *    the end of each iteration, stored to their final slot after the loop;
 *  - a memory operand read twice in one iteration is loaded once;
 *  - inner loops run at their place in the outer body, with their own locals, reading the
 *    outer counter as `o`.
 * The loop runs `trips` >= 1 times, so it tests its condition at the bottom.
 */
import { BOOL, OPS_BY_CODE, type Addr, type Carried, type InnerLoop, type LoopInstr, type LoopOperand, type LoopUnit, type Schedule } from '@adjoint/ir';
import type { ExpressionRef, WasmType } from './binaryen.js';
import { memoryRead } from './straight.js';
import type { Operand } from './render.js';
import type { Access, Target, Term } from './target.js';

const addrKey = (a: Addr): string => `${a.base},${a.stride},${a.outer},${a.table},${a.split === true ? 1 : 0}`;

/** True when an address does not change with the loop counter: read it once, before the loop. */
const invariant = (a: Addr): boolean => a.table < 0 && a.stride === 0;

/** A loop's counters (locals) and its list of reads done once before it. */
interface Counters {
  readonly i: number;
  /** The enclosing loop's counter, or -1 at depth 0. */
  readonly o: number;
  hoist(key: string, type: WasmType, make: () => ExpressionRef): number;
}

/** Memory access of address `a` into the float array at byte offset `array`. */
function at(t: Target, c: Counters, a: Addr, array: number): Access {
  const { m, binaryen } = t;
  const { elem, shift } = t.layout;
  const counter = (l: number, coef: number): Term => {
    if (l < 0 && coef !== 0) throw new Error('internal: an address of a top-level loop uses an enclosing counter');
    return { coef, value: () => m.local.get(l, binaryen.i32) };
  };
  if (a.table >= 0 && a.split === true) {
    // tables[table][outer * o] + base + stride * i; the entry is read before the loop.
    const table = t.layout.intTables[a.table];
    const head = c.hoist(`T${a.table}:${a.outer}`, binaryen.i32, () => t.loadIndex(t.access(table, [counter(c.o, a.outer * 4)])));
    return t.access(array + a.base * elem, [{ coef: elem, value: () => m.local.get(head, binaryen.i32) }, counter(c.i, a.stride * elem)]);
  }
  if (a.table >= 0) {
    const table = t.layout.intTables[a.table];
    const entry = t.access(table + a.base * 4, [counter(c.i, a.stride * 4), counter(c.o, a.outer * 4)]);
    return { ptr: m.i32.shl(t.loadIndex(entry), m.i32.const(shift)), offset: array };
  }
  return t.access(array + a.base * elem, [counter(c.i, a.stride * elem), counter(c.o, a.outer * elem)]);
}

/** Appends to `out` the statements of `loop`; `outer` is the enclosing loop's counter or -1. */
export function emitLoop(t: Target, s: Schedule, loop: LoopUnit | InnerLoop, outer: number, out: ExpressionRef[]): void {
  const { m, fb, binaryen, layout } = t;
  const i32 = binaryen.i32;
  const typeOf = (dtype: number): WasmType => (dtype === BOOL ? i32 : t.float);
  const hoisted: ExpressionRef[] = [];
  const hoistedLocal = new Map<string, number>();
  const c: Counters = {
    i: fb.local(i32),
    o: outer,
    hoist: (key, type, make) => {
      let l = hoistedLocal.get(key);
      if (l === undefined) {
        l = fb.local(type);
        hoistedLocal.set(key, l);
        hoisted.push(m.local.set(l, make()));
      }
      return l;
    },
  };
  const fregs = Array.from({ length: loop.fregs }, () => fb.local(t.float));
  const bregs = Array.from({ length: loop.bregs }, () => fb.local(i32));
  const carried = loop.carried.map((v) => fb.local(typeOf(v.dtype)));
  const reg = (ins: LoopInstr): number => (ins.dtype === BOOL ? bregs : fregs)[ins.reg];

  /** An operand, and a key when it is a load another operand of this iteration may share. */
  const operand = (a: LoopOperand, bool: boolean): { op: Operand; key: string | null } => {
    const local = (l: number, type: WasmType) => ({ op: t.localOperand(l, type), key: null });
    const load = (key: string, access: () => Access) => ({ op: { get: () => t.load(access()), cheap: false }, key });
    switch (a.kind) {
      case 'const': return { op: t.constOperand(a.value), key: null };
      case 'consts': return load(`F${a.table}:${addrKey(a.index)}`, () => at(t, c, a.index, layout.floatTables[a.table]));
      case 'input':
        if (invariant(a.addr)) return local(c.hoist(`x:${addrKey(a.addr)}`, t.float, () => t.load(at(t, c, a.addr, layout.input))), t.float);
        return load(`x:${addrKey(a.addr)}`, () => at(t, c, a.addr, layout.input));
      case 'local': return local(reg(loop.body[a.j]), typeOf(loop.body[a.j].dtype));
      case 'carried': return local(carried[a.c], typeOf(loop.carried[a.c].dtype));
      case 'outer': return local(c.hoist(`o:${a.node}`, bool ? i32 : t.float, () => memoryRead(t, s, a.node)), bool ? i32 : t.float);
      case 'mem': {
        if (invariant(a.addr)) {
          const l = c.hoist(`t:${addrKey(a.addr)}`, t.float, () => t.load(at(t, c, a.addr, layout.tape)));
          return { op: { get: () => t.fromMemory(m.local.get(l, t.float), bool), cheap: !bool }, key: null };
        }
        if (bool) return { op: { get: () => t.fromMemory(t.load(at(t, c, a.addr, layout.tape)), true), cheap: false }, key: null };
        return load(`t:${addrKey(a.addr)}`, () => at(t, c, a.addr, layout.tape));
      }
    }
  };

  // Operands are made first (as the JS backend does), so hoisted reads are known before the body.
  const uses = new Map<string, number>();
  const operands = loop.body.map((ins) => ins.args.map((a, k) => {
    const o = operand(a, OPS_BY_CODE[ins.op].args[k] === 'bool');
    if (o.key !== null) uses.set(o.key, (uses.get(o.key) ?? 0) + 1);
    return o;
  }));
  const loaded = new Map<string, number>();
  const body: ExpressionRef[] = [];
  const after: ExpressionRef[] = [];
  const inner = 'inner' in loop ? loop.inner : [];
  const innerBefore = (j: number): void => {
    for (const il of inner) if (il.before === j) emitLoop(t, s, il, c.i, body);
  };
  const slot = (k: number): Access => t.slot(layout.tape, k);

  loop.body.forEach((ins, j) => {
    innerBefore(j);
    fb.stmts = body;
    const args = operands[j].map(({ op, key }): Operand => {
      if (key === null || (uses.get(key) ?? 0) < 2) return op;
      let l = loaded.get(key);
      if (l === undefined) {
        l = fb.local(t.float);
        loaded.set(key, l);
        body.push(m.local.set(l, op.get()));
      }
      return t.localOperand(l, t.float);
    });
    const value = t.render(ins.op, args);
    const r = reg(ins);
    const bool = ins.dtype === BOOL;
    body.push(m.local.set(r, value));
    const get = (): ExpressionRef => m.local.get(r, typeOf(ins.dtype));
    if (ins.store !== null) body.push(t.store(at(t, c, ins.store, layout.tape), t.toMemory(get(), bool)));
    // A final value is in its carried local after the loop; otherwise it is stored every time.
    const k = ins.storeLast >= 0 ? loop.carried.findIndex((v) => v.j === j) : -1;
    if (ins.storeLast >= 0 && k < 0) body.push(t.store(slot(ins.storeLast), t.toMemory(get(), bool)));
    if (k >= 0) after.push(t.store(slot(ins.storeLast), t.toMemory(m.local.get(carried[k], typeOf(ins.dtype)), bool)));
    for (const o of ins.outputs) body.push(t.store(at(t, c, o, layout.grad), get()));
  });
  innerBefore(loop.body.length);
  loop.carried.forEach((v, k) => body.push(m.local.set(carried[k], m.local.get(reg(loop.body[v.j]), typeOf(v.dtype)))));

  // The first iteration's carried values: each init address at counter 0 (may hoist a table read).
  const initRead = (v: Carried): ExpressionRef => t.fromMemory(t.load(at(t, c, { ...v.init, stride: 0 }, layout.tape)), v.dtype === BOOL);
  const inits = loop.carried.map((v, k) => m.local.set(carried[k], initRead(v)));
  const label = fb.label();
  const next = m.local.set(c.i, m.i32.add(m.local.get(c.i, i32), m.i32.const(1)));
  const again = m.br_if(label, m.i32.lt_s(m.local.get(c.i, i32), m.i32.const(loop.trips)));
  out.push(...hoisted, ...inits, m.local.set(c.i, m.i32.const(0)), m.loop(label, m.block(null, [...body, next, again])), ...after);
}
