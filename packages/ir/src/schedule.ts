/**
 * The schedule every backend consumes: the live computing nodes of a graph as a linear
 * instruction stream, cut into units that each become one function:
 *  - straight units: at most `chunkSize` instructions, values in registers (per class, float
 *    and bool, reused by liveness);
 *  - loop units: `trips` copies of a body found by `reroll.ts`, the body's values in
 *    registers, values carried from one iteration to the next in carried variables.
 * Values read by a later unit live in memory, the buffer `t`: a straight unit's value in a
 * spill slot (reused once no later unit reads it), a loop body value in a tape column
 * (`t[base + i]` for iteration i); memory-layout.ts places them. Leaves are not instructions:
 * constants are literals and inputs are reads of the input array.
 *
 * Gradient outputs are written right after their defining instruction. Output 0 (the value
 * f) is returned by the last unit when it is straight code that defines f, and read from
 * memory after the last unit otherwise; outputs that are leaves are written at the end.
 */
import { BOOL, CONST, INPUT, argArray, type Graph } from './graph.js';
import { ARITY } from './ops.js';
import { finishLoop, type LoopUnit } from './loops.js';
import { nestLoop } from './nest.js';
import { planLoop, type LoopPlan } from './loop-plan.js';
import { layoutMemory, sharesColumns } from './memory-layout.js';
import { findRuns, fuseRuns, type Run } from './reroll.js';

export type { Addr } from './loop-plan.js';
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

/**
 * The gradient outputs (indices k >= 1, in order) each instruction writes. A node nearly
 * always writes none or one, so the first sits in a per-node array and only nodes that write
 * several keep a list: a Map with an array per output node took a tenth of the scheduling
 * time for a graph with 10^5 params.
 */
export class OutputsOf {
  constructor(private readonly first: Int32Array, private readonly more: ReadonlyMap<number, readonly number[]>) {}

  /** The output indices node `i` writes, or undefined when none. */
  get(i: number): readonly number[] | undefined {
    const k = this.first[i];
    return k === 0 ? undefined : this.more.get(i) ?? [k];
  }

  /** Output index `m` of those node `i` writes. */
  at(i: number, m: number): number {
    return m === 0 ? this.first[i] : this.more.get(i)![m];
  }
}

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
  readonly outputsOf: OutputsOf;
  /** Index tables of loop addresses (`Addr.table`). */
  readonly intTables: readonly Int32Array[];
  /** Per-iteration constants of loops (`consts` operands). */
  readonly floatTables: readonly Float64Array[];
}

/**
 * ASAP order: every node as early as its operands allow, except nodes that read only leaves,
 * which keep their place: a node goes right after the latest such "root" it depends on (its
 * anchor), and nodes behind the same root keep their order. Any topological order computes
 * the same values. Reads the live instructions in node order from `code` and writes them in
 * ASAP order to `asap`; `anchor` (n) and `count` (n + 1) are scratch. Linear: one pass for
 * the anchors and a stable counting sort by anchor.
 */
function asapOrder(g: Graph, code: Int32Array, asap: Int32Array, anchor: Int32Array, count: Int32Array): void {
  const { op, a: A, b: B, c: C } = g;
  const m = code.length;
  count.fill(0);
  for (let q = 0; q < m; q++) {
    const i = code[q];
    const ar = ARITY[op[i]];
    // Operands of a live instruction are live, so their anchors are set by now.
    let a = -1;
    let x = A[i];
    if (op[x] !== CONST && op[x] !== INPUT && anchor[x] > a) a = anchor[x];
    if (ar > 1) { x = B[i]; if (op[x] !== CONST && op[x] !== INPUT && anchor[x] > a) a = anchor[x]; }
    if (ar > 2) { x = C[i]; if (op[x] !== CONST && op[x] !== INPUT && anchor[x] > a) a = anchor[x]; }
    anchor[i] = a < 0 ? i : a;
    count[anchor[i] + 1]++;
  }
  for (let k = 1; k < count.length; k++) count[k] += count[k - 1];
  for (let q = 0; q < m; q++) asap[count[anchor[code[q]]]++] = code[q];
}

