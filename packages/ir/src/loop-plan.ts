/**
 * The loop plan: how the body of a confirmed run (reroll.ts) reads each operand in every
 * iteration, before the schedule places values in memory. An operand is a constant (one, or a
 * table of them), an input at an address over the loop counter, a value of the same
 * iteration, the previous iteration's value (carried), one value from before the loop, or a
 * different earlier value per iteration (a gather, addressed once memory is placed).
 * Addresses are affine in the counters when they can be, else entries of an index table.
 */
import { CONST, INPUT, argArray, type Graph } from './graph.js';
import { ARITY } from './ops.js';
import type { InnerPlan } from './nest.js';
import type { Run } from './reroll.js';
import type { OutputsOf } from './schedule.js';

/**
 * An address in a loop with counter i (and, for a loop nested in another, the enclosing
 * loop's counter o): `base + stride * i + outer * o`, or that entry of index table `table`
 * when `table >= 0`.
 */
export interface Addr {
  readonly base: number;
  readonly stride: number;
  readonly outer: number;
  readonly table: number;
  /**
   * Set on an inner loop's address whose table only varies with the enclosing counter:
   * `tables[table][outer * o] + base + stride * i` (the table read is hoisted out of the loop).
   */
  readonly split?: boolean;
}

/** The address an `Addr` names at counters (i, o), given the index tables. */
export function addrAt(a: Addr, i: number, o: number, tables: readonly Int32Array[]): number {
  if (a.table >= 0 && a.split === true) return tables[a.table][a.outer * o] + a.base + a.stride * i;
  const k = a.base + a.stride * i + a.outer * o;
  return a.table >= 0 ? tables[a.table][k] : k;
}

/** How a loop body instruction reads one operand. */
export type PlanOperand =
  | { readonly kind: 'const'; readonly value: number }
  /** A different constant per iteration: `floatTables[table][index]`. */
  | { readonly kind: 'consts'; readonly table: number; readonly index: Addr }
  /** `x[addr]`. */
  | { readonly kind: 'input'; readonly addr: Addr }
  /** The value of body instruction `j` in this iteration. */
  | { readonly kind: 'local'; readonly j: number }
  /** Body instruction `j`'s value from the previous iteration; `init` (a node) before the first. */
  | { readonly kind: 'carried'; readonly j: number; readonly init: number }
  /** The same node, defined before the loop, in every iteration. */
  | { readonly kind: 'outer'; readonly node: number }
  /** A different earlier node per iteration, read from memory once the schedule places them. */
  | { readonly kind: 'gather'; readonly nodes: Int32Array };

export interface PlanInstr {
  /** Offset of the instruction within one copy of the body. */
  readonly at: number;
  /** The instruction of the first iteration (op and dtype are the body's). */
  readonly node: number;
  readonly args: readonly PlanOperand[];
  /** Per gradient output this instruction writes: the output index minus one, over i. */
  readonly outputs: readonly Addr[];
}

export interface LoopPlan extends Run {
  /** The body's instructions outside inner loops, in order. */
  readonly body: readonly PlanInstr[];
  /** Loops inside the body (nest.ts), in order. */
  readonly inner?: readonly InnerPlan[];
}

/**
 * The address of entry `o * trips + q` of `seq` over the loop counter q and the enclosing
 * counter o, with trips = seq.length / outerTrips (outerTrips 1: a loop that is not nested):
 * `base + stride * q + outer * o` when it fits; else a split address (a table over o plus
 * `stride * q`) when only the outer part is irregular, such as an outer iteration that reads
 * a peeled first iteration's values; else a table indexed `q + trips * o`.
 */
export function addrOf(seq: ArrayLike<number>, tables: Int32Array[], outerTrips = 1): Addr {
  const trips = seq.length / outerTrips;
  const base = seq[0];
  const stride = trips > 1 ? seq[1] - base : 0;
  const outer = outerTrips > 1 ? seq[trips] - base : 0;
  let affine = true;
  for (let o = 0; o < outerTrips && affine; o++) {
    for (let q = 0; q < trips && affine; q++) affine = seq[o * trips + q] === base + stride * q + outer * o;
  }
  if (affine) return { base, stride, outer, table: -1 };
  let split = outerTrips > 1;
  for (let o = 0; o < outerTrips && split; o++) {
    for (let q = 0; q < trips && split; q++) split = seq[o * trips + q] === seq[o * trips] + stride * q;
  }
  tables.push(split ? Int32Array.from({ length: outerTrips }, (_, o) => seq[o * trips]) : Int32Array.from(seq));
  return split ? { base: 0, stride, outer: 1, table: tables.length - 1, split: true }
    : { base: 0, stride: 1, outer: outerTrips > 1 ? trips : 0, table: tables.length - 1 };
}

