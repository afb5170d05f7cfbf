/**
 * The shared corpus: every op of the table (corpus-ops.ts) plus composite programs and the
 * corners where bit-identity is easy to lose: repeated subexpressions, signed zeros, ties,
 * params the output does not reach, deep chains, reductions and runtime inputs.
 *
 * `exact` results are derived by hand from IEEE arithmetic and the op table's documented
 * subgradients, following `backward()`'s documented order (nodes from last created to first,
 * each adding to its arguments in order, every gradient starting at +0).
 */
import { Value } from '@adjoint/autograd';
import type { Case } from './case.js';
import { opCases } from './corpus-ops.js';
import { Rng } from './rng.js';

const sq = (v: Value): Value => v.mul(v);

/** n numbers in [lo, hi) from a fixed seed: reproducible points for cases with many inputs. */
function numbers(seed: number, n: number, lo: number, hi: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.range(lo, hi));
}

const rosenbrock: Case = {
  name: 'rosenbrock n=5',
  nInputs: 5,
  nParams: 5,
  build: (x) => {
    const terms: Value[] = [];
    for (let i = 0; i < 4; i++) terms.push(sq(x[i + 1].sub(sq(x[i]))).mul(100).add(sq(new Value(1).sub(x[i]))));
    return Value.sum(terms);
  },
  points: [[-1.2, 1, -1.2, 1, -1.2], [1, 1, 1, 1, 1], [0.5, -0.3, 0.8, 1.1, 0.2]],
};

/** Planar arm: params are 4 joint angles; runtime inputs are 4 link lengths and the target. */
const ikChain: Case = {
  name: 'planar IK chain',
  nInputs: 10,
  nParams: 4,
  build: (xs) => {
    const [angles, lengths, [tx, ty]] = [xs.slice(0, 4), xs.slice(4, 8), xs.slice(8)];
    let theta = angles[0];
    let x = lengths[0].mul(theta.cos());
    let y = lengths[0].mul(theta.sin());
    for (let k = 1; k < 4; k++) {
      theta = theta.add(angles[k]);   // cumulative angle
      x = x.add(lengths[k].mul(theta.cos()));
      y = y.add(lengths[k].mul(theta.sin()));
    }
    return sq(x.sub(tx)).add(sq(y.sub(ty)));
  },
  points: [[0.3, -0.2, 0.5, 0.1, 1, 0.8, 0.6, 0.4, 1.2, 1.5], [1.2, 0.7, -1.1, 2, 0.5, 0.5, 0.5, 0.5, -0.3, 0.2]],
};

/** Three particles in 2D joined by springs, under gravity; rest length and stiffness are runtime inputs. */
const springs: Case = {
  name: 'particle springs',
  nInputs: 8,
  nParams: 6,
  build: (xs) => {
    const [rest, k] = [xs[6], xs[7]];
    const energy: Value[] = [];
    for (const [i, j] of [[0, 1], [1, 2], [0, 2]]) {
      const d = sq(xs[2 * i].sub(xs[2 * j])).add(sq(xs[2 * i + 1].sub(xs[2 * j + 1]))).sqrt();
      energy.push(k.mul(sq(d.sub(rest))));
    }
    for (let i = 0; i < 3; i++) energy.push(xs[2 * i + 1].mul(0.1));
    return Value.sum(energy);
  },
  points: [[0, 0, 1, 0.2, 0.4, 1.1, 1, 3], [-0.5, 1, 0.7, -0.3, 2, 2, 0.8, 0.5]],
};

/** 2-3-1 perceptron with tanh: 13 params (W1, b1, W2, b2), runtime inputs x1, x2, target. */
const mlp: Case = {
  name: 'tiny MLP (tanh)',
  nInputs: 16,
  nParams: 13,
  build: (xs) => {
    const [x1, x2, target] = xs.slice(13);
    const hidden: Value[] = [];
    for (let j = 0; j < 3; j++) hidden.push(xs[2 * j].mul(x1).add(xs[2 * j + 1].mul(x2)).add(xs[6 + j]).tanh());
    const out = Value.sum(hidden.map((h, j) => xs[9 + j].mul(h))).add(xs[12]);
    return sq(out.sub(target));
  },
  points: [numbers(1, 16, -1, 1), numbers(2, 16, -1, 1)],
};

