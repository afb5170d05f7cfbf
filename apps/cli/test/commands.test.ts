/**
 * inspect, eval, --help and --version, and the error contract, through the built CLI:
 * exit 1 for a bad input with file:line:col, exit 2 for a bad command line with a hint,
 * and never a stack trace for either.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compileGradientFunction } from '@adjoint/jit';
import { parseExpression } from '@adjoint/expr';
import { adjoint, buildCli, tempDir, type Result } from './run.js';

const MODEL = '# a two-parameter model\nu = x*y\nu + sin(u)\n';

let dir = '';
beforeAll(() => {
  buildCli();
  dir = tempDir();
  writeFileSync(join(dir, 'model.expr'), MODEL);
  writeFileSync(join(dir, 'bad.expr'), 'u = x*y\nv = (u +\n  sin(x)\nv\n');
  writeFileSync(join(dir, 'bad.ir'), '%0 = input f64 0 "x"\n%1 = mul f64 %0, %7\nreturn %1\n');
  writeFileSync(join(dir, 'throws.mjs'), 'export default () => { throw new TypeError("no model here"); };\n');
  writeFileSync(join(dir, 'nodefault.mjs'), 'export const model = 1;\n');
  writeFileSync(join(dir, 'model.txt'), 'x*x\n');
});
afterAll(() => { if (dir !== '') rmSync(dir, { recursive: true, force: true }); });

/** No stack frames from the CLI or Node in what an expected error prints. */
function expectNoStack(r: Result): void {
  expect(r.stderr).not.toMatch(/^\s+at .*(node:|dist\/|\.ts:)/m);
  expect(r.stderr).not.toContain('internal error');
}

