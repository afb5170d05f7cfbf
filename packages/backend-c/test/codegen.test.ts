/**
 * The generated C as a file people compile themselves: warning-free strict C99 under every
 * compiler we support (and the ARM ones), the ABI in the header, the stack and workspace
 * entry points, exact constants, harmless names, and the ARM build run under qemu.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, test } from 'vitest';
import { corpus, makeLeaves, nestedCase, prepare, randomCase, type Case } from '@adjoint/conformance';
import { AdjointError, interpret } from '@adjoint/ir';
import { Value, compileToC, type CSourceOptions } from '@adjoint/jit';
import { STRICT_C99_FLAGS, buildExecutable, cLiteral, cType, checkCompiles, findCompiler } from '@adjoint/backend-c';

/** Whether a command is installed; a test that needs a missing one says so in the output. */
function has(cmd: string): boolean {
  try { findCompiler(cmd); return true; } catch { return false; }
}
const hasCmd = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
function needs(cmds: readonly string[]): boolean {
  const missing = cmds.filter((c) => !(has(c) || hasCmd(c)));
  if (missing.length > 0) console.info(`skipped: ${missing.join(', ')} not installed (./dev setup installs them as root)`);
  return missing.length > 0;
}

function cOf(c: Case, options: CSourceOptions = {}): string {
  const { xs, params, inputs } = makeLeaves(c, c.points[0]);
  return compileToC(c.build(xs), params, { ...options, inputs, header: false });
}

const byName = (name: string): Case => corpus.find((c) => c.name === name) ?? (() => { throw new Error(`no corpus case ${name}`); })();
// Every op at least once (the op cases), loops and nested loops, and f32.
const SOURCES: [string, string][] = [
  ...corpus.slice(0, 40).map((c): [string, string] => [c.name, cOf(c)]),
  ['random 7, rerolled', cOf(randomCase(7), { reroll: { minTrips: 2, minCover: 1 }, chunkSize: 9 })],
  ['nested 3', cOf(nestedCase(3), { reroll: { minTrips: 2, minCover: 1 } })],
  ['random 11, f32', cOf(randomCase(11), { precision: 'f32' })],
  ['nested 5, f32 rerolled', cOf(nestedCase(5), { precision: 'f32', reroll: { minTrips: 2, minCover: 1 } })],
];

