/**
 * lookupSharedLibrary and startBackgroundBuild: the lookup names the entry buildSharedLibrary
 * would build, and finds it once built; a build in the worker reports through the status word
 * (no event loop needed) the library buildSharedLibrary would return, or the error it would
 * throw. Runs the built worker (dist/build-worker.js), like the native addon.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { startBackgroundBuild } from '../src/background.js';
import { BUILDING, BUILT, FAILED } from '../src/build-status.js';
import { loadNativeKernel } from '../src/native.js';
import { buildSharedLibrary, lookupSharedLibrary, nativeUnavailable } from '../src/toolchain.js';
import { caught } from './helpers.js';

const why = nativeUnavailable();
if (why !== null) console.info(`skipping the background build tests: ${why}`);

const dirs: string[] = [];
function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'adjoint-bg-build-test-'));
  dirs.push(d);
  return d;
}
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const source = (k: number): string => `double twice_ws(const double *x, double *g, double *t) {
  (void)t;
  g[0] = ${k}.0;
  return ${k}.0 * x[0];
}
`;
const LAYOUT = { nInputs: 1, nParams: 1, workspace: 0, precision: 'f64' } as const;

describe.skipIf(why !== null)('background builds', () => {
  test('the worker builds what the lookup named; the status word says when, without the event loop', () => {
    const cacheDir = fresh();
    const found = lookupSharedLibrary(source(3), { cacheDir });
    expect(found.library).toBeNull();
    const build = startBackgroundBuild(source(3), { cacheDir }, found.compiler);
    expect(build.outcome()).toBeNull();
    const deadline = performance.now() + 60_000;
    while (Atomics.load(build.status, 0) === BUILDING && performance.now() < deadline) { /* spin: no await */ }
    expect(Atomics.load(build.status, 0)).toBe(BUILT);
    const o = build.outcome()!;
    if (!o.ok) throw o.error;
    expect(o.library.path).toBe(found.path);
    expect(o.library.cached).toBe(false);
    expect(o.library.compiler).toEqual(found.compiler);
    expect(o.doneAt).toBeGreaterThan(build.startedAt);
    const g = new Float64Array(1);
    expect(loadNativeKernel(o.library.path, 'twice_ws', LAYOUT)(new Float64Array([5]), g)).toBe(15);
    expect(g[0]).toBe(3);

    const again = lookupSharedLibrary(source(3), { cacheDir });
    expect(again.library).toMatchObject({ path: found.path, cached: true });
    expect(buildSharedLibrary(source(3), { cacheDir }).path).toBe(found.path);
  });

  test('a failed build reports the error buildSharedLibrary throws; finished() is fulfilled, never rejected', async () => {
    const cacheDir = fresh();
    const bad = 'double broken_ws(const double *x) { return x[0] +; }\n';
    const build = startBackgroundBuild(bad, { cacheDir }, lookupSharedLibrary(bad, { cacheDir }).compiler);
    const o = await build.finished();
    expect(o.ok).toBe(false);
    expect(Atomics.load(build.status, 0)).toBe(FAILED);
    if (o.ok) return;
    const thrown = caught(() => buildSharedLibrary(bad, { cacheDir }));
    expect(o.error.code).toBe('c-compile-failed');
    // The same message but for the temporary output file's random name.
    const tmpName = /\S+\.so\.\d+\.[0-9a-f]{8}\.tmp/g;
    expect(o.error.message.replace(tmpName, 'TMP')).toBe(thrown.message.replace(tmpName, 'TMP'));
    expect(await build.finished()).toBe(o);
  });

  test('the lookup checks what the build checks, synchronously', () => {
    expect(caught(() => lookupSharedLibrary(source(1), { cc: 'no-such-compiler-adjoint', cacheDir: fresh() })).code).toBe('no-c-compiler');
    expect(caught(() => lookupSharedLibrary(source(1), { cacheMaxMB: -1, cacheDir: fresh() })).message).toMatch(/cacheMaxMB must be/);
  });
});
