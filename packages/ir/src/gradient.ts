/**
 * Reverse mode as an IR -> IR transform. Given a graph whose first output is f, build one
 * graph whose outputs are [f, df/dp0, df/dp1, ...] for the chosen param inputs.
 *
 * The order of accumulation equals eager `backward()`: nodes are visited from the last to
 * the first (graph order is creation order), and each node adds its contributions to its
 * arguments' adjoints in argument order, using the op table's VJP rules.
 *
 * One difference is deliberate: `backward()` starts every adjoint at +0 and adds, while here
 * the first contribution *is* the adjoint (saving an add per node). The two sums differ only
 * when every term so far is a zero, and then only in the sign of that zero; since every VJP
 * rule is linear in the adjoint, a zero adjoint only ever produces zero (or NaN) terms, so the
 * difference reaches a parameter's gradient only as the sign of a zero. One `0 + g` on each
 * parameter's final gradient removes it (+0 + -0 = +0), which restores bit-identity.
 */
import { AdjointError } from './errors.js';
import { BOOL, CONST, GraphBuilder, INPUT, argArray, type Graph } from './graph.js';
import { ARITY, OPS_BY_CODE, OP_CODE, makeEmit, type Emit } from './ops.js';
import type { RuleCounts } from './passes/match.js';

export interface GradientOptions {
  /** Input indices of the parameters, in gradient output order. */
  params: readonly number[];
  /**
   * Build through a hash-consing builder with the exact rewrite rules, and keep adjoint signs
   * symbolic (see signedAlgebra). Bit-identical results either way; false gives the graph
   * exactly as the VJP rules emit it (optimize: 0). Default true.
   */
  simplify?: boolean;
  /** With simplify, also apply the fast-math rules (results may change in the last bits). */
  fastMath?: boolean;
}

const ADD = OP_CODE.add;
const SUB = OP_CODE.sub;
const MUL = OP_CODE.mul;
const DIV = OP_CODE.div;
const NEG = OP_CODE.neg;
const SELECT = OP_CODE.select;

/**
 * The VJP algebra over signed node references: `2*id` is node id, `2*id + 1` is its
 * negation, not yet built. A negated adjoint stays symbolic through the linear ops and lands
 * as a subtraction, so `a - b` contributes `adj - g` to b instead of building `neg(g)` and
 * adding it (W1: every one of ~2,000 negations goes). Each step is exact in IEEE arithmetic:
 *   (-a) * b = -(a * b), (-a) / b = -(a / b)     rounding to nearest is sign-symmetric
 *   a + (-b) = a - b, (-a) + b = b - a            definition of subtraction; + commutes
 *   (-a) + (-b) = (-a) - b                        NOT -(a + b): that differs at a = +0, b = -0
 *   select(c, -a, -b) = -select(c, a, b)
 * Adjoint sums (`sum`) may use -(a + b) all the same: adjoints only ever meet linear rules,
 * so the sign of a zero adjoint reaches nothing but the sign of a zero gradient, which the
 * final `0 + g` of every parameter erases (see the file comment).
 * With `fold` false every negation is built at once (the graph as the rules write it).
 */
function signedAlgebra(b: GraphBuilder, fold: boolean): { e: Emit<number>; sum: (x: number, y: number) => number } {
  const built = (v: number): number => ((v & 1) === 0 ? v >> 1 : b.node(NEG, v >> 1));
  const add = (x: number, y: number): number => {
    const nx = x & 1;
    const ny = y & 1;
    if (nx === 0) return 2 * b.node(ny === 0 ? ADD : SUB, x >> 1, y >> 1);
    return 2 * (ny === 0 ? b.node(SUB, y >> 1, x >> 1) : b.node(SUB, built(x), y >> 1));
  };
  const e = makeEmit((x) => 2 * b.constant(x), (code, x, y, z) => {
    if (!fold) {
      return 2 * b.node(code, x >> 1, ARITY[code] > 1 ? y >> 1 : -1, ARITY[code] > 2 ? z >> 1 : -1);
    }
    switch (code) {
      case NEG: return x ^ 1;
      case MUL: case DIV: return (2 * b.node(code, x >> 1, y >> 1)) | ((x ^ y) & 1);
      case ADD: return add(x, y);
      case SUB: return add(x, y ^ 1);
      case SELECT:
        if ((y & 1) === (z & 1)) return (2 * b.node(SELECT, x >> 1, y >> 1, z >> 1)) | (y & 1);
        return 2 * b.node(SELECT, x >> 1, built(y), built(z));
      default: {
        const ar = ARITY[code];
        return 2 * b.node(code, built(x), ar > 1 ? built(y) : -1, ar > 2 ? built(z) : -1);
      }
    }
  }, -1);
  // Written out rather than through `e.add`: it runs once per adjoint term.
  const sum = (x: number, y: number): number => {
    if ((x & 1) === 0) return 2 * b.node((y & 1) === 0 ? ADD : SUB, x >> 1, y >> 1);
    return (y & 1) === 0 ? 2 * b.node(SUB, y >> 1, x >> 1) : (2 * b.node(ADD, x >> 1, y >> 1)) | 1;
  };
  return { e, sum };
}

/**
 * The gradient graph. The forward part is copied through a hash-consing builder (merging
 * identical nodes never changes a value) and the adjoint structure follows the input graph,
 * so the results equal `backward()` on the user's own trace.
 */
export function gradientGraph(g: Graph, options: GradientOptions): Graph {
  return differentiateWithStats(g, options).graph;
}

