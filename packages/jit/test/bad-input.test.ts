/**
 * Bad input, as DESIGN.md's "Bad input" section promises: every mistake fails with an
 * AdjointError whose `code` is stable and whose message names the problem and the fix.
 * Serialized text is checked before anything in it runs, and names never reach code.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  AdjointError, CompilableValue, compileGradientFunction, inspectGeneratedCode, loadCompiledFunction,
  serializeCompiledFunction,
} from '@adjoint/jit';
import { checksum, parseGraph } from '@adjoint/ir';

function bits(xs: ArrayLike<number>): string[] {
  return Array.from(xs, (v) => (Object.is(v, -0) ? '-0' : String(v)));
}

/** Run `f`, demand an AdjointError with `code`, and return its message for further checks. */
function failure(f: () => unknown, code: string): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AdjointError);
    expect((e as AdjointError).code).toBe(code);
    expect((e as Error).name).toBe('AdjointError');
    return (e as Error).message;
  }
  throw new Error(`expected an AdjointError with code "${code}", but nothing was thrown`);
}

function xy() {
  const x = new CompilableValue(1, 'x');
  const y = new CompilableValue(2, 'y');
  return { x, y, f: x.mul(x).add(y.sin()) };
}

describe('params', () => {
  test('a param without a name', () => {
    const { x, f } = xy();
    const c = new CompilableValue(2);
    const msg = failure(() => compileGradientFunction(f.mul(c), [x, c]), 'unnamed-param');
    expect(msg).toMatch(/param 1 has no name/);
    expect(msg).toMatch(/new CompilableValue\(2, "p1"\)/);   // the fix, ready to paste
  });

  test('two different params with the same name', () => {
    const { x, f } = xy();
    const other = new CompilableValue(3, 'x');
    const msg = failure(() => compileGradientFunction(f.mul(other), [x, other]), 'duplicate-name');
    expect(msg).toMatch(/"x"/);
    expect(msg).toMatch(/its own name/);
  });

  test('a runtime input that shares a param\'s name', () => {
    const { x, f } = xy();
    const clash = new CompilableValue(3, 'x');
    expect(failure(() => compileGradientFunction(f.mul(clash), [x]), 'duplicate-name')).toMatch(/"x"/);
  });

  test('the same param twice', () => {
    const { x, y, f } = xy();
    const msg = failure(() => compileGradientFunction(f, [x, y, x]), 'duplicate-param');
    expect(msg).toMatch(/"x" is listed twice/);
  });

  test('a param that is not a leaf', () => {
    const { x, f } = xy();
    const sum = x.add(1);
    const msg = failure(() => compileGradientFunction(f.mul(sum), [x, sum]), 'param-not-leaf');
    expect(msg).toMatch(/param 1 is the result of add/);
    expect(msg).toMatch(/new CompilableValue\(value, name\)/);
  });

  test('params or output of the wrong kind', () => {
    const { x, f } = xy();
    expect(failure(() => compileGradientFunction(f, x as unknown as CompilableValue[]), 'bad-params')).toMatch(/array of Values/);
    expect(failure(() => compileGradientFunction(f, [x, 3 as unknown as CompilableValue]), 'bad-param')).toMatch(/param 1 must be a Value, got number/);
    expect(failure(() => compileGradientFunction(3 as unknown as CompilableValue, [x]), 'bad-output')).toMatch(/output must be a Value/);
  });

  test('a param the output does not reach gets gradient 0 (documented), like backward()', () => {
    const { x, y, f } = xy();
    const unused = new CompilableValue(5, 'unused');
    const fn = compileGradientFunction(f, [x, unused, y]);
    const [dx, du, dy] = fn(1, 5, 2);
    f.backward();
    expect(du).toBe(0);   // toBe uses Object.is: +0, not -0
    expect(unused.grad).toBe(0);
    expect(bits([dx, dy])).toEqual(bits([x.grad, y.grad]));
  });
});

