/**
 * The module's ABI and the package's edges: exports, imports and memory as documented, the
 * loaders, bad input, JS semantics of every op at special values (-0, NaN, infinities, ties),
 * leaves as outputs, and the unoptimized path for big functions.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import {
  AdjointError, gradientGraph, interpret, parseGraph, scheduleGraph, toFloat32, type Graph, type Schedule,
} from '@adjoint/ir';
import {
  generateWasm, instantiateKernel, instantiateKernelAsync, loadBinaryen, optimizeLevels, watText, OPTIMIZE_BUDGET,
  OPTIMIZE_MAX_SIZE, type Binaryen,
} from '@adjoint/backend-wasm';
import { embeddedLibm } from '../src/embedded-libm.js';
import { check, compile, loadWabt, mismatches, validate } from './helpers.js';

let binaryen: Binaryen;
beforeAll(async () => {
  binaryen = await loadBinaryen();
  await loadWabt();
});

/** Every op that has a corner in JS semantics, as outputs of one graph (not a gradient). */
const corners = parseGraph(`
%x = input f64 0 "x"
%y = input f64 1 "y"
%z = const f64 0
%nz = const f64 -0
%sg = sign f64 %x
%re = relu f64 %x
%mn = min f64 %x, %y
%mx = max f64 %x, %y
%fl = floor f64 %x
%ce = ceil f64 %x
%ab = abs f64 %x
%ng = neg f64 %x
%sq = sqrt f64 %x
%si = sigmoid f64 %x
%sp = softplus f64 %x
%lt = lt bool %x, %y
%le = le bool %x, %y
%eq = eq bool %x, %y
%ne = ne bool %x, %y
%s1 = select f64 %lt, %x, %y
%s2 = select f64 %le, %nz, %z
%s3 = select f64 %eq, %x, %nz
%s4 = select f64 %ne, %y, %z
%pw = pow f64 %x, %y
%at = atan2 f64 %x, %y
%dv = div f64 %x, %y
%ad = add f64 %x, %nz
%f = add f64 %sg, %re
return %f, %sg, %re, %mn, %mx, %fl, %ce, %ab, %ng, %sq, %si, %sp, %s1, %s2, %s3, %s4, %pw, %at, %dv, %ad, %x, %z
`);

const SPECIAL = [0, -0, 1, -1, 0.5, -0.5, 2.5, -2.5, NaN, Infinity, -Infinity, 5e-324, -5e-324, 1e308, 800, -800, 40, -40];
const cornerPoints = SPECIAL.flatMap((x) => [[x, 0], [x, -0], [x, x], [x, NaN], [x, 1.5], [x, -Infinity]]);

describe('the op table follows JS semantics exactly', () => {
  test.each([{}, { chunkSize: 1 }])('at -0, NaN, infinities, ties and huge arguments (%j), f64 and f32', (schedule) => {
    expect(check(binaryen, 'corners', corners, cornerPoints, schedule)).toEqual([]);
    expect(check(binaryen, 'corners', corners, cornerPoints, schedule, { precision: 'f32' })).toEqual([]);
  });

  test('an f32 graph compiles in f32 and matches the interpreter on it', () => {
    const g32 = toFloat32(corners);
    expect(check(binaryen, 'f32 graph', g32, cornerPoints, {}, { precision: 'f32' })).toEqual([]);
    expect(() => generateWasm(binaryen, scheduleGraph(g32), {})).toThrow(/precision: 'f32'/);
  });

  test('f32 mode really computes in f32', () => {
    const c = compile(binaryen, corners, {}, { precision: 'f32' });
    expect(c.run([0.1, 0.2]).g[6]).toBe(Math.fround(0.1));   // abs(x), rounded to float on the way in
  });
});

