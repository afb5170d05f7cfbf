/**
 * Golden tests of the passes: each file in golden/ is IR text with a `; RUN:` line naming the
 * pass, and `; CHECK:` lines holding the expected output, printed. A pass change shows up as a
 * readable diff of IR. `UPDATE_GOLDENS=1 pnpm exec vitest run packages/ir/test/golden.test.ts`
 * rewrites the CHECK lines (review the diff before committing it).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  cse, dce, foldConstants, interpret, optimizeGradient, parseGraph, printGraph, simplify, verifyGraph, type Graph, type OptimizeLevel,
} from '@adjoint/ir';

const DIR = join(import.meta.dirname, 'golden');

interface Run { pass: string; params: number[] | null; fastMath: boolean }

/** `; RUN: simplify fastMath` or `; RUN: gradient params=0,1` or `; RUN: optimize=2 params=0`. */
function parseRun(line: string): Run {
  const words = line.trim().split(/\s+/);
  const params = words.find((w) => w.startsWith('params='));
  return { pass: words[0], params: params === undefined ? null : params.slice(7).split(',').map(Number), fastMath: words.includes('fastMath') };
}

function runPass(run: Run, g: Graph): Graph {
  const params = run.params ?? g.inputNames.map((_, k) => k);
  switch (run.pass) {
    case 'fold': return foldConstants(g).graph;
    case 'simplify': return simplify(g, { fastMath: run.fastMath }).graph;
    case 'cse': return cse(g).graph;
    case 'dce': return dce(g).graph;
    case 'gradient': return optimizeGradient(g, { params, optimize: 1, fastMath: run.fastMath, verify: true }).graph;
    default: {
      const m = /^optimize=([012])$/.exec(run.pass);
      if (m === null) throw new Error(`unknown pass in RUN line: ${run.pass}`);
      return optimizeGradient(g, { params, optimize: Number(m[1]) as OptimizeLevel, fastMath: run.fastMath, verify: true }).graph;
    }
  }
}

/** Points where exact passes must agree bit for bit: ordinary values and the special ones. */
const PROBES = [0.75, -1.5, 2, 0, -0, 1e300, NaN, Infinity, -Infinity];

const files = readdirSync(DIR).filter((f) => f.endsWith('.ir')).sort();

describe('pass goldens', () => {
  test('the golden folder has a file for every pass', () => {
    const passes = new Set(files.map((f) => parseRun(/^; RUN: (.*)$/m.exec(readFileSync(join(DIR, f), 'utf8'))![1]).pass));
    for (const p of ['fold', 'simplify', 'cse', 'dce', 'gradient', 'optimize=0', 'optimize=2']) expect(passes).toContain(p);
  });

  test.each(files)('%s', (file) => {
    const path = join(DIR, file);
    const text = readFileSync(path, 'utf8');
    const runLine = /^; RUN: (.*)$/m.exec(text);
    if (runLine === null) throw new Error(`${file}: missing a "; RUN: <pass>" line`);
    const run = parseRun(runLine[1]);
    const body = text.split('\n').filter((l) => !l.startsWith('; CHECK:'));
    const input = parseGraph(body.join('\n'));
    const output = runPass(run, input);
    verifyGraph(output);
    const got = printGraph(output).trimEnd().split('\n');
    if (process.env.UPDATE_GOLDENS === '1') {
      writeFileSync(path, `${body.join('\n').trimEnd()}\n${got.map((l) => `; CHECK: ${l}`).join('\n')}\n`);
      return;
    }
    const want = text.split('\n').filter((l) => l.startsWith('; CHECK:')).map((l) => l.slice('; CHECK: '.length));
    expect(got.join('\n')).toBe(want.join('\n'));
    // A pass never makes a graph bigger, and exact passes never change a value.
    if (!run.pass.startsWith('optimize') && run.pass !== 'gradient') {
      expect(output.size).toBeLessThanOrEqual(input.size);
      if (!run.fastMath) {
        for (const p of PROBES) {
          const x = input.inputNames.map((_, k) => (k % 2 === 0 ? p : -p * 0.5));
          expect(Array.from(interpret(output, x)).map(String)).toEqual(Array.from(interpret(input, x)).map(String));
          expect(Array.from(interpret(output, x)).map((v) => Object.is(v, -0))).toEqual(Array.from(interpret(input, x)).map((v) => Object.is(v, -0)));
        }
      }
    }
  });
});