/**
 * The most values alive at once when the live instructions run in the order of `code`: what
 * must sit in registers or memory between a value's definition and its last read (outputs:
 * the end). Stops early with a width above `limit` once it is known to exceed it.
 * `lastUse` (n) is scratch.
 */
function liveWidth(g: Graph, code: Int32Array, lastUse: Int32Array, limit: number): number {
  const { op, a: A, b: B, c: C } = g;
  const m = code.length;
  lastUse.fill(-1);
  for (let q = 0; q < m; q++) {
    const i = code[q];
    const ar = ARITY[op[i]];
    lastUse[A[i]] = q;
    if (ar > 1) lastUse[B[i]] = q;
    if (ar > 2) lastUse[C[i]] = q;
  }
  for (let k = 0; k < g.outputs.length; k++) lastUse[g.outputs[k]] = m;
  const instr = (x: number): boolean => op[x] !== CONST && op[x] !== INPUT;
  let width = 0;
  for (let q = 0, cur = 0; q < m; q++) {
    const i = code[q];
    const ar = ARITY[op[i]];
    const x = A[i];
    const y = ar > 1 ? B[i] : -1;
    const z = ar > 2 ? C[i] : -1;
    // An operand read here for the last time dies here, once however often it is read.
    if (lastUse[x] === q && instr(x)) cur--;
    if (y >= 0 && lastUse[y] === q && y !== x && instr(y)) cur--;
    if (z >= 0 && lastUse[z] === q && z !== x && z !== y && instr(z)) cur--;
    if (lastUse[i] > q) cur++;
    if (cur > width) { width = cur; if (width > limit) break; }
  }
  return width;
}

/**
 * Consecutive views of `sizes` entries of one buffer. A scheduling needs a dozen per-node
 * arrays, and each large typed array counts as external memory: every ~64 MB of it can start
 * a full garbage collection, whose cost grows with the whole heap, the user's Value graph
 * included. With one array each, scheduling W1 n=10^6 (1.7 x 10^7 nodes) ran nine full
 * collections of 1-5 s; with one buffer for everything, one. The schedule's own arrays are
 * views of that buffer too, so the working part (about half of its 38 bytes per node) lives
 * as long as the schedule does.
 */
function carve<T extends Int32Array | Uint8Array>(buffer: T, sizes: readonly number[]): T[] {
  const out: T[] = [];
  let at = 0;
  for (const size of sizes) { out.push(buffer.subarray(at, at + size) as T); at += size; }
  return out;
}

/**
 * The order of instructions. A gradient graph lists its whole forward pass before the reverse
 * sweep, so every forward value a traced loop needs later waits in memory (a tape); ASAP
 * order runs each piece of the sweep right after the forward values it reads. That is a
 * win when it shrinks what is alive at once (Rosenbrock: one loop and no tape, 1.9x -> 1.1x
 * hand-written JS) and a loss when it does not (the MLP's weight gradients would wait for
 * the last sample instead), so 'auto' compares the two widths. Writes the live instructions
 * to `code`; `work` (2n + 1 + code.length) is scratch.
 */
function orderCode(g: Graph, live: Uint8Array, want: 'auto' | 'graph' | 'asap', code: Int32Array, work: Int32Array): void {
  const n = g.size;
  const { op } = g;
  for (let i = 0, p = 0; i < n; i++) if (live[i] && op[i] !== CONST && op[i] !== INPUT) code[p++] = i;
  if (want === 'graph') return;
  const [anchor, count, asap] = carve(work, [n, n + 1, code.length]);
  asapOrder(g, code, asap, anchor, count);
  const lastUse = anchor;
  if (want === 'asap') { code.set(asap); return; }
  const asapWidth = liveWidth(g, asap, lastUse, Infinity);
  if (liveWidth(g, code, lastUse, asapWidth) > asapWidth) code.set(asap);
}

