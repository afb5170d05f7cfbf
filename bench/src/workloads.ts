/**
 * The benchmark workloads of /work/shared/bench/WORKLOADS.md. Each one comes in two forms that
 * compute the same function from the same input buffer:
 *  - `build(x)`: the Value graph, as a user of the library writes it (used for eager
 *    `backward()` and for compilation);
 *  - `hand(x, g)`: value and full gradient written by hand the way a careful engineer would,
 *    with plain loops and no allocation per call. It is the physical limit we compare against.
 * `x` holds the params, then the runtime inputs (only W4 has inputs); `g` gets one entry per param.
 */
import { Value } from '@adjoint/jit';

export interface Built {
  output: Value;
  params: Value[];
  /** Named leaves that are data rather than params, in the order they follow the params in `x`. */
  inputs?: Value[];
}

export type HandGradient = (x: Float64Array, g: Float64Array) => number;

export interface Workload {
  /** 'W1' .. 'W4' */
  id: string;
  /** Size parameter (n), or the param count for the fixed-size W4. */
  n: number;
  label: string;
  nParams: number;
  /** The benchmark point: params then inputs, exactly as WORKLOADS.md defines them. */
  x: Float64Array;
  build(x: ArrayLike<number>): Built;
  hand: HandGradient;
}

/** The common input formula: x[i] = -1 + 2*((37*i) mod 101)/101. */
export function standardInput(i: number): number {
  return -1 + (2 * ((37 * i) % 101)) / 101;
}

