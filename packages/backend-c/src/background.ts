/**
 * A C build in a worker thread, so that the thread which asked for it keeps computing. The
 * worker (build-worker.ts) runs buildSharedLibraryAsync and writes its report into a
 * SharedArrayBuffer, then sets the status word: a caller that never yields to the event loop
 * (a synchronous optimization loop, the normal case) sees the build finish with one
 * Atomics.load, where a message would wait for the loop.
 *
 * The worker is unref'd: a process exits without waiting for it, and a build cut short leaves
 * a temporary file (and the compiler, orphaned, finishing it), which pruning removes after an
 * hour (prune.ts). The worker prunes like any build; libraries its caller has been handed but
 * not loaded yet are not pinned there, which the minute of grace for fresh entries covers.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AdjointError } from '@adjoint/ir';
import { BUILDING, BUILT, FAILED } from './build-status.js';
import { nativeAddon } from './native.js';
import type { BuildOptions, BuiltLibrary, CCompiler } from './toolchain.js';

/** What the worker is given. */
export interface BuildRequest {
  readonly source: string;
  readonly options: BuildOptions;
  readonly compiler: CCompiler;
  readonly shared: SharedArrayBuffer;
}

/** What the worker reports: the library, or the error it threw; doneAt is an epoch time in ms (comparable across threads). */
export type BuildReport =
  | { readonly ok: true; readonly path: string; readonly sourcePath: string; readonly cached: boolean; readonly ms: number; readonly doneAt: number }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly ms: number; readonly doneAt: number };

export type BuildOutcome =
  | { readonly ok: true; readonly library: BuiltLibrary; readonly doneAt: number }
  | { readonly ok: false; readonly error: AdjointError; readonly ms: number; readonly doneAt: number };

export interface BackgroundBuild {
  /**
   * status[0] is BUILDING until the worker has finished, then BUILT or FAILED and outcome()
   * has the answer. Read it with Atomics.load: cheap enough to check on every call.
   */
  readonly status: Int32Array;
  /** When the build started, as an epoch time in ms (performance.timeOrigin + performance.now()). */
  readonly startedAt: number;
  /** null while building; then the library, or the error buildSharedLibrary would have thrown. */
  outcome(): BuildOutcome | null;
  /**
   * Fulfilled with the outcome when the build is over; never rejected. With keepAlive (the
   * default) the process stays alive until then, as for any awaited I/O; without, the
   * promise just never settles if the process exits first.
   */
  finished(keepAlive?: boolean): Promise<BuildOutcome>;
}

// Resolved against this file, src/background.ts under the tests and dist/background.js when
// built: `../dist/` names the built worker from both (as native.ts does for the addon).
const WORKER_URL = new URL('../dist/build-worker.js', import.meta.url);
// Header: Int32 status, Int32 report length in bytes; then the report, UTF-8 JSON.
const HEADER_BYTES = 8;
const REPORT_BYTES = 64 * 1024;

/**
 * Build `source` with `compiler` (from lookupSharedLibrary, which also said the cache does
 * not have it) in a worker thread. Needs the native addon, which loads the result: without
 * it this throws at once, as loading would.
 */
export function startBackgroundBuild(source: string, options: BuildOptions, compiler: CCompiler): BackgroundBuild {
  nativeAddon();
  const file = fileURLToPath(WORKER_URL);
  if (!existsSync(file)) {
    throw new AdjointError('native-addon-missing', `the C backend's build worker ${file} is not built — run ./dev setup`);
  }
  const shared = new SharedArrayBuffer(HEADER_BYTES + REPORT_BYTES);
  const status = new Int32Array(shared, 0, 2);
  const startedAt = performance.timeOrigin + performance.now();
  const request: BuildRequest = { source, options, compiler, shared };
  const worker = new Worker(WORKER_URL, { workerData: request });
  worker.unref();
  let crash = '';
  const waiting: ((o: BuildOutcome) => void)[] = [];
  // Without an 'error' listener a crash in the worker would be thrown in this thread.
  worker.on('error', (e) => { crash = e.message; });
  worker.on('exit', (code) => {
    if (Atomics.load(status, 0) === BUILDING) {
      const ms = performance.timeOrigin + performance.now() - startedAt;
      writeReport(shared, { ok: false, code: 'c-build-crashed', ms, doneAt: startedAt + ms,
        message: `the C build's worker thread ${crash !== '' ? `failed: ${crash}` : `stopped (exit code ${code})`} before the build was done — rebuild Adjoint with ./dev setup, or build without background` });
    }
    const o = outcome()!;
    for (const w of waiting.splice(0)) w(o);
  });

  let known: BuildOutcome | null = null;
  const outcome = (): BuildOutcome | null => {
    if (known !== null) return known;
    if (Atomics.load(status, 0) === BUILDING) return null;
    const r = readReport(shared);
    known = r.ok
      ? { ok: true, library: { path: r.path, sourcePath: r.sourcePath, compiler, cached: r.cached, ms: r.ms }, doneAt: r.doneAt }
      : { ok: false, error: new AdjointError(r.code, r.message), ms: r.ms, doneAt: r.doneAt };
    return known;
  };
  return {
    status, startedAt, outcome,
    finished(keepAlive = true): Promise<BuildOutcome> {
      const o = outcome();
      // Reported but not exited yet: the answer is there, so do not wait for the exit.
      if (o !== null) return Promise.resolve(o);
      if (keepAlive) worker.ref();
      return new Promise((resolve) => { waiting.push(resolve); });
    },
  };
}

/** The worker's last word (and the caller's, for a worker that died): the report, then the status. */
export function writeReport(shared: SharedArrayBuffer, report: BuildReport): void {
  const bytes = new Uint8Array(shared, HEADER_BYTES);
  let r = report;
  let text = new TextEncoder().encode(JSON.stringify(r));
  // Compiler output is cut to ten lines already; a report this long has enormous lines.
  while (text.length > bytes.length && !r.ok) {
    r = { ...r, message: `${r.message.slice(0, r.message.length >> 1)} ...` };
    text = new TextEncoder().encode(JSON.stringify(r));
  }
  bytes.set(text);
  const header = new Int32Array(shared, 0, 2);
  header[1] = text.length;
  // Atomics.store orders the writes above before it: whoever loads the status sees the report.
  Atomics.store(header, 0, report.ok ? BUILT : FAILED);
}

function readReport(shared: SharedArrayBuffer): BuildReport {
  const length = new Int32Array(shared, 0, 2)[1];
  // slice() copies into an unshared buffer, which TextDecoder requires.
  return JSON.parse(new TextDecoder().decode(new Uint8Array(shared, HEADER_BYTES, length).slice())) as BuildReport;
}
