/**
 * Structure recovery: find the loops a trace unrolled, in the schedule's instruction stream.
 *
 * A traced JS loop leaves n copies of one instruction sequence (its body) in the stream, each
 * copy reading its own inputs, earlier copies' results and values from before the loop. Here:
 *  1. Every instruction gets a token: a hash of its op, dtype and operand kinds (constant,
 *     input, or instruction with the operand's op and, when near, its distance). Copies of a
 *     body have equal token sequences.
 *  2. Candidate periods are the distances between equal tokens that cover the most code; for
 *     each, maximal stretches where tok[p] === tok[p + period] are proposals.
 *  3. Proposals are taken largest first and confirmed exactly by `verifyRun`: each copy must
 *     have the same ops and the same *local* dataflow (an operand defined in the same copy is
 *     defined at the same body offset). Any other operand is legal: it is a constant, an input,
 *     or a value from before this copy, which the loop reads from a register (loop-invariant),
 *     a carried variable (the previous copy's value) or memory (affine or gathered address).
 *  4. Adjacent runs fuse into one loop when the second reads only copies of the first that
 *     are already done (`fuseRuns`).
 * `planLoop` (loop-plan.ts) then turns a confirmed run into a body template whose operands say
 * exactly how each copy reads them.
 *
 * A loop runs the same instructions in the same order as the straight-line code it replaces,
 * so results are bit-identical; only where values live changes.
 */
import { CONST, INPUT, argArray, type Graph } from './graph.js';
import { ARITY } from './ops.js';

export interface RerollOptions {
  /** Fewest copies worth a loop. Default 4. */
  minTrips?: number;
  /** Fewest instructions a loop must replace. Default 32. */
  minCover?: number;
  /** Longest body, in instructions (a body must stay one optimizable function). */
  maxPeriod?: number;
}

/** `trips` copies of a `period`-instruction body, starting at code position `start`. */
export interface Run {
  readonly start: number;
  readonly period: number;
  readonly trips: number;
  /**
   * Set on copies that fusion left in front of the fused loop that follows: where this body
   * starts within the fused body (0 for A's copies, A's period for B's).
   */
  readonly prologue?: number;
}

export const DEFAULT_MIN_TRIPS = 4;
export const DEFAULT_MIN_COVER = 32;
/** Longest body when the caller does not say (scheduleGraph passes its chunk size, the same 1800 by default). */
export const DEFAULT_MAX_PERIOD = 1800;
/** Candidate periods tried per region. */
const CANDIDATES = 8;
/** Operand distances up to this go into the token (they are the same in every copy). */
const NEAR = 16;

const mix = (h: number, v: number): number => Math.imul((h ^ v) + 0x7f4a7c15, 0x9e3779b1) ^ (h >>> 15);

/** One token per code position; equal tokens are necessary for two instructions to correspond. */
export function instructionTokens(g: Graph, code: Int32Array, pos: Int32Array, lo = 0, hi = code.length,
  tok: Int32Array = new Int32Array(hi - lo)): Int32Array {
  const { op: ops, a: A, b: B, c: C } = g;
  for (let p = lo; p < hi; p++) {
    const i = code[p];
    const op = ops[i];
    let h = mix(op, g.dtype[i]);
    const ar = ARITY[op];
    for (let k = 0; k < ar; k++) {
      const x = k === 0 ? A[i] : k === 1 ? B[i] : C[i];
      const xo = ops[x];
      if (xo === CONST) h = mix(h, 1);
      else if (xo === INPUT) h = mix(h, 2);
      else {
        const d = p - pos[x];
        h = mix(h, 3 + xo * 64 + (d <= NEAR ? d : 0));
      }
    }
    tok[p - lo] = h;
  }
  return tok;
}

/**
 * The distances between equal tokens in [lo, hi) that account for the most code (distance x
 * count, counts above 1), best first; among equals the shorter distance.
 */