describe('module ABI', () => {
  const grad = gradientGraph(parseGraph(`
%a = input f64 0 "a"
%b = input f64 1 "b"
%d = input f64 2 "data"
%m = mul f64 %a, %d
%s = sin f64 %m
%f = atan2 f64 %s, %b
return %f`), { params: [0, 1] });

  test('exports memory, run and the input/grad offsets; imports only the Math functions it calls', () => {
    const program = generateWasm(binaryen, scheduleGraph(grad));
    validate(program.bytes);
    const wat = watText(binaryen, program.bytes);
    const imports = [...wat.matchAll(/\(import "Math" "(\w+)"/g)].map((m) => m[1]).sort();
    expect(imports).toEqual(['atan2', 'cos', 'sin']);
    expect(wat).toMatch(/\(export "memory" \(memory/);
    expect(wat).toMatch(/\(export "run" \(func/);
    expect(wat).toMatch(/\(export "input" \(global/);
    expect(wat).toMatch(/\(export "grad" \(global/);
    const memory = /\(memory \$\w+ (\d+) (\d+)\)/.exec(wat);
    expect(memory?.[1]).toBe(memory?.[2]);   // initial = maximum: it never grows
    expect(program.memoryBytes).toBe(Number(memory?.[1]) * 65536);
    expect(program).toMatchObject({ nInputs: 3, nParams: 2, precision: 'f64', math: 'import', functions: 2 });
    expect(wat).toContain(`(global $global$0 i32 (i32.const ${program.inputOffset}))`);
    expect(wat).toContain(`(global $global$1 i32 (i32.const ${program.gradOffset}))`);
  });

  test('the sync and async loaders give the interpreter\'s bits; the kernel checks its arrays', async () => {
    const program = generateWasm(binaryen, scheduleGraph(grad));
    const point = [0.3, -1.25, 2];
    const want = interpret(grad, point);
    for (const kernel of [instantiateKernel(program.bytes, program), await instantiateKernelAsync(program.bytes, program)]) {
      const g = new Float64Array(2);
      expect(mismatches('kernel', want, kernel(Float64Array.from(point), g), g)).toEqual([]);
      expect(() => kernel(new Float64Array(2), g)).toThrow(AdjointError);
      expect(() => kernel(Float64Array.from(point), new Float64Array(1))).toThrow(/room for 2 values/);
    }
  });

  test('a loader can be given other math functions', () => {
    const program = generateWasm(binaryen, scheduleGraph(grad));
    const kernel = instantiateKernel(program.bytes, program, { ...mathObject(), sin: () => 0.5 });
    const want = interpret(grad, [0.3, -1.25, 2], { sin: () => 0.5 });
    const g = new Float64Array(2);
    expect(mismatches('overridden sin', want, kernel(Float64Array.of(0.3, -1.25, 2), g), g)).toEqual([]);
  });

  test('outputs that are leaves: f an input, gradients constant or an input', () => {
    const g = parseGraph('%x = input f64 0 "x"\n%y = input f64 1 "y"\n%c = const f64 -0\nreturn %x, %c, %y');
    expect(check(binaryen, 'leaves', g, [[1.5, -2], [-0, NaN]], {})).toEqual([]);
    const k = parseGraph('%x = input f64 0 "x"\n%c = const f64 2.5\nreturn %c, %x');
    expect(check(binaryen, 'const f', k, [[3]], {}, { precision: 'f32' })).toEqual([]);
  });

  test('input names never reach the module', () => {
    const g = parseGraph('%0 = input f64 0 "x); globalThis.pwned = 1; //"\n%1 = exp f64 %0\nreturn %1');
    const program = generateWasm(binaryen, scheduleGraph(gradientGraph(g, { params: [0] })));
    expect(Buffer.from(program.bytes).includes('pwned')).toBe(false);
  });
});

describe('optimization by function size', () => {
  test('small functions get -O2, smallest first within the module budget; big ones none', () => {
    expect(optimizeLevels([10, OPTIMIZE_MAX_SIZE + 1, 5])).toEqual([2, 0, 2]);
    const many = Array.from({ length: 20 }, () => OPTIMIZE_MAX_SIZE);
    expect(optimizeLevels(many).filter((l) => l === 2).length).toBe(Math.floor(OPTIMIZE_BUDGET / OPTIMIZE_MAX_SIZE));
  });

  test('a big unoptimized function gives the interpreter\'s bits', () => {
    const n = 300;
    const lines = Array.from({ length: n }, (_, i) => `%x${i} = input f64 ${i} "x${i}"`);
    let acc = '%x0';
    for (let i = 0; i + 1 < n; i++) {
      lines.push(`%d${i} = mul f64 %x${i}, %x${i}`, `%e${i} = sub f64 %x${i + 1}, %d${i}`, `%h${i} = tanh f64 %e${i}`, `%s${i} = add f64 ${acc}, %h${i}`);
      acc = `%s${i}`;
    }
    const grad = gradientGraph(parseGraph(`${lines.join('\n')}\nreturn ${acc}`), { params: Array.from({ length: n }, (_, i) => i) });
    const schedule = { reroll: false, chunkSize: 1e6 } as const;
    expect(scheduleGraph(grad, schedule).units.map((u) => (u.kind === 'straight' ? u.end - u.start : 0))[0]).toBeGreaterThan(OPTIMIZE_MAX_SIZE);
    const point = Array.from({ length: n }, (_, i) => Math.sin(i));
    expect(check(binaryen, 'big', grad, [point], schedule)).toEqual([]);
  });
});

describe('engine limits', () => {
  test('a unit reading more inputs than it may have locals loads the rest where used', () => {
    const n = 5000;
    const lines = Array.from({ length: n }, (_, i) => `%x${i} = input f64 ${i} "x${i}"\n%q${i} = mul f64 %x${i}, %x${i}`);
    let acc = '%q0';
    for (let i = 1; i < n; i++) { lines.push(`%s${i} = add f64 ${acc}, %q${i}`); acc = `%s${i}`; }
    const grad = gradientGraph(parseGraph(`${lines.join('\n')}\nreturn ${acc}`), { params: Array.from({ length: n }, (_, i) => i) });
    const point = Array.from({ length: n }, (_, i) => Math.cos(i));
    expect(check(binaryen, 'many inputs', grad, [point], { reroll: false, chunkSize: 1e6 })).toEqual([]);
  });

  test('a unit needing more than 50,000 locals is refused with the fix', () => {
    const s = scheduleGraph(parseGraph('%x = input f64 0 "x"\n%y = exp f64 %x\nreturn %y'));
    const unit = s.units[0];
    if (unit.kind !== 'straight') throw new Error('expected a straight unit');
    expect(() => generateWasm(binaryen, { ...s, units: [{ ...unit, fregs: 60_000 }] })).toThrow(/smaller chunkSize/);
  });
});

describe('bad input', () => {
  const s = scheduleGraph(gradientGraph(parseGraph('%x = input f64 0 "x"\n%y = exp f64 %x\nreturn %y'), { params: [0] }));
  const code = (f: () => unknown): string | undefined => {
    try { f(); } catch (e) { return e instanceof AdjointError ? e.code : `not an AdjointError: ${String(e)}`; }
    return undefined;
  };

  test('unknown or malformed options name the options', () => {
    expect(() => generateWasm(binaryen, s, { fast: true } as never)).toThrow(/unknown wasm option "fast"; the options are math, precision/);
    expect(() => generateWasm(binaryen, s, { math: 'libm' } as never)).toThrow(/math must be 'import' or 'embedded'/);
    expect(() => generateWasm(binaryen, s, { precision: 'f16' } as never)).toThrow(/precision must be 'f64' or 'f32'/);
    expect(code(() => generateWasm(binaryen, s, null as never))).toBe('bad-options');
  });

  test('a graph without outputs, and memory past 2 GiB', () => {
    const empty: Graph = { ...s.graph, outputs: new Int32Array(0) };
    expect(code(() => generateWasm(binaryen, { ...s, graph: empty }))).toBe('no-outputs');
    const huge: Schedule = { ...s, nSpill: 2 ** 29 };
    expect(() => generateWasm(binaryen, huge)).toThrow(/more than the 2 GiB/);
  });

  test(embeddedLibm === null ? 'math: embedded says it is not there yet' : 'math: embedded needs no imports', () => {
    if (embeddedLibm === null) {
      expect(code(() => generateWasm(binaryen, s, { math: 'embedded' }))).toBe('not-yet');
      return;
    }
    const program = generateWasm(binaryen, s, { math: 'embedded' });
    validate(program.bytes);
    expect(watText(binaryen, program.bytes)).not.toContain('(import');
    const g = new Float64Array(1);
    expect(instantiateKernel(program.bytes, program)(Float64Array.of(0.5), g)).toBeCloseTo(Math.exp(0.5), 14);
  });
});

function mathObject(): Record<string, (...args: number[]) => number> {
  const out: Record<string, (...args: number[]) => number> = {};
  for (const k of Object.getOwnPropertyNames(Math)) {
    const v = (Math as unknown as Record<string, unknown>)[k];
    if (typeof v === 'function') out[k] = v as (...args: number[]) => number;
  }
  return out;
}
