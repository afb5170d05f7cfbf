import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { caught, ulps } from './helpers.js';
import { cacheDirectory } from '../src/cache.js';
import { loadNativeKernel } from '../src/native.js';
import { buildExecutable, buildSharedLibrary, checkCompiles, findCompiler, sharedLibraryFlags, STRICT_C99_FLAGS } from '../src/toolchain.js';

// f = x0*x0*x1 + sin(x1), gradient by hand.
const SOURCE = `#include <math.h>
double demo_ws(const double *inputs, double *grad, double *workspace) {
  double x0 = inputs[0], x1 = inputs[1];
  (void)workspace;
  grad[0] = 2.0 * x0 * x1;
  grad[1] = x0 * x0 + cos(x1);
  return x0 * x0 * x1 + sin(x1);
}
`;
const jsDemo = (x0: number, x1: number): number[] => [x0 * x0 * x1 + Math.sin(x1), 2.0 * x0 * x1, x0 * x0 + Math.cos(x1)];

const scratch = mkdtempSync(join(tmpdir(), 'adjoint-toolchain-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(scratch, `cache-${dirs++}`);

/** Why a tool cannot be used here, or null; said out loud so a skip is never silent. */
function missing(cmd: string, install: string): string | null {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  if (r.error === undefined) return null;
  const why = `${cmd} is not installed (Debian: apt-get install ${install}; ./dev setup does it as root)`;
  console.info(`skipping tests that need ${cmd}: ${why}`);
  return why;
}



const POINTS = [[0.5, -1.25], [3, 2], [-0.1, 1e-3], [1e3, -7.5]];

describe('findCompiler', () => {
  test('finds one by itself, knows its kind and version, and remembers it', () => {
    const c = findCompiler();
    expect(['gcc', 'clang', 'tcc', 'cc']).toContain(c.kind);
    expect(c.path.startsWith('/')).toBe(true);
    expect(c.version).toMatch(/^\d+(\.\d+)+$/);
    expect(findCompiler()).toBe(c);
  });

  test('a compiler that does not exist is "no-c-compiler", naming the install and the option', () => {
    const e = caught(() => findCompiler('no-such-compiler'));
    expect(e.code).toBe('no-c-compiler');
    expect(e.message).toContain('"no-such-compiler"');
    expect(e.message).toContain('apt-get install gcc');
    expect(e.message).toMatch(/cc option/);
    expect(e.message).toMatch(/\bCC\b/);
    expect(caught(() => buildSharedLibrary(SOURCE, { cc: 'no-such-compiler', cacheDir: freshDir() })).code).toBe('no-c-compiler');
  });

  test('$CC is used when no cc option is given', () => {
    const saved = process.env.CC;
    process.env.CC = 'no-such-compiler-from-env';
    try {
      const e = caught(() => findCompiler());
      expect(e.code).toBe('no-c-compiler');
      expect(e.message).toContain('CC environment variable');
    } finally {
      if (saved === undefined) delete process.env.CC;
      else process.env.CC = saved;
    }
  });

  test('flags: fp contraction off and no fast-math for gcc/clang; tcc gets what it understands', () => {
    const gcc = sharedLibraryFlags('gcc', 2);
    expect(gcc).toEqual(expect.arrayContaining(['-std=c99', '-O2', '-ffp-contract=off', '-fno-math-errno', '-fPIC', '-shared']));
    expect(gcc.join(' ')).not.toMatch(/fast-math|Ofast/);
    expect(sharedLibraryFlags('tcc', 3)).toEqual(['-std=c99', '-fPIC', '-shared']);
  });
});

const compilers = [
  { cc: 'gcc', install: 'gcc', kind: 'gcc' },
  { cc: 'clang', install: 'clang', kind: 'clang' },
  { cc: 'tcc', install: 'tcc', kind: 'tcc' },
] as const;

describe.each(compilers)('$cc', ({ cc, install, kind }) => {
  const why = missing(cc, install);

  test.skipIf(why !== null)('builds a shared library that computes what JS computes', () => {
    const cacheDir = freshDir();
    const cold = buildSharedLibrary(SOURCE, { cc, cacheDir });
    expect(cold.cached).toBe(false);
    expect(cold.compiler.kind).toBe(kind);
    expect(cold.path).toMatch(/[0-9a-f]{32}\.so$/);
    expect(readFileSync(cold.sourcePath, 'utf8')).toBe(SOURCE);
    const warm = buildSharedLibrary(SOURCE, { cc, cacheDir });
    expect(warm).toMatchObject({ path: cold.path, cached: true });
    console.info(`${cc} ${cold.compiler.version}: small function cold ${cold.ms.toFixed(1)} ms, cached ${warm.ms.toFixed(2)} ms`);

    const kernel = loadNativeKernel(cold.path, 'demo_ws', { nInputs: 2, nParams: 2, workspace: 0, precision: 'f64' });
    for (const [x0, x1] of POINTS) {
      const g = new Float64Array(2);
      const f = kernel(Float64Array.of(x0, x1), g);
      const want = jsDemo(x0, x1);
      expect(Object.is(g[0], want[1])).toBe(true);   // only + - *: the same bits
      expect(ulps(f, want[0])).toBeLessThanOrEqual(1); // libm sin/cos vs V8's: within an ulp
      expect(ulps(g[1], want[2])).toBeLessThanOrEqual(1);
    }
  });

  test.skipIf(why !== null)('checkCompiles: clean C99 passes -Wall -Wextra -Werror -pedantic, bad C is reported', () => {
    expect(checkCompiles(SOURCE, { cc })).toMatchObject({ ok: true, diagnostics: '' });
    // tcc warns about little; an implicit declaration it does catch.
    const bad = kind === 'tcc' ? 'double f(double x) { return g(x); }\n' : 'double f(double x) { int unused; return x; }\n';
    const r = checkCompiles(bad, { cc, flags: STRICT_C99_FLAGS });
    expect(r.ok).toBe(false);
    expect(r.diagnostics).toMatch(kind === 'tcc' ? /implicit declaration/ : /unused variable/);
    expect(r.command).toContain('-Werror');
  });
});

describe('the build cache', () => {
  const gccMissing = missing('gcc', 'gcc');

  test.skipIf(gccMissing !== null)('a cache hit runs no compiler and leaves the library untouched', () => {
    // A stand-in compiler that logs every run, then runs gcc.
    const spy = join(scratch, 'spy-cc');
    const log = join(scratch, 'spy-cc.log');
    writeFileSync(spy, `#!/bin/sh\necho "$*" >> '${log}'\nexec gcc "$@"\n`);
    chmodSync(spy, 0o755);
    const cacheDir = freshDir();
    const first = buildSharedLibrary(SOURCE, { cc: spy, cacheDir });
    expect(first.compiler.kind).toBe('gcc');
    const mtime = statSync(first.path).mtimeMs;
    const runs = readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('-shared'));
    expect(runs).toHaveLength(1);
    const again = buildSharedLibrary(SOURCE, { cc: spy, cacheDir });
    expect(again.cached).toBe(true);
    expect(again.path).toBe(first.path);
    expect(readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('-shared'))).toHaveLength(1);
    expect(statSync(first.path).mtimeMs).toBe(mtime);
    expect(again.ms).toBeLessThan(first.ms);
  });

  test.skipIf(gccMissing !== null)('the key covers flags: another -O level is another library; nothing temporary is left', () => {
    const cacheDir = freshDir();
    const o2 = buildSharedLibrary(SOURCE, { cc: 'gcc', cacheDir });
    const o0 = buildSharedLibrary(SOURCE, { cc: 'gcc', cacheDir, optLevel: 0 });
    expect(o0.path).not.toBe(o2.path);
    // .last-prune: when the cache was last pruned (prune.ts), not temporary.
    expect(readdirSync(cacheDir).filter((f) => f !== '.last-prune').sort()).toEqual(
      [o2.path, o2.sourcePath, o0.path, o0.sourcePath].map((p) => p.slice(cacheDir.length + 1)).sort());
    expect(caught(() => buildSharedLibrary(SOURCE, { cacheDir, optLevel: 4 as 2 })).code).toBe('bad-option');
  });

  test.skipIf(gccMissing !== null)('a syntax error is "c-compile-failed" with the command, the first error and the kept .c', () => {
    const cacheDir = freshDir();
    const e = caught(() => buildSharedLibrary('double broken_ws(const double *x, double *g, double *t) { return 1 }\n', { cc: 'gcc', cacheDir }));
    expect(e.code).toBe('c-compile-failed');
    expect(e.message).toMatch(/\.c:1:\d+: error: expected .;. before/);
    expect(e.message).toContain('-ffp-contract=off');
    const kept = /([^\s]+\.c)\b/.exec(e.message.split('kept at ')[1])?.[1] ?? '';
    expect(kept.startsWith(cacheDir)).toBe(true);
    expect(existsSync(kept)).toBe(true);
    expect(readdirSync(cacheDir).filter((f) => !f.endsWith('.c'))).toEqual([]);   // no library, no temp file
  });

  test.skipIf(gccMissing !== null)('two processes building the same source at once both succeed and leave one library', async () => {
    const dir = freshDir();
    const cacheDir = join(dir, 'cache');
    const source = `${SOURCE}/* ${Math.random()} */\n`;
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const vite = pathToFileURL(createRequire(createRequire(import.meta.url).resolve('vitest/package.json')).resolve('vite')).href;
    // Each child loads toolchain.ts through vite (as vitest does), then waits for the other
    // so that both compile at the same moment.
    const script = `
      import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
      const [vite, root, dir, id, source] = process.argv.slice(1);
      const { runnerImport } = await import(vite);
      const { module: tc } = await runnerImport(root + 'packages/backend-c/src/toolchain.ts', {
        configFile: false, logLevel: 'silent', root,
        resolve: { alias: [{ find: /^@adjoint\\/([a-z-]+)$/, replacement: root + 'packages/$1/src/index.ts' }] },
      });
      mkdirSync(dir, { recursive: true });
      writeFileSync(dir + '/ready-' + id, '');
      const deadline = Date.now() + 30000;   // if the other one died, go on alone
      while (readdirSync(dir).filter((f) => f.startsWith('ready-')).length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 2));
      }
      const lib = tc.buildSharedLibrary(source, { cc: 'gcc', cacheDir: dir + '/cache' });
      console.log(JSON.stringify({ path: lib.path, cached: lib.cached }));
    `;
    const child = (id: string): Promise<{ code: number | null; out: string }> => new Promise((done) => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', script, vite, root, dir, id, source], { cwd: root });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (out += d.toString()));
      p.on('close', (code) => done({ code, out }));
    });
    const results = await Promise.all([child('a'), child('b')]);
    for (const r of results) expect(r.code, r.out).toBe(0);
    const built = results.map((r) => JSON.parse(r.out.trim().split('\n').pop() ?? '') as { path: string; cached: boolean });
    expect(built[0].path).toBe(built[1].path);
    console.info(`concurrent builds: cached ${built[0].cached} and ${built[1].cached}`);
    expect(readdirSync(cacheDir).filter((f) => f !== '.last-prune').sort())
      .toEqual([built[0].path.slice(cacheDir.length + 1).replace(/\.so$/, '.c'), built[0].path.slice(cacheDir.length + 1)]);
    const kernel = loadNativeKernel(built[0].path, 'demo_ws', { nInputs: 2, nParams: 2, workspace: 0, precision: 'f64' });
    const g = new Float64Array(2);
    kernel(Float64Array.of(3, 2), g);
    expect(g[0]).toBe(12);
  });

  test('the directory: the option, then $ADJOINT_CACHE_DIR, then XDG, then a private tmp directory', () => {
    const saved = { a: process.env.ADJOINT_CACHE_DIR, x: process.env.XDG_CACHE_HOME };
    try {
      const named = freshDir();
      expect(cacheDirectory(named)).toBe(named);
      const fromEnv = freshDir();
      process.env.ADJOINT_CACHE_DIR = fromEnv;
      expect(cacheDirectory()).toBe(fromEnv);
      delete process.env.ADJOINT_CACHE_DIR;
      process.env.XDG_CACHE_HOME = freshDir();
      expect(cacheDirectory()).toBe(join(process.env.XDG_CACHE_HOME, 'adjoint'));
      // A cache home we cannot create (under a regular file) falls back to tmp.
      const file = join(scratch, 'a-file');
      writeFileSync(file, '');
      process.env.XDG_CACHE_HOME = join(file, 'cache');
      const fallback = cacheDirectory();
      expect(dirname(fallback)).toBe(tmpdir());
      expect(fallback).toMatch(/adjoint-cache-/);
      expect(statSync(fallback).mode & 0o022).toBe(0);
      // A directory the user named is not silently replaced.
      const e = caught(() => cacheDirectory(join(file, 'named')));
      expect(e.code).toBe('cache-dir-unwritable');
      expect(e.message).toContain('cacheDir option');
    } finally {
      for (const [k, v] of [['ADJOINT_CACHE_DIR', saved.a], ['XDG_CACHE_HOME', saved.x]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('cross compilers for embedded targets', () => {
  const armLinux = missing('arm-linux-gnueabihf-gcc', 'gcc-arm-linux-gnueabihf libc6-dev-armhf-cross');
  const bareMetal = missing('arm-none-eabi-gcc', 'gcc-arm-none-eabi libnewlib-arm-none-eabi');
  const qemu = armLinux ?? missing('qemu-arm', 'qemu-user');

  test.skipIf(armLinux !== null)('arm-linux-gnueabihf-gcc: warning-free', () => {
    expect(checkCompiles(SOURCE, { cc: 'arm-linux-gnueabihf-gcc' })).toMatchObject({ ok: true, diagnostics: '' });
  });

  test.skipIf(bareMetal !== null)('arm-none-eabi-gcc (Cortex-M4, hard float): warning-free', () => {
    const r = checkCompiles(SOURCE, { cc: 'arm-none-eabi-gcc', extraArgs: ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16'] });
    expect(r).toMatchObject({ ok: true, diagnostics: '' });
  });

  test.skipIf(qemu !== null)('a static ARM executable runs under qemu-arm and agrees with JS', () => {
    const main = `${SOURCE}#include <stdio.h>
int main(void) {
  const double x[2] = {3.0, -0.75};
  double g[2];
  double f = demo_ws(x, g, NULL);
  printf("%.17g %.17g %.17g\\n", f, g[0], g[1]);
  return 0;
}
`;
    const exe = buildExecutable(main, { cc: 'arm-linux-gnueabihf-gcc', flags: ['-std=c99', '-O2', '-ffp-contract=off', '-static'] });
    try {
      const r = spawnSync('qemu-arm', [exe.path], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const [f, g0, g1] = r.stdout.trim().split(' ').map(Number);
      const want = jsDemo(3, -0.75);
      expect(Object.is(g0, want[1])).toBe(true);
      expect(ulps(f, want[0])).toBeLessThanOrEqual(1);
      expect(ulps(g1, want[2])).toBeLessThanOrEqual(1);
    } finally {
      rmSync(dirname(exe.path), { recursive: true, force: true });
    }
  });
});
