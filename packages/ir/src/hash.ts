/**
 * Structural hashing and equality of graphs: the key of the compile cache. Two graphs are
 * equal when they have the same nodes in the same order, the same constants (bit for bit),
 * the same input names and the same outputs.
 */
import type { Graph } from './graph.js';

/** A 52-bit structural hash, as a 13-digit hex string. */
export function hashGraph(g: Graph): string {
  let h1 = 0x811c9dc5 ^ g.size;
  let h2 = 0x01000193 ^ g.outputs.length;
  const mix = (x: number): void => {
    h1 = Math.imul(h1 ^ x, 0x85ebca6b);
    h1 ^= h1 >>> 13;
    h2 = Math.imul(h2 ^ x, 0xc2b2ae35) + h1;
    h2 ^= h2 >>> 16;
  };
  for (let i = 0; i < g.size; i++) {
    mix(g.op[i] | (g.dtype[i] << 8));
    mix(g.a[i]);
    mix(g.b[i]);
    mix(g.c[i]);
  }
  const words = new Uint32Array(g.consts.buffer, g.consts.byteOffset, g.consts.length * 2);
  for (let i = 0; i < words.length; i++) mix(words[i]);
  for (let i = 0; i < g.outputs.length; i++) mix(g.outputs[i]);
  for (const name of g.inputNames) {
    mix(name.length);
    for (let i = 0; i < name.length; i++) mix(name.charCodeAt(i));
  }
  return ((h1 >>> 0) % 0x2000000).toString(16).padStart(7, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

function sameArray(x: ArrayLike<number>, y: ArrayLike<number>): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export function graphsEqual(x: Graph, y: Graph): boolean {
  if (x.size !== y.size || x.consts.length !== y.consts.length) return false;
  if (x.inputNames.length !== y.inputNames.length) return false;
  for (let i = 0; i < x.inputNames.length; i++) if (x.inputNames[i] !== y.inputNames[i]) return false;
  for (let i = 0; i < x.consts.length; i++) if (!Object.is(x.consts[i], y.consts[i])) return false;
  return sameArray(x.op, y.op) && sameArray(x.dtype, y.dtype) && sameArray(x.a, y.a) && sameArray(x.b, y.b)
    && sameArray(x.c, y.c) && sameArray(x.outputs, y.outputs);
}

/** A 53-bit checksum of a string (for integrity checks of serialized code, not security). */
export function checksum(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}
