/**
 * The IR graph: SSA, topologically ordered, stored as struct-of-arrays so a 10^6-node graph
 * is a few typed arrays rather than a million objects. Node i's op is `op[i]`, its
 * arguments `a[i]`, `b[i]`, `c[i]` (-1 when unused). For `const`, `a[i]` indexes `consts`; for
 * `input`, `a[i]` is the input's position in the runtime input array, named `inputNames[a[i]]`.
 */
import { AdjointError } from './errors.js';
import { OP_CODE, OPS_BY_CODE, OP_NAMES, makeEmit, type Emit, type OpName } from './ops.js';
import { applyRules, ruleTable, type RuleCounts, type RuleTable } from './passes/match.js';
import { EXACT_RULES, FAST_RULES } from './passes/rules.js';

import { BOOL, DTYPE_NAMES, F32, F64, type DType } from './dtype.js';

export { BOOL, DTYPE_NAMES, F32, F64, type DType };

export interface Graph {
  readonly size: number;
  readonly op: Uint8Array;
  readonly dtype: Uint8Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly c: Int32Array;
  readonly consts: Float64Array;
  /** Names of the runtime inputs, by input index. */
  readonly inputNames: readonly string[];
  /** Output node ids. */
  readonly outputs: Int32Array;
}

export const CONST = OP_CODE.const;
export const INPUT = OP_CODE.input;

export function isLeaf(g: Graph, i: number): boolean {
  return g.op[i] === CONST || g.op[i] === INPUT;
}

/** The k-th argument array of a graph (k = 0, 1, 2). */
export function argArray(g: Graph, k: number): Int32Array {
  return k === 0 ? g.a : k === 1 ? g.b : g.c;
}

export interface BuilderOptions {
  /**
   * Merge nodes with the same op and arguments (and constants with the same bits);
   * 'constants' merges only constants. Merging never changes a value, but it changes how a
   * gradient transform accumulates adjoints, so traces of user code are recorded without it.
   * Default true.
   */
  hashCons?: boolean | 'constants';
  /**
   * Apply the exact rewrite rules of passes/rules.ts (constant operands evaluated, 1*x = x,
   * x + (-y) = x - y, ...) as nodes are built. They never change a bit of any value.
   * 'fold' applies only constant folding. Default: same as hashCons.
   */
  simplify?: boolean | 'fold';
  /** With simplify, also apply the fast-math rules (x*0 = 0, reassociation of constants...). */
  fastMath?: boolean;
  /** Initial capacity in nodes. */
  capacity?: number;
  /** Most nodes the graph may grow to (default and upper bound MAX_NODES): past it, a graph-too-large error. */
  maxNodes?: number;
}

/** Ops whose arguments commute bit for bit (NaN and -0 included), by op code. */
const COMMUTATIVE = Uint8Array.from(OP_NAMES, (n) => (['add', 'mul', 'min', 'max', 'eq', 'ne'].includes(n) ? 1 : 0));

const FOLD_TABLE = ruleTable([]);
const EXACT_TABLE = ruleTable(EXACT_RULES);
const FAST_TABLE = ruleTable([...EXACT_RULES, ...FAST_RULES]);

/**
 * Most nodes in one graph. The gradient transform refers to nodes as 2*id + sign in an int32,
 * so ids stay below 2^30; 2^28 (268M nodes, ~4 GB of arrays) is far past any graph that
 * compiles in reasonable time.
 */
export const MAX_NODES = 2 ** 28;

const bits = new Float64Array(1);
const bitWords = new Uint32Array(bits.buffer);

/** Records nodes into growable typed arrays; `finish` freezes them into a Graph. */
export class GraphBuilder {
  private n = 0;
  private op: Uint8Array;
  private dt: Uint8Array;
  private a: Int32Array;
  private b: Int32Array;
  private c: Int32Array;
  private consts: Float64Array;
  private nConsts = 0;
  private inputNames: string[] = [];
  private inputNode: number[] = [];
  private readonly hashCons: boolean;
  private readonly hashConsts: boolean;
  private readonly maxNodes: number;
  private readonly rules: RuleTable | null;
  /** How often each rewrite rule fired while building (empty without simplify). */
  readonly rulesFired: RuleCounts = new Map();
  // Open-addressing table, sized to a power of two. A slot is 0 (empty) or `tag << 28 | id`,
  // where the tag (1..15) is four more bits of the node's hash: a probe passes over 14 of 15
  // other nodes without reading their arrays (each such read is a cache miss at 10^6 nodes).
  private table: Int32Array;
  private mask: number;
  /** The VJP algebra over this builder's nodes. */
  readonly emit: Emit<number>;

