/**
 * Keeping the C build cache under a size cap, least recently used entries first, and the
 * housekeeping functions users call (buildCacheStats, pruneBuildCache, clearBuildCache).
 *
 * An entry is `<hash>.c` with `<hash>.so`; it was last used at the newer mtime of the two,
 * and a cache hit refreshes the library's mtime, so what goes first is what was used longest
 * ago, not what was built first. No locks: other processes may build into or load from the
 * same directory while we prune, and each hazard has its rule:
 * - a process loads an entry moments after it found or built it, so entries used in the last
 *   ENTRY_GRACE_MS stay (and a hit refreshes an mtime older than TOUCH_AFTER_MS, well inside it);
 * - a `*.tmp` file is a write in progress (tempPathBeside) unless older than TEMP_GRACE_MS;
 * - a library a process has already dlopen'ed stays mapped when its file is unlinked;
 * - a library this process handed out but has not loaded yet is pinned and never removed;
 * - a hit that loses the race (its entry removed between the lookup and the touch) builds again.
 * What is left is a window of microseconds between re-checking an entry and unlinking it.
 */
import { lstatSync, readdirSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdjointError, quote } from '@adjoint/ir';
import { ENTRY_FILE, TEMP_FILE, cacheDirectory } from './cache.js';

/**
 * The default cap, in MB. The cache holds generated C (up to ~10 MB for a 10^6-node graph)
 * and ~16 KB libraries: a few days of development and benchmark runs here left 190 MB in 6,200
 * entries. 1 GB keeps several times that working set (a pruned big graph costs seconds to
 * rebuild) while staying small beside a user's disk and other caches (ccache defaults to 5 GB).
 */
export const DEFAULT_CACHE_MAX_MB = 1024;
const MB = 1024 * 1024;
/** Entries used this recently may be about to be loaded by another process. */
const ENTRY_GRACE_MS = 60_000;
/** A hit rewrites the library's mtime only when it is older than this (saves an inode write per hit). */
const TOUCH_AFTER_MS = 10_000;
/** Writing a temp file and renaming it takes seconds at most; one this old was left by a crash. */
const TEMP_GRACE_MS = 60 * 60_000;
/** A process prunes after writing an entry if nobody has for this long (the stamp's mtime says)... */
const SCAN_INTERVAL_MS = 60_000;
/** ...or if it has itself written this fraction of the cap since its last scan. */
const SCAN_AFTER_WRITTEN = 0.1;
/** Its mtime is when a process last scanned the directory; not an entry, so never counted. */
const STAMP = '.last-prune';

export interface CacheOptions {
  /** Default $ADJOINT_CACHE_DIR, else ~/.cache/adjoint (see cache.ts). */
  cacheDir?: string;
  /**
   * The cache's size cap in megabytes (2^20 bytes): when a build adds an entry past it, the
   * least recently used entries are removed. 0 = no limit. Default $ADJOINT_CACHE_MAX_MB,
   * else 1024.
   */
  cacheMaxMB?: number;
}

export interface BuildCacheStats {
  /** The cache directory (see cacheDirectory). */
  readonly dir: string;
  /** Entries (a library and its source, or a source whose build failed) on disk. */
  readonly entries: number;
  /** Bytes of the entries and of temporary files of builds in progress. */
  readonly bytes: number;
  /** The cap pruning keeps `bytes` under; 0 = no limit. */
  readonly maxBytes: number;
  /** buildSharedLibrary calls in this process (any directory) answered from the cache, and those that were not. */
  readonly hits: number;
  readonly misses: number;
}

export interface PruneResult {
  /** Entries removed, and the bytes they and stale temporary files took. */
  readonly removed: number;
  readonly freedBytes: number;
  /** What is left. */
  readonly entries: number;
  readonly bytes: number;
}

// Cache: per cache directory, the bytes this process has written there since it last pruned
// it; bound: the directories this process built into, in practice one or two.
const writtenSince = new Map<string, number>();
// Libraries buildSharedLibrary returned that this process has not loaded yet: pruning keeps
// them. Bound: the libraries built in this process; each leaves when native.ts loads it.
const pinned = new Set<string>();
const counts = { hits: 0, misses: 0 };

/**
 * The cap in bytes (Infinity = no limit): `option`, else $ADJOINT_CACHE_MAX_MB, else the
 * default. Checked on every build, so a bad value is reported whether or not pruning is due.
 */
