/**
 * The loop form backends render, and how plans become it once the schedule has placed every
 * value in memory: gathers become addresses (affine or through an index table), carried
 * initial values become addresses, body values get registers (per class, reused by
 * liveness, as in straight code), and stored values get their tape columns.
 */
import { BOOL, type Graph } from './graph.js';
import type { InnerOperand, InnerPlan } from './nest.js';
import { addrOf, type Addr, type LoopPlan, type PlanOperand } from './loop-plan.js';

/** How a loop body instruction reads an operand, once the schedule has placed every value. */
export type LoopOperand =
  | Exclude<PlanOperand, { kind: 'gather' } | { kind: 'carried' }>
  /** Carried variable `c` of the loop. */
  | { readonly kind: 'carried'; readonly c: number }
  /** `t[addr]`. */
  | { readonly kind: 'mem'; readonly addr: Addr };

export interface LoopInstr {
  readonly op: number;
  readonly dtype: number;
  /** Offset of the instruction within one copy of the body (in the schedule's code). */
  readonly at: number;
  readonly reg: number;
  readonly args: readonly LoopOperand[];
  /** Where each iteration stores this value (a tape column) when a later unit or iteration reads it. */
  readonly store: Addr | null;
  /** Slot that gets the last iteration's value when only code after the loop reads it, else -1. */
  readonly storeLast: number;
  /** Gradient slots written with this value: `g[addr]`. */
  readonly outputs: readonly Addr[];
}

export interface Carried {
  /** Body instruction whose value the next iteration reads. */
  readonly j: number;
  /** Where the first iteration's value is read from: a node defined before the loop, in memory. */
  readonly init: Addr;
  readonly dtype: number;
}

/** A loop inside a loop body: counter q, its addresses over (q, the outer counter). */
export interface InnerLoop {
  /** It runs before outer body instruction `before` (the body's length: after all of them). */
  readonly before: number;
  /** Offset of its first instruction within one outer copy. */
  readonly offset: number;
  readonly period: number;
  readonly trips: number;
  readonly body: readonly LoopInstr[];
  readonly carried: readonly Carried[];
  readonly fregs: number;
  readonly bregs: number;
}

export interface LoopUnit {
  readonly kind: 'loop';
  /** Code positions [start, start + period * trips). */
  readonly start: number;
  readonly period: number;
  readonly trips: number;
  /** The body's instructions outside inner loops, in order. */
  readonly body: readonly LoopInstr[];
  readonly inner: readonly InnerLoop[];
  readonly carried: readonly Carried[];
  readonly fregs: number;
  readonly bregs: number;
}

const none: Addr = { base: 0, stride: 0, outer: 0, table: -1 };

/** Registers for a body: each value freed after its last local read; `lastRead` = length keeps it to the end. */
function bodyRegisters(dtypes: readonly number[], args: readonly (readonly LoopOperand[])[], lastRead: Int32Array):
  { reg: Int32Array; fregs: number; bregs: number } {
  const reg = new Int32Array(dtypes.length);
  const free: number[][] = [[], []];
  const used = [0, 0];
  const dying: number[] = [];
  for (let j = 0; j < dtypes.length; j++) {
    dying.length = 0;
    for (const a of args[j]) if (a.kind === 'local' && lastRead[a.j] === j && !dying.includes(a.j)) dying.push(a.j);
    for (const m of dying) free[dtypes[m] === BOOL ? 1 : 0].push(reg[m]);
    const cls = dtypes[j] === BOOL ? 1 : 0;
    reg[j] = free[cls].length > 0 ? free[cls].pop()! : used[cls]++;
    if (lastRead[j] < 0) free[cls].push(reg[j]);
  }
  return { reg, fregs: used[0], bregs: used[1] };
}

/** Carried variables, one per (source, initial value), kept live to the end of the body. */
function carriedVars(): { carried: Carried[]; find(key: string, make: () => Carried): number } {
  const carried: Carried[] = [];
  const keys = new Map<string, number>();
  return {
    carried,
    find(key, make) {
      let c = keys.get(key);
      if (c === undefined) { c = carried.length; carried.push(make()); keys.set(key, c); }
      return c;
    },
  };
}

