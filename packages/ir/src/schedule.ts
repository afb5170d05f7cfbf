/**
 * The schedule every backend consumes: the live computing nodes of a graph as a linear
 * instruction stream, cut into units that each become one function:
 *  - straight units: at most `chunkSize` instructions, values in registers (per class, float
 *    and bool, reused by liveness);
 *  - loop units: `trips` copies of a body found by `reroll.ts`, the body's values in
 *    registers, values carried from one iteration to the next in carried variables.
 * Values read by a later unit live in memory, the buffer `t`: a straight unit's value in a
 * spill slot (reused once no later unit reads it), a loop body value in a tape column
 * (`t[base + i]` for iteration i). Leaves are not instructions: constants are literals and
 * inputs are reads of the input array.
 *
 * Gradient outputs are written right after their defining instruction. Output 0 (the value
 * f) is returned by the last unit when it is straight code that defines f, and read from
 * memory after the last unit otherwise; outputs that are leaves are written at the end.
 */
import { BOOL, CONST, INPUT, argArray, type Graph } from './graph.js';
import { ARITY } from './ops.js';
import { finishLoop, type LoopUnit } from './loops.js';
import { nestLoop } from './nest.js';
import { findRuns, fuseRuns, planLoop, type LoopPlan, type Run } from './reroll.js';

export type { Addr } from './reroll.js';
export type { LoopOperand, LoopInstr, Carried, InnerLoop, LoopUnit } from './loops.js';

export interface ScheduleOptions {
  /** Most instructions per straight unit. Keep functions under V8's optimization limit (~2,000 statements). */
  chunkSize?: number;
  /**
   * Turn repeated instruction sequences into loops. 'auto' (default) does it when the code
   * does not fit one unit: below that, straight-line code is as fast as a loop.
   */
  reroll?: boolean | 'auto';
  /** Fewest copies worth a loop (default 4). */
  minTrips?: number;
  /** Fewest instructions a loop must replace (default 32). */
  minCover?: number;
  /** Find loops inside loop bodies (default true). */
  nest?: boolean;
  /**
   * The instruction order: 'graph' (node order: a gradient graph's whole forward pass, then
   * its reverse sweep), 'asap' (each node right after what it reads: see asapOrder), or
   * 'auto' (default): 'asap' when it keeps fewer values alive at once.
   */
  order?: 'auto' | 'graph' | 'asap';
}

export const DEFAULT_CHUNK_SIZE = 1800;

export interface StraightUnit {
  readonly kind: 'straight';
  /** The unit runs code[start .. end). */
  readonly start: number;
  readonly end: number;
  /** Float and bool registers it needs. */
  readonly fregs: number;
  readonly bregs: number;
}

export type Unit = StraightUnit | LoopUnit;

export interface Schedule {
  readonly graph: Graph;
  /** Instruction node ids in execution order. */
  readonly code: Int32Array;
  readonly units: readonly Unit[];
  /** Per node of a straight unit: its register, or -1. */
  readonly reg: Int32Array;
  /** Per node: its slot in `t` if a later unit reads it, or -1. */
  readonly spill: Int32Array;
  /** Per node: the unit that defines it, or -1 for leaves and dead nodes. */
  readonly chunkOf: Int32Array;
  readonly nSpill: number;
  /** Per instruction that is a gradient output (k >= 1): its output indices. */
  readonly outputsOf: ReadonlyMap<number, readonly number[]>;
  /** Index tables of loop addresses (`Addr.table`). */
  readonly intTables: readonly Int32Array[];
  /** Per-iteration constants of loops (`consts` operands). */
  readonly floatTables: readonly Float64Array[];
}

/**
 * Every node as early as its operands allow, except nodes that read only leaves, which keep
 * their place: a node goes right after the latest such "root" it depends on, and nodes
 * behind the same root keep their order. Any topological order computes the same values.
 */
