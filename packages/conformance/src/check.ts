/**
 * Runners and comparisons. Three ways to get [f, df/dp...] at a point:
 *  - eager: fresh Values holding the point, `backward()`, read `.data` and `.grad`;
 *  - interpreter: trace -> gradient graph -> verify -> `interpret` (the meaning of the IR);
 *  - a backend: compile once, call at every point.
 * Comparisons return lists of readable mismatches (empty = pass), so a failing test shows
 * the case, the point, the output and both numbers with their bits.
 */
import { Value, traceValue, type Trace } from '@adjoint/autograd';
import { OP_NAMES, gradientGraph, interpret, toFloat32, verifyGraph, type Graph, type OpName } from '@adjoint/ir';
import type { CompiledCase, ConformanceBackend, Outcome } from './backends.js';
import { inputName, type Case } from './case.js';

export interface Leaves {
  /** Every input, params first. */
  readonly xs: Value[];
  readonly params: Value[];
  readonly inputs: Value[];
}

/** Fresh named leaves holding `point`. */
export function makeLeaves(c: Case, point: readonly number[]): Leaves {
  if (point.length !== c.nInputs) throw new Error(`case "${c.name}": a point has ${point.length} values, expected ${c.nInputs}`);
  const xs = point.map((x, i) => new Value(x, inputName(c, i)));
  return { xs, params: xs.slice(0, c.nParams), inputs: xs.slice(c.nParams) };
}

export function runEager(c: Case, point: readonly number[]): Outcome {
  const { xs, params } = makeLeaves(c, point);
  const out = c.build(xs);
  out.backward();
  return { value: out.data, gradient: Float64Array.from(params, (p) => p.grad) };
}

export interface Prepared {
  readonly trace: Trace;
  /** Outputs [f, df/dp0, ...]. */
  readonly gradient: Graph;
}

/** Trace the case (structure does not depend on the point) and build its gradient graph; both are verified. */
export function prepare(c: Case, point: readonly number[] = c.points[0]): Prepared {
  const { xs, params, inputs } = makeLeaves(c, point);
  const trace = traceValue(c.build(xs), params, { inputs });
  verifyGraph(trace.graph);
  const gradient = gradientGraph(trace.graph, { params: Array.from({ length: c.nParams }, (_, k) => k) });
  verifyGraph(gradient);
  return { trace, gradient };
}

export function runInterp(p: Prepared, point: readonly number[]): Outcome {
  const out = interpret(p.gradient, point);
  return { value: out[0], gradient: out.slice(1) };
}

/** Compile the case on a backend (traced from fresh leaves), callable at any point. */
export function compileCase(backend: ConformanceBackend, c: Case): (point: readonly number[]) => Outcome {
  const { xs, params, inputs } = makeLeaves(c, c.points[0]);
  const run: CompiledCase = backend.compile(c.build(xs), params, inputs);
  return (point) => run(Float64Array.from(point));
}

export interface Reference {
  readonly prepared: Prepared;
  readonly interp: readonly Outcome[];
  readonly eager: readonly Outcome[];
}

// Cache of the backend-independent results. Key: the case object; bound: the cases alive (weak).
const references = new WeakMap<Case, Reference>();

export function reference(c: Case): Reference {
  let r = references.get(c);
  if (r === undefined) {
    const prepared = prepare(c);
    r = { prepared, interp: c.points.map((p) => runInterp(prepared, p)), eager: c.points.map((p) => runEager(c, p)) };
    references.set(c, r);
  }
  return r;
}

// ---- comparing numbers ----

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

/** The double's bits as 16 hex digits. */
export function bitsOf(x: number): string {
  f64[0] = x;
  return BigInt.asUintN(64, i64[0]).toString(16).padStart(16, '0');
}

export function formatNumber(x: number): string {
  return `${Object.is(x, -0) ? '-0' : String(x)} (0x${bitsOf(x)})`;
}

/** Doubles as integers in numeric order, adjacent doubles one apart (+0 and -0 both 0). */
function ordinal(x: number): bigint {
  f64[0] = x;
  const b = i64[0];
  return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
}

/** Distance in units in the last place; 0 for equal numbers and for two NaNs, Infinity for one NaN. */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  const d = ordinal(a) - ordinal(b);
  return Number(d < 0n ? -d : d);
}

/** Equal within `ulps`; at 0 ulps, bit-identical as Object.is sees it (sign of zero counts, NaN equals NaN). */
export function withinUlps(a: number, b: number, ulps: number): boolean {
  return ulps === 0 ? Object.is(a, b) : ulpDistance(a, b) <= ulps;
}

/** Mismatches between two outcomes, each a line naming the case, point and output. */
export function compareOutcomes(
  where: string, names: readonly [string, string], want: Outcome, got: Outcome, ulps = 0,
): string[] {
  const out: string[] = [];
  const line = (what: string, w: number, g: number): string =>
    `${where} ${what}: ${names[0]} ${formatNumber(w)} vs ${names[1]} ${formatNumber(g)}`
    + (ulps > 0 ? ` (${ulpDistance(w, g)} ulps, bound ${ulps})` : '');
  if (!withinUlps(want.value, got.value, ulps)) out.push(line('value', want.value, got.value));
  if (want.gradient.length !== got.gradient.length) {
    out.push(`${where}: ${names[0]} has ${want.gradient.length} gradients, ${names[1]} has ${got.gradient.length}`);
    return out;
  }
  for (let k = 0; k < want.gradient.length; k++) {
    if (!withinUlps(want.gradient[k], got.gradient[k], ulps)) out.push(line(`d/dp${k}`, want.gradient[k], got.gradient[k]));
  }
  return out;
}