  constructor(options: BuilderOptions = {}) {
    this.maxNodes = Math.min(MAX_NODES, options.maxNodes ?? MAX_NODES);
    const cap = Math.min(this.maxNodes, Math.max(16, options.capacity ?? 1024));
    this.hashCons = (options.hashCons ?? true) === true;
    this.hashConsts = options.hashCons !== false;
    const simplify = options.simplify ?? this.hashCons;
    this.rules = simplify === false ? null : simplify === 'fold' ? FOLD_TABLE : options.fastMath === true ? FAST_TABLE : EXACT_TABLE;
    [this.op, this.dt, this.a, this.b, this.c] = nodeArrays(cap);
    this.consts = new Float64Array(64);
    // Kept at most 3/4 full (see maybeGrow): a 10^6-node gradient's table is then 128 MB, not 256.
    const tableSize = this.hashConsts ? nextPow2(Math.ceil(cap * 1.34)) : 0;
    this.table = new Int32Array(tableSize);
    this.mask = tableSize - 1;
    this.emit = makeEmit((x) => this.constant(x), (code, x, y, z) => this.node(code, x, y, z), -1);
  }

  get size(): number {
    return this.n;
  }

  dtypeOf(id: number): DType {
    return this.dt[id] as DType;
  }

  /** The constant a node holds, or undefined when it is not a constant. */
  constValue(id: number): number | undefined {
    return this.op[id] === CONST ? this.consts[this.a[id]] : undefined;
  }

  /** The op code and first argument of a node (for peephole rules). */
  opOf(id: number): number {
    return this.op[id];
  }
  argOf(id: number, k: number): number {
    return k === 0 ? this.a[id] : k === 1 ? this.b[id] : this.c[id];
  }

  /** The node for runtime input `index`; one node per index. */
  input(index: number, name: string, dtype: DType = F64): number {
    const existing = this.inputNode[index];
    if (existing !== undefined) return existing;
    while (this.inputNames.length <= index) this.inputNames.push('');
    this.inputNames[index] = name;
    const id = this.push(INPUT, dtype, index, -1, -1);
    this.inputNode[index] = id;
    return id;
  }

