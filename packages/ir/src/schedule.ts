/**
 * The schedule every backend consumes: the live computing nodes of a graph as a linear
 * instruction list, split into chunks of bounded size, with
 *  - registers: per chunk, per class (float, bool), reused by liveness, so a chunk needs a
 *    few dozen locals rather than one per node;
 *  - spill slots: values used in a later chunk than the one defining them live in a shared
 *    buffer (also reused by liveness, at chunk granularity).
 * Leaves are not instructions: constants are literals and inputs are reads of the input array.
 *
 * Output 0 (the value f) is returned by the last chunk; outputs 1.. (gradients) are written
 * right after their defining instruction, or at the end of the last chunk for leaves.
 */
import { BOOL, CONST, INPUT, argArray, type Graph } from './graph.js';
import { ARITY } from './ops.js';

export interface ScheduleOptions {
  /** Most instructions per chunk. Keep functions under V8's optimization limit (~2,000 statements). */
  chunkSize?: number;
}

export const DEFAULT_CHUNK_SIZE = 1800;

export interface Schedule {
  readonly graph: Graph;
  /** Instruction node ids in execution order. */
  readonly code: Int32Array;
  /** Chunk k runs code[chunkStart[k] .. chunkStart[k + 1]); length is chunks + 1. */
  readonly chunkStart: Int32Array;
  /** Per node: its register within its chunk (float and bool numbered apart), or -1. */
  readonly reg: Int32Array;
  /** Per node: its spill slot if a later chunk reads it, or -1. */
  readonly spill: Int32Array;
  /** Per node: the chunk that defines it, or -1 for leaves and dead nodes. */
  readonly chunkOf: Int32Array;
  /** Per chunk: number of float registers and bool registers, interleaved. */
  readonly chunkRegs: Int32Array;
  readonly nSpill: number;
  /** Per gradient output k >= 1 that an instruction defines: the output indices it feeds, by node. */
  readonly outputsOf: ReadonlyMap<number, readonly number[]>;
}

export function chunkCount(s: Schedule): number {
  return s.chunkStart.length - 1;
}

export function scheduleGraph(g: Graph, options: ScheduleOptions = {}): Schedule {
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const n = g.size;
  // Liveness from the outputs (the graph is topologically ordered).
  const live = new Uint8Array(n);
  for (let k = 0; k < g.outputs.length; k++) live[g.outputs[k]] = 1;
  for (let i = n - 1; i >= 0; i--) {
    if (!live[i] || g.op[i] === CONST || g.op[i] === INPUT) continue;
    const ar = ARITY[g.op[i]];
    for (let k = 0; k < ar; k++) live[argArray(g, k)[i]] = 1;
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (live[i] && g.op[i] !== CONST && g.op[i] !== INPUT) count++;
  const code = new Int32Array(count);
  const pos = new Int32Array(n).fill(-1);
  for (let i = 0, p = 0; i < n; i++) {
    if (live[i] && g.op[i] !== CONST && g.op[i] !== INPUT) { code[p] = i; pos[i] = p++; }
  }
  const nChunks = Math.max(1, Math.ceil(count / chunkSize));
  const chunkStart = new Int32Array(nChunks + 1);
  for (let k = 0; k <= nChunks; k++) chunkStart[k] = Math.min(count, k * chunkSize);
  const chunkOf = new Int32Array(n).fill(-1);
  for (let p = 0; p < count; p++) chunkOf[code[p]] = (p / chunkSize) | 0;

  // Last use of each node: position within its own chunk, and the last chunk that reads it.
  const lastLocal = new Int32Array(n).fill(-1);
  const lastChunk = new Int32Array(n).fill(-1);
  const touch = (x: number, p: number, ch: number): void => {
    if (chunkOf[x] < 0) return;
    if (chunkOf[x] === ch) lastLocal[x] = p;
    else if (ch > lastChunk[x]) lastChunk[x] = ch;
  };
  for (let p = 0; p < count; p++) {
    const i = code[p];
    const ch = chunkOf[i];
    const ar = ARITY[g.op[i]];
    for (let k = 0; k < ar; k++) touch(argArray(g, k)[i], p, ch);
  }
  // The value f is read once more after the last instruction.
  if (g.outputs.length > 0) touch(g.outputs[0], count, nChunks - 1);

  // Registers per chunk and class, reused as soon as a value's last local use has passed.
  const reg = new Int32Array(n).fill(-1);
  const chunkRegs = new Int32Array(nChunks * 2);
  const free: number[][] = [[], []];
  const used = [0, 0];
  for (let ch = 0; ch < nChunks; ch++) {
    free[0].length = 0; free[1].length = 0; used[0] = 0; used[1] = 0;
    for (let p = chunkStart[ch]; p < chunkStart[ch + 1]; p++) {
      const i = code[p];
      const ar = ARITY[g.op[i]];
      for (let k = 0; k < ar; k++) {
        const x = argArray(g, k)[i];
        if (lastLocal[x] === p && chunkOf[x] === ch && (k === 0 || x !== argArray(g, k - 1)[i]) && (k < 2 || x !== g.a[i])) {
          free[g.dtype[x] === BOOL ? 1 : 0].push(reg[x]);
        }
      }
      const cls = g.dtype[i] === BOOL ? 1 : 0;
      reg[i] = free[cls].length > 0 ? free[cls].pop()! : used[cls]++;
      if (lastLocal[i] < 0) free[cls].push(reg[i]);   // never read again in this chunk
    }
    chunkRegs[2 * ch] = used[0];
    chunkRegs[2 * ch + 1] = used[1];
  }

  // Spill slots for values read by later chunks, freed after their last reading chunk.
  const spill = new Int32Array(n).fill(-1);
  const releaseAt: number[][] = Array.from({ length: nChunks + 1 }, () => []);
  const freeSlots: number[] = [];
  let nSpill = 0;
  for (let ch = 0; ch < nChunks; ch++) {
    for (const s of releaseAt[ch]) freeSlots.push(s);
    for (let p = chunkStart[ch]; p < chunkStart[ch + 1]; p++) {
      const i = code[p];
      if (lastChunk[i] < 0) continue;
      spill[i] = freeSlots.length > 0 ? freeSlots.pop()! : nSpill++;
      releaseAt[lastChunk[i] + 1].push(spill[i]);
    }
  }

  const outputsOf = new Map<number, number[]>();
  for (let k = 1; k < g.outputs.length; k++) {
    const o = g.outputs[k];
    if (chunkOf[o] < 0) continue;
    const list = outputsOf.get(o);
    if (list) list.push(k); else outputsOf.set(o, [k]);
  }
  return { graph: g, code, chunkStart, reg, spill, chunkOf, chunkRegs, nSpill, outputsOf };
}
