/**
 * End to end, through the built CLI: what `adjoint compile` writes is built or loaded the way
 * a user would (gcc with a main.c, loadCompiledFunction, WebAssembly.instantiate) and gives
 * the gradient `compileGradientFunction` computes in this process.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compileGradientFunction, loadCompiledFunction, type GradFn } from '@adjoint/jit';
import { parseExpression } from '@adjoint/expr';
import { adjoint, buildCli, hasCommand, tempDir } from './run.js';

/** Only + - * /: C must give JavaScript's bits. */
const ARITHMETIC = 'a = x*y - z/3\n(a + x) * (y - 2) / (z*z + 1) - a*a\n';
/** libm functions: C's libm is within a few ulps of V8's Math. */
const LIBM = 'r = sqrt(x^2 + y^2)\natan2(y, x) * exp(-r) + log1p(z*z) * tanh(y) + sin(x*z) - cos(y) / (2 + sigmoid(z))\n';
const POINTS: readonly (readonly number[])[] = [[0.5, -1.25, 2], [1.7, 0.3, -0.8], [-2.5, 3.1, 0.05]];

let dir = '';
beforeAll(() => {
  buildCli();
  dir = tempDir();
  writeFileSync(join(dir, 'arith.expr'), ARITHMETIC);
  writeFileSync(join(dir, 'libm.expr'), LIBM);
});
afterAll(() => { if (dir !== '') rmSync(dir, { recursive: true, force: true }); });

/** The in-process reference: the same text parsed and compiled to JS here. */
function reference(text: string): GradFn {
  const { output, params } = parseExpression(text);
  return compileGradientFunction(output, params);
}

const MAIN_C = `#include <stdio.h>
#include <stdlib.h>
#include "model_grad.h"

/* Reads the inputs from argv, prints f and the gradient, one per line, exactly (%.17g). */
int main(int argc, char **argv) {
  double inputs[model_grad_N_INPUTS], grad[model_grad_N_PARAMS];
  if (argc != model_grad_N_INPUTS + 1) return 2;
  for (int i = 0; i < model_grad_N_INPUTS; i++) inputs[i] = strtod(argv[i + 1], NULL);
  printf("%.17g\\n", model_grad(inputs, grad));
  for (int i = 0; i < model_grad_N_PARAMS; i++) printf("%.17g\\n", grad[i]);
  return 0;
}
`;

describe('compile --target c, built with gcc and a main.c', () => {
  const cases = [
    { name: 'arithmetic (bit-identical)', file: 'arith.expr', text: ARITHMETIC, exact: true },
    { name: 'libm ops (within 1e-12 relative)', file: 'libm.expr', text: LIBM, exact: false },
  ];
  test.each(cases)('$name', ({ file, text, exact }) => {
    if (!hasCommand('gcc')) { console.info('skipped: gcc not installed'); return; }
    const work = join(dir, file.replace('.expr', ''));
    spawnSync('mkdir', ['-p', work]);
    const r = adjoint(dir, 'compile', file, '--target', 'c', '--name', 'model_grad', '--header', '-o', join(work, 'model_grad.c'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(work, 'model_grad.h'), 'utf8')).toContain('double model_grad(const double *inputs, double *grad);');
    writeFileSync(join(work, 'main.c'), MAIN_C);
    const cc = spawnSync('gcc', ['-std=c99', '-O2', '-ffp-contract=off', '-Wall', '-Werror', 'main.c', 'model_grad.c', '-o', 'model', '-lm'], { cwd: work, encoding: 'utf8' });
    expect(cc.stderr).toBe('');
    expect(cc.status).toBe(0);
    const ref = reference(text);
    for (const point of POINTS) {
      const run = spawnSync(join(work, 'model'), point.map(String), { encoding: 'utf8' });
      expect(run.status).toBe(0);
      const got = run.stdout.trim().split('\n').map(Number);
      const { value, gradient } = ref.valueAndGradient(point);
      const want = [value, ...gradient];
      expect(got).toHaveLength(4);
      want.forEach((w, k) => {
        const what = `${k === 0 ? 'f' : `gradient ${k - 1}`} at ${point.join(', ')}: C ${got[k]}, JS ${w}`;
        if (exact) expect(Object.is(got[k], w), what).toBe(true);
        else expect(Math.abs(got[k] - w) <= 1e-12 * Math.abs(w), what).toBe(true);
      });
    }
  });

  test('--precision f32 writes float code', () => {
    const r = adjoint(dir, 'compile', 'libm.expr', '--target', 'c', '--precision', 'f32');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('float adjoint_grad(const float *inputs, float *grad)');
    expect(r.stdout).toContain('sinf(');
  });
});

