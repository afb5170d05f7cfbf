/**
 * The scenarios of the ScalarAutograd JIT document (seeds/scalar-autograd-jit.md), written
 * against '@adjoint/jit' with every result checked: against eager backward() bit for bit,
 * or against values worked out by hand. The larger worked examples (IK, particles, neural
 * layer) live in seed-examples.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  CompilableValue, clearCompileCache, compileCacheStats, compileGradientFunction, inspectGeneratedCode,
  loadCompiledFunction, measureCompilationTime, measureExecutionTime, serializeCompiledFunction,
} from '@adjoint/jit';

/** Numbers as exact strings, so a diff shows -0 vs 0 and every last bit. */
function bits(xs: ArrayLike<number>): string[] {
  return Array.from(xs, (v) => (Object.is(v, -0) ? '-0' : String(v)));
}

/** x² + y², the seed's quick-start graph. */
function quickStart(x0 = 0, y0 = 0) {
  const x = new CompilableValue(x0, 'x');
  const y = new CompilableValue(y0, 'y');
  const z = x.mul(x).add(y.mul(y));
  return { x, y, z };
}

/** Eager gradient of x² + y² at (x0, y0), through backward(). */
function eagerQuickStart(x0: number, y0: number): number[] {
  const { x, y, z } = quickStart(x0, y0);
  z.backward();
  return [x.grad, y.grad];
}

describe('quick start: z = x² + y²', () => {
  test('compile once, call in a loop; every call matches backward() and 2x, 2y', () => {
    const { x, y, z } = quickStart();
    const computeGradients = compileGradientFunction(z, [x, y]);
    for (let i = 0; i < 1000; i++) {
      const [dx, dy] = computeGradients(i * 0.1, i * 0.1);
      // Doubling is exact in binary floating point, so 2x is the exact answer.
      expect(dx).toBe(2 * (i * 0.1));
      expect(dy).toBe(2 * (i * 0.1));
      if (i % 97 === 0) expect(bits([dx, dy])).toEqual(bits(eagerQuickStart(i * 0.1, i * 0.1)));
    }
  });

  test('the result is a fresh number[] of one gradient per param, in param order', () => {
    const { x, y, z } = quickStart();
    const fn = compileGradientFunction(z, [y, x]);
    const a = fn(3, 5);   // y = 3, x = 5
    expect(Array.isArray(a)).toBe(true);
    expect(a).toEqual([6, 10]);
    expect(fn(3, 5)).not.toBe(a);
    expect(fn.paramNames).toEqual(['y', 'x']);
  });

  test('.gradient(Float64Array, out) writes into out and returns it, with the same bits', () => {
    const { x, y, z } = quickStart();
    const fn = compileGradientFunction(z, [x, y]);
    const values = new Float64Array(2);
    const out = new Float64Array(2);
    for (const [a, b] of [[0.1, -0.2], [-0, 0], [1e300, -1e-300], [-7.25, 3]]) {
      values[0] = a;
      values[1] = b;
      expect(fn.gradient(values, out)).toBe(out);
      expect(bits(out)).toEqual(bits(eagerQuickStart(a, b)));
      expect(bits(out)).toEqual(bits(fn(a, b)));
    }
  });

  test('valueAndGradient returns f as well', () => {
    const { x, y, z } = quickStart();
    const fn = compileGradientFunction(z, [x, y]);
    const { value, gradient } = fn.valueAndGradient([3, 4]);
    expect(value).toBe(25);
    expect(Array.from(gradient)).toEqual([6, 8]);
  });
});

describe('a*b + c', () => {
  test('at (5, 10, 15): da = 10, db = 5, dc = 1', () => {
    const a = new CompilableValue(1, 'a');
    const b = new CompilableValue(2, 'b');
    const c = new CompilableValue(3, 'c');
    const result = a.mul(b).add(c);
    const gradFn = compileGradientFunction(result, [a, b, c]);
    const [da, db, dc] = gradFn(5, 10, 15);
    expect(da).toBe(10);
    expect(db).toBe(5);
    expect(dc).toBe(1);
  });
});