/** Huber loss of p0 - x0 plus a clamp of p1, all branch-free: comparisons + select. */
const piecewise: Case = {
  name: 'branch-free piecewise (huber, clamp)',
  nInputs: 3,
  nParams: 2,
  build: ([p0, p1, x0]) => {
    const r = p0.sub(x0);
    const ar = r.abs();
    const huber = Value.select(ar.le(1), sq(r).mul(0.5), ar.sub(0.5));
    const clamp = Value.select(p1.lt(-1), -1, Value.select(p1.gt(2), 2, p1));
    return huber.add(clamp.mul(p1));
  },
  points: [[0.3, 0.5, 0], [3, -2, 0.5], [-2, 3, 1], [0.2, 1.5, -0.3]],
};

/**
 * A piece chosen by the distance from the origin, evaluated at the origin too. There the
 * distance's own derivative is 0 * (0.5 / 0); it only feeds a comparison, so the true
 * gradient (that of 2 p0 p1) is 0.
 */
const radialGate: Case = {
  name: 'piecewise gated on distance, at the origin',
  nInputs: 2,
  nParams: 2,
  build: ([a, b]) => Value.select(sq(a).add(sq(b)).sqrt().gt(1), a.add(b), a.mul(b).mul(2)),
  points: [[0.3, 0.4], [1, 1.5], [0, 0]],
};

const ties: Case = {
  name: 'min/max ties',
  nInputs: 2,
  nParams: 2,
  build: ([a, b]) => a.min(b).add(a.max(b).mul(3)),
  points: [[1.5, 1.5], [-0, 0], [0, -0]],
  fdSkip: 'min and max have a kink where the arguments tie',
  // Ties give the whole adjoint to the first argument. backward() visits the max (3) before the min (1).
  exact: ([a, b]) => ({ value: Math.min(a, b) + Math.max(a, b) * 3, gradient: [0 + 3 + 1, 0 + 0 + 0] }),
};

const selfTies: Case = {
  name: 'min/max of a value with itself',
  nInputs: 1,
  nParams: 1,
  build: ([a]) => a.min(a).mul(a.max(a)),
  points: [[2], [-0.5]],
  fdSkip: 'min(a, a) and max(a, a) sit on their kink by construction',
};

const repeated: Case = {
  name: 'repeated subexpressions',
  nInputs: 2,
  nParams: 2,
  build: ([a, b]) => {
    const once = a.mul(b);
    const twice = a.mul(b);   // the same product built a second time
    return once.add(twice).add(a.mul(a)).add(once.add(once)).add(b.square()).sin();
  },
  points: [[0.3, -0.7], [1.1, 0.4]],
};

const unreached: Case = {
  name: 'param the output does not reach',
  nInputs: 3,
  nParams: 2,
  build: ([a, , x]) => a.mul(2).add(x),
  points: [[1.5, 7, 0.25], [-0, -3, -0]],
  exact: ([a, , x]) => ({ value: a * 2 + x, gradient: [0 + 1 * 2, 0] }),
};

const outputIsParam: Case = {
  name: 'output is a param',
  nInputs: 3,
  nParams: 2,
  build: (xs) => xs[1],
  points: [[0.5, -2, 1], [-0, -0, -0]],
  exact: ([, b]) => ({ value: b, gradient: [0, 1] }),
};

const outputIsInput: Case = {
  name: 'output is a runtime input',
  nInputs: 2,
  nParams: 1,
  build: (xs) => xs[1],
  points: [[0.5, -2], [1, -0]],
  exact: ([, x]) => ({ value: x, gradient: [0] }),
};

const negZeroConstants: Case = {
  name: '-0 constants',
  nInputs: 1,
  nParams: 1,
  build: ([a]) => a.mul(-0).add(a.mul(-0)),
  points: [[1.5], [-2], [-0], [0]],
  // Each product's adjoint term is 1 * -0; backward() sums them onto +0: (+0 + -0) + -0 = +0.
  exact: ([a]) => ({ value: a * -0 + a * -0, gradient: [0 + -0 + -0] }),
};

