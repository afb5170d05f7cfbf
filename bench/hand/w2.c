/*
 * W2 planar IK with unit links, value and gradient by hand. phi_k = theta_0 + .. + theta_k,
 * (X, Y) = sum_k (cos phi_k, sin phi_k), loss = (X - 0.6n)^2 + (Y - 0.4n)^2. Mirrors ikHand
 * in bench/src/workloads.ts; only libm's sin/cos may differ from V8's (by an ulp or so).
 * The bench defines HAND_N (n) before this; t holds 2n doubles of scratch.
 */
#include <math.h>

double hand_w2(const double *restrict x, double *restrict g, double *restrict t) {
  /* cos and sin of every phi are needed again in the reverse sweep: keep them. */
  double *restrict c = t;
  double *restrict s = t + HAND_N;
  const double tx = 0.6 * HAND_N;
  const double ty = 0.4 * HAND_N;
  double phi = 0.0, X = 0.0, Y = 0.0;
  for (int k = 0; k < HAND_N; k++) {
    phi += x[k];
    c[k] = cos(phi);
    s[k] = sin(phi);
    X += c[k];
    Y += s[k];
  }
  const double dx = X - tx;
  const double dy = Y - ty;
  /* dL/dtheta_i = sum_{k>=i} dL/dphi_k: a suffix sum. */
  double acc = 0.0;
  for (int k = HAND_N - 1; k >= 0; k--) {
    acc += 2.0 * dy * c[k] - 2.0 * dx * s[k];
    g[k] = acc;
  }
  return dx * dx + dy * dy;
}
