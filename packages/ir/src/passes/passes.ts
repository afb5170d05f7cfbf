/**
 * The passes: each a named Graph -> Graph function. Every one keeps the inputs (their indices
 * are the compiled function's arguments) and the outputs, and never makes a graph bigger.
 *
 * fold, simplify and cse rebuild the graph through a GraphBuilder: a node's arguments are
 * rebuilt before it, so one walk in node order reaches the fixed point of rules that look at
 * a node and its arguments.
 */
import { CONST, GraphBuilder, INPUT, type BuilderOptions, type Graph } from '../graph.js';
import { ARITY } from '../ops.js';
import type { RuleCounts } from './match.js';

export interface PassResult {
  readonly graph: Graph;
  /** How often each rewrite rule fired (rebuilding passes only). */
  readonly rules?: RuleCounts;
}

/** Copy `g` through a builder with `options`, node by node; `keep[i] = 0` drops node i. */
export function rebuild(g: Graph, options: BuilderOptions, keep?: Uint8Array): PassResult {
  const b = new GraphBuilder({ ...options, capacity: g.size + 16 });
  const map = new Int32Array(g.size).fill(-1);
  for (let i = 0; i < g.size; i++) {
    if (keep !== undefined && keep[i] === 0) continue;
    const op = g.op[i];
    if (op === CONST) map[i] = b.constant(g.consts[g.a[i]], g.dtype[i] as 0 | 1);
    else if (op === INPUT) map[i] = b.input(g.a[i], g.inputNames[g.a[i]], g.dtype[i] as 0 | 1);
    else {
      const ar = ARITY[op];
      map[i] = b.node(op, map[g.a[i]], ar > 1 ? map[g.b[i]] : -1, ar > 2 ? map[g.c[i]] : -1);
    }
  }
  // Inputs without a node still keep their names and positions.
  for (let k = 0; k < g.inputNames.length; k++) b.input(k, g.inputNames[k]);
  return { graph: b.finish(Array.from(g.outputs, (o) => map[o])), rules: b.rulesFired };
}

/**
 * Constant folding: a node whose operands are all constants becomes the constant it
 * computes. Constants are merged by bits; nodes left dead are dropped.
 */
export function foldConstants(g: Graph): PassResult {
  const r = rebuild(g, { hashCons: 'constants', simplify: 'fold' });
  return { graph: dce(r.graph).graph, rules: r.rules };
}

/** The rewrite rules of rules.ts (constant folding included; with fastMath the fast rules too), then dce. */
export function simplify(g: Graph, options: { fastMath?: boolean } = {}): PassResult {
  const r = rebuild(g, { hashCons: 'constants', simplify: true, fastMath: options.fastMath });
  return { graph: dce(r.graph).graph, rules: r.rules };
}

/**
 * Common subexpression elimination: nodes with the same op and the same arguments, and
 * constants with the same bits, become one. Never changes a value.
 */
export function cse(g: Graph): PassResult {
  return rebuild(g, { hashCons: true, simplify: false });
}

/** Dead-code elimination: drop every node no output depends on (input nodes stay). */
export function dce(g: Graph): PassResult {
  const live = new Uint8Array(g.size);
  for (const o of g.outputs) live[o] = 1;
  let dead = 0;
  for (let i = g.size - 1; i >= 0; i--) {
    if (g.op[i] === INPUT) { live[i] = 1; continue; }
    if (live[i] === 0) { dead++; continue; }
    const ar = ARITY[g.op[i]];
    if (ar > 0) live[g.a[i]] = 1;
    if (ar > 1) live[g.b[i]] = 1;
    if (ar > 2) live[g.c[i]] = 1;
  }
  return dead === 0 ? { graph: g } : rebuild(g, { hashCons: false, simplify: false }, live);
}
