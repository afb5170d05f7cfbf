/**
 * Schedule -> WebAssembly module, through binaryen.
 *
 * Module ABI (what a host needs to know):
 *  - exports `memory`: linear memory, sized to fit and never grown (see layout.ts);
 *  - exports immutable i32 globals `input` and `grad`: byte offsets of the input array (the
 *    params first, then the other runtime inputs, in GradFn argument order) and of the
 *    gradient array (nParams = graph outputs - 1; slot k-1 gets output k);
 *  - exports `run(): f64` — reads the inputs, writes every gradient slot and returns f
 *    (output 0). With precision 'f32' the arrays hold f32 and `run(): f32`.
 *  - imports, with math 'import' (default), the math functions it uses from module "Math"
 *    under their JS names (`exp`, `atan2`, ...): `WebAssembly.instantiate(bytes, { Math })`.
 *    With math 'embedded' it imports nothing.
 * Inside: one function per schedule unit, called in order by `run`; values crossing units
 * live in the array `t` after the gradient; index and float tables are data segments.
 */
import { AdjointError, F32, OP_NAMES, emittedInstructions, type ComputeOp, type Schedule } from '@adjoint/ir';
import type { Binaryen, BinaryenModule, ExpressionRef } from './binaryen.js';
import { embeddedLibm } from './embedded-libm.js';
import { layoutMemory, tableSegments } from './layout.js';
import { emitLoop } from './loop.js';
import { BINARY_MATH, MATH_FNS, wasmRender, type MathFn } from './render.js';
import { leafOrMemory, straightBody } from './straight.js';
import { FunctionBuilder, Target } from './target.js';

export interface WasmOptions {
  /** Where exp, sin, pow... come from: the host's `Math` (default; bit-identical to JS) or an embedded libm. */
  math?: 'import' | 'embedded';
  /** Float type of the computation (default 'f64'). */
  precision?: 'f64' | 'f32';
}

export interface WasmProgram {
  readonly bytes: Uint8Array;
  /** Byte offsets of the input and gradient arrays (also exported as globals `input`, `grad`). */
  readonly inputOffset: number;
  readonly gradOffset: number;
  readonly nInputs: number;
  readonly nParams: number;
  readonly precision: 'f64' | 'f32';
  readonly math: 'import' | 'embedded';
  /** Functions defined in the module: one per schedule unit, and `run`. */
  readonly functions: number;
  /** Instructions of the schedule in the code (a loop body counts once). */
  readonly instructions: number;
  /** Size of the module's memory in bytes (whole 64 KiB pages). */
  readonly memoryBytes: number;
}

const KNOWN_OPTIONS = new Set(['math', 'precision']);