const at = (c: Case, i: number): string => `${c.name} at point ${i} [${c.points[i].map((x) => (Object.is(x, -0) ? '-0' : String(x))).join(', ')}]`;

/** The interpreter against eager backward(), bit for bit, at every point. */
export function checkInterpAgainstEager(c: Case): string[] {
  const r = reference(c);
  return c.points.flatMap((_, i) => compareOutcomes(at(c, i), ['interp', 'eager'], r.interp[i], r.eager[i]));
}

/**
 * The interpreter as `backend` computes: with its libm and its precision. For a backend with
 * neither, that is the reference, which eager backward() must also match.
 */
function interpFor(backend: ConformanceBackend, c: Case): readonly Outcome[] {
  const r = reference(c);
  if (backend.math === undefined && backend.precision !== 'f32') return r.interp;
  const g = backend.precision === 'f32' ? toFloat32(r.prepared.gradient) : r.prepared.gradient;
  const math = backend.math?.() ?? {};
  return c.points.map((p) => {
    const out = interpret(g, p, math);
    return { value: out[0], gradient: out.slice(1) };
  });
}

/**
 * A backend against the interpreter (within its bound) at every point, and against eager
 * backward() when it computes with V8's Math in f64 (otherwise libm or rounding differ).
 */
export function checkBackend(backend: ConformanceBackend, c: Case): string[] {
  const r = reference(c);
  const want = interpFor(backend, c);
  const withEager = want === r.interp;
  const run = compileCase(backend, c);
  return c.points.flatMap((p, i) => {
    const got = run(p);
    return [
      ...compareOutcomes(at(c, i), ['interp', backend.name], want[i], got, backend.ulps),
      ...(withEager ? compareOutcomes(at(c, i), ['eager', backend.name], r.eager[i], got, backend.ulps) : []),
    ];
  });
}

/** Hand-derived exact results against a runner, bit for bit. */
export function checkExact(c: Case, label: string, run: (point: readonly number[]) => Outcome): string[] {
  if (c.exact === undefined) return [];
  return c.points.flatMap((p, i) => {
    const e = c.exact!(p);
    return compareOutcomes(at(c, i), ['exact', label], { value: e.value, gradient: Float64Array.from(e.gradient) }, run(p));
  });
}

// ---- finite differences ----

export const DEFAULT_FD_TOL = 1e-6;
/** Steps relative to max(1, |x|): 2^-8, 2^-11, ... 2^-20. */
const FD_STEPS = [8, 11, 14, 17, 20].map((k) => 2 ** -k);

/**
 * d f / d input i for i < nParams on the forward graph: the 5-point central difference at a
 * ladder of steps, keeping the finer estimate of the two neighbouring steps that agree best.
 * A steep function needs a small step and a flat one tolerates a large one; the choice looks
 * only at f, never at the gradient under test.
 */
export function finiteDifferences(graph: Graph, point: readonly number[], nParams: number): Float64Array {
  const x = Float64Array.from(point);
  const grad = new Float64Array(nParams);
  for (let i = 0; i < nParams; i++) {
    const x0 = point[i];
    const f = (dx: number): number => { x[i] = x0 + dx; return interpret(graph, x)[0]; };
    const estimates = FD_STEPS.map((s) => {
      const h = s * Math.max(1, Math.abs(x0));
      return (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h);
    });
    x[i] = x0;
    let best = 0;
    for (let j = 1; j + 1 < estimates.length; j++) {
      if (Math.abs(estimates[j] - estimates[j + 1]) < Math.abs(estimates[best] - estimates[best + 1])) best = j;
    }
    grad[i] = estimates[best + 1];
  }
  return grad;
}

/** The interpreter's gradient against finite differences: |g - fd| <= tol * max(1, |g|). */
export function checkFiniteDifferences(c: Case): string[] {
  const r = reference(c);
  const tol = c.fdTol ?? DEFAULT_FD_TOL;
  const out: string[] = [];
  c.points.forEach((p, i) => {
    const fd = finiteDifferences(r.prepared.trace.graph, p, c.nParams);
    const g = r.interp[i].gradient;
    for (let k = 0; k < c.nParams; k++) {
      const err = Math.abs(g[k] - fd[k]);
      if (!(err <= tol * Math.max(1, Math.abs(g[k])))) {
        out.push(`${at(c, i)} d/dp${k}: gradient ${g[k]} vs finite differences ${fd[k]} (error ${err.toExponential(2)}, tolerance ${tol})`);
      }
    }
  });
  return out;
}

// ---- coverage ----

/** The op names used by the case's traced graph. */
export function opsUsed(c: Case): Set<OpName> {
  const g = reference(c).prepared.trace.graph;
  const used = new Set<OpName>();
  for (let i = 0; i < g.size; i++) used.add(OP_NAMES[g.op[i]]);
  return used;
}