/** Bitwise equality of doubles; every NaN equals every NaN. */
export const sameBits = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** One constant when every copy reads the same bits, else a table of them read at `index`. */
export function constOperand(values: Float64Array, floatTables: Float64Array[], index: Addr):
  Extract<PlanOperand, { kind: 'const' } | { kind: 'consts' }> {
  let same = true;
  for (let r = 1; r < values.length && same; r++) same = sameBits(values[r], values[0]);
  if (same) return { kind: 'const', value: values[0] };
  floatTables.push(Float64Array.from(values));
  return { kind: 'consts', table: floatTables.length - 1, index };
}

/** The body template of a confirmed run: how each instruction reads each operand. */
export function planLoop(g: Graph, code: Int32Array, pos: Int32Array, outputsOf: OutputsOf,
  run: Run, intTables: Int32Array[], floatTables: Float64Array[]): LoopPlan {
  const { start, period, trips } = run;
  const seq = new Float64Array(trips);
  const nodes = new Int32Array(trips);
  const body: PlanInstr[] = [];
  for (let j = 0; j < period; j++) {
    const t = code[start + j];
    const args: PlanOperand[] = [];
    for (let k = 0; k < ARITY[g.op[t]]; k++) args.push(planOperand(g, code, pos, run, j, argArray(g, k), nodes, seq, intTables, floatTables));
    const outputs: Addr[] = [];
    const outs = outputsOf.get(t);
    for (let m = 0; outs !== undefined && m < outs.length; m++) {
      for (let r = 0, p = start + j; r < trips; r++, p += period) seq[r] = outputsOf.at(code[p], m) - 1;
      outputs.push(addrOf(seq, intTables));
    }
    body.push({ at: j, node: t, args, outputs });
  }
  return { ...run, body };
}

/**
 * How body instruction j of a run reads its operand `arg` (an argument array of the graph).
 * `nodes` and `seq` (trips entries) are scratch. A function of its own, so that its loops over
 * the copies are compiled once for all operands instead of once per branch of one big loop.
 */
function planOperand(g: Graph, code: Int32Array, pos: Int32Array, run: Run, j: number, arg: Int32Array,
  nodes: Int32Array, seq: Float64Array, intTables: Int32Array[], floatTables: Float64Array[]): PlanOperand {
  const { start, period, trips } = run;
  const xt = arg[code[start + j]];
  const xo = g.op[xt];
  if (xo !== CONST && xo !== INPUT && pos[xt] >= start) return { kind: 'local', j: pos[xt] - start };
  // The operand in every copy (copy r's instruction j is at code[start + r * period + j]).
  for (let r = 0, p = start + j; r < trips; r++, p += period) nodes[r] = arg[code[p]];
  if (xo === CONST) {
    for (let r = 0; r < trips; r++) seq[r] = g.consts[g.a[nodes[r]]];
    return constOperand(seq, floatTables, { base: 0, stride: 1, outer: 0, table: -1 });
  }
  if (xo === INPUT) {
    for (let r = 0; r < trips; r++) seq[r] = g.a[nodes[r]];
    return { kind: 'input', addr: addrOf(seq, intTables) };
  }
  let invariant = true;
  for (let r = 1; r < trips && invariant; r++) invariant = nodes[r] === nodes[0];
  if (invariant) return { kind: 'outer', node: xt };
  // Carried: every later iteration reads the previous iteration's copy of one instruction.
  // The initial value must come from before the loop.
  let carried = trips > 1 && pos[nodes[0]] < start ? pos[nodes[1]] - start : -1;
  if (carried >= period) carried = -1;
  for (let r = 2, p = start + period + carried; r < trips && carried >= 0; r++, p += period) if (code[p] !== nodes[r]) carried = -1;
  return carried >= 0 ? { kind: 'carried', j: carried, init: nodes[0] } : { kind: 'gather', nodes: nodes.slice() };
}