describe('warning-free under -std=c99 -Wall -Wextra -Werror -pedantic', () => {
  const compilers: [string, string[]][] = [
    ['gcc', []], ['clang', []], ['tcc', []], ['arm-linux-gnueabihf-gcc', []],
    ['arm-none-eabi-gcc', ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16']],
  ];
  test.each(compilers)('%s', (cc, extraArgs) => {
    if (needs([cc])) return;
    // One translation unit per source; together they cover every op and the loop forms.
    const failures = SOURCES.flatMap(([name, source]) => {
      const r = checkCompiles(source, { cc, flags: STRICT_C99_FLAGS, extraArgs });
      return r.ok ? [] : [`${name}: ${r.diagnostics.split('\n').slice(0, 4).join(' | ')}`];
    });
    expect(failures).toEqual([]);
  });
});

/** Bits of doubles printed by C, as JS numbers. */
function readBits(out: string): number[] {
  const view = new DataView(new ArrayBuffer(8));
  return out.trim().split(/\s+/).map((h) => { view.setBigUint64(0, BigInt(`0x${h}`)); return view.getFloat64(0); });
}

/** A main() that calls `call` on the point and prints f and the gradient as 64-bit patterns. */
function driver(point: readonly number[], nParams: number, call: string, T = 'double'): string {
  const lits = point.map((x) => cLiteral(T === 'float' ? Math.fround(x) : x, cType(T === 'float' ? 'f32' : 'f64', ''))).join(', ');
  return `
#include <stdio.h>
#include <string.h>
static void put(double d) { unsigned long long u; memcpy(&u, &d, sizeof u); printf("%016llx\\n", u); }
int main(void) {
  const ${T} x[${Math.max(1, point.length)}] = { ${lits || '0'} };
  ${T} g[${Math.max(1, nParams)}];
  put((double)${call});
  for (int k = 0; k < ${nParams}; k++) put((double)g[k]);
  return 0;
}
`;
}

/** Run an executable from buildExecutable once, then remove its temporary directory. */
function runExe(path: string, qemu = false): string {
  try {
    const r = spawnSync(qemu ? 'qemu-arm' : path, qemu ? [path] : [], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${path} failed: ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(dirname(path), { recursive: true, force: true });
  }
}

describe('the ABI', () => {
  const x = new Value(1.5, 'x');
  const y = new Value(-0.25, 'y');
  const w = new Value(3, 'w');   // a runtime input, not a param
  const f = x.mul(x).mul(y).add(y.div(x)).mul(w).add(x.max(y));
  const want = interpret(prepare({ name: 'abi', nInputs: 3, nParams: 2, points: [[1.5, -0.25, 3]], build: ([a, b, c]) => a.mul(a).mul(b).add(b.div(a)).mul(c).add(a.max(b)) } as Case).gradient, [1.5, -0.25, 3]);

  test('the header declares what the source defines; NAME and NAME_ws agree with the interpreter bit for bit', () => {
    const { source, header } = compileToC(f, [x, y], { name: 'arm_grad', header: true });
    expect(header).toMatch(/#define arm_grad_N_INPUTS 3/);
    expect(header).toMatch(/#define arm_grad_N_PARAMS 2/);
    expect(header).toMatch(/double arm_grad\(const double \*inputs, double \*grad\);/);
    expect(header).toMatch(/double arm_grad_ws\(const double \*inputs, double \*grad, double \*workspace\);/);
    const main = `#include "arm_grad.h"\n${driver([1.5, -0.25, 3], 2, 'arm_grad(x, g)')}`;
    const stack = buildExecutable(`${source}\n${main}`, { files: { 'arm_grad.h': header } });
    expect(readBits(runExe(stack.path))).toEqual(Array.from(want));
    const ws = driver([1.5, -0.25, 3], 2, 'arm_grad_ws(x, g, workspace)').replace('int main(void) {', 'int main(void) {\n  double workspace[arm_grad_WORKSPACE_SIZE];');
    const viaWs = buildExecutable(`${source}\n#include "arm_grad.h"\n${ws}`, { files: { 'arm_grad.h': header } });
    expect(readBits(runExe(viaWs.path))).toEqual(Array.from(want));
  });

  test('a workspace too big for maxStackBytes leaves only NAME_ws, and the header says so', () => {
    const { source, header } = compileToC(f, [x, y], { header: true, maxStackBytes: 0 });
    expect(source).not.toMatch(/^double adjoint_grad\(/m);
    expect(source).toMatch(/^double adjoint_grad_ws\(/m);
    expect(header).toMatch(/no adjoint_grad\(inputs, grad\)/);
    expect(header).not.toMatch(/^double adjoint_grad\(/m);
  });

  test('f32 keeps the API in float, with sinf-style calls and f literals', () => {
    const s = compileToC(x.sin().mul(1.1).add(y.exp()), [x, y], { precision: 'f32' });
    expect(s).toMatch(/float adjoint_grad\(const float \*inputs, float \*grad\)/);
    expect(s).toMatch(/sinf\(/);
    expect(s).toMatch(/expf\(/);
    expect(s).toMatch(/0x1\.19999ap\+0f/);   // 1.1 rounded to float, exactly
    expect(s).not.toMatch(/\bdouble\b(?! workspace)/);
  });

  test('bad options are refused with the fix', () => {
    const err = (options: object): string => {
      try { compileToC(f, [x, y], options as CSourceOptions & { header?: false }); } catch (e) { expect(e).toBeInstanceOf(AdjointError); return (e as Error).message; }
      throw new Error('no error');
    };
    for (const name of ['2fast', 'int', 'a-b', '', 'x'.repeat(64), 7]) expect(err({ name })).toMatch(/C identifier/);
    expect(err({ precision: 'f16' })).toMatch(/'f64' or 'f32'/);
    expect(err({ maxStackBytes: -1 })).toMatch(/non-negative integer/);
    expect(err({ header: 'yes' })).toMatch(/true or false/);
    expect(err({ cc: 'gcc' })).toMatch(/unknown option "cc" for compileToC/);
  });
});

describe('user strings never reach the code', () => {
  test('hostile param names become escaped comment text and the file still compiles warning-free', () => {
    const names = ['x); system("rm -rf /"); /*', '*/ #include <stdio.h> /*', 'a??/\nb', 'ünï\u2028cødé', '\\'];
    const vs = names.map((n, k) => new Value(k + 1, n));
    const f = vs.reduce((acc, v) => acc.add(v.mul(v)), new Value(0));
    const s = compileToC(f, vs);
    for (const n of names.filter((m) => m.length > 1)) expect(s.includes(n)).toBe(false);
    expect(s).not.toMatch(/\?\?/);
    expect(checkCompiles(s).ok).toBe(true);
  });
});

test('literals are exact: every double round-trips through gcc and tcc', () => {
  const view = new DataView(new ArrayBuffer(8));
  const values = [0, -0, 1, -1, 0.1, 1 / 3, Math.PI, 1e300, -1e-300, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308,
    Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 2 ** 53 + 2, -(2 ** 60), 123456789.125, Infinity, -Infinity];
  for (let k = 0; k < 200; k++) { view.setUint32(0, (k * 2654435761) >>> 0); view.setUint32(4, (k * 40503 + 12345) >>> 0); const v = view.getFloat64(0); if (Number.isFinite(v)) values.push(v); }
  const t = cType('f64', '');
  const src = `#include <math.h>\n#include <stdio.h>\n#include <string.h>\nstatic const double v[] = {${values.map((v) => cLiteral(v, t)).join(', ')}};\nint main(void) { for (unsigned k = 0; k < sizeof v / sizeof v[0]; k++) { unsigned long long u; memcpy(&u, &v[k], 8); printf("%016llx\\n", u); } return 0; }\n`;
  for (const cc of ['gcc', 'tcc']) {
    if (needs([cc])) continue;
    const exe = buildExecutable(src, { cc, flags: ['-std=c99'] });
    expect(readBits(runExe(exe.path)).map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(values.map((v) => (Object.is(v, -0) ? '-0' : String(v))));
  }
});

describe('ARM: cross-compiled and run under qemu-arm', () => {
  const skip = needs(['arm-linux-gnueabihf-gcc', 'qemu-arm']);
  // Exact ops only (+ - * / sqrt, min, max, abs, select, floor): bit for bit with the interpreter.
  const exact: Case = {
    name: 'exact ops', nInputs: 4, nParams: 3, points: [[0.7, -1.3, 2.5, 0.25]],
    build: ([a, b, c, d]) => {
      let acc = new Value(0);
      for (let i = 0; i < 12; i++) {
        const t = a.mul(i).sub(b).div(c.add(i)).add(d);
        acc = acc.add(t.mul(t).add(t.abs().sqrt()).add(t.max(b)).sub(t.min(a).floor()));
      }
      return acc;
    },
  } as Case;
  test.skipIf(skip)('loops and straight code, f64, bit for bit', () => {
    for (const reroll of [false, { minTrips: 2, minCover: 1 }] as const) {
      const src = cOf(exact, { reroll });
      const exe = buildExecutable(`${src}\n${driver(exact.points[0], 3, 'adjoint_grad(x, g)')}`, { cc: 'arm-linux-gnueabihf-gcc', flags: ['-std=c99', '-O2', '-ffp-contract=off', '-static'] });
      expect(readBits(runExe(exe.path, true))).toEqual(Array.from(interpret(prepare(exact).gradient, exact.points[0])));
    }
  });
  test.skipIf(skip)('libm ops (the IK arm): within 1e-13 of the interpreter', () => {
    const ik = byName('planar IK chain');
    const src = cOf(ik);
    const exe = buildExecutable(`${src}\n${driver(ik.points[0], ik.nParams, 'adjoint_grad(x, g)')}`, { cc: 'arm-linux-gnueabihf-gcc', flags: ['-std=c99', '-O2', '-ffp-contract=off', '-static'] });
    const got = readBits(runExe(exe.path, true));
    const want = Array.from(interpret(prepare(ik).gradient, ik.points[0]));
    got.forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(want[k]))));
  });
});