describe('arguments to the compiled function', () => {
  const { x, y, f } = xy();
  const fn = compileGradientFunction(f, [x, y]);
  const k = new CompilableValue(4, 'k');
  const withInput = compileGradientFunction(x.mul(k), [x]);   // one param, one runtime input

  test('too few and too many', () => {
    for (const args of [[], [1], [1, 2, 3]]) {
      const msg = failure(() => fn(...args), 'bad-arguments');
      expect(msg).toMatch(/expects 2 values/);
      expect(msg).toMatch(/"x", "y"/);
      expect(msg).toMatch(new RegExp(`got ${args.length}$`));
    }
    expect(failure(() => fn.gradient([1, 2, 3]), 'bad-arguments')).toMatch(/got 3/);
    expect(failure(() => fn.valueAndGradient([1]), 'bad-arguments')).toMatch(/got 1/);
  });

  test('with runtime inputs: the params alone, or params and inputs, nothing in between', () => {
    expect(withInput(2)).toEqual([4]);
    expect(withInput(2, 10)).toEqual([10]);
    const msg = failure(() => withInput(2, 10, 3), 'bad-arguments');
    expect(msg).toMatch(/"x"/);
    expect(msg).toMatch(/"k"/);   // says the runtime input may follow
  });

  test('non-numbers: string, undefined, null', () => {
    for (const [bad, word] of [['1', 'string'], [undefined, 'undefined'], [null, 'null']] as const) {
      const call = () => fn(1, bad as unknown as number);
      expect(failure(call, 'bad-arguments')).toMatch(new RegExp(`value 1 \\("y"\\) must be a number, got ${word}`));
      expect(failure(() => fn.gradient([bad as unknown as number, 2]), 'bad-arguments'))
        .toMatch(new RegExp(`value 0 \\("x"\\) must be a number, got ${word}`));
    }
  });

  test('.gradient() without an array', () => {
    for (const [bad, word] of [[undefined, 'undefined'], [null, 'null'], [7, 'number']] as const) {
      expect(failure(() => fn.gradient(bad as unknown as number[]), 'bad-arguments')).toMatch(new RegExp(`array of numbers, got ${word}`));
    }
  });

  test('a rejected call leaves nothing behind: later calls see the traced inputs', () => {
    // The bad value comes after a good runtime input (k = 3): the next params-only call
    // must use the traced k = 4 and m = 20, not the 3 of the call that was refused.
    const twoInputs = compileGradientFunction(x.mul(k).add(y.mul(new CompilableValue(20, 'm'))), [x, y]);
    failure(() => twoInputs(1, 1, 3, 'oops' as unknown as number), 'bad-arguments');
    expect(twoInputs(1, 1)).toEqual([4, 20]);
  });

  test('a bad out buffer', () => {
    const values = new Float64Array([1, 2]);
    for (const out of [new Float64Array(1), [0, 0], 'gg', null]) {
      const msg = failure(() => fn.gradient(values, out as unknown as Float64Array), 'bad-out');
      expect(msg).toMatch(/Float64Array of length 2 or more/);
      failure(() => fn.valueAndGradient(values, out as unknown as Float64Array), 'bad-out');
    }
    // A Float32Array is only for functions that compute in float32: this one is f64.
    const f32Out = failure(() => fn.gradient(values, new Float32Array(2)), 'bad-out');
    expect(f32Out).toMatch(/out is a Float32Array, but this function computes in f64; pass a Float64Array/);
    failure(() => fn.valueAndGradient(values, new Float32Array(2)), 'bad-out');
    // Longer is fine: the gradients go to the front.
    const long = new Float64Array(4).fill(9);
    expect(Array.from(fn.gradient(values, long))).toEqual([2, Math.cos(2), 9, 9]);
  });
});

