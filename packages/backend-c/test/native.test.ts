import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { caught, ulps } from './helpers.js';
import { loadNativeKernel, type KernelLayout } from '../src/native.js';
import { buildSharedLibrary, nativeUnavailable } from '../src/toolchain.js';

// The lead's ABI: T NAME_ws(const T *inputs, T *grad, T *workspace).
const SOURCE = `#include <math.h>
double demo_ws(const double *inputs, double *grad, double *workspace) {
  double x0 = inputs[0], x1 = inputs[1];
  workspace[0] = x0 * x0;
  grad[0] = 2.0 * x0 * x1;
  grad[1] = workspace[0] + cos(x1);
  return workspace[0] * x1 + sin(x1);
}
/* f = x0*x1 + x2: a multiply-add the compiler must not fuse. */
double mix_ws(const double *inputs, double *grad, double *workspace) {
  (void)workspace;
  grad[0] = inputs[1];
  grad[1] = inputs[0];
  grad[2] = 1.0;
  return inputs[0] * inputs[1] + inputs[2];
}
/* Counts its calls in the workspace: shows whose workspace it got. */
double count_ws(const double *inputs, double *grad, double *workspace) {
  (void)inputs; (void)grad;
  workspace[0] += 1.0;
  return workspace[0];
}
double constant_ws(const double *inputs, double *grad, double *workspace) {
  (void)inputs; (void)grad; (void)workspace;
  return 42.0;
}
float demo_f32_ws(const float *inputs, float *grad, float *workspace) {
  float x0 = inputs[0], x1 = inputs[1];
  (void)workspace;
  grad[0] = 2.0f * x0 * x1;
  grad[1] = x0 * x0 + cosf(x1);
  return x0 * x0 * x1 + sinf(x1);
}
`;
const F64_2: KernelLayout = { nInputs: 2, nParams: 2, workspace: 1, precision: 'f64' };

