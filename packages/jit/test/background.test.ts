/**
 * backend 'c' with background: true: the GradFn is there at once and computes with JS code
 * while a worker builds the library, switches to native code inside a synchronous loop, and
 * keeps JS code (with one warning) when the build fails. Also compileGradientFunctionAsync's
 * C builds, nativeReady, and the cacheDir / cacheMaxMB options. Every build goes to a fresh
 * cache directory. The graph uses sin, exp and tanh, where V8's Math and the C library differ
 * in the last bit for some inputs: at such an input the bits show which code ran.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { nativeUnavailable } from '@adjoint/backend-c';
import {
  AdjointError, Value, compileGradientFunction, compileGradientFunctionAsync, compileStats, compileToC, inspectGeneratedCode, nativeReady, type GradFn,
} from '@adjoint/jit';

const why = nativeUnavailable();
if (why !== null) console.info(`skipping the background C build tests: ${why}`);

const dirs: string[] = [];
function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'adjoint-background-test-'));
  dirs.push(d);
  return d;
}
const orphans: string[] = [];   // pid files of fake compilers left sleeping
afterAll(() => {
  for (const p of orphans) {
    try { process.kill(Number(readFileSync(p, 'utf8')), 'SIGKILL'); } catch { /* gone already */ }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => { vi.restoreAllMocks(); });

const libraries = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.so'));

/**
 * A fake compiler: says it is gcc for --version, and otherwise prints an error and exits 1,
 * or (slow) records its pid and sleeps for a minute.
 */
