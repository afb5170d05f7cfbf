/**
 * What every unit's code is built from: the module, the float type of this precision, memory
 * accesses into the layout's arrays, the 1.0/0.0 convention of booleans in memory, and the
 * op table. One `Target` per generated module; one `FunctionBuilder` per wasm function.
 */
import { ARITY, OP_NAMES, type ComputeOp } from '@adjoint/ir';
import type { Binaryen, BinaryenModule, ExpressionRef, WasmType } from './binaryen.js';
import type { Layout } from './layout.js';
import { wasmRender, type MathFn, type Operand, type RenderContext } from './render.js';

/** The float instructions used, the same for f64 and f32. */
export type FloatOps = Pick<BinaryenModule['f64'], 'load' | 'store' | 'const' | 'add' | 'sub' | 'mul' | 'div' | 'neg'
  | 'abs' | 'sqrt' | 'floor' | 'ceil' | 'min' | 'max' | 'copysign' | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne'>
  & { readonly convert_u: { i32(value: ExpressionRef): ExpressionRef } };

/** A wasm function's locals and statement lists while its body is built. */
export class FunctionBuilder {
  readonly vars: WasmType[] = [];
  private labels = 0;
  private readonly scratch = new Map<WasmType, number>();
  /** Statements of the block being built: renders put the locals they need first here. */
  stmts: ExpressionRef[] = [];

  /** A new local (the functions have no parameters, so locals are numbered from 0). */
  local(type: WasmType): number {
    this.vars.push(type);
    return this.vars.length - 1;
  }

  /** One local per type for values an op reads twice (they never outlive the op). */
  scratchLocal(type: WasmType): number {
    let l = this.scratch.get(type);
    if (l === undefined) { l = this.local(type); this.scratch.set(type, l); }
    return l;
  }

  label(): string {
    return `L${this.labels++}`;
  }
}

/** A byte address `ptr + offset`; offset is a load/store immediate, so it must be >= 0. */
export interface Access {
  readonly ptr: ExpressionRef;
  readonly offset: number;
}

/** `coef * value` for an i32 value, with coef in bytes. */
export interface Term {
  readonly coef: number;
  readonly value: () => ExpressionRef;
}

export class Target implements RenderContext {
  readonly f: FloatOps;
  readonly d: FloatOps;
  readonly float: WasmType;
  readonly f64: WasmType;
  readonly wide: boolean;
  fb = new FunctionBuilder();

  constructor(readonly binaryen: Binaryen, readonly m: BinaryenModule, readonly layout: Layout,
    private readonly mathNames: ReadonlyMap<MathFn, string>) {
    this.wide = layout.elem === 4;
    this.f = this.wide ? m.f32 : m.f64;
    this.d = m.f64;
    this.float = this.wide ? binaryen.f32 : binaryen.f64;
    this.f64 = binaryen.f64;
  }

  // ---- RenderContext ----

  constant(x: number): ExpressionRef {
    return this.wide ? this.m.f32.const(Math.fround(x)) : this.m.f64.const(x);
  }

  widen(x: ExpressionRef): ExpressionRef {
    return this.wide ? this.m.f64.promote(x) : x;
  }

  narrow(x: ExpressionRef): ExpressionRef {
    return this.wide ? this.m.f32.demote(x) : x;
  }

  libm(fn: MathFn, args: readonly ExpressionRef[]): ExpressionRef {
    return this.m.call(this.mathNames.get(fn)!, args, this.binaryen.f64);
  }

  keep(a: Operand, type: WasmType): Operand {
    if (a.cheap) return a;
    const l = this.fb.scratchLocal(type);
    this.fb.stmts.push(this.m.local.set(l, a.get()));
    return this.localOperand(l, type);
  }

  // ---- operands and memory ----

  localOperand(l: number, type: WasmType): Operand {
    return { get: () => this.m.local.get(l, type), cheap: true };
  }

  constOperand(x: number): Operand {
    return { get: () => this.constant(x), cheap: true };
  }

  /** The value of op `op` on `args`; renders may first add statements to `fb.stmts`. */
  render(op: number, args: readonly Operand[]): ExpressionRef {
    if (args.length !== ARITY[op]) throw new Error(`internal: ${OP_NAMES[op]} takes ${ARITY[op]} operands, got ${args.length}`);
    return wasmRender[OP_NAMES[op] as ComputeOp].emit(this, args);
  }

  /** `constBytes + sum(terms)` as a pointer and an immediate offset. */
  access(constBytes: number, terms: readonly Term[]): Access {
    const live = terms.filter((t) => t.coef !== 0);
    const m = this.m;
    const scaled = live.map((t) => {
      const v = t.value();
      if (t.coef === 1) return v;
      const log = Math.log2(t.coef);
      return Number.isInteger(log) ? m.i32.shl(v, m.i32.const(log)) : m.i32.mul(v, m.i32.const(t.coef | 0));
    });
    // A negative term can make the pointer negative, which the immediate cannot make up for
    // (wasm adds them unsigned): then the constant goes into the pointer.
    const inOffset = constBytes >= 0 && live.every((t) => t.coef > 0);
    let ptr: ExpressionRef | null = inOffset || constBytes === 0 ? null : m.i32.const(constBytes | 0);
    for (const v of scaled) ptr = ptr === null ? v : m.i32.add(ptr, v);
    return { ptr: ptr ?? m.i32.const(0), offset: inOffset ? constBytes : 0 };
  }

  /** A fixed float slot: `base` is the byte offset of its array. */
  slot(base: number, index: number): Access {
    return { ptr: this.m.i32.const(0), offset: base + index * this.layout.elem };
  }

  load(a: Access): ExpressionRef {
    return this.f.load(a.offset, this.layout.elem, a.ptr);
  }

  store(a: Access, value: ExpressionRef): ExpressionRef {
    return this.f.store(a.offset, this.layout.elem, a.ptr, value);
  }

  loadIndex(a: Access): ExpressionRef {
    return this.m.i32.load(a.offset, 4, a.ptr);
  }

  /** Booleans live in memory as 1 and 0 (like the JS backend): a read compares with 0. */
  fromMemory(read: ExpressionRef, bool: boolean): ExpressionRef {
    return bool ? this.f.ne(read, this.constant(0)) : read;
  }

  toMemory(value: ExpressionRef, bool: boolean): ExpressionRef {
    return bool ? this.f.convert_u.i32(value) : value;
  }
}
