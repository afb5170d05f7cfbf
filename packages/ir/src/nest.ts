/**
 * Nested loops: inner loops inside a loop body (the MLP's samples x neurons). For a confirmed
 * outer loop, the runs of its first copy's body are found like any runs; an inner run is kept
 * when it is a run, with the same shape, in every outer copy. Its instructions leave the outer
 * body and become an inner loop over counter q, whose operands are addressed over (q, o) for
 * the outer counter o: `base + stride * q + outer * o`, or a table indexed that way.
 *
 * Inner loops exchange values with the rest of the outer body through memory only (the outer
 * body's values they read are stored in the outer loop's tape columns; their own values that
 * anything else reads go to 2-D columns `t[base + q + trips * o]`), so each level keeps its
 * own registers. The same instructions run in the same order as the flat body: bit-identical.
 */
import { CONST, INPUT, argArray, type Graph } from './graph.js';
import { ARITY } from './ops.js';
import type { OutputsOf } from './schedule.js';
import { addrOf, constOperand, type Addr, type LoopPlan, type PlanInstr, type PlanOperand } from './loop-plan.js';
import { findRuns, verifyRun, type RerollOptions } from './reroll.js';

/**
 * How an inner-loop instruction reads an operand, before memory is placed: as in a loop plan,
 * with addresses over (q, o), `gather` nodes indexed `o * trips + q`, and one carried initial
 * node per outer iteration. There is no `outer` kind: values fixed over q are gathers.
 */
export type InnerOperand =
  | Exclude<PlanOperand, { kind: 'carried' } | { kind: 'outer' }>
  | { readonly kind: 'carried'; readonly j: number; readonly inits: Int32Array };

export interface InnerInstr {
  /** Offset of the instruction within one inner copy. */
  readonly at: number;
  readonly node: number;
  readonly args: readonly InnerOperand[];
  readonly outputs: readonly Addr[];
}

export interface InnerPlan {
  /** Offset of the inner loop's first instruction within one outer copy. */
  readonly offset: number;
  /** It runs before outer body instruction `before` (the outer body's length: after all). */
  readonly before: number;
  readonly period: number;
  readonly trips: number;
  readonly body: readonly InnerInstr[];
}

/** The outer plan with inner loops found in its body, or the plan itself when there are none. */
export function nestLoop(g: Graph, code: Int32Array, pos: Int32Array, outCount: Uint8Array,
  outputsOf: OutputsOf, plan: LoopPlan, options: RerollOptions,
  intTables: Int32Array[], floatTables: Float64Array[]): LoopPlan {
  const { start, period: P, trips: T } = plan;
  const minCover = Math.max(1, options.minCover ?? 32);
  if (P < 2 * minCover || T < 2) return plan;
  const runs = findRuns(g, code, pos, outCount, { ...options, maxPeriod: Math.floor(P / 2) }, start, start + P)
    .filter((run) => {
      for (let o = 1; o < T; o++) if (verifyRun(g, code, pos, outCount, run.start + o * P, run.period, run.trips) !== run.trips) return false;
      return true;
    });
  if (runs.length === 0) return plan;

  const inInner = new Uint8Array(P);
  for (const run of runs) inInner.fill(1, run.start - start, run.start - start + run.period * run.trips);
  const index = new Int32Array(P).fill(-1);   // code offset -> outer body index
  let nOuter = 0;
  for (let j = 0; j < P; j++) if (!inInner[j]) index[j] = nOuter++;
  const perCopy = (f: (o: number) => number): Int32Array => Int32Array.from({ length: T }, (_, o) => f(o));

  // Outer instructions keep their operands, except reads of values now inside inner loops.
  const body: PlanInstr[] = [];
  for (let j = 0; j < P; j++) {
    if (inInner[j]) continue;
    const ins = plan.body[j];
    const args = ins.args.map((a): PlanOperand => {
      if (a.kind === 'local') {
        return inInner[a.j] ? { kind: 'gather', nodes: perCopy((o) => code[start + o * P + a.j]) } : { kind: 'local', j: index[a.j] };
      }
      if (a.kind === 'carried') {
        return inInner[a.j]
          ? { kind: 'gather', nodes: perCopy((o) => (o === 0 ? a.init : code[start + (o - 1) * P + a.j])) }
          : { kind: 'carried', j: index[a.j], init: a.init };
      }
      return a;
    });
    body.push({ ...ins, at: j, args });
  }
  const inner = runs.map((run) => planInner(g, code, pos, outputsOf, plan, run.start - start, run.period, run.trips,
    index, intTables, floatTables));
  return { ...plan, body, inner };
}

function planInner(g: Graph, code: Int32Array, pos: Int32Array, outputsOf: OutputsOf,
  plan: LoopPlan, offset: number, period: number, trips: number, index: Int32Array,
  intTables: Int32Array[], floatTables: Float64Array[]): InnerPlan {
  const { start, period: P, trips: T } = plan;
  const copyStart = (o: number, q: number): number => start + o * P + offset + q * period;
  const at = (o: number, q: number, m: number): number => code[copyStart(o, q) + m];
  const n = T * trips;
  const seq = new Float64Array(n);
  const nodes = new Int32Array(n);
  const body: InnerInstr[] = [];
  for (let m = 0; m < period; m++) {
    const t = at(0, 0, m);
    const args: InnerOperand[] = [];
    for (let k = 0; k < ARITY[g.op[t]]; k++) {
      const arg = argArray(g, k);
      for (let o = 0; o < T; o++) for (let q = 0; q < trips; q++) nodes[o * trips + q] = arg[at(o, q, m)];
      const xt = arg[t];
      if (g.op[xt] === CONST) {
        for (let r = 0; r < n; r++) seq[r] = g.consts[g.a[nodes[r]]];
        args.push(constOperand(seq, floatTables, { base: 0, stride: 1, outer: trips, table: -1 }));
        continue;
      }
      if (g.op[xt] === INPUT) {
        for (let r = 0; r < n; r++) seq[r] = g.a[nodes[r]];
        args.push({ kind: 'input', addr: addrOf(seq, intTables, T) });
        continue;
      }
      if (pos[xt] >= copyStart(0, 0)) { args.push({ kind: 'local', j: pos[xt] - copyStart(0, 0) }); continue; }
      // Carried: each later q reads the previous q's copy of one instruction, in every outer copy.
      let carried = trips > 1 ? pos[nodes[1]] - copyStart(0, 0) : -1;
      if (carried >= period) carried = -1;
      for (let o = 0; o < T && carried >= 0; o++) {
        if (pos[nodes[o * trips]] >= copyStart(o, 0)) carried = -1;
        for (let q = 1; q < trips && carried >= 0; q++) if (nodes[o * trips + q] !== at(o, q - 1, carried)) carried = -1;
      }
      if (carried >= 0) args.push({ kind: 'carried', j: carried, inits: Int32Array.from({ length: T }, (_, o) => nodes[o * trips]) });
      else args.push({ kind: 'gather', nodes: nodes.slice() });
    }
    const outputs: Addr[] = [];
    const outs = outputsOf.get(t);
    for (let k = 0; outs !== undefined && k < outs.length; k++) {
      for (let o = 0; o < T; o++) for (let q = 0; q < trips; q++) seq[o * trips + q] = outputsOf.at(at(o, q, m), k) - 1;
      outputs.push(addrOf(seq, intTables, T));
    }
    body.push({ at: m, node: t, args, outputs });
  }
  let before = 0;
  for (let j = 0; j < offset; j++) if (index[j] >= 0) before++;
  return { offset, before, period, trips, body };
}
