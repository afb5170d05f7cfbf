/**
 * `Value`: a scalar that computes eagerly and remembers how it was made, so `backward()`
 * can differentiate it and `trace()` can turn it into IR. Every op is computed through the
 * IR's op table (`ops[name].eval`, and `vjp` for backward), which is why eager and compiled
 * results agree bit for bit.
 *
 * A leaf made with a name (`new Value(0.5, 'w')`) is a named input: a parameter when passed
 * to `compileGradientFunction` as one, otherwise a runtime input. A leaf without a name is a
 * constant that compiled code bakes in.
 */
import { AdjointError, OPS_BY_CODE, OP_CODE, OP_NAMES, numericEmit, type ComputeOp } from '@adjoint/ir';

export type Operand = Value | number;

let nextId = 0;
/** Traversal epoch: a node is visited in the current traversal when `mark === epoch`. */
let epoch = 0;
export function newEpoch(): number {
  return ++epoch;
}

const NO_ARGS: readonly Value[] = [];

/**
 * A Value holds its operands in three fields rather than an array, and derives isBool from
 * its op: a traced graph has one Value per node, and with an operand array each node was
 * four heap objects instead of two (the Value and its boxed data), 149 bytes instead of 115.
 * At 10^7 nodes the garbage collector's walks over them were most of the tracing time.
 */
export class Value {
  data: number;
  grad = 0;
  /** Creation order; a valid topological order, and the order `backward()` follows. */
  readonly id: number;
  /** Op code from the IR op table; `const` for leaves (named or not). Set only by `apply`. */
  op: number;
  /** @internal Operands 0, 1, 2 (null past the op's arity, all null for leaves). Set only by `apply`. */
  x: Value | null;
  /** @internal */
  y: Value | null;
  /** @internal */
  z: Value | null;
  /** The input's name; only leaves have one. */
  readonly paramName: string | undefined;
  /** @internal traversal mark and scratch index, valid while `mark === epoch`. */
  mark = 0;
  /** @internal */
  index = 0;

  constructor(data: number, paramName?: string) {
    if (typeof data !== 'number') {
      throw new AdjointError('bad-value', `new Value(data) needs a number, got ${typeof data}`);
    }
    if (paramName !== undefined && (typeof paramName !== 'string' || paramName.length === 0)) {
      throw new AdjointError('bad-name', 'a Value name must be a non-empty string, e.g. new Value(0.5, "w")');
    }
    this.data = data;
    this.id = nextId++;
    this.op = OP_CODE.const;
    this.x = null;
    this.y = null;
    this.z = null;
    this.paramName = paramName;
  }

  /** True for comparison results, which `select` takes as its condition. */
  get isBool(): boolean {
    return BOOL_RESULT[this.op] === 1;
  }

  /** Apply an op from the table to Values or numbers. */
  static apply(name: ComputeOp, ...operands: Operand[]): Value {
    const code = OP_CODE[name];
    const def = OPS_BY_CODE[code];
    if (operands.length !== def.args.length) {
      throw new AdjointError('bad-arity', `${name} takes ${def.args.length} operand(s), got ${operands.length}`);
    }
    return make(code, operands[0], operands[1], operands[2]);
  }

  /** The operands; empty for leaves. */
  get args(): readonly Value[] {
    return this.x === null ? NO_ARGS : this.y === null ? [this.x] : this.z === null ? [this.x, this.y] : [this.x, this.y, this.z];
  }

