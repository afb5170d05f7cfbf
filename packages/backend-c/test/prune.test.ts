/**
 * Pruning the C build cache (src/prune.ts): least recently used first, down to the cap, and
 * nothing another build may still need. Every test uses its own directory under a mkdtemp
 * scratch directory, never the user's cache. Entries made by hand (`fake`) have the names
 * and sizes of real ones and the ages a test needs; real builds need gcc.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { caught } from './helpers.js';
import { loadNativeKernel } from '../src/native.js';
import { buildCacheStats, clearBuildCache, pruneBuildCache } from '../src/prune.js';
import { buildSharedLibrary } from '../src/toolchain.js';

const KB = 1024;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const scratch = mkdtempSync(join(tmpdir(), 'adjoint-prune-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
// The tests choose the cap; a value in the environment running them must not.
const savedMax = process.env.ADJOINT_CACHE_MAX_MB;
beforeAll(() => { delete process.env.ADJOINT_CACHE_MAX_MB; });
afterAll(() => { if (savedMax !== undefined) process.env.ADJOINT_CACHE_MAX_MB = savedMax; });
let dirs = 0;
const freshDir = (): string => {
  const dir = join(scratch, `cache-${dirs++}`);
  mkdirSync(dir);
  return dir;
};

const gccMissing = spawnSync('gcc', ['--version']).error !== undefined;
if (gccMissing) console.info('skipping the pruning tests that build libraries: gcc is not installed (Debian: apt-get install gcc)');

/** Sets a file's mtime to `ageMs` ago. */
function age(path: string, ageMs: number): void {
  const t = (Date.now() - ageMs) / 1000;
  utimesSync(path, t, t);
}

/** An entry of `bytes` (half source, half library, or all source: a failed build) last used `ageMs` ago. */
function fake(dir: string, bytes: number, ageMs: number, files: readonly string[] = ['c', 'so']): string {
  const hash = randomBytes(16).toString('hex');
  for (const ext of files) {
    const path = join(dir, `${hash}.${ext}`);
    writeFileSync(path, Buffer.alloc(bytes / files.length));
    age(path, ageMs);
  }
  return hash;
}

/** The hashes of the entries in `dir`, in any order of their files. */
const hashes = (dir: string): Set<string> => new Set(readdirSync(dir).filter((f) => /^[0-9a-f]{32}\.(c|so)$/.test(f)).map((f) => f.slice(0, 32)));

