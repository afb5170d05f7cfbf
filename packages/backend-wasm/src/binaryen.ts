/**
 * The only file that imports binaryen. binaryen is an ES module with top-level await that
 * takes ~350 ms to load (it instantiates a large wasm build of itself), so it is loaded on
 * first use and once per process; everything else receives the loaded object.
 */
import type BinaryenNamespace from 'binaryen';

export type Binaryen = typeof BinaryenNamespace;
/** A binaryen module under construction. */
export type BinaryenModule = BinaryenNamespace.Module;
export type ExpressionRef = BinaryenNamespace.ExpressionRef;
export type WasmType = BinaryenNamespace.Type;

// Cache of the one binaryen instance. Key: none (there is one library); bound: one entry.
let loading: Promise<Binaryen> | null = null;
let loaded: Binaryen | null = null;

/** binaryen, loaded on the first call; later calls return the same promise. */
export function loadBinaryen(): Promise<Binaryen> {
  loading ??= import('binaryen').then((m) => {
    warmUp(m.default);
    loaded = m.default;
    return loaded;
  }, (e: unknown) => {
    loading = null;   // a failed load (say, out of memory) may be retried
    throw e;
  });
  return loading;
}

/** binaryen if `loadBinaryen()` has finished, else null (lets synchronous callers avoid a wait). */
export function binaryenIfLoaded(): Binaryen | null {
  return loaded;
}

/**
 * V8 compiles binaryen's own wasm lazily, function by function, so the first module a process
 * optimizes pays ~100 ms for that (measured: 93-123 ms for a 10-instruction loop, then 1-7 ms).
 * Building and optimizing one tiny loop while loading keeps that cost out of the first compile.
 */
function warmUp(b: Binaryen): void {
  const m = new b.Module();
  try {
    m.setFeatures(b.Features.MVP);
    m.setMemory(1, 1, null, []);
    const { f64, i32 } = b;
    const at = (): ExpressionRef => m.i32.shl(m.local.get(0, i32), m.i32.const(3));
    const body = m.block(null, [
      m.local.set(0, m.i32.const(0)),
      m.loop('L', m.block(null, [
        m.local.set(1, m.f64.add(m.f64.mul(m.f64.load(8, 8, at()), m.local.get(1, f64)), m.f64.const(1))),
        m.f64.store(0, 8, at(), m.select(m.f64.le(m.local.get(1, f64), m.f64.const(0)), m.f64.const(0), m.local.get(1, f64))),
        m.local.set(0, m.i32.add(m.local.get(0, i32), m.i32.const(1))),
        m.br_if('L', m.i32.lt_s(m.local.get(0, i32), m.i32.const(10))),
      ])),
      m.local.get(1, f64),
    ], f64);
    m.addFunction('warm', b.none, f64, [i32, f64], body);
    const level = b.getOptimizeLevel();
    b.setOptimizeLevel(2);
    m.optimizeFunction('warm');
    b.setOptimizeLevel(level);
    m.emitBinary();
  } finally {
    m.dispose();
  }
}