  add(o: Operand): Value { return make(OP_CODE.add, this, o); }
  sub(o: Operand): Value { return make(OP_CODE.sub, this, o); }
  mul(o: Operand): Value { return make(OP_CODE.mul, this, o); }
  div(o: Operand): Value { return make(OP_CODE.div, this, o); }
  pow(o: Operand): Value { return make(OP_CODE.pow, this, o); }
  atan2(x: Operand): Value { return make(OP_CODE.atan2, this, x); }
  min(o: Operand): Value { return make(OP_CODE.min, this, o); }
  max(o: Operand): Value { return make(OP_CODE.max, this, o); }
  neg(): Value { return make(OP_CODE.neg, this); }
  sqrt(): Value { return make(OP_CODE.sqrt, this); }
  exp(): Value { return make(OP_CODE.exp, this); }
  log(): Value { return make(OP_CODE.log, this); }
  log1p(): Value { return make(OP_CODE.log1p, this); }
  expm1(): Value { return make(OP_CODE.expm1, this); }
  sin(): Value { return make(OP_CODE.sin, this); }
  cos(): Value { return make(OP_CODE.cos, this); }
  tan(): Value { return make(OP_CODE.tan, this); }
  asin(): Value { return make(OP_CODE.asin, this); }
  acos(): Value { return make(OP_CODE.acos, this); }
  atan(): Value { return make(OP_CODE.atan, this); }
  sinh(): Value { return make(OP_CODE.sinh, this); }
  cosh(): Value { return make(OP_CODE.cosh, this); }
  tanh(): Value { return make(OP_CODE.tanh, this); }
  abs(): Value { return make(OP_CODE.abs, this); }
  sign(): Value { return make(OP_CODE.sign, this); }
  floor(): Value { return make(OP_CODE.floor, this); }
  ceil(): Value { return make(OP_CODE.ceil, this); }
  sigmoid(): Value { return make(OP_CODE.sigmoid, this); }
  relu(): Value { return make(OP_CODE.relu, this); }
  softplus(): Value { return make(OP_CODE.softplus, this); }
  /** x * x, recorded as one multiplication. */
  square(): Value { return make(OP_CODE.mul, this, this); }
  lt(o: Operand): Value { return make(OP_CODE.lt, this, o); }
  le(o: Operand): Value { return make(OP_CODE.le, this, o); }
  gt(o: Operand): Value { return make(OP_CODE.gt, this, o); }
  ge(o: Operand): Value { return make(OP_CODE.ge, this, o); }
  eq(o: Operand): Value { return make(OP_CODE.eq, this, o); }
  ne(o: Operand): Value { return make(OP_CODE.ne, this, o); }
  /** For a comparison result: `ifTrue` where it holds, else `ifFalse` (branch-free). */
  select(ifTrue: Operand, ifFalse: Operand): Value { return make(OP_CODE.select, this, ifTrue, ifFalse); }

  static select(cond: Value, ifTrue: Operand, ifFalse: Operand): Value {
    return make(OP_CODE.select, cond, ifTrue, ifFalse);
  }

  /** v0 + v1 + ... as a left fold (the order a JS loop would add them); 0 for no values. */
  static sum(values: readonly Operand[]): Value {
    if (values.length === 0) return new Value(0);
    let acc = values[0] instanceof Value ? values[0] : new Value(values[0]);
    for (let i = 1; i < values.length; i++) acc = acc.add(values[i]);
    return acc;
  }

  static mean(values: readonly Operand[]): Value {
    if (values.length === 0) throw new AdjointError('empty-mean', 'Value.mean of no values is undefined; pass at least one');
    return Value.sum(values).div(values.length);
  }

  get isLeaf(): boolean {
    return this.x === null;
  }

  /**
   * Reverse-mode gradient of this value: sets `.grad` of every Value it depends on (starting
   * from 0, so calling it twice gives the same result). Iterative: any depth works.
   */
  backward(): void {
    const order = topoOrder(this);
    for (let k = 0; k < order.length; k++) { order[k].grad = 0; order[k].index = k; }
    this.grad = 1;
    // Like the gradient transform, visit only nodes some contribution reached: a node whose
    // value only feeds a comparison has no gradient, and its rule could turn 0 into NaN.
    const reached = new Uint8Array(order.length);
    reached[this.index] = 1;
    const e = numericEmit;
    const argData: number[] = [];
    const args: Value[] = [];
    for (let k = order.length - 1; k >= 0; k--) {
      const v = order[k];
      const vjp = OPS_BY_CODE[v.op].vjp;
      if (vjp === null || v.x === null || !reached[k]) continue;
      args.length = 0;
      args.push(v.x);
      if (v.y !== null) args.push(v.y);
      if (v.z !== null) args.push(v.z);
      argData.length = args.length;
      for (let j = 0; j < args.length; j++) argData[j] = args[j].data;
      const terms = vjp(v.grad, argData, v.data, e);
      for (let j = 0; j < args.length; j++) {
        const t = terms[j];
        if (t !== null) { args[j].grad = args[j].grad + t; reached[args[j].index] = 1; }
      }
    }
  }

