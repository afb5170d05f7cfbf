/**
 * The only place in Adjoint that runs a C compiler: finding one, building a shared library
 * through the content-addressed cache, and the checks tests use (compile to an object file,
 * link an executable for qemu). Everything is synchronous (the conformance suite compiles
 * between assertions) but buildSharedLibraryAsync, which the background build's worker runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { AdjointError, quote } from '@adjoint/ir';
import { cacheDirectory, contentHash, tempPathBeside, writeFileAtomic } from './cache.js';
import { STRICT_C99_FLAGS, sharedLibraryFlags } from './flags.js';
import { nativeAddon } from './native.js';
import { afterNewEntry, cacheMaxBytes, pinLibrary, useEntry, type CacheOptions } from './prune.js';

export { STRICT_C99_FLAGS, sharedLibraryFlags } from './flags.js';

export type CompilerKind = 'gcc' | 'clang' | 'tcc' | 'cc';

export interface CCompiler {
  /** Absolute path of the executable (as found on PATH, symlinks not resolved). */
  readonly path: string;
  /** Decides the flags; 'cc' is a compiler we did not recognize (given gcc's flags). */
  readonly kind: CompilerKind;
  /** The version number, e.g. "12.2.0"; '' when the banner has none. */
  readonly version: string;
  /** The first line the compiler prints about itself; part of the cache key. */
  readonly banner: string;
}

/** `cacheDir` and `cacheMaxMB` (the cache's size cap) are in CacheOptions (prune.ts). */
export interface BuildOptions extends CacheOptions {
  /** Compiler name or path; default $CC, else the first of cc, gcc, clang, tcc on PATH. */
  cc?: string;
  /** Ignored by tcc. Default 2. */
  optLevel?: 0 | 1 | 2 | 3;
}

export interface BuiltLibrary {
  /** Absolute, content-hashed path of the shared library: new code never reuses a name. */
  readonly path: string;
  /** The C source, kept beside the library. */
  readonly sourcePath: string;
  readonly compiler: CCompiler;
  /** True when the library was already in the cache and no compiler ran. */
  readonly cached: boolean;
  readonly ms: number;
}

export interface CheckOptions {
  cc?: string;
  /** Default STRICT_C99_FLAGS. */
  flags?: readonly string[];
  /** Appended after the flags, e.g. ['-mcpu=cortex-m4', '-mthumb'] or ['-static']. */
  extraArgs?: readonly string[];
  /** More files written beside the source, e.g. { 'model.h': header }. */
  files?: Readonly<Record<string, string>>;
}

export interface CheckResult {
  /** The compiler exited with 0. */
  readonly ok: boolean;
  /** Everything it printed (warnings, errors), trimmed; '' for clean code. */
  readonly diagnostics: string;
  readonly command: string;
}

export interface BuiltExecutable {
  /** In a fresh temporary directory (with the source as main.c) unless `out` was given. */
  readonly path: string;
  readonly compiler: CCompiler;
  readonly ms: number;
}

const AUTO_CANDIDATES = ['cc', 'gcc', 'clang', 'tcc'];
const INSTALL_HINT = 'install one (Debian/Ubuntu: apt-get install gcc; or tcc for fast builds, or clang)';
// Compilers print a lot for huge generated files; spawnSync kills the child past maxBuffer.
const MAX_OUTPUT = 256 * 1024 * 1024;
const CACHE_FORMAT = 'adjoint-c-cache-1';

// Cache: the compiler found for each requested name ('' = automatic choice); bound: the
// distinct names asked for in this process. Failures are not cached: the user may install one.
const compilers = new Map<string, CCompiler>();

/**
 * Why compiled C cannot run in this process, or null when it can: the N-API addon is not
 * built or does not load, or no C compiler is found (`cc` as for findCompiler). The message
 * says how to fix it; tests print it when they skip.
 */
