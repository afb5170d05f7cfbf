/**
 * The memory layout of rerolled loops (docs/rerolling.md: rotation and leads), checked on the
 * schedule itself: which loops there are, how many iterations they run, how each operand is
 * addressed, and that running the schedule slot by slot gives the interpreter's bits.
 * A loop operand read through an index table (an entry per iteration) means the layout lost
 * its affine form: W1 n=100000's JS was 690 KB when that happened.
 */
import { describe, expect, test } from 'vitest';
import {
  ARITY, BOOL, CONST, GraphBuilder, INPUT, OPS_BY_CODE, OP_CODE, addrAt, argArray, gradientGraph, interpret, scheduleGraph,
  verifySchedule, type Addr, type Graph, type LoopUnit, type OpName, type Schedule,
} from '@adjoint/ir';

/**
 * Runs a schedule on numbers the way a backend does: registers per unit, carried variables
 * per loop, and every value that leaves its unit in `t`, at the slot the layout gave it.
 * Returns [f, df/dx0, ...] like `interpret`. Loops nested in loops are not needed here.
 */
function runSchedule(s: Schedule, x: readonly number[]): Float64Array {
  const g = s.graph;
  const t = new Float64Array(s.nSpill);
  const out = new Float64Array(g.outputs.length);
  const cls = (dtype: number): number => (dtype === BOOL ? 1 : 0);
  const isLeaf = (y: number): boolean => g.op[y] === CONST || g.op[y] === INPUT;
  const leaf = (y: number): number => (g.op[y] === CONST ? g.consts[g.a[y]] : x[g.a[y]]);
  const apply = (op: number, args: readonly number[]): number => OPS_BY_CODE[op].eval(args[0], args[1] ?? 0, args[2] ?? 0);
  let regs: Float64Array[] = [];
  s.units.forEach((u, k) => {
    regs = [new Float64Array(u.fregs), new Float64Array(u.bregs)];
    if (u.kind === 'straight') {
      const read = (y: number): number => (isLeaf(y) ? leaf(y) : s.chunkOf[y] === k ? regs[cls(g.dtype[y])][s.reg[y]] : t[s.spill[y]]);
      for (let p = u.start; p < u.end; p++) {
        const i = s.code[p];
        const v = apply(g.op[i], Array.from({ length: ARITY[g.op[i]] }, (_, m) => read(argArray(g, m)[i])));
        regs[cls(g.dtype[i])][s.reg[i]] = v;
        if (s.spill[i] >= 0) t[s.spill[i]] = v;
        for (const o of s.outputsOf.get(i) ?? []) out[o] = v;
      }
      return;
    }
    expect(u.inner).toHaveLength(0);
    const local = (j: number): number => regs[cls(u.body[j].dtype)][u.body[j].reg];
    const carried = u.carried.map((c) => t[addrAt(c.init, 0, 0, s.intTables)]);
    for (let i = 0; i < u.trips; i++) {
      const at = (a: Addr): number => addrAt(a, i, 0, s.intTables);
      for (const ins of u.body) {
        const v = apply(ins.op, ins.args.map((a) => {
          switch (a.kind) {
            case 'const': return a.value;
            case 'consts': return s.floatTables[a.table][at(a.index)];
            case 'input': return x[at(a.addr)];
            case 'local': return local(a.j);
            case 'carried': return carried[a.c];
            case 'outer': return t[s.spill[a.node]];
            case 'mem': return t[at(a.addr)];
          }
        }));
        regs[cls(ins.dtype)][ins.reg] = v;
        if (ins.store !== null) t[at(ins.store)] = v;
        if (ins.storeLast >= 0) t[ins.storeLast] = v;
        for (const o of ins.outputs) out[at(o) + 1] = v;
      }
      u.carried.forEach((c, m) => { carried[m] = local(c.j); });
    }
  });
  // f comes from the last unit's registers when that unit is straight code defining it, else from t.
  const f = g.outputs[0];
  const last = s.units.length - 1;
  out[0] = isLeaf(f) ? leaf(f) : s.chunkOf[f] === last && s.units[last].kind === 'straight' ? regs[cls(g.dtype[f])][s.reg[f]] : t[s.spill[f]];
  for (let k = 1; k < g.outputs.length; k++) if (isLeaf(g.outputs[k])) out[k] = leaf(g.outputs[k]);
  return out;
}

function expectSameBits(s: Schedule, point: readonly number[]): void {
  const want = interpret(s.graph, point);
  const got = runSchedule(s, point);
  for (let k = 0; k < want.length; k++) expect(Object.is(got[k], want[k]), `output ${k}: ${got[k]} vs ${want[k]}`).toBe(true);
}

/** Every address a loop uses: operands, stores, gradient writes and carried initial values. */
function loopAddresses(u: LoopUnit): Addr[] {
  const addrs: Addr[] = u.carried.map((c) => c.init);
  for (const ins of u.body) {
    if (ins.store !== null) addrs.push(ins.store);
    addrs.push(...ins.outputs);
    for (const a of ins.args) {
      if (a.kind === 'input' || a.kind === 'mem') addrs.push(a.addr);
      if (a.kind === 'consts') addrs.push(a.index);
    }
  }
  return addrs;
}