  constant(x: number, dtype: DType = F64): number {
    if (this.hashConsts) {
      bits[0] = x;
      const h = hash(CONST, bitWords[0], bitWords[1], dtype);
      const tag = tagOf(h);
      for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
        const slot = this.table[i];
        if (slot === 0) {
          const node = this.pushConst(x, dtype);
          this.table[i] = (tag << TAG_SHIFT) | node;
          this.maybeGrow();
          return node;
        }
        if (slot >>> TAG_SHIFT !== tag) continue;
        const id = slot & ID_MASK;
        if (this.op[id] === CONST && this.dt[id] === dtype && Object.is(this.consts[this.a[id]], x)) return id;
      }
    }
    return this.pushConst(x, dtype);
  }

  /** Append (or find) a computing node. Checks argument count and kinds. */
  node(code: number, x = -1, y = -1, z = -1): number {
    const dtype = this.resultType(code, x, y, z);
    if (this.rules !== null) {
      const r = applyRules(this, this.rules, this.rulesFired, code, x, y, z, dtype);
      if (r >= 0) return r;
    }
    if (!this.hashCons) return this.push(code, dtype, x, y, z);
    // x*y finds y*x: the same value bit for bit. The node keeps its own argument order.
    const swap = COMMUTATIVE[code] === 1 && y < x;
    const h = swap ? hash(code, y, x, z) : hash(code, x, y, z);
    const tag = tagOf(h);
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.table[i];
      if (slot === 0) {
        const node = this.push(code, dtype, x, y, z);
        this.table[i] = (tag << TAG_SHIFT) | node;
        this.maybeGrow();
        return node;
      }
      if (slot >>> TAG_SHIFT !== tag) continue;
      const id = slot & ID_MASK;
      if (this.op[id] === code && this.c[id] === z
          && ((this.a[id] === x && this.b[id] === y) || (COMMUTATIVE[code] === 1 && this.a[id] === y && this.b[id] === x))) return id;
    }
  }

  /** Same as `node` by op name. */
  apply(name: OpName, x = -1, y = -1, z = -1): number {
    return this.node(OP_CODE[name], x, y, z);
  }

  finish(outputs: ArrayLike<number>): Graph {
    const n = this.n;
    for (let k = 0; k < outputs.length; k++) {
      if (!(outputs[k] >= 0 && outputs[k] < n)) {
        throw new AdjointError('bad-output', `output ${k} refers to node ${outputs[k]}, but the graph has ${n} nodes`);
      }
    }
    // Views, not copies, when little room is left over: copying a 10^6-node graph allocates
    // hundreds of MB, and every 64 MB of new buffers costs a full GC over the user's Values.
    // Safe because the builder only ever appends past n (growing allocates new arrays).
    const view = n * 3 >= this.op.length * 2;
    const cut = <T extends Uint8Array | Int32Array>(arr: T): T => (view ? arr.subarray(0, n) : arr.slice(0, n)) as T;
    return {
      size: n,
      op: cut(this.op),
      dtype: cut(this.dt),
      a: cut(this.a),
      b: cut(this.b),
      c: cut(this.c),
      consts: this.consts.slice(0, this.nConsts),
      inputNames: this.inputNames.slice(),
      outputs: Int32Array.from(outputs),
    };
  }

  private resultType(code: number, x: number, y: number, z: number): DType {
    const def = OPS_BY_CODE[code];
    const arity = def === undefined ? 0 : def.args.length;
    if (arity === 0) throw new AdjointError('bad-op', `op code ${code} is not a computing op`);
    if ((arity < 3 && z !== -1) || (arity < 2 && y !== -1)) {
      throw new AdjointError('bad-arity', `${OP_NAMES[code]} takes ${arity} argument(s), got more`);
    }
    const tx = this.argType(code, 0, x);
    const ty = arity > 1 ? this.argType(code, 1, y) : tx;
    const tz = arity > 2 ? this.argType(code, 2, z) : ty;
    // Float operands must agree: f32 and f64 never mix implicitly.
    let float: DType | -1 = tx === BOOL ? -1 : tx;
    if (ty !== BOOL) { if (float !== -1 && float !== ty) this.mixed(code); float = ty; }
    if (tz !== BOOL) { if (float !== -1 && float !== tz) this.mixed(code); float = tz; }
    return def.result === 'bool' ? BOOL : float === -1 ? F64 : float;
  }

  private mixed(code: number): never {
    throw new AdjointError('bad-type', `${OP_NAMES[code]} mixes f32 and f64 arguments; convert one side first`);
  }

  /** The type of argument k, checked against the op's signature. */
  private argType(code: number, k: number, id: number): DType {
    if (!(id >= 0 && id < this.n)) {
      throw new AdjointError('bad-arg', `${OP_NAMES[code]} argument ${k} refers to node ${id}, which does not exist yet`);
    }
    const t = this.dt[id] as DType;
    const want = OPS_BY_CODE[code].args[k];
    if ((want === 'bool') !== (t === BOOL)) {
      throw new AdjointError('bad-type',
        `${OP_NAMES[code]} argument ${k} must be ${want === 'bool' ? 'a bool (a comparison such as lt)' : 'a float'}, got ${DTYPE_NAMES[t]}`);
    }
    return t;
  }

  private pushConst(x: number, dtype: DType): number {
    if (this.nConsts === this.consts.length) {
      const grown = new Float64Array(this.consts.length * 2);
      grown.set(this.consts);
      this.consts = grown;
    }
    this.consts[this.nConsts] = x;
    return this.push(CONST, dtype, this.nConsts++, -1, -1);
  }

  private push(code: number, dtype: DType, x: number, y: number, z: number): number {
    if (this.n === this.op.length) this.growNodes();
    const id = this.n++;
    this.op[id] = code;
    this.dt[id] = dtype;
    this.a[id] = x;
    this.b[id] = y;
    this.c[id] = z;
    return id;
  }

  private growNodes(): void {
    if (this.op.length >= this.maxNodes) {
      throw new AdjointError('graph-too-large',
        `a graph may have at most ${this.maxNodes.toLocaleString('en-US')} nodes; build it in parts, or let a loop in your code repeat one smaller graph (see docs/builder.md)`);
    }
    const cap = Math.min(this.op.length * 2, this.maxNodes);
    try {
      const [op, dt, a, b, c] = nodeArrays(cap);
      op.set(this.op);
      dt.set(this.dt);
      a.set(this.a);
      b.set(this.b);
      c.set(this.c);
      [this.op, this.dt, this.a, this.b, this.c] = [op, dt, a, b, c];
    } catch (e) {
      // V8 throws RangeError when an ArrayBuffer cannot be allocated: out of memory.
      if (!(e instanceof RangeError)) throw e;
      throw new AdjointError('graph-too-large',
        `out of memory growing a graph past ${this.n.toLocaleString('en-US')} nodes (${Math.round((cap * 14) / 2 ** 20)} MB more needed); free memory, or compile a smaller graph (docs/builder.md has the limits)`);
    }
  }

  /** Keep the hash table at most 3/4 full: rehash every node into a table twice as big. */
  private maybeGrow(): void {
    if (this.n * 4 <= this.table.length * 3) return;
    this.table = new Int32Array(this.table.length * 2);
    this.mask = this.table.length - 1;
    for (let id = 0; id < this.n; id++) {
      let h: number;
      if (this.op[id] === CONST) {
        bits[0] = this.consts[this.a[id]];
        h = hash(CONST, bitWords[0], bitWords[1], this.dt[id]);
      } else if (this.op[id] === INPUT || !this.hashCons) {
        continue;
      } else {
        const code = this.op[id];
        const swap = COMMUTATIVE[code] === 1 && this.b[id] < this.a[id];
        h = swap ? hash(code, this.b[id], this.a[id], this.c[id]) : hash(code, this.a[id], this.b[id], this.c[id]);
      }
      let i = h & this.mask;
      while (this.table[i] !== 0) i = (i + 1) & this.mask;
      this.table[i] = (tagOf(h) << TAG_SHIFT) | id;
    }
  }
}

