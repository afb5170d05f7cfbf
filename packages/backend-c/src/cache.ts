/**
 * The on-disk build cache of the C backend: where it lives, how entries are named and how
 * they are written. An entry is named by the hash of everything that decides its bytes, so a
 * name is never reused for different code: that is what lets a process load a rebuilt graph
 * (dlopen of a path it already loaded returns the old code) and lets processes share entries.
 * Keeping the directory under a size cap is prune.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { AdjointError } from '@adjoint/ir';

/** A 128-bit hex digest of `parts`; each part is length-prefixed so no two lists collide. */
export function contentHash(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:`).update(p).update('\n');
  return h.digest('hex').slice(0, 32);
}

// Cache: the resolved directory per request (explicit path, env value or the default);
// bound: the distinct directories asked for in this process, in practice one or two.
const resolvedDirs = new Map<string, string>();

/**
 * The cache directory: `explicit`, else $ADJOINT_CACHE_DIR, else $XDG_CACHE_HOME/adjoint or
 * ~/.cache/adjoint, else (that one not writable) <tmpdir>/adjoint-cache-<uid>. A directory
 * the user named must work: if it does not, the error says so instead of silently using
 * another one.
 */
export function cacheDirectory(explicit?: string): string {
  const env = process.env.ADJOINT_CACHE_DIR;
  const named = explicit ?? (env !== undefined && env !== '' ? env : undefined);
  const key = named !== undefined ? `named:${named}` : `default:${process.env.XDG_CACHE_HOME ?? ''}`;
  const known = resolvedDirs.get(key);
  if (known !== undefined) return known;

  let dir: string;
  if (named !== undefined) {
    dir = resolve(named);
    const why = prepare(dir);
    if (why !== null) {
      const source = explicit !== undefined ? 'the cacheDir option' : 'ADJOINT_CACHE_DIR';
      throw new AdjointError('cache-dir-unwritable',
        `cannot use the C build cache directory ${dir} (from ${source}): ${why} — point it at a writable directory`);
    }
  } else {
    const xdg = process.env.XDG_CACHE_HOME;
    dir = join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'adjoint');
    const why = prepare(dir);
    if (why !== null) {
      const fallback = tmpFallback();
      const whyTmp = prepare(fallback, true);
      if (whyTmp !== null) {
        throw new AdjointError('cache-dir-unwritable',
          `cannot use the C build cache ${dir} (${why}) nor ${fallback} (${whyTmp}) — set ADJOINT_CACHE_DIR or pass cacheDir`);
      }
      dir = fallback;
    }
  }
  resolvedDirs.set(key, dir);
  return dir;
}

function tmpFallback(): string {
  const uid = typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
  return join(tmpdir(), `adjoint-cache-${uid}`);
}

/**
 * Create `dir` and check that we can write it; null when usable, else the reason. In a shared
 * tmp directory (`inSharedTmp`) the directory must also be ours and closed to others: anyone who
 * can plant a `<hash>.so` there could make us load their code.
 */
function prepare(dir: string, inSharedTmp = false): string | null {
  try {
    mkdirSync(dir, { recursive: true, mode: inSharedTmp ? 0o700 : 0o777 });
    accessSync(dir, constants.W_OK);
    const st = statSync(dir);
    if (!st.isDirectory()) return 'not a directory';
    if (inSharedTmp && typeof process.getuid === 'function' && (st.uid !== process.getuid() || (st.mode & 0o022) !== 0)) {
      return 'it belongs to another user or others can write it';
    }
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The files of an entry: `<hash>.c`, the source, and `<hash>.so`, the library built from it. */
export const ENTRY_FILE = /^([0-9a-f]{32})\.(?:c|so)$/;
/** A file being written by tempPathBeside: an entry's name, the writer's pid, 8 hex digits. */
export const TEMP_FILE = /^[0-9a-f]{32}\.(?:c|so)\.\d+\.[0-9a-f]{8}\.tmp$/;

/** A fresh name beside `path`, in the same directory, so renaming it onto `path` is atomic. */
export function tempPathBeside(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Write `data` to `path` so that readers see the old file or the whole new one, never a part. */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = tempPathBeside(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
