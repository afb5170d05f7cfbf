/**
 * Shared by the wasm backend's tests: compile a gradient graph's schedule to wasm, check the
 * module with two independent validators, run it, and compare with the interpreter bit for bit.
 */
import wabtInit from 'wabt';
import {
  BOOL, interpret, scheduleGraph, toFloat32, type Addr, type Graph, type InnerLoop, type LoopUnit, type Schedule, type ScheduleOptions,
} from '@adjoint/ir';
import { generateWasm, instantiateKernel, type Binaryen, type WasmOptions, type WasmProgram } from '@adjoint/backend-wasm';
import { wasmApi } from '../src/wasm-api.js';

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Wabt | null = null;

export async function loadWabt(): Promise<void> {
  wabt ??= await wabtInit();
}

/** Throws unless both WebAssembly.validate and wabt accept the module. */
export function validate(bytes: Uint8Array): void {
  if (!wasmApi.validate(bytes)) throw new Error('WebAssembly.validate rejects the module');
  if (wabt === null) throw new Error('call loadWabt() first (in beforeAll)');
  const mod = wabt.readWasm(new Uint8Array(bytes), { readDebugNames: false });
  try {
    mod.validate();
  } finally {
    mod.destroy();
  }
}

/** Same bits as Object.is sees them: -0 differs from +0, NaN equals NaN. */
export function sameBits(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

/** Readable mismatches between a kernel's [f, gradient...] and the interpreter's outputs. */
export function mismatches(where: string, want: Float64Array, f: number, g: Float64Array): string[] {
  const out: string[] = [];
  const got = [f, ...g];
  for (let k = 0; k < want.length; k++) {
    if (!sameBits(want[k], got[k])) out.push(`${where} output ${k}: interp ${Object.is(want[k], -0) ? '-0' : want[k]} vs wasm ${Object.is(got[k], -0) ? '-0' : got[k]}`);
  }
  return out;
}

export interface Compiled {
  readonly program: WasmProgram;
  run(point: readonly number[]): { f: number; g: Float64Array };
}

/** Constructs of the loop form seen in the schedules compiled so far, with how often. */
export const seen = new Map<string, number>();

function note(feature: string): void {
  seen.set(feature, (seen.get(feature) ?? 0) + 1);
}

function noteLoop(loop: LoopUnit | InnerLoop, depth: string): void {
  note(`${depth} loop`);
  const addr = (what: string, a: Addr): void => {
    if (a.table >= 0) note(a.split === true ? `${what} split table address` : `${what} table address`);
    if (a.stride < 0) note(`${what} negative stride`);
    if (a.table < 0 && a.stride === 0) note(`${what} invariant address`);
  };
  for (const c of loop.carried) note(c.dtype === BOOL ? 'carried bool' : 'carried float');
  for (const ins of loop.body) {
    if (ins.storeLast >= 0) note(loop.carried.some((c) => loop.body[c.j] === ins) ? 'storeLast of carried' : 'storeLast stored every time');
    if (ins.store !== null) addr(`${depth} store`, ins.store);
    for (const o of ins.outputs) addr(`${depth} output`, o);
    for (const a of ins.args) {
      note(`${depth} operand ${a.kind}`);
      if (a.kind === 'mem' || a.kind === 'input') addr(`${depth} ${a.kind}`, a.addr);
      if (a.kind === 'consts') addr(`${depth} consts`, a.index);
    }
  }
  if ('inner' in loop) for (const il of loop.inner) noteLoop(il, 'inner');
}

export function noteFeatures(s: Schedule): void {
  for (const u of s.units) if (u.kind === 'loop') noteLoop(u, 'outer');
  if (s.intTables.length > 0) note('int tables');
  if (s.floatTables.length > 0) note('float tables');
}

export function compile(binaryen: Binaryen, gradient: Graph, schedule: ScheduleOptions, options: WasmOptions = {}): Compiled {
  const s = scheduleGraph(gradient, schedule);
  noteFeatures(s);
  const program = generateWasm(binaryen, s, options);
  validate(program.bytes);
  const kernel = instantiateKernel(program.bytes, program);
  return {
    program,
    run(point) {
      const g = new Float64Array(program.nParams);
      const f = kernel(Float64Array.from(point), g);
      return { f, g };
    },
  };
}

/** Mismatches of the compiled gradient against the interpreter (on the f32 graph in f32 mode) at each point. */
export function check(binaryen: Binaryen, name: string, gradient: Graph, points: readonly (readonly number[])[],
  schedule: ScheduleOptions, options: WasmOptions = {}): string[] {
  const c = compile(binaryen, gradient, schedule, options);
  const reference = options.precision === 'f32' ? toFloat32(gradient) : gradient;
  return points.flatMap((p, i) => {
    const { f, g } = c.run(p);
    return mismatches(`${name} ${JSON.stringify(schedule)} ${options.precision ?? 'f64'} point ${i}`, interpret(reference, p), f, g);
  });
}

/** The schedulings every case is compiled with. */
export const SCHEDULES: readonly ScheduleOptions[] = [
  {},
  { reroll: true, minTrips: 2, minCover: 1 },
  { chunkSize: 3 },
  { reroll: true, minTrips: 2, minCover: 1, chunkSize: 3 },
];