/** Names made once per workload, so eager rebuilds do not pay for string formatting. */
function names(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

function leaves(x: ArrayLike<number>, nm: readonly string[], from = 0): Value[] {
  const out = new Array<Value>(nm.length);
  for (let i = 0; i < nm.length; i++) out[i] = new Value(x[from + i], nm[i]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// W1 Rosenbrock: sum_{i<n-1} 100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2

export function rosenbrock(n: number): Workload {
  const nm = names('x', n);
  return {
    id: 'W1', n, label: `W1 n=${n}`, nParams: n,
    x: Float64Array.from({ length: n }, (_, i) => standardInput(i)),
    build(x) {
      const xs = leaves(x, nm);
      const terms = new Array<Value>(n - 1);
      for (let i = 0; i < n - 1; i++) {
        const d = xs[i + 1].sub(xs[i].square());
        const e = new Value(1).sub(xs[i]);
        terms[i] = d.square().mul(100).add(e.square());
      }
      return { output: Value.sum(terms), params: xs };
    },
    hand: rosenbrockHand,
  };
}

export function rosenbrockHand(x: Float64Array, g: Float64Array): number {
  const n = x.length;
  let f = 0;
  // g[i] collects the term i (as x[i]) and the term i-1 (as x[i+1]); carry the latter forward.
  let carry = 0;
  for (let i = 0; i < n - 1; i++) {
    const xi = x[i];
    const d = x[i + 1] - xi * xi;
    const e = 1 - xi;
    f += d * d * 100 + e * e;
    g[i] = carry - 400 * d * xi - 2 * e;
    carry = 200 * d;
  }
  g[n - 1] = carry;
  return f;
}

// ---------------------------------------------------------------------------------------------
// W2 planar IK, unit links: phi_k = theta_0+..+theta_k, (X,Y) = sum_k (cos phi_k, sin phi_k),
// loss = (X-0.6n)^2 + (Y-0.4n)^2

export function ik(n: number): Workload {
  const nm = names('theta', n);
  const tx = 0.6 * n;
  const ty = 0.4 * n;
  return {
    id: 'W2', n, label: `W2 n=${n}`, nParams: n,
    x: Float64Array.from({ length: n }, (_, i) => 0.05 + (0.1 * ((13 * i) % 17)) / 17),
    build(x) {
      const th = leaves(x, nm);
      const cs = new Array<Value>(n);
      const sn = new Array<Value>(n);
      let phi = th[0];
      for (let k = 0; k < n; k++) {
        if (k > 0) phi = phi.add(th[k]);
        cs[k] = phi.cos();
        sn[k] = phi.sin();
      }
      const dx = Value.sum(cs).sub(tx);
      const dy = Value.sum(sn).sub(ty);
      return { output: dx.square().add(dy.square()), params: th };
    },
    hand: ikHand(n, tx, ty),
  };
}

function ikHand(n: number, tx: number, ty: number): HandGradient {
  // cos/sin of each phi are needed again in the backward sweep; keep them instead of recomputing.
  const c = new Float64Array(n);
  const s = new Float64Array(n);
  return (x, g) => {
    let phi = 0;
    let X = 0;
    let Y = 0;
    for (let k = 0; k < n; k++) {
      phi += x[k];
      c[k] = Math.cos(phi);
      s[k] = Math.sin(phi);
      X += c[k];
      Y += s[k];
    }
    const dx = X - tx;
    const dy = Y - ty;
    // dL/dtheta_i = sum_{k>=i} dL/dphi_k: a suffix sum.
    let acc = 0;
    for (let k = n - 1; k >= 0; k--) {
      acc += 2 * dy * c[k] - 2 * dx * s[k];
      g[k] = acc;
    }
    return dx * dx + dy * dy;
  };
}

// ---------------------------------------------------------------------------------------------
// W3 particle springs: energy = sum over adjacent pairs of squared distance, n particles in 2-D.
// Positions (our choice, WORKLOADS.md leaves it open): the W1 input formula over the 2n
// interleaved coordinates, p[2i] = x_i, p[2i+1] = y_i, p[j] = standardInput(j).

export function springs(n: number): Workload {
  const nm = names('p', 2 * n);
  return {
    id: 'W3', n, label: `W3 n=${n}`, nParams: 2 * n,
    x: Float64Array.from({ length: 2 * n }, (_, j) => standardInput(j)),
    build(x) {
      const p = leaves(x, nm);
      const terms = new Array<Value>(n - 1);
      for (let i = 0; i < n - 1; i++) {
        const dx = p[2 * i + 2].sub(p[2 * i]);
        const dy = p[2 * i + 3].sub(p[2 * i + 1]);
        terms[i] = dx.square().add(dy.square());
      }
      return { output: Value.sum(terms), params: p };
    },
    hand: springsHand,
  };
}

export function springsHand(p: Float64Array, g: Float64Array): number {
  const m = p.length;
  let f = 0;
  g[0] = 0;
  g[1] = 0;
  for (let j = 0; j + 2 < m; j += 2) {
    const dx = p[j + 2] - p[j];
    const dy = p[j + 3] - p[j + 1];
    f += dx * dx + dy * dy;
    g[j] -= 2 * dx;
    g[j + 1] -= 2 * dy;
    g[j + 2] = 2 * dx;
    g[j + 3] = 2 * dy;
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// W4 MLP 2-16-16-1, tanh hidden, linear output, MSE over 32 samples.

const H = 16;
const SAMPLES = 32;
/** W1 (16x2), b1, W2 (16x16), b2, W3 (16), b3 */
export const MLP_PARAMS = H * 2 + H + H * H + H + H + 1;
const OFF_B1 = H * 2;
const OFF_W2 = OFF_B1 + H;
const OFF_B2 = OFF_W2 + H * H;
const OFF_W3 = OFF_B2 + H;
const OFF_B3 = OFF_W3 + H;

/** Park-Miller minimal standard LCG, values in (-1, 1). Exact in doubles: s*16807 < 2^53. */
export function parkMiller(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return (2 * s) / 2147483647 - 1;
  };
}

/**
 * x = the 337 params in draw order, then per sample (x0, x1, target). The target
 * sin(3*x0)*cos(2*x1) is data, computed once here, as a training set would hold it.
 */
export function mlpPoint(): Float64Array {
  const rnd = parkMiller(12345);
  const x = new Float64Array(MLP_PARAMS + 3 * SAMPLES);
  for (let i = 0; i < MLP_PARAMS; i++) x[i] = rnd();
  for (let s = 0; s < SAMPLES; s++) {
    const o = MLP_PARAMS + 3 * s;
    x[o] = rnd();
    x[o + 1] = rnd();
    x[o + 2] = Math.sin(3 * x[o]) * Math.cos(2 * x[o + 1]);
  }
  return x;
}

/*
 * Summation order (WORKLOADS.md leaves it open; it moves f in the last bits): a hidden unit
 * starts from its bias and adds w*x in index order; the output adds w*h in index order, then
 * b3. This is the order that reproduces the published check value 1.9514987912548125.
 */
export function mlp(): Workload {
  const pn = [
    ...Array.from({ length: H * 2 }, (_, k) => `W1_${k >> 1}_${k & 1}`),
    ...names('b1_', H),
    ...Array.from({ length: H * H }, (_, k) => `W2_${Math.floor(k / H)}_${k % H}`),
    ...names('b2_', H), ...names('W3_', H), 'b3',
  ];
  const dn = Array.from({ length: 3 * SAMPLES }, (_, k) => `${['x0', 'x1', 'y'][k % 3]}_${Math.floor(k / 3)}`);
  return {
    id: 'W4', n: MLP_PARAMS, label: 'W4 MLP', nParams: MLP_PARAMS,
    x: mlpPoint(),
    build(x) {
      const P = leaves(x, pn);
      const D = leaves(x, dn, MLP_PARAMS);
      const sq: Value[] = [];
      for (let s = 0; s < SAMPLES; s++) {
        const in0 = D[3 * s];
        const in1 = D[3 * s + 1];
        const h1: Value[] = [];
        for (let j = 0; j < H; j++) {
          h1.push(P[OFF_B1 + j].add(P[2 * j].mul(in0)).add(P[2 * j + 1].mul(in1)).tanh());
        }
        const h2: Value[] = [];
        for (let k = 0; k < H; k++) {
          let a = P[OFF_B2 + k];
          for (let j = 0; j < H; j++) a = a.add(P[OFF_W2 + k * H + j].mul(h1[j]));
          h2.push(a.tanh());
        }
        const out = Value.sum(h2.map((h, k) => P[OFF_W3 + k].mul(h))).add(P[OFF_B3]);
        sq.push(out.sub(D[3 * s + 2]).square());
      }
      return { output: Value.mean(sq), params: P, inputs: D };
    },
    hand: mlpHand(),
  };
}

function mlpHand(): HandGradient {
  const h1 = new Float64Array(H);
  const h2 = new Float64Array(H);
  const d2 = new Float64Array(H);
  return (x, g) => {
    g.fill(0, 0, MLP_PARAMS);
    let loss = 0;
    for (let s = 0; s < SAMPLES; s++) {
      const o = MLP_PARAMS + 3 * s;
      const in0 = x[o];
      const in1 = x[o + 1];
      for (let j = 0; j < H; j++) {
        h1[j] = Math.tanh(x[OFF_B1 + j] + x[2 * j] * in0 + x[2 * j + 1] * in1);
      }
      let out = 0;
      for (let k = 0; k < H; k++) {
        let a = x[OFF_B2 + k];
        const row = OFF_W2 + k * H;
        for (let j = 0; j < H; j++) a += x[row + j] * h1[j];
        h2[k] = Math.tanh(a);
        out += x[OFF_W3 + k] * h2[k];
      }
      const r = out + x[OFF_B3] - x[o + 2];
      loss += r * r;
      // Backward: dL/dout = 2r/32, then through W3, tanh, W2, tanh, W1.
      const dout = (2 * r) / SAMPLES;
      g[OFF_B3] += dout;
      for (let k = 0; k < H; k++) {
        g[OFF_W3 + k] += dout * h2[k];
        d2[k] = dout * x[OFF_W3 + k] * (1 - h2[k] * h2[k]);
        g[OFF_B2 + k] += d2[k];
      }
      for (let j = 0; j < H; j++) {
        let dh = 0;
        for (let k = 0; k < H; k++) {
          g[OFF_W2 + k * H + j] += d2[k] * h1[j];
          dh += d2[k] * x[OFF_W2 + k * H + j];
        }
        const d1 = dh * (1 - h1[j] * h1[j]);
        g[OFF_B1 + j] += d1;
        g[2 * j] += d1 * in0;
        g[2 * j + 1] += d1 * in1;
      }
    }
    return loss / SAMPLES;
  };
}

// ---------------------------------------------------------------------------------------------

export const SIZES = {
  W1: [5, 100, 1000, 100_000],
  W2: [3, 10, 50, 1000],
  W3: [10, 1000, 100_000],
  W4: [MLP_PARAMS],
} as const;

export type WorkloadId = keyof typeof SIZES;

export function makeWorkload(id: WorkloadId, n: number): Workload {
  switch (id) {
    case 'W1': return rosenbrock(n);
    case 'W2': return ik(n);
    case 'W3': return springs(n);
    case 'W4': return mlp();
  }
}
