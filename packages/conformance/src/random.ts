/**
 * Random Value graphs from a seed, shaped like real traced programs: DAGs that share earlier
 * nodes, runs of one sub-expression over different inputs (a traced loop: varying lengths and
 * strides, maps, running sums, recurrences), n-ary reductions, and comparisons + select.
 *
 * Values stay finite: every node carries a bound `m` on |value| (inputs lie in [-2, 2]), ops
 * are applied through domain-safe forms (log(x*x+1), sqrt(x*x+0.5), asin(0.9*tanh x), ...),
 * and a result whose bound passes LIMIT is squashed with tanh. Bounds depend on the structure
 * only, never on data, so the graph is a function of the seed alone.
 */
import { Value } from '@adjoint/autograd';
import type { Case } from './case.js';
import { Rng } from './rng.js';

interface Node {
  readonly v: Value;
  /** Upper bound on |v.data| for any inputs in [-INPUT_RANGE, INPUT_RANGE]. */
  readonly m: number;
}

interface Step {
  readonly name: string;
  readonly arity: number;
  /** True when the step has a kink or a jump (FD cannot check it). */
  readonly kinked: boolean;
  readonly apply: (args: readonly Node[]) => Node;
}

export const INPUT_RANGE = 2;
const LIMIT = 1e4;
const EXP_ARG_LIMIT = 8;

const sq = (a: Node): Node => ({ v: a.v.mul(a.v), m: a.m * a.m });
const squash = (n: Node): Node => (n.m <= LIMIT ? n : { v: n.v.tanh(), m: 1 });
const tame = (a: Node): Node => (a.m <= EXP_ARG_LIMIT ? a : { v: a.v.tanh(), m: 1 });

const step = (name: string, arity: number, apply: Step['apply'], kinked = false): Step =>
  ({ name, arity, kinked, apply: (args) => squash(apply(args)) });

const SMOOTH_STEPS: readonly Step[] = [
  step('add', 2, ([a, b]) => ({ v: a.v.add(b.v), m: a.m + b.m })),
  step('sub', 2, ([a, b]) => ({ v: a.v.sub(b.v), m: a.m + b.m })),
  step('mul', 2, ([a, b]) => ({ v: a.v.mul(b.v), m: a.m * b.m })),
  step('square', 1, ([a]) => sq(a)),
  step('scale', 1, ([a]) => ({ v: a.v.mul(0.75), m: a.m * 0.75 })),
  step('div', 2, ([a, b]) => ({ v: a.v.div(sq(b).v.add(1)), m: a.m })),   // denominator >= 1
  step('neg', 1, ([a]) => ({ v: a.v.neg(), m: a.m })),
  step('pow', 2, ([a, b]) => ({ v: sq(a).v.add(1).pow(b.v.tanh().mul(1.5)), m: (a.m * a.m + 1) ** 1.5 })),
  step('pow3', 1, ([a]) => ({ v: a.v.pow(3), m: a.m ** 3 })),             // integer power of any sign
  step('sqrt', 1, ([a]) => ({ v: sq(a).v.add(0.5).sqrt(), m: Math.sqrt(a.m * a.m + 0.5) })),
  step('exp', 1, ([a]) => { const t = tame(a); return { v: t.v.exp(), m: Math.exp(t.m) }; }),
  step('expm1', 1, ([a]) => { const t = tame(a); return { v: t.v.expm1(), m: Math.exp(t.m) }; }),
  step('log', 1, ([a]) => ({ v: sq(a).v.add(1).log(), m: Math.log(a.m * a.m + 1) })),
  step('log1p', 1, ([a]) => ({ v: sq(a).v.log1p(), m: Math.log1p(a.m * a.m) })),
  step('sin', 1, ([a]) => ({ v: a.v.sin(), m: Math.min(1, a.m) })),
  step('cos', 1, ([a]) => ({ v: a.v.cos(), m: 1 })),
  step('tan', 1, ([a]) => ({ v: a.v.tanh().tan(), m: Math.tan(1) })),     // |tanh| < 1 < pi/2
  step('asin', 1, ([a]) => ({ v: a.v.tanh().mul(0.9).asin(), m: Math.PI / 2 })),
  step('acos', 1, ([a]) => ({ v: a.v.tanh().mul(0.9).acos(), m: Math.PI })),
  step('atan', 1, ([a]) => ({ v: a.v.atan(), m: Math.PI / 2 })),
  step('atan2', 2, ([a, b]) => ({ v: a.v.atan2(sq(b).v.add(0.5)), m: Math.PI / 2 })),   // x > 0: no branch cut
  step('sinh', 1, ([a]) => { const t = tame(a); return { v: t.v.sinh(), m: Math.sinh(t.m) }; }),
  step('cosh', 1, ([a]) => { const t = tame(a); return { v: t.v.cosh(), m: Math.cosh(t.m) }; }),
  step('tanh', 1, ([a]) => ({ v: a.v.tanh(), m: 1 })),
  step('sigmoid', 1, ([a]) => ({ v: a.v.sigmoid(), m: 1 })),
  step('softplus', 1, ([a]) => ({ v: a.v.softplus(), m: a.m + 1 })),
];

