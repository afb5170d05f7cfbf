/**
 * The in-memory compile cache: building the same graph twice compiles once. Key: backend,
 * options and the structural hash of the traced graph; a hit is confirmed by comparing the
 * graphs in full, so a hash collision can never return the wrong code. Bound: at most
 * MAX_ENTRIES entries and MAX_NODES traced nodes in all, evicting the least recently used.
 */
import { graphsEqual, hashGraph, type Graph } from '@adjoint/ir';

const MAX_ENTRIES = 64;
const MAX_NODES = 4_000_000;

interface Entry<T> { graph: Graph; value: T }

const entries = new Map<string, Entry<unknown>>();
let nodes = 0;
const stats = { hits: 0, misses: 0 };

/** `stale`: an entry it returns true for is built again (a background C build that failed). */
export function cached<T>(graph: Graph, variant: string, build: () => T, stale?: (value: T) => boolean): T {
  const key = `${variant}|${hashGraph(graph)}`;
  const hit = entries.get(key);
  if (hit !== undefined && graphsEqual(hit.graph, graph) && stale?.(hit.value as T) !== true) {
    entries.delete(key);
    entries.set(key, hit);   // most recently used last
    stats.hits++;
    return hit.value as T;
  }
  stats.misses++;
  const value = build();
  if (hit !== undefined) { entries.delete(key); nodes -= hit.graph.size; }
  if (graph.size <= MAX_NODES) {
    entries.set(key, { graph, value });
    nodes += graph.size;
    for (const [k, e] of entries) {
      if (entries.size <= MAX_ENTRIES && nodes <= MAX_NODES) break;
      entries.delete(k);
      nodes -= e.graph.size;
    }
  }
  return value;
}

/** Hits, misses and the number of cached compilations. */
export function compileCacheStats(): { hits: number; misses: number; entries: number } {
  return { ...stats, entries: entries.size };
}

export function clearCompileCache(): void {
  entries.clear();
  nodes = 0;
  stats.hits = 0;
  stats.misses = 0;
}
