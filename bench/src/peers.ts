/**
 * Peer libraries on the same workloads: @jax-js/jax (`jit(valueAndGrad(f))` over arrays, its
 * wasm device, float64 and its default float32) and @tensorflow/tfjs (`tf.valueAndGrad(s)` over
 * tensors, float32 only, on its cpu backend and, when it loads, @tensorflow/tfjs-backend-wasm).
 *
 * The contract is the one every contender here meets: params come in as a Float64Array, the
 * value and the full gradient go back into JS (`dataSync()` copied into a Float64Array). Params
 * are uploaded on every call (an optimizer changes them each step); W4's 32 samples are data
 * and are uploaded once. Each peer is checked against the hand-written gradient, then timed
 * interleaved with the hand-written JS gradient in its own group (tfjs has one global backend,
 * and switching it is asynchronous, so peers cannot share rounds).
 */
import { relError } from './native.js';
import { measure, type RoundRule, type Timing, type WarmRule } from './timing.js';
import { MLP_PARAMS, makeWorkload, type Workload, type WorkloadId } from './workloads.js';

type Jax = typeof import('@jax-js/jax');
type JArray = import('@jax-js/jax').Array;
type Tf = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;

/** One gradient evaluation at x: returns f, writes the gradient into g. */
export type PeerGradient = (x: Float64Array, g: Float64Array) => number;

export interface Peer {
  name: string;
  version: string;
  dtype: 'float64' | 'float32';
  /** Norm-wise relative error to the hand-written gradient (and f) past which timing is refused. */
  tolerance: number;
  /** Makes this peer the active one (tfjs: selects its backend). */
  activate(): Promise<void>;
  /** The peer's gradient for w, or why it cannot express w. */
  make(w: Workload): PeerGradient | string;
}

export interface PeerRow {
  peer: string;
  workload: string;
  /** µs per gradient, the hand-written JS gradient in the same rounds, and their ratio. */
  us: number | null;
  handUs: number | null;
  ratio: number | null;
  /** Norm-wise relative error of the peer's gradient to the hand-written one (null: not run). */
  relError: number | null;
  tolerance: number;
  timing: Timing | null;
  /** Why the row has no time. */
  skipped: string | null;
}

export interface PeersReport {
  /** Why no peer ran at all (--no-peers, no workload), else null. */
  skipped: string | null;
  peers: { name: string; version: string; dtype: string; tolerance: number }[];
  /** Peers whose package would not load, and why. */
  unavailable: { name: string; reason: string }[];
  rows: PeerRow[];
}

/**
 * Float64 peers: jax-js's wasm sin/cos/tanh are float32-accurate even in float64 (measured:
 * relative error ~1e-7 on W2 and W4, ~1e-16 on W1, which has no transcendentals).
 */
export const F64_TOLERANCE = 1e-6;
/** Float32 peers: a few ulps of float32 (2^-23 = 1.2e-7), grown by reductions (measured: <= 1.1e-6, f of W3 n=1000). */
export const F32_TOLERANCE = 1e-5;

/**
 * The sizes peers run (W3 n=100000 is left out, as the W1/W2 largest sizes are). --quick keeps
 * the first size of each workload, so W3 n=10 is in it (a peer's W3 n=10 costs about its W1 n=100).
 */
export const PEER_SIZES: { id: WorkloadId; n: number }[] = [
  { id: 'W1', n: 100 }, { id: 'W1', n: 1000 }, { id: 'W2', n: 10 }, { id: 'W2', n: 50 },
  { id: 'W3', n: 10 }, { id: 'W3', n: 1000 }, { id: 'W4', n: MLP_PARAMS },
];

