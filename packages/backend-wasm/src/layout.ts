/**
 * Linear memory of a generated module, in bytes from 0, each region 8-byte aligned:
 *   input   nInputs floats (params first, then the other inputs, in GradFn argument order)
 *   grad    nParams floats (gradient k-1 for graph output k >= 1)
 *   t       nSpill floats (values crossing units: spill slots and loop tape columns)
 *   F0..    the schedule's float tables (per-iteration constants of loops), data segments
 *   T0..    the schedule's index tables, i32, data segments
 * Floats are f64, or f32 in f32 mode. The memory is sized to fit and never grows.
 */
import { AdjointError, type Schedule } from '@adjoint/ir';

export interface Layout {
  /** Bytes per float: 8 (f64) or 4 (f32), and its log2. */
  readonly elem: number;
  readonly shift: number;
  readonly input: number;
  readonly grad: number;
  readonly tape: number;
  /** Byte offset of each float table and each index table. */
  readonly floatTables: readonly number[];
  readonly intTables: readonly number[];
  /** Bytes in use, and whole 64 KiB pages holding them. */
  readonly bytes: number;
  readonly pages: number;
}

const PAGE = 65536;
/** 2 GiB: addresses stay positive i32 values, which every engine accepts. */
const MAX_PAGES = 32768;

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

export function layoutMemory(s: Schedule, nInputs: number, nParams: number, elem: 4 | 8): Layout {
  let at = 0;
  const region = (bytes: number): number => {
    const start = at;
    at = align8(at + bytes);
    return start;
  };
  const input = region(nInputs * elem);
  const grad = region(nParams * elem);
  const tape = region(s.nSpill * elem);
  const floatTables = s.floatTables.map((t) => region(t.length * elem));
  const intTables = s.intTables.map((t) => region(t.length * 4));
  const pages = Math.max(1, Math.ceil(at / PAGE));
  if (pages > MAX_PAGES) {
    throw new AdjointError('too-large', `the program needs ${(at / 2 ** 20).toFixed(0)} MiB of wasm memory, more than the 2 GiB `
      + 'a module may use; compile with the js backend, or split the computation');
  }
  return { elem, shift: elem === 8 ? 3 : 2, input, grad, tape, floatTables, intTables, bytes: at, pages };
}

/** The tables' bytes (little-endian, as wasm memory is), one segment per table. */
export function tableSegments(s: Schedule, layout: Layout): { offset: number; data: Uint8Array }[] {
  const out: { offset: number; data: Uint8Array }[] = [];
  s.floatTables.forEach((t, k) => {
    const data = new Uint8Array(t.length * layout.elem);
    const view = new DataView(data.buffer);
    if (layout.elem === 8) t.forEach((x, j) => view.setFloat64(8 * j, x, true));
    else t.forEach((x, j) => view.setFloat32(4 * j, x, true));   // setFloat32 rounds like Math.fround
    out.push({ offset: layout.floatTables[k], data });
  });
  s.intTables.forEach((t, k) => {
    const data = new Uint8Array(t.length * 4);
    const view = new DataView(data.buffer);
    t.forEach((x, j) => view.setInt32(4 * j, x, true));
    out.push({ offset: layout.intTables[k], data });
  });
  return out;
}
