/**
 * How far the C platform's libm is from V8's Math, op by op: the bounds docs/backends.md
 * states. (Whole graphs are checked bit for bit against the interpreter running this same
 * libm; this test is what ties that libm to JavaScript's.) Special values must agree exactly.
 */
import { describe, expect, test } from 'vitest';
import { LIBM_OPS } from '@adjoint/backend-c';
import { ARITY, OP_CODE, ops } from '@adjoint/ir';
import { C_LIBM_ULPS, Rng, cMath, ulpDistance } from '@adjoint/conformance';


const f32 = new Float32Array(1);
const u32 = new Int32Array(f32.buffer);
function ulps32(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  const ord = (x: number): number => { f32[0] = x; return u32[0] < 0 ? -(u32[0] & 0x7fffffff) : u32[0]; };
  return Math.abs(ord(a) - ord(b));
}

const SPECIAL = [0, -0, 1, -1, 0.5, -0.5, 2, -2, 3, -3, Infinity, -Infinity, NaN, 5e-324, -5e-324, 1e-300, 1e300, -1e300, 710, -745, 1e22, Math.PI, Math.PI / 2, -Math.PI / 4];

/** Arguments: specials, and a spread of magnitudes from 1e-8 to 1e4 of both signs, and (−2, 2) densely. */
function args(rng: Rng, n: number): number[] {
  const out = [...SPECIAL];
  for (let i = 0; i < n; i++) {
    const sign = rng.float() < 0.5 ? -1 : 1;
    out.push(i % 2 === 0 ? sign * 10 ** (rng.float() * 12 - 8) : 4 * rng.float() - 2);
  }
  return out;
}

describe.each(['f64', 'f32'] as const)('C libm vs JS Math (%s)', (precision) => {
  const math = cMath(precision);
  const round = precision === 'f32' ? Math.fround : (x: number) => x;
  const distance = precision === 'f32' ? ulps32 : ulpDistance;
  test.each([...LIBM_OPS])('%s', (op) => {
    const rng = new Rng(OP_CODE[op] * 7919 + (precision === 'f32' ? 1 : 0));
    const xs = args(rng, 4000).map(round);
    const ys = args(rng, 4000).map(round).reverse();
    const run = math[op]!;
    let worst = 0;
    let worstAt = '';
    const binary = ARITY[OP_CODE[op]] === 2;
    for (let i = 0; i < xs.length; i++) {
      for (const y of binary ? [ys[i], round(Math.trunc(ys[i] * 3)), round(0.5)] : [0]) {
        const want = round(ops[op].eval(xs[i], y, 0));
        const got = run(xs[i], y, 0);
        const d = distance(got, want);
        if (d > worst) { worst = d; worstAt = `${op}(${xs[i]}${binary ? `, ${y}` : ''}) = ${got}, JS ${want}`; }
      }
    }
    console.info(`${precision} ${op}: max ${worst} ulp${worst === 1 ? '' : 's'}${worst > 0 ? ` (at ${worstAt})` : ''}`);
    expect(worst, worstAt).toBeLessThanOrEqual(C_LIBM_ULPS[precision][op] ?? C_LIBM_ULPS[precision].other);
  });
});
