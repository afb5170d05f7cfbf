/**
 * A straight unit as one wasm function body: the schedule's registers are wasm locals (float
 * registers of the float type, bool registers i32), values from other units are read from
 * `t`, values later units read are stored to `t`, gradient outputs go to `grad` right after
 * their instruction. Inputs the unit reads are loaded into locals once, at its start.
 */
import { ARITY, AdjointError, BOOL, CONST, INPUT, argArray, type Schedule, type StraightUnit } from '@adjoint/ir';
import type { ExpressionRef } from './binaryen.js';
import type { Operand } from './render.js';
import type { Target } from './target.js';

/**
 * V8 rejects a function with more than 50,000 locals. Inputs get a local each only up to
 * this many per unit (beyond it they are loaded where used), so registers get the rest.
 */
const MAX_INPUT_LOCALS = 4096;
const MAX_LOCALS = 50_000;

/** A value of another unit (or f after the last unit), read from its slot in `t`. */
export function memoryRead(t: Target, s: Schedule, x: number): ExpressionRef {
  const slot = s.spill[x];
  if (slot < 0) throw new Error(`internal: %${x} is read from memory but has no slot`);
  return t.fromMemory(t.load(t.slot(t.layout.tape, slot)), s.graph.dtype[x] === BOOL);
}

/** Any node as it is read outside the unit that defines it: a literal, an input or a slot. */
export function leafOrMemory(t: Target, s: Schedule, x: number): ExpressionRef {
  const g = s.graph;
  if (g.op[x] === CONST) return t.constant(g.consts[g.a[x]]);
  if (g.op[x] === INPUT) return t.load(t.slot(t.layout.input, g.a[x]));
  return memoryRead(t, s, x);
}

/** The body of unit `u`; when `returnsF`, it ends with f's value (the function's result). */
export function straightBody(t: Target, s: Schedule, unit: StraightUnit, u: number, returnsF: boolean): ExpressionRef {
  const g = s.graph;
  const { m, fb, binaryen } = t;
  if (unit.fregs + unit.bregs > MAX_LOCALS - MAX_INPUT_LOCALS - 8) {
    throw new AdjointError('too-many-locals', `unit ${u} keeps ${unit.fregs + unit.bregs} values live at once, more locals than `
      + 'a wasm engine accepts in one function (50,000); schedule with a smaller chunkSize');
  }
  const fregs = Array.from({ length: unit.fregs }, () => fb.local(t.float));
  const bregs = Array.from({ length: unit.bregs }, () => fb.local(binaryen.i32));
  const inputLocal = new Map<number, number>();
  const inputLoads: ExpressionRef[] = [];
  const body: ExpressionRef[] = [];
  fb.stmts = body;

  const regOf = (x: number): number => (g.dtype[x] === BOOL ? bregs : fregs)[s.reg[x]];
  const operand = (x: number): Operand => {
    const op = g.op[x];
    if (op === CONST) return t.constOperand(g.consts[g.a[x]]);
    if (op === INPUT) {
      const k = g.a[x];
      let l = inputLocal.get(k);
      if (l === undefined && inputLocal.size >= MAX_INPUT_LOCALS) return { get: () => t.load(t.slot(t.layout.input, k)), cheap: false };
      if (l === undefined) {
        l = fb.local(t.float);
        inputLocal.set(k, l);
        inputLoads.push(m.local.set(l, t.load(t.slot(t.layout.input, k))));
      }
      return t.localOperand(l, t.float);
    }
    if (s.chunkOf[x] === u) {
      const bool = g.dtype[x] === BOOL;
      return t.localOperand(regOf(x), bool ? binaryen.i32 : t.float);
    }
    return { get: () => memoryRead(t, s, x), cheap: false };
  };

  const args: Operand[] = [];
  for (let p = unit.start; p < unit.end; p++) {
    const i = s.code[p];
    const op = g.op[i];
    args.length = ARITY[op];
    for (let k = 0; k < args.length; k++) args[k] = operand(argArray(g, k)[i]);
    const value = t.render(op, args);   // may first store an operand in a scratch local
    const r = regOf(i);
    const bool = g.dtype[i] === BOOL;
    const type = bool ? binaryen.i32 : t.float;
    const slot = s.spill[i];
    const outs = s.outputsOf.get(i);
    if (slot < 0 && outs === undefined) {
      body.push(m.local.set(r, value));
      continue;
    }
    // tee: the value goes to its register and, in the same expression, to memory.
    let first = true;
    const get = (): ExpressionRef => {
      if (!first) return m.local.get(r, type);
      first = false;
      return m.local.tee(r, value, type);
    };
    if (slot >= 0) body.push(t.store(t.slot(t.layout.tape, slot), t.toMemory(get(), bool)));
    if (outs !== undefined) for (const k of outs) body.push(t.store(t.slot(t.layout.grad, k - 1), get()));
  }
  if (returnsF) body.push(operand(g.outputs[0]).get());
  const all = inputLoads.length > 0 ? [...inputLoads, ...body] : body;
  return m.block(null, all, returnsF ? t.float : binaryen.none);
}
