/**
 * The worker thread of a background build (background.ts): builds one library with
 * buildSharedLibraryAsync, writes the report into the shared buffer, and ends.
 */
import { workerData } from 'node:worker_threads';
import { AdjointError } from '@adjoint/ir';
import { writeReport, type BuildRequest } from './background.js';
import { buildSharedLibraryAsync } from './toolchain.js';

const { source, options, compiler, shared } = workerData as BuildRequest;
const start = performance.now();
const now = (): number => performance.timeOrigin + performance.now();
try {
  const lib = await buildSharedLibraryAsync(source, options, compiler);
  writeReport(shared, { ok: true, path: lib.path, sourcePath: lib.sourcePath, cached: lib.cached, ms: lib.ms, doneAt: now() });
} catch (e) {
  const code = e instanceof AdjointError ? e.code : 'c-build-failed';
  writeReport(shared, { ok: false, code, message: (e as Error).message ?? String(e), ms: performance.now() - start, doneAt: now() });
}
