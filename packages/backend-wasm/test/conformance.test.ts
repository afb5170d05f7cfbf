/**
 * The wasm backend against the interpreter, bit for bit (Object.is: -0 counts, NaN equals
 * NaN), on the conformance corpus, random graphs and nested loop programs, each compiled with
 * several schedulings (straight, loops on small graphs, tiny chunks) in f64 and in f32
 * (against the interpreter on the f32 graph). Math functions are the host's `Math`.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { corpus, nestedCase, prepare, randomCase, type Case } from '@adjoint/conformance';
import { loadBinaryen, type Binaryen } from '@adjoint/backend-wasm';
import { SCHEDULES, check, loadWabt, seen } from './helpers.js';

let binaryen: Binaryen;
beforeAll(async () => {
  binaryen = await loadBinaryen();
  await loadWabt();
});

function checkCase(c: Case): string[] {
  const { gradient } = prepare(c);
  return SCHEDULES.flatMap((schedule) => [
    ...check(binaryen, c.name, gradient, c.points, schedule),
    ...check(binaryen, c.name, gradient, c.points, schedule, { precision: 'f32' }),
  ]);
}

describe('wasm backend matches the interpreter bit for bit', () => {
  test.each(corpus.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(checkCase(c)).toEqual([]);
  });

  const BATCH = 25;
  test.each(Array.from({ length: 12 }, (_, b) => b * BATCH))('random graphs, seeds %i..+24', (from) => {
    const bad: string[] = [];
    for (let seed = from; seed < from + BATCH; seed++) bad.push(...checkCase(randomCase(seed)));
    expect(bad).toEqual([]);
  });

  test.each([0, 10, 20, 30])('nested loop programs, seeds %i..+9', (from) => {
    const bad: string[] = [];
    for (let seed = from; seed < from + 10; seed++) bad.push(...checkCase(nestedCase(seed)));
    expect(bad).toEqual([]);
  });
});

// Runs after the tests above (a file's tests run in order): the suite must have exercised every
// construct of the loop form, or a passing run proves less than it seems.
test('the cases exercised every construct of the loop form', () => {
  console.info('loop-form constructs compiled:', Object.fromEntries([...seen].sort()));
  const required = [
    'outer loop', 'inner loop', 'carried float', 'carried bool', 'int tables', 'float tables',
    'storeLast of carried', 'storeLast stored every time', 'outer operand outer', 'outer operand mem', 'outer operand input',
    'outer operand consts', 'outer operand carried', 'inner operand mem', 'inner operand carried', 'inner mem split table address',
    'outer mem table address', 'outer input invariant address', 'outer output table address',
  ];
  expect(required.filter((f) => !seen.has(f))).toEqual([]);
});