function candidatePeriods(cx: Context, lo: number, hi: number): number[] {
  const maxD = Math.min(cx.maxPeriod, hi - lo);
  const count = tokenDistances(cx.tok, lo - cx.lo, hi - cx.lo, maxD);
  // The best CANDIDATES by code (d * count), kept sorted; ties go to the shorter d, seen first.
  const best: number[] = [];
  for (let d = 1; d <= maxD; d++) {
    if (count[d] <= 1) continue;
    const code = d * count[d];
    let k = best.length;
    while (k > 0 && best[k - 1] * count[best[k - 1]] < code) k--;
    if (k >= CANDIDATES) continue;
    best.splice(k, 0, d);
    if (best.length > CANDIDATES) best.pop();
  }
  return best;
}

/**
 * count[d]: how many tokens of tok[lo .. hi) equal the token d positions before them, with
 * nothing equal in between (d <= maxD). The last position of each token is found in an
 * open-addressing table (a Map there was a third of the search).
 */
function tokenDistances(tok: Int32Array, lo: number, hi: number, maxD: number): Float64Array {
  const count = new Float64Array(maxD + 1);
  let table = new TokenTable(64);
  for (let p = lo; p < hi; p++) {
    const h = table.slot(tok[p]);
    const q = table.last[h] - 1;
    if (q >= 0 && p - q <= maxD) count[p - q]++;
    table.last[h] = p + 1;
    if (q < 0) {
      table.keys[h] = tok[p];
      if (++table.used * 2 > table.keys.length) table = table.grown();
    }
  }
  return count;
}

/** Token -> last position + 1 (0: empty), open addressing over a power-of-two size. */
class TokenTable {
  readonly keys: Int32Array;
  readonly last: Int32Array;
  used = 0;

  constructor(size: number) {
    this.keys = new Int32Array(size);
    this.last = new Int32Array(size);
  }

  /** The slot of token t: where it is, or the empty slot where it goes. */
  slot(t: number): number {
    const mask = this.keys.length - 1;
    let h = (Math.imul(t, 0x9e3779b1) >>> 0) & mask;
    while (this.last[h] !== 0 && this.keys[h] !== t) h = (h + 1) & mask;
    return h;
  }

  grown(): TokenTable {
    const next = new TokenTable(this.keys.length * 2);
    for (let k = 0; k < this.keys.length; k++) {
      if (this.last[k] === 0) continue;
      const h = next.slot(this.keys[k]);
      next.keys[h] = this.keys[k];
      next.last[h] = this.last[k];
    }
    next.used = this.used;
    return next;
  }
}

interface Context {
  readonly g: Graph;
  readonly code: Int32Array;
  readonly pos: Int32Array;
  /** Token and taken flag of code position p are at index p - lo. */
  readonly lo: number;
  readonly tok: Int32Array;
  readonly outCount: Uint8Array;
  readonly taken: Uint8Array;
  readonly minTrips: number;
  readonly minCover: number;
  readonly maxPeriod: number;
  readonly runs: Run[];
}

/**
 * How many consecutive copies of the body at [start, start + period) begin at `start`, up to
 * maxTrips: each copy must match the first in op, dtype, operand kinds, outputs written, and
 * local dataflow.
 */
export function verifyRun(g: Graph, code: Int32Array, pos: Int32Array, outCount: Uint8Array,
  start: number, period: number, maxTrips: number): number {
  const { op: ops, dtype, a: A, b: B, c: C } = g;
  for (let r = 1; r < maxTrips; r++) {
    const base = start + r * period;
    for (let j = 0; j < period; j++) {
      const i = code[base + j];
      const t = code[start + j];
      const op = ops[i];
      if (op !== ops[t] || dtype[i] !== dtype[t] || outCount[i] !== outCount[t]) return r;
      const ar = ARITY[op];
      for (let k = 0; k < ar; k++) {
        const x = k === 0 ? A[i] : k === 1 ? B[i] : C[i];
        const xt = k === 0 ? A[t] : k === 1 ? B[t] : C[t];
        const xo = ops[x];
        const xto = ops[xt];
        if (xo === CONST || xo === INPUT || xto === CONST || xto === INPUT) {
          if (xo !== xto) return r;
          continue;
        }
        const local = pos[x] >= base;
        if (local !== pos[xt] >= start) return r;
        if (local && pos[x] - base !== pos[xt] - start) return r;
      }
    }
  }
  return maxTrips;
}