const CMPS = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const;

const KINKED_STEPS: readonly Step[] = [
  step('abs', 1, ([a]) => ({ v: a.v.abs(), m: a.m }), true),
  step('sign', 2, ([a, b]) => ({ v: a.v.sign().mul(b.v), m: b.m }), true),
  step('relu', 1, ([a]) => ({ v: a.v.relu(), m: a.m }), true),
  step('floor', 1, ([a]) => ({ v: a.v.floor(), m: a.m + 1 }), true),
  step('ceil', 1, ([a]) => ({ v: a.v.ceil(), m: a.m + 1 }), true),
  step('min', 2, ([a, b]) => ({ v: a.v.min(b.v), m: Math.max(a.m, b.m) }), true),
  step('max', 2, ([a, b]) => ({ v: a.v.max(b.v), m: Math.max(a.m, b.m) }), true),
  // Ties on purpose: the documented subgradient sends the whole adjoint to the first argument.
  step('min-tie', 1, ([a]) => ({ v: a.v.min(a.v), m: a.m }), true),
  step('max-tie', 1, ([a]) => ({ v: a.v.max(a.v), m: a.m }), true),
  ...CMPS.map((cmp) => step(`select-${cmp}`, 3, ([a, b, c]) =>
    ({ v: Value.select(a.v[cmp](b.v), c.v, b.v), m: Math.max(b.m, c.m) }), true)),
  // eq/ne on floors and on a node with itself, so both branches are taken.
  step('select-eq-floor', 3, ([a, b, c]) =>
    ({ v: Value.select(a.v.floor().eq(b.v.floor()), c.v, a.v), m: Math.max(a.m, c.m) }), true),
  step('select-ne-self', 2, ([a, b]) => ({ v: Value.select(a.v.ne(a.v), a.v, b.v), m: Math.max(a.m, b.m) }), true),
];

export const RANDOM_STEP_NAMES: readonly string[] = [...SMOOTH_STEPS, ...KINKED_STEPS].map((s) => s.name);

/** A recipe for a loop body: steps whose arguments are holes (-1 - j), earlier steps (k >= 0) or constants. */
interface Template {
  readonly holes: number;
  readonly steps: readonly { readonly step: Step; readonly args: readonly Arg[] }[];
}
type Arg = { hole: number } | { step: number } | { constant: number };

const CONSTANTS = [0.5, -1.25, 2, 3, 0.1, -0.75, 1, -0, 0];

export interface RandomCaseOptions {
  /** Force the smooth (FD-checkable) or kinked flavour; by default the seed decides. */
  smooth?: boolean;
}

/** The case for `seed`: same seed, same graph and points, on every run and platform. */
export function randomCase(seed: number, options: RandomCaseOptions = {}): Case {
  const meta = new Rng(seed);
  const smooth = options.smooth ?? meta.chance(0.4);
  const nParams = 1 + meta.int(4);
  const nRuntime = meta.int(3);
  const nInputs = nParams + nRuntime;
  const structureSeed = meta.u32();
  const points = [randomPoint(meta, nInputs, smooth), randomPoint(meta, nInputs, smooth)];
  return {
    name: `random seed ${seed} (${smooth ? 'smooth' : 'kinked'}, ${nParams} params, ${nRuntime} runtime inputs)`,
    nInputs,
    nParams,
    // A fresh Rng per build: the structure is replayed identically for every set of inputs.
    build: (xs) => buildRandom(new Rng(structureSeed), xs, smooth),
    points,
    ...(smooth ? {} : { fdSkip: 'random graph with kinks and jumps (abs sign relu floor ceil min max comparisons)' }),
  };
}

function randomPoint(rng: Rng, n: number, smooth: boolean): number[] {
  const p: number[] = [];
  for (let i = 0; i < n; i++) {
    // Kinked graphs also get exact zeros (both signs), integers and repeated values: ties.
    if (!smooth && rng.chance(0.15)) p.push(i > 0 && rng.chance(0.4) ? p[rng.int(i)] : rng.pick([0, -0, 1, -1, 0.5, -2]));
    else p.push(rng.range(-INPUT_RANGE, INPUT_RANGE));
  }
  return p;
}