  toString(): string {
    return `Value(${this.data}${this.paramName !== undefined ? `, ${JSON.stringify(this.paramName)}` : ''})`;
  }
}

/** The seed API's name for the same class. */
export { Value as CompilableValue };

/** Per op code: 1 when the op gives a bool (a comparison). */
const BOOL_RESULT = Uint8Array.from(OPS_BY_CODE, (d) => (d.result === 'bool' ? 1 : 0));

/** Op `code` applied to its operands (as many as it takes; the rest are ignored): checked, computed, recorded. */
function make(code: number, a: Operand, b?: Operand, c?: Operand): Value {
  const def = OPS_BY_CODE[code];
  const arity = def.args.length;
  const x = operand(a, code, 0);
  const y = arity > 1 ? operand(b, code, 1) : null;
  const z = arity > 2 ? operand(c, code, 2) : null;
  const v = new Value(def.eval(x.data, y !== null ? y.data : 0, z !== null ? z.data : 0));
  v.op = code;
  v.x = x;
  v.y = y;
  v.z = z;
  return v;
}

/** Operand k of op `code` as a Value of the kind the op takes there. */
function operand(o: Operand | undefined, code: number, k: number): Value {
  const v = o instanceof Value ? o : lift(o, OP_NAMES[code], k);
  const wantBool = OPS_BY_CODE[code].args[k] === 'bool';
  if (v.isBool !== wantBool) {
    const name = OP_NAMES[code];
    throw new AdjointError('bad-type', wantBool
      ? `${name}'s condition must be a comparison such as a.lt(b), not a number`
      : `${name}'s operand ${k} is a comparison result; use select(cond, a, b) to turn it into a number`);
  }
  return v;
}

function lift(x: unknown, op: string, k: number): Value {
  if (typeof x !== 'number') {
    throw new AdjointError('bad-operand', `${op}'s operand ${k} must be a Value or a number, got ${x === null ? 'null' : typeof x}`);
  }
  return new Value(x);
}

/**
 * Every Value `root` depends on, in creation order (a topological order), without
 * recursion.
 */
export function topoOrder(root: Value): Value[] {
  const { found, rank } = reachable(root);
  const order: Value[] = new Array(found.length);
  for (let r = 0; r < rank.length; r++) order[r] = found[rank[r]];
  return order;
}

/**
 * Every Value `root` depends on, in discovery order (each marked with a fresh epoch), and
 * `rank`: their positions in `found` sorted by creation id. Ids are dense for a graph built
 * in one go, so a table over the id span sorts them in linear time; sparse ids are sorted.
 */
export function reachable(root: Value): { found: Value[]; rank: Int32Array } {
  const mark = newEpoch();
  const found: Value[] = [root];
  root.mark = mark;
  let minId = root.id;
  const visit = (a: Value | null): void => {
    if (a === null || a.mark === mark) return;
    a.mark = mark;
    found.push(a);
    if (a.id < minId) minId = a.id;
  };
  for (let k = 0; k < found.length; k++) {
    const v = found[k];
    visit(v.x);
    visit(v.y);
    visit(v.z);
  }
  const n = found.length;
  const span = root.id - minId + 1;
  if (span > 4 * n + 1024) {
    const rank = Int32Array.from({ length: n }, (_, k) => k);
    return { found, rank: rank.sort((i, j) => found[i].id - found[j].id) };
  }
  const slot = new Int32Array(span);
  for (let k = 0; k < n; k++) slot[found[k].id - minId] = k + 1;
  // Compact in place (r <= i): the ranks end up in the first n entries.
  for (let i = 0, r = 0; i < span; i++) if (slot[i] !== 0) slot[r++] = slot[i] - 1;
  return { found, rank: slot.subarray(0, n) };
}