/** `gradientGraph`, with how often each rewrite rule fired while it was built. */
export function differentiateWithStats(g: Graph, options: GradientOptions): { graph: Graph; rules: RuleCounts } {
  if (g.outputs.length < 1) throw new AdjointError('no-output', 'the graph has no output to differentiate');
  const f = g.outputs[0];
  if (g.dtype[f] === BOOL) throw new AdjointError('bool-output', 'cannot differentiate a bool output');
  const nInputs = g.inputNames.length;
  const isParam = new Uint8Array(nInputs);
  for (const p of options.params) {
    if (!(Number.isInteger(p) && p >= 0 && p < nInputs)) {
      throw new AdjointError('bad-param', `param input index ${p} is out of range (${nInputs} inputs)`);
    }
    isParam[p] = 1;
  }

  const simplify = options.simplify ?? true;
  const b = new GraphBuilder({ hashCons: simplify, simplify, fastMath: options.fastMath, capacity: g.size * 2 + 16 });
  // Per-node scratch in one buffer (one external allocation, so at most one GC it triggers):
  // map: node -> gradient-graph node; adj: signed adjoint reference, -1 = no contribution yet
  // (see signedAlgebra); needs: does the node depend on a param?
  const scratch = new ArrayBuffer(g.size * 9);
  const map = new Int32Array(scratch, 0, g.size);
  const adj = new Int32Array(scratch, g.size * 4, g.size).fill(-1);
  const needs = new Uint8Array(scratch, g.size * 8, g.size);
  const paramNode = new Int32Array(nInputs).fill(-1);
  // A param's adjoint is final once its first consumer (smallest id) has been visited by the
  // reverse sweep. Its output node is built right then, so the schedule (which follows node
  // order) writes that gradient early instead of keeping every adjoint live to the end: 2x
  // on W1 n=100. The forward copy below meets that first consumer first.
  const finalAt = new Int32Array(nInputs).fill(-1);   // by input index
  for (let i = 0; i < g.size; i++) {
    const op = g.op[i];
    if (op === CONST) {
      map[i] = b.constant(g.consts[g.a[i]], g.dtype[i] as 0 | 1);
    } else if (op === INPUT) {
      map[i] = b.input(g.a[i], g.inputNames[g.a[i]], g.dtype[i] as 0 | 1);
      if (isParam[g.a[i]]) { needs[i] = 1; paramNode[g.a[i]] = i; }
    } else {
      const ar = ARITY[op];
      map[i] = b.node(op, g.a[i] >= 0 ? map[g.a[i]] : -1, ar > 1 ? map[g.b[i]] : -1, ar > 2 ? map[g.c[i]] : -1);
      if (OPS_BY_CODE[op].vjp !== null) {
        needs[i] = needs[g.a[i]] | (ar > 1 ? needs[g.b[i]] : 0) | (ar > 2 ? needs[g.c[i]] : 0);
        for (let k = 0; needs[i] && k < ar; k++) {
          const x = argArray(g, k)[i];
          if (g.op[x] === INPUT && needs[x] && finalAt[g.a[x]] < 0) finalAt[g.a[x]] = i;
        }
      }
    }
  }
  // Inputs not present in g (params the output does not reach) still get nodes.
  for (let k = 0; k < nInputs; k++) b.input(k, g.inputNames[k]);

  const { e, sum } = signedAlgebra(b, simplify);
  const outNode = new Int32Array(nInputs).fill(-1);   // by input index
  const finish = (p: number): void => {
    const node = paramNode[p];
    outNode[p] = adj[node] < 0 ? b.constant(0) : e.add(e.c(0), adj[node]) >> 1;
  };
  // Params in the order the sweep finishes them: latest first consumer first, ties by index.
  // (Arrays per input, not per node: at 10^6 nodes every 64 MB allocated costs a full GC.)
  const order: number[] = [];
  for (let k = 0; k < nInputs; k++) if (paramNode[k] >= 0 && finalAt[k] >= 0) order.push(k);
  order.sort((p, q) => finalAt[q] - finalAt[p] || p - q);
  let next = 0;

  if (needs[f]) adj[f] = 2 * b.constant(1, g.dtype[f] as 0 | 1);
  // One argument array per arity, reused: resizing one array for every node showed in profiles.
  const argsOf: number[][] = [[], [0], [0, 0], [0, 0, 0]];
  for (let i = f; i >= 0; i--) {
    // Every consumer of these params is above i and visited: their adjoints are final.
    while (next < order.length && finalAt[order[next]] > i) finish(order[next++]);
    const gi = adj[i];
    if (gi < 0 || !needs[i] || g.op[i] === INPUT) continue;
    const op = g.op[i];
    const ar = ARITY[op];
    const args = argsOf[ar];
    for (let k = 0; k < ar; k++) args[k] = 2 * map[argArray(g, k)[i]];
    const contributions = OPS_BY_CODE[op].vjp!(gi, args, 2 * map[i], e);
    for (let k = 0; k < ar; k++) {
      const x = argArray(g, k)[i];
      const term = contributions[k];
      if (term === null || !needs[x]) continue;
      adj[x] = adj[x] < 0 ? term : sum(adj[x], term);
    }
  }

  const outputs = [map[f]];
  for (const p of options.params) {
    const node = paramNode[p];
    if (node < 0) { outputs.push(b.constant(0)); continue; }
    if (outNode[p] < 0) finish(p);   // the output is the param itself, or unused
    outputs.push(outNode[p]);
  }
  return { graph: b.finish(outputs), rules: b.rulesFired };
}