function buildRandom(rng: Rng, xs: Value[], smooth: boolean): Value {
  const steps = smooth ? SMOOTH_STEPS : [...SMOOTH_STEPS, ...KINKED_STEPS, ...KINKED_STEPS];
  const pool: Node[] = xs.map((v) => ({ v, m: INPUT_RANGE }));
  // Mostly small graphs (readable when they fail), sometimes big ones (many chunks, long runs).
  const target = pool.length + 12 + rng.int(70) + (rng.chance(0.1) ? 150 + rng.int(150) : 0);
  // Prefer recent nodes (a program's locals), but often reach back: sharing earlier nodes.
  const pickArg = (): Node => (rng.chance(0.5)
    ? pool[pool.length - 1 - rng.int(Math.min(8, pool.length))]
    : pool[rng.int(pool.length)]);
  const constant = (): Node => { const c = rng.pick(CONSTANTS); return { v: new Value(c), m: Math.abs(c) }; };

  while (pool.length < target) {
    const r = rng.float();
    if (r < 0.5) {
      const s = rng.pick(steps);
      const args = Array.from({ length: s.arity }, () => (rng.chance(0.1) ? constant() : pickArg()));
      pool.push(s.apply(args));
    } else if (r < 0.78) {
      pool.push(...run(rng, pool, makeTemplate(rng, steps)));
    } else {
      pool.push(reduce(rng, pool));
    }
  }
  // Output: the last few nodes plus one from anywhere, so most of the graph is live.
  const k = 1 + rng.int(4);
  const outs = pool.slice(-k).map((n) => n.v);
  outs.push(pool[rng.int(pool.length)].v);
  return Value.sum(outs);
}

function makeTemplate(rng: Rng, steps: readonly Step[]): Template {
  const holes = 1 + rng.int(2);
  const n = 1 + rng.int(3);
  const body: { step: Step; args: Arg[] }[] = [];
  for (let k = 0; k < n; k++) {
    const s = rng.pick(steps);
    const args: Arg[] = Array.from({ length: s.arity }, (): Arg => {
      const r = rng.float();
      if (r < 0.1) return { constant: rng.pick(CONSTANTS) };
      if (k > 0 && r < 0.55) return { step: rng.int(k) };
      return { hole: rng.int(holes) };
    });
    body.push({ step: s, args });
  }
  return { holes, steps: body };
}

function applyTemplate(t: Template, holes: readonly Node[]): Node {
  const done: Node[] = [];
  for (const { step: s, args } of t.steps) {
    done.push(s.apply(args.map((a) => ('hole' in a ? holes[a.hole]
      : 'step' in a ? done[a.step] : { v: new Value(a.constant), m: Math.abs(a.constant) }))));
  }
  return done[done.length - 1];
}

/**
 * One traced loop: the template applied to pool[start + i*stride + j] for i < length. Every
 * hole gets the same bound, so each iteration makes exactly the same nodes.
 */
function run(rng: Rng, pool: readonly Node[], t: Template): Node[] {
  const length = 2 + rng.int(11);
  const stride = 1 + rng.int(3);
  const start = rng.int(pool.length);
  const kind = rng.pick(['map', 'running-sum', 'recurrence', 'gather'] as const);
  // A gather reads arbitrary earlier nodes (an index table); the others a strided slice.
  const picks = kind === 'gather' ? Array.from({ length: length * t.holes }, () => rng.int(pool.length)) : [];
  const at = (i: number, j: number): Node =>
    pool[kind === 'gather' ? picks[i * t.holes + j] : (start + i * stride + j) % pool.length];
  let bound = 0;
  for (let i = 0; i < length; i++) for (let j = 0; j < t.holes; j++) bound = Math.max(bound, at(i, j).m);
  const out: Node[] = [];
  // A recurrence carries a tanh-squashed state, so its bound is the same every iteration.
  let acc: Node | null = kind === 'recurrence' ? { v: pool[rng.int(pool.length)].v.tanh(), m: 1 } : null;
  for (let i = 0; i < length; i++) {
    const holes = Array.from({ length: t.holes }, (_, j) => ({ v: at(i, j).v, m: bound }));
    if (kind === 'recurrence') holes[0] = { v: acc!.v, m: Math.max(1, bound) };
    const r = applyTemplate(t, holes);
    if (kind === 'map' || kind === 'gather') out.push(r);
    else if (kind === 'running-sum') { acc = acc === null ? r : { v: acc.v.add(r.v), m: acc.m + r.m }; out.push(acc); }
    else { acc = { v: r.v.tanh(), m: 1 }; out.push(acc); }
  }
  return out;
}

/** Value.sum or Value.mean over a strided slice of the pool. */
function reduce(rng: Rng, pool: readonly Node[]): Node {
  const k = 2 + rng.int(9);
  const stride = 1 + rng.int(3);
  const start = rng.int(pool.length);
  const items: Node[] = [];
  for (let i = 0; i < k; i++) items.push(pool[(start + i * stride) % pool.length]);
  const m = items.reduce((s, n) => s + n.m, 0);
  return rng.chance(0.5)
    ? squash({ v: Value.sum(items.map((n) => n.v)), m })
    : squash({ v: Value.mean(items.map((n) => n.v)), m: m / k });
}
