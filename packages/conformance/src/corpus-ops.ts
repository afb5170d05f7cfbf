/**
 * One case per computing op of the IR op table, at points inside the op's smooth domain
 * (plus a few boundary points where the documented subgradient is the thing to check).
 * The coverage test fails when an op of OP_NAMES appears in no case: adding an op to the
 * table means adding a case here.
 */
import { Value } from '@adjoint/autograd';
import type { Case } from './case.js';

type Build = Case['build'];

function op(name: string, nParams: number, build: Build, points: number[][], more: Partial<Case> = {}): Case {
  return { name: `op ${name}`, nInputs: nParams, nParams, build, points, ...more };
}

/** A unary op applied to p0 and scaled by p1, so both the op's derivative and a product rule run. */
function unary(name: string, apply: (x: Value) => Value, xs: number[], more: Partial<Case> = {}): Case {
  return op(name, 2, ([a, b]) => apply(a).mul(b), xs.map((x, i) => [x, 1.5 - i]), more);
}

const NOT_DIFFERENTIABLE = (what: string): string =>
  `${what} is piecewise constant: derivative 0 between jumps and none at them`;

/** select(p0 CMP p1, p0*p1, p0-p1): each comparison's true and false side, and ties. */
function comparison(cmp: 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne'): Case {
  return op(cmp, 2, ([a, b]) => Value.select(a[cmp](b), a.mul(b), a.sub(b)),
    [[1, 2], [2, 1], [1.5, 1.5], [-0, 0]],
    { fdSkip: `${cmp} switches between two pieces; the points include ties where the function jumps` });
}

export const opCases: readonly Case[] = [
  op('add', 2, ([a, b]) => a.add(b), [[0.5, 1.25], [-3, 2.75], [1e-3, -7.5]]),
  op('sub', 2, ([a, b]) => a.sub(b), [[0.5, 1.25], [-3, 2.75], [100, 1e-3]]),
  op('mul', 2, ([a, b]) => a.mul(b), [[0.5, 1.25], [-3, 2.75], [1e-3, -7.5]]),
  op('div', 2, ([a, b]) => a.div(b), [[1, 3], [-2.5, 0.7], [1e-3, -4]]),
  op('neg', 2, ([a, b]) => a.neg().mul(b), [[0.3, 2], [-2, -0.5]]),
  op('pow', 2, ([a, b]) => a.pow(b), [[1.5, 2.5], [0.7, -1.3], [3, 0.5]]),
  // A constant integer exponent accepts a negative base; the (unused) db term is log(negative) = NaN.
  op('pow (constant exponent)', 1, ([a]) => a.pow(3).add(a.pow(2)), [[-1.5], [2], [0.25]]),
  unary('sqrt', (x) => x.sqrt(), [0.25, 2, 1e4]),
  unary('exp', (x) => x.exp(), [0, 1.5, -3]),
  unary('log', (x) => x.log(), [0.5, 3, 1e3]),
  unary('log1p', (x) => x.log1p(), [-0.5, 0.1, 10]),
  unary('expm1', (x) => x.expm1(), [-1, 1e-3, 2]),
  unary('sin', (x) => x.sin(), [0.3, -2, 10]),
  unary('cos', (x) => x.cos(), [0.3, -2, 10]),
  unary('tan', (x) => x.tan(), [0.3, -1.2, 1]),
  unary('asin', (x) => x.asin(), [0.3, -0.9, 0]),
  unary('acos', (x) => x.acos(), [0.3, -0.9, 0]),
  unary('atan', (x) => x.atan(), [0.3, -5, 20]),
  // atan2(y, x) in all four quadrants, away from the branch cut (y = 0, x < 0).
  op('atan2', 2, ([y, x]) => y.atan2(x), [[1, 2], [-1, 0.5], [0.5, -2], [-0.5, -2]]),
  unary('sinh', (x) => x.sinh(), [0.3, -2, 1.5]),
  unary('cosh', (x) => x.cosh(), [0.3, -2, 1.5]),
  unary('tanh', (x) => x.tanh(), [0.3, -2, 1.5]),
  unary('abs', (x) => x.abs(), [0.3, -2]),
  op('sign', 2, ([a, b]) => a.sign().mul(b.add(a)), [[0.5, 2], [-0.5, 2], [0, 1], [-0, 1]],
    { fdSkip: NOT_DIFFERENTIABLE('sign') }),
  op('min', 2, ([a, b]) => a.min(b).mul(b), [[1, 2], [3, -1], [-3, -1]]),
  op('max', 2, ([a, b]) => a.max(b).mul(b), [[1, 2], [3, -1], [-3, -1]]),
  op('floor', 2, ([a, b]) => a.floor().mul(b).add(a), [[2.5, 1.5], [-0.5, 2], [3, 1]],
    { fdSkip: NOT_DIFFERENTIABLE('floor') }),
  op('ceil', 2, ([a, b]) => a.ceil().mul(b).add(a), [[2.5, 1.5], [-0.5, 2], [3, 1]],
    { fdSkip: NOT_DIFFERENTIABLE('ceil') }),
  unary('sigmoid', (x) => x.sigmoid(), [0, 2, -40]),
  unary('relu', (x) => x.relu(), [0.5, -0.5, 3]),
  // Both branches of the stable form, and far out on each side.
  unary('softplus', (x) => x.softplus(), [0.5, -0.5, 30, -30, 0]),
  comparison('lt'),
  comparison('le'),
  comparison('gt'),
  comparison('ge'),
  comparison('eq'),
  comparison('ne'),
  op('select', 2, ([a, b]) => Value.select(a.gt(0), a.sin(), a.mul(b)), [[0.5, 2], [-0.5, 2], [1.25, -3]]),
];