const loopsOf = (s: Schedule): LoopUnit[] => s.units.filter((u): u is LoopUnit => u.kind === 'loop');

/** The one node `op(x[input])` of the graph. */
function nodeOf(g: Graph, op: OpName, input: number): number {
  const found: number[] = [];
  for (let i = 0; i < g.size; i++) if (g.op[i] === OP_CODE[op] && g.op[g.a[i]] === INPUT && g.a[g.a[i]] === input) found.push(i);
  expect(found, `${op}(x${input})`).toHaveLength(1);
  return found[0];
}

const point = (n: number, shift: number): number[] => Array.from({ length: n }, (_, k) => 0.9 * Math.sin(0.7 * k + shift));

describe('rerolled loop layout', () => {
  const n = 40;

  test('a value read two and three copies back: affine reads of its column, whose first copies are the straight values laid out in front of it', () => {
    // y[k] = tanh(y[k-1] * y[k-3] + y[k-2] * x[k]) from three straight seeds of other ops. No
    // rotation keeps y[k-2] and y[k-3] within one copy, so the loop reads them from its own
    // column, and for the first copies from the seeds: placed in front of the column, one
    // affine address covers both; anywhere else, each read needs a table with an entry per iteration.
    const b = new GraphBuilder();
    const x = Array.from({ length: n }, (_, k) => b.input(k, `x${k}`));
    const y = [b.apply('sin', x[0]), b.apply('cos', x[1]), b.apply('exp', x[2])];
    for (let k = 3; k < n; k++) {
      y.push(b.apply('tanh', b.apply('add', b.apply('mul', y[k - 1], y[k - 3]), b.apply('mul', y[k - 2], x[k]))));
    }
    const g = gradientGraph(b.finish([y[n - 1]]), { params: x.map((_, k) => k) });
    const s = scheduleGraph(g, { reroll: true });
    verifySchedule(s);

    const forward = loopsOf(s).find((u) => u.body.some((ins) => ins.op === OP_CODE.tanh));
    expect(forward, 'a loop computing y').toBeDefined();
    expect(forward!.trips).toBe(n - 3);   // y[3] .. y[n-1]
    const column = forward!.body.find((ins) => ins.op === OP_CODE.tanh)!.store;
    expect(column).toMatchObject({ stride: 1, table: -1 });
    const reads = forward!.body.flatMap((ins) => ins.args.flatMap((a) => (a.kind === 'mem' ? [a.addr] : [])));
    const behind = (d: number): Addr => ({ base: column!.base - d, stride: 1, outer: 0, table: -1 });
    expect(reads.sort((p, q) => p.base - q.base)).toEqual([behind(3), behind(2)]);   // y[k-3], y[k-2]
    // The seeds stand in for the column's copies -3 .. -1.
    const seeds = [nodeOf(g, 'sin', 0), nodeOf(g, 'cos', 1), nodeOf(g, 'exp', 2)];
    expect(seeds.map((y0) => s.spill[y0] - column!.base)).toEqual([-3, -2, -1]);

    // The reverse sweep's loop reads the column backwards, seeds included: no loop needs a table.
    expect(loopsOf(s).length).toBeGreaterThanOrEqual(2);
    for (const u of loopsOf(s)) for (const a of loopAddresses(u)) expect(a.table, `a loop at ${u.start} reads through a table`).toBe(-1);
    expectSameBits(s, point(n, 0));
    expectSameBits(s, point(n, 1.3));
  });

  test('Rosenbrock: the body is rotated so that no value crosses two copies, and the loop keeps no tape', () => {
    // In ASAP order the stream is .. T1 G1 T2 G2 .. (term j, then the gradient piece that reads
    // terms j-1 and j). Started at G1, the body would read term j-1 two copies back through a
    // tape column; started inside T1, everything it needs from the previous copy is carried.
    const b = new GraphBuilder();
    const x = Array.from({ length: n }, (_, k) => b.input(k, `x${k}`));
    let f = -1;
    for (let i = 0; i + 1 < n; i++) {
      const d = b.apply('sub', x[i + 1], b.apply('mul', x[i], x[i]));
      const e = b.apply('sub', b.constant(1), x[i]);
      const term = b.apply('add', b.apply('mul', b.constant(100), b.apply('mul', d, d)), b.apply('mul', e, e));
      f = f < 0 ? term : b.apply('add', f, term);
    }
    const g = gradientGraph(b.finish([f]), { params: x.map((_, k) => k) });
    const s = scheduleGraph(g, { reroll: true, order: 'asap' });
    verifySchedule(s);

    const loops = loopsOf(s);
    expect(loops).toHaveLength(1);
    const [loop] = loops;
    // n - 1 terms; the rotated body starts inside the second, so the first term and the rest of
    // the last one stay straight: n - 3 copies.
    expect(loop.trips).toBe(n - 3);
    expect(loop.carried.length).toBeGreaterThan(0);
    expect(loop.body.every((ins) => ins.store === null), 'no tape column').toBe(true);
    expect(loop.body.some((ins) => ins.args.some((a) => a.kind === 'mem')), 'no read from memory').toBe(false);
    for (const a of loopAddresses(loop)) expect(a.table).toBe(-1);
    expectSameBits(s, point(n, 0));
    expectSameBits(s, point(n, 1.3));
  });
});