function fakeCompiler(kind: 'failing' | 'slow'): string {
  const dir = fresh();
  const path = join(dir, 'cc');
  const pidFile = join(dir, 'pid');
  const build = kind === 'failing'
    ? 'echo "adjoint_grad.c:1:1: error: this compiler always fails" >&2; exit 1'
    : `echo $$ > '${pidFile}'; exec sleep 60`;
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "gcc (Fake) 12.2.0"; exit 0; fi\n${build}\n`);
  chmodSync(path, 0o755);
  if (kind === 'slow') orphans.push(pidFile);
  return path;
}

const x = new Value(0.5, 'x');
const y = new Value(0.25, 'y');
const f = x.sin().mul(y.exp()).add(x.mul(y).tanh());

type Result = { value: number; gradient: Float64Array };
const bits = (r: Result): number[] => [r.value, ...r.gradient];
const same = (a: Result, b: Result): boolean => bits(a).every((v, i) => Object.is(v, bits(b)[i]));
const inputs = Array.from({ length: 200 }, (_, i) => new Float64Array([Math.sin(i * 12.9898) * 3, Math.cos(i * 78.233) * 2]));

describe.skipIf(why !== null)('background C builds', () => {
  const js = compileGradientFunction(f, [x, y]);
  const cDir = why === null ? fresh() : '';
  const c = why === null ? compileGradientFunction(f, [x, y], { backend: 'c', cacheDir: cDir }) : js;
  // An input where JS and C differ in some bit of f or the gradient (~15% do with glibc).
  const probe = inputs.find((v) => !same(js.valueAndGradient(v), c.valueAndGradient(v)));

  test('the function is there before the library; it computes with JS, and a synchronous loop switches it to native code', () => {
    expect(probe, 'an input where V8 and the C library differ').toBeDefined();
    const want = { js: js.valueAndGradient(probe!), c: c.valueAndGradient(probe!) };
    const dir = fresh();
    const bg = compileGradientFunction(f, [x, y], { backend: 'c', background: true, cacheDir: dir });
    expect(compileStats(bg)!.native).toEqual({ state: 'building' });
    expect(libraries(dir)).toEqual([]);
    expect(bg.backend).toBe('c');
    expect(same(bg.valueAndGradient(probe!), want.js)).toBe(true);

    // No await: only the status word can tell the loop that the build is done.
    let calls = 1;
    const deadline = performance.now() + 60_000;
    let r = bg.valueAndGradient(probe!);
    while (!same(r, want.c) && performance.now() < deadline) {
      expect(same(r, want.js)).toBe(true);
      r = bg.valueAndGradient(probe!);
      calls++;
    }
    expect(same(r, want.c)).toBe(true);
    expect(calls).toBeGreaterThan(1);
    expect(libraries(dir)).toHaveLength(1);
    const st = compileStats(bg)!;
    expect(st.native!.state).toBe('native');
    expect(st.native!.ms).toBeGreaterThan(0);
    expect(st.native!.compilerMs).toBeGreaterThan(0);
    expect(st.toolchain).toMatch(/^(gcc|clang|cc) [\d.]+ -O2$/);

    // From now on it is the C backend, bit for bit, in every calling convention.
    for (const v of inputs) expect(bits(bg.valueAndGradient(v))).toEqual(bits(c.valueAndGradient(v)));
    expect(bg(1.25, -0.5)).toEqual(c(1.25, -0.5));
    const out = new Float64Array(2);
    expect(bg.gradient(probe!, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(want.c.gradient));
    expect(inspectGeneratedCode(bg)).toMatch(/^\/\/ Adjoint C \(native\) backend/);
    expect(inspectGeneratedCode(bg)).toContain(compileToC(f, [x, y], { maxStackBytes: 0 }).split('#include <math.h>')[1]);
  });

  test('a GradFn compiled again from the same build starts native once it is built', async () => {
    const dir = fresh();
    const a = compileGradientFunction(f, [x, y], { backend: 'c', background: true, cacheDir: dir });
    expect((await nativeReady(a))!.state).toBe('native');
    const b = compileGradientFunction(f, [x, y], { backend: 'c', background: true, cacheDir: dir });
    expect(same(b.valueAndGradient(probe!), c.valueAndGradient(probe!))).toBe(true);
    expect(same(a.valueAndGradient(probe!), c.valueAndGradient(probe!))).toBe(true);
  });

  test('a library already in the build cache is used from the first call, with no worker', () => {
    const bg = compileGradientFunction(f, [x, y], { backend: 'c', background: true, cacheDir: cDir, cache: false });
    expect(compileStats(bg)!.native).toEqual({ state: 'native', ms: 0, compilerMs: 0 });
    expect(same(bg.valueAndGradient(probe!), c.valueAndGradient(probe!))).toBe(true);
  });

  test('compileGradientFunctionAsync builds C in a worker and is fulfilled once native code is loaded', async () => {
    const dir = fresh();
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 1);
    const pending = compileGradientFunctionAsync(f, [x, y], { backend: 'c', cacheDir: dir });
    expect(libraries(dir)).toEqual([]);   // it returned before the compiler finished
    const fn = await pending;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);     // and the event loop ran meanwhile
    expect(libraries(dir)).toHaveLength(1);
    expect(compileStats(fn)!.native!.state).toBe('native');
    expect(same(fn.valueAndGradient(probe!), c.valueAndGradient(probe!))).toBe(true);

    const f32 = await compileGradientFunctionAsync(f, [x, y], { backend: 'c', precision: 'f32', cacheDir: dir });
    const [gx] = f32(0.1, 0.2);
    expect(gx).toBe(Math.fround(gx));
    expect(Math.abs(gx - js(0.1, 0.2)[0])).toBeLessThan(1e-5);
  });

  test('a failed build keeps JS results, warns once and says why; the async form rejects', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const cc = fakeCompiler('failing');
    const bg = compileGradientFunction(f, [x, y], { backend: 'c', background: true, cc, cacheDir: fresh() });
    expect(compileStats(bg)!.native!.state).toBe('building');
    const st = await nativeReady(bg);
    expect(st!.state).toBe('failed');
    expect(st!.error).toMatch(/C compilation failed \(gcc 12\.2\.0\)[\s\S]*this compiler always fails[\s\S]*pass the cc option or set CC/);
    expect(compileStats(bg)!.native).toEqual(st);
    for (const v of inputs.slice(0, 50)) expect(bits(bg.valueAndGradient(v))).toEqual(bits(js.valueAndGradient(v)));
    expect(inspectGeneratedCode(bg)).toContain('double adjoint_grad_ws(');

    // The same graph and options again: the failed build is not reused from the compile
    // cache, a new one starts.
    const dir = fresh();
    const failedOnce = compileGradientFunction(f, [x, y], { backend: 'c', background: true, cc, cacheDir: dir });
    expect((await nativeReady(failedOnce))!.state).toBe('failed');
    const again = compileGradientFunction(f, [x, y], { backend: 'c', background: true, cc, cacheDir: dir });
    expect(compileStats(again)!.native!.state).toBe('building');
    await nativeReady(again);
    expect(bits(again.valueAndGradient(probe!))).toEqual(bits(js.valueAndGradient(probe!)));
    const warnings = warn.mock.calls.filter(([, o]) => (o as { code?: string })?.code === 'ADJOINT_C_BUILD_FAILED');
    expect(warnings).toHaveLength(3);   // one per build, not per call
    expect(String(warnings[0][0])).toMatch(/keeps computing with the JS backend[\s\S]*this compiler always fails/);

    const rejected = await compileGradientFunctionAsync(f, [x, y], { backend: 'c', cc, cacheDir: fresh() }).then(() => null, (e: unknown) => e);
    expect(rejected).toBeInstanceOf(AdjointError);
    expect((rejected as AdjointError).code).toBe('c-compile-failed');
    expect(warn.mock.calls.length).toBe(warnings.length);   // the rejection says it; no warning
  });

  test('a missing compiler still fails synchronously', () => {
    expect(() => compileGradientFunction(f, [x, y], { backend: 'c', background: true, cc: 'no-such-compiler-adjoint', cacheDir: fresh() }))
      .toThrow(/no C compiler: "no-such-compiler-adjoint"/);
  });

  test('nativeReady is null for a function with nothing building, and refuses what is not a compiled function', async () => {
    expect(await nativeReady(js)).toBeNull();
    expect(await nativeReady(c)).toBeNull();
    expect(() => nativeReady((() => []) as unknown as GradFn)).toThrow(/needs a function returned by compileGradientFunction/);
  });

  test('the process exits while a build is running: the worker does not hold it', () => {
    const cc = fakeCompiler('slow');
    const dir = fresh();
    const script = join(dir, 'exits.mjs');
    const jit = new URL('../dist/index.js', import.meta.url).href;
    writeFileSync(script, `import { Value, compileGradientFunction, compileStats } from ${JSON.stringify(jit)};
const x = new Value(0.5, 'x'), y = new Value(0.25, 'y');
const fn = compileGradientFunction(x.sin().mul(y), [x, y], { backend: 'c', background: true, cc: ${JSON.stringify(cc)}, cacheDir: ${JSON.stringify(dir)} });
console.log(JSON.stringify({ state: compileStats(fn).native.state, g: fn(0.5, 0.25) }));
`);
    const start = performance.now();
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 50_000 });
    const ms = performance.now() - start;
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ state: 'building', g: [Math.cos(0.5) * 0.25, Math.sin(0.5)] });
    expect(ms).toBeLessThan(20_000);   // the fake compiler sleeps for 60 s
    expect(libraries(dir)).toEqual([]);
  });
});

describe('the options', () => {
  const refused = (options: object): AdjointError => {
    try {
      compileGradientFunction(f, [x, y], options);
    } catch (e) {
      if (e instanceof AdjointError) return e;
      throw e;
    }
    throw new Error('expected an AdjointError');
  };

  test('precision f32 with background is refused: the JS code would compute in f64', () => {
    const e = refused({ backend: 'c', background: true, precision: 'f32' });
    expect(e.code).toBe('bad-options');
    expect(e.message).toMatch(/background: true runs JS code, in f64.*precision 'f32'.*compileGradientFunctionAsync/);
  });

  test('background, cacheDir and cacheMaxMB are C options, checked', () => {
    expect(refused({ background: true }).message).toMatch(/option "background" is for the 'c' backend; add backend: 'c'/);
    expect(refused({ backend: 'wasm', cacheDir: '/tmp' }).message).toMatch(/option "cacheDir" is for the 'c' backend/);
    expect(refused({ backend: 'c', background: 'yes' }).message).toMatch(/background must be true or false, got "yes"/);
    expect(refused({ backend: 'c', cacheDir: '' }).message).toMatch(/cacheDir must be a directory path/);
    expect(refused({ backend: 'c', cacheMaxMB: -1 }).message).toMatch(/cacheMaxMB must be a non-negative number/);
    expect(refused({ backend: 'c', cacheMaxMB: '5' }).message).toMatch(/cacheMaxMB must be a non-negative number of megabytes \(0 = no limit\), got "5"/);
  });

  test.skipIf(why !== null)('cacheDir and cacheMaxMB reach the build (cacheMaxMB overrides a bad ADJOINT_CACHE_MAX_MB)', () => {
    const saved = process.env.ADJOINT_CACHE_MAX_MB;
    process.env.ADJOINT_CACHE_MAX_MB = 'plenty';
    try {
      const dir = fresh();
      const g = x.mul(y).add(x.cos());
      expect(() => compileGradientFunction(g, [x, y], { backend: 'c', cacheDir: dir, cache: false })).toThrow(/ADJOINT_CACHE_MAX_MB must be/);
      const fn = compileGradientFunction(g, [x, y], { backend: 'c', cacheDir: dir, cacheMaxMB: 64, cache: false });
      expect(libraries(dir)).toHaveLength(1);
      expect(fn(1, 2)).toEqual(compileGradientFunction(g, [x, y])(1, 2));
    } finally {
      if (saved === undefined) delete process.env.ADJOINT_CACHE_MAX_MB;
      else process.env.ADJOINT_CACHE_MAX_MB = saved;
    }
  });
});