/**
 * op, dtype, a, b, c for `cap` nodes in one ArrayBuffer. One allocation, not five: V8 counts
 * ArrayBuffers as external memory and starts a full GC (a walk over all of the user's Values)
 * each time that grows by tens of MB, so at 10^6 nodes fewer, larger buffers mean fewer GCs.
 */
function nodeArrays(cap: number): [Uint8Array, Uint8Array, Int32Array, Int32Array, Int32Array] {
  const buf = new ArrayBuffer(cap * 14);
  return [
    new Uint8Array(buf, cap * 12, cap), new Uint8Array(buf, cap * 13, cap),
    new Int32Array(buf, 0, cap), new Int32Array(buf, cap * 4, cap), new Int32Array(buf, cap * 8, cap),
  ];
}

/** 32 well-mixed bits of a node's key (op and arguments, or a constant's bits and type). */
function hash(code: number, x: number, y: number, z: number): number {
  let h = Math.imul(code + 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ x ^ (h >>> 15), 0xc2b2ae35);
  h = Math.imul(h ^ y ^ (h >>> 13), 0x27d4eb2f);
  h = Math.imul(h ^ z ^ (h >>> 16), 0x165667b1);
  return h ^ (h >>> 15);
}

// Table slots: node ids fit in 28 bits (MAX_NODES), the tag in the 4 above.
const TAG_SHIFT = 28;
const ID_MASK = (1 << TAG_SHIFT) - 1;
/** A tag in 1..15 from the hash's top bits (0 marks an empty slot). */
function tagOf(h: number): number {
  return ((h >>> TAG_SHIFT) % 15) + 1;
}

function nextPow2(x: number): number {
  let p = 16;
  while (p < x) p *= 2;
  return p;
}