const negZeroValues: Case = {
  name: 'values that are -0',
  nInputs: 2,
  nParams: 2,
  build: ([a, b]) => Value.sum([a.ceil().mul(b), new Value(-0)]),
  points: [[-0.5, 2], [2.5, -1], [-0.25, -0]],
  fdSkip: 'ceil is piecewise constant',
  // ceil gives no gradient; b's is 0 + 1 * ceil(a), which is +0 when ceil(a) = -0.
  exact: ([a, b]) => ({ value: Math.ceil(a) * b + -0, gradient: [0, 0 + 1 * Math.ceil(a)] }),
};

const negZeroInputs: Case = {
  name: '-0 inputs',
  nInputs: 2,
  nParams: 2,
  build: ([a, b]) => a.mul(b).add(a),
  points: [[-0, 2], [0, -3], [-0, -0]],
  // add is visited first (a += 1), then mul (a += b, b += a).
  exact: ([a, b]) => ({ value: a * b + a, gradient: [0 + 1 + 1 * b, 0 + 1 * a] }),
};

const atan2Zeros: Case = {
  name: 'atan2 at signed zeros',
  nInputs: 2,
  nParams: 2,
  build: ([y, x]) => y.atan2(x),
  points: [[-0, -1], [0, -1], [-0, 1], [0, 0], [-0, -0]],
  fdSkip: 'atan2 jumps across y = ±0 for x < 0 and is singular at the origin',
};

const kinksAtZero: Case = {
  name: 'abs and relu at ±0',
  nInputs: 1,
  nParams: 1,
  build: ([a]) => a.abs().add(a.relu()),
  points: [[0], [-0]],
  fdSkip: 'abs and relu have a kink at 0',
  // Subgradients: relu (visited first) gives 0, abs gives g * sign(a) = ±0; summed onto +0: +0.
  exact: ([a]) => ({ value: Math.abs(a) + 0, gradient: [0 + 0 + 1 * Math.sign(a)] }),
};

const DEEP_STEPS = 667;   // 3 ops per step: a 2001-op chain
const deepChain: Case = {
  name: `deep chain (${3 * DEEP_STEPS} ops)`,
  nInputs: 2,
  nParams: 2,
  build: ([a, b]) => {
    let y = a;
    for (let i = 0; i < DEEP_STEPS; i++) y = y.sin().mul(0.5).add(b);   // a contraction: stays tame
    return y;
  },
  points: [[0.3, 0.2], [-1, 0.7]],
};

const sum: Case = {
  name: 'Value.sum with numbers and Values',
  nInputs: 4,
  nParams: 4,
  build: ([a, b, c, d]) => Value.sum([1, a, b.mul(c), 2.5, d.sin(), sq(a)]),
  points: [[0.5, -1, 2, 0.3], [-2, 0.25, -0.5, 3]],
};

const mean: Case = {
  name: 'Value.mean',
  nInputs: 5,
  nParams: 5,
  build: (xs) => Value.mean(xs.map((x, i) => sq(x).mul(i + 1).add(x.cos()))),
  points: [numbers(3, 5, -2, 2), numbers(4, 5, -2, 2)],
};

/** Least squares on 4 samples: params w, b; the samples are runtime inputs. */
const runtimeInputs: Case = {
  name: 'runtime inputs (linear regression)',
  nInputs: 10,
  nParams: 2,
  build: ([w, b, ...data]) => Value.mean([0, 1, 2, 3].map((i) => sq(w.mul(data[i]).add(b).sub(data[4 + i])))),
  points: [[0.5, -0.1, 1, 2, 3, 4, 1.1, 2.3, 2.9, 4.2], [-1, 2, 0.5, -0.5, 1.5, 0, 3, -2, 1, 0.5]],
};

export const compositeCases: readonly Case[] = [
  rosenbrock, ikChain, springs, mlp, piecewise, radialGate, ties, selfTies, repeated, unreached,
  outputIsParam, outputIsInput, negZeroConstants, negZeroValues, negZeroInputs, atan2Zeros,
  kinksAtZero, deepChain, sum, mean, runtimeInputs,
];

export const corpus: readonly Case[] = [...opCases, ...compositeCases];
