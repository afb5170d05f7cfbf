/**
 * What the bench needs to time native code: a fresh build cache (so compile times are real
 * compiler runs, never disk-cache hits), the hand-written C gradients of bench/hand/, loaded
 * through the same N-API path as the C backend, and the cost of that path alone.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSharedLibrary, loadNativeKernel, type NativeKernel } from '@adjoint/backend-c';
import { measure, type RoundRule, type WarmRule } from './timing.js';
import type { Workload } from './workloads.js';

/** Why native code cannot run here (no addon, no C compiler), or null when it can: the backend's own check. */
export { nativeUnavailable } from '@adjoint/backend-c';

const cacheDirs: string[] = [];

/**
 * Points ADJOINT_CACHE_DIR at a new empty directory and returns it. The C backend names
 * libraries by content hash, so a compile of a graph built earlier in the run (or in an
 * earlier run) would otherwise be a cache hit with a build time of ~0.
 */
export function freshCacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-bench-'));
  cacheDirs.push(dir);
  process.env.ADJOINT_CACHE_DIR = dir;
  return dir;
}

/** Removes every directory freshCacheDir made (the libraries stay mapped while we run). */
export function removeCacheDirs(): void {
  for (const d of cacheDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The hand C source of a workload with its size defined, as built and as the callgrind driver uses it. */
export function handCSource(w: Workload): string {
  const file = new URL(`../hand/${w.id.toLowerCase()}.c`, import.meta.url);
  // The size is a compile-time constant, as in the generated code (and W4's are fixed).
  const size = w.id === 'W4' ? '' : `#define HAND_N ${w.n}\n`;
  return size + readFileSync(file, 'utf8');
}

/** Scratch doubles each hand C gradient wants in t (W2 keeps cos/sin of every angle). */
export function handWorkspace(w: Workload): number {
  return w.id === 'W2' ? 2 * w.n : 0;
}

export interface HandC {
  run: NativeKernel;
  buildMs: number;
}

/** Builds bench/hand/<id>.c with gcc -O2 (the backend's flags) and binds `hand_<id>`. */
export function loadHandC(w: Workload): HandC {
  const lib = buildSharedLibrary(handCSource(w), { optLevel: 2 });
  const run = loadNativeKernel(lib.path, `hand_${w.id.toLowerCase()}`, {
    nInputs: w.x.length, nParams: w.nParams, workspace: handWorkspace(w), precision: 'f64',
  });
  return { run, buildMs: lib.ms };
}

/** Largest |a-b| relative to the largest |b| (norm-wise, so zero components do not matter). */
export function relError(a: Float64Array, b: Float64Array): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return scale === 0 ? err : err / scale;
}

/**
 * Native results against JS ones: glibc's sin/cos/tanh/exp may differ from V8's by an ulp,
 * and sums of thousands of terms carry that along; pure arithmetic agrees exactly.
 */
export const LIBM_TOLERANCE = 1e-11;
/** Hand C against hand JS: the same operations in the same order, only libm differs. */
export const HAND_TOLERANCE = 1e-12;

const EMPTY_C = 'double bench_empty(const double *x, double *g, double *t) { (void)x; (void)g; (void)t; return 0; }\n';

export interface CallOverhead {
  /** ns per call of an empty C function through loadNativeKernel (argument checks + N-API). */
  ns: number;
  /** The same for an empty JS function, timed alike: the loop's own cost. */
  jsNs: number;
}

/** The fixed cost of calling native code: what a native gradient can never get below. */
export function callOverhead(rule: RoundRule, warm: WarmRule, progress: (m: string) => void): CallOverhead {
  const lib = buildSharedLibrary(EMPTY_C, { optLevel: 2 });
  const empty = loadNativeKernel(lib.path, 'bench_empty', { nInputs: 1, nParams: 1, workspace: 0, precision: 'f64' });
  const x = new Float64Array(1);
  const g = new Float64Array(1);
  const js = (a: Float64Array, b: Float64Array): number => a.length - b.length;
  const t = measure([
    { name: 'empty-c', run: () => empty(x, g), warm },
    { name: 'empty-js', run: () => js(x, g), warm },
  ], rule, progress);
  return { ns: t.get('empty-c')!.medianUs * 1000, jsNs: t.get('empty-js')!.medianUs * 1000 };
}
