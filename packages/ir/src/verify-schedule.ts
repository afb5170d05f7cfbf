/**
 * The schedule verifier: runs a schedule on an abstract machine whose registers, carried
 * variables and memory slots hold node ids instead of numbers, and checks that every operand
 * read finds the node the graph says it reads: every loop iteration included, every address
 * and table entry resolved. It also checks that the units cover the code in order and that
 * each gradient output is written by the instruction that defines it. Linear in the number
 * of executed instructions; tests run it after every scheduling.
 */
import { AdjointError } from './errors.js';
import { BOOL, CONST, INPUT, argArray } from './graph.js';
import { ARITY } from './ops.js';
import { addrAt, sameBits, type Addr } from './loop-plan.js';
import type { InnerLoop, LoopUnit, Schedule } from './schedule.js';

function fail(message: string): never {
  throw new AdjointError('bad-schedule', message);
}

export function verifySchedule(s: Schedule): void {
  const g = s.graph;
  const mem = new Int32Array(s.nSpill).fill(-1);
  const load = (slot: number, x: number, what: string): void => {
    if (!(slot >= 0 && slot < s.nSpill) || mem[slot] !== x) fail(`${what} reads %${x} from t[${slot}], which holds %${slot >= 0 ? mem[slot] : '-'}`);
  };
  const written = new Map<number, number>();   // gradient output index -> node that wrote it
  const regs: Int32Array[] = [new Int32Array(0), new Int32Array(0)];
  const resetRegs = (nf: number, nb: number): void => { regs[0] = new Int32Array(nf).fill(-1); regs[1] = new Int32Array(nb).fill(-1); };
  const cls = (x: number): number => (g.dtype[x] === BOOL ? 1 : 0);

  let expectStart = 0;
  s.units.forEach((unit, u) => {
    if (unit.start !== expectStart) fail(`unit ${u} starts at ${unit.start}, expected ${expectStart}`);
    resetRegs(unit.fregs, unit.bregs);
    if (unit.kind === 'straight') {
      expectStart = unit.end;
      for (let p = unit.start; p < unit.end; p++) {
        const i = s.code[p];
        if (s.chunkOf[i] !== u) fail(`%${i} at ${p} is not marked as unit ${u}`);
        for (let k = 0; k < ARITY[g.op[i]]; k++) {
          const x = argArray(g, k)[i];
          if (g.op[x] === CONST || g.op[x] === INPUT) continue;
          if (s.chunkOf[x] === u) { if (regs[cls(x)][s.reg[x]] !== x) fail(`%${i} reads %${x} from a register that no longer holds it`); }
          else load(s.spill[x], x, `%${i}`);
        }
        if (!(s.reg[i] >= 0 && s.reg[i] < regs[cls(i)].length)) fail(`%${i} has register ${s.reg[i]} outside the unit's ${regs[cls(i)].length}`);
        regs[cls(i)][s.reg[i]] = i;
        if (s.spill[i] >= 0) mem[s.spill[i]] = i;
        for (const k of s.outputsOf.get(i) ?? []) written.set(k, i);
      }
      return;
    }
    expectStart = unit.start + unit.period * unit.trips;
    verifyLoop(s, unit, u, mem, regs, written);
  });
  if (expectStart !== s.code.length) fail(`the units end at ${expectStart}, the code at ${s.code.length}`);
  for (let k = 1; k < g.outputs.length; k++) {
    const o = g.outputs[k];
    if (g.op[o] === CONST || g.op[o] === INPUT) continue;
    if (written.get(k) !== o) fail(`gradient output ${k} is written by %${written.get(k) ?? '-'}, expected %${o}`);
  }
  const f = g.outputs[0];
  if (f === undefined || g.op[f] === CONST || g.op[f] === INPUT) return;
  const last = s.units.length - 1;
  if (s.chunkOf[f] === last && s.units[last].kind === 'straight') {
    if (regs[cls(f)][s.reg[f]] !== f) fail(`the last unit returns %${f} from a register that no longer holds it`);
  } else {
    load(s.spill[f], f, 'the return of f');
  }
}

