/** What the bench tests share: the sizes they check, a second point, and eager gradients. */
import { MLP_PARAMS, type Workload, type WorkloadId } from '../src/workloads.js';

export const SIZES: readonly [WorkloadId, number][] = [
  ['W1', 5], ['W1', 100], ['W1', 1000],
  ['W2', 3], ['W2', 10], ['W2', 50], ['W2', 1000],
  ['W3', 10], ['W3', 1000],
  ['W4', MLP_PARAMS],
];

/** A second point, so agreement is not an accident of the benchmark point. */
export function shifted(w: Workload): Float64Array {
  return Float64Array.from(w.x, (v, i) => (i < w.nParams ? v * 0.75 + 0.01 * (i % 7) : v));
}

/** f and the gradient from eager backward(). */
export function eager(w: Workload, x: Float64Array): { f: number; g: Float64Array } {
  const b = w.build(x);
  b.output.backward();
  return { f: b.output.data, g: Float64Array.from(b.params, (p) => p.grad) };
}