const cacheDir = mkdtempSync(join(tmpdir(), 'adjoint-native-test-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const why = nativeUnavailable();
if (why !== null) console.info(`skipping the native kernel tests: ${why}`);



function ulps32(a: number, b: number): number {
  const ordered = (v: number): number => {
    const i = new Int32Array(new Float32Array([v]).buffer)[0];
    return i < 0 ? -(i & 0x7fffffff) : i;
  };
  return Math.abs(ordered(a) - ordered(b));
}

/** A deterministic spread of doubles over many magnitudes, both signs. */
function points(n: number): number[] {
  let s = 12345;
  const next = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => (next() - 0.5) * 10 ** Math.floor(next() * 8 - 3));
}

describe.skipIf(why !== null)('native kernels', () => {
  test('nativeUnavailable names what is missing: here nothing, or the compiler asked for', () => {
    expect(nativeUnavailable()).toBeNull();
    expect(nativeUnavailable('adjoint-no-such-cc')).toMatch(/adjoint-no-such-cc/);
  });

  const lib = why === null ? buildSharedLibrary(SOURCE, { cacheDir }) : null;
  const path = lib?.path ?? '';

  test('f64: value and gradient agree with JS (bits for + - *, an ulp for libm)', () => {
    const kernel = loadNativeKernel(path, 'demo_ws', F64_2);
    const xs = points(400);
    const g = new Float64Array(2);
    for (let i = 0; i < xs.length; i += 2) {
      const [x0, x1] = [xs[i], xs[i + 1]];
      const f = kernel(Float64Array.of(x0, x1), g);
      expect(Object.is(g[0], 2.0 * x0 * x1)).toBe(true);
      expect(ulps(g[1], x0 * x0 + Math.cos(x1))).toBeLessThanOrEqual(1);
      expect(ulps(f, x0 * x0 * x1 + Math.sin(x1))).toBeLessThanOrEqual(1);
    }
  });

  test('f64: a*b+c is not fused: the same bits as JS, -0 included', () => {
    const kernel = loadNativeKernel(path, 'mix_ws', { nInputs: 3, nParams: 3, workspace: 0, precision: 'f64' });
    const xs = points(600);
    const g = new Float64Array(3);
    for (let i = 0; i < xs.length; i += 3) {
      const f = kernel(Float64Array.of(xs[i], xs[i + 1], xs[i + 2]), g);
      expect(Object.is(f, xs[i] * xs[i + 1] + xs[i + 2])).toBe(true);
    }
    // 0.1*10 - 1 is 0 unfused but 5.55e-17 with an fma; -0*1 + -0 is -0.
    expect(Object.is(kernel(Float64Array.of(0.1, 10, -1), g), 0.1 * 10 - 1)).toBe(true);
    expect(Object.is(kernel(Float64Array.of(-0, 1, -0), g), -0)).toBe(true);
  });

  test('f64: the caller\'s arrays are used in place, views at an offset included', () => {
    const kernel = loadNativeKernel(path, 'demo_ws', F64_2);
    const big = Float64Array.of(9, 9, 3, 2, 9);
    const out = new Float64Array(6).fill(7);
    kernel(big.subarray(2, 4), out.subarray(3, 5));
    expect(Array.from(out)).toEqual([7, 7, 7, 12, 9 + Math.cos(2), 7]);
    // Longer arrays are fine: the kernel reads nInputs and writes nParams.
    const g = new Float64Array(4).fill(5);
    kernel(Float64Array.of(3, 2, 100), g);
    expect(Array.from(g)).toEqual([12, 9 + Math.cos(2), 5, 5]);
  });

  test('f32: rounds the inputs to float and returns what float C computes', () => {
    const kernel = loadNativeKernel(path, 'demo_f32_ws', { nInputs: 2, nParams: 2, workspace: 0, precision: 'f32' });
    const r = Math.fround;
    const xs = points(200);
    const g = new Float64Array(2);
    for (let i = 0; i < xs.length; i += 2) {
      const [a, b] = [r(xs[i]), r(xs[i + 1])];
      const f = kernel(Float64Array.of(xs[i], xs[i + 1]), g);
      expect(Object.is(g[0], r(r(2 * a) * b))).toBe(true);
      expect(ulps32(g[1], r(r(a * a) + r(Math.cos(b))))).toBeLessThanOrEqual(1);
      expect(ulps32(f, r(r(r(a * a) * b) + r(Math.sin(b))))).toBeLessThanOrEqual(1);
      expect(r(f)).toBe(f);
    }
  });

  test('every kernel has its own workspace, even two of the same function', () => {
    const layout: KernelLayout = { nInputs: 0, nParams: 0, workspace: 1, precision: 'f64' };
    const a = loadNativeKernel(path, 'count_ws', layout);
    const b = loadNativeKernel(path, 'count_ws', layout);
    const none = new Float64Array(0);
    expect([a(none, none), a(none, none), a(none, none)]).toEqual([1, 2, 3]);
    expect(b(none, none)).toBe(1);
    expect(a(none, none)).toBe(4);
    // Nothing in, nothing out, no workspace: still callable.
    expect(loadNativeKernel(path, 'constant_ws', { nInputs: 0, nParams: 0, workspace: 0, precision: 'f64' })(none, none)).toBe(42);
  });

  test('a changed source is a new library with the new code, in the same process', () => {
    const version = (k: number): string => `double answer_ws(const double *x, double *g, double *t) {
  (void)x; (void)g; (void)t;
  return ${k}.0;
}
`;
    const none = new Float64Array(0);
    const layout: KernelLayout = { nInputs: 0, nParams: 0, workspace: 0, precision: 'f64' };
    const one = buildSharedLibrary(version(1), { cacheDir });
    const first = loadNativeKernel(one.path, 'answer_ws', layout);
    expect(first(none, none)).toBe(1);
    const two = buildSharedLibrary(version(2), { cacheDir });
    expect(two.path).not.toBe(one.path);
    expect(loadNativeKernel(two.path, 'answer_ws', layout)(none, none)).toBe(2);
    expect(first(none, none)).toBe(1);
    expect(loadNativeKernel(one.path, 'answer_ws', layout)(none, none)).toBe(1);
  });

  test('wrong arguments, a missing symbol or library and a bad layout are named', () => {
    const kernel = loadNativeKernel(path, 'demo_ws', F64_2);
    const short = caught(() => kernel(new Float64Array(1), new Float64Array(2)));
    expect(short.code).toBe('bad-arguments');
    expect(short.message).toContain('Float64Array of 1');
    expect(caught(() => kernel([1, 2] as unknown as Float64Array, new Float64Array(2))).code).toBe('bad-arguments');
    expect(caught(() => kernel(new Float64Array(2), new Float32Array(2) as unknown as Float64Array)).message).toContain('Float32Array of 2');

    const noSymbol = caught(() => loadNativeKernel(path, 'nope_ws', F64_2));
    expect(noSymbol.code).toBe('native-symbol-missing');
    expect(noSymbol.message).toContain('"nope_ws"');
    const noLib = caught(() => loadNativeKernel(join(cacheDir, 'missing.so'), 'demo_ws', F64_2));
    expect(noLib.code).toBe('native-load-failed');
    expect(noLib.message).toContain('missing.so');
    expect(caught(() => loadNativeKernel(path, 'demo_ws', { ...F64_2, workspace: -1 })).code).toBe('bad-layout');
    expect(caught(() => loadNativeKernel(path, 'demo_ws', { ...F64_2, precision: 'f16' as 'f32' })).code).toBe('bad-layout');
  });
});