export function scheduleGraph(g: Graph, options: ScheduleOptions = {}): Schedule {
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const n = g.size;
  // Every array in one buffer (see carve): the schedule's (code, reg, spill, chunkOf, the
  // first output of each node), then working ones: pos, `rest` (reused by successive steps),
  // and bytes (live, outCount).
  const ints = 9 * n + 1;
  const buffer = new ArrayBuffer(4 * ints + 2 * n);
  const [codeRoom, reg, spill, chunkOf, firstOutput, pos, rest] = carve(new Int32Array(buffer, 0, ints), [n, n, n, n, n, n, 3 * n + 1]);
  const [live, outCount] = carve(new Uint8Array(buffer, 4 * ints, 2 * n), [n, n]);
  const count = markLive(g, live);
  const code = codeRoom.subarray(0, count);
  orderCode(g, live, options.order ?? 'auto', code, rest);
  pos.fill(-1);
  for (let p = 0; p < count; p++) pos[code[p]] = p;
  const outputsOf = gradientOutputs(g, pos, outCount, firstOutput);
  // `live` is done with: its bytes serve as findRuns' taken flags, then as readInLoop.
  const flags = live;

  // Units: loops where the stream repeats, straight chunks in between.
  const reroll = options.reroll ?? 'auto';
  const rerollOptions = { minTrips: options.minTrips, minCover: options.minCover, maxPeriod: chunkSize };
  let runs: Run[] = [];
  if (reroll === true || (reroll === 'auto' && count > chunkSize)) {
    const [tok, before] = carve(rest, [count, count]);
    const found = findRuns(g, code, pos, outCount, rerollOptions, 0, count, { tok, taken: flags.fill(0).subarray(0, count) });
    runs = fuseRuns(g, code, pos, outCount, found, rerollOptions, before);
  }
  const intTables: Int32Array[] = [];
  const floatTables: Float64Array[] = [];
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
  chunkOf.fill(-1);
  drafts.forEach((d, u) => {
    const from = d.kind === 'straight' ? d.start : d.plan.start;
    const to = d.kind === 'straight' ? d.end : d.plan.start + d.plan.period * d.plan.trips;
    for (let p = from; p < to; p++) chunkOf[code[p]] = u;
  });

  const [lastLocal, lastChunk] = carve(rest, [n, n]);
  const readInLoop = flags;
  unitReads(g, code, drafts, chunkOf, lastLocal, lastChunk, readInLoop);
  reg.fill(-1);
  const regCount = drafts.map((d) => (d.kind === 'straight' ? straightRegisters(g, code, d.start, d.end, lastLocal, chunkOf, reg) : [0, 0]));
  const { columns, nSpill } = layoutMemory(code, pos, drafts, chunkOf, lastChunk, readInLoop, spill);
  const units: Unit[] = drafts.map((d, u) => {
    if (d.kind === 'straight') return { ...d, fregs: regCount[u][0], bregs: regCount[u][1] };
    return finishLoop(g, d.plan, columns[u].col, columns[u].last, columns[u].inner, spill, intTables);
  });
  return { graph: g, code, units, reg, spill, chunkOf, nSpill, outputsOf, intTables, floatTables };
}

/** A unit before registers and memory are placed. */
export type Draft = { kind: 'straight'; start: number; end: number } | { kind: 'loop'; plan: LoopPlan };

/** Marks the nodes the outputs depend on (the graph is topologically ordered); returns how many are instructions. */
function markLive(g: Graph, live: Uint8Array): number {
  const { op, a: A, b: B, c: C } = g;
  for (let k = 0; k < g.outputs.length; k++) live[g.outputs[k]] = 1;
  let count = 0;
  for (let i = g.size - 1; i >= 0; i--) {
    const o = op[i];
    if (!live[i] || o === CONST || o === INPUT) continue;
    count++;
    const ar = ARITY[o];
    live[A[i]] = 1;
    if (ar > 1) live[B[i]] = 1;
    if (ar > 2) live[C[i]] = 1;
  }
  return count;
}