export function cacheMaxBytes(option?: number): number {
  if (option !== undefined) {
    if (typeof option !== 'number' || !Number.isFinite(option) || option < 0) {
      throw new AdjointError('bad-option',
        `cacheMaxMB must be a non-negative number of megabytes (0 = no limit), got ${typeof option === 'string' ? quote(option) : String(option)}`);
    }
    return option === 0 ? Infinity : option * MB;
  }
  const env = process.env.ADJOINT_CACHE_MAX_MB;
  if (env === undefined || env.trim() === '') return DEFAULT_CACHE_MAX_MB * MB;
  if (!/^\d+(\.\d+)?$/.test(env.trim())) {
    throw new AdjointError('bad-env',
      `ADJOINT_CACHE_MAX_MB must be the C build cache's size cap in megabytes, a non-negative number (0 = no limit), got ${quote(env)}`
      + ` — set it to e.g. 2048, or unset it for the default of ${DEFAULT_CACHE_MAX_MB}`);
  }
  const mb = Number(env);
  return mb === 0 ? Infinity : mb * MB;
}

/**
 * The lookup of a cache hit: true when the library at `libPath` is there, its mtime refreshed
 * (if stale) so pruning sees it used. False when it is missing, or was removed just now.
 */
export function useEntry(libPath: string): boolean {
  let mtime: number;
  try {
    mtime = statSync(libPath).mtimeMs;
  } catch {
    counts.misses++;
    return false;
  }
  const now = Date.now();
  if (now - mtime > TOUCH_AFTER_MS) {
    try {
      utimesSync(libPath, now / 1000, now / 1000);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {   // another process pruned it just now
        counts.misses++;
        return false;
      }
      // Not ours to touch (a cache shared read-only): still a hit, just not refreshed.
    }
  }
  counts.hits++;
  return true;
}

/** `libPath` goes to a caller who will load it: keep it until native.ts has. */
export function pinLibrary(libPath: string): void {
  pinned.add(libPath);
}

/** native.ts loaded `libPath`: the mapping outlives the file, so pruning may remove it. */
export function libraryLoaded(libPath: string): void {
  pinned.delete(libPath);
}

/**
 * After a build wrote `bytes` of new entry into `dir`: prune it if nobody has for
 * SCAN_INTERVAL_MS, or if this process wrote a tenth of the cap since its last prune. Costs
 * one stat unless a prune is due; a prune reads the directory and stats every file in it
 * (~0.1 s for 12,000 files here). Never fails the build: the entry is already in place.
 */
export function afterNewEntry(dir: string, bytes: number, maxBytes: number): void {
  if (maxBytes === Infinity) return;
  const written = (writtenSince.get(dir) ?? 0) + bytes;
  writtenSince.set(dir, written);
  try {
    let stampAge = Infinity;
    try {
      stampAge = Date.now() - statSync(join(dir, STAMP)).mtimeMs;
    } catch {
      // no stamp: never pruned
    }
    if (stampAge < SCAN_INTERVAL_MS && written < maxBytes * SCAN_AFTER_WRITTEN) return;
    prune(dir, maxBytes, ENTRY_GRACE_MS);
  } catch {
    // An unreadable directory or a file we may not remove: the next prune tries again.
  }
}

interface Entry { readonly files: string[]; bytes: number; used: number }

/** Removes stale temp files, then entries oldest first until at most `maxBytes` remain. */
function prune(dir: string, maxBytes: number, graceMs: number): PruneResult {
  writtenSince.set(dir, 0);
  stamp(dir);
  const now = Date.now();
  const { entries, temps } = scan(dir);
  let bytes = 0;
  for (const e of entries.values()) bytes += e.bytes;
  for (const t of temps) bytes += t.bytes;
  let freedBytes = 0;
  let removed = 0;
  for (const t of temps) {
    if (now - t.mtime > TEMP_GRACE_MS) {
      const freed = removeFiles(dir, [t.name], t.bytes);
      bytes -= freed;
      freedBytes += freed;
    }
  }
  const oldestFirst = [...entries].sort((a, b) => a[1].used - b[1].used);
  for (const [hash, e] of oldestFirst) {
    if (bytes <= maxBytes || (graceMs > 0 && now - e.used < graceMs)) break;   // the rest are newer still
    if (pinned.has(join(dir, `${hash}.so`)) || (graceMs > 0 && usedSince(dir, e, now - graceMs))) continue;
    const freed = removeFiles(dir, e.files, e.bytes);
    bytes -= freed;
    freedBytes += freed;
    if (freed === e.bytes) {
      removed++;
      entries.delete(hash);
    }
  }
  return { removed, freedBytes, entries: entries.size, bytes };
}