/**
 * A loop plan against the placed values. `column[j]`/`last[j]`: tape column or final slot of
 * body instruction j (-1: none); `innerColumns[k][m]`: 2-D column of inner loop k's instruction m.
 */
export function finishLoop(g: Graph, plan: LoopPlan, column: Int32Array, last: Int32Array,
  innerColumns: readonly Int32Array[], spill: Int32Array, intTables: Int32Array[]): LoopUnit {
  const n = plan.body.length;
  const cv = carriedVars();
  const lastRead = new Int32Array(n).fill(-1);
  const args = plan.body.map((ins, j) => ins.args.map((a): LoopOperand => {
    switch (a.kind) {
      case 'local':
        lastRead[a.j] = Math.max(lastRead[a.j], j);
        return a;
      case 'carried': {
        lastRead[a.j] = n;   // copied into its carried variable at the end of the body
        const c = cv.find(`${a.j}:${a.init}`, () => ({ j: a.j, init: { ...none, base: spill[a.init] }, dtype: g.dtype[a.init] }));
        return { kind: 'carried', c };
      }
      case 'gather':
        return { kind: 'mem', addr: addrOf(Array.from(a.nodes, (x) => spill[x]), intTables) };
      default:
        return a;
    }
  }));
  const { reg, fregs, bregs } = bodyRegisters(plan.body.map((ins) => g.dtype[ins.node]), args, lastRead);
  const body = plan.body.map((ins, j): LoopInstr => ({
    op: g.op[ins.node], dtype: g.dtype[ins.node], at: ins.at, reg: reg[j], args: args[j],
    store: column[j] >= 0 ? { ...none, base: column[j], stride: 1 } : null, storeLast: last[j], outputs: ins.outputs,
  }));
  const inner = (plan.inner ?? []).map((ip, k) => finishInner(g, plan.trips, ip, innerColumns[k], spill, intTables));
  return { kind: 'loop', start: plan.start, period: plan.period, trips: plan.trips, body, inner, carried: cv.carried, fregs, bregs };
}

function finishInner(g: Graph, outerTrips: number, ip: InnerPlan, column: Int32Array, spill: Int32Array,
  intTables: Int32Array[]): InnerLoop {
  const n = ip.body.length;
  const cv = carriedVars();
  const lastRead = new Int32Array(n).fill(-1);
  const args = ip.body.map((ins, m) => ins.args.map((a: InnerOperand): LoopOperand => {
    switch (a.kind) {
      case 'local':
        lastRead[a.j] = Math.max(lastRead[a.j], m);
        return a;
      case 'carried': {
        lastRead[a.j] = n;
        const c = cv.find(`${a.j}:${a.inits.join(',')}`, () => ({
          j: a.j, dtype: g.dtype[a.inits[0]], init: addrOf(Array.from(a.inits, (x) => spill[x]), intTables, outerTrips),
        }));
        return { kind: 'carried', c };
      }
      case 'gather':
        return { kind: 'mem', addr: addrOf(Array.from(a.nodes, (x) => spill[x]), intTables, outerTrips) };
      default:
        return a;
    }
  }));
  const { reg, fregs, bregs } = bodyRegisters(ip.body.map((ins) => g.dtype[ins.node]), args, lastRead);
  const body = ip.body.map((ins, m): LoopInstr => ({
    op: g.op[ins.node], dtype: g.dtype[ins.node], at: ins.at, reg: reg[m], args: args[m],
    store: column[m] >= 0 ? { base: column[m], stride: 1, outer: ip.trips, table: -1 } : null, storeLast: -1, outputs: ins.outputs,
  }));
  return { before: ip.before, offset: ip.offset, period: ip.period, trips: ip.trips, body, carried: cv.carried, fregs, bregs };
}
