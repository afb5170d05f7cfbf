/**
 * Precision: a graph computed in f64 run in f32 instead, as the C and wasm backends do with
 * `precision: 'f32'`. The retyped graph is the reference for such code: the interpreter
 * rounds every f32 node to float, which is what float arithmetic does (for + - * / sqrt the
 * double result rounded to float equals the float operation exactly).
 */
import { F32, F64, type Graph } from './graph.js';

/** The same graph with every f64 node made f32 and every constant rounded to float. */
export function toFloat32(g: Graph): Graph {
  return {
    ...g,
    dtype: g.dtype.map((t) => (t === F64 ? F32 : t)),
    consts: g.consts.map(Math.fround),
  };
}
