/**
 * Memory layout: where the values that outlive their unit live in the buffer `t`.
 *  - Straight values that a later unit reads get spill slots, reused once the last reading
 *    unit is done (`straightSpills`).
 *  - Loop body values get a tape column `t[base + i]` when a later unit or iteration reads
 *    them, or one slot for the last iteration's value when only code after the loop does;
 *    inner loops get 2-D columns (`loopColumns`). Columns come after the spill slots and are
 *    not reused.
 *  - Values laid out in front of a column so that one affine address reads them all: a fusion
 *    prologue's copies (`sharesColumns`), and straight values that stand in for a column's
 *    first copies (leads, `columnLeads`).
 * Registers are placed by the schedule (straight units) and by finishLoop (loop bodies).
 */
import type { LoopPlan } from './loop-plan.js';
import type { Run } from './reroll.js';
import type { Draft } from './schedule.js';

/** Per loop unit: its tape columns, last-value slots and inner loops' columns (see loopColumns). */
export interface Columns { readonly col: Int32Array; readonly last: Int32Array; readonly inner: readonly Int32Array[] }

/**
 * Places every value that a later unit or a later iteration reads: fills `spill` (per node,
 * its slot in `t`, or -1) and returns each unit's columns and the slots used. `lastChunk` and
 * `readInLoop` say who reads what (see unitReads in schedule.ts).
 */
export function layoutMemory(code: Int32Array, pos: Int32Array, drafts: readonly Draft[], chunkOf: Int32Array,
  lastChunk: Int32Array, readInLoop: Uint8Array, spill: Int32Array): { columns: Columns[]; nSpill: number } {
  spill.fill(-1);
  const leads = columnLeads(pos, drafts, chunkOf);
  // Straight slots first: the columns are laid out after them.
  const nStraight = straightSpills(code, drafts, lastChunk, spill, leads.pinned);
  return loopColumns(code, drafts, lastChunk, readInLoop, spill, leads, nStraight);
}

/**
 * Straight values that a loop operand reads where a column's earlier copies would be. An
 * operand that reads copy c0 + i of body instruction j of some loop (its own: a value from d
 * copies back, c0 = -d; or an earlier loop's, read forwards or backwards) reads, in the
 * iterations where that copy index is negative, values from before that loop: the straight
 * code that computed the first copies. Placed right in front of j's column, they make the
 * operand one affine address, `t[column + c0 + i]`; in spill slots of their own, it needs an
 * index table with an entry per iteration. Outer loop bodies only, and each straight value
 * has one slot, so a value two operands want in different places is left where it was.
 */
interface Leads {
  /** Per unit: body instruction -> the straight nodes for copies -L .. -1 of its column (-1: none). */
  readonly of: readonly Map<number, Int32Array>[];
  /** Every node of some lead: it gets its slot with the column, not from straightSpills. */
  readonly pinned: ReadonlySet<number>;
}