function errorText(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

// ---------------------------------------------------------------------------------------------
// @jax-js/jax

type Jitted = (...args: JArray[]) => [JArray, JArray];
type MlpParams = { W1: JArray; b1: JArray; W2: JArray; b2: JArray; W3: JArray; b3: JArray };
type JittedMlp = (p: MlpParams, X: JArray, y: JArray) => [JArray, MlpParams];

/** W4's param blocks in x: name, offset, shape. */
const MLP_BLOCKS: [keyof MlpParams, number, number[]][] = [
  ['W1', 0, [16, 2]], ['b1', 32, [16]], ['W2', 48, [16, 16]], ['b2', 304, [16]], ['W3', 320, [16]], ['b3', 336, [1]],
];

/** Samples of W4 as (32x2 inputs, 32 targets). */
function mlpData(x: Float64Array): { X: Float64Array; y: Float64Array } {
  const X = new Float64Array(64);
  const y = new Float64Array(32);
  for (let s = 0; s < 32; s++) {
    const o = MLP_PARAMS + 3 * s;
    X[2 * s] = x[o];
    X[2 * s + 1] = x[o + 1];
    y[s] = x[o + 2];
  }
  return { X, y };
}

function jaxPeer(jax: Jax, version: string, dtype: 'float64' | 'float32'): Peer {
  const np = jax.numpy;
  const dt = dtype === 'float64' ? np.float64 : np.float32;
  const upload = (v: Float64Array, shape: number[]): JArray =>
    np.array(dtype === 'float64' ? v : Float32Array.from(v), { shape, dtype: dt });
  const copyOut = (a: JArray, g: Float64Array, at: number): void => {
    const d = a.dataSync();
    for (let i = 0; i < d.length; i++) g[at + i] = d[i];
  };
  const scalar = (a: JArray): number => a.dataSync()[0];
  const flat = (vg: Jitted, n: number): PeerGradient => (x, g) => {
    const [v, gr] = vg(upload(x.subarray(0, n), [n]));
    copyOut(gr, g, 0);
    return scalar(v);
  };
  return {
    name: `@jax-js/jax jit (wasm, ${dtype})`, version, dtype,
    tolerance: dtype === 'float64' ? F64_TOLERANCE : F32_TOLERANCE,
    async activate() {
      await jax.init('wasm');
      jax.defaultDevice('wasm');
    },
    make(w) {
      const n = w.n;
      if (w.id === 'W1') {
        // Every array is owned: `.ref` where it is used again.
        const f = (x: JArray): JArray => {
          const a = x.ref.slice([0, n - 1]);
          const d = x.slice([1, n]).sub(a.ref.mul(a.ref));
          const e = np.subtract(1, a);
          return d.ref.mul(d).mul(100).add(e.ref.mul(e)).sum();
        };
        return flat(jax.jit(jax.valueAndGrad(f)) as unknown as Jitted, n);
      }
      if (w.id === 'W2') {
        const tx = 0.6 * n;
        const ty = 0.4 * n;
        const f = (th: JArray): JArray => {
          const phi = np.cumsum(th);
          const dx = np.cos(phi.ref).sum().sub(tx);
          const dy = np.sin(phi).sum().sub(ty);
          return dx.ref.mul(dx).add(dy.ref.mul(dy));
        };
        return flat(jax.jit(jax.valueAndGrad(f)) as unknown as Jitted, n);
      }
      if (w.id === 'W3') {
        // Positions as an n x 2 array (x_i, y_i per row); springs join adjacent rows.
        const f = (p: JArray): JArray => {
          const d = np.diff(p.reshape([n, 2]), 1, 0);
          return d.ref.mul(d).sum();
        };
        return flat(jax.jit(jax.valueAndGrad(f)) as unknown as Jitted, 2 * n);
      }
      if (w.id === 'W4') {
        const f = (p: MlpParams, X: JArray, y: JArray): JArray => {
          const h1 = np.tanh(np.matmul(X, np.transpose(p.W1)).add(p.b1));
          const h2 = np.tanh(np.matmul(h1, np.transpose(p.W2)).add(p.b2));
          const r = np.matmul(h2, p.W3).add(p.b3).sub(y);
          return r.ref.mul(r).mean();
        };
        const vg = jax.jit(jax.valueAndGrad(f)) as unknown as JittedMlp;
        const data = mlpData(w.x);
        const X = upload(data.X, [32, 2]);
        const y = upload(data.y, [32]);
        return (x, g) => {
          const p = {} as MlpParams;
          for (const [k, at, shape] of MLP_BLOCKS) p[k] = upload(x.subarray(at, at + shape.reduce((s, d) => s * d, 1)), shape);
          const [v, gp] = vg(p, X.ref, y.ref);
          for (const [k, at] of MLP_BLOCKS) copyOut(gp[k], g, at);
          return scalar(v);
        };
      }
      return `not among the peer workloads (${w.id})`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// @tensorflow/tfjs

function tfPeer(tf: Tf, version: string, backend: 'cpu' | 'wasm'): Peer {
  const copyOut = (t: Tensor, g: Float64Array, at: number): void => {
    const d = t.dataSync();
    for (let i = 0; i < d.length; i++) g[at + i] = d[i];
  };
  const flat = (vg: (x: Tensor) => { value: Tensor; grad: Tensor }, n: number): PeerGradient => {
    const buf = new Float32Array(n);
    return (x, g) => tf.tidy(() => {
      for (let i = 0; i < n; i++) buf[i] = x[i];
      const { value, grad } = vg(tf.tensor1d(buf));
      copyOut(grad, g, 0);
      return value.dataSync()[0];
    });
  };
  return {
    name: `@tensorflow/tfjs (${backend}, float32)`, version, dtype: 'float32', tolerance: F32_TOLERANCE,
    async activate() {
      if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not initialize`);
      await tf.ready();
    },
    make(w) {
      const n = w.n;
      if (w.id === 'W1') {
        return flat(tf.valueAndGrad((x: Tensor) => {
          const a = tf.slice(x, 0, n - 1);
          const d = tf.sub(tf.slice(x, 1, n - 1), tf.square(a));
          return tf.sum(tf.add(tf.mul(tf.square(d), 100), tf.square(tf.sub(1, a))));
        }), n);
      }
      if (w.id === 'W2') {
        const tx = 0.6 * n;
        const ty = 0.4 * n;
        return flat(tf.valueAndGrad((th: Tensor) => {
          const phi = tf.cumsum(th);
          const dx = tf.sub(tf.sum(tf.cos(phi)), tx);
          const dy = tf.sub(tf.sum(tf.sin(phi)), ty);
          return tf.add(tf.square(dx), tf.square(dy));
        }), n);
      }
      if (w.id === 'W3') {
        // Positions as an n x 2 tensor (x_i, y_i per row); springs join adjacent rows.
        return flat(tf.valueAndGrad((x: Tensor) => {
          const p = tf.reshape(x, [n, 2]);
          const d = tf.sub(tf.slice(p, [1, 0], [n - 1, 2]), tf.slice(p, [0, 0], [n - 1, 2]));
          return tf.sum(tf.square(d));
        }), 2 * n);
      }
      if (w.id === 'W4') {
        const data = mlpData(w.x);
        // Data lives on the active backend for the whole run (made outside any tidy).
        const X = tf.tensor2d(Float32Array.from(data.X), [32, 2]);
        const y = tf.tensor2d(Float32Array.from(data.y), [32, 1]);
        const vg = tf.valueAndGrads((W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor, W3: Tensor, b3: Tensor) => {
          const h1 = tf.tanh(tf.add(tf.matMul(X, W1, false, true), b1));
          const h2 = tf.tanh(tf.add(tf.matMul(h1, W2, false, true), b2));
          const out = tf.add(tf.matMul(h2, W3), b3);
          return tf.mean(tf.square(tf.sub(out, y)));
        });
        const shapes = [[16, 2], [16], [16, 16], [16], [16, 1], [1]];
        const bufs = MLP_BLOCKS.map(([, , s]) => new Float32Array(s.reduce((a, d) => a * d, 1)));
        return (x, g) => tf.tidy(() => {
          const args = MLP_BLOCKS.map(([, at], k) => {
            const b = bufs[k];
            for (let i = 0; i < b.length; i++) b[i] = x[at + i];
            return tf.tensor(b, shapes[k]);
          });
          const { value, grads } = vg(args);
          MLP_BLOCKS.forEach(([, at], k) => copyOut(grads[k], g, at));
          return value.dataSync()[0];
        });
      }
      return `not among the peer workloads (${w.id})`;
    },
  };
}

// ---------------------------------------------------------------------------------------------

/** Loads the peer packages (slow: done only when peers run). A package that fails is listed with its reason. */
export async function loadPeers(): Promise<{ peers: Peer[]; unavailable: { name: string; reason: string }[] }> {
  const peers: Peer[] = [];
  const unavailable: { name: string; reason: string }[] = [];
  const { createRequire } = await import('node:module');
  const { readFileSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const require = createRequire(import.meta.url);
  // Not every package exports its package.json: walk up from its entry point instead.
  const version = (pkg: string): string => {
    try {
      for (let d = dirname(require.resolve(pkg)); d !== dirname(d); d = dirname(d)) {
        try {
          const j = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name?: string; version?: string };
          if (j.name === pkg && j.version) return j.version;
        } catch { /* no package.json here */ }
      }
    } catch { /* not resolvable */ }
    return '?';
  };
  // jax-js tests `instanceof Float16Array`, which Node 20 lacks: an empty class makes that test false.
  const g = globalThis as Record<string, unknown>;
  if (g.Float16Array === undefined) g.Float16Array = class Float16Array {};
  try {
    const jax: Jax = await import('@jax-js/jax');
    const v = version('@jax-js/jax');
    peers.push(jaxPeer(jax, v, 'float64'), jaxPeer(jax, v, 'float32'));
  } catch (e) {
    unavailable.push({ name: '@jax-js/jax', reason: errorText(e) });
  }
  try {
    const tf: Tf = await import('@tensorflow/tfjs');
    const v = version('@tensorflow/tfjs');
    peers.push(tfPeer(tf, v, 'cpu'));
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      peers.push(tfPeer(tf, version('@tensorflow/tfjs-backend-wasm'), 'wasm'));
    } catch (e) {
      unavailable.push({ name: '@tensorflow/tfjs-backend-wasm', reason: errorText(e) });
    }
  } catch (e) {
    unavailable.push({ name: '@tensorflow/tfjs', reason: errorText(e) });
  }
  return { peers, unavailable };
}

/** f and the gradient of peer p on w, with their norm-wise relative errors to the hand-written ones. */
export function checkPeer(p: Peer, w: Workload): { run: PeerGradient; f: number; fError: number; gError: number } | string {
  let run: PeerGradient | string;
  try {
    run = p.make(w);
  } catch (e) {
    return `cannot build: ${errorText(e)}`;
  }
  if (typeof run === 'string') return run;
  const gHand = new Float64Array(w.nParams);
  const fHand = w.hand(w.x, gHand);
  const g = new Float64Array(w.nParams).fill(NaN);
  let f: number;
  try {
    f = run(w.x, g);
  } catch (e) {
    return `gradient failed: ${errorText(e)}`;
  }
  const gError = relError(g, gHand);
  return { run, f, fError: Math.abs(f - fHand) / Math.abs(fHand), gError: Number.isNaN(gError) ? Infinity : gError };
}

export interface PeerSettings extends RoundRule {
  warm: WarmRule;
}

/** Every peer on every size: check, then time against hand JS in the peer's own interleaved group. */
export async function runPeers(
  sizes: readonly { id: WorkloadId; n: number }[], s: PeerSettings, log: (m: string) => void,
): Promise<PeersReport> {
  log('[peers] loading @jax-js/jax and @tensorflow/tfjs');
  const { peers, unavailable } = await loadPeers();
  for (const u of unavailable) log(`[peers] ${u.name} unavailable: ${u.reason}`);
  const rows: PeerRow[] = [];
  for (const p of peers) {
    const progress = (m: string): void => log(`[${p.name}] ${m}`);
    try {
      await p.activate();
    } catch (e) {
      unavailable.push({ name: p.name, reason: errorText(e) });
      progress(`unavailable: ${errorText(e)}`);
      continue;
    }
    for (const { id, n } of sizes) {
      const w = makeWorkload(id, n);
      const row: PeerRow = {
        peer: p.name, workload: w.label, us: null, handUs: null, ratio: null,
        relError: null, tolerance: p.tolerance, timing: null, skipped: null,
      };
      rows.push(row);
      const c = checkPeer(p, w);
      if (typeof c === 'string') {
        row.skipped = c;
        progress(`${w.label}: — ${c}`);
        continue;
      }
      row.relError = Math.max(c.gError, c.fError);
      progress(`${w.label}: f ${c.f}, gradient max relative error ${c.gError.toExponential(2)}, f ${c.fError.toExponential(2)}`);
      if (!(row.relError <= p.tolerance)) {
        row.skipped = `wrong gradient: relative error ${row.relError.toExponential(2)} > ${p.tolerance}`;
        progress(`${w.label}: not timed, ${row.skipped}`);
        continue;
      }
      const gHand = new Float64Array(w.nParams);
      const gPeer = new Float64Array(w.nParams);
      const x = w.x;
      const run = c.run;
      const t = measure([
        { name: 'hand', run: () => w.hand(x, gHand), warm: s.warm },
        { name: 'peer', run: () => run(x, gPeer), warm: s.warm },
      ], s, (m) => progress(`${w.label}: ${m}`));
      const hand = t.get('hand')!;
      const peer = t.get('peer')!;
      row.us = peer.medianUs;
      row.handUs = hand.medianUs;
      row.ratio = peer.medianUs / hand.medianUs;
      row.timing = peer;
      progress(`${w.label}: ${peer.medianUs.toPrecision(3)} µs, ${row.ratio.toFixed(0)}x hand JS`);
    }
  }
  return {
    skipped: null,
    peers: peers.map((p) => ({ name: p.name, version: p.version, dtype: p.dtype, tolerance: p.tolerance })),
    unavailable, rows,
  };
}