export function asapOrder(g: Graph): Int32Array {
  const n = g.size;
  const anchor = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let a = -1;
    if (g.op[i] !== CONST && g.op[i] !== INPUT) {
      for (let k = 0; k < ARITY[g.op[i]]; k++) {
        const x = argArray(g, k)[i];
        if (g.op[x] !== CONST && g.op[x] !== INPUT) a = Math.max(a, anchor[x]);
      }
    }
    anchor[i] = a < 0 ? i : a;
  }
  // Counting sort by anchor, stable.
  const count = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) count[anchor[i] + 1]++;
  for (let k = 1; k <= n; k++) count[k] += count[k - 1];
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[count[anchor[i]]++] = i;
  return order;
}

/**
 * The most values alive at once when the live instructions run in `order` (null: node order):
 * what must sit in registers or memory between their definition and last use.
 */
export function liveWidth(g: Graph, live: Uint8Array, order: Int32Array | null): number {
  const n = g.size;
  const at = new Int32Array(n).fill(-1);
  let p = 0;
  for (let k = 0; k < n; k++) {
    const i = order === null ? k : order[k];
    if (live[i] && g.op[i] !== CONST && g.op[i] !== INPUT) at[i] = p++;
  }
  const lastUse = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (at[i] < 0) continue;
    for (let k = 0; k < ARITY[g.op[i]]; k++) {
      const x = argArray(g, k)[i];
      if (at[x] >= 0 && at[i] > lastUse[x]) lastUse[x] = at[i];
    }
  }
  for (let k = 0; k < g.outputs.length; k++) if (at[g.outputs[k]] >= 0) lastUse[g.outputs[k]] = p;
  const delta = new Int32Array(p + 2);
  for (let i = 0; i < n; i++) {
    if (at[i] < 0 || lastUse[i] <= at[i]) continue;
    delta[at[i]]++;
    delta[lastUse[i]]--;
  }
  let width = 0;
  for (let q = 0, cur = 0; q <= p; q++) { cur += delta[q]; if (cur > width) width = cur; }
  return width;
}

/**
 * The order of instructions. A gradient graph lists its whole forward pass before the reverse
 * sweep, so every forward value a traced loop needs later waits in memory (a tape); ASAP
 * order runs each piece of the sweep right after the forward values it reads. That is a
 * win when it shrinks what is alive at once (Rosenbrock: one loop and no tape, 1.9x -> 1.1x
 * hand-written JS) and a loss when it does not (the MLP's weight gradients would wait for
 * the last sample instead), so 'auto' compares the two widths.
 */
function chooseOrder(g: Graph, live: Uint8Array, want: 'auto' | 'graph' | 'asap'): Int32Array | null {
  if (want === 'graph') return null;
  const asap = asapOrder(g);
  if (want === 'asap') return asap;
  return liveWidth(g, live, asap) < liveWidth(g, live, null) ? asap : null;
}

