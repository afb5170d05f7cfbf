/*
 * W3 particle springs, value and gradient by hand: the sum over adjacent pairs of the squared
 * 2-D distance, p = (x0, y0, x1, y1, ...). Same math and rounding as springsHand in
 * bench/src/workloads.ts (bit-identical), but the pair's contribution to the next particle is
 * carried in registers instead of read back from g. The bench defines HAND_N (particles).
 */
double hand_w3(const double *restrict p, double *restrict g, double *restrict t) {
  (void)t;
  double f = 0.0;
  /* What pair j-1 owes particle j; the JS version keeps it in g and subtracts from there. */
  double cx = 0.0, cy = 0.0;
  for (int j = 0; j + 2 < 2 * HAND_N; j += 2) {
    const double dx = p[j + 2] - p[j];
    const double dy = p[j + 3] - p[j + 1];
    f += dx * dx + dy * dy;
    g[j] = cx - 2.0 * dx;
    g[j + 1] = cy - 2.0 * dy;
    cx = 2.0 * dx;
    cy = 2.0 * dy;
  }
  g[2 * HAND_N - 2] = cx;
  g[2 * HAND_N - 1] = cy;
  return f;
}