/** The gradient outputs each instruction writes; `outCount` (zero) and `first` (zero) get filled. */
function gradientOutputs(g: Graph, pos: Int32Array, outCount: Uint8Array, first: Int32Array): OutputsOf {
  const several = new Map<number, number[]>();
  for (let k = 1; k < g.outputs.length; k++) {
    const o = g.outputs[k];
    if (pos[o] < 0) continue;
    if (outCount[o] === 0) first[o] = k;
    else if (outCount[o] === 1) several.set(o, [first[o], k]);
    else several.get(o)!.push(k);
    outCount[o] = Math.min(255, outCount[o] + 1);
  }
  return new OutputsOf(first, several);
}

/**
 * Reads: the last position a straight unit reads its own value (`lastLocal`), the last unit
 * reading a value from another unit (`lastChunk`; unit count for f when it is read after the
 * last unit), and loop values a later iteration of their own loop reads (`readInLoop`).
 */
function unitReads(g: Graph, code: Int32Array, drafts: readonly Draft[], chunkOf: Int32Array,
  lastLocal: Int32Array, lastChunk: Int32Array, readInLoop: Uint8Array): void {
  const { op, a: A, b: B, c: C } = g;
  lastLocal.fill(-1);
  lastChunk.fill(-1);
  readInLoop.fill(0);
  const crossRead = (x: number, u: number): void => {
    if (chunkOf[x] >= 0 && chunkOf[x] !== u && u > lastChunk[x]) lastChunk[x] = u;
  };
  const readAll = (nodes: Int32Array, u: number): void => {
    for (let r = 0; r < nodes.length; r++) {
      const x = nodes[r];
      if (chunkOf[x] === u) readInLoop[x] = 1; else crossRead(x, u);
    }
  };
  drafts.forEach((d, u) => {
    if (d.kind === 'straight') {
      for (let p = d.start; p < d.end; p++) {
        const i = code[p];
        const ar = ARITY[op[i]];
        for (let k = 0; k < ar; k++) {
          const x = k === 0 ? A[i] : k === 1 ? B[i] : C[i];
          if (chunkOf[x] === u) lastLocal[x] = p; else crossRead(x, u);
        }
      }
      return;
    }
    for (const ins of d.plan.body) {
      for (const a of ins.args) {
        if (a.kind === 'outer') crossRead(a.node, u);
        else if (a.kind === 'carried') crossRead(a.init, u);
        else if (a.kind === 'gather') readAll(a.nodes, u);
      }
    }
    // Inner loops read everything that is not their own through memory.
    for (const ip of d.plan.inner ?? []) {
      for (const ins of ip.body) {
        for (const a of ins.args) {
          if (a.kind === 'carried') readAll(a.inits, u);
          else if (a.kind === 'gather') readAll(a.nodes, u);
        }
      }
    }
  });
  // f is returned by the last unit when that unit is straight code defining it (kept live to
  // the end), else read from memory after the last unit.
  const nUnits = drafts.length;
  const f = g.outputs.length > 0 ? g.outputs[0] : -1;
  if (f >= 0 && chunkOf[f] === nUnits - 1 && drafts[nUnits - 1].kind === 'straight') lastLocal[f] = code.length;
  else if (f >= 0) crossRead(f, nUnits);
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

/** Loop units, and loops nested inside them. */
export function loopCounts(s: Schedule): { loops: number; innerLoops: number } {
  let loops = 0;
  let innerLoops = 0;
  for (const u of s.units) if (u.kind === 'loop') { loops++; innerLoops += u.inner.length; }
  return { loops, innerLoops };
}

/** Instructions the generated code contains: straight instructions plus one body per loop. */
export function emittedInstructions(s: Schedule): number {
  let total = 0;
  for (const u of s.units) {
    if (u.kind === 'straight') { total += u.end - u.start; continue; }
    total += u.body.length;
    for (const il of u.inner) total += il.period;
  }
  return total;
}
