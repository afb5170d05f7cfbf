/**
 * Matching rule patterns against nodes as they are built. The rules are compiled once into a
 * table indexed by op code; a pattern's names become slots of one scratch array, so a failed
 * match (the common case) allocates nothing.
 */
import { BOOL, F32, type DType } from '../dtype.js';
import { ARITY, OPS_BY_CODE, OP_CODE, OP_NAMES } from '../ops.js';

const CONST = OP_CODE.const;
import type { Pattern, Rule, RuleGraph } from './rules.js';

interface CompiledRule {
  readonly rule: Rule;
  readonly names: readonly string[];
  /** Tries the node's arguments against the pattern; fills `slots`. */
  readonly match: (g: RuleGraph, x: number, y: number, z: number, slots: Int32Array) => boolean;
}

/** Rules by op code, plus whether every-constant operands are evaluated. */
export interface RuleTable {
  readonly byOp: readonly (readonly CompiledRule[])[];
  /**
   * A quick filter: triggers[code][argOp] = 1 when some rule of `code` looks for an argument
   * made by argOp (or is a constant); ops with a rule whose arguments are all plain names
   * (min(x, x)) are always tried. Most nodes fail the filter and cost three loads.
   */
  readonly triggers: readonly Uint8Array[];
  readonly always: Uint8Array;
  readonly fold: boolean;
}

/** Rewrites applied, by rule name ('fold' for evaluated constants). */
export type RuleCounts = Map<string, number>;

export function ruleTable(rules: readonly Rule[], fold = true): RuleTable {
  const byOp: CompiledRule[][] = OP_NAMES.map(() => []);
  const triggers = OP_NAMES.map(() => new Uint8Array(OP_NAMES.length));
  const always = new Uint8Array(OP_NAMES.length);
  for (const r of rules) {
    const code = OP_CODE[r.op];
    if (r.args.every((p) => p.kind === 'any')) always[code] = 1;
    for (const p of r.args) {
      if (p.kind === 'const') triggers[code][OP_CODE.const] = 1;
      else if (p.kind === 'op') triggers[code][p.op] = 1;
    }
    if (r.args.length !== ARITY[OP_CODE[r.op]]) throw new Error(`rule ${r.name}: ${r.op} takes ${ARITY[OP_CODE[r.op]]} arguments`);
    const names: string[] = [];
    const tops = r.args.map((p) => compilePattern(p, names));
    const [p0, p1, p2] = tops;
    const nNames = names.length;
    const straight = (g: RuleGraph, x: number, y: number, z: number, slots: Int32Array): boolean => {
      for (let k = 0; k < nNames; k++) slots[k] = -1;
      return p0(g, x, slots) && (p1 === undefined || p1(g, y, slots)) && (p2 === undefined || p2(g, z, slots));
    };
    const match = !r.commutative ? straight
      : (g: RuleGraph, x: number, y: number, z: number, slots: Int32Array): boolean =>
        straight(g, x, y, z, slots) || straight(g, y, x, z, slots);
    byOp[OP_CODE[r.op]].push({ rule: r, names, match });
  }
  return { byOp, triggers, always, fold };
}

type Matcher = (g: RuleGraph, id: number, slots: Int32Array) => boolean;

function compilePattern(p: Pattern, names: string[]): Matcher {
  const slotOf = (name: string): number => {
    const k = names.indexOf(name);
    if (k >= 0) return k;
    names.push(name);
    return names.length - 1;
  };
  // A name seen twice must bind the same node both times.
  const bind = (slot: number, id: number, slots: Int32Array): boolean => {
    if (slots[slot] >= 0) return slots[slot] === id;
    slots[slot] = id;
    return true;
  };
  switch (p.kind) {
    case 'any': {
      const slot = slotOf(p.name);
      return (_, id, slots) => bind(slot, id, slots);
    }
    case 'const': {
      const slot = p.name === undefined ? -1 : slotOf(p.name);
      return (g, id, slots) => {
        const v = g.constValue(id);
        return v !== undefined && p.test(v) && (slot < 0 || bind(slot, id, slots));
      };
    }
    case 'op': {
      const args = p.args.map((a) => compilePattern(a, names));
      return (g, id, slots) => {
        if (g.opOf(id) !== p.op) return false;
        for (let k = 0; k < args.length; k++) if (!args[k](g, g.argOf(id, k), slots)) return false;
        return true;
      };
    }
  }
}

// Matching never re-enters itself (rewrites run after the slots are copied out), so one
// scratch array serves every table.
const scratch = new Int32Array(16);

/**
 * The node that replaces `code(x, y, z)`, or -1 when no rule applies. Operands that are all
 * constants are evaluated with the op's own meaning, exactly what the generated code would
 * compute (f32 results rounded to float).
 */
export function applyRules(g: RuleGraph, table: RuleTable, fired: RuleCounts | null, code: number, x: number, y: number, z: number, dtype: DType): number {
  const arity = ARITY[code];
  const ox = g.opOf(x);
  if (table.fold && ox === CONST && dtype !== BOOL) {
    const cx = g.constValue(x)!;
    const cy = arity > 1 ? g.constValue(y) : 0;
    const cz = arity > 2 ? g.constValue(z) : 0;
    if (cy !== undefined && cz !== undefined) {
      count(fired, 'fold');
      const v = OPS_BY_CODE[code].eval(cx, cy, cz);
      return g.constant(dtype === F32 ? Math.fround(v) : v, dtype);
    }
  }
  const rules = table.byOp[code];
  if (rules.length === 0) return -1;
  if (table.always[code] === 0) {
    const t = table.triggers[code];
    if (t[ox] === 0 && (arity < 2 || t[g.opOf(y)] === 0) && (arity < 3 || t[g.opOf(z)] === 0)) return -1;
  }
  for (const r of rules) {
    if (!r.match(g, x, y, z, scratch)) continue;
    const nodes: Record<string, number> = {};
    for (let k = 0; k < r.names.length; k++) nodes[r.names[k]] = scratch[k];
    count(fired, r.rule.name);
    return r.rule.rewrite({ nodes, dtype, g });
  }
  return -1;
}

function count(fired: RuleCounts | null, name: string): void {
  if (fired !== null) fired.set(name, (fired.get(name) ?? 0) + 1);
}
