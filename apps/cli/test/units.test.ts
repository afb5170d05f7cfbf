/**
 * The CLI's parts in process: the argument parser, the graph -> Values rebuild the .ir path
 * relies on, the help table, and main's exit codes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { traceValue } from '@adjoint/autograd';
import { graphsEqual, parseGraph, printGraph } from '@adjoint/ir';
import { UsageError, parseArgs, type OptionSpec } from '../src/args.js';
import { headerPath } from '../src/commands.js';
import { graphToProgram } from '../src/load.js';
import { main } from '../src/main.js';
import { COMMANDS, commandHelp } from '../src/table.js';

const SPECS: readonly OptionSpec[] = [
  { name: 'target', short: 't', value: 'T', choices: ['js', 'c'], help: '' },
  { name: 'output', short: 'o', value: 'FILE', help: '' },
  { name: 'header', help: '' },
];

describe('parseArgs', () => {
  test('long, short, = and attached forms', () => {
    const a = parseArgs(['f.expr', '--target=c', '-ofile.c', '--header', 'x=1'], SPECS, 'compile');
    expect([...a.options]).toEqual([['target', 'c'], ['output', 'file.c'], ['header', true]]);
    expect(a.positionals).toEqual(['f.expr', 'x=1']);
    expect([...parseArgs(['-t', 'js', '-o=out'], SPECS, 'compile').options]).toEqual([['target', 'js'], ['output', 'out']]);
  });

  test('a value may start with a dash; -- ends the options', () => {
    expect(parseArgs(['-o', '-weird'], SPECS, 'compile').options.get('output')).toBe('-weird');
    expect(parseArgs(['--', '--target'], SPECS, 'compile').positionals).toEqual(['--target']);
  });

  test.each([
    [['--tgt', 'c'], "unknown option --tgt for 'compile'; its options are --target, --output, --header"],
    [['-x'], 'unknown option -x'],
    [['--header=yes'], '--header takes no value'],
    [['-o'], '--output needs a value: --output FILE'],
    [['--target', 'py'], "--target must be 'js' or 'c', got 'py'"],
    [['--header', '--header'], '--header is given twice'],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseArgs(argv, SPECS, 'compile')).toThrow(UsageError);
    expect(() => parseArgs(argv, SPECS, 'compile')).toThrow(message);
  });
});

test('headerPath puts the header beside the C file', () => {
  expect(headerPath('out/model.c')).toBe('out/model.h');
  expect(headerPath('model.C')).toBe('model.h');
  expect(headerPath('model')).toBe('model.h');
});

describe('graphToProgram', () => {
  test('the trace of the rebuilt Values is the graph again', () => {
    const text = [
      '%0 = input f64 0 "x"', '%1 = input f64 1 "y"', '%2 = input f64 2 "t"',
      '%3 = const f64 0.5', '%4 = mul f64 %0, %3', '%5 = lt bool %4, %1', '%6 = sin f64 %1',
      '%7 = select f64 %5, %6, %4', '%8 = atan2 f64 %7, %2', '%9 = add f64 %8, %4', 'return %9',
    ].join('\n');
    const g = parseGraph(text);
    const p = graphToProgram(g, 2);
    expect(p.params.map((v) => v.paramName)).toEqual(['x', 'y']);
    expect(p.inputs!.map((v) => v.paramName)).toEqual(['t']);
    const traced = traceValue(p.output, p.params, { inputs: p.inputs }).graph;
    expect(printGraph(traced)).toBe(printGraph(g));
    expect(graphsEqual(traced, g)).toBe(true);
    expect(p.f32).toBe(false);
  });

  test('f32 graphs are flagged; inputs the output does not use stay inputs', () => {
    const p = graphToProgram(parseGraph('%0 = input f32 0 "x"\n%1 = input f32 1 "unused"\n%2 = exp f32 %0\nreturn %2'), 2);
    expect(p.f32).toBe(true);
    expect(traceValue(p.output, p.params).graph.inputNames).toEqual(['x', 'unused']);
  });
});

test('every option in the table appears in its command help', () => {
  for (const c of COMMANDS) {
    const help = commandHelp(c);
    for (const o of c.options) expect(help, `${c.name} --${o.name}`).toContain(`--${o.name}`);
    expect(c.examples.length, c.name).toBeGreaterThan(0);
  }
});

describe('main, in process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-units-'));
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(argv, { out: (t) => { out += t; }, err: (t) => { err += t; } });
    return { code, out, err };
  }

  test('exit codes: 0, 1 for the input, 2 for the command line', async () => {
    expect((await run('eval', '-e', 'x*x', 'x=3')).out).toBe('at x = 3\nf = 9\ndf/dx = 6\n');
    expect((await run('eval', '-e', 'x*')).code).toBe(1);
    expect((await run('eval', '-e', 'x', '--bogus')).code).toBe(2);
  });

  test('an f32 IR cannot go to JavaScript, and goes to C in f32', async () => {
    const file = join(dir, 'f.ir');
    writeFileSync(file, '%0 = input f32 0 "x"\n%1 = sin f32 %0\nreturn %1\n');
    const js = await run('compile', file);
    expect(js.code).toBe(1);
    expect(js.err).toContain('the IR computes in f32 and JavaScript computes in f64; use --target c or wasm');
    const c = await run('compile', file, '--target', 'c');
    expect(c.code).toBe(0);
    expect(c.out).toContain('sinf(');
  });

  test('Values from another copy of the library are named as the problem', async () => {
    const file = join(dir, 'foreign.mjs');
    writeFileSync(file, 'export default () => ({ output: { data: 0, backward() {} }, params: [] });\n');
    const r = await run('compile', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain('the Values come from another copy of @adjoint/jit; build them with the one the CLI passes to your function');
  });
});