describe('options', () => {
  const { x, y, f } = xy();
  test('unknown option', () => {
    const msg = failure(() => compileGradientFunction(f, [x, y], { backnd: 'js' } as never), 'bad-options');
    expect(msg).toMatch(/"backnd"/);
    expect(msg).toMatch(/backend/);   // lists the real ones
  });
  test('options that are not an object', () => {
    expect(failure(() => compileGradientFunction(f, [x, y], null as never), 'bad-options')).toMatch(/got null/);
    expect(failure(() => compileGradientFunction(f, [x, y], 'js' as never), 'bad-options')).toMatch(/got string/);
  });
  test('unknown backend', () => {
    const msg = failure(() => compileGradientFunction(f, [x, y], { backend: 'gpu' as never }), 'bad-options');
    expect(msg).toMatch(/"gpu"/);
    expect(msg).toMatch(/'js'/);
  });
  test('backend options are refused on the other backends, naming the backend they need', () => {
    const cases: [object, RegExp][] = [
      [{ precision: 'f32' }, /"precision" is for the 'c' and 'wasm' backends; add backend: 'c'/],
      [{ cc: 'gcc' }, /"cc" is for the 'c' backend/],
      [{ optLevel: 1 }, /"optLevel" is for the 'c' backend/],
      [{ backend: 'c', math: 'embedded' }, /"math" is for the 'wasm' backend; add backend: 'wasm'/],
    ];
    for (const [options, want] of cases) expect(failure(() => compileGradientFunction(f, [x, y], options as never), 'bad-options')).toMatch(want);
  });
  test('bad values of backend options', () => {
    expect(failure(() => compileGradientFunction(f, [x, y], { backend: 'c', precision: 'f16' as never }), 'bad-options')).toMatch(/'f64' or 'f32'/);
    expect(failure(() => compileGradientFunction(f, [x, y], { backend: 'c', optLevel: 4 as never }), 'bad-options')).toMatch(/0, 1, 2 or 3/);
    expect(failure(() => compileGradientFunction(f, [x, y], { backend: 'c', cc: '' }), 'bad-options')).toMatch(/compiler command/);
  });
  test('a C compiler that does not exist is named, with what to install', () => {
    const msg = failure(() => compileGradientFunction(f, [x, y], { backend: 'c', cc: 'no-such-cc-adjoint' }), 'no-c-compiler');
    expect(msg).toMatch(/no-such-cc-adjoint/);
    expect(msg).toMatch(/apt-get install gcc/);
  });
  test('serializing a native function says what to use instead', () => {
    const fn = compileGradientFunction(f, [x, y], { backend: 'c' });
    expect(failure(() => serializeCompiledFunction(fn), 'bad-arguments')).toMatch(/compileToC/);
  });
  test('bad chunkSize', () => {
    for (const chunkSize of [0, -1, 1.5, NaN]) {
      expect(failure(() => compileGradientFunction(f, [x, y], { chunkSize }), 'bad-options')).toMatch(/positive integer/);
    }
  });
  test('bad reroll', () => {
    const bad = (reroll: unknown): string => failure(() => compileGradientFunction(f, [x, y], { reroll: reroll as never }), 'bad-options');
    expect(bad('yes')).toMatch(/reroll must be true, false, 'auto' or \{ minTrips, minCover, nest \}, got "yes"/);
    expect(bad({ minTrip: 2 })).toMatch(/unknown reroll option "minTrip"; the options are minTrips, minCover, nest/);
    expect(bad({ minTrips: 1 })).toMatch(/reroll.minTrips must be an integer >= 2, got 1/);
    expect(bad({ minCover: 2.5 })).toMatch(/reroll.minCover must be an integer >= 1, got 2.5/);
    expect(bad({ nest: 'no' })).toMatch(/reroll.nest must be true or false, got no/);
  });
});

