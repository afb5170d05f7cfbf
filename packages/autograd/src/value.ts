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
import { AdjointError, OPS_BY_CODE, OP_CODE, numericEmit, type ComputeOp } from '@adjoint/ir';

export type Operand = Value | number;

let nextId = 0;
/** Traversal epoch: a node is visited in the current traversal when `mark === epoch`. */
let epoch = 0;
export function newEpoch(): number {
  return ++epoch;
}

const NO_ARGS: readonly Value[] = [];

export class Value {
  data: number;
  grad = 0;
  /** Creation order; a valid topological order, and the order `backward()` follows. */
  readonly id: number;
  /** Op code from the IR op table; `const` for leaves (named or not). Set only by `apply`. */
  op: number;
  /** The operands; empty for leaves. Set only by `apply`. */
  args: readonly Value[];
  /** The input's name; only leaves have one. */
  readonly paramName: string | undefined;
  /** @internal traversal mark and scratch index, valid while `mark === epoch`. */
  mark = 0;
  /** @internal */
  index = 0;
  /** True for comparison results, which `select` takes as its condition. Set only by `apply`. */
  isBool: boolean;

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
    this.args = NO_ARGS;
    this.paramName = paramName;
    this.isBool = false;
  }

  /** Apply an op from the table to Values or numbers. */
  static apply(name: ComputeOp, ...operands: Operand[]): Value {
    const code = OP_CODE[name];
    const def = OPS_BY_CODE[code];
    if (operands.length !== def.args.length) {
      throw new AdjointError('bad-arity', `${name} takes ${def.args.length} operand(s), got ${operands.length}`);
    }
    const args = operands.map((o, k) => {
      const v = o instanceof Value ? o : lift(o, name, k);
      if (v.isBool !== (def.args[k] === 'bool')) {
        throw new AdjointError('bad-type', def.args[k] === 'bool'
          ? `${name}'s condition must be a comparison such as a.lt(b), not a number`
          : `${name}'s operand ${k} is a comparison result; use select(cond, a, b) to turn it into a number`);
      }
      return v;
    });
    const v = new Value(def.eval(args[0].data, args.length > 1 ? args[1].data : 0, args.length > 2 ? args[2].data : 0));
    v.op = code;
    v.args = args;
    v.isBool = def.result === 'bool';
    return v;
  }

  add(o: Operand): Value { return Value.apply('add', this, o); }
  sub(o: Operand): Value { return Value.apply('sub', this, o); }
  mul(o: Operand): Value { return Value.apply('mul', this, o); }
  div(o: Operand): Value { return Value.apply('div', this, o); }
  pow(o: Operand): Value { return Value.apply('pow', this, o); }
  atan2(x: Operand): Value { return Value.apply('atan2', this, x); }
  min(o: Operand): Value { return Value.apply('min', this, o); }
  max(o: Operand): Value { return Value.apply('max', this, o); }
  neg(): Value { return Value.apply('neg', this); }
  sqrt(): Value { return Value.apply('sqrt', this); }
  exp(): Value { return Value.apply('exp', this); }
  log(): Value { return Value.apply('log', this); }
  log1p(): Value { return Value.apply('log1p', this); }
  expm1(): Value { return Value.apply('expm1', this); }
  sin(): Value { return Value.apply('sin', this); }
  cos(): Value { return Value.apply('cos', this); }
  tan(): Value { return Value.apply('tan', this); }
  asin(): Value { return Value.apply('asin', this); }
  acos(): Value { return Value.apply('acos', this); }
  atan(): Value { return Value.apply('atan', this); }
  sinh(): Value { return Value.apply('sinh', this); }
  cosh(): Value { return Value.apply('cosh', this); }
  tanh(): Value { return Value.apply('tanh', this); }
  abs(): Value { return Value.apply('abs', this); }
  sign(): Value { return Value.apply('sign', this); }
  floor(): Value { return Value.apply('floor', this); }
  ceil(): Value { return Value.apply('ceil', this); }
  sigmoid(): Value { return Value.apply('sigmoid', this); }
  relu(): Value { return Value.apply('relu', this); }
  softplus(): Value { return Value.apply('softplus', this); }
  /** x * x, recorded as one multiplication. */
  square(): Value { return Value.apply('mul', this, this); }
  lt(o: Operand): Value { return Value.apply('lt', this, o); }
  le(o: Operand): Value { return Value.apply('le', this, o); }
  gt(o: Operand): Value { return Value.apply('gt', this, o); }
  ge(o: Operand): Value { return Value.apply('ge', this, o); }
  eq(o: Operand): Value { return Value.apply('eq', this, o); }
  ne(o: Operand): Value { return Value.apply('ne', this, o); }
  /** For a comparison result: `ifTrue` where it holds, else `ifFalse` (branch-free). */
  select(ifTrue: Operand, ifFalse: Operand): Value { return Value.apply('select', this, ifTrue, ifFalse); }

  static select(cond: Value, ifTrue: Operand, ifFalse: Operand): Value {
    return Value.apply('select', cond, ifTrue, ifFalse);
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
    return this.args.length === 0;
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
    for (let k = order.length - 1; k >= 0; k--) {
      const v = order[k];
      const vjp = OPS_BY_CODE[v.op].vjp;
      if (vjp === null || v.args.length === 0 || !reached[k]) continue;
      const args = v.args;
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

function lift(x: number, op: string, k: number): Value {
  if (typeof x !== 'number') {
    throw new AdjointError('bad-operand', `${op}'s operand ${k} must be a Value or a number, got ${x === null ? 'null' : typeof x}`);
  }
  return new Value(x);
}

/**
 * Every Value `root` depends on, in creation order (a topological order), without
 * recursion. Uses a bucket pass when ids are dense and a sort otherwise.
 */
export function topoOrder(root: Value): Value[] {
  const mark = newEpoch();
  const found: Value[] = [root];
  root.mark = mark;
  let minId = root.id;
  for (let k = 0; k < found.length; k++) {
    const args = found[k].args;
    for (let j = 0; j < args.length; j++) {
      const a = args[j];
      if (a.mark !== mark) {
        a.mark = mark;
        found.push(a);
        if (a.id < minId) minId = a.id;
      }
    }
  }
  const span = root.id - minId + 1;
  if (span > 4 * found.length + 1024) return found.sort((x, y) => x.id - y.id);
  const buckets: (Value | undefined)[] = new Array(span);
  for (const v of found) buckets[v.id - minId] = v;
  const order: Value[] = new Array(found.length);
  let n = 0;
  for (let i = 0; i < span; i++) {
    const v = buckets[i];
    if (v !== undefined) order[n++] = v;
  }
  return order;
}