function verifyLoop(s: Schedule, unit: LoopUnit, u: number, mem: Int32Array, regs: Int32Array[],
  written: Map<number, number>): void {
  const { start, period, trips } = unit;
  // Outer iteration o: its instructions at code[start + o * period + at], inner loops before
  // outer instruction `before`, inner copy q at offset + q * period.
  const carried = unit.carried.map((c) => mem[addrAt(c.init, 0, 0, s.intTables)]);
  for (let o = 0; o < trips; o++) {
    const base = start + o * period;
    runBody(s, unit, `unit ${u}, iteration ${o}`, u, o, 0, (j) => base + unit.body[j].at, mem, regs, written, carried, (j) => {
      for (const il of unit.inner) {
        if (il.before !== j) continue;
        const iregs = [new Int32Array(il.fregs).fill(-1), new Int32Array(il.bregs).fill(-1)];
        const carried = il.carried.map((c) => mem[addrAt(c.init, 0, o, s.intTables)]);
        for (let q = 0; q < il.trips; q++) {
          const copy = base + il.offset + q * il.period;
          runBody(s, il, `unit ${u}, iteration ${o}, inner iteration ${q}`, u, q, o, (m) => copy + il.body[m].at, mem, iregs,
            written, carried, () => undefined);
        }
      }
    });
  }
}

/**
 * One iteration (counter i, enclosing counter o) of a loop body: check every operand, write
 * registers, memory and gradients, then update the carried variables in `carried`.
 */
function runBody(s: Schedule, loop: LoopUnit | InnerLoop, label: string, u: number, i: number, o: number,
  posOf: (j: number) => number, mem: Int32Array, regs: Int32Array[], written: Map<number, number>, carried: number[],
  innerBefore: (j: number) => void): void {
  const g = s.graph;
  const at = (a: Addr): number => addrAt(a, i, o, s.intTables);
  const cls = (dtype: number): number => (dtype === BOOL ? 1 : 0);
  for (let j = 0; j <= loop.body.length; j++) {
    innerBefore(j);
    if (j === loop.body.length) break;
    const ins = loop.body[j];
    const node = s.code[posOf(j)];
    const where = `%${node} (${label}, body ${j})`;
    if (s.chunkOf[node] !== u || g.op[node] !== ins.op || g.dtype[node] !== ins.dtype) fail(`${where} does not match its body instruction`);
    ins.args.forEach((a, k) => {
      const x = argArray(g, k)[node];
      const ok = a.kind === 'const' ? g.op[x] === CONST && sameBits(g.consts[g.a[x]], a.value)
        : a.kind === 'consts' ? g.op[x] === CONST && sameBits(g.consts[g.a[x]], s.floatTables[a.table][at(a.index)])
        : a.kind === 'input' ? g.op[x] === INPUT && g.a[x] === at(a.addr)
        : a.kind === 'local' ? s.code[posOf(a.j)] === x && regs[cls(g.dtype[x])][loop.body[a.j].reg] === x
        : a.kind === 'carried' ? carried[a.c] === x
        : a.kind === 'outer' ? a.node === x && mem[s.spill[x]] === x
        : mem[at(a.addr)] === x;
      if (!ok) fail(`${where} operand ${k} (${a.kind}) does not read %${x}`);
    });
    const c = cls(ins.dtype);
    if (!(ins.reg >= 0 && ins.reg < regs[c].length)) fail(`${where} has register ${ins.reg} outside the loop's ${regs[c].length}`);
    regs[c][ins.reg] = node;
    if (ins.store !== null) mem[at(ins.store)] = node;
    if (ins.storeLast >= 0) mem[ins.storeLast] = node;
    const outs = s.outputsOf.get(node) ?? [];
    if (outs.length !== ins.outputs.length) fail(`${where} writes ${ins.outputs.length} gradients, expected ${outs.length}`);
    ins.outputs.forEach((out, m) => {
      if (at(out) !== outs[m] - 1) fail(`${where} writes g[${at(out)}], expected g[${outs[m] - 1}]`);
      written.set(outs[m], node);
    });
  }
  loop.carried.forEach((cv, k) => { carried[k] = regs[cls(loop.body[cv.j].dtype)][loop.body[cv.j].reg]; });
}