describe('malformed IR text (parseGraph)', () => {
  /** Parse `lines`, expect an ir-parse error at the line and column where `needle` starts. */
  function expectAt(lines: string[], lineNo: number, needle: string, what: RegExp): void {
    const msg = failure(() => parseGraph(lines.join('\n')), 'ir-parse');
    const col = lines[lineNo - 1].indexOf(needle) + 1;
    expect(msg).toMatch(new RegExp(`^ir:${lineNo}:${col}: `));
    expect(msg).toMatch(what);
    expect(msg).toContain(lines[lineNo - 1]);   // shows the line it means
  }
  const x = '%0 = input f64 0 "x"';
  test('an undefined label', () => expectAt([x, '%1 = mul f64 %0, %9', 'return %1'], 2, '%9', /%9 is not defined/));
  test('an unknown op', () => expectAt([x, '%1 = mull f64 %0, %0', 'return %1'], 2, 'mull', /unknown op "mull"/));
  test('an unknown type', () => expectAt([x, '%1 = mul f65 %0, %0', 'return %1'], 2, 'f65', /f64, f32 or bool/));
  test('a bad constant', () => expectAt(['%0 = const f64 abc', 'return %0'], 1, 'abc', /expected a number/));
  test('a label defined twice', () => expectAt([x, '%0 = neg f64 %0', 'return %0'], 2, '%0 =', /defined twice/));
  test('no return line', () => {
    expect(failure(() => parseGraph(`${x}\n%1 = neg f64 %0`), 'ir-parse')).toMatch(/^ir:2:1: missing the final "return/);
  });
});

describe('serialized code: checked before anything runs', () => {
  const { x, y, f } = xy();
  const good = serializeCompiledFunction(compileGradientFunction(f, [x, y]));
  const [header, sumLine, metaLine, ...rest] = good.split('\n');
  const body = [metaLine, ...rest].join('\n');
  /** Reassemble with a freshly computed checksum, to reach the checks behind it. */
  const resigned = (newBody: string) => `${header}\n// checksum ${checksum(newBody)}\n${newBody}`;

  afterEach(() => { delete (globalThis as Record<string, unknown>).__adjointTampered; });

  test('the untouched text loads', () => {
    expect(loadCompiledFunction(good)(1, 2)).toEqual([2, Math.cos(2)]);
    expect(loadCompiledFunction(resigned(body))(1, 2)).toEqual([2, Math.cos(2)]);
  });

  test('a changed header', () => {
    const msg = failure(() => loadCompiledFunction(good.replace('v1', 'v2')), 'bad-serialized');
    expect(msg).toMatch(/first line/);
    expect(msg).toMatch(/serializeCompiledFunction/);
  });

  test('a changed checksum', () => {
    const digit = sumLine.at(-1) === '0' ? '1' : '0';
    const tampered = good.replace(sumLine, sumLine.slice(0, -1) + digit);
    expect(failure(() => loadCompiledFunction(tampered), 'bad-serialized')).toMatch(/checksum does not match/);
    expect(failure(() => loadCompiledFunction(good.replace(sumLine, '// checksum nope')), 'bad-serialized')).toMatch(/checksum/);
  });

  test('an edited body is rejected and never runs', () => {
    const edited = good.replace('"use strict";', '"use strict"; globalThis.__adjointTampered = 1;');
    expect(edited).not.toBe(good);
    expect(failure(() => loadCompiledFunction(edited), 'bad-serialized')).toMatch(/checksum does not match/);
    expect((globalThis as Record<string, unknown>).__adjointTampered).toBeUndefined();
    // A one-character edit of the arithmetic is caught too.
    const flipped = good.replace(' * ', ' + ');
    expect(flipped).not.toBe(good);
    failure(() => loadCompiledFunction(flipped), 'bad-serialized');
  });

  test('broken or incomplete meta JSON, even with a valid checksum', () => {
    expect(failure(() => loadCompiledFunction(resigned(body.replace('// meta {', '// meta {{'))), 'bad-serialized')).toMatch(/not valid JSON/);
    expect(failure(() => loadCompiledFunction(resigned(body.replace('"nParams":2', '"nParams":3'))), 'bad-serialized')).toMatch(/missing fields/);
    expect(failure(() => loadCompiledFunction(resigned(body.replace('"nSpill":', '"nSpill":-1,"x":'))), 'bad-serialized')).toMatch(/missing fields/);
    expect(failure(() => loadCompiledFunction(resigned(body.replace('// meta', '// mota'))), 'bad-serialized')).toMatch(/meta/);
  });

  test('empty, truncated and non-string input', () => {
    expect(failure(() => loadCompiledFunction(''), 'bad-serialized')).toMatch(/first line/);
    failure(() => loadCompiledFunction(header), 'bad-serialized');
    failure(() => loadCompiledFunction(`${header}\n${sumLine}`), 'bad-serialized');
    failure(() => loadCompiledFunction(good.slice(0, good.length / 2)), 'bad-serialized');
    for (const [bad, word] of [[42, 'number'], [undefined, 'undefined'], [null, 'object'], [{}, 'object']] as const) {
      const msg = failure(() => loadCompiledFunction(bad as unknown as string), 'bad-serialized');
      expect(msg).toMatch(/needs the string from serializeCompiledFunction/);
      expect(msg).toMatch(new RegExp(`got ${word}`));
    }
  });

  test('inspect and serialize need a compiled function', () => {
    const plain = (() => [0]) as never;
    expect(failure(() => inspectGeneratedCode(plain), 'not-compiled')).toMatch(/compileGradientFunction/);
    expect(failure(() => serializeCompiledFunction(plain), 'not-compiled')).toMatch(/compileGradientFunction/);
  });
});

describe('names crafted to inject code', () => {
  const names = [
    'x); globalThis.pwned=1; //',
    'a\nglobalThis.pwned=1;//',
    'b\r\nglobalThis.pwned=1;//',
    '\u2028globalThis.pwned=1;//',
    '\u2029globalThis.pwned=1;//',
    '*/ globalThis.pwned=1; /*',
    '`${globalThis.pwned=1}`',
    '${globalThis.pwned=1}',
    '"]}; globalThis.pwned=1; //',
    '\\',
    '</script><script>globalThis.pwned=1</script>',
  ];
  const pwned = () => (globalThis as Record<string, unknown>).pwned;
  afterEach(() => { delete (globalThis as Record<string, unknown>).pwned; });

  /** f = sum of (k+1) * sin(p_k) * p_k, and its gradient through backward(). */
  function build(values: number[]) {
    const ps = names.map((n, k) => new CompilableValue(values[k], n));
    const f = CompilableValue.sum(ps.map((p, k) => p.sin().mul(p).mul(k + 1)));
    return { ps, f };
  }
  const values = names.map((_, k) => 0.3 * k - 1);
  const expected = (() => { const { ps, f } = build(values); f.backward(); return ps.map((p) => p.grad); })();
  const compiled = () => { const { ps, f } = build(values.map(() => 0)); return compileGradientFunction(f, ps); };

  test('compiles to a harmless function with correct gradients', () => {
    const fn = compiled();
    expect(fn.paramNames).toEqual(names);
    expect(bits(fn(...values))).toEqual(bits(expected));
    expect(pwned()).toBeUndefined();
  });

  test('inspectGeneratedCode: names stay inside comments, and the text runs harmlessly', () => {
    const code = inspectGeneratedCode(compiled());
    // Split on every JS line terminator: a name must not escape its `//` comment.
    for (const line of code.split(/\r\n|[\n\r\u2028\u2029]/)) {
      if (line.includes('pwned')) expect(line.startsWith('//')).toBe(true);
    }
    // The whole listing is a factory body: run it and check it still computes the gradient.
    const run = new Function('t', code)(new Float64Array(4096)) as (x: Float64Array, g: Float64Array) => number;
    const g = new Float64Array(names.length);
    run(Float64Array.from(values), g);
    expect(bits(g)).toEqual(bits(expected));
    expect(pwned()).toBeUndefined();
  });

  test('serialize -> load keeps names and gradients, and runs nothing', () => {
    const loaded = loadCompiledFunction(serializeCompiledFunction(compiled()));
    expect(loaded.paramNames).toEqual(names);
    expect(bits(loaded(...values))).toEqual(bits(expected));
    expect(pwned()).toBeUndefined();
  });

  test('the serialized file, loaded as a CommonJS module, runs nothing either', () => {
    // The seed saves the text as gradient-function.js; someone will require() it.
    const dir = mkdtempSync(join(tmpdir(), 'adjoint-inject-'));
    try {
      const file = join(dir, 'gradient-function.cjs');
      writeFileSync(file, serializeCompiledFunction(compiled()));
      try { createRequire(file)(file); } catch { /* a syntax error is fine; running a name is not */ }
      expect(pwned()).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a 10^6-deep chain', () => {
  test('backward() does not overflow the stack; the compiled gradient matches it', () => {
    const n = 1_000_000;
    const c = 0.9999999;
    const x = new CompilableValue(0.5, 'x');
    let v = x;
    for (let i = 0; i < n; i++) v = i % 2 === 0 ? v.add(1e-3) : v.mul(c);
    v.backward();
    // d/dx is c multiplied in n/2 times: close to c^(n/2), exactly backward()'s product.
    expect(x.grad).toBeCloseTo(Math.pow(c, n / 2), 9);
    const fn = compileGradientFunction(v, [x], { cache: false });
    const [dx] = fn(0.5);
    expect(Object.is(dx, x.grad)).toBe(true);
    const { value } = fn.valueAndGradient([0.5]);
    expect(value).toBe(v.data);
  }, 60_000);
});