export function scheduleGraph(g: Graph, options: ScheduleOptions = {}): Schedule {
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const n = g.size;
  const isInstr = (i: number): boolean => g.op[i] !== CONST && g.op[i] !== INPUT;
  // Liveness from the outputs (the graph is topologically ordered).
  const live = new Uint8Array(n);
  for (let k = 0; k < g.outputs.length; k++) live[g.outputs[k]] = 1;
  for (let i = n - 1; i >= 0; i--) {
    if (!live[i] || !isInstr(i)) continue;
    for (let k = 0; k < ARITY[g.op[i]]; k++) live[argArray(g, k)[i]] = 1;
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (live[i] && isInstr(i)) count++;
  const code = new Int32Array(count);
  const pos = new Int32Array(n).fill(-1);
  const order = chooseOrder(g, live, options.order ?? 'auto');
  for (let k = 0, p = 0; k < n; k++) {
    const i = order === null ? k : order[k];
    if (live[i] && isInstr(i)) { code[p] = i; pos[i] = p++; }
  }

  const outputsOf = new Map<number, number[]>();
  const outCount = new Uint8Array(n);
  for (let k = 1; k < g.outputs.length; k++) {
    const o = g.outputs[k];
    if (pos[o] < 0) continue;
    const list = outputsOf.get(o);
    if (list) list.push(k); else outputsOf.set(o, [k]);
    outCount[o] = Math.min(255, outCount[o] + 1);
  }

  // Units: loops where the stream repeats, straight chunks in between.
  const reroll = options.reroll ?? 'auto';
  const rerollOptions = { minTrips: options.minTrips, minCover: options.minCover, maxPeriod: chunkSize };
  const runs = reroll === true || (reroll === 'auto' && count > chunkSize)
    ? fuseRuns(g, code, pos, outCount, findRuns(g, code, pos, outCount, rerollOptions), rerollOptions)
    : [];
  const intTables: Int32Array[] = [];
  const floatTables: Float64Array[] = [];
  type Draft = { kind: 'straight'; start: number; end: number } | { kind: 'loop'; plan: LoopPlan };
  const drafts: Draft[] = [];
  const straight = (from: number, to: number): void => {
    for (let p = from; p < to; p += chunkSize) drafts.push({ kind: 'straight', start: p, end: Math.min(to, p + chunkSize) });
  };
  // Loops that share tape columns with a fusion prologue are not nested (their columns are
  // laid out by body offset); every other loop may get inner loops.
  let at = 0;
  runs.forEach((run, k) => {
    straight(at, run.start);
    let plan = planLoop(g, code, pos, outputsOf, run, intTables, floatTables);
    if (options.nest !== false && run.prologue === undefined && !sharesColumns(runs[k - 1], run)) {
      plan = nestLoop(g, code, pos, outCount, outputsOf, plan, rerollOptions, intTables, floatTables);
    }
    drafts.push({ kind: 'loop', plan });
    at = run.start + run.period * run.trips;
  });
  straight(at, count);
  if (drafts.length === 0) drafts.push({ kind: 'straight', start: 0, end: 0 });
  const nUnits = drafts.length;
  const chunkOf = new Int32Array(n).fill(-1);
  drafts.forEach((d, u) => {
    const from = d.kind === 'straight' ? d.start : d.plan.start;
    const to = d.kind === 'straight' ? d.end : d.plan.start + d.plan.period * d.plan.trips;
    for (let p = from; p < to; p++) chunkOf[code[p]] = u;
  });

  // Reads: the last position a straight unit reads its own value, the last unit reading a
  // value from another unit, and loop values a later iteration of their own loop reads.
  const lastLocal = new Int32Array(n).fill(-1);
  const lastChunk = new Int32Array(n).fill(-1);
  const readInLoop = new Uint8Array(n);
  const crossRead = (x: number, u: number): void => {
    if (chunkOf[x] >= 0 && chunkOf[x] !== u && u > lastChunk[x]) lastChunk[x] = u;
  };
  drafts.forEach((d, u) => {
    if (d.kind === 'straight') {
      for (let p = d.start; p < d.end; p++) {
        const i = code[p];
        for (let k = 0; k < ARITY[g.op[i]]; k++) {
          const x = argArray(g, k)[i];
          if (chunkOf[x] === u) lastLocal[x] = p; else crossRead(x, u);
        }
      }
      return;
    }
    const read = (x: number): void => { if (chunkOf[x] === u) readInLoop[x] = 1; else crossRead(x, u); };
    for (const ins of d.plan.body) {
      for (const a of ins.args) {
        if (a.kind === 'outer') crossRead(a.node, u);
        else if (a.kind === 'carried') crossRead(a.init, u);
        else if (a.kind === 'gather') a.nodes.forEach(read);
      }
    }
    // Inner loops read everything that is not their own through memory.
    for (const ip of d.plan.inner ?? []) {
      for (const ins of ip.body) {
        for (const a of ins.args) {
          if (a.kind === 'carried') a.inits.forEach(read);
          else if (a.kind === 'gather') a.nodes.forEach(read);
        }
      }
    }
  });
  // f is returned by the last unit when that unit is straight code defining it (kept live to
  // the end), else read from memory after the last unit.
  const f = g.outputs.length > 0 ? g.outputs[0] : -1;
  if (f >= 0 && chunkOf[f] === nUnits - 1 && drafts[nUnits - 1].kind === 'straight') lastLocal[f] = count;
  else if (f >= 0) crossRead(f, nUnits);

  // Registers of straight units.
  const reg = new Int32Array(n).fill(-1);
  const regCount = drafts.map((d) => (d.kind === 'straight' ? straightRegisters(g, code, d.start, d.end, lastLocal, chunkOf, reg) : [0, 0]));

  // Memory: spill slots for straight values (reused after their last reading unit), then a
  // tape column per loop body instruction that some later unit or iteration reads.
  const spill = new Int32Array(n).fill(-1);
  const releaseAt: number[][] = Array.from({ length: nUnits + 2 }, () => []);
  const freeSlots: number[] = [];
  let nSpill = 0;
  drafts.forEach((d, u) => {
    for (const s of releaseAt[u]) freeSlots.push(s);
    if (d.kind !== 'straight') return;
    for (let p = d.start; p < d.end; p++) {
      const i = code[p];
      if (lastChunk[i] < 0) continue;
      spill[i] = freeSlots.length > 0 ? freeSlots.pop()! : nSpill++;
      releaseAt[lastChunk[i] + 1].push(spill[i]);
    }
  });
  // A body value read only after the loop, in its last iteration's copy, gets one slot. A
  // fusion prologue shares its columns with the fused loop after it (whose body contains the
  // prologue's body at offset `prologue`), so readers of the whole column see one affine range.
  const needs = (i: number): boolean => lastChunk[i] >= 0 || readInLoop[i] === 1;
  const columns = drafts.map(() => ({ col: new Int32Array(0), last: new Int32Array(0), inner: [] as Int32Array[] }));
  const planOf = (u: number): LoopPlan | undefined => {
    const d = drafts[u];
    return d !== undefined && d.kind === 'loop' ? d.plan : undefined;
  };
  const pairedWithNext = (u: number): boolean => sharesColumns(planOf(u), planOf(u + 1));
  drafts.forEach((d, u) => {
    if (d.kind !== 'loop' || pairedWithNext(u)) return;
    const { start, period, trips } = d.plan;
    const pre = u > 0 && pairedWithNext(u - 1) ? planOf(u - 1)! : null;
    const body = d.plan.body;
    const col = new Int32Array(body.length).fill(-1);
    const last = new Int32Array(body.length).fill(-1);
    const preCol = new Int32Array(pre?.period ?? 0).fill(-1);
    const preLast = new Int32Array(pre?.period ?? 0).fill(-1);
    const at = (r: number, j: number): number => code[start + r * period + body[j].at];
    const preAt = (r: number, j: number): number => code[pre!.start + r * pre!.period + j];
    for (let j = 0; j < body.length; j++) {
      let all = false;
      for (let r = 0; r < trips - 1 && !all; r++) all = needs(at(r, j));
      const pj = pre === null ? -1 : body[j].at - pre.prologue!;   // the same instruction in the prologue's body
      const shared = pre !== null && pj >= 0 && pj < pre.period;
      if (all) {
        const lead = shared ? pre.trips : 0;
        if (shared) { preCol[pj] = nSpill; for (let r = 0; r < lead; r++) spill[preAt(r, pj)] = nSpill + r; }
        col[j] = nSpill + lead;
        for (let r = 0; r < trips; r++) spill[at(r, j)] = nSpill + lead + r;
        nSpill += lead + trips;
        continue;
      }
      if (needs(at(trips - 1, j))) { last[j] = nSpill; spill[at(trips - 1, j)] = nSpill++; }
      if (!shared) continue;
      // The fused loop keeps no column here: the prologue gets its own, or its last slot.
      let preAll = false;
      for (let r = 0; r < pre.trips - 1 && !preAll; r++) preAll = needs(preAt(r, pj));
      if (preAll) {
        preCol[pj] = nSpill;
        for (let r = 0; r < pre.trips; r++) spill[preAt(r, pj)] = nSpill + r;
        nSpill += pre.trips;
      } else if (needs(preAt(pre.trips - 1, pj))) {
        preLast[pj] = nSpill;
        spill[preAt(pre.trips - 1, pj)] = nSpill++;
      }
    }
    // Inner loops: a 2-D column t[base + q + trips * o] for every instruction something else reads.
    const inner = (d.plan.inner ?? []).map((ip) => {
      const icol = new Int32Array(ip.period).fill(-1);
      const node = (o: number, q: number, m: number): number => code[start + o * period + ip.offset + q * ip.period + m];
      for (let m = 0; m < ip.period; m++) {
        let any = false;
        for (let o = 0; o < trips && !any; o++) for (let q = 0; q < ip.trips && !any; q++) any = needs(node(o, q, m));
        if (!any) continue;
        icol[m] = nSpill;
        for (let o = 0; o < trips; o++) for (let q = 0; q < ip.trips; q++) spill[node(o, q, m)] = nSpill + o * ip.trips + q;
        nSpill += trips * ip.trips;
      }
      return icol;
    });
    columns[u] = { col, last, inner };
    if (pre !== null) columns[u - 1] = { col: preCol, last: preLast, inner: [] };
  });

  const units: Unit[] = drafts.map((d, u) => {
    if (d.kind === 'straight') return { ...d, fregs: regCount[u][0], bregs: regCount[u][1] };
    return finishLoop(g, d.plan, columns[u].col, columns[u].last, columns[u].inner, spill, intTables);
  });
  return { graph: g, code, units, reg, spill, chunkOf, nSpill, outputsOf, intTables, floatTables };
}

/** A fusion prologue and the fused loop right after it: they share tape columns. */
function sharesColumns(pre: Run | undefined, run: Run | undefined): boolean {
  return pre !== undefined && run !== undefined && pre.prologue !== undefined && run.prologue === undefined
    && pre.start + pre.period * pre.trips === run.start;
}

/** Registers for code[start .. end), reused as soon as a value's last local read has passed. */
function straightRegisters(g: Graph, code: Int32Array, start: number, end: number, lastLocal: Int32Array,
  chunkOf: Int32Array, reg: Int32Array): [number, number] {
  const free: number[][] = [[], []];
  const used = [0, 0];
  const u = start < end ? chunkOf[code[start]] : -1;
  for (let p = start; p < end; p++) {
    const i = code[p];
    const ar = ARITY[g.op[i]];
    for (let k = 0; k < ar; k++) {
      const x = argArray(g, k)[i];
      // Free each operand once, after its last read.
      if (lastLocal[x] === p && chunkOf[x] === u && (k === 0 || x !== argArray(g, k - 1)[i]) && (k < 2 || x !== g.a[i])) {
        free[g.dtype[x] === BOOL ? 1 : 0].push(reg[x]);
      }
    }
    const cls = g.dtype[i] === BOOL ? 1 : 0;
    reg[i] = free[cls].length > 0 ? free[cls].pop()! : used[cls]++;
    if (lastLocal[i] < 0) free[cls].push(reg[i]);   // never read again in this unit
  }
  return [used[0], used[1]];
}

/** Instructions the generated code contains: straight instructions plus one body per loop. */
/** Loop units, and loops nested inside them. */
export function loopCounts(s: Schedule): { loops: number; innerLoops: number } {
  let loops = 0;
  let innerLoops = 0;
  for (const u of s.units) if (u.kind === 'loop') { loops++; innerLoops += u.inner.length; }
  return { loops, innerLoops };
}

export function emittedInstructions(s: Schedule): number {
  let total = 0;
  for (const u of s.units) {
    if (u.kind === 'straight') { total += u.end - u.start; continue; }
    total += u.body.length;
    for (const il of u.inner) total += il.period;
  }
  return total;
}
