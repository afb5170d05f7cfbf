import { Value } from '@adjoint/jit';

/** W1 Rosenbrock exactly as bench/WORKLOADS.md defines its inputs. */
export function rosenbrock(n: number): { f: Value; xs: Value[] } {
  const xs = Array.from({ length: n }, (_, i) => new Value(-1 + (2 * ((37 * i) % 101)) / 101, `x${i}`));
  const terms: Value[] = [];
  for (let i = 0; i < n - 1; i++) {
    const d = xs[i + 1].sub(xs[i].mul(xs[i]));
    const e = new Value(1).sub(xs[i]);
    terms.push(d.mul(d).mul(100).add(e.mul(e)));
  }
  return { f: Value.sum(terms), xs };
}