function scan(dir: string): { entries: Map<string, Entry>; temps: { name: string; bytes: number; mtime: number }[] } {
  const entries = new Map<string, Entry>();
  const temps: { name: string; bytes: number; mtime: number }[] = [];
  for (const name of readdirSync(dir)) {
    const hash = ENTRY_FILE.exec(name)?.[1];
    // Anything else in the directory is not ours: not counted, never removed.
    if (hash === undefined && !TEMP_FILE.test(name)) continue;
    let st;
    try {
      st = lstatSync(join(dir, name));
    } catch {
      continue;   // removed since readdir
    }
    if (!st.isFile()) continue;
    if (hash === undefined) {
      temps.push({ name, bytes: st.size, mtime: st.mtimeMs });
      continue;
    }
    const e = entries.get(hash);
    if (e === undefined) entries.set(hash, { files: [name], bytes: st.size, used: st.mtimeMs });
    else {
      e.files.push(name);
      e.bytes += st.size;
      e.used = Math.max(e.used, st.mtimeMs);
    }
  }
  return { entries, temps };
}

/** Looks again just before removing: a hit in another process may have touched it since the scan. */
function usedSince(dir: string, e: Entry, since: number): boolean {
  for (const name of e.files) {
    try {
      if (lstatSync(join(dir, name)).mtimeMs >= since) return true;
    } catch {
      // already gone
    }
  }
  return false;
}

/** Unlinks the library before the source (a lookup checks the library); the bytes now gone. */
function removeFiles(dir: string, names: readonly string[], bytes: number): number {
  const ordered = [...names].sort((a, b) => Number(b.endsWith('.so')) - Number(a.endsWith('.so')));
  for (const name of ordered) {
    try {
      unlinkSync(join(dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return 0;   // kept: counted as still there
    }
  }
  return bytes;
}

function stamp(dir: string): void {
  const path = join(dir, STAMP);
  const now = Date.now() / 1000;
  try {
    utimesSync(path, now, now);
  } catch {
    try {
      writeFileSync(path, '');
    } catch {
      // a read-only cache: every writer will scan, which is only slower
    }
  }
}

/** How big the C build cache is, its cap, and this process's hits and misses. */
export function buildCacheStats(options: CacheOptions = {}): BuildCacheStats {
  const maxBytes = cacheMaxBytes(options.cacheMaxMB);
  const dir = cacheDirectory(options.cacheDir);
  const { entries, temps } = scan(dir);
  let bytes = 0;
  for (const e of entries.values()) bytes += e.bytes;
  for (const t of temps) bytes += t.bytes;
  return { dir, entries: entries.size, bytes, maxBytes: maxBytes === Infinity ? 0 : maxBytes, ...counts };
}

/**
 * Prune the C build cache now, to `cacheMaxMB` (else $ADJOINT_CACHE_MAX_MB, else 1024 MB),
 * least recently used first; with no limit only stale temporary files go. Safe while other
 * processes use the cache: entries used in the last minute, and temporary files of builds in
 * progress, stay.
 */
export function pruneBuildCache(options: CacheOptions = {}): PruneResult {
  const maxBytes = cacheMaxBytes(options.cacheMaxMB);
  return prune(cacheDirectory(options.cacheDir), maxBytes, ENTRY_GRACE_MS);
}

/**
 * Empty the C build cache and reset the hit and miss counts. It keeps only what would break
 * a build: temporary files of builds in progress, and libraries this process built but has
 * not loaded. A library loaded already keeps working (its mapping outlives the file); another
 * process that found an entry and is loading it this very moment would fail, so clear the
 * cache when no other process is compiling, or use pruneBuildCache, which leaves recent entries.
 */
export function clearBuildCache(options: Pick<CacheOptions, 'cacheDir'> = {}): PruneResult {
  const result = prune(cacheDirectory(options.cacheDir), 0, 0);
  counts.hits = 0;
  counts.misses = 0;
  return result;
}