describe('compile --target js', () => {
  test('the file loads with loadCompiledFunction and gives the same bits', () => {
    const r = adjoint(dir, 'compile', 'libm.expr', '--target', 'js', '-o', 'libm.grad.js');
    expect([r.code, r.stderr, r.stdout]).toEqual([0, '', '']);
    const loaded = loadCompiledFunction(readFileSync(join(dir, 'libm.grad.js'), 'utf8'));
    const ref = reference(LIBM);
    for (const point of POINTS) {
      const a = loaded.valueAndGradient(point);
      const b = ref.valueAndGradient(point);
      expect(Object.is(a.value, b.value)).toBe(true);
      expect(Array.from(a.gradient)).toEqual(Array.from(b.gradient));
    }
  });

  test('without -o it goes to stdout, and js is the default target', () => {
    const r = adjoint(dir, 'compile', 'arith.expr');
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('// adjoint-js-gradient v1\n')).toBe(true);
    const fn = loadCompiledFunction(r.stdout);
    expect(Array.from(fn.gradient([0.5, -1.25, 2]))).toEqual(Array.from(reference(ARITHMETIC).gradient([0.5, -1.25, 2])));
  });

  test('-e compiles an expression given inline', () => {
    const r = adjoint(dir, 'compile', '-e', 'x*x*y');
    expect(r.code).toBe(0);
    expect(Array.from(loadCompiledFunction(r.stdout).gradient([3, 2]))).toEqual([12, 9]);
  });
});

describe('compile --target wasm', () => {
  test('the module instantiates with { Math } and gives the JS bits', async () => {
    const r = adjoint(dir, 'compile', 'libm.expr', '--target', 'wasm', '-o', 'libm.wasm');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const bytes = readFileSync(join(dir, 'libm.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { Math });
    const { memory, input, grad, run } = instance.exports as {
      memory: WebAssembly.Memory; input: WebAssembly.Global; grad: WebAssembly.Global; run: () => number;
    };
    const ref = reference(LIBM);
    for (const point of POINTS) {
      new Float64Array(memory.buffer, input.value as number, 3).set(point);
      const f = run();
      const g = Array.from(new Float64Array(memory.buffer, grad.value as number, 3));
      const want = ref.valueAndGradient(point);
      expect(Object.is(f, want.value)).toBe(true);
      expect(g).toEqual(Array.from(want.gradient));
    }
  });

  test('--math embedded needs no imports', async () => {
    const r = adjoint(dir, 'compile', 'libm.expr', '--target', 'wasm', '--math', 'embedded', '-o', 'libm-embedded.wasm');
    expect(r.code).toBe(0);
    const module = await WebAssembly.compile(readFileSync(join(dir, 'libm-embedded.wasm')));
    expect(WebAssembly.Module.imports(module)).toEqual([]);
  });
});

describe('.ir files and modules', () => {
  const IR = [
    '; f = x * sin(y) + t, with t a runtime input under --params 2',
    '%x = input f64 0 "x"',
    '%y = input f64 1 "y"',
    '%t = input f64 2 "t"',
    '%s = sin f64 %y',
    '%m = mul f64 %x, %s',
    '%f = add f64 %m, %t',
    'return %f',
    '',
  ].join('\n');

  test('an .ir file: the first --params inputs are params', () => {
    writeFileSync(join(dir, 'f.ir'), IR);
    const r = adjoint(dir, 'compile', 'f.ir', '--params', '2');
    expect(r.code).toBe(0);
    const fn = loadCompiledFunction(r.stdout);
    const { value, gradient } = fn.valueAndGradient([2, 0.5, 10]);
    expect(value).toBe(2 * Math.sin(0.5) + 10);
    expect(Array.from(gradient)).toEqual([Math.sin(0.5), 2 * Math.cos(0.5)]);
    // Without --params every input is a param.
    expect(loadCompiledFunction(adjoint(dir, 'compile', 'f.ir').stdout).gradient([2, 0.5, 10])).toHaveLength(3);
  });

  test('a module returning Values gets the CLI\'s @adjoint/jit', () => {
    writeFileSync(join(dir, 'arm.mjs'), [
      'export default ({ Value }) => {',
      '  const a = new Value(0.3, "a"), b = new Value(0.9, "b"), tx = new Value(1.2, "tx");',
      '  const x = a.cos().add(b.add(a).cos());',
      '  return { output: x.sub(tx).pow(2), params: [a, b] };',
      '};',
    ].join('\n'));
    const r = adjoint(dir, 'compile', 'arm.mjs');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const fn = loadCompiledFunction(r.stdout);
    // Defaults are the traced values: tx = 1.2 when only the params are passed.
    const x = Math.cos(0.3) + Math.cos(1.2);
    expect(fn.valueAndGradient([0.3, 0.9]).value).toBe((x - 1.2) ** 2);
  });

  test('a module returning a graph and nParams', () => {
    writeFileSync(join(dir, 'graph.js'), [
      'export default async ({ parseGraph }) => ({',
      '  graph: parseGraph(\'%0 = input f64 0 "x"\\n%1 = input f64 1 "y"\\n%2 = mul f64 %0, %1\\nreturn %2\'),',
      '  nParams: 1,',
      '});',
    ].join('\n'));
    const r = adjoint(dir, 'compile', 'graph.js');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(Array.from(loadCompiledFunction(r.stdout).gradient([3, 4]))).toEqual([4]);
  });
});