/** Confirm and take the runs inside the free part of a proposed periodic stretch. */
function takeStretch(cx: Context, from: number, to: number, period: number): void {
  // The longest free piece of [from, to).
  let bestLo = 0, bestHi = 0;
  const taken = (p: number): boolean => cx.taken[p - cx.lo] === 1;
  for (let p = from; p < to;) {
    if (taken(p)) { p++; continue; }
    let e = p;
    while (e < to && !taken(e)) e++;
    if (e - p > bestHi - bestLo) { bestLo = p; bestHi = e; }
    p = e;
  }
  let s = bestLo;
  // For the same reason the last copy may end past the stretch (its reads are proposed with
  // the code after it): allow one more period of free code, which verifyRun confirms or not.
  if (bestHi === to) {
    const end = Math.min(cx.lo + cx.taken.length, to + period);
    while (bestHi < end && !taken(bestHi)) bestHi++;
  }
  // Tokens include near operand distances, so a first copy that reads from farther away (a
  // sum's first add reads two terms, later ones the previous sum) is not proposed; extend
  // backwards over free code while the copies still verify.
  while (s - period >= cx.lo && !taken(s - period) && !taken(s - 1)
    && verifyRun(cx.g, cx.code, cx.pos, cx.outCount, s - period, period, 2) === 2) {
    let free = true;
    for (let p = s - period; p < s && free; p++) free = !taken(p);
    if (!free) break;
    s -= period;
  }
  const phase = bestPhase(cx, s, period, bestHi);
  s = phase.start;
  let known = phase.trips;   // the first verification below, when bestPhase already did it
  while (s + period * cx.minTrips <= bestHi) {
    const max = Math.floor((bestHi - s) / period);
    const trips = known >= 0 ? known : verifyRun(cx.g, cx.code, cx.pos, cx.outCount, s, period, max);
    known = -1;
    if (trips >= cx.minTrips && trips * period >= cx.minCover) {
      cx.runs.push({ start: s, period, trips });
      cx.taken.fill(1, s - cx.lo, s - cx.lo + trips * period);
      s += trips * period;
    } else {
      s += period * Math.max(1, trips);   // the copy that broke may start a later run
    }
  }
}

/**
 * Where a run of `period` starting at or a little before `s` should start. Tokens decide only
 * where the repetition is first seen, and any rotation of the body that also verifies is the
 * same loop. The rotation decides how many copies a value crosses: Rosenbrock's stream is
 * ..T1 G1 T2 G2.. (term j, then gradient j, which reads terms j-1 and j). Found as [G1 T2],
 * the body reads term j-1 two copies back, through memory; rotated to [T1 G1], one copy back,
 * in a carried register. So when some value crosses two copies or more, the start moves back
 * over free code (less than one period) to the rotation with the fewest such reads that
 * verifies over at least as many copies, and among those the most copies. Returns the start
 * and how many copies verify from there (-1 when it did not need to check), so the caller
 * does not verify a 10^6-copy run twice.
 */
