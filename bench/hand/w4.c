/*
 * W4 MLP 2-16-16-1 (tanh hidden, linear output), MSE over 32 samples, value and gradient by
 * hand. Mirrors mlpHand in bench/src/workloads.ts: same summation order everywhere, so only
 * libm's tanh may differ from V8's. x = the 337 params (W1[16][2], b1, W2[16][16], b2, W3,
 * b3), then per sample (x0, x1, target). Activations live on the stack; t is unused.
 */
#include <math.h>

#define H 16
#define SAMPLES 32
#define N_PARAMS (H * 2 + H + H * H + H + H + 1)
#define OFF_B1 (H * 2)
#define OFF_W2 (OFF_B1 + H)
#define OFF_B2 (OFF_W2 + H * H)
#define OFF_W3 (OFF_B2 + H)
#define OFF_B3 (OFF_W3 + H)

double hand_w4(const double *restrict x, double *restrict g, double *restrict t) {
  (void)t;
  double h1[H], h2[H], d2[H];
  for (int i = 0; i < N_PARAMS; i++) g[i] = 0.0;
  double loss = 0.0;
  for (int s = 0; s < SAMPLES; s++) {
    const double *in = x + N_PARAMS + 3 * s;
    const double in0 = in[0], in1 = in[1];
    for (int j = 0; j < H; j++) h1[j] = tanh(x[OFF_B1 + j] + x[2 * j] * in0 + x[2 * j + 1] * in1);
    double out = 0.0;
    for (int k = 0; k < H; k++) {
      const double *row = x + OFF_W2 + k * H;
      double a = x[OFF_B2 + k];
      for (int j = 0; j < H; j++) a += row[j] * h1[j];
      h2[k] = tanh(a);
      out += x[OFF_W3 + k] * h2[k];
    }
    const double r = out + x[OFF_B3] - in[2];
    loss += r * r;
    /* Reverse: dL/dout = 2r/32, then through W3, tanh, W2, tanh, W1. */
    const double dout = 2.0 * r / SAMPLES;
    g[OFF_B3] += dout;
    for (int k = 0; k < H; k++) {
      g[OFF_W3 + k] += dout * h2[k];
      d2[k] = dout * x[OFF_W3 + k] * (1.0 - h2[k] * h2[k]);
      g[OFF_B2 + k] += d2[k];
    }
    for (int j = 0; j < H; j++) {
      double dh = 0.0;
      for (int k = 0; k < H; k++) {
        g[OFF_W2 + k * H + j] += d2[k] * h1[j];
        dh += d2[k] * x[OFF_W2 + k * H + j];
      }
      const double d1 = dh * (1.0 - h1[j] * h1[j]);
      g[OFF_B1 + j] += d1;
      g[2 * j] += d1 * in0;
      g[2 * j + 1] += d1 * in1;
    }
  }
  return loss / SAMPLES;
}