/** Runs `f` with the environment variable `name` set to `value` (undefined: unset), then restores it. */
function withEnv<T>(name: string, value: string | undefined, f: () => T): T {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return f();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

/** A C kernel returning `k`, distinct per `k` so each is its own entry. */
const source = (k: number): string => `double const_ws(const double *x, double *g, double *t) { (void)x; (void)g; (void)t; return ${k}.0; }\n`;
const LAYOUT = { nInputs: 0, nParams: 0, workspace: 0, precision: 'f64' } as const;
const run = (path: string): number => loadNativeKernel(path, 'const_ws', LAYOUT)(new Float64Array(1), new Float64Array(1));

describe('pruning the C build cache', () => {
  test('removes the least recently used entries first, down to the cap, and keeps the recent ones', () => {
    const dir = freshDir();
    // Ten entries of 200 KB, used 10 hours ago, 9, ..., 1; one is a failed build (a source only).
    const byAge = Array.from({ length: 10 }, (_, i) => fake(dir, 200 * KB, (10 - i) * HOUR, i === 7 ? ['c'] : ['c', 'so']));
    writeFileSync(join(dir, 'notes.txt'), Buffer.alloc(3000 * KB));   // not ours: not counted, never removed
    age(join(dir, 'notes.txt'), 100 * HOUR);
    mkdirSync(join(dir, `${'a'.repeat(32)}.so`));                     // an entry's name, but a directory

    const r = pruneBuildCache({ cacheDir: dir, cacheMaxMB: 1 });   // 1024 KB: the newest five fit
    expect(r).toEqual({ removed: 5, freedBytes: 1000 * KB, entries: 5, bytes: 1000 * KB });
    expect(hashes(dir)).toEqual(new Set([...byAge.slice(5), 'a'.repeat(32)]));
    expect(statSync(join(dir, 'notes.txt')).size).toBe(3000 * KB);
    expect(buildCacheStats({ cacheDir: dir, cacheMaxMB: 1 })).toMatchObject({ dir, entries: 5, bytes: 1000 * KB, maxBytes: 1024 * KB });

    // Under the cap already: nothing to do.
    expect(pruneBuildCache({ cacheDir: dir, cacheMaxMB: 1 })).toMatchObject({ removed: 0, freedBytes: 0, entries: 5 });
    // The cap from $ADJOINT_CACHE_MAX_MB; fractions work.
    withEnv('ADJOINT_CACHE_MAX_MB', '0.5', () => expect(pruneBuildCache({ cacheDir: dir })).toMatchObject({ removed: 3, entries: 2 }));
    expect(hashes(dir)).toEqual(new Set([...byAge.slice(8), 'a'.repeat(32)]));
  });

  test('entries used in the last minute stay, even past the cap: another process may be loading them', () => {
    const dir = freshDir();
    const old = fake(dir, 400 * KB, 2 * HOUR);
    const recent = [fake(dir, 400 * KB, 50_000), fake(dir, 400 * KB, 1000)];
    const r = pruneBuildCache({ cacheDir: dir, cacheMaxMB: 0.5 });
    expect(r).toMatchObject({ removed: 1, entries: 2, bytes: 800 * KB });
    expect(hashes(dir)).toEqual(new Set(recent));
    expect(existsSync(join(dir, `${old}.so`))).toBe(false);
  });

  test('temporary files: a young one (a build in progress) survives pruning and clearing, a stale one goes', () => {
    const dir = freshDir();
    const hash = randomBytes(16).toString('hex');
    const young = join(dir, `${hash}.so.4242.0badf00d.tmp`);   // tempPathBeside's pattern
    const stale = join(dir, `${hash}.c.77.deadbeef.tmp`);
    writeFileSync(young, Buffer.alloc(100 * KB));
    writeFileSync(stale, Buffer.alloc(100 * KB));
    age(young, 5 * MINUTE);
    age(stale, 2 * HOUR);
    fake(dir, 100 * KB, 3 * HOUR);

    // No limit: only the stale temp file goes; it counts towards bytes, not entries.
    expect(pruneBuildCache({ cacheDir: dir, cacheMaxMB: 0 })).toEqual({ removed: 0, freedBytes: 100 * KB, entries: 1, bytes: 200 * KB });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(young)).toBe(true);

    const r = clearBuildCache({ cacheDir: dir });
    expect(r).toEqual({ removed: 1, freedBytes: 100 * KB, entries: 0, bytes: 100 * KB });
    expect(readdirSync(dir).filter((f) => f !== '.last-prune')).toEqual([`${hash}.so.4242.0badf00d.tmp`]);
  });

  test('a bad $ADJOINT_CACHE_MAX_MB is an AdjointError naming the variable and the fix; so is a bad cacheMaxMB', () => {
    const dir = freshDir();
    for (const bad of ['lots', '-5', '1e3', '512MB']) {
      withEnv('ADJOINT_CACHE_MAX_MB', bad, () => {
        // Before any compiler is looked for: the same error with or without one installed.
        const e = caught(() => buildSharedLibrary(source(1), { cacheDir: dir }));
        expect(e.code).toBe('bad-env');
        expect(e.message).toContain('ADJOINT_CACHE_MAX_MB');
        expect(e.message).toContain(JSON.stringify(bad));
        expect(e.message).toMatch(/megabytes/);
        expect(e.message).toMatch(/0 = no limit/);
        expect(e.message).toMatch(/set it to e\.g\. 2048, or unset it for the default of 1024/);
        expect(caught(() => pruneBuildCache({ cacheDir: dir })).code).toBe('bad-env');
        expect(caught(() => buildCacheStats({ cacheDir: dir })).code).toBe('bad-env');
        // The option, when given, is the cap: the variable is not read.
        expect(pruneBuildCache({ cacheDir: dir, cacheMaxMB: 1 }).removed).toBe(0);
      });
    }
    withEnv('ADJOINT_CACHE_MAX_MB', ' ', () => expect(buildCacheStats({ cacheDir: dir }).maxBytes).toBe(1024 * 1024 * KB));
    withEnv('ADJOINT_CACHE_MAX_MB', '0', () => expect(buildCacheStats({ cacheDir: dir }).maxBytes).toBe(0));
    for (const bad of [-1, Number.NaN, Infinity, '64' as unknown as number]) {
      const e = caught(() => buildSharedLibrary(source(1), { cacheDir: dir, cacheMaxMB: bad }));
      expect(e.code).toBe('bad-option');
      expect(e.message).toMatch(/^cacheMaxMB must be a non-negative number of megabytes \(0 = no limit\), got /);
    }
    expect(readdirSync(dir).filter((f) => f !== '.last-prune')).toEqual([]);   // nothing was built
  });

  test.skipIf(gccMissing)('a cache hit refreshes the entry, so it outlives entries built after it', () => {
    const dir = freshDir();
    const a = buildSharedLibrary(source(1), { cc: 'gcc', cacheDir: dir });
    const b = buildSharedLibrary(source(2), { cc: 'gcc', cacheDir: dir });
    expect(run(a.path) + run(b.path)).toBe(3);   // loaded: pruning may remove them now
    for (const p of [a.path, a.sourcePath]) age(p, 3 * HOUR);
    for (const p of [b.path, b.sourcePath]) age(p, 2 * HOUR);

    const hit = buildSharedLibrary(source(1), { cc: 'gcc', cacheDir: dir });
    expect(hit).toMatchObject({ path: a.path, cached: true });
    expect(Date.now() - statSync(a.path).mtimeMs).toBeLessThan(MINUTE);
    expect(run(hit.path)).toBe(1);

    // Room for one of the two: the one used least recently goes, though it was built last.
    const one = statSync(a.path).size + statSync(a.sourcePath).size;
    const r = pruneBuildCache({ cacheDir: dir, cacheMaxMB: (one + 100) / (1024 * KB) });
    expect(r).toMatchObject({ removed: 1, entries: 1, bytes: one });
    expect(existsSync(a.path) && existsSync(a.sourcePath)).toBe(true);
    expect(existsSync(b.path) || existsSync(b.sourcePath)).toBe(false);
  });

  test.skipIf(gccMissing)('a library handed out but not loaded yet stays; once loaded it may go, and keeps working', () => {
    const dir = freshDir();
    const lib = buildSharedLibrary(source(3), { cc: 'gcc', cacheDir: dir });
    for (const p of [lib.path, lib.sourcePath]) age(p, 2 * HOUR);
    expect(clearBuildCache({ cacheDir: dir })).toMatchObject({ removed: 0, entries: 1 });
    expect(existsSync(lib.path)).toBe(true);

    const kernel = loadNativeKernel(lib.path, 'const_ws', LAYOUT);
    expect(clearBuildCache({ cacheDir: dir })).toMatchObject({ removed: 1, entries: 0, bytes: 0 });
    expect(existsSync(lib.path)).toBe(false);
    expect(kernel(new Float64Array(1), new Float64Array(1))).toBe(3);   // the mapping outlives the file

    // Its entry gone (as if another process had pruned it), the next build compiles again.
    const again = buildSharedLibrary(source(3), { cc: 'gcc', cacheDir: dir });
    expect(again).toMatchObject({ path: lib.path, cached: false });
    expect(existsSync(again.sourcePath)).toBe(true);
  });

  test.skipIf(gccMissing)('a build that adds an entry prunes a full cache; the next ones do not rescan until due; hits never prune', () => {
    const dir = freshDir();
    const stale = Array.from({ length: 10 }, (_, i) => fake(dir, 100 * KB, (10 - i) * HOUR));
    const cap = 512 * KB;   // a tenth of it is more than two small builds write
    const lib = buildSharedLibrary(source(4), { cc: 'gcc', cacheDir: dir, cacheMaxMB: 0.5 });
    expect(lib.cached).toBe(false);
    const fresh = statSync(lib.path).size + statSync(lib.sourcePath).size;
    const fit = Math.floor((cap - fresh) / (100 * KB));
    expect(hashes(dir)).toEqual(new Set([...stale.slice(10 - fit), lib.path.slice(dir.length + 1, -3)]));
    expect(existsSync(join(dir, '.last-prune'))).toBe(true);

    // Within a minute of that prune and after writing little, the next build only adds its entry.
    const later = Array.from({ length: 5 }, () => fake(dir, 100 * KB, 20 * HOUR));
    expect(buildSharedLibrary(source(5), { cc: 'gcc', cacheDir: dir, cacheMaxMB: 0.5 }).cached).toBe(false);
    for (const h of later) expect(hashes(dir).has(h)).toBe(true);

    // A hit does not prune even when a prune is overdue.
    age(join(dir, '.last-prune'), 10 * MINUTE);
    expect(buildSharedLibrary(source(4), { cc: 'gcc', cacheDir: dir, cacheMaxMB: 0.5 }).cached).toBe(true);
    for (const h of later) expect(hashes(dir).has(h)).toBe(true);

    // The next new entry does; 0 = no limit never prunes.
    withEnv('ADJOINT_CACHE_MAX_MB', '0', () => buildSharedLibrary(source(6), { cc: 'gcc', cacheDir: dir }));
    for (const h of later) expect(hashes(dir).has(h)).toBe(true);
    buildSharedLibrary(source(7), { cc: 'gcc', cacheDir: dir, cacheMaxMB: 0.5 });
    for (const h of later) expect(hashes(dir).has(h)).toBe(false);
    expect(buildCacheStats({ cacheDir: dir, cacheMaxMB: 0.5 }).bytes).toBeLessThanOrEqual(cap);
  });

  test.skipIf(gccMissing)('buildCacheStats: what is on disk and this process\'s hits and misses; clearBuildCache resets them', () => {
    const dir = freshDir();
    const before = buildCacheStats({ cacheDir: dir });
    expect(before).toMatchObject({ dir, entries: 0, bytes: 0, maxBytes: 1024 * 1024 * KB });
    const lib = buildSharedLibrary(source(8), { cc: 'gcc', cacheDir: dir });
    buildSharedLibrary(source(8), { cc: 'gcc', cacheDir: dir });
    buildSharedLibrary(source(8), { cc: 'gcc', cacheDir: dir });
    const after = buildCacheStats({ cacheDir: dir });
    expect(after).toMatchObject({ entries: 1, bytes: statSync(lib.path).size + statSync(lib.sourcePath).size });
    expect(after.hits - before.hits).toBe(2);
    expect(after.misses - before.misses).toBe(1);
    run(lib.path);
    expect(clearBuildCache({ cacheDir: dir })).toMatchObject({ removed: 1, entries: 0 });
    expect(buildCacheStats({ cacheDir: dir })).toMatchObject({ entries: 0, bytes: 0, hits: 0, misses: 0 });
  });
});