function checkOptions(options: unknown): Required<WasmOptions> {
  if (options === null || typeof options !== 'object') {
    throw new AdjointError('bad-options', `wasm options must be an object such as { precision: 'f32' }, got ${options === null ? 'null' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new AdjointError('bad-options', `unknown wasm option ${JSON.stringify(key)}; the options are math, precision`);
  }
  const { math = 'import', precision = 'f64' } = options as WasmOptions;
  if (math !== 'import' && math !== 'embedded') {
    throw new AdjointError('bad-options', `math must be 'import' or 'embedded', got ${JSON.stringify(math) ?? String(math)}`);
  }
  if (precision !== 'f64' && precision !== 'f32') {
    throw new AdjointError('bad-options', `precision must be 'f64' or 'f32', got ${JSON.stringify(precision) ?? String(precision)}`);
  }
  return { math, precision };
}

/**
 * Which functions binaryen optimizes. Its optimizer costs 25-50 µs per instruction at -O1 and
 * -O2 alike (growing with function size) plus ~0.5-2 ms per call, against 1.5-2 µs per
 * instruction to build and emit a function unoptimized (measured on straight and loop units
 * of W1, W2 and the MLP). V8 tiers hot functions up to TurboFan, after which optimized and
 * unoptimized modules ran equally fast on all of them; before that (Liftoff), optimized code
 * ran ~30% faster and is ~20% smaller. So small functions get -O2, smallest first, within a
 * budget per module (the MLP: 9 ms to compile with none, 24 ms with 300, 47 ms with 1000
 * instructions optimized); big ones are left to V8.
 */
export const OPTIMIZE_MAX_SIZE = 200;
export const OPTIMIZE_BUDGET = 400;

/** Optimization level (0: none) per function, given each function's instruction count. */
export function optimizeLevels(sizes: readonly number[]): number[] {
  const levels = sizes.map(() => 0);
  let budget = OPTIMIZE_BUDGET;
  const order = sizes.map((_, k) => k).sort((a, b) => sizes[a] - sizes[b]);
  for (const k of order) {
    if (sizes[k] > OPTIMIZE_MAX_SIZE || sizes[k] > budget) break;
    levels[k] = 2;
    budget -= sizes[k];
  }
  return levels;
}

/** Op and dtype of every instruction in the generated code (a loop body once, not per trip). */
function emittedOps(s: Schedule): { ops: Uint8Array; dtypes: Uint8Array } {
  const ops = new Uint8Array(OP_NAMES.length);
  const dtypes = new Uint8Array(8);
  const g = s.graph;
  const note = (op: number, dtype: number): void => { ops[op] = 1; dtypes[dtype] = 1; };
  for (const u of s.units) {
    if (u.kind === 'straight') {
      for (let p = u.start; p < u.end; p++) note(g.op[s.code[p]], g.dtype[s.code[p]]);
      continue;
    }
    for (const ins of u.body) note(ins.op, ins.dtype);
    for (const il of u.inner) for (const ins of il.body) note(ins.op, ins.dtype);
  }
  return { ops, dtypes };
}

/** Math functions the ops call. */
function mathUsed(ops: Uint8Array): MathFn[] {
  const fns = new Set<MathFn>();
  ops.forEach((used, op) => {
    if (used === 1) for (const fn of wasmRender[OP_NAMES[op] as ComputeOp].math) fns.add(fn);
  });
  return MATH_FNS.filter((fn) => fns.has(fn));
}

function addMath(binaryen: Binaryen, m: BinaryenModule, fns: readonly MathFn[], math: 'import' | 'embedded'): Map<MathFn, string> {
  const names = new Map<MathFn, string>();
  if (fns.length === 0) return names;
  if (math === 'import') {
    for (const fn of fns) {
      const params = BINARY_MATH.has(fn) ? binaryen.createType([binaryen.f64, binaryen.f64]) : binaryen.f64;
      m.addFunctionImport(`Math_${fn}`, 'Math', fn, params, binaryen.f64);
      names.set(fn, `Math_${fn}`);
    }
    return names;
  }
  if (embeddedLibm === null) {
    throw new AdjointError('not-yet', `math: 'embedded' needs the embedded libm, which is not part of this build yet; `
      + `use math: 'import' (the default) and instantiate with { Math }`);
  }
  const added = embeddedLibm(binaryen, m, fns);
  for (const fn of fns) {
    const name = added.get(fn);
    if (name === undefined) throw new Error(`internal: the embedded libm has no ${fn}`);
    names.set(fn, name);
  }
  return names;
}

export function generateWasm(binaryen: Binaryen, schedule: Schedule, options: WasmOptions = {}): WasmProgram {
  const { math, precision } = checkOptions(options);
  const s = schedule;
  const g = s.graph;
  if (g.outputs.length === 0) throw new AdjointError('no-outputs', 'the schedule\'s graph has no outputs; schedule a gradient graph ([f, df/dp...])');
  const emitted = emittedOps(s);
  if (precision === 'f64' && emitted.dtypes[F32] === 1) {
    throw new AdjointError('mixed-precision', 'the graph has f32 nodes; compile it with precision: \'f32\' (or build it in f64)');
  }
  const nInputs = g.inputNames.length;
  const nParams = g.outputs.length - 1;
  const layout = layoutMemory(s, nInputs, nParams, precision === 'f32' ? 4 : 8);
  const m = new binaryen.Module();
  const savedLevels = [binaryen.getOptimizeLevel(), binaryen.getShrinkLevel()] as const;
  try {
    m.setFeatures(binaryen.Features.MVP);
    // The memory first: loads and stores name the memory that exists when they are made.
    const segments = tableSegments(s, layout).map((seg) => ({ offset: m.i32.const(seg.offset), data: seg.data }));
    m.setMemory(layout.pages, layout.pages, 'memory', segments);
    const t = new Target(binaryen, m, layout, addMath(binaryen, m, mathUsed(emitted.ops), math));
    const f = g.outputs[0];
    const last = s.units.length - 1;
    // The last unit returns f when it is straight code that defines it (see schedule.ts).
    const returnsF = s.chunkOf[f] === last && s.units[last].kind === 'straight';
    const sizes: number[] = [];
    s.units.forEach((unit, u) => {
      t.fb = new FunctionBuilder();
      let body;
      if (unit.kind === 'straight') {
        body = straightBody(t, s, unit, u, returnsF && u === last);
        sizes.push(unit.end - unit.start);
      } else {
        const out: ExpressionRef[] = [];
        emitLoop(t, s, unit, -1, out);
        body = m.block(null, out, binaryen.none);
        sizes.push(unit.body.length + unit.inner.reduce((n, il) => n + il.body.length, 0));
      }
      m.addFunction(`u${u}`, binaryen.none, returnsF && u === last ? t.float : binaryen.none, t.fb.vars, body);
    });

    // run: the units in order, then gradients that are leaves (inputs, constants), then f.
    const runBody = s.units.map((_, u) => m.call(`u${u}`, [], returnsF && u === last ? t.float : binaryen.none));
    const fValue = returnsF ? runBody.pop()! : null;
    for (let k = 1; k < g.outputs.length; k++) {
      const o = g.outputs[k];
      if (s.chunkOf[o] < 0) runBody.push(t.store(t.slot(layout.grad, k - 1), leafOrMemory(t, s, o)));
    }
    runBody.push(fValue ?? leafOrMemory(t, s, f));
    m.addFunction('run', binaryen.none, t.float, [], m.block(null, runBody, t.float));
    m.addFunctionExport('run', 'run');

    m.addGlobal('input', binaryen.i32, false, m.i32.const(layout.input));
    m.addGlobal('grad', binaryen.i32, false, m.i32.const(layout.grad));
    m.addGlobalExport('input', 'input');
    m.addGlobalExport('grad', 'grad');

    binaryen.setShrinkLevel(0);
    optimizeLevels(sizes).forEach((level, u) => {
      if (level === 0) return;
      binaryen.setOptimizeLevel(level);
      m.optimizeFunction(`u${u}`);
    });
    const bytes = m.emitBinary();
    return {
      bytes,
      inputOffset: layout.input,
      gradOffset: layout.grad,
      nInputs,
      nParams,
      precision,
      math,
      functions: s.units.length + 1,
      instructions: emittedInstructions(s),
      memoryBytes: layout.pages * 65536,
    };
  } finally {
    binaryen.setOptimizeLevel(savedLevels[0]);
    binaryen.setShrinkLevel(savedLevels[1]);
    m.dispose();
  }
}