function bestPhase(cx: Context, s: number, period: number, hi: number): { start: number; trips: number } {
  const c = Math.min(4, Math.floor((hi - s) / period) - 1);   // the copy whose reads are counted
  if (c < 2) return { start: s, trips: -1 };
  let bestFar = farReads(cx, s, period, c);
  if (bestFar === 0) return { start: s, trips: -1 };
  const { g, code, pos, outCount } = cx;
  let best = s;
  let bestTrips = verifyRun(g, code, pos, outCount, s, period, Math.floor((hi - s) / period));
  for (let k = 1; k < period; k++) {
    const t = s - k;
    if (t < cx.lo || cx.taken[t - cx.lo] === 1) break;
    if (verifyRun(g, code, pos, outCount, t, period, c + 1) !== c + 1) continue;
    const far = farReads(cx, t, period, c);
    const most = Math.floor((hi - t) / period);
    if (far > bestFar || (far === bestFar && most <= bestTrips)) continue;
    const trips = verifyRun(g, code, pos, outCount, t, period, most);
    if (trips < bestTrips || (far === bestFar && trips === bestTrips)) continue;
    best = t;
    bestFar = far;
    bestTrips = trips;
  }
  return { start: best, trips: bestTrips };
}

/** Operands of copy c of the run at s that copies c - 2 and earlier define. */
function farReads(cx: Context, s: number, period: number, c: number): number {
  const { g, code, pos } = cx;
  const base = s + c * period;
  let far = 0;
  for (let p = base; p < base + period; p++) {
    const i = code[p];
    for (let k = 0; k < ARITY[g.op[i]]; k++) {
      const q = pos[argArray(g, k)[i]];
      if (q >= s && q < base - period) far++;
    }
  }
  return far;
}

function searchRegion(cx: Context, lo: number, hi: number, depth: number): void {
  const stretches: Run[] = [];
  const tok = cx.tok;
  const o = cx.lo;
  for (const d of candidatePeriods(cx, lo, hi)) {
    for (let p = lo; p + d < hi;) {
      if (tok[p - o] !== tok[p + d - o]) { p++; continue; }
      let e = p;
      while (e + d < hi && tok[e - o] === tok[e + d - o]) e++;
      const trips = Math.floor((e + d - p) / d);
      if (trips >= cx.minTrips && trips * d >= cx.minCover) stretches.push({ start: p, period: d, trips });
      p = e + 1;
    }
  }
  // Most code first; among equals the shorter body.
  stretches.sort((a, b) => b.period * b.trips - a.period * a.trips || a.period - b.period);
  for (const st of stretches) takeStretch(cx, st.start, st.start + st.period * st.trips, st.period);
  if (depth === 0) return;
  // Gaps get their own candidates: a small loop's period may not rank globally.
  for (let p = lo; p < hi;) {
    if (cx.taken[p - o]) { p++; continue; }
    let e = p;
    while (e < hi && !cx.taken[e - o]) e++;
    if (e - p >= cx.minCover * 2 && (p > lo || e < hi)) searchRegion(cx, p, e, depth - 1);
    p = e;
  }
}

/**
 * The confirmed runs of code[lo .. hi), in code order and disjoint. `scratch` may lend the
 * working arrays (hi - lo entries each; `taken` must be zero).
 */
export function findRuns(g: Graph, code: Int32Array, pos: Int32Array, outCount: Uint8Array, options: RerollOptions = {},
  lo = 0, hi = code.length, scratch: { tok: Int32Array; taken: Uint8Array } | null = null): Run[] {
  const cx: Context = {
    g, code, pos, outCount, lo,
    tok: instructionTokens(g, code, pos, lo, hi, scratch?.tok),
    taken: scratch?.taken ?? new Uint8Array(hi - lo),
    minTrips: Math.max(2, options.minTrips ?? DEFAULT_MIN_TRIPS),
    minCover: Math.max(1, options.minCover ?? DEFAULT_MIN_COVER),
    maxPeriod: Math.max(1, options.maxPeriod ?? DEFAULT_MAX_PERIOD),
    runs: [],
  };
  searchRegion(cx, lo, hi, 2);
  return cx.runs.sort((a, b) => a.start - b.start);
}

