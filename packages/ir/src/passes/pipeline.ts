/**
 * The optimization pipeline from a traced graph to the gradient graph a backend compiles.
 *
 *   optimize: 0  the gradient exactly as the VJP rules write it: no merging, no rewriting.
 *                Mirrors eager backward() node for node (for debugging the transform).
 *   optimize: 1  (default) the transform builds through a hash-consing builder that applies
 *                the exact rules as it goes and keeps adjoint signs symbolic, then dce.
 *                Bit-identical to level 0 and to backward(); costs no more than level 0.
 *   optimize: 2  level 1, after cse and simplify of the trace itself: repeated
 *                subexpressions in the user's code are merged before differentiating, so their
 *                adjoints are summed once ((g1 + g2) * x instead of g1 * x + g2 * x). Results
 *                can differ from backward() in the last bits on graphs with such repeats.
 * fastMath adds the fast rules of rules.ts at levels 1 and 2.
 */
import { AdjointError } from '../errors.js';
import { differentiateWithStats } from '../gradient.js';
import type { Graph } from '../graph.js';
import { verifyGraph } from '../verify.js';
import { cse, dce, simplify, type PassResult } from './passes.js';

export type OptimizeLevel = 0 | 1 | 2;
export const DEFAULT_OPTIMIZE: OptimizeLevel = 1;

export interface PipelineOptions {
  /** Input indices of the parameters, in gradient output order. */
  params: readonly number[];
  optimize?: OptimizeLevel;
  fastMath?: boolean;
  /** Run the verifier after every pass (tests do). */
  verify?: boolean;
  /** Called after each pass with its statistics (for progress output on big graphs). */
  onPass?: (stat: PassStat) => void;
}

export interface PassStat {
  readonly name: string;
  readonly nodesIn: number;
  readonly nodesOut: number;
  readonly ms: number;
  /** Rewrites applied, by rule name; 'fold' counts evaluated constants. */
  readonly rules: Readonly<Record<string, number>>;
}

export interface PipelineResult {
  readonly graph: Graph;
  readonly passes: readonly PassStat[];
}

type Pass = readonly [name: string, run: (g: Graph) => PassResult];

/** The optimize and fastMath options: the one check, also run by @adjoint/jit before it traces. */
export function checkOptimize(options: Pick<PipelineOptions, 'optimize' | 'fastMath'>): void {
  const o = options.optimize;
  if (o !== undefined && o !== 0 && o !== 1 && o !== 2) {
    throw new AdjointError('bad-options', `optimize must be 0, 1 or 2, got ${JSON.stringify(o) ?? String(o)}`);
  }
  if (options.fastMath !== undefined && typeof options.fastMath !== 'boolean') {
    throw new AdjointError('bad-options', `fastMath must be true or false, got ${JSON.stringify(options.fastMath) ?? String(options.fastMath)}`);
  }
  if (options.fastMath === true && o === 0) {
    throw new AdjointError('bad-options', 'fastMath rewrites the graph, which optimize: 0 never does; use optimize: 1 or 2, or drop fastMath');
  }
}

/** The passes of a level, in order. */
export function pipelinePasses(options: PipelineOptions): readonly Pass[] {
  checkOptimize(options);
  const level = options.optimize ?? DEFAULT_OPTIMIZE;
  const fastMath = options.fastMath === true;
  const gradient: Pass = ['gradient', (g) => differentiateWithStats(g, { params: options.params, simplify: level > 0, fastMath })];
  if (level === 0) return [gradient];
  const dceAfter: Pass = ['dce', dce];
  if (level === 1) return [gradient, dceAfter];
  return [['cse', cse], ['simplify', (g) => simplify(g, { fastMath })], gradient, dceAfter];
}

/** Differentiate `trace` and optimize, recording nodes in and out and the time of every pass. */
export function optimizeGradient(trace: Graph, options: PipelineOptions): PipelineResult {
  const passes: PassStat[] = [];
  let g = trace;
  for (const [name, run] of pipelinePasses(options)) {
    const t0 = performance.now();
    const r = run(g);
    const ms = performance.now() - t0;
    if (options.verify === true) verifyGraph(r.graph);
    const stat: PassStat = { name, nodesIn: g.size, nodesOut: r.graph.size, ms, rules: Object.fromEntries(r.rules ?? []) };
    passes.push(stat);
    options.onPass?.(stat);
    g = r.graph;
  }
  return { graph: g, passes };
}