describe('runtime inputs: named leaves that are not params', () => {
  // f = w*x + b, gradient with respect to w and b; x is data fed in at call time.
  function line(w0: number, b0: number, x0: number) {
    const w = new CompilableValue(w0, 'w');
    const b = new CompilableValue(b0, 'b');
    const x = new CompilableValue(x0, 'x');
    return { w, b, x, f: w.mul(x).add(b).tanh() };
  }

  test('passed after the params; omitted, they keep their traced data', () => {
    const { w, b, f } = line(0.5, -0.25, 2);
    const fn = compileGradientFunction(f, [w, b]);
    expect(fn.inputNames).toEqual(['w', 'b', 'x']);
    for (const [w0, b0, x0] of [[0.3, 0.1, -1.5], [2, -3, 0.25]]) {
      const e = line(w0, b0, x0);
      e.f.backward();
      expect(bits(fn(w0, b0, x0))).toEqual(bits([e.w.grad, e.b.grad]));
    }
    // Only the params: x is back to its traced 2, not the -1.5 or 0.25 of earlier calls.
    const e = line(0.7, 0.2, 2);
    e.f.backward();
    expect(bits(fn(0.7, 0.2))).toEqual(bits([e.w.grad, e.b.grad]));
  });
});

describe('JIT matches traditional autodiff (the seed\'s test)', () => {
  test('JIT matches traditional autodiff', () => {
    // Traditional autodiff
    const a1 = new CompilableValue(2.0);
    const b1 = new CompilableValue(3.0);
    const result1 = a1.mul(b1).add(a1);
    result1.backward();
    const traditionalGrads = [a1.grad, b1.grad];

    // JIT compiled
    const a2 = new CompilableValue(2.0, 'a');
    const b2 = new CompilableValue(3.0, 'b');
    const result2 = a2.mul(b2).add(a2);
    const gradFn = compileGradientFunction(result2, [a2, b2]);
    const compiledGrads = gradFn(2.0, 3.0);

    expect(compiledGrads).toEqual(traditionalGrads);
    expect(compiledGrads).toEqual([4, 2]);   // d(ab + a)/da = b + 1, d/db = a
  });
});