/**
 * Fuse adjacent runs A then B (B right after A in the code) into one loop whose iterations
 * run one copy of A, then one copy of B. With d = A.trips - B.trips, B's copy k may read only
 * A's copies up to k + d (A never reads B: it comes first). The |d| copies left over run in
 * front as a prologue: A's first d copies when d > 0, B's first -d copies (which then read no
 * A copy at all) when d < 0. When a partial copy of A's body separates the two (a loop whose
 * last copy lacks its tail), A is re-phased to end where B starts, if it still verifies.
 *
 * Fusion reorders the code, which any topological order allows, and gives the planner
 * same-iteration reads instead of tape traffic: a running sum over a loop's results then
 * overlaps with the loop instead of being a separate chain of dependent adds. `code` and
 * `pos` are updated in place; the fused run is verified like any other.
 */
export function fuseRuns(g: Graph, code: Int32Array, pos: Int32Array, outCount: Uint8Array, runs: readonly Run[],
  options: RerollOptions = {}, scratch: Int32Array | null = null): Run[] {
  const maxPeriod = Math.max(1, options.maxPeriod ?? DEFAULT_MAX_PERIOD);
  const out: Run[] = [];
  for (const run of runs) {
    const a = out[out.length - 1];
    const fused = a === undefined || a.prologue !== undefined ? null : fusePair(g, code, pos, outCount, a, run, maxPeriod, scratch);
    if (fused === null) { out.push(run); continue; }
    out.pop();
    if (fused.prologue !== null) out.push(fused.prologue);
    out.push(fused.run);
  }
  return out;
}

function fusePair(g: Graph, code: Int32Array, pos: Int32Array, outCount: Uint8Array, a: Run, b: Run,
  maxPeriod: number, scratch: Int32Array | null): { prologue: Run | null; run: Run } | null {
  if (a.period + b.period > maxPeriod) return null;
  const gap = b.start - (a.start + a.period * a.trips);
  if (gap > 0 && gap < a.period) {
    const shifted: Run = { start: a.start + gap, period: a.period, trips: a.trips };
    if (verifyRun(g, code, pos, outCount, shifted.start, shifted.period, shifted.trips) !== a.trips) return null;
    a = shifted;
  } else if (gap !== 0) {
    return null;
  }
  const aEnd = a.start + a.period * a.trips;
  const d = a.trips - b.trips;
  for (let k = 0; k < b.trips; k++) {
    for (let j = 0; j < b.period; j++) {
      const i = code[b.start + k * b.period + j];
      for (let m = 0; m < ARITY[g.op[i]]; m++) {
        const p = pos[argArray(g, m)[i]];
        if (p >= a.start && p < aEnd && Math.floor((p - a.start) / a.period) > k + d) return null;
      }
    }
  }
  const end = b.start + b.period * b.trips;
  const before = scratch === null ? code.slice(a.start, end) : scratch.subarray(0, end - a.start);
  if (scratch !== null) before.set(code.subarray(a.start, end));
  const bCopy = (k: number): number => a.period * a.trips + k * b.period;   // B's copy k in `before`
  let w = a.start;
  if (d > 0) w += d * a.period;   // A's first d copies keep their place
  for (let k = 0; k < -d; k++) for (let j = 0; j < b.period; j++) code[w++] = before[bCopy(k) + j];
  const fusedStart = w;
  const trips = Math.min(a.trips, b.trips);
  for (let m = 0; m < trips; m++) {
    const ao = (m + Math.max(d, 0)) * a.period;
    for (let j = 0; j < a.period; j++) code[w++] = before[ao + j];
    const bo = bCopy(m + Math.max(-d, 0));
    for (let j = 0; j < b.period; j++) code[w++] = before[bo + j];
  }
  for (let p = a.start; p < end; p++) pos[code[p]] = p;
  const run: Run = { start: fusedStart, period: a.period + b.period, trips };
  if (verifyRun(g, code, pos, outCount, run.start, run.period, run.trips) === run.trips) {
    const prologue: Run | null = d > 0 ? { start: a.start, period: a.period, trips: d, prologue: 0 }
      : d < 0 ? { start: a.start, period: b.period, trips: -d, prologue: a.period } : null;
    return { prologue, run };
  }
  code.set(before, a.start);
  for (let p = a.start; p < end; p++) pos[code[p]] = p;
  return null;
}
