/*
 * W1 Rosenbrock, value and gradient by hand: sum_{i<n-1} 100(x[i+1]-x[i]^2)^2 + (1-x[i])^2.
 * Mirrors rosenbrockHand in bench/src/workloads.ts operation for operation, so the results
 * are bit-identical to it under -ffp-contract=off. The bench defines HAND_N (n) before this.
 */
double hand_w1(const double *restrict x, double *restrict g, double *restrict t) {
  (void)t;
  double f = 0.0;
  /* g[i] gets term i (through x[i]) and term i-1 (through x[i+1]): carry the latter. */
  double carry = 0.0;
  for (int i = 0; i < HAND_N - 1; i++) {
    const double xi = x[i];
    const double d = x[i + 1] - xi * xi;
    const double e = 1.0 - xi;
    f += d * d * 100.0 + e * e;
    g[i] = carry - 400.0 * d * xi - 2.0 * e;
    carry = 200.0 * d;
  }
  g[HAND_N - 1] = carry;
  return f;
}