function expectInputError(r: Result, message: string | RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(typeof message === 'string' ? new RegExp(`^adjoint: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : message);
  expectNoStack(r);
}

function expectUsageError(r: Result, message: string, command?: string): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toContain(message);
  expect(lines.at(-1)).toBe(`Run 'adjoint ${command !== undefined ? `${command} ` : ''}--help' for usage.`);
  expectNoStack(r);
}

describe('--verbose', () => {
  test('prints each compile stage on stderr, leaving stdout as it was', () => {
    const quiet = adjoint(dir, 'eval', 'model.expr', 'x=1', 'y=2');
    const r = adjoint(dir, 'eval', 'model.expr', 'x=1', 'y=2', '-v');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(quiet.stdout);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[1])).toEqual(['trace', 'gradient', 'dce', 'schedule', 'codegen', 'build']);
    expect(lines[0]).toMatch(/^adjoint: trace\s+5 nodes\s+[\d.]+ ms$/);
    expect(lines[3]).toMatch(/^adjoint: schedule\s+\d+ instructions\s+[\d.]+ ms$/);
  });
});

describe('inspect', () => {
  test('prints the params, the IR, the counts and the generated JS', () => {
    const r = adjoint(dir, 'inspect', 'model.expr');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('params (2): x, y\nruntime inputs (0): (none)\n');
    expect(r.stdout).toContain([
      '== IR of the traced graph (5 nodes) ==',
      '%0 = input f64 0 "x"',
      '%1 = input f64 1 "y"',
      '%2 = mul f64 %0, %1',
      '%3 = sin f64 %2',
      '%4 = add f64 %2, %3',
      'return %4',
    ].join('\n'));
    expect(r.stdout).toMatch(/trace nodes: +5\ngradient graph nodes: +\d+\ninstructions: +\d+\nfunctions: +1\nloops: +0\n/);
    expect(r.stdout).toContain('== generated JavaScript ==\n// Adjoint JS backend: 2 param(s), 2 input(s)');
    expect(r.stdout).toContain('Math.sin(');
  });

  test('--target c shows the C file and --target wasm the WAT', () => {
    const c = adjoint(dir, 'inspect', 'model.expr', '--target', 'c', '--name', 'model_grad');
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('== generated C (compile --target c) ==');
    expect(c.stdout).toContain('double model_grad(const double *inputs, double *grad) {');
    const w = adjoint(dir, 'inspect', 'model.expr', '--target', 'wasm');
    expect(w.code).toBe(0);
    expect(w.stdout).toContain('== generated WebAssembly (WAT) ==');
    expect(w.stdout).toContain('(module');
  });

  test('--params splits params from runtime inputs; a multi-output IR says which output is f', () => {
    writeFileSync(join(dir, 'two.ir'), '%0 = input f64 0 "x"\n%1 = input f64 1 "w"\n%2 = mul f64 %0, %1\n%3 = exp f64 %0\nreturn %2, %3\n');
    const r = adjoint(dir, 'inspect', 'two.ir', '--params', '1');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('params (1): x\nruntime inputs (1): w\nnote: the IR has 2 outputs; f is the first, the others are ignored\n');
  });
});

describe('eval', () => {
  test('prints f and the gradient, as the in-process compilation computes them', () => {
    const r = adjoint(dir, 'eval', 'model.expr', 'x=1.5', 'y=-0.25');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const { output, params } = parseExpression(MODEL);
    const { value, gradient } = compileGradientFunction(output, params).valueAndGradient([1.5, -0.25]);
    expect(r.stdout).toBe(`at x = 1.5, y = -0.25\nf = ${value}\ndf/dx = ${gradient[0]}\ndf/dy = ${gradient[1]}\n`);
  });

  test('inputs not given take their defaults (0 for expressions)', () => {
    expect(adjoint(dir, 'eval', '-e', '(1 - x)^2 + 100*(y - x^2)^2', 'x=1').stdout).toBe('at x = 1, y = 0\nf = 100\ndf/dx = 400\ndf/dy = -200\n');
  });

  test('the wasm backend gives the same numbers', () => {
    const js = adjoint(dir, 'eval', 'model.expr', 'x=0.7', 'y=2');
    const wasm = adjoint(dir, 'eval', 'model.expr', 'x=0.7', 'y=2', '--target', 'wasm');
    expect(wasm.code).toBe(0);
    expect(wasm.stdout).toBe(js.stdout);
  });

  test('unknown names and bad numbers are usage errors', () => {
    expectUsageError(adjoint(dir, 'eval', 'model.expr', 'z=1'), "adjoint: no input named 'z'; the inputs are x, y", 'eval');
    expectUsageError(adjoint(dir, 'eval', 'model.expr', 'x=one'), 'x=one: the value must be a number', 'eval');
  });
});

describe('help and version', () => {
  test('--help shows every command with examples', () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = adjoint(dir, ...args);
      expect(r.code).toBe(0);
      for (const c of ['compile', 'inspect', 'eval']) expect(r.stdout).toMatch(new RegExp(`^  adjoint ${c} `, 'm'));
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain('Exit status: 0 ok; 1 ');
    }
  });

  test('each command has its own --help with its options and examples', () => {
    const r = adjoint(dir, 'compile', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: adjoint compile <file>');
    expect(r.stdout).toMatch(/-t, --target js\|c\|wasm/);
    expect(r.stdout).toMatch(/-o, --output FILE/);
    expect(r.stdout).toContain('adjoint compile model.expr --target c --name model_grad --header -o model_grad.c');
    expect(adjoint(dir, 'help', 'eval').stdout).toContain('adjoint eval model.expr x=1 y=2');
  });

  test('--version prints the package version', () => {
    const r = adjoint(dir, '--version');
    expect([r.code, r.stdout]).toEqual([0, '0.1.0\n']);
  });
});

describe('input errors: exit 1, file:line:col, no stack', () => {
  test('a missing file', () => {
    expectInputError(adjoint(dir, 'compile', 'nope.expr'), 'cannot read nope.expr: no such file or directory');
  });

  test('an expression parse error with its position and a caret', () => {
    const r = adjoint(dir, 'compile', 'bad.expr', '--target', 'c');
    expectInputError(r, "bad.expr:4:1: expected ')' to close '(' at 2:5, found 'v'");
    expect(r.stderr).toBe("adjoint: bad.expr:4:1: expected ')' to close '(' at 2:5, found 'v'\n  v\n  ^\n");
  });

  test('an inline expression error says <expr>', () => {
    expectInputError(adjoint(dir, 'eval', '-e', 'sine(x)'), "<expr>:1:1: unknown function 'sine' (did you mean sin?)");
  });

  test('an IR parse error names the file', () => {
    const r = adjoint(dir, 'inspect', 'bad.ir');
    expectInputError(r, 'bad.ir:2:18: %7 is not defined above this line');
    expect(r.stderr).toContain('\n  %1 = mul f64 %0, %7\n                   ^\n');
  });

  test('modules that throw or export no function', () => {
    const thrown = adjoint(dir, 'compile', 'throws.mjs');
    expectInputError(thrown, 'throws.mjs: the default export threw TypeError: no model here');
    expect(thrown.stderr).toMatch(/throws\.mjs:1:\d+\)/);   // where in the user's module
    expectInputError(adjoint(dir, 'compile', 'nodefault.mjs'), 'nodefault.mjs: the default export must be a function');
  });

  test('an unknown kind of file', () => {
    expectInputError(adjoint(dir, 'compile', 'model.txt'), "model.txt: unknown kind of file '.txt'; use .expr");
  });

  test('an unwritable output', () => {
    expectInputError(adjoint(dir, 'compile', 'model.expr', '-o', join(dir, 'no/such/dir/out.js')), /^adjoint: cannot write .*out\.js: no such file or directory\n$/);
  });
});

describe('usage errors: exit 2 and a hint', () => {
  test.each([
    [['compile', 'model.expr', '--fast'], "unknown option --fast for 'compile'; its options are --target, --output", 'compile'],
    [['compile', 'model.expr', '--target', 'python'], "--target must be 'js', 'c' or 'wasm', got 'python'", 'compile'],
    [['compile', 'model.expr', '--target'], '--target needs a value: --target js|c|wasm', 'compile'],
    [['compile'], 'missing the input file', 'compile'],
    [['compile', 'model.expr', 'other.expr'], 'one input file at a time', 'compile'],
    [['compile', 'model.expr', '-e', 'x'], 'give either a file or -e TEXT, not both', 'compile'],
    [['compile', 'model.expr', '--target', 'wasm'], 'a wasm module is binary; give -o FILE.wasm', 'compile'],
    [['compile', 'model.expr', '--precision', 'f32'], '--precision is for --target c and wasm', 'compile'],
    [['compile', 'model.expr', '--target', 'c', '--header'], '--header writes the header beside the -o file', 'compile'],
    [['compile', 'model.expr', '--target', 'c', '--name', 'my-fn'], '--name must be a C identifier', 'compile'],
    [['compile', 'model.expr', '--params', 'two'], "--params needs a count such as 2, got 'two'", 'compile'],
    [['compile', 'model.expr', '--params', '3'], '--params 3 is more than the 2 input(s) the function has', 'compile'],
    [['compile', 'model.expr', '-o', 'a.js', '-o', 'b.js'], '--output is given twice', 'compile'],
    [['inspect', 'model.expr', '--header'], "unknown option --header for 'inspect'", 'inspect'],
    [['frobnicate'], "unknown command 'frobnicate'; the commands are compile, inspect, eval", undefined],
    [[], 'missing a command', undefined],
    [['--frob'], 'unknown option --frob', 'adjoint'],
  ])('%j', (args, message, command) => {
    expectUsageError(adjoint(dir, ...args), message, command === 'adjoint' ? undefined : command);
  });
});
