/**
 * An irregular graph for compile-time figures: a random expression DAG over 100 inputs with
 * no repeated structure, so rerolling finds no loops and every backend gets straight-line code
 * (the worst case for a C compiler). A function of its seed and size alone.
 *
 * Each step applies one of eight small forms to operands picked from the nodes made so far —
 * mostly recent ones (depth), sometimes any (sharing) — with its own random coefficient.
 * Every form keeps values bounded (tanh, sin, cos of bounded values, log(a^2+1), exp of a
 * tanh), so nothing overflows at any size.
 */
import { Value } from '@adjoint/jit';
import { standardInput, type Built } from './workloads.js';

export const IRREGULAR_INPUTS = 100;

/**
 * Steps for ~10^5 trace nodes (measured: 58,000 -> ~100k). A step makes 2-4 nodes, but
 * repeated sub-expressions are shared in the trace, more so as the graph grows.
 */
export const STEPS_PER_100K_NODES = 58_000;

export interface Irregular {
  label: string;
  x: Float64Array;
  build(): Built;
}

export function irregular(steps: number, seed = 20240601): Irregular {
  const x = Float64Array.from({ length: IRREGULAR_INPUTS }, (_, i) => standardInput(i));
  return { label: `irregular DAG, ${steps.toLocaleString('en-US')} steps`, x, build: () => buildIrregular(x, steps, seed) };
}

function buildIrregular(x: Float64Array, steps: number, seed: number): Built {
  // Park-Miller again (WORKLOADS.md's generator), as a uniform [0, 1).
  let s = seed;
  const rnd = (): number => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const params = Array.from(x, (v, i) => new Value(v, `x${i}`));
  const pool: Value[] = [...params];
  const pick = (): Value => {
    const recent = rnd() < 0.7;
    const k = recent ? pool.length - 1 - Math.floor(rnd() * Math.min(pool.length, 64)) : Math.floor(rnd() * pool.length);
    return pool[k];
  };
  for (let i = 0; i < steps; i++) {
    const a = pick();
    const b = pick();
    const r = rnd();
    // Coefficients from a thousand values, so the constant pool stays small but varied.
    const k = Math.round(rnd() * 1000) / 1000 + 0.25;
    let v: Value;
    if (r < 0.2) v = a.add(b).mul(0.5);
    else if (r < 0.35) v = a.mul(b).tanh();
    else if (r < 0.45) v = a.sub(b.mul(k)).tanh();
    else if (r < 0.55) v = a.mul(k).sin();
    else if (r < 0.65) v = a.tanh().exp();
    else if (r < 0.75) v = a.add(b.mul(k)).tanh();
    else if (r < 0.88) v = a.cos().mul(b);
    else v = a.mul(a).add(1).log();
    pool.push(v);
  }
  // The output reads the last 500 nodes (the sinks of a DAG built this way are mostly there).
  return { output: Value.sum(pool.slice(-500)).mul(0.01), params };
}