function columnLeads(pos: Int32Array, drafts: readonly Draft[], chunkOf: Int32Array): Leads {
  const pinned = new Set<number>();
  const of = drafts.map(() => new Map<number, Int32Array>());
  const jAt = drafts.map((d) => (d.kind === 'loop' ? new Map(d.plan.body.map((ins, j) => [ins.at, j])) : null));
  const loopOf = (x: number): LoopPlan | undefined => {
    const d = drafts[chunkOf[x]];
    return d !== undefined && d.kind === 'loop' ? d.plan : undefined;
  };
  for (const d of drafts) {
    if (d.kind !== 'loop') continue;
    for (const ins of d.plan.body) {
      for (const a of ins.args) if (a.kind === 'gather') addLead(a.nodes);
    }
  }
  return { of, pinned };

  function addLead(nodes: Int32Array): void {
    // The first two entries from one loop give the copy index over i: c0 + step * i.
    let r0 = 0;
    while (r0 < nodes.length && loopOf(nodes[r0]) === undefined) r0++;
    let r1 = r0 + 1;
    while (r1 < nodes.length && loopOf(nodes[r1]) === undefined) r1++;
    if (r1 >= nodes.length) return;
    const m = chunkOf[nodes[r0]];
    const plan = loopOf(nodes[r0])!;
    // A fusion prologue's copies already sit in front of the columns of the loop after it.
    if (plan.prologue !== undefined) return;
    const copy = (x: number): number => Math.floor((pos[x] - plan.start) / plan.period);
    const w = pos[nodes[r0]] - plan.start - copy(nodes[r0]) * plan.period;
    const j = jAt[m]!.get(w);
    const step = (copy(nodes[r1]) - copy(nodes[r0])) / (r1 - r0);
    if (j === undefined || (step !== 1 && step !== -1)) return;
    const c0 = copy(nodes[r0]) - step * r0;
    let len = of[m].get(j)?.length ?? 0;
    for (let r = 0; r < nodes.length; r++) {
      const x = nodes[r];
      const c = c0 + step * r;
      if (chunkOf[x] === m) {
        if (pos[x] !== plan.start + c * plan.period + w) return;
      } else if (c >= 0 || chunkOf[x] < 0 || drafts[chunkOf[x]].kind !== 'straight') {
        return;
      } else {
        len = Math.max(len, -c);
      }
    }
    const old = of[m].get(j);
    const lead = new Int32Array(len).fill(-1);
    if (old !== undefined) lead.set(old, len - old.length);
    const added: number[] = [];
    for (let r = 0; r < nodes.length; r++) {
      const x = nodes[r];
      const k = len + c0 + step * r;
      if (chunkOf[x] === m || lead[k] === x) continue;
      if (lead[k] !== -1 || pinned.has(x) || added.includes(x)) return;
      lead[k] = x;
      added.push(x);
    }
    for (const x of added) pinned.add(x);
    of[m].set(j, lead);
  }
}

/** Spill slots for straight values that later units read, reused after their last reading unit. Returns the slots used. */
function straightSpills(code: Int32Array, drafts: readonly Draft[], lastChunk: Int32Array, spill: Int32Array,
  pinned: ReadonlySet<number>): number {
  const releaseAt: number[][] = Array.from({ length: drafts.length + 2 }, () => []);
  const freeSlots: number[] = [];
  let nSpill = 0;
  drafts.forEach((d, u) => {
    for (const s of releaseAt[u]) freeSlots.push(s);
    if (d.kind !== 'straight') return;
    for (let p = d.start; p < d.end; p++) {
      const i = code[p];
      if (lastChunk[i] < 0 || pinned.has(i)) continue;
      spill[i] = freeSlots.length > 0 ? freeSlots.pop()! : nSpill++;
      releaseAt[lastChunk[i] + 1].push(spill[i]);
    }
  });
  return nSpill;
}

/**
 * Memory of loop values, after the `nSpill` straight slots: a tape column per body
 * instruction that a later unit or iteration reads. A body value read only after the loop,
 * in its last iteration's copy, gets one slot. A fusion prologue shares its columns with the
 * fused loop after it (whose body contains the prologue's body at offset `prologue`), so
 * readers of the whole column see one affine range; so do straight values a later iteration's
 * copy stands in for (`leads`, see columnLeads). Columns are not reused.
 */
function loopColumns(code: Int32Array, drafts: readonly Draft[], lastChunk: Int32Array, readInLoop: Uint8Array,
  spill: Int32Array, leads: Leads, nSpill: number): { columns: Columns[]; nSpill: number } {
  const needs = (i: number): boolean => lastChunk[i] >= 0 || readInLoop[i] === 1;
  const columns: Columns[] = drafts.map(() => ({ col: new Int32Array(0), last: new Int32Array(0), inner: [] }));
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
        const straightLead = shared ? undefined : leads.of[u].get(j);
        const lead = shared ? pre.trips : straightLead?.length ?? 0;
        if (shared) { preCol[pj] = nSpill; for (let r = 0; r < lead; r++) spill[preAt(r, pj)] = nSpill + r; }
        for (let r = 0; r < lead && straightLead !== undefined; r++) if (straightLead[r] >= 0) spill[straightLead[r]] = nSpill + r;
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
  // A lead whose column was not laid out as planned still needs its slots.
  for (const x of leads.pinned) if (spill[x] < 0) spill[x] = nSpill++;
  return { columns, nSpill };
}

/** A fusion prologue and the fused loop right after it: they share tape columns. */
export function sharesColumns(pre: Run | undefined, run: Run | undefined): boolean {
  return pre !== undefined && run !== undefined && pre.prologue !== undefined && run.prologue === undefined
    && pre.start + pre.period * pre.trips === run.start;
}