describe('serializing compiled functions', () => {
  test('write to a file, load it back: the same gradients bit for bit', () => {
    const { x, y, z } = quickStart();
    const w = x.sin().mul(y.exp()).div(x.mul(x).add(1)).add(z);
    const gradFn = compileGradientFunction(w, [x, y]);
    const jsCode = serializeCompiledFunction(gradFn);
    const dir = mkdtempSync(join(tmpdir(), 'adjoint-seed-'));
    try {
      const file = join(dir, 'gradient-function.js');
      writeFileSync(file, jsCode);
      const loaded = loadCompiledFunction(readFileSync(file, 'utf-8'));
      expect(loaded.paramNames).toEqual(['x', 'y']);
      for (const [a, b] of [[1.0, 2.0], [-0.3, 0.7], [0, -0], [12.5, -4]]) {
        expect(bits(loaded(a, b))).toEqual(bits(gradFn(a, b)));
      }
      const [dx, dy] = loaded(1.0, 2.0);
      expect([dx, dy]).toEqual(gradFn(1.0, 2.0));
      // A loaded function serializes to the very same text.
      expect(serializeCompiledFunction(loaded)).toBe(jsCode);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the loaded function keeps the runtime inputs and their defaults', () => {
    const p = new CompilableValue(1.5, 'p');
    const k = new CompilableValue(4, 'k');
    const gradFn = compileGradientFunction(p.mul(k).sin(), [p]);
    const loaded = loadCompiledFunction(serializeCompiledFunction(gradFn));
    expect(loaded.inputNames).toEqual(['p', 'k']);
    expect(bits(loaded(0.25))).toEqual(bits(gradFn(0.25)));
    expect(bits(loaded(0.25, -3))).toEqual(bits(gradFn(0.25, -3)));
    expect(loaded(0.25)).toEqual([4 * Math.cos(0.25 * 4)]);
  });

  test('a file saved with Windows line endings still loads', () => {
    const { x, y, z } = quickStart();
    const gradFn = compileGradientFunction(z, [x, y]);
    const crlf = serializeCompiledFunction(gradFn).replace(/\n/g, '\r\n');
    expect(loadCompiledFunction(crlf)(1, 2)).toEqual([2, 4]);
  });
});

/** The seed's compileIKSolver(n): a gradient of the squared distance of an n-link arm to (1.5, 0.5). */
function compileIKSolver(n: number) {
  const angles = Array.from({ length: n }, (_, i) => new CompilableValue(0, `theta${i}`));
  let x = new CompilableValue(0);
  let y = new CompilableValue(0);
  for (let i = 0; i < n; i++) {
    const length = 1 - 0.2 * i;
    x = x.add(angles[i].cos().mul(new CompilableValue(length)));
    y = y.add(angles[i].sin().mul(new CompilableValue(length)));
  }
  const dx = x.sub(new CompilableValue(1.5));
  const dy = y.sub(new CompilableValue(0.5));
  return compileGradientFunction(dx.mul(dx).add(dy.mul(dy)), angles);
}

describe('caching compiled functions', () => {
  test('the seed\'s CompiledGradientCache builds once per key', () => {
    const compiled: string[] = [];
    class CompiledGradientCache {
      private cache = new Map<string, (...args: number[]) => number[]>();

      get(key: string, builder: () => (...args: number[]) => number[]) {
        if (!this.cache.has(key)) {
          compiled.push(key);   // the seed logs "Compiling gradient function for <key>..."
          this.cache.set(key, builder());
        }
        return this.cache.get(key)!;
      }
    }
    const cache = new CompiledGradientCache();
    const gradFn = cache.get('ik-3joint', () => compileIKSolver(3));
    const g0 = gradFn(0, 0, 0);
    const gradFn2 = cache.get('ik-3joint', () => compileIKSolver(3));
    expect(gradFn2).toBe(gradFn);
    expect(compiled).toEqual(['ik-3joint']);
    // At theta = 0 the arm points along x: only the y error (0 - 0.5) pulls, by 2*(-0.5)*length.
    expect(g0).toEqual([0, 1, 2].map((i) => 2 * -0.5 * (1 - 0.2 * i)));
    expect(gradFn2(1, 1, 1)).toHaveLength(3);
  });

  test('the built-in cache: building the same graph twice compiles once', () => {
    clearCompileCache();
    const f1 = compileIKSolver(3);
    expect(compileCacheStats()).toEqual({ hits: 0, misses: 1, entries: 1 });
    const f2 = compileIKSolver(3);
    expect(compileCacheStats()).toEqual({ hits: 1, misses: 1, entries: 1 });
    expect(f2).not.toBe(f1);   // each call gets its own function (own scratch buffers)
    expect(bits(f2(0.1, -0.2, 0.3))).toEqual(bits(f1(0.1, -0.2, 0.3)));

    compileIKSolver(4);        // a different graph compiles anew
    expect(compileCacheStats()).toEqual({ hits: 1, misses: 2, entries: 2 });

    const { x, y, z } = quickStart();
    compileGradientFunction(z, [x, y], { cache: false });   // opting out leaves the cache alone
    expect(compileCacheStats()).toEqual({ hits: 1, misses: 2, entries: 2 });
  });

  test('a cache hit keeps its own traced data for the runtime inputs', () => {
    clearCompileCache();
    const build = (k0: number) => {
      const p = new CompilableValue(0, 'p');
      const k = new CompilableValue(k0, 'k');
      return compileGradientFunction(p.mul(k), [p]);
    };
    const three = build(3);
    const seven = build(7);
    expect(compileCacheStats().hits).toBe(1);
    expect(three(1)).toEqual([3]);
    expect(seven(1)).toEqual([7]);
  });
});

describe('partial compilation', () => {
  // A coupled loss, so each param's gradient depends on its neighbours.
  function computeLoss(params: CompilableValue[]): CompilableValue {
    let loss = new CompilableValue(0);
    for (let i = 0; i < params.length; i++) {
      const next = params[(i + 1) % params.length];
      const d = params[i].sub(next);
      loss = loss.add(d.mul(d).mul(1 + i / 100)).add(params[i].sin().mul(next));
    }
    return loss;
  }
  const paramValues = Array.from({ length: 100 }, (_, i) => Math.sin(i * 1.7) * 2);

  function eager(values: number[]): number[] {
    const ps = values.map((v, i) => new CompilableValue(v, `p${i}`));
    computeLoss(ps).backward();
    return ps.map((p) => p.grad);
  }

  test('each half matches backward()', () => {
    const params = Array(100).fill(0).map((_, i) => new CompilableValue(0, `p${i}`));
    const loss = computeLoss(params);
    const gradFn1 = compileGradientFunction(loss, params.slice(0, 50));
    const gradFn2 = compileGradientFunction(loss, params.slice(50));
    expect(gradFn1.inputNames).toEqual(params.map((p) => p.paramName));
    expect(gradFn2.inputNames).toEqual([...params.slice(50), ...params.slice(0, 50)].map((p) => p.paramName));

    // The seed's calls: the other half are runtime inputs that keep their traced value, 0.
    const zeros = Array(50).fill(0);
    expect(bits(gradFn1(...paramValues.slice(0, 50)))).toEqual(bits(eager([...paramValues.slice(0, 50), ...zeros]).slice(0, 50)));
    expect(bits(gradFn2(...paramValues.slice(50)))).toEqual(bits(eager([...zeros, ...paramValues.slice(50)]).slice(50)));

    // With the other half passed too, the two halves make up the full gradient.
    const full = eager(paramValues);
    const grads1 = gradFn1(...paramValues);
    const grads2 = gradFn2(...paramValues.slice(50), ...paramValues.slice(0, 50));
    expect(bits([...grads1, ...grads2])).toEqual(bits(full));
  });
});

describe('debugging compiled code', () => {
  test('inspectGeneratedCode shows reads of x[k] and writes of g[k]', () => {
    const x = new CompilableValue(0, 'x');
    const y = new CompilableValue(0, 'y');
    const z = x.mul(x).add(y);
    const gradFn = compileGradientFunction(z, [x, y]);
    const code = inspectGeneratedCode(gradFn);
    // Inputs are read by index from x, never by name; x² shows up as a product.
    const codeLines = code.split('\n').filter((l) => !l.startsWith('//'));
    expect(codeLines.some((l) => l.includes('x[0]'))).toBe(true);
    expect(codeLines.some((l) => l.includes('x[1]'))).toBe(true);
    expect(codeLines.some((l) => l.includes(' * '))).toBe(true);
    expect(code).toMatch(/g\[0\] = /);
    expect(code).toMatch(/g\[1\] = /);
    expect(code).toMatch(/return /);
    // The header says which name sits where.
    expect(code).toMatch(/x\[0\] = "x"\s+-> g\[0\]/);
    expect(code).toMatch(/x\[1\] = "y"\s+-> g\[1\]/);
  });
});

describe('measuring compilation vs execution', () => {
  test('both return a time >= 0, the first also the compiled function; break-even is computable', () => {
    const { x, y, z } = quickStart();
    const [compileTime, gradFn] = measureCompilationTime(() => compileGradientFunction(z, [x, y], { cache: false }));
    expect(Number.isFinite(compileTime)).toBe(true);
    expect(compileTime).toBeGreaterThanOrEqual(0);
    expect(gradFn(1.0, 2.0)).toEqual([2, 4]);

    const execTime = measureExecutionTime(() => gradFn(1.0, 2.0));
    expect(Number.isFinite(execTime)).toBe(true);
    expect(execTime).toBeGreaterThanOrEqual(0);
    const breakEven = Math.ceil(compileTime / execTime);
    expect(Number.isNaN(breakEven)).toBe(false);
    expect(breakEven).toBeGreaterThanOrEqual(0);
  });

  test('measureExecutionTime runs the function the requested number of times, after a warm-up', () => {
    let calls = 0;
    measureExecutionTime(() => { calls++; }, 50);
    expect(calls).toBe(55);   // 50 timed + a tenth as many to warm up
  });
});