export function nativeUnavailable(cc?: string): string | null {
  try {
    nativeAddon();
    findCompiler(cc);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * The C compiler to use: `cc`, else $CC, else the first of cc, gcc, clang, tcc on PATH.
 * Its kind comes from what it says about itself, not from its name (`cc` is usually gcc).
 */
export function findCompiler(cc?: string): CCompiler {
  const env = process.env.CC;
  const requested = cc ?? (env !== undefined && env.trim() !== '' ? env.trim() : undefined);
  const key = requested ?? '';
  const known = compilers.get(key);
  if (known !== undefined) return known;

  let path: string | null;
  if (requested !== undefined) {
    path = locate(requested);
    if (path === null) {
      const from = cc !== undefined ? 'the cc option' : 'the CC environment variable';
      throw new AdjointError('no-c-compiler',
        `no C compiler: ${quote(requested)} (from ${from}) is not an executable on PATH — ${INSTALL_HINT}, `
        + 'or pass the cc option / set CC to the name or path of one that is installed');
    }
  } else {
    path = null;
    for (const name of AUTO_CANDIDATES) if ((path = locate(name)) !== null) break;
    if (path === null) {
      throw new AdjointError('no-c-compiler',
        `no C compiler: none of ${AUTO_CANDIDATES.join(', ')} is on PATH — ${INSTALL_HINT}, `
        + 'or pass the cc option / set the CC environment variable to its name or path');
    }
  }
  const compiler = probe(path);
  compilers.set(key, compiler);
  return compiler;
}

/** The absolute path of an executable `name` (searched on PATH unless it has a slash), or null. */
function locate(name: string): string | null {
  const candidates = name.includes('/')
    ? [resolve(name)]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => resolve(dir === '' ? '.' : dir, name));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

/** Ask the compiler what it is: `--version`, and `-v` for tccs that lack it. */
function probe(path: string): CCompiler {
  let text = '';
  for (const args of [['--version'], ['-v']]) {
    const r = spawnSync(path, args, { encoding: 'utf8', timeout: 30_000 });
    text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim();
    if (r.error === undefined && /version|Free Software Foundation|\d+\.\d+/i.test(text)) break;
  }
  const banner = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  if (banner === '') {
    throw new AdjointError('no-c-compiler',
      `${path} does not answer --version or -v like a C compiler — ${INSTALL_HINT}, or pass the cc option / set CC`);
  }
  const kind: CompilerKind = /clang/i.test(text) ? 'clang'
    : /\btcc\b|tiny ?c/i.test(banner) ? 'tcc'
    : /Free Software Foundation|\bgcc\b|\bGCC\b/.test(text) ? 'gcc'
    : 'cc';
  // "Debian clang version 14.0.6", "gcc (Debian 12.2.0-14) 12.2.0", "tcc version 0.9.27 (x86_64 Linux)"
  const version = /version\s+(\d+(?:\.\d+)+)/i.exec(banner)?.[1]
    ?? /\)\s+(\d+(?:\.\d+)+)/.exec(banner)?.[1]
    ?? /(\d+(?:\.\d+)+)/.exec(banner)?.[1] ?? '';
  return { path, kind, version, banner };
}

/** A build's checked options: the compiler, its flags, and where the entry goes. */
interface LibraryEntry {
  readonly compiler: CCompiler;
  readonly flags: readonly string[];
  readonly dir: string;
  readonly maxBytes: number;
  readonly path: string;
  readonly sourcePath: string;
}

/** The result of lookupSharedLibrary. */
export interface CacheLookup {
  /** The library, already in the cache (no compiler ran), or null: it has to be built. */
  readonly library: BuiltLibrary | null;
  /** The compiler that builds it (and whose banner is part of its name). */
  readonly compiler: CCompiler;
  /** Where the library is, or will be once built. */
  readonly path: string;
}

function libraryEntry(source: string, options: BuildOptions, known?: CCompiler): LibraryEntry {
  if (typeof source !== 'string') {
    throw new AdjointError('bad-argument', `buildSharedLibrary(source): source must be a string of C, got ${typeof source}`);
  }
  const optLevel = options.optLevel ?? 2;
  if (![0, 1, 2, 3].includes(optLevel)) {
    throw new AdjointError('bad-option', `optLevel must be 0, 1, 2 or 3, got ${String(optLevel)}`);
  }
  const maxBytes = cacheMaxBytes(options.cacheMaxMB);
  const compiler = known ?? findCompiler(options.cc);
  const flags = sharedLibraryFlags(compiler.kind, optLevel);
  const dir = cacheDirectory(options.cacheDir);
  const hash = contentHash([CACHE_FORMAT, process.platform, process.arch, compiler.path, compiler.banner, ...flags, source]);
  return { compiler, flags, dir, maxBytes, path: join(dir, `${hash}.so`), sourcePath: join(dir, `${hash}.c`) };
}

/** The entry's library if the cache has it (its use recorded, pinned until loaded), else null. */
function cachedLibrary(e: LibraryEntry, start: number): BuiltLibrary | null {
  if (!useEntry(e.path)) return null;
  pinLibrary(e.path);
  return { path: e.path, sourcePath: e.sourcePath, compiler: e.compiler, cached: true, ms: performance.now() - start };
}

/**
 * What buildSharedLibrary would do, short of running the compiler: the same checks (a bad
 * option or a missing compiler throws here), the same name, and a cache hit counted and
 * pinned just as it would. Costs a stat, and one `--version` per compiler and process.
 */
export function lookupSharedLibrary(source: string, options: BuildOptions = {}): CacheLookup {
  const start = performance.now();
  const e = libraryEntry(source, options);
  return { library: cachedLibrary(e, start), compiler: e.compiler, path: e.path };
}

/**
 * Compile `source` into a shared library, or find it in the cache. The name is the hash of
 * the source, the compiler (path and banner) and the flags; a cache hit runs no compiler.
 * Both files are written under temporary names and renamed into place, so processes that
 * build the same graph at the same time each get a complete library (the last rename wins;
 * the contents are the same). A hit refreshes the entry's mtime (least recently used entries
 * are pruned first); a new entry may prune the cache (prune.ts), never removing this one.
 */
export function buildSharedLibrary(source: string, options: BuildOptions = {}): BuiltLibrary {
  const start = performance.now();
  const e = libraryEntry(source, options);
  const hit = cachedLibrary(e, start);
  if (hit !== null) return hit;
  const job = beginBuild(e, source);
  return finishBuild(e, source, job, compile(e.compiler, job.args), start);
}

/**
 * buildSharedLibrary with the compiler run asynchronously, for the background build's worker
 * (background.ts): a thread waiting in spawnSync holds up its process's exit until the
 * compiler is done, one waiting on an event does not. `compiler`: the one lookupSharedLibrary
 * found, so the worker builds the entry that was looked up without probing it again.
 */
export async function buildSharedLibraryAsync(source: string, options: BuildOptions = {}, compiler?: CCompiler): Promise<BuiltLibrary> {
  const start = performance.now();
  const e = libraryEntry(source, options, compiler);
  const hit = cachedLibrary(e, start);
  if (hit !== null) return hit;
  const job = beginBuild(e, source);
  return finishBuild(e, source, job, await compileAsync(e.compiler, job.args), start);
}

/** Writes the source into the cache; the compiler's arguments, and the fresh temp file they name as output. */
function beginBuild(e: LibraryEntry, source: string): { args: string[]; tmp: string } {
  // Written even when a source is there (left by a failed build): an old file may be pruned
  // by another process before the compiler opens it; a fresh one is not.
  try {
    writeFileAtomic(e.sourcePath, source);
  } catch (err) {
    throw new AdjointError('cache-write-failed',
      `cannot write ${e.sourcePath}: ${(err as Error).message} — free some space or set ADJOINT_CACHE_DIR / cacheDir elsewhere`);
  }
  const tmp = tempPathBeside(e.path);
  return { args: [...e.flags, '-o', tmp, e.sourcePath, '-lm'], tmp };
}

/** Moves the compiler's output into place (or reports its errors) and lets the cache prune. */
function finishBuild(e: LibraryEntry, source: string, { args, tmp }: { args: string[]; tmp: string }, run: { ok: boolean; output: string }, start: number): BuiltLibrary {
  if (!run.ok) {
    rmSync(tmp, { force: true });
    throw compileError(e.compiler, args, run.output, e.sourcePath, 'The source is kept at');
  }
  let libBytes = 0;
  try {
    libBytes = statSync(tmp).size;
    renameSync(tmp, e.path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new AdjointError('cache-write-failed', `cannot move the built library to ${e.path}: ${(err as Error).message}`);
  }
  pinLibrary(e.path);
  afterNewEntry(e.dir, Buffer.byteLength(source) + libBytes, e.maxBytes);
  return { path: e.path, sourcePath: e.sourcePath, compiler: e.compiler, cached: false, ms: performance.now() - start };
}

/**
 * Compile `source` to an object file (-c) in a temporary directory and report what the
 * compiler said. For tests of the generated C: with the default STRICT_C99_FLAGS, `ok` and
 * empty `diagnostics` mean warning-free C99.
 */
export function checkCompiles(source: string, options: CheckOptions = {}): CheckResult {
  const compiler = findCompiler(options.cc);
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-check-'));
  try {
    writeSources(dir, source, options.files);
    const args = [...(options.flags ?? STRICT_C99_FLAGS), ...(options.extraArgs ?? []), '-c', join(dir, 'main.c'), '-o', join(dir, 'main.o')];
    const run = compile(compiler, args);
    return { ok: run.ok, diagnostics: run.output, command: commandLine(compiler, args) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Compile and link `source` (with its own main) into an executable, e.g. for qemu-arm:
 * buildExecutable(c, { cc: 'arm-linux-gnueabihf-gcc', flags: ['-std=c99', '-O2', '-static'] }).
 * Without `out` it lands in a fresh temporary directory; remove it with the directory.
 */
export function buildExecutable(source: string, options: CheckOptions & { out?: string } = {}): BuiltExecutable {
  const start = performance.now();
  const compiler = findCompiler(options.cc);
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-exe-'));
  writeSources(dir, source, options.files);
  const path = options.out !== undefined ? resolve(options.out) : join(dir, 'main');
  const args = [...(options.flags ?? ['-std=c99', '-O2']), ...(options.extraArgs ?? []), '-o', path, join(dir, 'main.c'), '-lm'];
  const run = compile(compiler, args);
  if (!run.ok) throw compileError(compiler, args, run.output, join(dir, 'main.c'), 'The source is in');
  if (options.out !== undefined) rmSync(dir, { recursive: true, force: true });
  return { path, compiler, ms: performance.now() - start };
}

function writeSources(dir: string, source: string, files: Readonly<Record<string, string>> = {}): void {
  writeFileSync(join(dir, 'main.c'), source);
  for (const [name, text] of Object.entries(files)) {
    if (!/^[\w.-]+$/.test(name) || name === 'main.c') {
      throw new AdjointError('bad-option', `files: ${quote(name)} must be a plain file name other than main.c`);
    }
    writeFileSync(join(dir, name), text);
  }
}

function compile(compiler: CCompiler, args: readonly string[]): { ok: boolean; output: string } {
  const r = spawnSync(compiler.path, args, { encoding: 'utf8', maxBuffer: MAX_OUTPUT });
  return runResult(r.error, r.signal, r.status, `${r.stderr ?? ''}${r.stdout ?? ''}`);
}

/** compile() without blocking the thread; output past MAX_OUTPUT is dropped instead of killing the compiler. */
function compileAsync(compiler: CCompiler, args: readonly string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((done) => {
    const child = spawn(compiler.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const printed = { stderr: '', stdout: '' };
    for (const name of ['stderr', 'stdout'] as const) {
      child[name].setEncoding('utf8');
      child[name].on('data', (chunk: string) => { if (printed[name].length < MAX_OUTPUT) printed[name] += chunk; });
    }
    let settled = false;
    const settle = (error: Error | undefined, signal: NodeJS.Signals | null, status: number | null): void => {
      if (settled) return;
      settled = true;
      done(runResult(error, signal, status, `${printed.stderr}${printed.stdout}`));
    };
    child.on('error', (e) => settle(e, null, null));
    child.on('close', (status, signal) => settle(undefined, signal, status));
  });
}

function runResult(error: Error | undefined, signal: NodeJS.Signals | null, status: number | null, output: string): { ok: boolean; output: string } {
  const printed = output.trim();
  if (error !== undefined) return { ok: false, output: `${error.message}\n${printed}`.trim() };
  if (signal !== null) return { ok: false, output: `killed by ${signal} (out of memory?)\n${printed}`.trim() };
  return { ok: status === 0, output: printed };
}

function commandLine(compiler: CCompiler, args: readonly string[]): string {
  return [compiler.path, ...args].map((a) => (/^[\w./=+,:-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The command, the first ~10 lines from the first error on, and where the source is. */
function compileError(compiler: CCompiler, args: readonly string[], output: string, sourcePath: string, kept: string): AdjointError {
  const lines = output.split('\n');
  let from = lines.findIndex((l) => /error/i.test(l));
  if (from < 0) from = 0;
  const shown = lines.slice(from, from + 10);
  const more = lines.length - from - shown.length;
  const name = `${compiler.kind}${compiler.version !== '' ? ` ${compiler.version}` : ''}`;
  return new AdjointError('c-compile-failed',
    `C compilation failed (${name}):\n  $ ${commandLine(compiler, args)}\n`
    + `${shown.map((l) => `  ${l}`).join('\n')}${more > 0 ? `\n  ... ${more} more lines` : ''}\n`
    + `${kept} ${sourcePath}. If Adjoint generated it, this is a bug: please report it with that file; `
    + 'to try another compiler pass the cc option or set CC.');
}
